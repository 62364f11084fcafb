package main

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/checkout/pgstore"
	"github.com/thanhtoan/thanhtoan/signing"
	"github.com/thanhtoan/thanhtoan/vinidpay"
	"github.com/thanhtoan/thanhtoan/vinidpay/vinidpaytest"
	"github.com/thanhtoan/thanhtoan/vivietpay"
	"github.com/thanhtoan/thanhtoan/vivietpay/vivietpaytest"
	"github.com/thanhtoan/thanhtoan/vtcpay"
	"github.com/thanhtoan/thanhtoan/vtcpay/vtcpaytest"
	"github.com/thanhtoan/thanhtoan/wallet"
	"github.com/thanhtoan/thanhtoan/wallet/pgledger"
)

// config is what the demo is built from.
type config struct {
	// BaseURL is where the site is served, e.g. "http://127.0.0.1:8080":
	// return URLs, share links and the fakes' notifications start with it.
	BaseURL string
	// Postgres is a connection URL: keep the ledger (pgledger) and the
	// orders (pgstore) in that database. Empty: in memory.
	Postgres string
	// Lang is the pages' language until the visitor picks one ("vi", "en").
	Lang string
	// VinIDKeys are the fake VinID's key pairs; nil generates fresh ones
	// (which takes a moment; tests share one set).
	VinIDKeys *vinidpaytest.Keys
	// VinIDOTPThreshold: VinID payments of this many dong or more ask for
	// an OTP (0: the fake's default, 1.000.000 ₫).
	VinIDOTPThreshold int64
	// Logger gets the demo's and checkout's logs; nil discards.
	Logger *slog.Logger
}

// The demo's test wallets on the fake gateways.
type vietAccount struct {
	Phone, Password string
	Balance         int64
}

var vietAccounts = []vietAccount{
	{Phone: "0911111111", Password: "pw123456", Balance: 20_000_000},
	{Phone: "0922222222", Password: "pw123456", Balance: 20_000_000},
	{Phone: "0933333333", Password: "pw123456", Balance: 10_000}, // too low to pay
}

type vinidUser struct {
	Phone   string
	Balance int64
}

var vinidUsers = []vinidUser{
	{Phone: "0900000001", Balance: 20_000_000},
	{Phone: "0900000002", Balance: 20_000_000},
	{Phone: "0900000009", Balance: 20_000}, // too low to pay
}

const vietSecret = "demo-vivietSecret-2026" // the fake merchant's v1 key

// app is the demo: the merchant site, checkout and the three fake
// gateways, on loopback.
type app struct {
	cfg  config
	log  *slog.Logger
	c    *checkout.Client
	mail *checkout.Mailbox
	msgs map[string]map[string]string // language -> key -> text

	vtc         *vtcpaytest.Server
	viet        *vivietpaytest.Server
	vinid       *vinidpaytest.Server
	vinidClient *vinidpay.Client
	vinidIDs    []string // the fake's user IDs, as vinidUsers
	pool        *pgxpool.Pool

	pages map[string]*template.Template

	mu         sync.Mutex
	closed     bool
	sessions   map[string]*session
	tokens     map[string]string   // customer ID -> VinID user token
	vinidQueue []string            // VinID payment notifications to apply
	recent     map[string][]string // customer ID -> order IDs, newest first
}

// newApp starts the fakes and builds checkout on them. Close it when done.
func newApp(ctx context.Context, cfg config) (_ *app, err error) {
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" || base.Path != "" {
		return nil, fmt.Errorf("merchant: base URL %q must be an absolute http(s) URL without a path", cfg.BaseURL)
	}
	if cfg.Lang == "" {
		cfg.Lang = languages[0]
	}
	if cfg.Lang != "vi" && cfg.Lang != "en" {
		return nil, fmt.Errorf("merchant: language %q: want vi or en", cfg.Lang)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &app{cfg: cfg, log: log, msgs: map[string]map[string]string{},
		sessions: map[string]*session{}, tokens: map[string]string{},
		recent: map[string][]string{}}
	for _, l := range languages {
		a.msgs[l] = messages(l)
	}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if a.pages, err = parsePages(); err != nil {
		return nil, err
	}
	gws, err := a.startGateways(ctx)
	if err != nil {
		return nil, err
	}
	if a.mail, err = checkout.NewMailbox("Mây Việt <no-reply@mayviet.example>"); err != nil {
		return nil, err
	}
	ccfg := checkout.Config{Gateways: gws, Provisioner: checkout.ProvisionerFunc(a.provision), Notifier: a.mail,
		BaseURL: cfg.BaseURL + "/pay", Currency: "VND"}
	if cfg.Postgres != "" {
		if a.pool, err = pgxpool.New(ctx, cfg.Postgres); err != nil {
			return nil, fmt.Errorf("merchant: postgres: %w", err)
		}
		if ccfg.Store, err = pgstore.New(ctx, a.pool); err != nil {
			return nil, fmt.Errorf("merchant: pgstore: %w", err)
		}
		if ccfg.Ledger, err = pgledger.New(ctx, a.pool); err != nil {
			return nil, fmt.Errorf("merchant: pgledger: %w", err)
		}
	}
	if a.c, err = checkout.New(ccfg, checkout.WithLogger(log), checkout.WithResultURL(cfg.BaseURL+"/result")); err != nil {
		return nil, err
	}
	// The starting credit, by bank transfer: idempotent, so a restart on
	// PostgreSQL does not add it twice.
	for _, cu := range customers {
		if _, err := a.c.Credit("VND").TopUp(ctx, wallet.TopUpRequest{ID: "welcome/" + cu.ID, Customer: cu.ID,
			Amount: decimal.NewFromInt(cu.Credit)}); err != nil {
			return nil, fmt.Errorf("merchant: starting credit of %s: %w", cu.ID, err)
		}
	}
	return a, nil
}

