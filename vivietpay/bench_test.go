package vivietpay

import (
	"crypto"
	"crypto/des"
	"crypto/rsa"
	"crypto/sha256"
	"net/url"
	"testing"
)

// v1: ParseReturn against one bare SHA-256 of the same canonical bytes.

func BenchmarkParseReturnV1(b *testing.B) {
	c := v1Client(b)
	q := returnFields(b)
	q.Set("secure_hash", readText(b, "v1_return.secure_hash"))
	o := vectorOrder()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.ParseReturn(q, o); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseReturnV1Floor(b *testing.B) {
	canon := []byte(V1Canonical(readText(b, "v1.secret"), readParams(b, "v1_return.txt")))
	b.ReportAllocs()
	for b.Loop() {
		_ = sha256.Sum256(canon)
	}
}

// v2: ParseReturn against the bare RSA decrypt, 3DES decrypt and RSA verify
// it must do.

func v2ReturnValues(b *testing.B) url.Values {
	return url.Values{
		"merchant_site": {testSite},
		"data":          {readText(b, "v2_return.data")},
		"key":           {readText(b, "v2_return.key")},
		"secure_hash":   {readText(b, "v2_return.secure_hash")},
	}
}

func BenchmarkParseReturnV2(b *testing.B) {
	k := loadKeys(b)
	c := v2Client(b, k)
	q := v2ReturnValues(b)
	o := vectorOrder()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.ParseReturn(q, o); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseReturnV2Floor(b *testing.B) {
	k := loadKeys(b)
	q := v2ReturnValues(b)
	wrapped, _ := b64.DecodeString(q.Get("key"))
	data, _ := b64.DecodeString(q.Get("data"))
	sig, _ := b64.DecodeString(q.Get("secure_hash"))
	sess := make([]byte, 24)
	out := make([]byte, len(data))
	b.ReportAllocs()
	for b.Loop() {
		//lint:ignore SA1019 the floor is the bare operation the protocol needs.
		if err := rsa.DecryptPKCS1v15SessionKey(nil, k.merchant, wrapped, sess); err != nil {
			b.Fatal(err)
		}
		block, err := des.NewTripleDESCipher(sess)
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < len(data); i += 8 {
			block.Decrypt(out[i:i+8], data[i:i+8])
		}
		js := out[:len(out)-int(out[len(out)-1])]
		d := sha256.Sum256(js)
		if err := rsa.VerifyPKCS1v15(&k.gateway.PublicKey, crypto.SHA256, d[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}
