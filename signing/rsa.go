package signing

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// MinRSABits is the smallest RSA modulus accepted: 2048 bits.
const MinRSABits = 2048

// MaxRSABits is the largest RSA modulus accepted: 8192 bits. Larger keys
// only make every operation slower; a hostile one could stall a verifier.
const MaxRSABits = 8192

// maxKeyInput caps the size of key material accepted (an 8192-bit private key
// in PEM is about 6.5 KiB), so that a hostile input cannot make the parser
// work on megabytes.
const maxKeyInput = 16 << 10

var (
	// ErrInvalidKey is returned for key material that cannot be parsed as a
	// supported RSA key.
	ErrInvalidKey = errors.New("signing: invalid key")
	// ErrWeakKey is returned for RSA keys shorter than MinRSABits.
	ErrWeakKey = errors.New("signing: rsa key shorter than 2048 bits")
	// ErrInvalidSignature is returned when a signature does not verify, is
	// empty, or is not valid base64.
	ErrInvalidSignature = errors.New("signing: invalid signature")
)

// ParsePrivateKey loads an RSA private key given as PEM ("RSA PRIVATE KEY",
// PKCS#1, or "PRIVATE KEY", PKCS#8) or as bare base64 DER of either form.
// Keys under [MinRSABits] are refused with [ErrWeakKey]; encrypted PEM is not
// supported.
func ParsePrivateKey(data []byte) (*rsa.PrivateKey, error) {
	der, err := keyDER(data, "RSA PRIVATE KEY", "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	var key *rsa.PrivateKey
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		key = k
	} else if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("%w: private key is %T, not RSA", ErrInvalidKey, k)
		}
		key = rk
	} else {
		return nil, fmt.Errorf("%w: not a PKCS#1 or PKCS#8 RSA private key", ErrInvalidKey)
	}
	if err := checkSize(&key.PublicKey); err != nil {
		return nil, err
	}
	return key, nil
}

// ParsePublicKey loads an RSA public key given as PEM ("PUBLIC KEY", PKIX;
// "RSA PUBLIC KEY", PKCS#1; or "CERTIFICATE", whose key is used) or as bare
// base64 DER of any of these. Keys under [MinRSABits] are refused with
// [ErrWeakKey]. A certificate's validity dates are not checked: gateways hand
// out self-signed certificates as key containers.
func ParsePublicKey(data []byte) (*rsa.PublicKey, error) {
	der, err := keyDER(data, "PUBLIC KEY", "RSA PUBLIC KEY", "CERTIFICATE")
	if err != nil {
		return nil, err
	}
	var pub any
	if k, err := x509.ParsePKIXPublicKey(der); err == nil {
		pub = k
	} else if k, err := x509.ParsePKCS1PublicKey(der); err == nil {
		pub = k
	} else if c, err := x509.ParseCertificate(der); err == nil {
		pub = c.PublicKey
	} else {
		return nil, fmt.Errorf("%w: not a PKIX, PKCS#1 or certificate RSA public key", ErrInvalidKey)
	}
	key, ok := pub.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: public key is %T, not RSA", ErrInvalidKey, pub)
	}
	if err := checkSize(key); err != nil {
		return nil, err
	}
	return key, nil
}

// CheckKeySize returns [ErrWeakKey] for a key under [MinRSABits] and
// [ErrInvalidKey] for a nil key or one over [MaxRSABits].
func CheckKeySize(key *rsa.PublicKey) error { return checkSize(key) }

func checkSize(key *rsa.PublicKey) error {
	if key == nil || key.N == nil {
		return fmt.Errorf("%w: nil key", ErrInvalidKey)
	}
	bits := key.N.BitLen()
	if bits < MinRSABits {
		return fmt.Errorf("%w: got %d bits", ErrWeakKey, bits)
	}
	if bits > MaxRSABits {
		return fmt.Errorf("%w: %d bits, more than %d", ErrInvalidKey, bits, MaxRSABits)
	}
	return nil
}