// startGateways starts the three fakes and adapts a client of each to
// checkout. They deliver notifications to the demo's own routes.
func (a *app) startGateways(ctx context.Context) ([]checkout.Gateway, error) {
	// VTC Pay: its hosted page POSTs the notification to the shop over
	// loopback, then redirects the payer back.
	a.vtc = vtcpaytest.NewServer(vtcpaytest.Config{ReceivingURL: a.cfg.BaseURL + "/pay/notify/vtcpay"})
	fc := a.vtc.Config()
	vc, err := vtcpay.New(vtcpay.Config{WebsiteID: fc.WebsiteID, SecretKey: fc.SecretKey, ReceiverAccount: fc.ReceiverAccount,
		KeySign: fc.KeySign}, vtcpay.WithBaseURL(a.vtc.URL()), vtcpay.WithHTTPClient(a.vtc.Client()), vtcpay.WithLogger(a.log))
	if err != nil {
		return nil, err
	}
	vtcGW, err := checkout.VTCPay(vc, checkout.VTCPayOptions{})
	if err != nil {
		return nil, err
	}

	// Ví Việt: login, account checks and OTP on its pages; it delivers its
	// notification in process to the shop's notify route.
	notify := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, _, status, err := a.c.HandleCallback(r.Context(), "vietpay", r); err != nil {
			a.log.Warn("merchant: Ví Việt notification", "status", status, "err", err)
			http.Error(w, http.StatusText(status), status)
			return
		}
		_, _ = io.WriteString(w, "OK")
	})
	if a.viet, err = vivietpaytest.New(vivietpaytest.Config{MerchantSite: "MAYVIET", AccessCode: "DEMO01", Secret: vietSecret,
		Notify: notify}); err != nil {
		return nil, err
	}
	for _, acc := range vietAccounts {
		a.viet.AddAccount(vivietpaytest.Account{Phone: acc.Phone, Password: acc.Password, Balance: acc.Balance, Limit: 50_000_000})
	}
	vvc, err := vivietpay.New(vivietpay.Config{MerchantSite: "MAYVIET", AccessCode: "DEMO01", Secret: signing.NewSecret(vietSecret)},
		vivietpay.WithBaseURL(a.viet.URL), vivietpay.WithHTTPClient(a.viet.Client()), vivietpay.WithLogger(a.log))
	if err != nil {
		return nil, err
	}
	vietGW, err := checkout.VietPay(vvc, checkout.VietPayOptions{})
	if err != nil {
		return nil, err
	}

	// VinID Pay: charges a linked wallet; at or above its threshold the
	// payer confirms with the OTP VinID sent by SMS. VinID notifies before
	// it answers the payment call, while checkout holds the order: the
	// notifications are queued and applied after the call (drainVinID).
	opts := []vinidpaytest.Option{vinidpaytest.WithLinkReturnURL(func(string, string) string { return a.cfg.BaseURL + "/vinid/linked" })}
	if a.cfg.VinIDOTPThreshold > 0 {
		opts = append(opts, vinidpaytest.WithOTPThreshold(a.cfg.VinIDOTPThreshold))
	}
	if a.vinid, err = vinidpaytest.NewServer(vinidpaytest.Config{Keys: a.cfg.VinIDKeys}, opts...); err != nil {
		return nil, err
	}
	a.vinid.HandlePaymentCallbacks(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.vinidQueue = append(a.vinidQueue, r.URL.RawQuery)
		a.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	a.vinid.HandleLinkCallbacks(http.HandlerFunc(a.handleLinkCallback))
	if a.vinidClient, err = a.vinid.NewClient(vinidpay.WithLogger(a.log)); err != nil {
		return nil, err
	}
	for _, u := range vinidUsers {
		a.vinidIDs = append(a.vinidIDs, a.vinid.AddUser(u.Phone, u.Balance))
	}
	vinidGW, err := checkout.VinIDPay(a.vinidClient, checkout.VinIDPayOptions{StoreCode: "STORE01", POSCode: "POS01",
		UserToken: a.vinidToken})
	if err != nil {
		return nil, err
	}
	return []checkout.Gateway{vtcGW, vietGW, vinidGW}, nil
}

