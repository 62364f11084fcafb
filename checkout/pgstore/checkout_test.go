package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"
	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/checkout/pgstore"
	"github.com/thanhtoan/thanhtoan/vtcpay"
	"github.com/thanhtoan/thanhtoan/vtcpay/vtcpaytest"
	"github.com/thanhtoan/thanhtoan/wallet"
	"github.com/thanhtoan/thanhtoan/wallet/pgledger"
)

// recorder is a Provisioner and a Notifier that count their calls.
type recorder struct {
	mu        sync.Mutex
	provision map[string]int
	sent      map[string]int
}

func (r *recorder) Provision(_ context.Context, req checkout.ProvisionRequest) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.provision[req.Order.ID]++
	return nil
}

func (r *recorder) Send(_ context.Context, n checkout.Notification) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent[n.ID]++
	return nil
}

func (r *recorder) counts() (provision, sent map[string]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, s := map[string]int{}, map[string]int{}
	for k, v := range r.provision {
		p[k] = v
	}
	for k, v := range r.sent {
		s[k] = v
	}
	return p, s
}

// newCheckout builds a checkout.Client whose Store is pgstore and whose
// Ledger is pgledger, both on pool, with VTC Pay on its fake.
func newCheckout(t *testing.T, pool *pgxpool.Pool, fake *vtcpaytest.Server, rec *recorder, now func() time.Time) *checkout.Client {
	t.Helper()
	fc := fake.Config()
	vc, err := vtcpay.New(vtcpay.Config{WebsiteID: fc.WebsiteID, SecretKey: fc.SecretKey, ReceiverAccount: fc.ReceiverAccount,
		KeySign: fc.KeySign}, vtcpay.WithBaseURL(fake.URL()), vtcpay.WithHTTPClient(fake.Client()))
	if err != nil {
		t.Fatal(err)
	}
	vtc, err := checkout.VTCPay(vc, checkout.VTCPayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return newPGClient(t, pool, now, checkout.Config{Gateways: []checkout.Gateway{vtc}, Provisioner: rec, Notifier: rec})
}

// newPGClient builds a checkout.Client of cfg (its BaseURL by default
// https://shop.example/pay) whose Store is pgstore and whose Ledger is
// pgledger, both on pool, on the clock now.
func newPGClient(t *testing.T, pool *pgxpool.Pool, now func() time.Time, cfg checkout.Config) *checkout.Client {
	t.Helper()
	ctx := context.Background()
	var err error
	if cfg.Store, err = pgstore.New(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if cfg.Ledger, err = pgledger.New(ctx, pool, pgledger.WithClock(now)); err != nil {
		t.Fatal(err)
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "https://shop.example/pay"
	}
	c, err := checkout.New(cfg, checkout.WithClock(now))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// One customer pays by credit, through VTC Pay (its notification delivered
// 20 times at once), by top up & pay, and cancels a fourth payment on VTC
// Pay's page; then a second Client on the same database (a restart) sees
// the same orders and histories, and a replayed notification changes
// nothing.
func TestCheckoutOnPostgres(t *testing.T) {
	t.Parallel()
	pool := testPool(t, 12)
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) }
	fake := vtcpaytest.NewServer(vtcpaytest.Config{}, vtcpaytest.WithoutNotify())
	defer fake.Close()
	rec := &recorder{provision: map[string]int{}, sent: map[string]int{}}
	c := newCheckout(t, pool, fake, rec, now)
	handler := http.StripPrefix("/pay", c.Handler())
	notify := vtcpaytest.Target("https://shop.example/pay/notify/vtcpay")

	if _, err := c.Credit("VND").TopUp(ctx, wallet.TopUpRequest{ID: "bank-1", Customer: "an", Amount: decimal.NewFromInt(200000)}); err != nil {
		t.Fatal(err)
	}
	item := checkout.LineItem{Description: "Cloud server", Quantity: 1, Amount: decimal.NewFromInt(150000),
		Config: []checkout.Attribute{{Name: "vCPU", Value: "2"}, {Name: "RAM", Value: "4 GB"}}}
	create := func(id string) {
		t.Helper()
		if _, err := c.CreateOrder(ctx, checkout.OrderRequest{ID: id, Customer: "an", Email: "an@example.com", Items: []checkout.LineItem{item}}); err != nil {
			t.Fatal(err)
		}
	}
	state := func(c *checkout.Client, id string) checkout.State {
		t.Helper()
		o, err := c.Order(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return o.State
	}
	payOnVTC := func(id string, req checkout.PayRequest, status, times int) {
		t.Helper()
		next, err := c.Pay(ctx, id, req)
		if err != nil || next.Kind != checkout.NextRedirect {
			t.Fatalf("Pay %s: %+v, %v; want a redirect", id, next, err)
		}
		if _, err := fake.Pay(ctx, next.URL, status); err != nil {
			t.Fatal(err)
		}
		if _, err := fake.Deliver(ctx, handler, id+"-1", notify, vtcpaytest.Times(times), vtcpaytest.Concurrently()); err != nil {
			t.Fatal(err)
		}
	}

	// Credit.
	create("o1")
	next, err := c.Pay(ctx, "o1", checkout.PayRequest{Method: checkout.MethodCredit})
	if err != nil || next.Kind != checkout.NextDone || next.Order.State != checkout.StateCompleted {
		t.Fatalf("credit: %+v, %v", next, err)
	}
	// Gateway, with the success notification 20 times at once.
	create("o2")
	payOnVTC("o2", checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vtcpay"}, vtcpaytest.StatusSuccess, 20)
	// Top up & pay: the 50000 left in the wallet, 100000 through VTC Pay.
	create("o3")
	payOnVTC("o3", checkout.PayRequest{Method: checkout.MethodTopUpAndPay, Gateway: "vtcpay"}, vtcpaytest.StatusSuccess, 1)
	// Cancelled on VTC Pay's page.
	create("o4")
	payOnVTC("o4", checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vtcpay"}, vtcpaytest.StatusCancelled, 1)

	if rep, err := c.Sweep(ctx); err != nil || rep.Errors != 0 {
		t.Fatalf("Sweep: %+v, %v", rep, err)
	}

	check := func(c *checkout.Client, when string) {
		t.Helper()
		for id, want := range map[string]checkout.State{"o1": checkout.StateCompleted, "o2": checkout.StateCompleted,
			"o3": checkout.StateCompleted, "o4": checkout.StateCancelled} {
			if got := state(c, id); got != want {
				t.Errorf("%s: order %s is %s; want %s", when, id, got, want)
			}
		}
		prov, sent := rec.counts()
		if want := map[string]int{"o1": 1, "o2": 1, "o3": 1}; fmt.Sprint(prov) != fmt.Sprint(want) {
			t.Errorf("%s: provisioned %v; want %v", when, prov, want)
		}
		for id, n := range sent {
			if n != 1 {
				t.Errorf("%s: notification %s sent %d times", when, id, n)
			}
		}
		for _, id := range []string{"o1", "o2", "o3"} {
			if sent[id+"/email/completed"] != 1 {
				t.Errorf("%s: no completed email for %s (sent %v)", when, id, sent)
			}
		}
		if pend, err := c.Store().PendingNotifications(ctx, 100); err != nil || len(pend) != 0 {
			t.Errorf("%s: %d notifications left in the outbox, %v", when, len(pend), err)
		}
		b, err := c.Credit("VND").Balance(ctx, "an")
		if err != nil || !b.Available.IsZero() {
			t.Errorf("%s: balance %+v, %v; want 0 available (200000 - 150000 - 50000)", when, b, err)
		}
		credit, err := c.CreditHistory(ctx, "an", wallet.HistoryQuery{})
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range credit.Entries {
			kinds = append(kinds, fmt.Sprint(e.Kind, " ", e.Amount))
		}
		// As with the memory ledger: top up & pay holds the credit, the
		// gateway's money enters the wallet, then both are paid out.
		if want := []string{"top-up 200000", "payment 150000", "hold 50000", "top-up 100000", "payment 50000", "payment 100000"}; !slices.Equal(kinds, want) {
			t.Errorf("%s: credit history %q; want %q", when, kinds, want)
		}
		pays, err := c.PaymentHistory(ctx, "an", checkout.PageQuery{})
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, p := range pays.Payments {
			lines = append(lines, fmt.Sprint(p.Seq, " ", p.Reference, " ", p.Amount, " ", p.Outcome))
		}
		if want := []string{"1 o2-1 150000 paid", "2 o3-1 100000 paid"}; !slices.Equal(lines, want) {
			t.Errorf("%s: payment history %q; want %q", when, lines, want)
		}
		bills, err := c.BillingHistory(ctx, "an", checkout.PageQuery{})
		if err != nil {
			t.Fatal(err)
		}
		lines = nil
		for _, b := range bills.Invoices {
			lines = append(lines, fmt.Sprint(b.ID, " ", b.Method, " ", b.Amount))
		}
		if want := []string{"o1/invoice credit 150000", "o2/invoice gateway 150000", "o3/invoice topup_and_pay 150000"}; !slices.Equal(lines, want) {
			t.Errorf("%s: billing history %q; want %q", when, lines, want)
		}
	}
	check(c, "after the payments")

	// The rows are in PostgreSQL, beside the ledger's.
	var orders, wallets int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM checkout_orders), (SELECT count(*) FROM wallet_accounts)`).
		Scan(&orders, &wallets); err != nil || orders != 4 || wallets == 0 {
		t.Fatalf("checkout_orders %d rows, wallet_accounts %d rows, %v", orders, wallets, err)
	}

	// A restart: a new Client on the same database sees it all, and a
	// replayed success changes nothing.
	c2 := newCheckout(t, pool, fake, rec, now)
	handler = http.StripPrefix("/pay", c2.Handler())
	if _, err := fake.Deliver(ctx, handler, "o2-1", notify, vtcpaytest.Times(3)); err != nil {
		t.Fatal(err)
	}
	if rep, err := c2.Sweep(ctx); err != nil || rep.Errors != 0 {
		t.Fatalf("Sweep after the restart: %+v, %v", rep, err)
	}
	check(c2, "after a restart")

	if _, err := c2.Pay(ctx, "o4", checkout.PayRequest{Method: checkout.MethodCredit}); !errors.Is(err, checkout.ErrOrderClosed) {
		t.Errorf("paying a cancelled order after a restart: %v; want ErrOrderClosed", err)
	}
}
