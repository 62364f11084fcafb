package checkout_test

import (
	"net/http"
	"testing"

	"github.com/thanhtoan/thanhtoan/checkout"
)

// The same success notification delivered 20 times at once provisions once,
// on every gateway and every gateway method. The order waits for it: the
// payer's return is lost, and VinID's answer to the charge too.
func TestSameNotification20TimesAtOnceEveryMethod(t *testing.T) {
	t.Parallel()
	for _, tc := range []gwCrashCase{
		{"vtcpay/gateway", "vtcpay", checkout.MethodGateway, 150000, 100000, false},
		{"vtcpay/topup", "vtcpay", checkout.MethodTopUpAndPay, 150000, 0, false},
		{"vtcpay/onbehalf", "vtcpay", checkout.MethodOnBehalf, 150000, 100000, false},
		{"vinidpay/gateway", "vinidpay", checkout.MethodGateway, 150000, 100000, false},
		{"vinidpay/topup", "vinidpay", checkout.MethodTopUpAndPay, 150000, 0, false},
		{"vinidpay/onbehalf", "vinidpay", checkout.MethodOnBehalf, 150000, 100000, false},
		{"vietpay/gateway", "vietpay", checkout.MethodGateway, 150000, 100000, false},
		{"vietpay/topup", "vietpay", checkout.MethodTopUpAndPay, 150000, 0, false},
		{"vietpay/onbehalf", "vietpay", checkout.MethodOnBehalf, 150000, 100000, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var rt *faultRT
			e := newGWEnv(t, tc, envConfig{}, func(inner http.RoundTripper) http.RoundTripper {
				rt = &faultRT{inner: inner, fault: faultReset, match: gatewayCalls["vinidpay"]["start"]}
				return rt
			})
			rt.arm() // only VinID's start matches
			e.dropNotifications = true
			e.topUp("zed", 100000)
			o := e.order("zed", tc.price)
			var next checkout.Next
			var token string
			var err error
			if tc.method == checkout.MethodOnBehalf {
				if token, err = e.shareLink(o.ID); err != nil {
					t.Fatal(err)
				}
				next, err = e.c.PayShared(e.ctx, token, tc.gateway)
			} else {
				next, err = e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: tc.method, Gateway: tc.gateway})
			}
			if err != nil && tc.gateway != "vinidpay" {
				t.Fatal(err)
			}
			e.afterPay(o, next, token)
			e.wantState(o.ID, checkout.StateAwaitingPayment)
			reqs := e.notifications(o)
			if len(reqs) != 1 {
				t.Fatalf("%d success notifications, want 1", len(reqs))
			}
			checkFanOut(t, fanOut(e.h, 20, reqs[0]))
			e.wantState(o.ID, checkout.StateCompleted)
			if e.prov.calls != 1 || e.prov.provisioned() != 1 {
				t.Errorf("Provision called %d times, %d provisioned; want once", e.prov.calls, e.prov.provisioned())
			}
			if n := len(e.notif.byKind(checkout.NotifyOrderCompleted)); n != 1 {
				t.Errorf("%d completed emails", n)
			}
			if n := len(e.invoiceLines("zed")); n != 1 {
				t.Errorf("%d invoices", n)
			}
			if p := e.paymentLines("zed"); len(p) != 1 {
				t.Errorf("payment history %q", p)
			}
			if c := e.charged(); c != tc.price-(100000-tc.paidBal) {
				t.Errorf("the payer is down by %d at the gateway", c)
			}
			if b := e.balance("zed"); !b.Posted.Equal(vnd(tc.paidBal)) || !b.Pending.IsZero() {
				t.Errorf("wallet %+v, want %d and no hold", b, tc.paidBal)
			}
			e.conserved("zed")
		})
	}
}
