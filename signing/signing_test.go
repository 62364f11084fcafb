package signing

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSecretNeverShows(t *testing.T) {
	t.Parallel()
	const raw = "Sup3rSecretValue1234"
	s := NewSecret(raw)
	type cfg struct {
		Name   string
		Key    Secret
		hidden Secret
	}
	c := cfg{Name: "shop", Key: s, hidden: s}
	var logBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("cfg", "key", s, "cfg", c)
	j, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"%v": fmt.Sprintf("%v", s), "%+v": fmt.Sprintf("%+v", c), "%#v": fmt.Sprintf("%#v", c),
		"%s": fmt.Sprintf("%s", s), "%q": fmt.Sprintf("%q", s), "%x": fmt.Sprintf("%x", s),
		"%d": fmt.Sprintf("%d", s), "%v struct": fmt.Sprint(c), "json": string(j),
		"slog": logBuf.String(), "error": fmt.Errorf("bad key %v", s).Error(),
	}
	for name, out := range outputs {
		if strings.Contains(out, raw) || strings.Contains(out, fmt.Sprintf("%x", raw)) {
			t.Errorf("%s leaks the secret: %s", name, out)
		}
	}
	for _, name := range []string{"%v", "%s", "json", "slog"} {
		if !strings.Contains(outputs[name], Redacted) {
			t.Errorf("%s = %q, want it to say %s", name, outputs[name], Redacted)
		}
	}
	if s.Reveal() != raw || s.Len() != len(raw) || s.IsZero() {
		t.Fatalf("Reveal/Len/IsZero wrong")
	}
	if !NewSecret("").IsZero() || !(Secret{}).IsZero() || (Secret{}).Reveal() != "" {
		t.Fatal("empty secret not zero")
	}
}

func TestJoin(t *testing.T) {
	t.Parallel()
	if got := Join("|", "a", "", "c"); got != "a||c" {
		t.Fatalf("Join = %q", got)
	}
	params := []Param{{"website_id", "7"}, {"amount", "100"}, {"currency", "VND"}, {"Zeta", "z"}}
	orig := append([]Param(nil), params...)
	// Byte order: uppercase sorts before lowercase.
	if got, want := JoinSorted("|", params), "z|100|VND|7"; got != want {
		t.Fatalf("JoinSorted = %q, want %q", got, want)
	}
	for i := range params {
		if params[i] != orig[i] {
			t.Fatal("JoinSorted modified its input")
		}
	}
	m := map[string]string{"b": "2", "a": "1", "c": "3"}
	if got := JoinMapSorted("|", m); got != "1|2|3" {
		t.Fatalf("JoinMapSorted = %q", got)
	}
	if got := JoinSorted("|", nil); got != "" {
		t.Fatalf("JoinSorted(nil) = %q", got)
	}
}

func TestDigestsAgainstOpenSSL(t *testing.T) {
	t.Parallel()
	msg := string(readTestdata(t, "message.txt"))
	wantSHA := strings.TrimSpace(string(readTestdata(t, "message.sha256.hex")))
	wantMD5 := strings.TrimSpace(string(readTestdata(t, "message.md5.hex")))
	// Split the message in parts to check the parts are hashed as one string.
	parts := strings.SplitAfter(msg, "|")
	if got := SHA256Hex(Lower, parts...); got != wantSHA {
		t.Errorf("SHA256Hex = %s, openssl says %s", got, wantSHA)
	}
	if got := SHA256Hex(Upper, msg); got != strings.ToUpper(wantSHA) {
		t.Errorf("SHA256Hex upper = %s", got)
	}
	if got := MD5Hex(Lower, parts...); got != wantMD5 {
		t.Errorf("MD5Hex = %s, openssl says %s", got, wantMD5)
	}
	if got := MD5Hex(Upper, msg); got != strings.ToUpper(wantMD5) {
		t.Errorf("MD5Hex upper = %s", got)
	}
}

