package signing

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// Vectors made with openssl, outside the project:
//
//	K=000102030405060708090a0b0c0d0e0f1011121314151617
//	printf '%s' "$PLAIN" | openssl enc -des-ede3 -K $K -nosalt | xxd -p
//
// (-des-ede3 is three-key 3DES in ECB mode with PKCS#5 padding.)
const tdesVectorKey = "000102030405060708090a0b0c0d0e0f1011121314151617"

var tdesVectors = []struct{ plain, cipher string }{
	{"Ví Việt 3DES test vector|150000", "9a0a71b6bf6b29a849ac838653465fc3fa943da6678234ee1ae16f701bc260bf2d88e7bd71903e56"},
	{"", "a3cf6ec88bd97d73"},
	{"12345678", "59b7c4a9b756ddd1a3cf6ec88bd97d73"},
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTripleDESAgainstOpenSSL(t *testing.T) {
	t.Parallel()
	key := mustHex(t, tdesVectorKey)
	for _, v := range tdesVectors {
		got, err := EncryptTripleDESECB(key, []byte(v.plain))
		if err != nil {
			t.Fatal(err)
		}
		if hex.EncodeToString(got) != v.cipher {
			t.Errorf("encrypt %q = %x, openssl says %s", v.plain, got, v.cipher)
		}
		plain, err := DecryptTripleDESECB(key, mustHex(t, v.cipher))
		if err != nil {
			t.Fatalf("decrypt %q: %v", v.plain, err)
		}
		if string(plain) != v.plain {
			t.Errorf("decrypt = %q, want %q", plain, v.plain)
		}
	}
}

func TestTripleDESRoundTrip(t *testing.T) {
	t.Parallel()
	key, err := NewTripleDESKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	for n := range 40 {
		msg := bytes.Repeat([]byte{byte(n)}, n)
		ct, err := EncryptTripleDESECB(key, msg)
		if err != nil {
			t.Fatal(err)
		}
		if len(ct)%8 != 0 || len(ct) <= len(msg) {
			t.Fatalf("ciphertext of %d bytes for %d", len(ct), n)
		}
		pt, err := DecryptTripleDESECB(key, ct)
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if !bytes.Equal(pt, msg) {
			t.Fatalf("n=%d: round trip changed the message", n)
		}
	}
}

func TestTripleDESRefusals(t *testing.T) {
	t.Parallel()
	key := mustHex(t, tdesVectorKey)
	good := mustHex(t, tdesVectors[0].cipher)
	otherKey := bytes.Repeat([]byte{0x5a}, 24)
	otherKey[0] = 0x01

	// A ciphertext whose last block decrypts to a bad padding byte (9):
	// encrypt a block that ends in 9 and drop the padding block.
	bad9, err := EncryptTripleDESECB(key, []byte("1234567\x09"))
	if err != nil {
		t.Fatal(err)
	}
	bad9 = bad9[:8]
	// Right length byte (3) but the bytes before it differ.
	badRun, err := EncryptTripleDESECB(key, []byte("12345\x01\x03\x03"))
	if err != nil {
		t.Fatal(err)
	}
	badRun = badRun[:8]
	// A zero padding byte.
	zero, err := EncryptTripleDESECB(key, []byte("1234567\x00"))
	if err != nil {
		t.Fatal(err)
	}
	zero = zero[:8]

	cases := []struct {
		name string
		key  []byte
		ct   []byte
		want error
		text string
	}{
		{"empty", key, nil, ErrDecrypt, "empty ciphertext"},
		{"truncated", key, good[:len(good)-3], ErrDecrypt, "not a whole number"},
		{"one byte", key, good[:1], ErrDecrypt, "not a whole number"},
		{"last block dropped", key, good[:len(good)-8], ErrDecrypt, "bad padding"},
		{"wrong key", otherKey, good, ErrDecrypt, "wrong key"},
		{"padding byte 9", key, bad9, ErrDecrypt, "bad padding"},
		{"padding run broken", key, badRun, ErrDecrypt, "bad padding"},
		{"padding byte 0", key, zero, ErrDecrypt, "bad padding"},
		{"too large", key, make([]byte, maxCiphertext+8), ErrDecrypt, "larger than"},
		{"short key", key[:16], good, ErrInvalidKey, "24 bytes"},
		{"nil key", nil, good, ErrInvalidKey, "24 bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := DecryptTripleDESECB(tc.key, tc.ct)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v (out %q)", err, tc.want, out)
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("err = %q, want it to mention %q", err, tc.text)
			}
		})
	}
	if _, err := EncryptTripleDESECB(key[:8], []byte("x")); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("encrypt with an 8-byte key: %v", err)
	}
}

func TestUnpadPKCS5Exhaustive(t *testing.T) {
	t.Parallel()
	// Every value of the last two bytes, checked against a plain reference.
	for a := range 256 {
		for b := range 256 {
			buf := []byte{9, 9, 9, 9, 9, 9, byte(a), byte(b)}
			n, ok := unpadPKCS5(buf)
			wantOK := b >= 1 && b <= 8
			if wantOK {
				for i := 8 - b; i < 8; i++ {
					if int(buf[i]) != b {
						wantOK = false
					}
				}
			}
			if ok != wantOK || (ok && n != 8-b) {
				t.Fatalf("unpad(%x) = %d, %v; want ok=%v", buf, n, ok, wantOK)
			}
		}
	}
}

