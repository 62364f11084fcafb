package checkout

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"github.com/thanhtoan/thanhtoan/wallet"
)

// Provisioner creates the resources of a paid order. It is the host's code.
// Provision must be idempotent by IdempotencyKey ("<order>/provision"):
// checkout calls it again after a crash, and the second call must report
// the first call's outcome without creating anything twice. An error fails
// provisioning (the order is refunded and cancelled) unless it wraps
// ErrTryAgain or is the context's: then the order stays paid and Sweep
// provisions it again.
type Provisioner interface {
	Provision(ctx context.Context, r ProvisionRequest) error
}

// ProvisionRequest is one provisioning call.
type ProvisionRequest struct {
	IdempotencyKey string
	Order          Order
}

// ProvisionerFunc adapts a function to Provisioner.
type ProvisionerFunc func(ctx context.Context, r ProvisionRequest) error

// Provision calls f.
func (f ProvisionerFunc) Provision(ctx context.Context, r ProvisionRequest) error { return f(ctx, r) }

// Config is what a Client is built from.
type Config struct {
	// Ledger keeps the credit wallets; default an in-memory ledger with the
	// Client's clock.
	Ledger wallet.Ledger
	// Store keeps orders and histories; default NewMemoryStore().
	Store Store
	// Gateways the orders may be paid through, by Name.
	Gateways []Gateway
	// Provisioner creates the resources of paid orders. Required.
	Provisioner Provisioner
	// Notifier sends the emails; default LogNotifier with the Client's
	// logger, which sends nothing (and logs nothing without WithLogger):
	// share links and receipts then reach no one. Set an SMTPNotifier, or
	// your own, to send them.
	Notifier Notifier
	// BaseURL is the public URL where Handler is mounted, e.g.
	// "https://shop.example/pay". Return URLs (BaseURL+"/return/<gateway>")
	// and share links (BaseURL+"/share/<token>") start with it. Required;
	// at most 960 octets.
	BaseURL string
	// Currency of orders that name none; default "VND". VND and USD are
	// known.
	Currency string
}

// RefundPolicy says where the money of a paid order goes when provisioning
// fails.
type RefundPolicy int

const (
	// RefundToCredit (default) refunds the whole price to the requester's
	// credit wallet: a refund entry in Credit History.
	RefundToCredit RefundPolicy = iota
	// RefundThroughGateway refunds the gateway part through the gateway where
	// it supports refunds (and the credit part to the wallet); where it does
	// not, to the wallet.
	RefundThroughGateway
)

// Option configures a Client.
type Option func(*options) error

type options struct {
	now            func() time.Time
	logger         *slog.Logger
	shareTTL       time.Duration
	refund         RefundPolicy
	random         io.Reader
	resultURL      string
	paymentTimeout time.Duration
	outboxKeep     time.Duration
	outboxGrace    time.Duration
	orderTTL       time.Duration // 0: orders never expire
	lateWindow     time.Duration // 0: no late queries
}

// WithClock sets the Client's clock (order times, share link expiry).
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return fmt.Errorf("%w: nil clock", ErrInvalidConfig)
		}
		o.now = now
		return nil
	}
}

// WithLogger sets the logger; the default discards. Share tokens and
// gateway secrets are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return fmt.Errorf("%w: nil logger", ErrInvalidConfig)
		}
		o.logger = l
		return nil
	}
}

// WithShareTTL sets how long a share link is valid (default 72 hours).
func WithShareTTL(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("%w: share ttl %v must be positive", ErrInvalidConfig, d)
		}
		o.shareTTL = d
		return nil
	}
}

// WithRefundPolicy sets where refunds go (default RefundToCredit).
func WithRefundPolicy(p RefundPolicy) Option {
	return func(o *options) error {
		if p != RefundToCredit && p != RefundThroughGateway {
			return fmt.Errorf("%w: unknown refund policy %d", ErrInvalidConfig, p)
		}
		o.refund = p
		return nil
	}
}

// WithRandom sets the source of share tokens and order IDs (default
// crypto/rand).
func WithRandom(r io.Reader) Option {
	return func(o *options) error {
		if r == nil {
			return fmt.Errorf("%w: nil random source", ErrInvalidConfig)
		}
		o.random = r
		return nil
	}
}

// WithResultURL sets where the return route sends the payer's browser after
// a gateway payment: the URL with "order" and "state" query parameters
// added. Without it the route renders a minimal status page.
func WithResultURL(raw string) Option {
	return func(o *options) error {
		if _, err := parseHTTPURL("result URL", raw); err != nil {
			return err
		}
		o.resultURL = raw
		return nil
	}
}

// WithPaymentTimeout sets how long Sweep waits for a gateway payment the
// gateway does not know (the payer never reached it) before it cancels the
// order and releases its hold (default 24 hours).
func WithPaymentTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("%w: payment timeout %v must be positive", ErrInvalidConfig, d)
		}
		o.paymentTimeout = d
		return nil
	}
}

// WithLatePaymentWindow sets how long Sweep keeps querying a payment it
// failed for lack of an answer at the payment timeout (default 7 days; 0:
// not at all). The payer may finish it on the gateway's page after the
// timeout and the gateway's notification may never reach us: a success
// found this way cannot pay the cancelled order, so its money is credited
// to the requester's wallet (or, if another payment paid the order,
// refunded through the gateway) and the order flagged. Queries are spaced
// out: one hour after the timeout, then doubling up to once a day. VTC
// Pay's and Ví Việt's payment links carry no expiry those gateways check:
// a payment made on an old link after the window, whose notification and
// return never reach us, is found only in the gateway's own reports.
func WithLatePaymentWindow(d time.Duration) Option {
	return func(o *options) error {
		if d < 0 {
			return fmt.Errorf("%w: late payment window %v must not be negative", ErrInvalidConfig, d)
		}
		o.lateWindow = d
		return nil
	}
}

