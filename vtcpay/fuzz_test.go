package vtcpay

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func checkParseErr(t *testing.T, res *Result, err error) {
	t.Helper()
	if err != nil {
		if res != nil {
			t.Fatal("result with error")
		}
		if !errors.Is(err, ErrInvalidSignature) && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrWrongMerchant) {
			t.Fatalf("unclassified error: %v", err)
		}
		return
	}
	if res.WebsiteID != testWebsiteID || res.ReferenceNumber == "" || res.Amount.IsNegative() {
		t.Fatalf("accepted a bad result: %+v", res)
	}
}

// FuzzParseIPN feeds raw form bodies. Forgeries must fail; whatever the
// fuzzer finds with a valid signature (it signs half of its inputs itself)
// must parse or fail with a classified error, never panic.
func FuzzParseIPN(f *testing.F) {
	c := newTestClient(f)
	f.Add("150000|Thành công|VTCPay|ORDER-1|1|990001|123456", "", true)
	f.Add("150000|a|b|ORDER-1|1|2|123456|extra", "", true)
	f.Add("||||||", "", true)
	f.Add("data", "ABCDEF", false)
	f.Fuzz(func(t *testing.T, data, sig string, sign bool) {
		form := url.Values{"data": {data}, "signature": {sig}}
		if sign {
			form = ipnForm(data, testSecret)
		}
		res, err := c.ParseIPN(form)
		checkParseErr(t, res, err)
		if !sign && err == nil {
			t.Fatalf("unsigned notification accepted: %q %q", data, sig)
		}
	})
}

// FuzzParseReturn feeds raw query strings, signed by the fuzz body or not.
func FuzzParseReturn(f *testing.F) {
	c := newTestClient(f)
	f.Add(successReturn().Encode(), true)
	f.Add("amount=1&amount=2&signature=AA", false)
	f.Add("a=%zz", false)
	f.Add("website_id=123456&reference_number=R&status=-99&amount=0.0001", true)
	f.Fuzz(func(t *testing.T, rawQuery string, sign bool) {
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return
		}
		if sign {
			q = signReturn(q, testSecret)
		}
		res, err := c.ParseReturn(q)
		checkParseErr(t, res, err)
		if !sign && err == nil {
			t.Fatalf("unsigned return accepted: %q", rawQuery)
		}
	})
}

// FuzzParseReturnRequest feeds raw query strings, as a browser brings them
// to the return URL, through ParseReturnRequest (the size cap and the query
// parsing included). Half are re-signed by the test's own signer.
func FuzzParseReturnRequest(f *testing.F) {
	c := newTestClient(f)
	f.Add(signReturn(successReturn(), testSecret).Encode(), false)
	f.Add(successReturn().Encode(), true)
	f.Add("a=%zz&signature=AA", false)
	f.Add("amount=1;status=1&signature=AA", true)
	f.Add("status=1&status=1&website_id=123456&signature=00", false)
	f.Fuzz(func(t *testing.T, rawQuery string, sign bool) {
		if sign {
			q, err := url.ParseQuery(rawQuery)
			if err != nil {
				return
			}
			rawQuery = signReturn(q, testSecret).Encode()
		}
		r := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/return", RawQuery: rawQuery}}
		res, err := c.ParseReturnRequest(r)
		checkParseErr(t, res, err)
		if err == nil && len(rawQuery) > MaxCallbackBytes {
			t.Fatalf("a query of %d bytes accepted", len(rawQuery))
		}
		if !sign && err == nil {
			// Accepted unsigned by the fuzzer: only a query that already
			// carried the right signature may pass.
			q, _ := url.ParseQuery(rawQuery)
			if want := signReturn(q, testSecret).Get("signature"); !strings.EqualFold(q.Get("signature"), want) && !signedWithoutEmpty(q) {
				t.Fatalf("unsigned return accepted: %q", rawQuery)
			}
		}
	})
}

// signedWithoutEmpty reports whether q's signature is the one over its
// non-empty parameters (the other form ParseReturn accepts).
func signedWithoutEmpty(q url.Values) bool {
	ne := url.Values{}
	for k, vs := range q {
		if k != "signature" && len(vs) == 1 && vs[0] != "" {
			ne[k] = vs
		}
	}
	return strings.EqualFold(q.Get("signature"), signReturn(ne, testSecret).Get("signature"))
}
