package checkout_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/wallet"
)

// A credit payment the ledger took while the order's save was lost (the
// answer lost after the ledger applied it) must be settled before the
// order is paid another way: Share, like Pay by another method, refuses
// until Sweep has completed the order with that payment. Before, Share
// turned the order into a payment on behalf and the credit taken was
// never used nor given back.
func TestNoMethodSwitchAfterCreditTaken(t *testing.T) {
	t.Parallel()
	for _, to := range []string{"share", "gateway", "top up and pay"} {
		t.Run(to, func(t *testing.T) {
			t.Parallel()
			f := &fault{failAt: 1, after: true} // the first ledger write once armed: applied, its answer lost
			e := newEnv(t, envConfig{ledger: func(l wallet.Ledger) wallet.Ledger { return faultyLedger{l, f} }})
			e.topUp("zed", 100000)
			o := e.order("zed", 60000)
			f.armed.Store(true)
			if _, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodCredit}); !errors.Is(err, errCrash) {
				t.Fatalf("Pay = %v, want the injected crash", err)
			}
			f.armed.Store(false)
			var err error
			switch to {
			case "share":
				_, err = e.c.Share(e.ctx, o.ID, "boss@example.com")
			case "gateway":
				_, err = e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vtcpay"})
			default:
				_, err = e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodTopUpAndPay, Gateway: "vtcpay"})
			}
			if !errors.Is(err, checkout.ErrOrderClosed) {
				t.Fatalf("%s after a credit payment the ledger took = %v, want ErrOrderClosed", to, err)
			}
			if _, err := e.c.Sweep(e.ctx); err != nil {
				t.Fatal(err)
			}
			if got := e.get(o.ID); got.State != checkout.StateCompleted || got.Method != checkout.MethodCredit {
				t.Fatalf("order %s by %s, want completed by credit", got.State, got.Method)
			}
			if got, want := fmt.Sprint(e.creditLines("zed")), "[top-up 100000 bal 100000 payment 60000 bal 40000]"; got != want {
				t.Errorf("Credit History %s, want %s", got, want)
			}
			if n := len(e.notif.byKind(checkout.NotifyShareLink)); n != 0 {
				t.Errorf("%d share emails sent", n)
			}
		})
	}
}