// WithOrderTTL sets how long an order may stay created (not paid, no
// payment started, not shared) before Sweep cancels it (default 7 days),
// so that an abandoned order is not paid weeks later at its old price and
// Sweep does not carry it. Zero: orders never expire. An order stamps its
// expiry (Order.ExpiresAt) when it is created.
func WithOrderTTL(d time.Duration) Option {
	return func(o *options) error {
		if d < 0 {
			return fmt.Errorf("%w: order ttl %v must not be negative", ErrInvalidConfig, d)
		}
		o.orderTTL = d
		return nil
	}
}

// WithOutboxRetention sets how long the outbox keeps a sent notification
// (default 7 days): Sweep then deletes it (Store.PruneSent). While it is
// kept, a step that enqueues the same notification again (a paid order
// re-driven after a crash) does not send it twice.
func WithOutboxRetention(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("%w: outbox retention %v must be positive", ErrInvalidConfig, d)
		}
		o.outboxKeep = d
		return nil
	}
}

// WithOutboxGrace sets how long after a notification was queued Sweep
// leaves it to the Client that queued it (default 2 minutes). That Client
// sends it at once (a payment's email right after the payment); a Sweep of
// another process reading the outbox meanwhile would send it a second time.
// Sweep sends it after the grace, when the first send failed or its Client
// stopped. It should exceed the Notifier's longest send (an SMTPNotifier's
// Timeout, 30 seconds by default). Zero makes Sweep send every pending
// notification.
func WithOutboxGrace(d time.Duration) Option {
	return func(o *options) error {
		if d < 0 {
			return fmt.Errorf("%w: outbox grace %v is negative", ErrInvalidConfig, d)
		}
		o.outboxGrace = d
		return nil
	}
}

// Client runs checkouts. It is safe for concurrent use; several Clients
// (processes) may share a Store and Ledger: the Store's compare-and-swap
// keeps each order consistent.
type Client struct {
	opts        options
	ledger      wallet.Ledger
	store       Store // public, or its sharedStore view
	public      Store // the Store as configured
	shared      bool  // store is a sharedStore: copy line items where orders leave
	gateways    map[string]Gateway
	gwNames     []string
	provisioner Provisioner
	notifier    Notifier
	baseURL     string
	currency    string
	credits     map[string]*wallet.Credit
	systemReady sync.Map // currency -> true once system accounts exist
	locks       keyedMutex
}

