package checkout_test

// An attacker's review of Handler's routes: each test says what the
// attacker tries and what must hold.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/signing"
	"github.com/thanhtoan/thanhtoan/vtcpay/vtcpaytest"
	"github.com/thanhtoan/thanhtoan/wallet"
)

// A requester shares the order with a payer (here, with themself), then
// pays it with top up and pay: most of the price held from the wallet,
// the rest through the gateway. The payer's link is still open while that
// payment is under way; a POST to it must not turn the requester's payment
// into a payment on behalf (which forgets the credit held and would
// provision the order for the gateway part alone). Must hold: the link is
// refused, and when the gateway part is paid the held credit is captured.
func TestAttackShareLinkDuringTopUpAndPay(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	e.topUp("mal", 140000)
	o := e.order("mal", 150000)
	token := share(t, e, o.ID, "mal2@example.com")
	next, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodTopUpAndPay, Gateway: "vtcpay"})
	if err != nil {
		t.Fatal(err)
	}
	ref := lastRef(e.get(o.ID))
	rec := postForm(e, "/pay/share/"+token, url.Values{"gateway": {"vtcpay"}})
	if rec.Code == http.StatusSeeOther {
		t.Errorf("the share link started a payment of an order being paid by top up and pay (%d)", rec.Code)
	}
	// The payer's page says why, in the order's language.
	for _, rec := range []*httptest.ResponseRecorder{rec, send(e, http.MethodGet, "https://shop.example/pay/share/"+token, "", "")} {
		if rec.Code != http.StatusConflict || byID(rec.Body.String(), "title") != "Order being paid" {
			t.Errorf("the payer's page: %d %q", rec.Code, byID(rec.Body.String(), "title"))
		}
	}
	e.payAtGateway(next, vtcpaytest.StatusSuccess)
	e.notify(ref)
	got := e.wantState(o.ID, checkout.StateCompleted)
	if got.Method != checkout.MethodTopUpAndPay || !got.CreditHeld.Equal(vnd(140000)) {
		t.Errorf("method %s, credit %s", got.Method, got.CreditHeld)
	}
	if b := e.balance("mal"); !b.Posted.IsZero() || !b.Pending.IsZero() {
		t.Errorf("the requester kept credit: %+v", b)
	}
	e.conserved("mal")
}

// VinID signs a payment callback over pay_status;transaction_id;order_id
// with one key for all its merchants: the merchant is not signed. Another
// VinID merchant (or anyone holding one of its genuine callbacks) can have
// VinID sign a failure for an order_id equal to one of our payment
// references, of a transaction that is not ours. Delivered to us, it must
// not cancel our order nor touch the payer's pending payment: only our own
// query may say that our payment failed (a foreign success is queried
// already, for its unsigned amount). Must hold: the order still waits,
// the attempt keeps its transaction, and the payer's OTP completes it.
func TestAttackVinIDForeignFailureCallback(t *testing.T) {
	t.Parallel()
	e := newVinIDEnv(t, 1_000_000, "vic")
	o := e.order("vic", 1_200_000)
	next, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vinidpay"})
	if err != nil || next.Kind != checkout.NextOTP {
		t.Fatalf("pay: %v %v", next.Kind, err)
	}
	waiting := e.get(o.ID)
	a := waiting.Attempts[0]
	for _, status := range []string{"FAIL", "FAILED", "CANCELLED", "SUCCESS"} {
		foreign, err := url.ParseQuery(e.vfake.PaymentCallbackQuery(status, "T-OTHER-MERCHANT", a.Reference, nil))
		if err != nil {
			t.Fatal(err)
		}
		e.deliver(foreign) // the status answered does not matter; the order does
		got := e.get(o.ID)
		if got.State != checkout.StateAwaitingPayment || got.Attempts[0].Outcome.String() == "failed" ||
			got.Attempts[0].GatewayTxnID != a.GatewayTxnID {
			t.Fatalf("a foreign %s callback changed the order: %s (%s), attempt %+v", status, got.State, got.Reason, got.Attempts[0])
		}
	}
	otp, ok := e.vfake.OTP(a.GatewayTxnID)
	if !ok {
		t.Fatal("the fake sent no otp")
	}
	if _, err := e.c.SubmitOTP(e.ctx, o.ID, otp); err != nil {
		t.Fatalf("the payer's otp: %v", err)
	}
	e.wantState(o.ID, checkout.StateCompleted)
	wantLines(t, "payment history", e.paymentLines("vic"), "vinidpay paid 1200000 VND")
}

