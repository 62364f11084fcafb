package vinidpaytest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"time"

	"github.com/thanhtoan/thanhtoan/signing"
	"github.com/thanhtoan/thanhtoan/vinidpay"
)

// Meta codes. The 40x/500 codes are VinID's published ones; the 422xxxx
// codes are the fake's own (VinID publishes none for these business
// failures) and are not known to the vinidpay package.
const (
	CodeOK                  = 200
	CodeSystemError         = 5000001
	CodeInvalidData         = 4000001
	CodeAuthFailed          = 4010001
	CodeTimestampNotNumber  = 4010002
	CodeTimestampInFuture   = 4010003
	CodeRequestExpired      = 4010004
	CodeNonceInvalid        = 4010005
	CodeNonceReused         = 4010006
	CodeNotFound            = 4040001
	CodeRefundNotAllowed    = 4000801
	CodeInsufficientBalance = 4220001
	CodeWrongOTP            = 4220002
	CodeOTPExpired          = 4220003
	CodeLinkExpired         = 4220004
	CodeRefundExceeds       = 4220005
	CodeDuplicate           = 4220006
	CodeLinkCancelled       = 4220007
)

// Errors of the fake's test-facing methods.
var (
	ErrUnknownLink = errors.New("vinidpaytest: unknown link")
	ErrLinkExpired = errors.New("vinidpaytest: link expired")
	ErrLinkUsed    = errors.New("vinidpaytest: link already confirmed")
	ErrUnknownUser = errors.New("vinidpaytest: unknown user")
	// ErrLinkCancelled: the customer cancelled the link on its page.
	ErrLinkCancelled = errors.New("vinidpaytest: link cancelled")
)

// Delivery says how the fake delivers callbacks.
type Delivery int

const (
	// DeliverOnce (default) delivers each callback once.
	DeliverOnce Delivery = iota
	// DeliverTwice delivers each callback twice (at-least-once delivery).
	DeliverTwice
	// DeliverNever drops callbacks, as on a merchant that VinID cannot
	// reach: the merchant must poll LinkStatus or QueryOrder.
	DeliverNever
)

// Config identifies the one merchant the fake serves.
type Config struct {
	// PartnerCode, MerchantCode and KeyCode default to "PARTNER01",
	// "MERCHANT01" and a random UUID-like code.
	PartnerCode  string
	MerchantCode string
	KeyCode      string
	// Keys defaults to freshly generated keys (slow: share them in tests).
	Keys *Keys
}

// Option sets a knob of the fake.
type Option func(*Server)

// WithClock sets the fake's clock (default time.Now).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.clock = now } }

// WithOTPThreshold sets X: a payment of X dong or more asks for an OTP
// (default 1,000,000).
func WithOTPThreshold(x int64) Option { return func(s *Server) { s.otpThreshold = x } }

// WithLinkExpiry sets how long a link may be confirmed (default 15 minutes,
// whole minutes on the wire).
func WithLinkExpiry(d time.Duration) Option { return func(s *Server) { s.linkExpiry = d } }

// WithOTPExpiry sets how long an OTP is valid (default 5 minutes).
func WithOTPExpiry(d time.Duration) Option { return func(s *Server) { s.otpExpiry = d } }

// WithClockSkew lets X-Timestamp run ahead of the fake's clock by d
// (default 0: a timestamp in the future is refused, as VinID documents).
func WithClockSkew(d time.Duration) Option { return func(s *Server) { s.skew = d } }

// WithoutResponseSignatures stops the fake from signing its responses.
func WithoutResponseSignatures() Option { return func(s *Server) { s.signResponses = false } }

// WithoutRefundWindow lets refunds through at any time (by default the fake
// enforces VinID's period: until 09:09:59 on the day after the payment,
// Vietnam time).
func WithoutRefundWindow() Option { return func(s *Server) { s.refundWindow = false } }

// WithLinkReturnURL sets where the link page sends the customer's browser
// (303 See Other) after they confirm or cancel: fn gets the link id and the
// merchant's partner_user_id and returns an absolute http(s) URL of the
// merchant's site. It is the host's own configuration, never read from a
// request. Without it (or when fn returns ""), the link page shows the
// outcome itself.
func WithLinkReturnURL(fn func(linkID, partnerUserID string) string) Option {
	return func(s *Server) { s.linkReturnURL = fn }
}

