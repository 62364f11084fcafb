package signing

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"math/big"
	"strings"
	"testing"
)

// The XML files are made from the openssl keys by testdata/xmlkey_gen.sh,
// with openssl, xxd and base64 only.

func TestXMLKeysMatchOpenSSLKeys(t *testing.T) {
	t.Parallel()
	want, err := ParsePrivateKey(readTestdata(t, "rsa2048.pkcs8.pem"))
	if err != nil {
		t.Fatal(err)
	}
	priv, err := ParseXMLPrivateKey(readTestdata(t, "rsa2048.priv.xml"))
	if err != nil {
		t.Fatalf("ParseXMLPrivateKey: %v", err)
	}
	if !priv.Equal(want) {
		t.Fatal("XML private key differs from the PEM key it was made from")
	}
	pub, err := ParseXMLPublicKey(readTestdata(t, "rsa2048.pub.xml"))
	if err != nil {
		t.Fatalf("ParseXMLPublicKey: %v", err)
	}
	if !pub.Equal(&want.PublicKey) {
		t.Fatal("XML public key differs from the PEM key it was made from")
	}
	// The public part of a private XML key is a public key too.
	pub2, err := ParseXMLPublicKey(readTestdata(t, "rsa2048.priv.xml"))
	if err != nil || !pub2.Equal(pub) {
		t.Fatalf("public key from private XML: %v", err)
	}
	// The openssl signature in testdata verifies with the XML public key.
	msg := readTestdata(t, "message.txt")
	if err := VerifySHA256Base64(msg, strings.TrimSpace(string(readTestdata(t, "message.sig.b64"))), pub); err != nil {
		t.Fatalf("openssl signature with XML key: %v", err)
	}
}

func TestXMLKeyRoundTrip(t *testing.T) {
	t.Parallel()
	key := testKey(t)
	privXML, err := MarshalXMLPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseXMLPrivateKey(privXML)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(key) {
		t.Fatal("private key changed in a round trip")
	}
	pubXML, err := MarshalXMLPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	gotPub, err := ParseXMLPublicKey(pubXML)
	if err != nil {
		t.Fatal(err)
	}
	if !gotPub.Equal(&key.PublicKey) {
		t.Fatal("public key changed in a round trip")
	}
	if _, err := MarshalXMLPrivateKey(nil); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("nil private key: %v", err)
	}
	if _, err := MarshalXMLPublicKey(nil); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("nil public key: %v", err)
	}
}

func TestIsXMLKey(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{
		"  \n<RSAKeyValue>":          true,
		"-----BEGIN PUBLIC KEY-----": false,
		"MIIBIjAN":                   false,
		"":                           false,
	} {
		if got := IsXMLKey([]byte(in)); got != want {
			t.Errorf("IsXMLKey(%q) = %v", in, got)
		}
	}
}

