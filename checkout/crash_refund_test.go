package checkout_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

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