// New returns a Client for cfg.
func New(cfg Config, opts ...Option) (*Client, error) {
	o := options{now: time.Now, logger: slog.New(slog.DiscardHandler), shareTTL: 72 * time.Hour,
		random: rand.Reader, paymentTimeout: 24 * time.Hour, outboxKeep: 7 * 24 * time.Hour, outboxGrace: 2 * time.Minute, orderTTL: 7 * 24 * time.Hour,
		lateWindow: 7 * 24 * time.Hour}
	for _, opt := range opts {
		if opt == nil {
			return nil, fmt.Errorf("%w: nil option", ErrInvalidConfig)
		}
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if cfg.Provisioner == nil {
		return nil, fmt.Errorf("%w: a Provisioner is required", ErrInvalidConfig)
	}
	base, err := parseHTTPURL("Config.BaseURL (where Handler is mounted)", cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	c := &Client{opts: o, ledger: cfg.Ledger, store: cfg.Store, provisioner: cfg.Provisioner, notifier: cfg.Notifier,
		baseURL: strings.TrimRight(base.String(), "/"), currency: cfg.Currency, gateways: map[string]Gateway{},
		credits: map[string]*wallet.Credit{}}
	if len(c.baseURL) > maxBaseURLLen {
		// Return URLs must fit VTC Pay's url_return (1000 characters).
		return nil, fmt.Errorf("%w: BaseURL %.40q... has %d octets, at most %d", ErrInvalidConfig, c.baseURL, len(c.baseURL), maxBaseURLLen)
	}
	if c.ledger == nil {
		now := o.now
		c.ledger = wallet.NewMemoryLedger(wallet.WithClock(now))
	}
	if c.store == nil {
		c.store = NewMemoryStore()
	}
	c.public = c.store
	if ms, ok := c.store.(*MemoryStore); ok {
		c.store, c.shared = sharedStore{ms}, true
	}
	if c.notifier == nil {
		c.notifier = LogNotifier{Logger: o.logger}
	}
	if c.currency == "" {
		c.currency = "VND"
	}
	for _, cur := range []wallet.Currency{wallet.VND, wallet.USD} {
		cr, err := wallet.NewCredit(c.ledger, cur)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
		c.credits[string(cur)] = cr
	}
	if c.credits[c.currency] == nil {
		return nil, fmt.Errorf("%w: currency %q: VND or USD", ErrInvalidConfig, c.currency)
	}
	for _, g := range cfg.Gateways {
		if g == nil {
			return nil, fmt.Errorf("%w: nil gateway", ErrInvalidConfig)
		}
		name := g.Name()
		if err := validGatewayName(name); err != nil {
			return nil, err
		}
		if _, dup := c.gateways[name]; dup {
			return nil, fmt.Errorf("%w: two gateways named %q", ErrInvalidConfig, name)
		}
		if b, ok := g.(binder); ok {
			if err := b.bind(c.intentOf); err != nil {
				return nil, err
			}
		}
		c.gateways[name] = g
		c.gwNames = append(c.gwNames, name)
	}
	return c, nil
}

// maxBaseURLLen bounds Config.BaseURL, so that a return URL (BaseURL +
// "/return/" + a gateway name of up to 32) fits VTC Pay's url_return of
// 1000 characters (Ví Việt takes 1024).
const maxBaseURLLen = 1000 - len("/return/") - 32

// binder is implemented by adapters that need the payments as sent to
// verify results (Ví Việt): New gives them the Client's lookup.
type binder interface {
	bind(lookup func(ctx context.Context, reference string) (Intent, error)) error
}

func parseHTTPURL(what, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w: %s %q is not an absolute http(s) URL without query", ErrInvalidConfig, what, raw)
	}
	return u, nil
}

// Ledger returns the ledger the Client uses.
func (c *Client) Ledger() wallet.Ledger { return c.ledger }

// Store returns the store the Client uses.
func (c *Client) Store() Store { return c.public }

// update is Store.UpdateOrder of *o, in place for the memory store.
func (c *Client) update(ctx context.Context, o *Order) error {
	if ms, ok := c.store.(sharedStore); ok {
		return ms.update(ctx, o)
	}
	r, err := c.store.UpdateOrder(ctx, *o)
	if err != nil {
		return err
	}
	*o = r
	return nil
}

// export copies the line items of an order that leaves the Client, when
// they are shared with the store (see sharedStore).
func (c *Client) export(o *Order) {
	if c.shared {
		o.Items = cloneItems(o.Items)
	}
}

// Credit returns the credit wallet of a currency ("VND" or "USD", in
// capitals; "" for the default), or nil for any other currency.
func (c *Client) Credit(currency string) *wallet.Credit {
	if currency == "" {
		currency = c.currency
	}
	return c.credits[currency]
}

// Gateways returns the configured gateway names, in Config order.
func (c *Client) Gateways() []string { return append([]string(nil), c.gwNames...) }

// OrderRequest is a new order.
type OrderRequest struct {
	// ID is optional: 1 to 24 characters of [A-Za-z0-9_.], so that a
	// gateway reference "<id>-<n>" fits every gateway. Empty: a random one.
	ID       string
	Customer string // the customer's ID: their wallet, resources and invoices; 1 to 128 bytes of UTF-8
	Email    string // where the customer's emails go: an ASCII address alone ("an@example.vn"), as gateways take it; at most 254 octets
	Language Language
	Items    []LineItem
	Currency string // default Config.Currency
}

// CreateOrder validates and saves a new order, whose amount is the sum of
// its items. Its texts (customer, language, descriptions, attributes) must
// be UTF-8 without NUL bytes.
func (c *Client) CreateOrder(ctx context.Context, req OrderRequest) (Order, error) {
	cur := req.Currency
	if cur == "" {
		cur = c.currency
	}
	if c.credits[cur] == nil {
		return Order{}, fmt.Errorf("%w: unknown currency %q", ErrInvalidOrder, cur)
	}
	if req.Customer == "" || len(req.Customer) > 128 {
		return Order{}, fmt.Errorf("%w: customer must have 1 to 128 characters", ErrInvalidOrder)
	}
	if !storableText(req.Customer) || !storableText(string(req.Language)) {
		return Order{}, fmt.Errorf("%w: customer and language must be UTF-8 without NUL bytes", ErrInvalidOrder)
	}
	if err := checkEmail(ErrInvalidOrder, "email", req.Email); err != nil {
		return Order{}, err
	}
	if len(req.Items) == 0 {
		return Order{}, fmt.Errorf("%w: at least one item is required", ErrInvalidOrder)
	}
	var total decimal.Decimal
	for i, it := range req.Items {
		if it.Description == "" {
			return Order{}, fmt.Errorf("%w: item %d has no description", ErrInvalidOrder, i)
		}
		if !storableText(it.Description) {
			return Order{}, fmt.Errorf("%w: item %d: description must be UTF-8 without NUL bytes", ErrInvalidOrder, i)
		}
		for _, a := range it.Config {
			if !storableText(a.Name) || !storableText(a.Value) {
				return Order{}, fmt.Errorf("%w: item %d: attribute %q must be UTF-8 without NUL bytes", ErrInvalidOrder, i, a.Name)
			}
		}
		if it.Quantity < 1 {
			return Order{}, fmt.Errorf("%w: item %d: quantity %d must be at least 1", ErrInvalidOrder, i, it.Quantity)
		}
		if err := validateAmount(it.Amount, cur); err != nil {
			return Order{}, fmt.Errorf("item %d: %w", i, err)
		}
		if i == 0 {
			total = it.Amount // decimals are immutable: no need to add to zero
		} else {
			total = total.Add(it.Amount)
		}
	}
	if _, err := wallet.Currency(cur).ToMinor(total); err != nil {
		return Order{}, fmt.Errorf("%w: total %s: %w", ErrInvalidOrder, total, err)
	}
	id := req.ID
	if id == "" {
		var err error
		if id, err = c.newID(); err != nil {
			return Order{}, err
		}
	} else if err := validOrderID(id); err != nil {
		return Order{}, err
	}
	// English ("en", "en-US", "EN") or else Vietnamese, as emails and pages
	// read it, so that the gateways' pages read it the same.
	lang := mailLanguage(req.Language)
	now := c.opts.now()
	// The Store copies the items: no copy here.
	o := Order{ID: id, Customer: req.Customer, Email: req.Email, Language: lang, Items: req.Items,
		Amount: total, Currency: cur, State: StateCreated, CreatedAt: now, UpdatedAt: now}
	if c.opts.orderTTL > 0 {
		o.ExpiresAt = now.Add(c.opts.orderTTL)
	}
	if ms, ok := c.store.(sharedStore); ok {
		// The order returned holds the caller's own items, not the store's.
		if err := ms.create(ctx, &o); err != nil {
			return Order{}, err
		}
		return o, nil
	}
	return c.store.CreateOrder(ctx, o)
}

// storableText reports whether s is text every Store and Ledger keeps as
// given: valid UTF-8 without NUL bytes (PostgreSQL refuses both, so an
// order or a wallet named with them would be taken by the memory store
// and refused later by pgledger, after money moved).
func storableText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

var idEncoding = base32.NewEncoding("0123456789abcdefghijklmnopqrstuv").WithPadding(base32.NoPadding)

func (c *Client) newID() (string, error) {
	var b [10]byte
	if _, err := io.ReadFull(c.opts.random, b[:]); err != nil {
		return "", fmt.Errorf("checkout: order id: %w", err)
	}
	return "o" + idEncoding.EncodeToString(b[:]), nil
}

func validOrderID(id string) error {
	if len(id) == 0 || len(id) > 24 {
		return fmt.Errorf("%w: order id must have 1 to 24 characters", ErrInvalidOrder)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.') {
			return fmt.Errorf("%w: order id %q: only A-Z, a-z, 0-9, '_' and '.'", ErrInvalidOrder, id)
		}
	}
	return nil
}