func TestXMLKeyRefusals(t *testing.T) {
	t.Parallel()
	key := testKey(t)
	good := string(readTestdata(t, "rsa2048.priv.xml"))
	goodPub := string(readTestdata(t, "rsa2048.pub.xml"))
	elem := func(xml, name string) string {
		i := strings.Index(xml, "<"+name+">")
		j := strings.Index(xml, "</"+name+">")
		return xml[i+len(name)+2 : j]
	}
	replace := func(xml, name, val string) string {
		return strings.Replace(xml, "<"+name+">"+elem(xml, name)+"</"+name+">", "<"+name+">"+val+"</"+name+">", 1)
	}
	// A D from another key of the same size.
	other, err := MarshalXMLPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	b64 := func(n int64) string { return base64.StdEncoding.EncodeToString(big.NewInt(n).Bytes()) }

	cases := []struct {
		name    string
		in      string
		private bool
		want    error
		text    string
	}{
		{"empty", "", false, ErrInvalidKey, "empty"},
		{"spaces", "  \n ", true, ErrInvalidKey, "empty"},
		{"not xml", "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", false, ErrInvalidKey, "not an <RSAKeyValue>"},
		{"other root", "<RSAKey><Modulus>AQAB</Modulus></RSAKey>", false, ErrInvalidKey, "not an <RSAKeyValue>"},
		{"unclosed", "<RSAKeyValue><Modulus>AQAB", false, ErrInvalidKey, "not an <RSAKeyValue>"},
		{"no modulus", "<RSAKeyValue><Exponent>AQAB</Exponent></RSAKeyValue>", false, ErrInvalidKey, "<Modulus> is missing"},
		{"no exponent", replace(goodPub, "Exponent", ""), false, ErrInvalidKey, "<Exponent> is missing"},
		{"bad base64 modulus", replace(goodPub, "Modulus", "!!!!"), false, ErrInvalidKey, "<Modulus> is not base64"},
		{"zero modulus", replace(goodPub, "Modulus", "AAAA"), false, ErrInvalidKey, "<Modulus> is zero"},
		{"even modulus", replace(goodPub, "Modulus", base64.StdEncoding.EncodeToString(append(bytes.Repeat([]byte{0xff}, 255), 0xfe))), false, ErrInvalidKey, "even modulus"},
		{"even exponent", replace(goodPub, "Exponent", b64(65536)), false, ErrInvalidKey, "exponent"},
		{"exponent 1", replace(goodPub, "Exponent", b64(1)), false, ErrInvalidKey, "exponent"},
		{"huge exponent", replace(goodPub, "Exponent", base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, 9))), false, ErrInvalidKey, "exponent"},
		{"huge modulus", replace(goodPub, "Modulus", base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, 4097))), false, ErrInvalidKey, "larger than"},
		{"weak 1024-bit key", string(readTestdata(t, "rsa1024.pub.xml")), false, ErrWeakKey, "1024 bits"},
		{"trailing element", goodPub + "<RSAKeyValue/>", false, ErrInvalidKey, "trailing data"},
		{"trailing text", goodPub + "junk", false, ErrInvalidKey, "trailing data"},
		{"too large", "<RSAKeyValue>" + strings.Repeat(" ", 70<<10) + "</RSAKeyValue>", false, ErrInvalidKey, "larger than"},
		{"doctype entity", `<!DOCTYPE x [<!ENTITY a "AQAB">]><RSAKeyValue><Modulus>&a;</Modulus></RSAKeyValue>`, false, ErrInvalidKey, ""},
		{"public only, as private", goodPub, true, ErrInvalidKey, "<P> is missing"},
		{"missing D", replace(good, "D", ""), true, ErrInvalidKey, "<D> is missing"},
		{"missing InverseQ", replace(good, "InverseQ", ""), true, ErrInvalidKey, "<InverseQ> is missing"},
		{"D of another key", replace(good, "D", elem(string(other), "D")), true, ErrInvalidKey, "inconsistent"},
		{"P of another key", replace(good, "P", elem(string(other), "P")), true, ErrInvalidKey, "inconsistent"},
		{"wrong DP", replace(good, "DP", elem(good, "DQ")), true, ErrInvalidKey, "DP, DQ or InverseQ"},
		{"wrong InverseQ", replace(good, "InverseQ", b64(12345)), true, ErrInvalidKey, "DP, DQ or InverseQ"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var err error
			if tc.private {
				_, err = ParseXMLPrivateKey([]byte(tc.in))
			} else {
				_, err = ParseXMLPublicKey([]byte(tc.in))
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("err = %q, want it to mention %q", err, tc.text)
			}
		})
	}
}

func FuzzParseXMLKey(f *testing.F) {
	f.Add(mustRead(f, "rsa2048.priv.xml"))
	f.Add(mustRead(f, "rsa2048.pub.xml"))
	f.Add(mustRead(f, "rsa1024.pub.xml"))
	f.Add([]byte("<RSAKeyValue><Modulus></Modulus></RSAKeyValue>"))
	f.Add([]byte("<RSAKeyValue><Modulus>AQAB</Modulus><Exponent>AQAB</Exponent><P>Aw==</P></RSAKeyValue>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if priv, err := ParseXMLPrivateKey(data); err == nil {
			if priv.N.BitLen() < MinRSABits || priv.Validate() != nil {
				t.Fatalf("accepted a bad private key")
			}
		} else if !errors.Is(err, ErrInvalidKey) && !errors.Is(err, ErrWeakKey) {
			t.Fatalf("private: unexpected error %v", err)
		}
		if pub, err := ParseXMLPublicKey(data); err == nil {
			if pub.N.BitLen() < MinRSABits {
				t.Fatalf("accepted a weak public key")
			}
		} else if !errors.Is(err, ErrInvalidKey) && !errors.Is(err, ErrWeakKey) {
			t.Fatalf("public: unexpected error %v", err)
		}
	})
}

// testKey is a fresh 2048-bit key for this test.
func testKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return key
}
