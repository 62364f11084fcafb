package checkout_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/signing"
	"github.com/thanhtoan/thanhtoan/vtcpay"
	"github.com/thanhtoan/thanhtoan/vtcpay/vtcpaytest"
	"github.com/thanhtoan/thanhtoan/wallet"
	"github.com/thanhtoan/thanhtoan/wallet/wallettest"
)

const baseURL = "https://shop.example/pay"

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// provisioner is an idempotent test Provisioner: the first outcome of a key
// is its outcome forever. fail decides the outcome of new keys.
type provisioner struct {
	mu      sync.Mutex
	results map[string]error
	calls   int
	fail    func(key string) error
}

func (p *provisioner) Provision(_ context.Context, r checkout.ProvisionRequest) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	if r.IdempotencyKey != r.Order.ID+"/provision" {
		return fmt.Errorf("unexpected key %q", r.IdempotencyKey)
	}
	if err, ok := p.results[r.IdempotencyKey]; ok {
		return err
	}
	var err error
	if p.fail != nil {
		err = p.fail(r.IdempotencyKey)
	}
	if errors.Is(err, checkout.ErrTryAgain) {
		return err
	}
	p.results[r.IdempotencyKey] = err
	return err
}

// provisioned counts orders provisioned successfully.
func (p *provisioner) provisioned() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, err := range p.results {
		if err == nil {
			n++
		}
	}
	return n
}

// notifier records notifications; failNext makes the next sends fail.
type notifier struct {
	mu       sync.Mutex
	sent     []checkout.Notification
	failNext int
}

func (n *notifier) Send(_ context.Context, m checkout.Notification) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.failNext > 0 {
		n.failNext--
		return errors.New("smtp: 451 try later")
	}
	n.sent = append(n.sent, m)
	return nil
}

// kinds returns the distinct notification IDs sent, per kind.
func (n *notifier) byKind(k checkout.NotificationKind) []checkout.Notification {
	n.mu.Lock()
	defer n.mu.Unlock()
	seen := map[string]bool{}
	var out []checkout.Notification
	for _, m := range n.sent {
		if m.Kind == k && !seen[m.ID] {
			seen[m.ID] = true
			out = append(out, m)
		}
	}
	return out
}

type env struct {
	t      *testing.T
	ctx    context.Context
	c      *checkout.Client
	fake   *vtcpaytest.Server
	ledger wallet.Ledger
	store  checkout.Store
	prov   *provisioner
	notif  *notifier
	clock  *clock
	h      http.Handler
	seeds  int
	last   string // the last order created
}

type envConfig struct {
	store  func(checkout.Store) checkout.Store
	ledger func(wallet.Ledger) wallet.Ledger
	opts   []checkout.Option
	// backend, when set, gives the Store and the Ledger that store and
	// ledger above wrap, on the env's clock; by default the in-memory ones.
	backend func(t *testing.T, now func() time.Time) (checkout.Store, wallet.Ledger)
}

// base returns the Store and the Ledger before any wrapper.
func (cfg envConfig) base(t *testing.T, now func() time.Time) (checkout.Store, wallet.Ledger) {
	if cfg.backend != nil {
		return cfg.backend(t, now)
	}
	return checkout.NewMemoryStore(), wallet.NewMemoryLedger(wallet.WithClock(now))
}

func newEnv(t *testing.T, cfg envConfig) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), clock: newClock(), notif: &notifier{},
		prov: &provisioner{results: map[string]error{}}}
	e.fake = vtcpaytest.NewTestServer(t, vtcpaytest.Config{}, vtcpaytest.WithoutNotify(), vtcpaytest.WithClock(e.clock.Now))
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
	e.start(cfg, gw)
	return e
}

// start makes e's Client on gws: cfg's Store and Ledger (kept in e.store
// and e.ledger) under cfg's wrappers, e's clock, provisioner and
// notifier; and its Handler, mounted under /pay.
func (e *env) start(cfg envConfig, gws ...checkout.Gateway) {
	e.t.Helper()
	store, ledger := cfg.base(e.t, e.clock.Now)
	e.store, e.ledger = store, ledger
	if cfg.ledger != nil {
		ledger = cfg.ledger(ledger)
	}
	if cfg.store != nil {
		store = cfg.store(store)
	}
	opts := append([]checkout.Option{checkout.WithClock(e.clock.Now)}, cfg.opts...)
	c, err := checkout.New(checkout.Config{Ledger: ledger, Store: store, Gateways: gws,
		Provisioner: e.prov, Notifier: e.notif, BaseURL: baseURL}, opts...)
	if err != nil {
		e.t.Fatal(err)
	}
	e.c = c
	e.h = http.StripPrefix("/pay", e.c.Handler())
}

func vnd(n int64) decimal.Decimal { return decimal.NewFromInt(n) }

