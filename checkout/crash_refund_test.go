package checkout_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/wallet"
)

// Provisioning fails and the order is refunded through the gateway
// (RefundThroughGateway): a crash before and after every Store and ledger
// call, then Sweep, converges to a cancelled order; the refund POST is sent
// once at most (a crash after sending it flags the order for a person
// instead of sending it again), and the payer is never out of pocket.
func TestCrashDuringGatewayRefundConverges(t *testing.T) {
	t.Parallel()
	for _, tc := range []gwCrashCase{
		{"vtcpay/gateway", "vtcpay", checkout.MethodGateway, 150000, 100000, false},
		{"vinidpay/topup", "vinidpay", checkout.MethodTopUpAndPay, 150000, 0, false},
		{"vietpay/onbehalf", "vietpay", checkout.MethodOnBehalf, 150000, 100000, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run := func(t *testing.T, cfg envConfig, arm func(*gwCrashEnv), disarm func()) *gwCrashEnv {
				var rt *faultRT
				cfg.opts = []checkout.Option{checkout.WithRefundPolicy(checkout.RefundThroughGateway)}
				e := newGWEnv(t, tc, cfg, func(inner http.RoundTripper) http.RoundTripper {
					// Never armed: it counts the refunds the gateway received.
					rt = &faultRT{inner: inner, match: gatewayCalls[tc.gateway]["refund"]}
					return rt
				})
				e.prov.fail = func(string) error { return errors.New("no capacity") }
				runGWCrashFlow(t, e, tc, func() { arm(e) }, disarm)
				if n := rt.count(rt.match); n > 1 {
					t.Errorf("the refund was sent %d times", n)
				}
				got := e.get(e.last)
				if got.State != checkout.StateCancelled {
					t.Errorf("order %s, want cancelled", got.State)
				}
				if got.GatewayRefund == "started" || got.GatewayRefund == "failed" {
					if !got.Flagged {
						t.Errorf("gateway refund %s, not flagged", got.GatewayRefund)
					}
				}
				checkMoney(t, e, e.last, faultCase{gwCrashCase: tc})
				return e
			}
			// Count the calls of a clean run.
			fs, fl := &fault{}, &fault{}
			e := run(t, envConfig{
				store:  func(s checkout.Store) checkout.Store { return faultyStore{s, fs} },
				ledger: func(l wallet.Ledger) wallet.Ledger { return faultyLedger{l, fl} },
			}, func(*gwCrashEnv) { fs.armed.Store(true); fl.armed.Store(true) },
				func() { fs.armed.Store(false); fl.armed.Store(false) })
			if got := e.get(e.last); got.GatewayRefund != "done" || got.Flagged {
				t.Fatalf("the clean run: gateway refund %q, flagged %v (%s)", got.GatewayRefund, got.Flagged, got.Reason)
			}
			ns, nl := fs.calls.Load(), fl.calls.Load()
			if ns < 5 || nl < 1 {
				t.Fatalf("counted %d store and %d ledger calls", ns, nl)
			}
			for _, after := range []bool{false, true} {
				for k := int64(1); k <= ns; k++ {
					t.Run(fmt.Sprintf("store%d/after=%v", k, after), func(t *testing.T) {
						f := &fault{failAt: k, after: after}
						run(t, envConfig{store: func(s checkout.Store) checkout.Store { return faultyStore{s, f} }},
							func(*gwCrashEnv) { f.armed.Store(true) }, func() { f.armed.Store(false) })
					})
				}
				for k := int64(1); k <= nl; k++ {
					t.Run(fmt.Sprintf("ledger%d/after=%v", k, after), func(t *testing.T) {
						f := &fault{failAt: k, after: after}
						run(t, envConfig{ledger: func(l wallet.Ledger) wallet.Ledger { return faultyLedger{l, f} }},
							func(*gwCrashEnv) { f.armed.Store(true) }, func() { f.armed.Store(false) })
					})
				}
			}
		})
	}
}