// lostCreditLedger loses the answer of the first credit payment it posts:
// the wallet is debited, the caller sees an error.
type lostCreditLedger struct {
	wallet.Ledger
	lost *atomic.Bool
}

func (l lostCreditLedger) Post(ctx context.Context, ts ...wallet.Transfer) ([]wallet.Result, error) {
	r, err := l.Ledger.Post(ctx, ts...)
	if err == nil && len(ts) == 1 && strings.HasSuffix(ts[0].ID, "/credit") && l.lost.CompareAndSwap(false, true) {
		return nil, errors.New("injected: answer lost")
	}
	return r, err
}

// The requester shared the order, then paid it by credit, and the
// ledger's answer was lost: the wallet may have paid (here it did), the
// order still says shared. A payer POSTing the link now must not start a
// second payment of the whole price (Pay refuses to switch method in this
// case until Sweep settles the credit try; the link must too). Must hold:
// the link starts no payment, and once the credit try is settled, the
// requester has paid the price once.
func TestAttackShareLinkAfterLostCreditPayment(t *testing.T) {
	t.Parallel()
	lost := &atomic.Bool{}
	e := newEnv(t, envConfig{ledger: func(l wallet.Ledger) wallet.Ledger { return lostCreditLedger{Ledger: l, lost: lost} }})
	e.topUp("cat", 200000)
	o := e.order("cat", 150000)
	token := share(t, e, o.ID, "boss@example.com")
	if _, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodCredit}); err == nil || !lost.Load() {
		t.Fatalf("the credit payment's answer was not lost: %v", err)
	}
	rec := postForm(e, "/pay/share/"+token, url.Values{"gateway": {"vtcpay"}})
	if rec.Code == http.StatusSeeOther {
		e.payAtGateway(checkout.Next{Kind: checkout.NextRedirect, URL: rec.Header().Get("Location")}, vtcpaytest.StatusSuccess)
		e.notify(lastRef(e.get(o.ID)))
		t.Errorf("the share link started a second payment while a credit payment may have paid (%s)", e.get(o.ID).State)
	}
	// The requester pays again: the lost try is found and settled.
	if _, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodCredit}); err != nil {
		t.Fatal(err)
	}
	got := e.wantState(o.ID, checkout.StateCompleted)
	if b := e.balance("cat"); !b.Posted.Equal(vnd(50000)) {
		t.Errorf("wallet %s after one payment of 150000 from 200000 (order %s, flagged %v: %s)", b.Posted, got.Method, got.Flagged, got.Reason)
	}
	wantLines(t, "payment history", e.paymentLines("cat"))
	wantLines(t, "billing history", e.invoiceLines("cat"), o.ID+"/invoice credit 150000 VND")
}

// The same lost credit answer on a shared order, left to Sweep: the wallet
// was debited, so Sweep must settle the order as paid by credit (as it
// does for a created order), never cancel it at the link's expiry with the
// money kept. Must hold: completed, paid once, invoiced.
func TestAttackSweepSettlesLostCreditOfSharedOrder(t *testing.T) {
	t.Parallel()
	lost := &atomic.Bool{}
	e := newEnv(t, envConfig{ledger: func(l wallet.Ledger) wallet.Ledger { return lostCreditLedger{Ledger: l, lost: lost} }})
	e.topUp("dot", 200000)
	o := e.order("dot", 150000)
	share(t, e, o.ID, "boss@example.com")
	if _, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodCredit}); err == nil || !lost.Load() {
		t.Fatalf("the credit payment's answer was not lost: %v", err)
	}
	for _, d := range []time.Duration{time.Hour, 72 * time.Hour} {
		e.clock.Advance(d)
		if _, err := e.c.Sweep(e.ctx); err != nil {
			t.Fatal(err)
		}
	}
	got := e.get(o.ID)
	if got.State != checkout.StateCompleted {
		t.Errorf("order %s (%s), the wallet at %s", got.State, got.Reason, e.balance("dot").Posted)
	}
	wantLines(t, "billing history", e.invoiceLines("dot"), o.ID+"/invoice credit 150000 VND")
}