// Order returns an order.
func (c *Client) Order(ctx context.Context, id string) (Order, error) {
	return c.public.GetOrder(ctx, id)
}

// NextKind says what the caller does after a payment call.
type NextKind int

const (
	// NextDone: nothing more; Order says how it ended (completed, or
	// cancelled with its Reason).
	NextDone NextKind = iota + 1
	// NextRedirect: send the payer's browser to URL.
	NextRedirect
	// NextOTP: ask the payer for the OTP the gateway sent and call SubmitOTP
	// (SubmitSharedOTP for a payer on behalf, after PayShared).
	NextOTP
)

func (k NextKind) String() string {
	switch k {
	case NextDone:
		return "done"
	case NextRedirect:
		return "redirect"
	case NextOTP:
		return "otp"
	}
	return fmt.Sprintf("next(%d)", int(k))
}

// Next is what happens after a payment call.
type Next struct {
	Kind  NextKind
	URL   string // for NextRedirect
	Order Order
}

// PayRequest chooses how to pay an order.
type PayRequest struct {
	Method  Method
	Gateway string // for MethodTopUpAndPay and MethodGateway
}

// Pay pays an order by the chosen method and says what happens next.
// Credit pays at once (or fails with an *InsufficientCreditError); top up
// and pay and gateway payments redirect the payer or ask for an OTP, or
// finish at once. A payment the gateway refuses returns the cancelled order
// with an error matching ErrPaymentFailed; a cancelled order stays
// cancelled, so paying again takes a new order. An *InsufficientCreditError
// leaves the order created, to be paid another way. Calling Pay again on an
// order whose payment is under way returns the same next step, whatever
// method it asks for.
//
// With an error, Next is either zero or NextDone with the order as it
// stands: check the error first. A Provisioner error wrapping ErrTryAgain
// returns the paid order with that error: the money was taken and Sweep
// provisions the order later. A provisioning failure (without ErrTryAgain)
// is no error of Pay: Next is NextDone with the order cancelled, its Reason
// saying why, and its money refunded.
func (c *Client) Pay(ctx context.Context, orderID string, req PayRequest) (next Next, err error) {
	defer c.export(&next.Order)
	switch req.Method {
	case MethodCredit:
		if req.Gateway != "" {
			return Next{}, fmt.Errorf("%w: credit payments take no gateway", ErrInvalidRequest)
		}
	case MethodTopUpAndPay, MethodGateway:
		if _, ok := c.gateways[req.Gateway]; !ok {
			return Next{}, fmt.Errorf("%w: %q (PayRequest.Gateway names one of %q)", ErrUnknownGateway, req.Gateway, c.gwNames)
		}
	case MethodOnBehalf:
		return Next{}, fmt.Errorf("%w: payment on behalf starts with Share", ErrInvalidRequest)
	default:
		return Next{}, fmt.Errorf("%w: unknown method %q", ErrInvalidRequest, req.Method)
	}
	lk := c.locks.lock(orderID)
	defer lk.unlock()
	o, err := c.store.GetOrder(ctx, orderID)
	if err != nil {
		return Next{}, err
	}
	switch o.State {
	case StatePaid:
		o, err = c.drive(ctx, o)
		return Next{Kind: NextDone, Order: o}, err
	case StateCompleted:
		return Next{Kind: NextDone, Order: o}, nil
	case StateCancelled, StateReview:
		return Next{Kind: NextDone, Order: o}, fmt.Errorf("%w: order %s is %s", ErrOrderClosed, o.ID, o.State)
	case StateAwaitingPayment:
		return c.pending(o)
	}
	now := c.opts.now()
	if err := notExpired(&o, now); err != nil {
		return Next{Kind: NextDone, Order: o}, err
	}
	if o.Method != "" && o.Method != req.Method && o.Method != MethodOnBehalf {
		if err := c.checkNoCreditPaid(ctx, o); err != nil {
			return Next{}, err
		}
	}
	switch req.Method {
	case MethodCredit:
		return c.payCredit(ctx, o, now)
	case MethodTopUpAndPay:
		return c.payTopUp(ctx, o, c.gateways[req.Gateway])
	default:
		return c.startAttempt(ctx, o, MethodGateway, c.gateways[req.Gateway], "", "")
	}
}

// checkNotExpired refuses to start paying (or sharing) an order past its
// expiry that nothing was paid on; Sweep cancels it.
func (c *Client) checkNotExpired(o Order) error { return notExpired(&o, c.opts.now()) }