// keyDER returns the DER bytes of a PEM block of one of the given types, or
// of bare base64 DER.
func keyDER(data []byte, types ...string) ([]byte, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrInvalidKey)
	}
	if len(data) > maxKeyInput {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrInvalidKey, maxKeyInput)
	}
	trimmed := bytes.TrimSpace(data)
	if bytes.HasPrefix(trimmed, []byte("-----BEGIN")) {
		block, _ := pem.Decode(trimmed)
		if block == nil {
			return nil, fmt.Errorf("%w: malformed PEM", ErrInvalidKey)
		}
		if _, encrypted := block.Headers["Proc-Type"]; encrypted {
			return nil, fmt.Errorf("%w: encrypted PEM is not supported", ErrInvalidKey)
		}
		for _, t := range types {
			if block.Type == t {
				return block.Bytes, nil
			}
		}
		return nil, fmt.Errorf("%w: PEM block %q, want one of %s", ErrInvalidKey, block.Type, strings.Join(types, ", "))
	}
	der, err := DecodeBase64(string(trimmed))
	if err != nil {
		return nil, fmt.Errorf("%w: neither PEM nor base64 DER", ErrInvalidKey)
	}
	return der, nil
}

// DecodeBase64 decodes s in any of the four common base64 forms: standard or
// URL alphabet, padded or not. Whitespace (line breaks in PEM-like bodies) is
// ignored.
func DecodeBase64(s string) ([]byte, error) {
	if strings.ContainsAny(s, " \t\r\n") {
		s = strings.Join(strings.Fields(s), "")
	}
	if s == "" {
		return nil, errors.New("signing: empty base64")
	}
	enc := base64.StdEncoding
	if strings.ContainsAny(s, "-_") {
		enc = base64.URLEncoding
	}
	if !strings.HasSuffix(s, "=") && len(s)%4 != 0 {
		enc = enc.WithPadding(base64.NoPadding)
	}
	out, err := enc.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("signing: bad base64: %w", err)
	}
	return out, nil
}

// SignSHA256 signs msg with SHA256withRSA (RSASSA-PKCS1-v1_5 over SHA-256).
func SignSHA256(key *rsa.PrivateKey, msg []byte) ([]byte, error) {
	if key == nil {
		return nil, fmt.Errorf("%w: nil private key", ErrInvalidKey)
	}
	digest := sha256.Sum256(msg)
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		return nil, fmt.Errorf("signing: rsa sign: %w", err)
	}
	return sig, nil
}

// SignSHA256Base64 is [SignSHA256] with the signature encoded by enc
// (base64.StdEncoding for most gateways).
func SignSHA256Base64(key *rsa.PrivateKey, msg []byte, enc *base64.Encoding) (string, error) {
	sig, err := SignSHA256(key, msg)
	if err != nil {
		return "", err
	}
	return enc.EncodeToString(sig), nil
}

// VerifySHA256 checks a SHA256withRSA signature over msg against each of
// keys in turn (several keys allow rotation) and returns nil for the first
// that verifies. With no key, or an empty signature, it fails closed with
// [ErrInvalidSignature].
func VerifySHA256(msg, sig []byte, keys ...*rsa.PublicKey) error {
	if len(sig) == 0 {
		return fmt.Errorf("%w: empty", ErrInvalidSignature)
	}
	if len(keys) == 0 {
		return fmt.Errorf("%w: no public key to verify with", ErrInvalidSignature)
	}
	digest := sha256.Sum256(msg)
	for _, k := range keys {
		if k == nil {
			continue
		}
		if rsa.VerifyPKCS1v15(k, crypto.SHA256, digest[:], sig) == nil {
			return nil
		}
	}
	return ErrInvalidSignature
}

// VerifySHA256Base64 is [VerifySHA256] for a base64 signature in any of the
// forms [DecodeBase64] accepts. Malformed base64 is an [ErrInvalidSignature].
func VerifySHA256Base64(msg []byte, sig string, keys ...*rsa.PublicKey) error {
	if sig == "" {
		return fmt.Errorf("%w: empty", ErrInvalidSignature)
	}
	raw, err := DecodeBase64(sig)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidSignature, err)
	}
	return VerifySHA256(msg, raw, keys...)
}