// Whoever holds a share link (a forwarded email, a payer's double click)
// POSTs it again and again. Each POST must not start another payment at
// the gateway while this link's payment through that gateway is open: the
// payer could be charged twice, and 99 POSTs used up the order's payment
// attempts so that nobody could pay it until the link expired. Must hold:
// every POST sends the payer to the same payment, which completes the
// order once.
func TestAttackShareLinkPostedRepeatedly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	o := e.order("eve", 90000)
	token := share(t, e, o.ID, "payer@example.com")
	var first string
	for i := range 120 {
		rec := postForm(e, "/pay/share/"+token, url.Values{"gateway": {"vtcpay"}})
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("POST %d: %d", i+1, rec.Code)
		}
		loc := rec.Header().Get("Location")
		if first == "" {
			first = loc
		} else if loc != first {
			t.Fatalf("POST %d started another payment (%d attempts)", i+1, len(e.get(o.ID).Attempts))
		}
	}
	if n := len(e.get(o.ID).Attempts); n != 1 {
		t.Fatalf("%d payment attempts, want 1", n)
	}
	e.payAtGateway(checkout.Next{Kind: checkout.NextRedirect, URL: first}, vtcpaytest.StatusSuccess)
	e.notify(lastRef(e.get(o.ID)))
	e.wantState(o.ID, checkout.StateCompleted)
	wantLines(t, "payment history", e.paymentLines("eve"), "vtcpay paid 90000 VND")
}

