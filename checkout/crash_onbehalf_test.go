package checkout_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/vinidpay"
)

// A payer whose confirmation on the share page failed with an unknown
// outcome (VinID charged the linked wallet, the answer was lost) and who
// confirms again through the same link is told to wait: the link's payment
// is not started twice, so the payer is charged once.
func TestPayerRetryAfterLostAnswerChargesOnce(t *testing.T) {
	t.Parallel()
	const payer = "boss@parent.example"
	e := newVinIDEnv(t, 1_000_000, payer)
	o := e.order("req", 150000)
	token := share(t, e.env, o.ID, payer)
	e.vfake.DropResponseNext(vinidpay.PathCreateTransaction)
	if _, err := e.c.PayShared(e.ctx, token, "vinidpay"); err == nil {
		t.Fatal("a lost answer was not an error")
	}
	if b := e.walletBalance(payer); b != 50_000_000-150000 {
		t.Fatalf("VinID did not charge the payer: %d", b)
	}
	// The payer confirms again.
	if _, err := e.c.PayShared(e.ctx, token, "vinidpay"); !errors.Is(err, checkout.ErrTryAgain) {
		t.Errorf("confirm again while the first payment's outcome is unknown: %v, want ErrTryAgain", err)
	}
	if b := e.walletBalance(payer); b != 50_000_000-150000 {
		t.Errorf("the payer was charged twice: wallet %d", b)
	}
	// VinID's notification of the first payment completes the order.
	ref := e.get(o.ID).Attempts[0].Reference
	if st := e.deliver(e.callback(ref)); st != http.StatusOK {
		t.Fatalf("notification: %d", st)
	}
	if _, err := e.c.Sweep(e.ctx); err != nil {
		t.Fatal(err)
	}
	got := e.wantState(o.ID, checkout.StateCompleted)
	if len(got.Attempts) != 1 || got.Flagged {
		t.Errorf("attempts %d, flagged %v", len(got.Attempts), got.Flagged)
	}
	wantLines(t, "payment history", e.paymentLines("req"), "vinidpay paid 150000 VND")
	if e.prov.provisioned() != 1 {
		t.Errorf("provisioned %d", e.prov.provisioned())
	}
}