// topUp seeds a customer's wallet.
func (e *env) topUp(customer string, amount int64) {
	e.t.Helper()
	e.seeds++
	if _, err := e.c.Credit("").TopUp(e.ctx, wallet.TopUpRequest{ID: fmt.Sprintf("seed/%s/%d", customer, e.seeds), Customer: customer, Amount: vnd(amount)}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) order(customer string, amount int64) checkout.Order {
	e.t.Helper()
	o, err := e.c.CreateOrder(e.ctx, checkout.OrderRequest{Customer: customer, Email: customer + "@example.com", Language: checkout.English,
		Items: []checkout.LineItem{{Description: "Cloud server", Quantity: 1, Amount: vnd(amount),
			Config: []checkout.Attribute{{Name: "vCPU", Value: "2"}, {Name: "RAM", Value: "4 GB"}}}}})
	if err != nil {
		e.t.Fatal(err)
	}
	e.last = o.ID
	return o
}

func (e *env) get(id string) checkout.Order {
	e.t.Helper()
	o, err := e.store.GetOrder(e.ctx, id) // the store under any fault injection
	if err != nil {
		e.t.Fatal(err)
	}
	return o
}

// payAtGateway plays the payer on the fake's page and returns the return URL.
func (e *env) payAtGateway(next checkout.Next, status int) *url.URL {
	e.t.Helper()
	if next.Kind != checkout.NextRedirect {
		e.t.Fatalf("next = %v, want a redirect", next.Kind)
	}
	u, err := e.fake.Pay(e.ctx, next.URL, status)
	if err != nil {
		e.t.Fatalf("fake pay: %v", err)
	}
	return u
}

// notify delivers the gateway's notification for ref to the handler.
func (e *env) notify(ref string, opts ...vtcpaytest.DeliveryOption) []*http.Response {
	e.t.Helper()
	opts = append([]vtcpaytest.DeliveryOption{vtcpaytest.Target(baseURL + "/notify/vtcpay")}, opts...)
	resps, err := e.fake.Deliver(e.ctx, e.h, ref, opts...)
	if err != nil {
		e.t.Fatalf("deliver: %v", err)
	}
	return resps
}

// browse sends the payer's browser to u (a return URL) through the handler.
func (e *env) browse(u *url.URL) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, u.String(), nil))
	return rec
}

func lastRef(o checkout.Order) string {
	if len(o.Attempts) == 0 {
		return ""
	}
	return o.Attempts[len(o.Attempts)-1].Reference
}

// creditLines renders a customer's Credit History, page by page.
func (e *env) creditLines(customer string) []string {
	e.t.Helper()
	var out []string
	q := wallet.HistoryQuery{Limit: 2}
	for {
		p, err := e.c.CreditHistory(e.ctx, customer, q)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, l := range p.Entries {
			out = append(out, fmt.Sprintf("%s %s bal %s", l.Kind, l.Amount, l.Balance))
		}
		if !p.More {
			return out
		}
		q.After = p.Next
	}
}

// paymentRecords returns a customer's whole Payment History, read a line
// a page.
func (e *env) paymentRecords(customer string) []checkout.Payment {
	e.t.Helper()
	var out []checkout.Payment
	q := checkout.PageQuery{Limit: 1}
	for {
		p, err := e.c.PaymentHistory(e.ctx, customer, q)
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, p.Payments...)
		if !p.More {
			return out
		}
		q.After = p.Next
	}
}

func (e *env) paymentLines(customer string) []string {
	e.t.Helper()
	var out []string
	for _, l := range e.paymentRecords(customer) {
		out = append(out, fmt.Sprintf("%s %s %s %s", l.Gateway, l.Outcome, l.Amount, l.Currency))
	}
	return out
}

func (e *env) invoiceLines(customer string) []string {
	e.t.Helper()
	var out []string
	q := checkout.PageQuery{Limit: 1}
	for {
		p, err := e.c.BillingHistory(e.ctx, customer, q)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, l := range p.Invoices {
			out = append(out, fmt.Sprintf("%s %s %s %s", l.ID, l.Method, l.Amount, l.Currency))
		}
		if !p.More {
			return out
		}
		q.After = p.Next
	}
}

func wantLines(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

// balance returns a customer's wallet balance (zero when it has none).
func (e *env) balance(customer string) wallet.Balance {
	e.t.Helper()
	b, err := e.c.Credit("").Balance(e.ctx, customer)
	if errors.Is(err, wallet.ErrAccountNotFound) {
		return wallet.Balance{}
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

// conserved checks double entry over the system accounts and the wallets.
func (e *env) conserved(customers ...string) {
	e.t.Helper()
	cr := e.c.Credit("")
	accts := []string{cr.TopUpSource(), cr.Revenue()}
	for _, c := range customers {
		if _, err := e.ledger.Balance(e.ctx, cr.Account(c)); err == nil {
			accts = append(accts, cr.Account(c))
		}
	}
	if _, err := e.ledger.Balance(e.ctx, cr.Revenue()); err != nil {
		return // nothing posted yet
	}
	if err := wallettest.CheckConservation(e.ctx, e.ledger, accts); err != nil {
		e.t.Errorf("ledger: %v", err)
	}
}

func (e *env) wantState(id string, want checkout.State) checkout.Order {
	e.t.Helper()
	o := e.get(id)
	if o.State != want {
		e.t.Fatalf("order %s is %s (%s), want %s", id, o.State, o.Reason, want)
	}
	return o
}

func tokenOf(shareURL string) string {
	i := strings.LastIndex(shareURL, "/share/")
	return shareURL[i+len("/share/"):]
}

// signedIPN builds a VTC Pay notification signed with the fake's secret,
// as the gateway would sign it (the published rule).
func signedIPN(e *env, amount, ref string, status int) url.Values {
	return signedIPNWith(e, e.fake.Config().SecretKey.Reveal(), amount, ref, status)
}

func signedIPNWith(e *env, secret, amount, ref string, status int) url.Values {
	data := strings.Join([]string{amount, "ok", "VTCPay", ref, fmt.Sprint(status), "999001", fmt.Sprint(e.fake.Config().WebsiteID)}, "|")
	return url.Values{"data": {data}, "signature": {signing.SHA256Hex(signing.Upper, data, "|", secret)}}
}

func postForm(e *env, path string, form url.Values) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "https://shop.example"+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}
