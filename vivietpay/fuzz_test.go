package vivietpay

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// knownErr reports whether err is one of the package's documented errors.
func knownErr(err error) bool {
	for _, s := range []error{ErrInvalidSignature, ErrMalformed, ErrAmountMismatch, ErrOrderMismatch,
		ErrCancelled, ErrDeclined, ErrUnknownOutcome, ErrInvalidRequest} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func FuzzParseReturnV1(f *testing.F) {
	c := v1Client(f)
	secret := readText(f, "v1.secret")
	good := returnFields(f)
	good.Set("secure_hash", readText(f, "v1_return.secure_hash"))
	f.Add(good.Encode())
	f.Add(gatewayV1(secret, url.Values{"merch_txn_ref": {"REF-20260101-0001"}, "response_code": {"01"}}).Encode())
	f.Add("secure_hash=00&a=1&a=2")
	f.Add("total_amount=1|2&secure_hash=")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		res, err := c.ParseReturn(q, vectorOrder())
		if err == nil {
			// Only a correctly signed, matching success gets through.
			if res.Outcome != Succeeded || res.MerchTxnRef != "REF-20260101-0001" || res.Amount.IntPart() != 150000 {
				t.Fatalf("accepted %+v", res)
			}
			return
		}
		if !knownErr(err) || !strings.HasPrefix(err.Error(), "vivietpay: return: ") {
			t.Fatalf("unexpected error %v", err)
		}
		if strings.Contains(err.Error(), secret) {
			t.Fatal("secret in error")
		}
	})
}

func FuzzParseReturnV2(f *testing.F) {
	k := loadKeys(f)
	c := v2Client(f, k)
	data, key, sig := readText(f, "v2_return.data"), readText(f, "v2_return.key"), readText(f, "v2_return.secure_hash")
	f.Add(data, key, sig)
	f.Add(data[:len(data)-2], key, sig)
	f.Add(data, key[:50], sig)
	f.Add("AAAA", key, "")
	f.Add("!!", "==", "*")
	f.Fuzz(func(t *testing.T, data, key, sig string) {
		q := url.Values{"merchant_site": {testSite}, "data": {data}, "key": {key}, "secure_hash": {sig}}
		res, err := c.ParseReturn(q, vectorOrder())
		if err == nil {
			if res.Outcome != Succeeded || res.Amount.IntPart() != 150000 {
				t.Fatalf("accepted %+v", res)
			}
			return
		}
		if !knownErr(err) {
			t.Fatalf("unexpected error %v", err)
		}
	})
}

// FuzzDecryptV2 feeds the v2 decoder raw bytes, past base64.
func FuzzDecryptV2(f *testing.F) {
	k := loadKeys(f)
	c := v2Client(f, k)
	rawData, _ := b64.DecodeString(readText(f, "v2_return.data"))
	rawKey, _ := b64.DecodeString(readText(f, "v2_return.key"))
	f.Add(rawData, rawKey)
	f.Add(rawData[:len(rawData)-8], rawKey)
	f.Add([]byte{}, rawKey[:255])
	f.Fuzz(func(t *testing.T, data, key []byte) {
		js, err := c.decryptV2(b64.EncodeToString(data), b64.EncodeToString(key))
		if err == nil && len(js) >= len(data) {
			t.Fatalf("plaintext of %d bytes from %d bytes of ciphertext", len(js), len(data))
		}
	})
}

func FuzzDecodeFlatJSON(f *testing.F) {
	f.Add(readFile(f, "v2_return.json"))
	f.Add([]byte(`{"a":1,"A":2}`))
	f.Add([]byte(`{"a":{"b":[1,2]}}`))
	f.Add([]byte(`{"a":null,"b":true,"c":1e400}`))
	f.Fuzz(func(t *testing.T, js []byte) {
		fs, err := decodeFlatJSON(js)
		if err != nil {
			return
		}
		if len(fs) > maxParams {
			t.Fatalf("%d fields", len(fs))
		}
		for _, p := range fs {
			if p.Key != strings.ToLower(p.Key) || len(p.Value) > maxValueLen {
				t.Fatalf("field %q=%q", p.Key, p.Value)
			}
		}
	})
}

// FuzzParseNotification feeds ParseNotification any body under any
// Content-Type: the form and JSON readers, then the v1 verification.
func FuzzParseNotification(f *testing.F) {
	c := v1Client(f)
	secret := readText(f, "v1.secret")
	good := returnFields(f)
	good.Set("secure_hash", readText(f, "v1_return.secure_hash"))
	const form, js = "application/x-www-form-urlencoded; charset=utf-8", "application/json"
	f.Add([]byte(good.Encode()), form)
	f.Add([]byte(good.Encode()+"\n"), "")
	var b strings.Builder
	b.WriteString("{")
	i := 0
	for k := range good {
		if i > 0 {
			b.WriteString(",")
		}
		i++
		b.WriteString(`"` + k + `":"` + good.Get(k) + `"`)
	}
	b.WriteString("}")
	f.Add([]byte(b.String()), js)
	f.Add([]byte(`{"total_amount":150000,"merch_txn_ref":null,"a":true}`), "text/json")
	f.Add([]byte(`{"a":1}{"b":2}`), js)
	f.Add([]byte("a=%zz&b=1;c=2"), form)
	f.Add([]byte("<xml/>"), "text/xml")
	f.Add([]byte("a=1"), "multipart/form-data; boundary=\"")
	lookup := func(string) (Order, error) { return vectorOrder(), nil }
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		r := httptest.NewRequest(http.MethodPost, "/notify", bytes.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		res, err := c.ParseNotification(r, lookup)
		if err == nil {
			// Only a correctly signed, matching success gets through.
			if res.Outcome != Succeeded || res.MerchTxnRef != "REF-20260101-0001" || res.Amount.IntPart() != 150000 {
				t.Fatalf("accepted %+v", res)
			}
			return
		}
		if !knownErr(err) || !strings.HasPrefix(err.Error(), "vivietpay: notification: ") {
			t.Fatalf("unexpected error %v", err)
		}
		if strings.Contains(err.Error(), secret) {
			t.Fatal("secret in error")
		}
	})
}