// notExpired is checkNotExpired at now.
func notExpired(o *Order, now time.Time) error {
	if o.State == StateCreated && o.Method == "" && !o.ExpiresAt.IsZero() && !now.Before(o.ExpiresAt) {
		return fmt.Errorf("%w: order %s expired unpaid", ErrOrderClosed, o.ID)
	}
	return nil
}

// checkNoCreditPaid refuses to switch method (Pay by another method, a
// share, a payment on behalf) when an earlier credit step may have taken
// money: a credit payment the ledger took (Sweep settles it first; a try
// the ledger does not know is fenced, see creditTryPaid), or a hold still
// pending.
func (c *Client) checkNoCreditPaid(ctx context.Context, o Order) error {
	if o.Method == MethodCredit && o.CreditTries > 0 {
		paid, err := c.creditTryPaid(ctx, o)
		if err != nil {
			return err
		}
		if paid {
			return fmt.Errorf("%w: order %s has a credit payment to settle first (Sweep)", ErrOrderClosed, o.ID)
		}
	}
	if o.Method == MethodTopUpAndPay {
		if r, err := c.ledger.Lookup(ctx, o.ID+"/hold"); err == nil && r.Status == wallet.StatusPending {
			return fmt.Errorf("%w: order %s has a credit hold to settle first (Sweep)", ErrOrderClosed, o.ID)
		}
	}
	return nil
}

// creditTryPaid reports whether o's last credit try took money. A try the
// ledger does not know may still be posting in another Client on the same
// Store, where no lock of ours keeps it apart: its transfer ID is fenced
// first with a transfer the ledger refuses (its debit account does not
// exist) and records, so that the try can never post afterwards (an ID's
// outcome is final); if the try posted first, the fence conflicts and the
// try is found.
func (c *Client) creditTryPaid(ctx context.Context, o Order) (bool, error) {
	if o.Method != MethodCredit || o.CreditTries == 0 {
		return false, nil
	}
	id := creditID(o)
	r, err := c.ledger.Lookup(ctx, id)
	switch {
	case err == nil:
		return r.Transfer.ID != "", nil
	case errors.Is(err, wallet.ErrInsufficientFunds), errors.Is(err, wallet.ErrAccountNotFound):
		return false, nil // refused (or fenced): it took nothing
	case !errors.Is(err, wallet.ErrTransferNotFound):
		return false, fmt.Errorf("checkout: order %s: credit payment: %w", o.ID, err)
	}
	_, err = c.ledger.Post(ctx, wallet.Transfer{ID: id, Debit: "checkout-fence/" + o.ID, Credit: c.credits[o.Currency].Revenue(),
		Amount: o.Amount, Currency: wallet.Currency(o.Currency), Code: wallet.CodePayment, Reference: o.ID})
	if errors.Is(err, wallet.ErrAccountNotFound) {
		return false, nil // fenced
	}
	if r, lerr := c.ledger.Lookup(ctx, id); lerr == nil && r.Transfer.ID != "" {
		return true, nil // it posted first
	}
	return false, fmt.Errorf("checkout: order %s: fence credit payment %s: %w", o.ID, id, err)
}

// pending returns the next step of an order awaiting payment.
func (c *Client) pending(o Order) (Next, error) {
	unsettled := ""
	for i := len(o.Attempts) - 1; i >= 0; i-- {
		a := o.Attempts[i]
		if a.Outcome.final() || a.Payer != "" {
			continue
		}
		if a.OTP {
			return Next{Kind: NextOTP, Order: o}, nil
		}
		if a.URL != "" {
			return Next{Kind: NextRedirect, URL: a.URL, Order: o}, nil
		}
		unsettled = a.Reference
	}
	if unsettled != "" {
		// The gateway's answer to the start of this payment was not recorded
		// (a crash right after it): its outcome is unknown until Sweep
		// queries the gateway or the payment expires.
		return Next{Kind: NextDone, Order: o}, fmt.Errorf("%w: order %s: payment %s is under way and its outcome is not known yet", ErrTryAgain, o.ID, unsettled)
	}
	return Next{Kind: NextDone, Order: o}, nil
}

func creditID(o Order) string {
	if o.CreditTries <= 1 {
		return o.ID + "/credit"
	}
	return fmt.Sprintf("%s/credit.%d", o.ID, o.CreditTries)
}

