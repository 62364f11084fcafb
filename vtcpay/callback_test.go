package vtcpay

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/thanhtoan/thanhtoan/signing"
)

// The published example of GATEWAYS.md, a vector from outside the project.
func TestParseIPNPublishedExample(t *testing.T) {
	t.Parallel()
	c, err := New(Config{WebsiteID: 321, SecretKey: signing.NewSecret("TichhopcongthanhtoanVTC2.0")})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.ParseIPN(url.Values{
		"data":      {"50000|Thành công|website|123|1|789|321"},
		"signature": {"909481220416EA789D424B33503500FE94ED8193C089A805E73768F2D6A0C95A"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusSuccess || res.ReferenceNumber != "123" || res.TransRefNo != "789" || res.Message != "Thành công" ||
		res.PaymentType != "website" || res.WebsiteID != 321 || !res.Amount.Equal(dec("50000")) || res.Source != FromIPN {
		t.Fatalf("result = %+v", res)
	}
	if err := res.CheckAmount(dec("50000")); err != nil {
		t.Fatal(err)
	}
	if err := res.CheckAmount(dec("50001")); !errors.Is(err, ErrAmountMismatch) {
		t.Fatalf("CheckAmount(50001) = %v", err)
	}
	if res.Err() != nil || res.Outcome() != OutcomeSucceeded {
		t.Fatal("success not reported as success")
	}
}

func TestParseIPNOpenSSLVector(t *testing.T) {
	t.Parallel()
	v := vectors(t)["ipn-success"]
	data := strings.TrimSuffix(v.signed, "|"+testSecret)
	c := newTestClient(t)
	for _, sig := range []string{v.digest, strings.ToLower(v.digest)} {
		res, err := c.ParseIPN(url.Values{"data": {data}, "signature": {sig}})
		if err != nil {
			t.Fatalf("signature %s: %v", sig, err)
		}
		if res.ReferenceNumber != "ORDER-1" || res.TransRefNo != "990001" || res.Status != StatusSuccess {
			t.Fatalf("result = %+v", res)
		}
	}
}

func ipnForm(data, secret string) url.Values {
	return url.Values{"data": {data}, "signature": {signing.SHA256Hex(signing.Upper, data+"|"+secret)}}
}

func TestParseIPNRefusals(t *testing.T) {
	t.Parallel()
	c := newTestClient(t)
	good := "150000|Thành công|VTCPay|ORDER-1|1|990001|123456"
	signed := ipnForm(good, testSecret)
	tampered := func(data string) url.Values { return url.Values{"data": {data}, "signature": signed["signature"]} }
	tests := []struct {
		name string
		form url.Values
		want error
	}{
		{"wrong secret", ipnForm(good, "Other2026SecretKey1"), ErrInvalidSignature},
		{"tampered amount", tampered(strings.Replace(good, "150000", "150", 1)), ErrInvalidSignature},
		{"tampered status", tampered(strings.Replace(good, "|1|", "|7|", 1)), ErrInvalidSignature},
		{"tampered reference", tampered(strings.Replace(good, "ORDER-1", "ORDER-2", 1)), ErrInvalidSignature},
		{"no signature", url.Values{"data": {good}}, ErrInvalidSignature},
		{"empty signature", url.Values{"data": {good}, "signature": {""}}, ErrInvalidSignature},
		{"signature of data alone", url.Values{"data": {good}, "signature": {signing.SHA256Hex(signing.Upper, good)}}, ErrInvalidSignature},
		{"truncated signature", url.Values{"data": {good}, "signature": {signed.Get("signature")[:63]}}, ErrInvalidSignature},
		{"two signatures", url.Values{"data": {good}, "signature": {signed.Get("signature"), signed.Get("signature")}}, ErrInvalidSignature},
		{"no data", url.Values{"signature": signed["signature"]}, ErrMalformed},
		{"two data", url.Values{"data": {good, good}, "signature": signed["signature"]}, ErrMalformed},
		{"pipe in message", ipnForm("150000|Thành|công|VTCPay|ORDER-1|1|990001|123456", testSecret), ErrMalformed},
		{"six fields", ipnForm("150000|VTCPay|ORDER-1|1|990001|123456", testSecret), ErrMalformed},
		{"empty data", ipnForm("", testSecret), ErrMalformed},
		{"amount not a number", ipnForm("15O000|m|VTCPay|ORDER-1|1|990001|123456", testSecret), ErrMalformed},
		{"negative amount", ipnForm("-150000|m|VTCPay|ORDER-1|1|990001|123456", testSecret), ErrMalformed},
		{"exponent amount", ipnForm("1.5e5|m|VTCPay|ORDER-1|1|990001|123456", testSecret), ErrMalformed},
		{"huge amount", ipnForm("99999999999999999999|m|VTCPay|ORDER-1|1|990001|123456", testSecret), ErrMalformed},
		{"status not a number", ipnForm("150000|m|VTCPay|ORDER-1|ok|990001|123456", testSecret), ErrMalformed},
		{"no reference", ipnForm("150000|m|VTCPay||1|990001|123456", testSecret), ErrMalformed},
		{"website not a number", ipnForm("150000|m|VTCPay|ORDER-1|1|990001|web", testSecret), ErrMalformed},
		{"other website", ipnForm("150000|m|VTCPay|ORDER-1|1|990001|654321", testSecret), ErrWrongMerchant},
		{"oversized data", ipnForm(strings.Repeat("9", MaxCallbackBytes+1), testSecret), ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := c.ParseIPN(tt.form)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ParseIPN = %+v, %v; want %v", res, err, tt.want)
			}
			if res != nil {
				t.Fatal("a result came with an error")
			}
		})
	}
}

func TestParseReturn(t *testing.T) {
	t.Parallel()
	c := newTestClient(t)
	v := vectors(t)["return-success"]
	q := successReturn()
	q.Set("signature", v.digest) // made by openssl
	res, err := c.ParseReturn(q)
	if err != nil {
		t.Fatal(err)
	}
	if res.Source != FromReturn || res.ReferenceNumber != "ORDER-1" || res.Status != StatusSuccess || res.RawAmount != "150000" {
		t.Fatalf("result = %+v", res)
	}
	q.Set("signature", strings.ToLower(v.digest))
	if _, err := c.ParseReturn(q); err != nil {
		t.Fatalf("lowercase signature: %v", err)
	}
	// An empty message, signed with it (the document's list of fields) or
	// without it (the checkout's non-empty rule).
	empty := successReturn()
	empty.Set("message", "")
	withEmpty := signReturn(empty, testSecret)
	if _, err := c.ParseReturn(withEmpty); err != nil {
		t.Fatalf("empty message signed with it: %v", err)
	}
	noMsgSigned := successReturn()
	noMsgSigned.Del("message")
	withEmpty.Set("signature", signReturn(noMsgSigned, testSecret).Get("signature"))
	if _, err := c.ParseReturn(withEmpty); err != nil {
		t.Fatalf("empty message signed without it: %v", err)
	}
	withEmpty.Set("status", "7")
	if _, err := c.ParseReturn(withEmpty); !errors.Is(err, ErrInvalidSignature) {
		t.Fatalf("tampered return with an empty field: %v", err)
	}
	// Without an optional field, the signature covers what was received.
	noMsg := successReturn()
	noMsg.Del("message")
	if _, err := c.ParseReturn(signReturn(noMsg, testSecret)); err != nil {
		t.Fatalf("return without message: %v", err)
	}
}

func TestParseReturnRefusals(t *testing.T) {
	t.Parallel()
	c := newTestClient(t)
	signed := signReturn(successReturn(), testSecret)
	with := func(k, v string) url.Values {
		q := url.Values{}
		for kk, vv := range signed {
			q[kk] = append([]string(nil), vv...)
		}
		q.Set(k, v)
		return q
	}
	resigned := func(k, v string) url.Values {
		q := successReturn()
		q.Set(k, v)
		return signReturn(q, testSecret)
	}
	extra := successReturn()
	for i := range 20 {
		extra.Set("x"+string(rune('a'+i)), "1")
	}
	dup := with("amount", "150000")
	dup.Add("amount", "1")
	tests := []struct {
		name string
		q    url.Values
		want error
	}{
		{"wrong secret", signReturn(successReturn(), "Other2026SecretKey1"), ErrInvalidSignature},
		{"tampered amount", with("amount", "1500"), ErrInvalidSignature},
		{"tampered status", with("status", "1 "), ErrInvalidSignature},
		{"tampered reference", with("reference_number", "ORDER-2"), ErrInvalidSignature},
		{"added parameter", with("extra", "1"), ErrInvalidSignature},
		{"no signature", successReturn(), ErrInvalidSignature},
		{"empty signature", with("signature", ""), ErrInvalidSignature},
		{"garbage signature", with("signature", strings.Repeat("Z", 64)), ErrInvalidSignature},
		{"repeated amount", dup, ErrMalformed},
		{"too many parameters", signReturn(extra, testSecret), ErrMalformed},
		{"status not a number", resigned("status", "x"), ErrMalformed},
		{"amount with comma", resigned("amount", "150,000"), ErrMalformed},
		{"no reference", resigned("reference_number", ""), ErrMalformed},
		{"other website", resigned("website_id", "1"), ErrWrongMerchant},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := c.ParseReturn(tt.q)
			if !errors.Is(err, tt.want) || res != nil {
				t.Fatalf("ParseReturn = %+v, %v; want %v", res, err, tt.want)
			}
		})
	}
}

