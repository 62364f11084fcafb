package vivietpay

import (
	"bytes"
	"crypto/rsa"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestV1ReturnRefusals(t *testing.T) {
	t.Parallel()
	c := v1Client(t)
	secret := readText(t, "v1.secret")
	signed := func(f func(url.Values)) url.Values {
		v := returnFields(t)
		f(v)
		return gatewayV1(secret, v)
	}
	good := signed(func(url.Values) {})
	tamper := func(f func(url.Values)) url.Values {
		v := url.Values{}
		for k, vals := range good {
			v[k] = append([]string(nil), vals...)
		}
		f(v)
		return v
	}
	cases := []struct {
		name string
		q    url.Values
		want error
		text string
	}{
		{"empty", url.Values{}, ErrInvalidSignature, "no parameters"},
		{"no hash", tamper(func(v url.Values) { v.Del("secure_hash") }), ErrInvalidSignature, "missing secure_hash"},
		{"empty hash", tamper(func(v url.Values) { v.Set("secure_hash", "") }), ErrInvalidSignature, "missing secure_hash"},
		{"amount raised", tamper(func(v url.Values) { v.Set("total_amount", "1500000") }), ErrInvalidSignature, "does not match"},
		{"code changed", tamper(func(v url.Values) { v.Set("response_code", "00 ") }), ErrInvalidSignature, "does not match"},
		{"param added", tamper(func(v url.Values) { v.Set("extra", "1") }), ErrInvalidSignature, "does not match"},
		{"param dropped", tamper(func(v url.Values) { v.Del("message") }), ErrInvalidSignature, "does not match"},
		{"hash truncated", tamper(func(v url.Values) { v.Set("secure_hash", v.Get("secure_hash")[:63]) }), ErrInvalidSignature, "does not match"},
		{"hash not hex", tamper(func(v url.Values) { v.Set("secure_hash", strings.Repeat("z", 64)) }), ErrInvalidSignature, "does not match"},
		{"duplicate param", tamper(func(v url.Values) { v.Add("total_amount", "1") }), ErrMalformed, "appears 2 times"},
		{"duplicate hash", tamper(func(v url.Values) { v.Add("secure_hash", v.Get("secure_hash")) }), ErrMalformed, "appears 2 times"},
		{"boundary moved", tamper(func(v url.Values) {
			// trans_no|trans_time joined into one value keeps the hashed
			// string: refused before hashing.
			v.Set("trans_no", v.Get("trans_no")+"|"+v.Get("trans_time"))
			v.Del("trans_time")
		}), ErrMalformed, "separator"},
		{"too many params", tamper(func(v url.Values) {
			for i := range 70 {
				v.Set("p"+strings.Repeat("x", i), "1")
			}
		}), ErrMalformed, "parameters"},
		{"huge value", tamper(func(v url.Values) { v.Set("message", strings.Repeat("a", 5000)) }), ErrMalformed, "longer than"},
		{"signed with another secret", func() url.Values { v := returnFields(t); return gatewayV1("other", v) }(), ErrInvalidSignature, "does not match"},
		{"signed amount differs", signed(func(v url.Values) { v.Set("total_amount", "149999") }), ErrAmountMismatch, "149999"},
		{"signed other currency", signed(func(v url.Values) { v.Set("currency", "USD") }), ErrAmountMismatch, "USD"},
		{"signed fractional amount", signed(func(v url.Values) { v.Set("total_amount", "150000.00") }), ErrMalformed, "whole number"},
		{"signed negative amount", signed(func(v url.Values) { v.Set("total_amount", "-150000") }), ErrMalformed, "whole number"},
		{"signed no amount", signed(func(v url.Values) { v.Del("total_amount") }), ErrMalformed, "not 1 to 18 digits"},
		{"signed other ref", signed(func(v url.Values) { v.Set("merch_txn_ref", "REF-OTHER") }), ErrOrderMismatch, "REF-OTHER"},
		{"signed other order", signed(func(v url.Values) { v.Set("order_no", "ORDER-9") }), ErrOrderMismatch, "ORDER-9"},
		{"signed other site", signed(func(v url.Values) { v.Set("merchant_site", "OTHER") }), ErrOrderMismatch, "OTHER"},
		{"signed no code", signed(func(v url.Values) { v.Del("response_code") }), ErrMalformed, "missing response_code"},
		{"signed success without trans_no", signed(func(v url.Values) { v.Del("trans_no") }), ErrMalformed, "trans_no"},
		{"cancelled", signed(func(v url.Values) { v.Set("response_code", "01"); v.Del("trans_no") }), ErrCancelled, `response code "01"`},
		{"balance", signed(func(v url.Values) { v.Set("response_code", "07") }), ErrDeclined, "insufficient"},
		{"pending", signed(func(v url.Values) { v.Set("response_code", "02") }), ErrUnknownOutcome, "pending"},
		{"unknown code", signed(func(v url.Values) { v.Set("response_code", "A7") }), ErrUnknownOutcome, "unknown response code"},
		{"failure without amount", signed(func(v url.Values) { v.Set("response_code", "05"); v.Del("total_amount") }), ErrDeclined, "locked"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := c.ParseReturn(tc.q, vectorOrder())
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.text) || !strings.HasPrefix(err.Error(), "vivietpay: return: ") {
				t.Fatalf("err = %q, want it to mention %q", err, tc.text)
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatal("secret in error")
			}
			var apiErr *APIError
			if errors.As(err, &apiErr) {
				if res == nil || res.ResponseCode != apiErr.Code {
					t.Fatalf("api error without its result: %+v", res)
				}
			}
		})
	}
	if _, err := c.ParseReturn(good, vectorOrder()); err != nil {
		t.Fatalf("the untampered return: %v", err)
	}
	if _, err := c.ParseReturnFunc(good, nil); !errors.Is(err, ErrInvalidRequest) {
		t.Fatalf("nil lookup: %v", err)
	}
	lookupErr := errors.New("no such order")
	if _, err := c.ParseReturnFunc(good, func(string) (Order, error) { return Order{}, lookupErr }); !errors.Is(err, lookupErr) {
		t.Fatalf("lookup error: %v", err)
	}
}