// payCredit pays o by credit; now is when Pay started.
func (c *Client) payCredit(ctx context.Context, o Order, now time.Time) (Next, error) {
	cr := c.credits[o.Currency]
	again := false // try the last transfer ID again
	if o.Method == MethodCredit && o.CreditTries > 0 {
		// An earlier try may have paid before a crash: settle it, never pay twice.
		r, err := c.ledger.Lookup(ctx, creditID(o))
		if err == nil && r.Transfer.ID != "" {
			if o, err = c.markPaid(ctx, o, o.Amount, ""); err != nil {
				return Next{}, err
			}
			o, err = c.drive(ctx, o)
			return Next{Kind: NextDone, Order: o}, err
		}
		if err != nil && !errors.Is(err, wallet.ErrTransferNotFound) && !errors.Is(err, wallet.ErrInsufficientFunds) &&
			!errors.Is(err, wallet.ErrAccountNotFound) {
			return Next{}, fmt.Errorf("checkout: order %s: credit payment: %w", o.ID, err)
		}
		// A try the ledger has not seen may still be on its way there from
		// another process (or Client) sharing the Store, however old: it is
		// tried again under its own transfer ID, so that the ledger takes
		// the money once whichever arrives first. Only a try the ledger
		// refused needs a new ID.
		again = errors.Is(err, wallet.ErrTransferNotFound)
	}
	o.Method = MethodCredit
	if again {
		o.CreditChecked = min(o.CreditChecked, o.CreditTries-1) // open again for Sweep
	} else {
		o.CreditTries++
	}
	o.UpdatedAt = now
	if err := c.update(ctx, &o); err != nil {
		return Next{}, err
	}
	_, err := cr.Pay(ctx, wallet.PayRequest{ID: creditID(o), Customer: o.Customer, Amount: o.Amount, Order: o.ID})
	if err != nil {
		var ife *wallet.InsufficientFundsError
		switch {
		case errors.As(err, &ife):
			o = c.creditRefused(ctx, o)
			return Next{Kind: NextDone, Order: o}, &InsufficientCreditError{OrderID: o.ID, Currency: o.Currency, Available: ife.Available, Required: o.Amount}
		case errors.Is(err, wallet.ErrAccountNotFound):
			o = c.creditRefused(ctx, o)
			return Next{Kind: NextDone, Order: o}, &InsufficientCreditError{OrderID: o.ID, Currency: o.Currency, Available: decimal.Zero, Required: o.Amount}
		}
		return Next{}, fmt.Errorf("checkout: order %s: credit payment: %w", o.ID, err)
	}
	// The ledger transfer is the durable record of the payment (Sweep finds
	// it by the intent saved above), so the order is saved once, completed,
	// unless provisioning stops it first.
	now = c.opts.now()
	o.State, o.CreditHeld, o.PaidAt, o.UpdatedAt = StatePaid, o.Amount, now, now
	saved := o.Version
	o, err = c.drive(ctx, o)
	if err != nil && o.State == StatePaid && o.Version == saved {
		if o2, err2 := c.store.UpdateOrder(ctx, o); err2 == nil {
			o = o2
		}
	}
	return Next{Kind: NextDone, Order: o}, err
}

// creditRefused records that o's last credit try did not pay (the ledger
// refused it), so that Sweep has nothing to recover. If the write fails,
// Sweep finds the refusal itself.
func (c *Client) creditRefused(ctx context.Context, o Order) Order {
	o2 := o
	o2.CreditChecked, o2.UpdatedAt = o.CreditTries, c.opts.now()
	if o2, err := c.store.UpdateOrder(ctx, o2); err == nil {
		return o2
	}
	return o
}

// markPaid moves o to paid.
func (c *Client) markPaid(ctx context.Context, o Order, credit decimal.Decimal, ref string) (Order, error) {
	now := c.opts.now()
	o.State, o.CreditHeld, o.PaidReference, o.PaidAt, o.UpdatedAt = StatePaid, credit, ref, now, now
	return c.store.UpdateOrder(ctx, o)
}

func (c *Client) payTopUp(ctx context.Context, o Order, gw Gateway) (Next, error) {
	cr := c.credits[o.Currency]
	if o.Method != MethodTopUpAndPay || o.Gateway != gw.Name() {
		o.Method, o.Gateway, o.UpdatedAt = MethodTopUpAndPay, gw.Name(), c.opts.now()
		var err error
		if o, err = c.store.UpdateOrder(ctx, o); err != nil {
			return Next{}, err
		}
	}
	held := decimal.Zero
	res, err := cr.Hold(ctx, wallet.HoldRequest{ID: o.ID + "/hold", Customer: o.Customer, Amount: o.Amount, UpTo: true, Order: o.ID})
	switch {
	case err == nil:
		if res.Status != wallet.StatusPending && res.Status != wallet.StatusCommitted {
			return Next{}, fmt.Errorf("%w: order %s: its credit hold is %s", ErrOrderClosed, o.ID, res.Status)
		}
		held = res.Transfer.Amount
	case errors.Is(err, wallet.ErrInsufficientFunds), errors.Is(err, wallet.ErrAccountNotFound):
		// Nothing available: the whole price goes through the gateway.
	default:
		return Next{}, fmt.Errorf("checkout: order %s: hold: %w", o.ID, err)
	}
	o.CreditHeld = held
	if held.Equal(o.Amount) {
		// The credit covers it all: pay with the hold, no gateway.
		o.GatewayAmount = decimal.Zero
		if o, err = c.markPaid(ctx, o, held, ""); err != nil {
			return Next{}, err
		}
		o, err = c.drive(ctx, o)
		return Next{Kind: NextDone, Order: o}, err
	}
	return c.startAttempt(ctx, o, MethodTopUpAndPay, gw, "", "")
}

