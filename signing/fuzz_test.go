package signing

import (
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func addKeySeeds(f *testing.F) {
	matches, _ := filepath.Glob(filepath.Join("testdata", "rsa*"))
	for _, m := range matches {
		if b, err := os.ReadFile(m); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\n\n-----END PRIVATE KEY-----"))
	f.Add([]byte("MIIB"))
}

func FuzzParsePrivateKey(f *testing.F) {
	fuzzKeyParser(f, func(b []byte) (*rsa.PublicKey, error) {
		k, err := ParsePrivateKey(b)
		if err != nil {
			return nil, err
		}
		return &k.PublicKey, nil
	})
}

func FuzzParsePublicKey(f *testing.F) {
	fuzzKeyParser(f, ParsePublicKey)
}

// fuzzKeyParser checks a key parser never panics, classifies every error, and
// never accepts a key outside [MinRSABits, MaxRSABits].
func fuzzKeyParser(f *testing.F, parse func([]byte) (*rsa.PublicKey, error)) {
	addKeySeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := parse(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidKey) && !errors.Is(err, ErrWeakKey) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		if bits := k.N.BitLen(); bits < MinRSABits || bits > MaxRSABits {
			t.Fatalf("accepted a %d-bit key", bits)
		}
	})
}

func FuzzVerifySHA256Base64(f *testing.F) {
	pub, err := ParsePublicKey(mustRead(f, "rsa2048.pub.pkix.pem"))
	if err != nil {
		f.Fatal(err)
	}
	msg := mustRead(f, "message.txt")
	sig := string(mustRead(f, "message.sig.b64"))
	f.Add(msg, sig)
	f.Add(msg, "")
	f.Add([]byte("x"), base64.RawURLEncoding.EncodeToString([]byte("short")))
	f.Fuzz(func(t *testing.T, m []byte, s string) {
		err := VerifySHA256Base64(m, s, pub)
		if err != nil && !errors.Is(err, ErrInvalidSignature) {
			t.Fatalf("unclassified error: %v", err)
		}
		if err == nil && string(m) != string(msg) {
			t.Fatalf("a signature verified over another message %q", m)
		}
	})
}

func FuzzEqualHexDigest(f *testing.F) {
	d := SHA256("abc")
	f.Add(Hex(Upper, d[:]))
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		if EqualHexDigest(s, d[:]) && len(s) != 64 {
			t.Fatalf("matched %q", s)
		}
	})
}

func mustRead(f *testing.F, name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		f.Fatal(err)
	}
	return b
}