func TestParseIPNRequest(t *testing.T) {
	t.Parallel()
	c := newTestClient(t)
	form := ipnForm("150000|Thành công|VTCPay|ORDER-1|1|990001|123456", testSecret)
	post := func(ct, body string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/vtcpay/ipn", strings.NewReader(body))
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		return r
	}
	jsonBody := `{"data":"150000|Thành công|VTCPay|ORDER-1|1|990001|123456","signature":"` + form.Get("signature") + `"}`
	ok := []*http.Request{
		post("application/x-www-form-urlencoded", form.Encode()),
		post("application/x-www-form-urlencoded; charset=utf-8", form.Encode()),
		post("application/json", jsonBody),
	}
	for i, r := range ok {
		if _, err := c.ParseIPNRequest(r); err != nil {
			t.Errorf("request %d: %v", i, err)
		}
	}
	// The query string is never read.
	r := post("application/x-www-form-urlencoded", "")
	r.URL.RawQuery = form.Encode()
	bad := map[string]struct {
		r    *http.Request
		want error
	}{
		"GET":           {httptest.NewRequest(http.MethodGet, "/?"+form.Encode(), nil), ErrMalformed},
		"query only":    {r, ErrInvalidSignature},
		"oversized":     {post("application/x-www-form-urlencoded", form.Encode()+"&pad="+strings.Repeat("a", MaxCallbackBytes)), ErrMalformed},
		"xml":           {post("text/xml", "<data/>"), ErrMalformed},
		"bad json":      {post("application/json", `{"data":`), ErrMalformed},
		"json no sig":   {post("application/json", `{"data":"x"}`), ErrInvalidSignature},
		"json no data":  {post("application/json", `{"signature":"AB"}`), ErrMalformed},
		"bad escape":    {post("application/x-www-form-urlencoded", "data=%zz&signature=1"), ErrMalformed},
		"forged form":   {post("application/x-www-form-urlencoded", ipnForm("150000|m|VTCPay|ORDER-1|1|990001|123456", "WrongSecret2026xyz").Encode()), ErrInvalidSignature},
		"semicolon sep": {post("application/x-www-form-urlencoded", "data=a;signature=b"), ErrMalformed},
	}
	for name, tt := range bad {
		if _, err := c.ParseIPNRequest(tt.r); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", name, err, tt.want)
		}
	}
}

