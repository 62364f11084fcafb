package checkout_test

// An attacker's review of Handler's routes: each test says what the
// attacker tries and what must hold.

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/vtcpay/vtcpaytest"
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