// startAttempt starts a gateway payment of o.GatewayAmount (the price for
// gateway methods). payer and share are set for payment on behalf.
func (c *Client) startAttempt(ctx context.Context, o Order, m Method, gw Gateway, payer, share string) (Next, error) {
	now := c.opts.now()
	if m != MethodTopUpAndPay {
		o.GatewayAmount = o.Amount
		o.CreditHeld = decimal.Zero
	} else {
		o.GatewayAmount = o.Amount.Sub(o.CreditHeld)
	}
	if len(o.Attempts) >= 99 {
		return Next{}, fmt.Errorf("%w: order %s: too many payment attempts", ErrOrderClosed, o.ID)
	}
	a := Attempt{Reference: fmt.Sprintf("%s-%d", o.ID, len(o.Attempts)+1), Gateway: gw.Name(), Amount: o.GatewayAmount,
		Payer: payer, Share: share, StartedAt: now}
	o.Method, o.Gateway, o.State, o.UpdatedAt = m, gw.Name(), StateAwaitingPayment, now
	o.Attempts = append(o.Attempts, a)
	o, err := c.store.UpdateOrder(ctx, o)
	if err != nil {
		return Next{}, err
	}
	email := o.Email
	if payer != "" {
		email = payer
	}
	st, err := gw.Start(ctx, Intent{OrderID: o.ID, Reference: a.Reference, Customer: o.Customer, Payer: payerOf(o, &a), Amount: a.Amount,
		Currency: o.Currency, Description: "Order " + o.ID, ReturnURL: c.baseURL + "/return/" + gw.Name(),
		Email: email, Language: o.Language})
	if err != nil {
		if errors.Is(err, ErrInvalidRequest) || errors.Is(err, ErrPaymentFailed) {
			// The gateway refused before anything was paid.
			o2, err2 := c.applyResult(ctx, o, gw, GatewayResult{Reference: a.Reference, Outcome: OutcomeFailed, Message: err.Error()}, srcStart)
			if err2 != nil {
				return Next{}, errors.Join(err, err2)
			}
			return Next{Kind: NextDone, Order: o2}, fmt.Errorf("%w: %w", ErrPaymentFailed, err)
		}
		// The outcome is unknown (a network error after sending, say): Sweep
		// queries the gateway.
		return Next{}, err
	}
	switch st.Kind {
	case StartRedirect, StartOTP:
		if o, err = c.saveStart(ctx, o, a.Reference, st); err != nil {
			return Next{}, err
		}
		if st.Kind == StartOTP {
			return Next{Kind: NextOTP, Order: o}, nil
		}
		return Next{Kind: NextRedirect, URL: st.URL, Order: o}, nil
	case StartResult:
		r := st.Result
		r.Reference = a.Reference
		return c.finish(ctx, o, gw, r, srcStart)
	}
	return Next{}, &GatewayError{Gateway: gw.Name(), Op: "start", Err: fmt.Errorf("unknown start kind %d", st.Kind)}
}

// saveStart records on o the gateway's answer to the start of its payment
// ref: the page URL, or that it waits for an OTP. Another Client on the
// same Store may have saved the order since o was read (its Sweep queried
// the new payment, say): then the answer is recorded on what that Client
// saved, so that the payer is still sent on, instead of the start being
// lost until the payment times out.
func (c *Client) saveStart(ctx context.Context, o Order, ref string, st Start) (Order, error) {
	for try := 1; ; try++ {
		p, ok := o.attempt(ref)
		if !ok {
			return o, fmt.Errorf("%w: order %s has no payment %s", ErrNotFound, o.ID, ref)
		}
		p.URL, p.OTP = st.URL, st.Kind == StartOTP
		if st.GatewayTxnID != "" {
			p.GatewayTxnID = st.GatewayTxnID
		}
		saved, err := c.store.UpdateOrder(ctx, o)
		if err == nil || !errors.Is(err, ErrConflict) || try == 3 {
			return saved, err
		}
		if o, err = c.store.GetOrder(ctx, o.ID); err != nil {
			return o, err
		}
	}
}

// payerOf is who pays attempt a: the payer's email on behalf, else the customer.
func payerOf(o Order, a *Attempt) string {
	if a.Payer != "" {
		return a.Payer
	}
	return o.Customer
}

// intentOf rebuilds the Intent of a payment from the store, for gateways
// that check results against the payment as sent.
func (c *Client) intentOf(ctx context.Context, reference string) (Intent, error) {
	id, ok := orderOfReference(reference)
	if !ok {
		return Intent{}, fmt.Errorf("%w: reference %q is not one of ours", ErrInvalidCallback, reference)
	}
	o, err := c.store.GetOrder(ctx, id)
	if err != nil {
		return Intent{}, err
	}
	a, ok := o.attempt(reference)
	if !ok {
		return Intent{}, fmt.Errorf("%w: order %s has no payment %s", ErrInvalidCallback, id, reference)
	}
	email := o.Email
	if a.Payer != "" {
		email = a.Payer
	}
	return Intent{OrderID: o.ID, Reference: a.Reference, Customer: o.Customer, Payer: payerOf(o, a), Amount: a.Amount,
		Currency: o.Currency, Description: "Order " + o.ID, ReturnURL: c.baseURL + "/return/" + a.Gateway, Email: email,
		Language: o.Language}, nil
}

// finish applies an immediate result (start or OTP) and says what next.
func (c *Client) finish(ctx context.Context, o Order, gw Gateway, r GatewayResult, src source) (Next, error) {
	id := o.ID
	o, err := c.applyResult(ctx, o, gw, r, src)
	if errors.Is(err, ErrConflict) {
		// Another Client on the same Store saved the order meanwhile (its
		// Sweep or a callback settled this very payment, say): apply the
		// result to what it saved, so that the payer is not told that a
		// payment that went through failed. A result applied twice
		// changes nothing.
		if cur, gerr := c.store.GetOrder(ctx, id); gerr == nil {
			o, err = c.applyResult(ctx, cur, gw, r, src)
		}
	}
	if err != nil {
		return Next{Kind: NextDone, Order: o}, err
	}
	a, _ := o.attempt(r.Reference)
	switch {
	case a != nil && a.Outcome == OutcomeFailed:
		return Next{Kind: NextDone, Order: o}, &GatewayError{Gateway: gw.Name(), Op: "payment",
			Err: fmt.Errorf("%w: %s %s", ErrPaymentFailed, r.Code, r.Message)}
	case a != nil && a.OTP && !a.Outcome.final():
		return Next{Kind: NextOTP, Order: o}, nil
	}
	return Next{Kind: NextDone, Order: o}, nil
}

