package checkout_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/vinidpay"
	"github.com/thanhtoan/thanhtoan/vinidpay/vinidpaytest"
	"github.com/thanhtoan/thanhtoan/vtcpay"
	"github.com/thanhtoan/thanhtoan/vtcpay/vtcpaytest"
)

// queryFilter wraps a Gateway and changes what its Query answers while
// a filter is set: a gateway whose query lags behind its callback, or
// leaves out the amount.
type queryFilter struct {
	checkout.Gateway
	mu     sync.Mutex
	filter func(checkout.GatewayResult) checkout.GatewayResult
}

func (g *queryFilter) Query(ctx context.Context, ref string) (checkout.GatewayResult, error) {
	r, err := g.Gateway.Query(ctx, ref)
	g.mu.Lock()
	f := g.filter
	g.mu.Unlock()
	if err == nil && f != nil {
		r = f(r)
	}
	return r, err
}

func (g *queryFilter) set(f func(checkout.GatewayResult) checkout.GatewayResult) {
	g.mu.Lock()
	g.filter = f
	g.mu.Unlock()
}

// newFilteredVinIDEnv is a Client with VinID Pay on its fake (below the
// OTP threshold, so a payment answers at once) behind a queryFilter, and
// the fake's notifications captured for the test to deliver.
func newFilteredVinIDEnv(t *testing.T) (*env, *queryFilter, *vinidpaytest.Server, *captured) {
	t.Helper()
	keys, err := vinidKeys()
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, ctx: context.Background(), clock: newClock(), notif: &notifier{}, prov: &provisioner{results: map[string]error{}}}
	fake, err := vinidpaytest.NewServer(vinidpaytest.Config{Keys: keys}, vinidpaytest.WithOTPThreshold(1_000_000))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	vc, err := fake.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	user := fake.AddUser("0900000001", 50_000_000)
	link, err := vc.LinkWallet(e.ctx, vinidpay.LinkWalletRequest{PartnerUserID: "p0", CallbackURL: "https://shop.example/pay/link"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := fake.ConfirmLink(link.LinkID, user)
	if err != nil {
		t.Fatal(err)
	}
	gw, err := checkout.VinIDPay(vc, checkout.VinIDPayOptions{StoreCode: "STORE01", POSCode: "POS01",
		UserToken: func(context.Context, string) (string, error) { return tok, nil }})
	if err != nil {
		t.Fatal(err)
	}
	qf := &queryFilter{Gateway: gw}
	e.c, err = checkout.New(checkout.Config{Gateways: []checkout.Gateway{qf}, Provisioner: e.prov, Notifier: e.notif, BaseURL: baseURL},
		checkout.WithClock(e.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	e.store, e.ledger = e.c.Store(), e.c.Ledger()
	e.h = http.StripPrefix("/pay", e.c.Handler())
	c := &captured{}
	fake.HandlePaymentCallbacks(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.raw = append(c.raw, r.URL.RawQuery)
		c.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	return e, qf, fake, c
}

// captured holds the notifications the fake delivered.
type captured struct {
	mu  sync.Mutex
	raw []string
}

// success waits for the fake's success notification of ref (it delivers
// after answering the payment call).
func (c *captured) success(t *testing.T, ref string) url.Values {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		for _, raw := range c.raw {
			if v, err := url.ParseQuery(raw); err == nil && v.Get("order_id") == ref && v.Get("pay_status") == "SUCCESS" {
				c.mu.Unlock()
				return v
			}
		}
		c.mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("the fake delivered no success notification for %s", ref)
	return nil
}

// A VinID success whose amount the query does not confirm either (the
// query answered no amount) cannot be checked against the order: review,
// nothing provisioned. (It was provisioned unchecked.)
func TestVinIDSuccessWithoutConfirmedAmountGoesToReview(t *testing.T) {
	t.Parallel()
	e, qf, _, _ := newFilteredVinIDEnv(t)
	qf.set(func(r checkout.GatewayResult) checkout.GatewayResult {
		r.Amount, r.AmountConfirmed = decimal.Decimal{}, false
		return r
	})
	o := e.order("req", 150000)
	next, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vinidpay"})
	if err != nil {
		t.Fatalf("Pay: %v", err)
	}
	if next.Order.State != checkout.StateReview || !next.Order.Flagged {
		t.Fatalf("order %s flagged=%v reason %q; want review", next.Order.State, next.Order.Flagged, next.Order.Reason)
	}
	if n := e.prov.provisioned(); n != 0 {
		t.Errorf("provisioned %d times", n)
	}
	if lines := e.paymentLines("req"); len(lines) != 0 {
		t.Errorf("payment history %v", lines)
	}
}

// VinID's success notification arrives while the gateway's query still
// says pending: the unsigned amount cannot be confirmed yet, so the
// notification is not recorded as processed, and VinID's next delivery of
// it, once the query agrees, completes the order. (It was recorded and the
// redelivery ignored.)
func TestVinIDUnconfirmedSuccessNotRecordedAsProcessed(t *testing.T) {
	t.Parallel()
	e, qf, _, notes := newFilteredVinIDEnv(t)
	pending := func(r checkout.GatewayResult) checkout.GatewayResult {
		r.Outcome = checkout.OutcomePending
		return r
	}
	qf.set(pending)
	o := e.order("req", 150000)
	if _, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vinidpay"}); err != nil {
		t.Fatalf("Pay: %v", err)
	}
	e.wantState(o.ID, checkout.StateAwaitingPayment)
	ref := lastRef(e.get(o.ID))
	q := notes.success(t, ref)
	deliver := func() int {
		req, _ := http.NewRequest(http.MethodGet, baseURL+"/notify/vinidpay?"+q.Encode(), nil)
		return serve(e, req)
	}
	if code := deliver(); code != http.StatusOK {
		t.Fatalf("first delivery: %d", code)
	}
	e.wantState(o.ID, checkout.StateAwaitingPayment)
	qf.set(nil) // the gateway's query now says succeeded
	if code := deliver(); code != http.StatusOK {
		t.Fatalf("second delivery: %d", code)
	}
	e.wantState(o.ID, checkout.StateCompleted)
	if n := e.prov.provisioned(); n != 1 {
		t.Errorf("provisioned %d times", n)
	}
	// Processed now: a third delivery changes nothing.
	if code := deliver(); code != http.StatusOK || e.prov.calls != 1 {
		t.Errorf("third delivery: %d, provisioned %d", code, e.prov.calls)
	}
}

func serve(e *env, req *http.Request) int {
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec.Code
}

// lostRefund wraps a Gateway whose refunds go through but whose answer is
// lost (a timeout after the gateway acted).
type lostRefund struct{ checkout.Gateway }

func (g lostRefund) Refund(ctx context.Context, r checkout.RefundRequest) error {
	if err := g.Gateway.Refund(ctx, r); err != nil {
		return err
	}
	return errors.New("read tcp: i/o timeout")
}

// A second payer's success on a completed order is refunded through the
// gateway once: the refund's answer is lost, so its outcome is unknown and
// it is never sent again (not by the gateway's next notification, not by
// Sweep); nothing is credited, and the order is flagged for a person. (The
// refund was sent again at each Sweep.)
func TestExtraPaymentRefundSentOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	fc := e.fake.Config()
	vc, err := vtcpay.New(vtcpay.Config{WebsiteID: fc.WebsiteID, SecretKey: fc.SecretKey, ReceiverAccount: fc.ReceiverAccount, KeySign: fc.KeySign},
		vtcpay.WithBaseURL(e.fake.URL()), vtcpay.WithHTTPClient(e.fake.Client()), vtcpay.WithClock(e.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	gw, err := checkout.VTCPay(vc, checkout.VTCPayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if e.c, err = checkout.New(checkout.Config{Ledger: e.ledger, Store: e.store, Gateways: []checkout.Gateway{lostRefund{gw}},
		Provisioner: e.prov, Notifier: e.notif, BaseURL: baseURL}, checkout.WithClock(e.clock.Now)); err != nil {
		t.Fatal(err)
	}
	e.h = http.StripPrefix("/pay", e.c.Handler())
	o := e.order("una", 120000)
	t1, t2 := share(t, e, o.ID, "p1@example.com"), share(t, e, o.ID, "p2@example.com")
	n1, err := e.c.PayShared(e.ctx, t1, "vtcpay")
	if err != nil {
		t.Fatal(err)
	}
	n2, err := e.c.PayShared(e.ctx, t2, "vtcpay")
	if err != nil {
		t.Fatal(err)
	}
	e.payAtGateway(n1, vtcpaytest.StatusSuccess)
	e.notify(e.get(o.ID).Attempts[0].Reference)
	e.wantState(o.ID, checkout.StateCompleted)
	e.payAtGateway(n2, vtcpaytest.StatusSuccess)
	r2 := e.get(o.ID).Attempts[1].Reference
	e.notify(r2)
	for range 2 {
		e.notify(r2)
		if _, err := e.c.Sweep(e.ctx); err != nil {
			t.Errorf("sweep: %v", err)
		}
	}
	if n := e.fake.Calls(vtcpaytest.EndpointRefund); n != 1 {
		t.Errorf("refund sent %d times, want once", n)
	}
	got := e.wantState(o.ID, checkout.StateCompleted)
	if a := got.Attempts[1]; !got.Flagged || !a.Settled || a.Refund != "unknown" || !strings.Contains(got.Reason, "refund outcome unknown") || got.NeedsSweep() {
		t.Errorf("order %+v", got)
	}
	if lines := e.creditLines("una"); len(lines) != 0 {
		t.Errorf("credited as well: %v", lines)
	}
	if tx, _ := e.fake.Transaction(r2); tx.Refunded != "120000" {
		t.Errorf("refunded %q at the gateway", tx.Refunded)
	}
}

// otherGateway is a gateway whose callbacks all verify and name whatever
// payment its test says.
type otherGateway struct {
	checkout.Gateway
	result checkout.GatewayResult
}

func (g otherGateway) Name() string { return "other" }
func (g otherGateway) ParseCallback(*http.Request) (checkout.GatewayResult, error) {
	return g.result, nil
}

// A verified callback of one gateway that names a payment made through
// another is refused (400, so that it is not sent again forever) and not
// recorded; the payment is untouched. (It answered 500.)
func TestCallbackForAnotherGatewaysPayment(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	rs := &recStore{Store: checkout.NewMemoryStore()}
	fc := e.fake.Config()
	vc, err := vtcpay.New(vtcpay.Config{WebsiteID: fc.WebsiteID, SecretKey: fc.SecretKey, ReceiverAccount: fc.ReceiverAccount, KeySign: fc.KeySign},
		vtcpay.WithBaseURL(e.fake.URL()), vtcpay.WithHTTPClient(e.fake.Client()), vtcpay.WithClock(e.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	gw, err := checkout.VTCPay(vc, checkout.VTCPayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	other := &otherGateway{Gateway: gw}
	if e.c, err = checkout.New(checkout.Config{Ledger: e.ledger, Store: rs, Gateways: []checkout.Gateway{gw, other},
		Provisioner: e.prov, Notifier: e.notif, BaseURL: baseURL}, checkout.WithClock(e.clock.Now)); err != nil {
		t.Fatal(err)
	}
	e.store, e.h = rs, http.StripPrefix("/pay", e.c.Handler())
	o := e.order("oli", 30000)
	if _, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vtcpay"}); err != nil {
		t.Fatal(err)
	}
	ref := lastRef(e.get(o.ID))
	other.result = checkout.GatewayResult{Reference: ref, Outcome: checkout.OutcomeSucceeded, Amount: vnd(30000), AmountConfirmed: true}
	req, _ := http.NewRequest(http.MethodPost, baseURL+"/notify/other", nil)
	if code := serve(e, req); code != http.StatusBadRequest {
		t.Errorf("status %d, want 400", code)
	}
	if n := rs.recorded(); n != 0 {
		t.Errorf("%d callbacks recorded", n)
	}
	if got := e.wantState(o.ID, checkout.StateAwaitingPayment); got.Attempts[0].Outcome == checkout.OutcomeSucceeded || e.prov.calls != 0 {
		t.Errorf("attempt %+v", got.Attempts[0])
	}
}
