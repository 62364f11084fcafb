package checkout_test

import (
	"errors"
	"testing"

	"github.com/thanhtoan/thanhtoan/checkout"
)

// A refund through each gateway reaches it: provisioning fails, the
// payer's gateway account is refunded, the wallet is untouched and nobody
// needs to look. (Ví Việt's refunds were refused before sending.)
func TestRefundThroughEachGateway(t *testing.T) {
	t.Parallel()
	for _, tc := range []gwCrashCase{
		{"vtcpay/gateway", "vtcpay", checkout.MethodGateway, 150000, 100000, false},
		{"vinidpay/gateway", "vinidpay", checkout.MethodGateway, 150000, 100000, false},
		{"vietpay/gateway", "vietpay", checkout.MethodGateway, 150000, 100000, false},
	} {
		t.Run(tc.gateway, func(t *testing.T) {
			t.Parallel()
			e := newGWEnv(t, tc, envConfig{opts: []checkout.Option{checkout.WithRefundPolicy(checkout.RefundThroughGateway)}}, nil)
			e.prov.fail = func(string) error { return errors.New("no capacity") }
			e.topUp("zed", 100000)
			o := e.order("zed", tc.price)
			next, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: tc.method, Gateway: tc.gateway})
			if err != nil {
				t.Fatal(err)
			}
			e.afterPay(o, next, "")
			got := e.wantState(o.ID, checkout.StateCancelled)
			if got.GatewayRefund != "done" || got.Flagged {
				t.Errorf("gateway refund %q, flagged %v (%s); want done, unflagged", got.GatewayRefund, got.Flagged, got.Reason)
			}
			if c := e.charged(); c != 0 {
				t.Errorf("the payer's gateway account is still down by %d", c)
			}
			if b := e.balance("zed"); !b.Posted.Equal(vnd(100000)) {
				t.Errorf("wallet %s, want 100000 (refunded through the gateway, not credited)", b.Posted)
			}
			wantLines(t, "payment history", e.paymentLines("zed"), tc.gateway+" paid 150000 VND", tc.gateway+" refunded 150000 VND")
			e.conserved("zed")
		})
	}
}
