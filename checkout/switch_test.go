package checkout_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

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

// blockingLedger holds Posts of credit payments until release is closed,
// telling posting when one arrives: a Client whose credit try is on its
// way to the ledger.
type blockingLedger struct {
	wallet.Ledger
	posting chan<- struct{}
	release <-chan struct{}
}

func (l blockingLedger) Post(ctx context.Context, ts ...wallet.Transfer) ([]wallet.Result, error) {
	if len(ts) == 1 && strings.HasSuffix(ts[0].ID, "/credit") {
		l.posting <- struct{}{}
		<-l.release
	}
	return l.Ledger.Post(ctx, ts...)
}

// Two Clients share a Store and a Ledger (two processes). While A's credit
// try is on its way to the ledger, B must not pay the order another way:
// Share and Pay by gateway answer ErrTryAgain (the ledger cannot yet tell a
// try under way from one that died before it); once A's payment lands the
// order is paid once, by credit. An hour later (Sweep's rule) a try the
// ledger never saw no longer blocks.
func TestNoMethodSwitchWhileCreditUnderWay(t *testing.T) {
	t.Parallel()
	store := checkout.NewMemoryStore()
	clk := newClock()
	ledger := wallet.NewMemoryLedger(wallet.WithClock(clk.Now))
	shared := func(*testing.T, func() time.Time) (checkout.Store, wallet.Ledger) { return store, ledger }
	posting, release := make(chan struct{}), make(chan struct{})
	a := newEnv(t, envConfig{backend: shared, ledger: func(l wallet.Ledger) wallet.Ledger {
		return blockingLedger{Ledger: l, posting: posting, release: release}
	}})
	b := newEnv(t, envConfig{backend: shared})
	a.clock, b.clock = clk, clk
	b.topUp("zed", 100000)
	o := b.order("zed", 60000)

	var wg sync.WaitGroup
	var payErr error
	var paid checkout.Next
	wg.Go(func() { paid, payErr = a.c.Pay(a.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodCredit}) })
	<-posting
	if _, err := b.c.Share(b.ctx, o.ID, "boss@example.com"); !errors.Is(err, checkout.ErrTryAgain) {
		t.Errorf("Share while A's credit try is under way = %v, want ErrTryAgain", err)
	}
	if _, err := b.c.Pay(b.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vtcpay"}); !errors.Is(err, checkout.ErrTryAgain) {
		t.Errorf("Pay by gateway while A's credit try is under way = %v, want ErrTryAgain", err)
	}
	close(release)
	wg.Wait()
	if payErr != nil || paid.Order.State != checkout.StateCompleted {
		t.Fatalf("A's Pay = %s, %v", paid.Order.State, payErr)
	}
	if got, want := fmt.Sprint(b.creditLines("zed")), "[top-up 100000 bal 100000 payment 60000 bal 40000]"; got != want {
		t.Errorf("Credit History %s, want %s", got, want)
	}
	if n := len(b.notif.byKind(checkout.NotifyShareLink)); n != 0 {
		t.Errorf("%d share emails sent", n)
	}
}