func TestKeyWrapRoundTrip(t *testing.T) {
	t.Parallel()
	priv := testKey(t)
	sess, err := NewTripleDESKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	wrapped, err := WrapKeyPKCS1v15(&priv.PublicKey, sess)
	if err != nil {
		t.Fatal(err)
	}
	got, err := UnwrapKeyPKCS1v15(priv, wrapped, TripleDESKeySize)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, sess) {
		t.Fatal("unwrapped key differs")
	}

	// A wrong private key gives no error (no padding oracle) but a key
	// that does not decrypt the data.
	other := testKey(t)
	ct, err := EncryptTripleDESECB(sess, []byte(`{"order_no":"A1"}`))
	if err != nil {
		t.Fatal(err)
	}
	wrong, err := UnwrapKeyPKCS1v15(other, wrapped, TripleDESKeySize)
	switch {
	case err != nil:
		// The wrapped key, read as a number, can exceed the other key's
		// modulus: rsa refuses it outright, which tells nothing secret.
		if !errors.Is(err, ErrDecrypt) {
			t.Fatalf("wrong key: %v, want ErrDecrypt or a random key", err)
		}
	case bytes.Equal(wrong, sess):
		t.Fatal("a wrong private key recovered the session key")
	default:
		// The wrong key almost never decrypts to valid padding; allow the
		// rare valid-looking padding but never the right plaintext.
		if pt, err := DecryptTripleDESECB(wrong, ct); err == nil && string(pt) == `{"order_no":"A1"}` {
			t.Fatal("wrong key decrypted the data")
		}
	}

	// A key of another size inside valid padding is not accepted as is.
	wrapped16, err := WrapKeyPKCS1v15(&priv.PublicKey, sess[:16])
	if err != nil {
		t.Fatal(err)
	}
	got16, err := UnwrapKeyPKCS1v15(priv, wrapped16, TripleDESKeySize)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.HasPrefix(got16, sess[:16]) {
		t.Fatal("a 16-byte key was taken for a 24-byte one")
	}
}

func TestKeyWrapRefusals(t *testing.T) {
	t.Parallel()
	priv := testKey(t)
	wrapped, err := WrapKeyPKCS1v15(&priv.PublicKey, make([]byte, 24))
	if err != nil {
		t.Fatal(err)
	}
	weak, err := ParsePublicKey(readTestdata(t, "rsa2048.pub.pkix.pem"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		err  func() error
		want error
		text string
	}{
		{"truncated", func() error { _, err := UnwrapKeyPKCS1v15(priv, wrapped[:100], 24); return err }, ErrDecrypt, "truncated"},
		{"empty", func() error { _, err := UnwrapKeyPKCS1v15(priv, nil, 24); return err }, ErrDecrypt, "want 256"},
		{"too long", func() error { _, err := UnwrapKeyPKCS1v15(priv, append(wrapped, 0), 24); return err }, ErrDecrypt, "want 256"},
		{"above modulus", func() error {
			_, err := UnwrapKeyPKCS1v15(priv, bytes.Repeat([]byte{0xff}, 256), 24)
			return err
		}, ErrDecrypt, "rsa"},
		{"nil private key", func() error { _, err := UnwrapKeyPKCS1v15(nil, wrapped, 24); return err }, ErrInvalidKey, "nil"},
		{"tiny size", func() error { _, err := UnwrapKeyPKCS1v15(priv, wrapped, 8); return err }, ErrInvalidKey, "out of range"},
		{"nil public key", func() error { _, err := WrapKeyPKCS1v15(nil, make([]byte, 24)); return err }, ErrInvalidKey, "nil"},
		{"empty session key", func() error { _, err := WrapKeyPKCS1v15(weak, nil); return err }, ErrInvalidKey, "empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.err()
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("err = %v, want %v mentioning %q", err, tc.want, tc.text)
			}
		})
	}
	small, err := ParsePublicKey(readTestdata(t, "rsa1024.pub.pkix.pem"))
	if err == nil {
		if _, err := WrapKeyPKCS1v15(small, make([]byte, 24)); !errors.Is(err, ErrWeakKey) {
			t.Fatalf("wrap for a weak key: %v", err)
		}
	}
}

func FuzzDecryptTripleDESECB(f *testing.F) {
	key := mustHex(f, tdesVectorKey)
	for _, v := range tdesVectors {
		f.Add(mustHex(f, v.cipher))
	}
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, ct []byte) {
		pt, err := DecryptTripleDESECB(key, ct)
		if err != nil {
			if !errors.Is(err, ErrDecrypt) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		// Whatever decrypts must re-encrypt to the same bytes.
		again, err := EncryptTripleDESECB(key, pt)
		if err != nil || !bytes.Equal(again, ct) {
			t.Fatalf("re-encryption differs: %v", err)
		}
	})
}
