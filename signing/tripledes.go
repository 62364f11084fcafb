package signing

import (
	"crypto/des" //nolint:gosec // 3DES is what Ví Việt's v2 protocol requires.
	"crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
)

// TripleDESKeySize is the size of a three-key 3DES (DES-EDE3) key.
const TripleDESKeySize = 24

// maxCiphertext caps the 3DES input accepted, so that a hostile message
// cannot make the decoder work on megabytes.
const maxCiphertext = 1 << 20

// ErrDecrypt is returned when a 3DES ciphertext does not decrypt: its length
// is not a whole number of blocks, it is empty, or its padding is wrong (the
// usual sign of a wrong key or corrupted data).
var ErrDecrypt = errors.New("signing: cannot decrypt")

// EncryptTripleDESECB encrypts plaintext with 3DES (DES-EDE3) in ECB mode
// with PKCS#5 padding, the scheme of Java's "DESede" cipher and of
// "openssl enc -des-ede3 -nosalt". key must be 24 bytes. ECB leaks equal
// blocks; use it only where a gateway's protocol demands it.
func EncryptTripleDESECB(key, plaintext []byte) ([]byte, error) {
	block, err := tripleDES(key)
	if err != nil {
		return nil, err
	}
	if len(plaintext) > maxCiphertext {
		return nil, fmt.Errorf("signing: 3des: plaintext larger than %d bytes", maxCiphertext)
	}
	pad := des.BlockSize - len(plaintext)%des.BlockSize
	out := make([]byte, len(plaintext)+pad)
	copy(out, plaintext)
	for i := len(plaintext); i < len(out); i++ {
		out[i] = byte(pad)
	}
	for i := 0; i < len(out); i += des.BlockSize {
		block.Encrypt(out[i:i+des.BlockSize], out[i:i+des.BlockSize])
	}
	return out, nil
}

// DecryptTripleDESECB reverses [EncryptTripleDESECB]. A ciphertext that is
// empty, not a whole number of 8-byte blocks, or whose PKCS#5 padding is
// wrong gives an error wrapping [ErrDecrypt]; a wrong key almost always shows
// as wrong padding. The padding is checked without branching on its bytes.
func DecryptTripleDESECB(key, ciphertext []byte) ([]byte, error) {
	block, err := tripleDES(key)
	if err != nil {
		return nil, err
	}
	switch {
	case len(ciphertext) == 0:
		return nil, fmt.Errorf("%w: empty ciphertext", ErrDecrypt)
	case len(ciphertext) > maxCiphertext:
		return nil, fmt.Errorf("%w: ciphertext larger than %d bytes", ErrDecrypt, maxCiphertext)
	case len(ciphertext)%des.BlockSize != 0:
		return nil, fmt.Errorf("%w: ciphertext of %d bytes is not a whole number of %d-byte blocks (truncated?)",
			ErrDecrypt, len(ciphertext), des.BlockSize)
	}
	out := make([]byte, len(ciphertext))
	for i := 0; i < len(out); i += des.BlockSize {
		block.Decrypt(out[i:i+des.BlockSize], ciphertext[i:i+des.BlockSize])
	}
	n, ok := unpadPKCS5(out)
	if !ok {
		return nil, fmt.Errorf("%w: bad padding (wrong key or corrupted ciphertext)", ErrDecrypt)
	}
	return out[:n], nil
}

// unpadPKCS5 returns the length of buf without its PKCS#5 padding, checking
// the last block in constant time.
func unpadPKCS5(buf []byte) (int, bool) {
	last := buf[len(buf)-des.BlockSize:]
	pad := int(last[des.BlockSize-1])
	good := subtle.ConstantTimeLessOrEq(1, pad) & subtle.ConstantTimeLessOrEq(pad, des.BlockSize)
	for i := 0; i < des.BlockSize; i++ {
		// Byte i of the last block belongs to the padding when
		// i >= BlockSize-pad; it must then equal pad.
		inPad := subtle.ConstantTimeLessOrEq(des.BlockSize-pad, i)
		eq := subtle.ConstantTimeByteEq(last[i], byte(pad))
		good &= subtle.ConstantTimeSelect(inPad, eq, 1)
	}
	return len(buf) - pad, good == 1
}

