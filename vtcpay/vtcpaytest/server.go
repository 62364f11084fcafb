package vtcpaytest

import (
	"context"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/thanhtoan/thanhtoan/signing"
)

// Test credentials the fake uses for every Config field left empty. They are
// made up for tests; they are no merchant's.
const (
	DefaultWebsiteID       = 123456
	DefaultSecretKey       = "Thanhtoan2026SecretKey"
	DefaultReceiverAccount = "0963465816"
	DefaultKeySign         = "TestKeySign2026"
	DefaultMinAmount       = 1000 // VND
)

// BasePath is the path under which the fake serves, as the real gateway
// serves under /portalgateway (sandbox) or /bank-gateway (production). A
// client that drops its base URL's path fails against the fake.
const BasePath = "/portalgateway"

// Endpoint names for Calls.
const (
	EndpointCheckout    = "checkout.html"
	EndpointSubmit      = "checkout/submit"
	EndpointOrderStatus = "VTCPayGetOrderStatus"
	EndpointSaleHistory = "MerchantSaleHistoryGetList"
	EndpointRefund      = "RefundMoneyVTC"
)

// Body and header caps.
const (
	maxFormBytes   = 64 << 10
	maxAPIBytes    = 256 << 10
	maxHeaderBytes = 64 << 10
)

// Config is the merchant the fake knows: one integrated website with its
// secret key, receiving account and API key. Fields left empty take the
// Default* test values.
type Config struct {
	WebsiteID       int
	SecretKey       signing.Secret
	ReceiverAccount string
	KeySign         signing.Secret
	// ReceivingURL is the website's "Url Receiving": where the fake POSTs the
	// server notification after a payment, and where it sends the payer back
	// when the checkout had no url_return. The fake POSTs only to loopback
	// hosts. Empty: no POST, and no return without url_return.
	ReceivingURL string
	// MinAmount is the smallest VND amount a checkout may have; smaller ones
	// are refused with -22. Zero means DefaultMinAmount.
	MinAmount int64
}

// DefaultConfig returns the fake's test merchant.
func DefaultConfig() Config {
	return Config{
		WebsiteID:       DefaultWebsiteID,
		SecretKey:       signing.NewSecret(DefaultSecretKey),
		ReceiverAccount: DefaultReceiverAccount,
		KeySign:         signing.NewSecret(DefaultKeySign),
		MinAmount:       DefaultMinAmount,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.WebsiteID <= 0 {
		c.WebsiteID = d.WebsiteID
	}
	if c.SecretKey.IsZero() {
		c.SecretKey = d.SecretKey
	}
	if c.ReceiverAccount == "" {
		c.ReceiverAccount = d.ReceiverAccount
	}
	if c.KeySign.IsZero() {
		c.KeySign = d.KeySign
	}
	if c.MinAmount <= 0 {
		c.MinAmount = d.MinAmount
	}
	return c
}

// Option changes how the fake behaves.
type Option func(*options)

type options struct {
	clock        func() time.Time
	notifyClient *http.Client
	noNotify     bool
	messages     map[int]string
	firstID      int64
	knownShape   bool
}

// WithClock sets the fake's clock: transaction times and the sales history
// use it. The default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(o *options) {
		if now != nil {
			o.clock = now
		}
	}
}

// WithNotifyClient sets the HTTP client the fake POSTs notifications with.
// The fake uses a copy; the default has its own transport and a 10s timeout.
func WithNotifyClient(hc *http.Client) Option {
	return func(o *options) {
		if hc != nil {
			c := *hc
			o.notifyClient = &c
		}
	}
}

// WithoutNotify stops the fake from POSTing notifications to the receiving
// URL after a payment (a notification that never comes). Notification and
// Deliver still work.
func WithoutNotify() Option {
	return func(o *options) { o.noNotify = true }
}

// WithMessage sets the message returned with a status instead of the
// default one. A message may hold "|", which breaks the notification's
// 7-field data apart, as a real message could.
func WithMessage(status int, message string) Option {
	return func(o *options) { o.messages[status] = message }
}

// WithFirstTransactionID sets the first VTC transaction number
// (trans_ref_no) the fake hands out; the next ones follow it. Default 100001.
func WithFirstTransactionID(id int64) Option {
	return func(o *options) {
		if id > 0 {
			o.firstID = id
		}
	}
}

// WithKnownOrderStatusShape makes VTCPayGetOrderStatus answer in the only
// shape public integrations show, {"ListOrderStatus":[{"Status":n}]}: one
// line per known order asked, in the order asked, with no order code,
// amount or any other field. A client must cope with it (the fuller answer is
// the fake's model).
func WithKnownOrderStatusShape() Option {
	return func(o *options) { o.knownShape = true }
}

// Server is a fake VTC Pay gateway on an httptest.Server bound to loopback.
// It is safe for concurrent use.
type Server struct {
	cfg          Config
	ts           *httptest.Server
	clock        func() time.Time
	notifyClient *http.Client
	ownTransport *http.Transport // closed with the server when the fake made it
	noNotify     bool
	knownShape   bool
	messages     map[int]string // read-only after NewServer
	pages        *template.Template

	mu            sync.Mutex
	nextID        int64
	txns          map[string]*txn // by reference_number
	order         []string        // references, oldest first
	calls         map[string]int
	notifications []Delivery
}

// txn is a transaction as the fake keeps it.
type txn struct {
	Transaction
	minor         int64 // amount in minor units
	refundedMinor int64
	submitted     bool
}

