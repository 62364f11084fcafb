package vtcpay_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/signing"
	"github.com/thanhtoan/thanhtoan/vtcpay"
	"github.com/thanhtoan/thanhtoan/vtcpay/vtcpaytest"
)

// merchant is a merchant site under test: a vtcpay client talking to the
// fake and an IPN endpoint on loopback that records what it accepted.
type merchant struct {
	client *vtcpay.Client
	fake   *vtcpaytest.Server
	mu     sync.Mutex
	ipns   []*vtcpay.Result
}

func clientConfig() vtcpay.Config {
	fc := vtcpaytest.DefaultConfig()
	return vtcpay.Config{WebsiteID: fc.WebsiteID, SecretKey: fc.SecretKey, ReceiverAccount: fc.ReceiverAccount, KeySign: fc.KeySign}
}

func newMerchant(t *testing.T, cfg vtcpay.Config, fakeOpts ...vtcpaytest.Option) *merchant {
	t.Helper()
	m := &merchant{}
	ipnSrv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(ipnSrv.Close)
	fc := vtcpaytest.DefaultConfig()
	fc.ReceivingURL = ipnSrv.URL + "/vtcpay/ipn"
	m.fake = vtcpaytest.NewTestServer(t, fc, fakeOpts...)
	c, err := vtcpay.New(cfg, vtcpay.WithBaseURL(m.fake.URL()), vtcpay.WithHTTPClient(m.fake.Client()))
	if err != nil {
		t.Fatal(err)
	}
	m.client = c
	ipnSrv.Config.Handler = c.IPNHandler(func(_ *http.Request, res *vtcpay.Result) error {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.ipns = append(m.ipns, res)
		return nil
	})
	return m
}

func (m *merchant) received() []*vtcpay.Result {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*vtcpay.Result(nil), m.ipns...)
}

func order(ref string, amount int64) vtcpay.PaymentRequest {
	return vtcpay.PaymentRequest{
		Amount: decimal.NewFromInt(amount), Currency: vtcpay.VND, ReferenceNumber: ref,
		ReturnURL: "https://merchant.example/vtcpay/return", PaymentType: vtcpay.BankVTCPay,
	}
}

func TestPaymentEndToEndOnFake(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newMerchant(t, clientConfig())
	checkout, err := m.client.CheckoutURL(order("ORDER-1", 150000))
	if err != nil {
		t.Fatal(err)
	}
	ret, err := m.fake.Pay(ctx, checkout, vtcpaytest.StatusSuccess)
	if err != nil {
		t.Fatalf("the fake refused our checkout: %v", err)
	}
	res, err := m.client.ParseReturn(ret.Query())
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != vtcpay.StatusSuccess || res.CheckAmount(decimal.NewFromInt(150000)) != nil {
		t.Fatalf("return = %+v", res)
	}
	if err := res.CheckAmount(decimal.NewFromInt(150001)); !errors.Is(err, vtcpay.ErrAmountMismatch) {
		t.Fatalf("CheckAmount: %v", err)
	}
	ipns := m.received()
	if len(ipns) != 1 || ipns[0].ReferenceNumber != "ORDER-1" || ipns[0].Status != vtcpay.StatusSuccess || ipns[0].TransRefNo != res.TransRefNo {
		t.Fatalf("notifications = %+v", ipns)
	}
	st, err := m.client.OrderStatus(ctx, "ORDER-1")
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != vtcpay.StatusSuccess || !st.Amount.Equal(decimal.NewFromInt(150000)) {
		t.Fatalf("order status = %+v", st)
	}
	if _, err := m.client.Refund(ctx, vtcpay.RefundRequest{ReferenceNumber: "ORDER-1", Amount: decimal.NewFromInt(100000)}); err != nil {
		t.Fatalf("partial refund: %v", err)
	}
	_, err = m.client.Refund(ctx, vtcpay.RefundRequest{ReferenceNumber: "ORDER-1", Amount: decimal.NewFromInt(60000)})
	var ae *vtcpay.APIError
	if !errors.As(err, &ae) || ae.Code != vtcpaytest.RefundTooMuch {
		t.Fatalf("refund beyond the rest: %v", err)
	}
	if n := m.fake.Calls(vtcpaytest.EndpointRefund); n != 2 {
		t.Fatalf("refund endpoint called %d times, want 2", n)
	}
}

// Against a fake that answers the order status in the only shape public
// integrations show ({"ListOrderStatus":[{"Status":n}]}), the client still
// reads a paid order's status, and an unknown order is not found.
func TestOrderStatusKnownShapeOnFake(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newMerchant(t, clientConfig(), vtcpaytest.WithKnownOrderStatusShape())
	for ref, status := range map[string]int{"ORDER-1": vtcpaytest.StatusSuccess, "ORDER-2": vtcpaytest.StatusReview} {
		checkout, err := m.client.CheckoutURL(order(ref, 150000))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.fake.Pay(ctx, checkout, status); err != nil {
			t.Fatal(err)
		}
	}
	st, err := m.client.OrderStatus(ctx, "ORDER-1")
	if err != nil {
		t.Fatalf("order status: %v", err)
	}
	if st.ReferenceNumber != "ORDER-1" || st.Status != vtcpay.StatusSuccess || st.Status.Outcome() != vtcpay.OutcomeSucceeded {
		t.Fatalf("order status = %+v", st)
	}
	if st, err := m.client.OrderStatus(ctx, "ORDER-2"); err != nil || st.Status != vtcpay.StatusReview {
		t.Fatalf("order under review: %+v, %v", st, err)
	}
	if _, err := m.client.OrderStatus(ctx, "NOPE"); !errors.Is(err, vtcpay.ErrOrderNotFound) {
		t.Fatalf("unknown order: %v", err)
	}
	if _, err := m.client.QueryOrderStatus(ctx, vtcpay.OrderStatusRequest{ReferenceNumbers: []string{"ORDER-1", "ORDER-2"}}); !errors.Is(err, vtcpay.ErrMalformed) {
		t.Fatalf("two orders, lines without order codes: %v", err)
	}
}