func TestV2ReturnRefusals(t *testing.T) {
	t.Parallel()
	k := loadKeys(t)
	c := v2Client(t, k)
	goodJSON := string(readFile(t, "v2_return.json"))
	sealed := func(js string) url.Values { return gatewayV2(t, k, testSite, []byte(js)) }
	good := sealed(goodJSON)
	other := sealed(strings.Replace(goodJSON, "150000", "1500", 1))
	tamper := func(f func(url.Values)) url.Values {
		v := url.Values{}
		for key, vals := range good {
			v[key] = append([]string(nil), vals...)
		}
		f(v)
		return v
	}
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	// Signed by the merchant's key instead of the gateway's.
	wrongSigner := func() url.Values {
		k2 := testKeys{merchant: k.merchant, gateway: k.merchant}
		return gatewayV2(t, k2, testSite, []byte(goodJSON))
	}()
	// Encrypted for the gateway instead of the merchant.
	wrongRecipient := func() url.Values {
		k2 := testKeys{merchant: k.gateway, gateway: k.gateway}
		return gatewayV2(t, k2, testSite, []byte(goodJSON))
	}()
	cases := []struct {
		name string
		q    url.Values
		want error
		text string
	}{
		{"empty", url.Values{}, ErrInvalidSignature, "missing merchant_site"},
		{"no data", tamper(func(v url.Values) { v.Del("data") }), ErrInvalidSignature, "missing data"},
		{"no key", tamper(func(v url.Values) { v.Del("key") }), ErrInvalidSignature, "missing key"},
		{"no hash", tamper(func(v url.Values) { v.Del("secure_hash") }), ErrInvalidSignature, "missing secure_hash"},
		{"duplicate data", tamper(func(v url.Values) { v.Add("data", v.Get("data")) }), ErrMalformed, "appears 2 times"},
		{"data not base64", tamper(func(v url.Values) { v.Set("data", "***") }), ErrInvalidSignature, "data is not base64"},
		{"key not base64", tamper(func(v url.Values) { v.Set("key", "%%%") }), ErrInvalidSignature, "key is not base64"},
		{"hash not base64", tamper(func(v url.Values) { v.Set("secure_hash", "!!") }), ErrInvalidSignature, "secure_hash is not base64"},
		{"data truncated", tamper(func(v url.Values) { v.Set("data", v.Get("data")[:len(v.Get("data"))-3]) }), ErrInvalidSignature, "not a whole number"},
		{"data block dropped", tamper(func(v url.Values) {
			raw, _ := b64.DecodeString(v.Get("data"))
			v.Set("data", b64.EncodeToString(raw[:len(raw)-8]))
		}), ErrInvalidSignature, "does not"},
		{"key truncated", tamper(func(v url.Values) { v.Set("key", v.Get("key")[:100]) }), ErrInvalidSignature, "truncated"},
		{"key flipped", tamper(func(v url.Values) { v.Set("key", flip(v.Get("key"), 10)) }), ErrInvalidSignature, "does not"},
		{"data flipped", tamper(func(v url.Values) { v.Set("data", flip(v.Get("data"), 5)) }), ErrInvalidSignature, "does not"},
		{"hash flipped", tamper(func(v url.Values) { v.Set("secure_hash", flip(v.Get("secure_hash"), 7)) }), ErrInvalidSignature, "does not verify"},
		{"data of another message", tamper(func(v url.Values) { v.Set("data", other.Get("data")); v.Set("key", other.Get("key")) }), ErrInvalidSignature, "does not verify"},
		{"key of another message", tamper(func(v url.Values) { v.Set("key", other.Get("key")) }), ErrInvalidSignature, "does not"},
		{"signed by the merchant key", wrongSigner, ErrInvalidSignature, "does not verify"},
		{"encrypted for another key", wrongRecipient, ErrInvalidSignature, "does not"},
		{"huge data", tamper(func(v url.Values) { v.Set("data", strings.Repeat("A", 50<<10)) }), ErrMalformed, "longer than"},
		{"outer site differs", tamper(func(v url.Values) { v.Set("merchant_site", "OTHER") }), ErrOrderMismatch, "OTHER"},
		{"signed not json", sealed("not json"), ErrMalformed, "bad json"},
		{"signed json array", sealed(`["a"]`), ErrMalformed, "not an object"},
		{"signed nested", sealed(`{"merch_txn_ref":{"a":1}}`), ErrMalformed, "not a string or number"},
		{"signed duplicate field", sealed(`{"response_code":"00","RESPONSE_CODE":"01"}`), ErrMalformed, "appears twice"},
		{"signed trailing", sealed(goodJSON + `{}`), ErrMalformed, "trailing"},
		{"signed amount differs", sealed(strings.Replace(goodJSON, `"150000"`, `"150001"`, 1)), ErrAmountMismatch, "150001"},
		{"signed numeric amount differs", sealed(strings.Replace(goodJSON, `"150000"`, `150001`, 1)), ErrAmountMismatch, "150001"},
		{"signed float amount", sealed(strings.Replace(goodJSON, `"150000"`, `150000.0`, 1)), ErrMalformed, "whole number"},
		{"signed exponent amount", sealed(strings.Replace(goodJSON, `"150000"`, `1.5e5`, 1)), ErrMalformed, "whole number"},
		{"signed other ref", sealed(strings.Replace(goodJSON, "REF-20260101-0001", "REF-X", 1)), ErrOrderMismatch, "REF-X"},
		{"signed inner site differs", sealed(strings.Replace(goodJSON, `"merchant_site":"TESTSITE"`, `"merchant_site":"OTHER"`, 1)), ErrOrderMismatch, "inside"},
		// Another merchant's result re-encrypted for us under our outer
		// merchant_site: the gateway must have signed the merchant.
		{"signed without site", sealed(strings.Replace(goodJSON, `"merchant_site":"TESTSITE",`, ``, 1)), ErrInvalidSignature, "not in the signed data"},
		{"signed cancel", sealed(strings.Replace(goodJSON, `"response_code":"00"`, `"response_code":"01"`, 1)), ErrCancelled, "cancelled"},
		{"signed otp expired", sealed(strings.Replace(goodJSON, `"response_code":"00"`, `"response_code":"09"`, 1)), ErrDeclined, "otp expired"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := c.ParseReturn(tc.q, vectorOrder())
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.text) || !strings.HasPrefix(err.Error(), "vivietpay: return: ") {
				t.Fatalf("err = %q, want it to mention %q", err, tc.text)
			}
		})
	}
	// Numbers and upper-case keys are read as strings.
	alt := sealed(strings.NewReplacer(`"150000"`, `150000`, `"order_no"`, `"Order_No"`).Replace(goodJSON))
	if res, err := c.ParseReturn(alt, vectorOrder()); err != nil || res.OrderNo != "ORDER-1001" {
		t.Fatalf("numbers and case: %v", err)
	}
	if _, err := c.ParseReturn(good, vectorOrder()); err != nil {
		t.Fatalf("the untampered return: %v", err)
	}
	// Key rotation: a result verifies against any of the gateway's keys.
	rot, err := New(Config{MerchantSite: testSite, MerchantKey: k.merchant, GatewayKeys: []*rsa.PublicKey{&k.merchant.PublicKey, &k.gateway.PublicKey}}, WithProtocol(V2))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rot.ParseReturn(good, vectorOrder()); err != nil {
		t.Fatalf("second gateway key: %v", err)
	}
}

