package checkout_test

import (
	"errors"
	"testing"

	"github.com/thanhtoan/thanhtoan/checkout"
)

// A refund through Ví Việt reaches Ví Việt: provisioning fails, the payer's
// Ví Việt account is refunded, the wallet is untouched and nobody needs to
// look.
func TestVietPayRefundThroughGateway(t *testing.T) {
	t.Parallel()
	tc := gwCrashCase{"vietpay/gateway", "vietpay", checkout.MethodGateway, 150000, 100000, false}
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
		t.Errorf("the payer's Ví Việt account is still down by %d", c)
	}
	if b := e.balance("zed"); !b.Posted.Equal(vnd(100000)) {
		t.Errorf("wallet %s, want 100000 (refunded through the gateway, not credited)", b.Posted)
	}
	wantLines(t, "payment history", e.paymentLines("zed"), "vietpay paid 150000 VND", "vietpay refunded 150000 VND")
	e.conserved("zed")
}