// send serves one request and returns the recorder.
func send(e *env, method, target, contentType, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

// The callback routes against an attacker holding one genuine return URL
// and one genuine notification of a payment that is paid at VTC Pay but
// not yet applied: methods swapped, fields repeated or moved to another
// order or website, the notification's fields put in the query, bodies
// over the cap. Each must answer 4xx without a secret, a signature or an
// internal error in its body, and change nothing; none may be remembered
// as processed: the genuine notification completes the order afterwards.
func TestAttackCallbackRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	other := e.order("ida", 70000) // another order awaiting payment
	if _, err := e.c.Pay(e.ctx, other.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vtcpay"}); err != nil {
		t.Fatal(err)
	}
	otherRef := lastRef(e.get(other.ID))
	o := e.order("ida", 80000)
	next, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vtcpay"})
	if err != nil {
		t.Fatal(err)
	}
	ref := lastRef(e.get(o.ID))
	ret := e.payAtGateway(next, vtcpaytest.StatusSuccess)
	var ipn url.Values
	e.notify(ref, vtcpaytest.Tamper(func(f url.Values) { // capture it, deliver it unsigned
		ipn = cloneValues(f)
		f.Set("signature", "00")
	}))
	if ipn.Get("data") == "" || ret.Query().Get("signature") == "" {
		t.Fatalf("no genuine callbacks: %v %v", ipn, ret)
	}
	before := e.get(o.ID)
	fc := e.fake.Config()
	retQuery := func(f func(q url.Values)) string {
		q := ret.Query()
		f(q)
		return "/pay/return/vtcpay?" + q.Encode()
	}
	otherSite := strings.Replace(ipn.Get("data"), "|"+fmt.Sprint(fc.WebsiteID), "|"+fmt.Sprint(fc.WebsiteID+1), 1)
	for _, c := range []struct {
		name, method, path, ctype, body string
		want                            int
	}{
		// The return is a GET: a POST of it is not routed.
		{"return POSTed", http.MethodPost, "/pay/return/vtcpay?" + ret.RawQuery, formType, "", 405},
		{"return PUT", http.MethodPut, "/pay/return/vtcpay?" + ret.RawQuery, "", "", 405},
		// Repeated fields: which one the verifier and the reader take
		// could differ, so neither is taken.
		{"return signature twice", http.MethodGet, retQuery(func(q url.Values) { q.Add("signature", q.Get("signature")) }), "", "", 400},
		{"return reference twice", http.MethodGet, retQuery(func(q url.Values) { q.Add("reference_number", otherRef) }), "", "", 400},
		{"return amount twice", http.MethodGet, retQuery(func(q url.Values) { q.Add("amount", "1") }), "", "", 400},
		// Its result moved onto another order, another amount, a success
		// on a failure's place.
		{"return moved to another order", http.MethodGet, retQuery(func(q url.Values) { q.Set("reference_number", otherRef) }), "", "", 400},
		{"return amount changed", http.MethodGet, retQuery(func(q url.Values) { q.Set("amount", "8000") }), "", "", 400},
		{"return without signature", http.MethodGet, retQuery(func(q url.Values) { q.Del("signature") }), "", "", 400},
		{"return over the cap", http.MethodGet, retQuery(func(q url.Values) { q.Set("message", strings.Repeat("x", 9<<10)) }), "", "", 400},
		// The notification's fields where only a body counts.
		{"ipn in a GET query", http.MethodGet, "/pay/notify/vtcpay?" + ipn.Encode(), "", "", 400},
		{"ipn in a POST query", http.MethodPost, "/pay/notify/vtcpay?" + ipn.Encode(), formType, "", 400},
		{"ipn on the return route", http.MethodGet, "/pay/return/vtcpay?" + ipn.Encode(), "", "", 400},
		{"ipn data twice", http.MethodPost, "/pay/notify/vtcpay", formType, ipn.Encode() + "&data=" + url.QueryEscape(ipn.Get("data")), 400},
		{"ipn signature twice", http.MethodPost, "/pay/notify/vtcpay", formType, ipn.Encode() + "&signature=" + ipn.Get("signature"), 400},
		{"ipn of another website", http.MethodPost, "/pay/notify/vtcpay", formType,
			url.Values{"data": {otherSite}, "signature": {signing.SHA256Hex(signing.Upper, otherSite, "|", fc.SecretKey.Reveal())}}.Encode(), 400},
		{"ipn as multipart", http.MethodPost, "/pay/notify/vtcpay", "multipart/form-data; boundary=x", "--x\r\n", 400},
		{"ipn over the cap", http.MethodPost, "/pay/notify/vtcpay", formType, ipn.Encode() + "&pad=" + strings.Repeat("x", 1<<20), 400},
		{"ipn json over the cap", http.MethodPost, "/pay/notify/vtcpay", "application/json",
			`{"data":"` + ipn.Get("data") + `","signature":"` + ipn.Get("signature") + `","pad":"` + strings.Repeat("x", 1<<20) + `"}`, 400},
		// Another gateway's route, a gateway that is not there.
		{"ipn on an unknown gateway", http.MethodPost, "/pay/notify/vinidpay", formType, ipn.Encode(), 404},
		{"return of an unknown gateway", http.MethodGet, "/pay/return/VTCPAY?" + ret.RawQuery, "", "", 404},
	} {
		rec := send(e, c.method, "https://shop.example"+c.path, c.ctype, c.body)
		if rec.Code != c.want {
			t.Errorf("%s: answered %d, want %d", c.name, rec.Code, c.want)
		}
		// The language link repeats the request's own query (see
		// TestReturnPages): the rest of the page holds nothing of it.
		body := strings.ToLower(navPattern.ReplaceAllString(rec.Body.String(), ""))
		for _, leak := range []string{ipn.Get("signature"), ret.Query().Get("signature"), fc.SecretKey.Reveal(), "checkout:", "vtcpay:", "signature"} {
			if strings.Contains(body, strings.ToLower(leak)) {
				t.Errorf("%s: the answer holds %q", c.name, leak)
			}
		}
		if got := e.get(o.ID); got.Version != before.Version || got.State != checkout.StateAwaitingPayment {
			t.Fatalf("%s changed the order: %s, version %d -> %d", c.name, got.State, before.Version, got.Version)
		}
	}
	if e.prov.calls != 0 || len(e.notif.sent) != 0 {
		t.Fatalf("provisioned %d, %d emails", e.prov.calls, len(e.notif.sent))
	}
	e.notify(ref)
	e.wantState(o.ID, checkout.StateCompleted)
	e.wantState(other.ID, checkout.StateAwaitingPayment)
	wantLines(t, "payment history", e.paymentLines("ida"), "vtcpay paid 80000 VND")
}

const formType = "application/x-www-form-urlencoded"