func tripleDES(key []byte) (interface {
	Encrypt(dst, src []byte)
	Decrypt(dst, src []byte)
}, error) {
	if len(key) != TripleDESKeySize {
		return nil, fmt.Errorf("%w: 3des key must be %d bytes, got %d", ErrInvalidKey, TripleDESKeySize, len(key))
	}
	block, err := des.NewTripleDESCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%w: 3des: %v", ErrInvalidKey, err)
	}
	return block, nil
}

// NewTripleDESKey returns a fresh random 24-byte 3DES key read from r
// (crypto/rand when r is nil).
func NewTripleDESKey(r io.Reader) ([]byte, error) {
	if r == nil {
		r = rand.Reader
	}
	key := make([]byte, TripleDESKeySize)
	if _, err := io.ReadFull(r, key); err != nil {
		return nil, fmt.Errorf("signing: 3des key: %w", err)
	}
	return key, nil
}

// WrapKeyPKCS1v15 encrypts a symmetric key for pub with RSA PKCS#1 v1.5
// (RSAES-PKCS1-v1_5), the key transport of protocols such as Ví Việt v2
// (Java's "RSA" cipher). PKCS#1 v1.5 encryption is legacy; use it only where
// a gateway demands it.
func WrapKeyPKCS1v15(pub *rsa.PublicKey, key []byte) ([]byte, error) {
	if err := checkSize(pub); err != nil {
		return nil, err
	}
	if len(key) == 0 {
		return nil, fmt.Errorf("%w: empty key to wrap", ErrInvalidKey)
	}
	//lint:ignore SA1019 the gateway's protocol is RSA PKCS#1 v1.5 key transport.
	out, err := rsa.EncryptPKCS1v15(rand.Reader, pub, key)
	if err != nil {
		return nil, fmt.Errorf("signing: rsa wrap key: %w", err)
	}
	return out, nil
}

// UnwrapKeyPKCS1v15 decrypts a symmetric key of exactly size bytes wrapped
// by [WrapKeyPKCS1v15]. It is built on rsa.DecryptPKCS1v15SessionKey so that
// it does not act as a Bleichenbacher padding oracle: when the RSA padding is
// wrong, or the key inside is not size bytes (a wrong private key, a forged
// or corrupted ciphertext), it returns a random key and no error, in constant
// time, and the failure shows at the next step (the data does not decrypt or
// its signature does not verify). It returns an error only for what is
// visible without the private key: a ciphertext of the wrong length, a bad
// size, a missing key.
func UnwrapKeyPKCS1v15(priv *rsa.PrivateKey, wrapped []byte, size int) ([]byte, error) {
	if priv == nil {
		return nil, fmt.Errorf("%w: nil private key", ErrInvalidKey)
	}
	if err := checkSize(&priv.PublicKey); err != nil {
		return nil, err
	}
	if size < 16 || size > priv.Size()-11 {
		return nil, fmt.Errorf("%w: session key size %d out of range", ErrInvalidKey, size)
	}
	if len(wrapped) != priv.Size() {
		return nil, fmt.Errorf("%w: wrapped key is %d bytes, want %d (truncated or for another key size)",
			ErrDecrypt, len(wrapped), priv.Size())
	}
	key := make([]byte, size)
	if _, err := io.ReadFull(rand.Reader, key); err != nil {
		return nil, fmt.Errorf("signing: rsa unwrap key: %w", err)
	}
	//lint:ignore SA1019 the gateway's protocol is RSA PKCS#1 v1.5 key transport; this is the oracle-resistant form.
	if err := rsa.DecryptPKCS1v15SessionKey(nil, priv, wrapped, key); err != nil {
		return nil, fmt.Errorf("%w: rsa: %v", ErrDecrypt, err)
	}
	return key, nil
}