// vinidToken is the linked VinID wallet of a payer: a customer ID, or the
// email of a payer on behalf (a demo customer's).
func (a *app) vinidToken(_ context.Context, payer string) (string, error) {
	id := payer
	if cu, ok := customerByEmail(payer); ok {
		id = cu.ID
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if t, ok := a.tokens[id]; ok {
		return t, nil
	}
	return "", fmt.Errorf("merchant: %s has no linked VinID wallet", payer)
}

func (a *app) vinidLinked(customerID string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, ok := a.tokens[customerID]
	return ok
}

// handleLinkCallback receives VinID's link result: verified by the client
// before anything is read, it gives the customer's wallet token.
func (a *app) handleLinkCallback(w http.ResponseWriter, r *http.Request) {
	cb, err := a.vinidClient.VerifyLinkCallback(r)
	if errors.Is(err, vinidpay.ErrLinkFailed) && cb != nil {
		_, _ = io.WriteString(w, "OK") // verified: the customer cancelled
		return
	}
	if err != nil || !cb.Linked() {
		a.log.Warn("merchant: VinID link callback refused", "err", err)
		http.Error(w, "invalid callback", http.StatusBadRequest)
		return
	}
	if _, ok := customerByID(cb.PartnerUserID); !ok {
		http.Error(w, "unknown customer", http.StatusBadRequest)
		return
	}
	a.mu.Lock()
	a.tokens[cb.PartnerUserID] = cb.UserToken
	a.mu.Unlock()
	_, _ = io.WriteString(w, "OK")
}

// drainVinID applies the VinID notifications that arrived during a
// payment call.
func (a *app) drainVinID(ctx context.Context) {
	a.mu.Lock()
	qs := a.vinidQueue
	a.vinidQueue = nil
	a.mu.Unlock()
	for _, q := range qs {
		r, err := http.NewRequestWithContext(ctx, http.MethodGet, a.cfg.BaseURL+"/pay/notify/vinidpay?"+q, nil)
		if err != nil {
			continue
		}
		if _, _, status, err := a.c.HandleCallback(ctx, "vinidpay", r); err != nil {
			// Checkout queries VinID before it provisions; a notification
			// that could not be applied changes nothing it needs.
			a.log.Warn("merchant: VinID notification", "status", status, "err", err)
		}
	}
}

// provision is the demo's Provisioner. A server in a full region fails
// (checkout then refunds the order to credit). A top-up order "provisions"
// credit: the wallet is topped up by the amount paid, once per order.
func (a *app) provision(ctx context.Context, r checkout.ProvisionRequest) error {
	o := r.Order
	if strings.HasPrefix(o.ID, topUpPrefix) {
		// Checkout booked the gateway payment as revenue (gateway clearing
		// to revenue); the top-up moves it on from revenue to the wallet,
		// once (the transfer ID is the idempotency key), as a top-up line
		// of Credit History.
		cr := a.c.Credit(o.Currency)
		err := cr.Open(ctx, o.Customer)
		if err == nil {
			_, err = a.c.Ledger().Post(ctx, wallet.Transfer{ID: r.IdempotencyKey + "/credit", Debit: cr.Revenue(),
				Credit: cr.Account(o.Customer), Amount: o.Amount, Currency: cr.Currency(), Code: wallet.CodeTopUp, Reference: o.ID})
		}
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("%w: top up: %w", checkout.ErrTryAgain, err)
		}
		return err
	}
	if name, full := failingRegion(o); full {
		return fmt.Errorf("merchant: region %s is full", name)
	}
	a.log.Info("merchant: server created", "order", o.ID)
	return nil
}

// Order ID prefixes: a top-up order credits the wallet when paid.
const (
	topUpPrefix  = "topup"
	serverPrefix = "vm"
)

// Sweep runs checkout's recovery and applies queued VinID notifications.
func (a *app) Sweep(ctx context.Context) error {
	a.drainVinID(ctx)
	_, err := a.c.Sweep(ctx)
	return err
}

// Close stops the fakes and closes the database pool.
func (a *app) Close() {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return
	}
	a.closed = true
	a.mu.Unlock()
	if a.vtc != nil {
		a.vtc.Close()
	}
	if a.viet != nil {
		a.viet.Close()
	}
	if a.vinid != nil {
		a.vinid.Close()
	}
	if a.pool != nil {
		a.pool.Close()
	}
}

// remember adds an order to the customer's recent orders (this process's).
func (a *app) remember(customerID, orderID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ids := append([]string{orderID}, a.recent[customerID]...)
	if len(ids) > 20 {
		ids = ids[:20]
	}
	a.recent[customerID] = ids
}

func (a *app) recentOrders(customerID string) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.recent[customerID]...)
}

// sweepLoop sweeps every d until ctx ends.
func (a *app) sweepLoop(ctx context.Context, d time.Duration) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.Sweep(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("merchant: sweep", "err", err)
			}
		}
	}
}