// Two payers pay one shared order; the second's money is refunded through
// the gateway, or, where the gateway refuses that refund, credited to the
// requester's wallet. A crash before and after every Store and ledger call
// from the second payment's notification on, then Sweep: the order stays
// completed and provisioned once, the refund is sent once at most, and the
// second payment is settled, and credited only where its records say so.
func TestCrashDuringSecondPayerRefundConverges(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		gwCrashCase
		refuse bool // the gateway refuses the refund
	}{
		{gwCrashCase{"vtcpay/onbehalf", "vtcpay", checkout.MethodOnBehalf, 150000, 100000, false}, false},
		{gwCrashCase{"vietpay/onbehalf", "vietpay", checkout.MethodOnBehalf, 150000, 100000, false}, false},
		{gwCrashCase{"vtcpay/onbehalf/refused", "vtcpay", checkout.MethodOnBehalf, 150000, 100000, false}, true},
		{gwCrashCase{"vietpay/onbehalf/refused", "vietpay", checkout.MethodOnBehalf, 150000, 100000, false}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run := func(t *testing.T, cfg envConfig, arm, disarm func()) *gwCrashEnv {
				var rt *faultRT
				e := newGWEnv(t, tc.gwCrashCase, cfg, func(inner http.RoundTripper) http.RoundTripper {
					if tc.refuse {
						inner = &tamperRefund{inner: inner, match: gatewayCalls[tc.gateway]["refund"]}
					}
					rt = &faultRT{inner: inner, match: gatewayCalls[tc.gateway]["refund"]}
					return rt
				})
				e.topUp("zed", 100000)
				o := e.order("zed", tc.price)
				var nexts []checkout.Next
				var tokens []string
				for _, p := range []string{"p1@example.com", "p2@example.com"} {
					if _, err := e.c.Share(e.ctx, o.ID, p); err != nil {
						t.Fatal(err)
					}
					ms := e.notif.byKind(checkout.NotifyShareLink)
					tokens = append(tokens, tokenOf(ms[len(ms)-1].ShareURL))
				}
				for _, tok := range tokens {
					next, err := e.c.PayShared(e.ctx, tok, tc.gateway)
					if err != nil || next.Kind != checkout.NextRedirect {
						t.Fatalf("pay shared: %v %v", next.Kind, err)
					}
					nexts = append(nexts, next)
				}
				e.afterPay(o, nexts[0], tokens[0])
				if got := e.get(o.ID); got.State != checkout.StateCompleted {
					t.Fatalf("the first payer's payment: %s (%s)", got.State, got.Reason)
				}
				arm()
				e.afterPay(o, nexts[1], tokens[1])
				for range 2 {
					_, _ = e.c.Sweep(e.ctx)
				}
				disarm()
				sweepAndCheckSecondPayer(t, e, o.ID, rt)
				return e
			}
			fs, fl := &fault{}, &fault{}
			e := run(t, envConfig{
				store:  func(s checkout.Store) checkout.Store { return faultyStore{s, fs} },
				ledger: func(l wallet.Ledger) wallet.Ledger { return faultyLedger{l, fl} },
			}, func() { fs.armed.Store(true); fl.armed.Store(true) }, func() { fs.armed.Store(false); fl.armed.Store(false) })
			charged := tc.price // the second payer refunded at the gateway
			if tc.refuse {
				charged = 2 * tc.price // and credited to the wallet
			}
			if got := e.get(e.last); got.Attempts[1].Outcome != checkout.OutcomeSucceeded || e.charged() != charged {
				t.Fatalf("the clean run: second payment %s, payers down by %d, want %d", got.Attempts[1].Outcome, e.charged(), charged)
			}
			ns, nl := fs.calls.Load(), fl.calls.Load()
			if ns < 5 {
				t.Fatalf("counted %d store calls", ns)
			}
			for _, after := range []bool{false, true} {
				for k := int64(1); k <= ns; k++ {
					t.Run(fmt.Sprintf("store%d/after=%v", k, after), func(t *testing.T) {
						f := &fault{failAt: k, after: after}
						run(t, envConfig{store: func(s checkout.Store) checkout.Store { return faultyStore{s, f} }},
							func() { f.armed.Store(true) }, func() { f.armed.Store(false) })
					})
				}
				for k := int64(1); k <= nl; k++ {
					t.Run(fmt.Sprintf("ledger%d/after=%v", k, after), func(t *testing.T) {
						f := &fault{failAt: k, after: after}
						run(t, envConfig{ledger: func(l wallet.Ledger) wallet.Ledger { return faultyLedger{l, f} }},
							func() { f.armed.Store(true) }, func() { f.armed.Store(false) })
					})
				}
			}
		})
	}
}

// sweepAndCheckSecondPayer moves the clock past every timeout, sweeps and
// checks the shared order paid by two payers.
func sweepAndCheckSecondPayer(t *testing.T, e *gwCrashEnv, id string, rt *faultRT) {
	t.Helper()
	e.clock.Advance(73 * time.Hour)
	if _, err := e.c.Sweep(e.ctx); err != nil {
		t.Errorf("final sweep: %v", err)
	}
	got := e.get(id)
	if got.State != checkout.StateCompleted || e.prov.provisioned() != 1 || len(e.invoiceLines("zed")) != 1 {
		t.Errorf("order %s, provisioned %d, invoices %d; want completed, once", got.State, e.prov.provisioned(), len(e.invoiceLines("zed")))
	}
	if n := rt.count(rt.match); n > 1 {
		t.Errorf("the second payer's refund was sent %d times", n)
	}
	for _, a := range got.Attempts {
		if a.Outcome == checkout.OutcomeSucceeded && a.Reference != got.PaidReference && (!a.Settled || !got.Flagged) {
			t.Errorf("the second payment %s: settled %v, order flagged %v", a.Reference, a.Settled, got.Flagged)
		}
	}
	if pend, _ := e.store.PendingNotifications(e.ctx, 100); len(pend) != 0 {
		t.Errorf("%d notifications never sent", len(pend))
	}
	// Money credited for a payment is in its records: a credit they do not
	// show (a refund "outcome unknown", left to a person) would be paid
	// back a second time by the person who settles it.
	credited := map[string]int{}
	for _, l := range e.paymentRecords("zed") {
		if l.Outcome == checkout.PaymentCredited {
			credited[l.Reference]++
		}
	}
	for _, a := range got.Attempts {
		_, err := e.ledger.Lookup(e.ctx, a.Reference+"/credit")
		inLedger := err == nil
		if inLedger != (credited[a.Reference] == 1) || inLedger && a.Refund == "unknown" {
			t.Errorf("payment %s: credited in the ledger %v (%v), in Payment History %d times, refund %q", a.Reference, inLedger, err, credited[a.Reference], a.Refund)
		}
	}
	checkMoney(t, e, id, faultCase{gwCrashCase: gwCrashCase{price: got.Amount.IntPart()}})
	e.conserved("zed")
}