// The share routes against whoever holds a link, or guesses one: other
// methods, bodies over the cap or in another encoding, the gateway put in
// the query, markup in the order's data and in the query, a hostile lang.
// Must hold: each answers as listed, no page carries live markup from
// the request or the order (only escaped), and the order is unchanged
// (still shared, no payment started) unless the row pays.
func TestAttackShareRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	const xss = `"><script>alert(1)</script><img src=x onerror=alert(2)>`
	o, err := e.c.CreateOrder(e.ctx, checkout.OrderRequest{Customer: "jo", Email: `x'onfocus='alert@example.com`, Language: checkout.English,
		Items: []checkout.LineItem{{Description: xss, Quantity: 1, Amount: vnd(60000),
			Config: []checkout.Attribute{{Name: xss, Value: xss}}}}})
	if err != nil {
		t.Fatal(err)
	}
	token := share(t, e, o.ID, "payer@example.com")
	before := e.get(o.ID)
	path := "https://shop.example/pay/share/" + token
	gw := url.Values{"gateway": {"vtcpay"}}.Encode()
	for _, c := range []struct {
		name, method, target, ctype, body string
		want                              int
	}{
		{"PUT", http.MethodPut, path, formType, gw, 405},
		{"DELETE", http.MethodDelete, path, "", "", 405},
		{"PATCH", http.MethodPatch, path, formType, gw, 405},
		// The POST reads its body only: a gateway in the query is not a choice.
		{"gateway in the query", http.MethodPost, path + "?gateway=vtcpay", formType, "", 400},
		{"multipart body", http.MethodPost, path, "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"gateway\"\r\n\r\nvtcpay\r\n--x--\r\n", 400},
		{"json body", http.MethodPost, path, "application/json", `{"gateway":"vtcpay"}`, 400},
		{"body over the cap", http.MethodPost, path, formType, gw + "&pad=" + strings.Repeat("x", 1<<20), 400},
		{"many fields", http.MethodPost, path, formType, strings.Repeat("a=1&", 1100) + gw, 400},
		{"markup as gateway", http.MethodPost, path, formType, url.Values{"gateway": {xss}}.Encode(), 400},
		{"markup as otp", http.MethodPost, path, formType, url.Values{"otp": {xss}}.Encode(), 400},
		{"markup in the query", http.MethodGet, path + "?lang=en&x=" + url.QueryEscape(xss), "", "", 200},
		{"markup as lang", http.MethodGet, path + "?lang=" + url.QueryEscape(xss), "", "", 200},
		{"lang twice", http.MethodGet, path + "?lang=en&lang=" + url.QueryEscape(xss), "", "", 200},
		{"markup as token", http.MethodGet, "https://shop.example/pay/share/" + url.PathEscape(xss), "", "", 404},
		{"token with a suffix", http.MethodGet, path + "x", "", "", 404},
		{"token in another case", http.MethodGet, "https://shop.example/pay/share/" + strings.ToUpper(token), "", "", 404},
		{"POST to another token", http.MethodPost, path + "x", formType, gw, 404},
	} {
		rec := send(e, c.method, c.target, c.ctype, c.body)
		if rec.Code != c.want {
			t.Errorf("%s: answered %d, want %d", c.name, rec.Code, c.want)
		}
		body := rec.Body.String()
		if strings.Contains(body, "<script") || strings.Contains(body, "<img") {
			t.Errorf("%s: the page holds live markup", c.name)
		}
		if got := e.get(o.ID); got.Version != before.Version || got.State != checkout.StateShared {
			t.Fatalf("%s changed the order: %s, version %d -> %d", c.name, got.State, before.Version, got.Version)
		}
	}
	// The link still pays, once.
	rec := postForm(e, "/pay/share/"+token, url.Values{"gateway": {"vtcpay"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("the payer's POST: %d", rec.Code)
	}
	e.payAtGateway(checkout.Next{Kind: checkout.NextRedirect, URL: rec.Header().Get("Location")}, vtcpaytest.StatusSuccess)
	e.notify(lastRef(e.get(o.ID)))
	e.wantState(o.ID, checkout.StateCompleted)
	// Used: every route of the link says so, and shows nothing of the order.
	for _, rec := range []*httptest.ResponseRecorder{send(e, http.MethodGet, path, "", ""), send(e, http.MethodPost, path, formType, gw),
		send(e, http.MethodPost, path, formType, url.Values{"otp": {"123456"}}.Encode())} {
		if rec.Code != http.StatusGone || strings.Contains(rec.Body.String(), "60.000") || strings.Contains(rec.Body.String(), o.ID) {
			t.Errorf("a used link answered %d:\n%s", rec.Code, rec.Body.String())
		}
	}
	wantLines(t, "payment history", e.paymentLines("jo"), "vtcpay paid 60000 VND")
}
