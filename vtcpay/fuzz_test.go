package vtcpay

import (
	"errors"
	"net/url"
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
