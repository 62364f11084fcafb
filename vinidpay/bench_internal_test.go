package vinidpay

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"testing"
)

// BenchmarkSignRequest signs a create-transaction body: the seed's signing
// string, SHA256withRSA and base64. Its floor, BenchmarkSignRequestFloor, is
// a bare rsa.SignPKCS1v15 of the same bytes.
func BenchmarkSignRequest(b *testing.B) {
	c := vectorClient(b)
	body, _, err := c.createTransactionBody("create transaction", vectorRequest())
	if err != nil {
		b.Fatal(err)
	}
	var tb createTransactionBody
	if err := jsonUnmarshal(body, &tb); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.signBase64([]byte(tb.signingString())); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignRequestFloor(b *testing.B) {
	c := vectorClient(b)
	msg := readTestdata(b, "create_transaction.canonical.txt")
	b.ReportAllocs()
	for b.Loop() {
		d := sha256.Sum256(msg)
		if _, err := rsa.SignPKCS1v15(nil, c.key, crypto.SHA256, d[:]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyCallback verifies a payment notification from its decoded
// values, parses it and returns the result. Its floor is a bare
// rsa.VerifyPKCS1v15 of the same signed bytes.
func BenchmarkVerifyCallback(b *testing.B) {
	c := vectorClient(b)
	v, err := url.ParseQuery(string(readTestdata(b, "payment_callback.query.txt")))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.VerifyPaymentCallbackValues(v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyCallbackFloor(b *testing.B) {
	c := vectorClient(b)
	v, err := url.ParseQuery(string(readTestdata(b, "payment_callback.query.txt")))
	if err != nil {
		b.Fatal(err)
	}
	sig, err := base64.StdEncoding.DecodeString(v.Get("signature"))
	if err != nil {
		b.Fatal(err)
	}
	msg := readTestdata(b, "payment_callback.canonical.txt")
	b.ReportAllocs()
	for b.Loop() {
		d := sha256.Sum256(msg)
		if err := rsa.VerifyPKCS1v15(c.vinidKeys[0], crypto.SHA256, d[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
