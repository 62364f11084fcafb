package checkout_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
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

// tamperRefund changes the amount in the body of a gateway's refund
// request, which the gateway then refuses (a broken signature, or more than
// was paid): a refusal the gateway answered.
type tamperRefund struct {
	inner http.RoundTripper
	match func(*http.Request) bool
	n     atomic.Int32
}

func (rt *tamperRefund) RoundTrip(r *http.Request) (*http.Response, error) {
	if !rt.match(r) || r.Body == nil {
		return rt.inner.RoundTrip(r)
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	if !bytes.Contains(b, []byte("150000")) {
		return nil, fmt.Errorf("tamperRefund: no amount 150000 in the refund body %q", b)
	}
	rt.n.Add(1)
	b = bytes.ReplaceAll(b, []byte("150000"), []byte("150001"))
	r2 := r.Clone(r.Context())
	r2.Body, r2.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
	return rt.inner.RoundTrip(r2)
}

// A refund the gateway refuses (it answered: the payer was not refunded
// there) is credited to the requester's wallet and the order flagged; a
// refund whose answer never came is not (TestGatewayTransportFaults).
func TestRefundRefusedByEachGatewayIsCredited(t *testing.T) {
	t.Parallel()
	for _, tc := range []gwCrashCase{
		{"vtcpay/gateway", "vtcpay", checkout.MethodGateway, 150000, 100000, false},
		{"vinidpay/gateway", "vinidpay", checkout.MethodGateway, 150000, 100000, false},
		{"vietpay/gateway", "vietpay", checkout.MethodGateway, 150000, 100000, false},
	} {
		t.Run(tc.gateway, func(t *testing.T) {
			t.Parallel()
			var rt *tamperRefund
			e := newGWEnv(t, tc, envConfig{opts: []checkout.Option{checkout.WithRefundPolicy(checkout.RefundThroughGateway)}},
				func(inner http.RoundTripper) http.RoundTripper {
					rt = &tamperRefund{inner: inner, match: gatewayCalls[tc.gateway]["refund"]}
					return rt
				})
			e.prov.fail = func(string) error { return errors.New("no capacity") }
			e.topUp("zed", 100000)
			o := e.order("zed", tc.price)
			next, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: tc.method, Gateway: tc.gateway})
			if err != nil {
				t.Fatal(err)
			}
			e.afterPay(o, next, "")
			if rt.n.Load() != 1 {
				t.Fatalf("%d refund requests reached the gateway, want 1", rt.n.Load())
			}
			got := e.wantState(o.ID, checkout.StateCancelled)
			if got.GatewayRefund != "failed" || !got.Flagged {
				t.Errorf("gateway refund %q, flagged %v (%s); want failed, flagged", got.GatewayRefund, got.Flagged, got.Reason)
			}
			if c := e.charged(); c != tc.price {
				t.Errorf("the payer's gateway account is down by %d, want %d (the gateway refused the refund)", c, tc.price)
			}
			if b := e.balance("zed"); !b.Posted.Equal(vnd(100000 + tc.price)) {
				t.Errorf("wallet %s, want %d (the refused refund credited)", b.Posted, 100000+tc.price)
			}
			e.conserved("zed")
		})
	}
}