// Every status the fake can produce comes back through the return and the
// notification with the outcome of VTC Pay's table.
func TestEveryStatusOnFake(t *testing.T) {
	t.Parallel()
	m := newMerchant(t, clientConfig())
	for i, st := range vtcpaytest.Statuses() {
		ref := "ST-" + string(rune('A'+i))
		checkout, err := m.client.CheckoutURL(order(ref, 50000))
		if err != nil {
			t.Fatal(err)
		}
		ret, err := m.fake.Pay(context.Background(), checkout, st)
		if err != nil {
			t.Fatalf("status %d: %v", st, err)
		}
		res, err := m.client.ParseReturn(ret.Query())
		if err != nil {
			t.Fatalf("status %d: %v", st, err)
		}
		if int(res.Status) != st || !res.Status.Known() {
			t.Fatalf("status %d came back as %v", st, res.Status)
		}
		if (st == 1) != (res.Err() == nil) {
			t.Fatalf("status %d: Err() = %v", st, res.Err())
		}
	}
	// Every final status is notified; 0 (initialised) is not final, so the
	// fake sends nothing for it, as VTC Pay would not.
	if got, want := len(m.received()), len(vtcpaytest.Statuses())-1; got != want {
		t.Fatalf("%d notifications verified, want %d", got, want)
	}
}

// The fake checks signatures as VTC Pay does: a client with the wrong secret
// is refused at the checkout and cannot read the fake's callbacks.
func TestWrongSecretRefusedByFake(t *testing.T) {
	t.Parallel()
	cfg := clientConfig()
	cfg.SecretKey = signing.NewSecret("Another2026SecretKey")
	m := newMerchant(t, cfg)
	checkout, err := m.client.CheckoutURL(order("ORDER-X", 150000))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.fake.Pay(context.Background(), checkout, vtcpaytest.StatusSuccess); err == nil {
		t.Fatal("the fake accepted a checkout signed with the wrong secret")
	}
	if _, err := m.client.OrderStatus(context.Background(), "ORDER-X"); !errors.Is(err, vtcpay.ErrAPI) {
		t.Fatalf("order status with the wrong secret: %v", err)
	}
}

func TestInProcessDeliveryOnFake(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newMerchant(t, clientConfig(), vtcpaytest.WithoutNotify())
	checkout, _ := m.client.CheckoutURL(order("ORDER-2", 150000))
	if _, err := m.fake.Pay(ctx, checkout, vtcpaytest.StatusSuccess); err != nil {
		t.Fatal(err)
	}
	if n := len(m.received()); n != 0 {
		t.Fatalf("%d notifications with notify off", n)
	}
	var mu sync.Mutex
	seen := 0
	h := m.client.IPNHandler(func(*http.Request, *vtcpay.Result) error { mu.Lock(); seen++; mu.Unlock(); return nil })
	resps, err := m.fake.Deliver(ctx, h, "ORDER-2", vtcpaytest.Times(5), vtcpaytest.Concurrently())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range resps {
		if r.StatusCode != http.StatusOK {
			t.Fatalf("duplicate answered %d", r.StatusCode)
		}
	}
	if seen != 5 {
		t.Fatalf("handler saw %d of 5 duplicates", seen)
	}
	resps, err = m.fake.Deliver(ctx, h, "ORDER-2", vtcpaytest.Tamper(func(f url.Values) {
		f.Set("data", "1|Thành công|VTCPay|ORDER-2|1|1|123456")
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(resps) != 1 || resps[0].StatusCode != http.StatusBadRequest || seen != 5 {
		t.Fatalf("tampered delivery: %d, handler saw %d", resps[0].StatusCode, seen)
	}
}

// A message holding '|' breaks the 7-field data of the notification: the
// client refuses it as malformed, and the order status settles it.
func TestPipeInMessageSettledByQuery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newMerchant(t, clientConfig(), vtcpaytest.WithoutNotify(), vtcpaytest.WithMessage(1, "Thành công | Success"))
	checkout, _ := m.client.CheckoutURL(order("ORDER-3", 150000))
	if _, err := m.fake.Pay(ctx, checkout, vtcpaytest.StatusSuccess); err != nil {
		t.Fatal(err)
	}
	form, err := m.fake.Notification("ORDER-3")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.client.ParseIPN(form); !errors.Is(err, vtcpay.ErrMalformed) {
		t.Fatalf("ParseIPN = %v, want ErrMalformed", err)
	}
	st, err := m.client.OrderStatus(ctx, "ORDER-3")
	if err != nil || st.Status != vtcpay.StatusSuccess {
		t.Fatalf("order status = %+v, %v", st, err)
	}
}