// Server is a fake VinID Pay on an httptest.Server (loopback only). It holds
// users and wallets, links, transactions and refunds; it verifies every
// request's header signature (and refuses reused nonces) and body signature
// with the merchant's public key, exactly as the client must produce them,
// and signs its callbacks and responses with VinID's key.
type Server struct {
	*httptest.Server

	partnerCode, merchantCode, keyCode string
	keys                               *Keys

	clock         func() time.Time
	otpThreshold  int64
	linkExpiry    time.Duration
	otpExpiry     time.Duration
	skew          time.Duration
	signResponses bool
	refundWindow  bool
	maxOTPTries   int
	linkReturnURL func(linkID, partnerUserID string) string
	pages         *template.Template

	mu              sync.Mutex
	seq             int
	nonces          map[string]time.Time
	users           map[string]*user
	links           map[string]*link
	tokens          map[string]*link
	txns            map[string]*txn
	invoices        map[string]*txn
	refunds         map[string]*refund
	merchantBalance int64
	delivery        Delivery
	linkHandler     http.Handler
	paymentHandler  http.Handler
	paymentURL      string
	deliveries      []DeliveryRecord
	failNext        map[string][]injected
	sms             []SMS
	dropNext        map[string]int
}

type user struct {
	id, phone string
	balance   int64
}

type link struct {
	id, partnerUserID, callbackURL string
	created, expires               time.Time
	userID, token                  string
	unlinked, cancelled            bool
}

type txn struct {
	id, ref, invoice, token, userID, walletNumber string
	partnerUserID                                 string
	amount, points                                int64
	holding                                       bool
	status                                        string
	verification                                  int
	otp                                           string
	otpExpires                                    time.Time
	otpTries                                      int
	created, updated                              time.Time
	paidAt                                        time.Time
	refunded                                      int64
}

type refund struct {
	id, ref, orderID string
	amount           int64
}

type injected struct{ httpStatus, code int }

// DeliveryRecord is one callback delivery attempt.
type DeliveryRecord struct {
	// Kind is "link" or "payment".
	Kind string
	// URL is the callback URL with its signed query.
	URL string
	// Status is the HTTP status the handler answered (0: no handler set).
	Status int
}

// NewServer starts a fake for cfg. Close it when done.
func NewServer(cfg Config, opts ...Option) (*Server, error) {
	if cfg.PartnerCode == "" {
		cfg.PartnerCode = "PARTNER01"
	}
	if cfg.MerchantCode == "" {
		cfg.MerchantCode = "MERCHANT01"
	}
	if cfg.KeyCode == "" {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("vinidpaytest: key code: %w", err)
		}
		h := hex.EncodeToString(b[:])
		cfg.KeyCode = h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	}
	if cfg.Keys == nil {
		k, err := GenerateKeys()
		if err != nil {
			return nil, err
		}
		cfg.Keys = k
	}
	if cfg.Keys.Merchant == nil || cfg.Keys.VinID == nil {
		return nil, errors.New("vinidpaytest: keys need both a merchant and a vinid key")
	}
	s := &Server{
		partnerCode: cfg.PartnerCode, merchantCode: cfg.MerchantCode, keyCode: cfg.KeyCode, keys: cfg.Keys,
		clock: time.Now, otpThreshold: 1_000_000, linkExpiry: 15 * time.Minute, otpExpiry: 5 * time.Minute,
		signResponses: true, refundWindow: true, maxOTPTries: 3,
		nonces: map[string]time.Time{}, users: map[string]*user{}, links: map[string]*link{}, tokens: map[string]*link{},
		txns: map[string]*txn{}, invoices: map[string]*txn{}, refunds: map[string]*refund{},
		failNext: map[string][]injected{}, dropNext: map[string]int{},
		paymentURL: "https://merchant.example/vinidpay/ipn",
		pages:      template.Must(template.New("pages").Parse(pagesHTML)),
	}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	s.Server = httptest.NewServer(s.routes())
	return s, nil
}

// ClientConfig returns the vinidpay.Config of the fake's merchant.
func (s *Server) ClientConfig() vinidpay.Config {
	return vinidpay.Config{
		PartnerCode:    s.partnerCode,
		MerchantCode:   s.merchantCode,
		KeyCode:        signing.NewSecret(s.keyCode),
		PrivateKey:     signing.NewSecret(PrivateKeyPEM(s.keys.Merchant)),
		VinIDPublicKey: PublicKeyPEM(&s.keys.VinID.PublicKey),
	}
}