func TestParseReturnRequest(t *testing.T) {
	t.Parallel()
	c := newTestClient(t)
	q := signReturn(successReturn(), testSecret)
	if _, err := c.ParseReturnRequest(httptest.NewRequest(http.MethodGet, "/return?"+q.Encode(), nil)); err != nil {
		t.Fatal(err)
	}
	long := httptest.NewRequest(http.MethodGet, "/return?"+q.Encode()+"&pad="+strings.Repeat("a", MaxCallbackBytes), nil)
	if _, err := c.ParseReturnRequest(long); !errors.Is(err, ErrMalformed) {
		t.Fatalf("oversized query: %v", err)
	}
	if _, err := c.ParseReturnRequest(httptest.NewRequest(http.MethodGet, "/return?a=%zz", nil)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("bad escape: %v", err)
	}
}

func TestIPNHandler(t *testing.T) {
	t.Parallel()
	c := newTestClient(t)
	var got []*Result
	h := c.IPNHandler(func(_ *http.Request, res *Result) error {
		got = append(got, res)
		if res.ReferenceNumber == "FAIL" {
			return errors.New("store down")
		}
		return nil
	})
	send := func(form url.Values) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/ipn", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	if w := send(ipnForm("150000|m|VTCPay|ORDER-1|1|990001|123456", testSecret)); w.Code != 200 || w.Body.String() != "OK" {
		t.Fatalf("valid: %d %q", w.Code, w.Body)
	}
	if w := send(ipnForm("150000|m|VTCPay|ORDER-1|1|990001|123456", "WrongSecret2026xyz")); w.Code != 400 {
		t.Fatalf("forged: %d", w.Code)
	}
	if w := send(ipnForm("150000|m|VTCPay|FAIL|1|990001|123456", testSecret)); w.Code != 500 {
		t.Fatalf("handler error: %d", w.Code)
	}
	if len(got) != 2 {
		t.Fatalf("handle called %d times, want 2 (never for the forged one)", len(got))
	}
}

func TestResultErr(t *testing.T) {
	t.Parallel()
	for _, s := range Statuses() {
		r := &Result{Status: s, ReferenceNumber: "R"}
		err := r.Err()
		if (s == StatusSuccess) != (err == nil) {
			t.Errorf("status %d: Err() = %v", s, err)
		}
		var se *StatusError
		if err != nil && (!errors.As(err, &se) || !errors.Is(err, ErrPaymentFailed) || se.Status != s) {
			t.Errorf("status %d: Err() = %v, want *StatusError", s, err)
		}
	}
}