// The VTC Pay example published in GATEWAYS.md: a vector from outside.
func TestSHA256PublishedVector(t *testing.T) {
	t.Parallel()
	got := SHA256Hex(Upper, "50000|Thành công|website|123|1|789|321", "|", "TichhopcongthanhtoanVTC2.0")
	if want := "909481220416EA789D424B33503500FE94ED8193C089A805E73768F2D6A0C95A"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestEqualHex(t *testing.T) {
	t.Parallel()
	d := SHA256("abc")
	lower, upper := Hex(Lower, d[:]), Hex(Upper, d[:])
	other := SHA256("abd")
	tests := []struct {
		name string
		sig  string
		want bool
	}{
		{"lower", lower, true},
		{"upper", upper, true},
		{"mixed", strings.ToUpper(lower[:10]) + lower[10:], true},
		{"empty", "", false},
		{"other digest", Hex(Lower, other[:]), false},
		{"truncated", lower[:62], false},
		{"longer", lower + "00", false},
		{"not hex", "zz" + lower[2:], false},
		{"spaces", " " + lower[1:], false},
	}
	for _, tt := range tests {
		if got := EqualHexDigest(tt.sig, d[:]); got != tt.want {
			t.Errorf("EqualHexDigest(%s) = %v, want %v", tt.name, got, tt.want)
		}
		if got := EqualHex(tt.sig, upper); got != tt.want {
			t.Errorf("EqualHex(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
	if EqualHexDigest(lower, nil) || EqualHex("", "") || EqualHex("abc", "abc") {
		t.Error("empty or odd input matched")
	}
}

func TestParsePrivateKeyForms(t *testing.T) {
	t.Parallel()
	want, err := ParsePrivateKey(readTestdata(t, "rsa2048.pkcs8.pem"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"rsa2048.pkcs1.pem", "rsa2048.pkcs1.der.b64", "rsa2048.pkcs8.der.b64"} {
		k, err := ParsePrivateKey(readTestdata(t, f))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if !k.Equal(want) {
			t.Errorf("%s: a different key", f)
		}
	}
}

func TestParsePublicKeyForms(t *testing.T) {
	t.Parallel()
	priv, err := ParsePrivateKey(readTestdata(t, "rsa2048.pkcs1.pem"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"rsa2048.pub.pkix.pem", "rsa2048.pub.pkcs1.pem", "rsa2048.pub.pkix.der.b64", "rsa2048.cert.pem"} {
		k, err := ParsePublicKey(readTestdata(t, f))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if !k.Equal(&priv.PublicKey) {
			t.Errorf("%s: a different key", f)
		}
	}
}

func TestParseKeyRefusals(t *testing.T) {
	t.Parallel()
	weakPriv, weakPub := readTestdata(t, "rsa1024.pkcs8.pem"), readTestdata(t, "rsa1024.pub.pkix.pem")
	if _, err := ParsePrivateKey(weakPriv); !errors.Is(err, ErrWeakKey) {
		t.Errorf("1024-bit private key: err = %v, want ErrWeakKey", err)
	}
	if _, err := ParsePublicKey(weakPub); !errors.Is(err, ErrWeakKey) {
		t.Errorf("1024-bit public key: err = %v, want ErrWeakKey", err)
	}
	pub := readTestdata(t, "rsa2048.pub.pkix.pem")
	priv := readTestdata(t, "rsa2048.pkcs8.pem")
	bad := map[string][]byte{
		"empty":              nil,
		"spaces":             []byte("   \n"),
		"garbage":            []byte("not a key at all!"),
		"truncated PEM":      priv[:len(priv)/2],
		"public as private":  pub,
		"base64 of garbage":  []byte(base64.StdEncoding.EncodeToString([]byte("hello world"))),
		"huge":               bytes.Repeat([]byte("A"), 1<<17),
		"wrong PEM type":     []byte("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"),
		"encrypted PEM":      []byte("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00000000000000000000000000000000\n\nAAAA\n-----END RSA PRIVATE KEY-----\n"),
		"PEM with junk body": []byte("-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n"),
	}
	for name, in := range bad {
		if _, err := ParsePrivateKey(in); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ParsePrivateKey(%s): err = %v, want ErrInvalidKey", name, err)
		}
	}
	delete(bad, "public as private")
	bad["private as public"] = priv
	for name, in := range bad {
		if _, err := ParsePublicKey(in); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ParsePublicKey(%s): err = %v, want ErrInvalidKey", name, err)
		}
	}
	if err := CheckKeySize(nil); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("CheckKeySize(nil) = %v", err)
	}
	huge := &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), MaxRSABits), E: 65537}
	if err := CheckKeySize(huge); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("CheckKeySize(%d bits) = %v", huge.N.BitLen(), err)
	}
}