// NewClient returns a vinidpay.Client for the fake's merchant that talks to
// the fake (through the fake's own HTTP client). More options may follow,
// for example vinidpay.WithClock.
func (s *Server) NewClient(opts ...vinidpay.Option) (*vinidpay.Client, error) {
	base := []vinidpay.Option{vinidpay.WithBaseURL(s.URL), vinidpay.WithHTTPClient(s.Client())}
	return vinidpay.New(s.ClientConfig(), append(base, opts...)...)
}

// Keys returns the fake's keys.
func (s *Server) Keys() *Keys { return s.keys }

// KeyCode returns the X-Key-Code the fake expects.
func (s *Server) KeyCode() string { return s.keyCode }

func (s *Server) now() time.Time { return s.clock() }

func (s *Server) nextID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s%08d", prefix, s.seq)
}

func randomDigits(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		// crypto/rand does not fail on supported platforms; fall back to a
		// fixed OTP rather than panic.
		return "000000"[:n]
	}
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b)
}

// AddUser creates a VinID user with a wallet holding balance dong and
// returns the user's id.
func (s *Server) AddUser(phone string, balance int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextID("U")
	s.users[id] = &user{id: id, phone: phone, balance: balance}
	return id
}

// SetBalance sets a user's wallet balance.
func (s *Server) SetBalance(userID string, balance int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[userID]
	if !ok {
		return ErrUnknownUser
	}
	u.balance = balance
	return nil
}

// Balance returns a user's available wallet balance.
func (s *Server) Balance(userID string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[userID]
	if !ok {
		return 0, ErrUnknownUser
	}
	return u.balance, nil
}

// MerchantBalance returns what the merchant has been paid (settled
// payments less refunds).
func (s *Server) MerchantBalance() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.merchantBalance
}

// HeldBalance returns the money VinID holds for the merchant's held
// (holding_enabled) transactions.
func (s *Server) HeldBalance() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for _, t := range s.txns {
		if t.status == statusHolding {
			n += t.amount
		}
	}
	return n
}

// TransactionInfo is the fake's view of a transaction.
type TransactionInfo struct {
	ID, InvoiceNo, Status string
	Amount, Refunded      int64
	Holding               bool
}

// Transaction returns a transaction by VinID transaction id.
func (s *Server) Transaction(id string) (TransactionInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.txns[id]
	if !ok {
		return TransactionInfo{}, false
	}
	return TransactionInfo{ID: t.id, InvoiceNo: t.invoice, Status: t.status, Amount: t.amount, Refunded: t.refunded, Holding: t.holding}, true
}

// OTP returns the OTP the fake "sent by SMS" for a transaction waiting for
// one.
func (s *Server) OTP(transactionID string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.txns[transactionID]
	if !ok || t.otp == "" {
		return "", false
	}
	return t.otp, true
}

// SetOTPThreshold changes X while the fake runs.
func (s *Server) SetOTPThreshold(x int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.otpThreshold = x
}

// SetDelivery sets how callbacks are delivered from now on.
func (s *Server) SetDelivery(d Delivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delivery = d
}

// HandleLinkCallbacks delivers link callbacks in-process to h (the
// merchant's handler for the link's callback_url).
func (s *Server) HandleLinkCallbacks(h http.Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.linkHandler = h
}

// HandlePaymentCallbacks delivers payment notifications in-process to h
// (the merchant's IPN handler, configured in VinID's Merchant Site).
func (s *Server) HandlePaymentCallbacks(h http.Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.paymentHandler = h
}

// Deliveries returns every callback delivery so far, oldest first.
func (s *Server) Deliveries() []DeliveryRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]DeliveryRecord(nil), s.deliveries...)
}

// FailNext makes the next request to path (for example
// vinidpay.PathQueryOrder) answer httpStatus with meta.code code, before
// anything is processed. Calls queue up.
func (s *Server) FailNext(path string, httpStatus, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext[path] = append(s.failNext[path], injected{httpStatus, code})
}

// DropResponseNext makes the next request to path be processed in full and
// then answered by closing the connection: the client cannot know the
// outcome.
func (s *Server) DropResponseNext(path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropNext[path]++
}

// Nonces returns the number of nonces remembered (those of the last 2
// hours).
func (s *Server) Nonces() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pruneNonces()
	return len(s.nonces)
}

// Links returns the ids of all links, sorted.
func (s *Server) Links() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.links))
	for id := range s.links {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