// Transaction is one checkout the fake accepted, as VTC Pay records it.
type Transaction struct {
	Reference   string     // reference_number
	TransRefNo  string     // VTC's transaction number (trans_ref_no)
	Amount      string     // amount exactly as the merchant sent it
	Currency    string     // VND or USD
	PaymentType string     // payment method reported back
	Status      int        // current status, 0 until the payer decides
	Message     string     // message of the last result
	ReturnURL   string     // where the payer is sent back ("" for none)
	Refunded    string     // total refunded, in the transaction's currency ("0" for none)
	CreatedAt   time.Time  // when the checkout was opened (fake clock)
	Params      url.Values // the checkout's parameters as received
}

// NewServer starts a fake gateway on a loopback port. Empty Config fields
// take the Default* test values. Close it when done.
func NewServer(cfg Config, opts ...Option) *Server {
	o := options{clock: time.Now, messages: map[int]string{}, firstID: 100001}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	s := &Server{
		cfg:        cfg.withDefaults(),
		clock:      o.clock,
		noNotify:   o.noNotify,
		knownShape: o.knownShape,
		messages:   o.messages,
		pages:      template.Must(template.New("pages").Parse(pagesHTML)),
		nextID:     o.firstID,
		txns:       map[string]*txn{},
		calls:      map[string]int{},
	}
	if o.notifyClient != nil {
		s.notifyClient = o.notifyClient
	} else {
		s.ownTransport = &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second}
		s.notifyClient = &http.Client{Transport: s.ownTransport, Timeout: 10 * time.Second}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+BasePath+"/checkout.html", s.handleCheckout)
	mux.HandleFunc("POST "+BasePath+"/checkout/submit", s.handleSubmit)
	mux.HandleFunc(BasePath+"/api/AccountApi/{op}", s.handleAPI)
	s.ts = httptest.NewUnstartedServer(mux)
	s.ts.Config.MaxHeaderBytes = maxHeaderBytes
	s.ts.Config.ReadHeaderTimeout = 10 * time.Second
	s.ts.Start()
	return s
}

// NewTestServer starts a fake gateway that is closed when t's test ends.
func NewTestServer(t testing.TB, cfg Config, opts ...Option) *Server {
	t.Helper()
	s := NewServer(cfg, opts...)
	t.Cleanup(s.Close)
	return s
}

// URL is the fake's gateway root, to give the client as its base URL:
// checkout.html and api/AccountApi/... are under it.
func (s *Server) URL() string { return s.ts.URL + BasePath }

// Config returns the merchant configuration the fake uses, defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// Client returns an HTTP client for the fake's server (loopback).
func (s *Server) Client() *http.Client { return s.ts.Client() }

// Close shuts the fake down and waits for its requests to finish.
func (s *Server) Close() {
	s.ts.Close()
	if s.ownTransport != nil {
		s.ownTransport.CloseIdleConnections()
	}
}

// Calls reports how many requests reached an endpoint (Endpoint*), whatever
// their outcome.
func (s *Server) Calls(endpoint string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[endpoint]
}

func (s *Server) count(endpoint string) {
	s.mu.Lock()
	s.calls[endpoint]++
	s.mu.Unlock()
}

// Transaction returns the transaction with a reference number.
func (s *Server) Transaction(reference string) (Transaction, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.txns[reference]
	if !ok {
		return Transaction{}, false
	}
	return t.snapshot(), true
}

// Transactions returns every transaction, oldest first.
func (s *Server) Transactions() []Transaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Transaction, 0, len(s.order))
	for _, ref := range s.order {
		out = append(out, s.txns[ref].snapshot())
	}
	return out
}

func (t *txn) snapshot() Transaction {
	c := t.Transaction
	c.Params = cloneValues(t.Params)
	c.Refunded = formatMinor(t.Currency, t.refundedMinor)
	return c
}

// SetStatus changes a transaction's status, as VTC's admins do when they
// decide a transaction under review (7) or cancel one (-3). It sends nothing:
// call Notify or Deliver for the notification VTC would send.
func (s *Server) SetStatus(reference string, status int) error {
	if !knownStatus(status) {
		return fmt.Errorf("vtcpaytest: set status: %d is not a status of the table", status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.txns[reference]
	if !ok {
		return fmt.Errorf("vtcpaytest: set status: no transaction %q", clip(reference))
	}
	t.Status = status
	t.Message = s.message(status)
	t.submitted = true
	return nil
}

// message is the message sent with a status.
func (s *Server) message(status int) string {
	if m, ok := s.messages[status]; ok {
		return m
	}
	return defaultMessage(status)
}

func (s *Server) rules() checkoutRules {
	return checkoutRules{
		websiteID:       s.cfg.WebsiteID,
		secret:          s.cfg.SecretKey.Reveal(),
		receiverAccount: s.cfg.ReceiverAccount,
		receivingURL:    s.cfg.ReceivingURL,
		minAmount:       s.cfg.MinAmount,
	}
}

// returnValues is the signed query of the browser return.
func (s *Server) returnValues(amount, message, paymentType, reference string, status int, transRefNo string) url.Values {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("amount", amount)
	set("message", message)
	set("payment_type", paymentType)
	set("reference_number", reference)
	set("status", strconv.Itoa(status))
	set("trans_ref_no", transRefNo)
	set("website_id", strconv.Itoa(s.cfg.WebsiteID))
	v.Set("signature", paramsSignature(s.cfg.SecretKey.Reveal(), v))
	return v
}

// returnTo adds the return query to the merchant's return URL, keeping the
// URL's own query parameters (they are not signed).
func returnTo(base string, v url.Values) string {
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	q := u.Query()
	for k, vals := range v {
		q[k] = slices.Clone(vals)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vals := range v {
		out[k] = slices.Clone(vals)
	}
	return out
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// isLoopback reports whether a URL's host is a loopback name or address.
func isLoopback(u *url.URL) bool {
	h := u.Hostname()
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