// SubmitOTP confirms the order's payment that waits for an OTP: the
// requester's own payment. A payer's payment on behalf is confirmed with
// SubmitSharedOTP, which takes the payer's share token.
func (c *Client) SubmitOTP(ctx context.Context, orderID, otp string) (next Next, err error) {
	defer c.export(&next.Order)
	if otp == "" {
		return Next{}, fmt.Errorf("%w: empty otp", ErrInvalidRequest)
	}
	lk := c.locks.lock(orderID)
	defer lk.unlock()
	o, err := c.store.GetOrder(ctx, orderID)
	if err != nil {
		return Next{}, err
	}
	return c.submitOTP(ctx, o, otp, "")
}

// submitOTP submits otp for the latest attempt of o that waits for one and
// was started through the share link share (hex hash; "" for the
// requester's own attempts). The caller holds the order's lock.
func (c *Client) submitOTP(ctx context.Context, o Order, otp, share string) (Next, error) {
	if o.State != StateAwaitingPayment {
		return Next{Kind: NextDone, Order: o}, fmt.Errorf("%w: order %s is %s, not awaiting an otp", ErrOrderClosed, o.ID, o.State)
	}
	for i := len(o.Attempts) - 1; i >= 0; i-- {
		a := o.Attempts[i]
		if !a.OTP || a.Outcome.final() || a.Review || a.Share != share {
			continue
		}
		gw, ok := c.gateways[a.Gateway]
		if !ok {
			return Next{}, fmt.Errorf("%w: %q", ErrUnknownGateway, a.Gateway)
		}
		r, err := gw.SubmitOTP(ctx, OTPRequest{Reference: a.Reference, GatewayTxnID: a.GatewayTxnID, Payer: payerOf(o, &a), OTP: otp})
		if err != nil {
			if errors.Is(err, ErrPaymentFailed) {
				return c.finish(ctx, o, gw, GatewayResult{Reference: a.Reference, Outcome: OutcomeFailed, Message: err.Error()}, srcOTP)
			}
			// A refused OTP may have ended the payment (VinID fails it
			// after its last try, or at the OTP's expiry, answering with
			// the same code as a retryable wrong OTP). Ask the gateway, so
			// that the payer is not sent back to an OTP form that can no
			// longer succeed.
			if q, qerr := gw.Query(ctx, a.Reference); qerr == nil && q.Outcome == OutcomeFailed {
				q.Reference = a.Reference
				return c.finish(ctx, o, gw, q, srcQuery)
			}
			return Next{Kind: NextOTP, Order: o}, err
		}
		r.Reference = a.Reference
		return c.finish(ctx, o, gw, r, srcOTP)
	}
	return Next{Kind: NextDone, Order: o}, fmt.Errorf("%w: order %s waits for no otp", ErrInvalidRequest, o.ID)
}

// CreditHistory returns a page of a customer's Credit History in the
// default currency (from the ledger): empty, and no error, for a customer
// whose wallet was never opened.
func (c *Client) CreditHistory(ctx context.Context, customer string, q wallet.HistoryQuery) (wallet.CreditPage, error) {
	p, err := c.credits[c.currency].History(ctx, customer, q)
	if errors.Is(err, wallet.ErrAccountNotFound) {
		return wallet.CreditPage{Next: q.After}, nil
	}
	return p, err
}

// PaymentHistory returns a page of a customer's Payment History.
func (c *Client) PaymentHistory(ctx context.Context, customer string, q PageQuery) (PaymentPage, error) {
	return c.store.Payments(ctx, customer, q)
}

// BillingHistory returns a page of a customer's Billing History.
func (c *Client) BillingHistory(ctx context.Context, customer string, q PageQuery) (InvoicePage, error) {
	return c.store.Invoices(ctx, customer, q)
}

// keyedMutex is a mutex per key, created on demand and dropped when free.
// Free entries are kept for reuse (each holds a channel).
type keyedMutex struct {
	mu   sync.Mutex
	m    map[string]*keyedEntry
	free []*keyedEntry
}

// maxFreeEntries bounds the entries kept for reuse.
const maxFreeEntries = 64

type keyedEntry struct {
	ch   chan struct{} // holds a token while locked
	refs int
}

func (k *keyedMutex) entry(key string) *keyedEntry {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil {
		k.m = map[string]*keyedEntry{}
	}
	e := k.m[key]
	if e == nil {
		if n := len(k.free); n > 0 {
			e, k.free = k.free[n-1], k.free[:n-1]
		} else {
			e = &keyedEntry{ch: make(chan struct{}, 1)}
		}
		k.m[key] = e
	}
	e.refs++
	return e
}

func (k *keyedMutex) release(key string, e *keyedEntry) {
	k.mu.Lock()
	e.refs--
	if e.refs == 0 {
		delete(k.m, key)
		// Free means no holder and no waiter: its channel is empty.
		if len(k.free) < maxFreeEntries {
			k.free = append(k.free, e)
		}
	}
	k.mu.Unlock()
}

// keyedLock is a held lock of a keyedMutex.
type keyedLock struct {
	k   *keyedMutex
	key string
	e   *keyedEntry
}

// unlock releases the lock.
func (l keyedLock) unlock() {
	<-l.e.ch
	l.k.release(l.key, l.e)
}

func (k *keyedMutex) lock(key string) keyedLock {
	e := k.entry(key)
	e.ch <- struct{}{}
	return keyedLock{k: k, key: key, e: e}
}

// lockWait is lock that gives up after wait or when ctx ends.
func (k *keyedMutex) lockWait(ctx context.Context, key string, wait time.Duration) (keyedLock, bool) {
	e := k.entry(key)
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case e.ch <- struct{}{}:
		return keyedLock{k: k, key: key, e: e}, true
	case <-t.C:
	case <-ctx.Done():
	}
	k.release(key, e)
	return keyedLock{}, false
}
