package vinidpay

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/thanhtoan/thanhtoan/signing"
)

// Fuzz targets for every parser of outside input: callbacks (query, form,
// JSON), responses and amounts. None may panic; whatever they accept must
// carry a signature that verifies.

func FuzzVerifyPaymentCallbackQuery(f *testing.F) {
	c := vectorClient(f)
	f.Add(string(readTestdata(f, "payment_callback.query.txt")))
	f.Add("order_id=1&pay_status=SUCCESS&transaction_id=2&signature=AAAA")
	f.Add("order_id=%zz")
	f.Add("signature=&signature=")
	f.Fuzz(func(t *testing.T, raw string) {
		cb, err := c.VerifyPaymentCallbackQuery(raw)
		if err != nil {
			return
		}
		if cb == nil || cb.OrderID == "" || cb.AmountConfirmed {
			t.Fatalf("accepted %q as %+v", raw, cb)
		}
		v, _ := url.ParseQuery(raw)
		msg := PaymentCallbackSigningString(string(cb.PayStatus), cb.TransactionID, cb.OrderID)
		if signing.VerifySHA256Base64([]byte(msg), plusForSpace(v.Get("signature")), c.vinidKeys...) != nil {
			t.Fatalf("accepted an unverified callback %q", raw)
		}
	})
}

func plusForSpace(s string) string {
	return string(bytes.ReplaceAll([]byte(s), []byte(" "), []byte("+")))
}

func FuzzVerifyLinkCallbackQuery(f *testing.F) {
	c := vectorClient(f)
	f.Add("status=SUCCESS&link_reference_id=L&partner_user_id=u&user_token=T&phone_number=%2A%2A%2A&signature=AAAA")
	f.Add("status=&link_reference_id=")
	f.Fuzz(func(t *testing.T, raw string) {
		cb, err := c.VerifyLinkCallbackQuery(raw)
		if err == nil && (cb == nil || cb.UserToken == "") {
			t.Fatalf("accepted %q as %+v", raw, cb)
		}
		if err == nil {
			t.Fatalf("accepted a link callback without VinID's signature: %q", raw)
		}
	})
}

func FuzzVerifyCallbackBody(f *testing.F) {
	c := vectorClient(f)
	f.Add("application/json", []byte(`{"order_id":"1","pay_status":"SUCCESS","transaction_id":"2","vnd_amount":5000,"signature":"AAAA"}`))
	f.Add("application/x-www-form-urlencoded", readTestdata(f, "payment_callback.query.txt"))
	f.Add("application/json", []byte(`{"a":{"b":1}}`))
	f.Add("application/json", []byte(`[1,2]`))
	f.Add("text/plain", []byte(`x`))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/ipn", bytes.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		if cb, err := c.VerifyPaymentCallback(r); err == nil && cb.OrderID != "20190178900134567890" {
			t.Fatalf("accepted %q %q as %+v", contentType, body, cb)
		}
		r = httptest.NewRequest(http.MethodPost, "/link", bytes.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		if _, err := c.VerifyLinkCallback(r); err == nil {
			t.Fatalf("accepted link callback %q %q", contentType, body)
		}
	})
}

func FuzzHandleResponse(f *testing.F) {
	c := vectorClient(f)
	f.Add(200, readTestdata(f, "create_transaction.response.json"))
	f.Add(200, []byte(`{"meta":{"code":200},"data":{"order_id":"I","order_amount":"150000","vnd_amount":150000,"pay_status":"SUCCESS"}}`))
	f.Add(401, []byte(`{"meta":{"code":4010006,"message":"x"}}`))
	f.Add(502, []byte(`<html>`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		q := &call{op: "query order", method: "GET", path: PathQueryOrder + "I", query: true}
		var o orderData
		_, err := c.handleResponse(q, "n", status, http.Header{}, body, &o)
		if err == nil && (o.OrderAmount.v < 0 || o.VNDAmount.v < 0 || o.OrderAmount.v > MaxAmount) {
			t.Fatalf("accepted amounts %+v", o)
		}
		w := &call{op: "create transaction", method: "POST", path: PathCreateTransaction}
		var d transactionData
		if _, err := c.handleResponse(w, "n", status, http.Header{}, body, &d); err == nil {
			_, _ = d.result("create transaction", "TRX")
		}
	})
}

func FuzzAmountJSON(f *testing.F) {
	for _, s := range []string{`1`, `"2"`, `1.5`, `-1`, `1e3`, `null`, `"x"`, `99999999999999999999`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var a amount
		if err := a.UnmarshalJSON(b); err == nil && (a.v < 0 || a.v > MaxAmount) {
			t.Fatalf("%q parsed as %d", b, a.v)
		}
	})
}
