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

// VinID signs a payment callback over pay_status;transaction_id;order_id
// with one key for all its merchants: the merchant is not signed. Another
// VinID merchant (or anyone holding one of its genuine callbacks) can have
// VinID sign a failure for an order_id equal to one of our payment
// references, of a transaction that is not ours. Delivered to us, it must
// not cancel our order nor touch the payer's pending payment: only our own
// query may say that our payment failed. Must hold: the order still waits,
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
	for _, status := range []string{"FAIL", "FAILED", "CANCELLED"} {
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