func TestParseNotificationContentTypes(t *testing.T) {
	t.Parallel()
	c := v1Client(t)
	secret := readText(t, "v1.secret")
	v := gatewayV1(secret, returnFields(t))
	lookup := func(ref string) (Order, error) { return vectorOrder(), nil }

	form := httptest.NewRequest(http.MethodPost, "/notify", strings.NewReader(v.Encode()))
	form.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if _, err := c.ParseNotification(form, lookup); err != nil {
		t.Fatalf("form: %v", err)
	}
	var js bytes.Buffer
	js.WriteString("{")
	i := 0
	for key := range v {
		if i > 0 {
			js.WriteString(",")
		}
		i++
		js.WriteString(`"` + key + `":"` + v.Get(key) + `"`)
	}
	js.WriteString("}")
	jr := httptest.NewRequest(http.MethodPost, "/notify", bytes.NewReader(js.Bytes()))
	jr.Header.Set("Content-Type", "application/json")
	if _, err := c.ParseNotification(jr, lookup); err != nil {
		t.Fatalf("json: %v", err)
	}
	for name, req := range map[string]*http.Request{
		"xml":  withType(httptest.NewRequest(http.MethodPost, "/n", strings.NewReader("<a/>")), "text/xml"),
		"big":  withType(httptest.NewRequest(http.MethodPost, "/n", strings.NewReader(strings.Repeat("a=1&", 20000))), "application/x-www-form-urlencoded"),
		"bad":  withType(httptest.NewRequest(http.MethodPost, "/n", strings.NewReader("a=%zz")), "application/x-www-form-urlencoded"),
		"json": withType(httptest.NewRequest(http.MethodPost, "/n", strings.NewReader("{")), "application/json"),
	} {
		if _, err := c.ParseNotification(req, lookup); !errors.Is(err, ErrMalformed) || !strings.HasPrefix(err.Error(), "vivietpay: notification: ") {
			t.Errorf("%s: %v", name, err)
		}
	}
	tampered := httptest.NewRequest(http.MethodPost, "/notify", strings.NewReader(strings.Replace(v.Encode(), "150000", "1", 1)))
	tampered.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if _, err := c.ParseNotification(tampered, lookup); !errors.Is(err, ErrInvalidSignature) {
		t.Fatalf("tampered: %v", err)
	}
}

func withType(r *http.Request, ct string) *http.Request {
	r.Header.Set("Content-Type", ct)
	return r
}