// openssl's signature must verify, and ours must be byte-identical
// (PKCS#1 v1.5 signing is deterministic).
func TestSignatureAgainstOpenSSL(t *testing.T) {
	t.Parallel()
	priv, err := ParsePrivateKey(readTestdata(t, "rsa2048.pkcs8.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ParsePublicKey(readTestdata(t, "rsa2048.pub.pkix.pem"))
	if err != nil {
		t.Fatal(err)
	}
	msg := readTestdata(t, "message.txt")
	want := strings.TrimSpace(string(readTestdata(t, "message.sig.b64")))
	if err := VerifySHA256Base64(msg, want, pub); err != nil {
		t.Fatalf("openssl signature does not verify: %v", err)
	}
	got, err := SignSHA256Base64(priv, msg, base64.StdEncoding)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("signature differs from openssl's:\n got %s\nwant %s", got, want)
	}
	// The URL alphabet without padding decodes too.
	raw, _ := base64.StdEncoding.DecodeString(want)
	if err := VerifySHA256Base64(msg, base64.RawURLEncoding.EncodeToString(raw), pub); err != nil {
		t.Fatalf("base64url signature: %v", err)
	}
}

func TestVerifyRefusals(t *testing.T) {
	t.Parallel()
	priv, _ := ParsePrivateKey(readTestdata(t, "rsa2048.pkcs8.pem"))
	pub := &priv.PublicKey
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	msg := readTestdata(t, "message.txt")
	sig, err := SignSHA256(priv, msg)
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(sig)
	flipped[10] ^= 1
	b64 := base64.StdEncoding.EncodeToString(sig)
	cases := []struct {
		name string
		err  error
	}{
		{"tampered message", VerifySHA256(append(bytes.Clone(msg), '!'), sig, pub)},
		{"flipped bit", VerifySHA256(msg, flipped, pub)},
		{"wrong key", VerifySHA256(msg, sig, &other.PublicKey)},
		{"no key", VerifySHA256(msg, sig)},
		{"nil key", VerifySHA256(msg, sig, nil)},
		{"empty sig", VerifySHA256(msg, nil, pub)},
		{"empty b64", VerifySHA256Base64(msg, "", pub)},
		{"bad b64", VerifySHA256Base64(msg, "%%%", pub)},
		{"truncated b64", VerifySHA256Base64(msg, b64[:len(b64)-8], pub)},
	}
	for _, c := range cases {
		if !errors.Is(c.err, ErrInvalidSignature) {
			t.Errorf("%s: err = %v, want ErrInvalidSignature", c.name, c.err)
		}
	}
	// Rotation: the right key among others verifies.
	if err := VerifySHA256(msg, sig, &other.PublicKey, pub); err != nil {
		t.Errorf("rotation: %v", err)
	}
	if _, err := SignSHA256(nil, msg); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("sign with nil key: %v", err)
	}
}

func TestDecodeBase64(t *testing.T) {
	t.Parallel()
	raw := []byte{0xfb, 0xff, 0xfe, 0x01, 0x02}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		s := enc.EncodeToString(raw)
		got, err := DecodeBase64(s)
		if err != nil || !bytes.Equal(got, raw) {
			t.Errorf("DecodeBase64(%q) = %x, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "a", "ab=c", "+/-_", "YQ==YQ=="} {
		if _, err := DecodeBase64(s); err == nil {
			t.Errorf("DecodeBase64(%q) accepted", s)
		}
	}
}

// Inputs longer than the stack buffer take the streaming path; both paths
// must hash the concatenation.
func TestDigestLongInput(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("0123456789", 60)
	for _, parts := range [][]string{{long}, {long[:300], long[300:]}, {long[:10]}} {
		joined := strings.Join(parts, "")
		if got, want := SHA256(parts...), sha256.Sum256([]byte(joined)); got != want {
			t.Errorf("SHA256 of %d bytes differs", len(joined))
		}
		if got, want := MD5(parts...), md5.Sum([]byte(joined)); got != want {
			t.Errorf("MD5 of %d bytes differs", len(joined))
		}
	}
}

// Every byte value: only hex digits, in either case, decode.
func TestEqualHexDigestEveryByte(t *testing.T) {
	t.Parallel()
	for c := 0; c < 256; c++ {
		for v := 0; v < 16; v++ {
			digest := []byte{byte(v<<4 | v)}
			sig := string([]byte{byte(c), byte(c)})
			want := strings.EqualFold(sig, fmt.Sprintf("%x%x", v, v))
			if got := EqualHexDigest(sig, digest); got != want {
				t.Fatalf("EqualHexDigest(%q, %x) = %v, want %v", sig, digest, got, want)
			}
		}
	}
}
