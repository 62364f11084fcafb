package vinidpay

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/thanhtoan/thanhtoan/signing"
)

// Config holds a merchant's VinID Pay credentials. Printing or logging a
// Config never shows the key code or the private key.
type Config struct {
	// PartnerCode is partner_code, the merchant's identifier at VinID Pay.
	PartnerCode string
	// MerchantCode is merchant_code, the merchant's identifier at VinID.
	MerchantCode string
	// KeyCode is the X-Key-Code made in VinID's Merchant Site.
	KeyCode signing.Secret
	// PrivateKey is the merchant's RSA private key (at least 2048 bits) as
	// PEM (PKCS#1 or PKCS#8) or bare base64 DER. It signs every request.
	PrivateKey signing.Secret
	// VinIDPublicKey is VinID's RSA public key as PEM (PKIX, PKCS#1 or a
	// certificate) or bare base64 DER. It verifies callbacks and signed
	// responses. More keys, for rotation: WithAdditionalVinIDPublicKey.
	VinIDPublicKey string
}

// Environment selects VinID's hosts. The zero value is Production.
type Environment int

// Environments.
const (
	// Production: https://api-payment.vinid.net (linked-account APIs; the
	// host is unconfirmed, see the package doc) and
	// https://api-merchant.vinid.net (query, refund).
	Production Environment = iota
	// UAT: https://api-payment-uat.vinid.dev (the seed's host) and
	// https://api-merchant-sandbox.vinid.dev.
	UAT
)

// Sandbox is another name for UAT, VinID's integration environment.
const Sandbox = UAT

func (e Environment) hosts() (payment, merchant string, ok bool) {
	switch e {
	case Production:
		return "https://api-payment.vinid.net", "https://api-merchant.vinid.net", true
	case UAT:
		return "https://api-payment-uat.vinid.dev", "https://api-merchant-sandbox.vinid.dev", true
	}
	return "", "", false
}

// ResponseVerification says what to do with the signature of a response.
// VinID states that it signs data in and out, but publishes no response
// format; the package checks an X-Signature header over
// {path};{method};{request nonce};{response X-Timestamp};{key code};{body}
// with VinID's key (the request rule, bound to the request's nonce).
type ResponseVerification int

const (
	// VerifyResponsesIfSigned (default): a response that carries
	// X-Signature must verify; one without it is accepted.
	VerifyResponsesIfSigned ResponseVerification = iota
	// RequireSignedResponses: every response must carry a valid
	// X-Signature, or the call fails with ErrInvalidSignature.
	RequireSignedResponses
)

// DefaultMaxBodyBytes caps the response and callback bodies read.
const DefaultMaxBodyBytes = 1 << 20

// Option configures a Client. Options validate their argument and may fail.
type Option func(*options) error

type options struct {
	env             Environment
	baseURL         string
	merchantBaseURL string
	httpClient      *http.Client
	clock           func() time.Time
	nonce           func() (string, error)
	logger          *slog.Logger
	queryRetries    int
	retryWait       time.Duration
	extraKeys       []*rsa.PublicKey
	respVerify      ResponseVerification
	maxBody         int64
}

// WithEnvironment selects Production (the default) or UAT.
func WithEnvironment(env Environment) Option {
	return func(o *options) error {
		if _, _, ok := env.hosts(); !ok {
			return fmt.Errorf("%w: unknown environment %d", ErrInvalidConfig, int(env))
		}
		o.env = env
		return nil
	}
}

// WithBaseURL sends every request (linked-account and merchant APIs) to
// rawURL, an absolute http(s) URL, for example a vinidpaytest server.
func WithBaseURL(rawURL string) Option {
	return func(o *options) error {
		u, err := checkBaseURL(rawURL)
		if err != nil {
			return err
		}
		o.baseURL = u
		return nil
	}
}

// WithMerchantAPIBaseURL sends the merchant-integration requests (order
// query, refund) to rawURL; it overrides WithBaseURL for those.
func WithMerchantAPIBaseURL(rawURL string) Option {
	return func(o *options) error {
		u, err := checkBaseURL(rawURL)
		if err != nil {
			return err
		}
		o.merchantBaseURL = u
		return nil
	}
}

func checkBaseURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("%w: base url must be an absolute http(s) url without query, got %q", ErrInvalidConfig, raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// WithHTTPClient uses a copy of hc for requests. hc itself is never
// modified. A client without a Transport gets a fresh one, never
// http.DefaultTransport's shared state through http.DefaultClient.
func WithHTTPClient(hc *http.Client) Option {
	return func(o *options) error {
		if hc == nil {
			return fmt.Errorf("%w: nil http client", ErrInvalidConfig)
		}
		c := *hc
		o.httpClient = &c
		return nil
	}
}

// WithClock sets the time source for X-Timestamp and order_created_at.
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return fmt.Errorf("%w: nil clock", ErrInvalidConfig)
		}
		o.clock = now
		return nil
	}
}

// WithNonceSource sets the X-Nonce generator. The default is a random UUID
// (version 4) from crypto/rand. Nonces must never repeat within 2 hours.
func WithNonceSource(next func() (string, error)) Option {
	return func(o *options) error {
		if next == nil {
			return fmt.Errorf("%w: nil nonce source", ErrInvalidConfig)
		}
		o.nonce = next
		return nil
	}
}

// WithLogger sets the logger for request diagnostics (operation, path,
// status, attempt, duration; never a token, key or signature). The default
// discards.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return fmt.Errorf("%w: nil logger", ErrInvalidConfig)
		}
		o.logger = l
		return nil
	}
}

// WithQueryRetries sets how many times a query (LinkStatus, QueryOrder) is
// retried after a network error or a 5xx answer, waiting wait, then twice
// that, and so on. Each retry has a fresh nonce and signature. The default
// is 2 retries after 200ms. Payments, confirmations, refunds and unlinking
// are never retried.
func WithQueryRetries(n int, wait time.Duration) Option {
	return func(o *options) error {
		if n < 0 || n > 10 || wait < 0 {
			return fmt.Errorf("%w: query retries must be 0..10 with a non-negative wait", ErrInvalidConfig)
		}
		o.queryRetries, o.retryWait = n, wait
		return nil
	}
}

// WithAdditionalVinIDPublicKey adds a VinID public key (PEM or base64 DER)
// accepted for callbacks and responses, for key rotation.
func WithAdditionalVinIDPublicKey(key string) Option {
	return func(o *options) error {
		k, err := signing.ParsePublicKey([]byte(key))
		if err != nil {
			return fmt.Errorf("%w: additional vinid public key: %w", ErrInvalidConfig, err)
		}
		o.extraKeys = append(o.extraKeys, k)
		return nil
	}
}

// WithResponseVerification sets how response signatures are checked.
func WithResponseVerification(mode ResponseVerification) Option {
	return func(o *options) error {
		if mode != VerifyResponsesIfSigned && mode != RequireSignedResponses {
			return fmt.Errorf("%w: unknown response verification mode %d", ErrInvalidConfig, int(mode))
		}
		o.respVerify = mode
		return nil
	}
}

// WithMaxBodyBytes caps the bytes read from a response or callback body
// (default DefaultMaxBodyBytes). A larger body is ErrMalformed.
func WithMaxBodyBytes(n int64) Option {
	return func(o *options) error {
		if n < 1024 || n > 64<<20 {
			return fmt.Errorf("%w: max body bytes must be 1KiB..64MiB", ErrInvalidConfig)
		}
		o.maxBody = n
		return nil
	}
}

// Client talks to VinID Pay for one merchant. It is immutable and safe for
// concurrent use.
type Client struct {
	partnerCode  string
	merchantCode string
	keyCode      signing.Secret
	key          *rsa.PrivateKey
	vinidKeys    []*rsa.PublicKey

	paymentBase  string
	merchantBase string
	http         *resty.Client
	clock        func() time.Time
	nonce        func() (string, error)
	log          *slog.Logger
	queryRetries int
	retryWait    time.Duration
	respVerify   ResponseVerification
	maxBody      int64
}

// New checks cfg and the options and returns a Client. Keys are parsed
// here: a malformed or short key fails now, not on the first payment.
func New(cfg Config, opts ...Option) (*Client, error) {
	o := options{queryRetries: 2, retryWait: 200 * time.Millisecond, maxBody: DefaultMaxBodyBytes}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	switch {
	case strings.TrimSpace(cfg.PartnerCode) == "":
		return nil, fmt.Errorf("%w: partner code is required", ErrInvalidConfig)
	case strings.TrimSpace(cfg.MerchantCode) == "":
		return nil, fmt.Errorf("%w: merchant code is required", ErrInvalidConfig)
	case cfg.KeyCode.IsZero():
		return nil, fmt.Errorf("%w: key code is required", ErrInvalidConfig)
	case cfg.PrivateKey.IsZero():
		return nil, fmt.Errorf("%w: private key is required", ErrInvalidConfig)
	case strings.TrimSpace(cfg.VinIDPublicKey) == "":
		return nil, fmt.Errorf("%w: vinid public key is required", ErrInvalidConfig)
	}
	if strings.ContainsAny(cfg.KeyCode.Reveal(), ";\r\n") || strings.ContainsAny(cfg.PartnerCode+cfg.MerchantCode, "|\r\n") {
		return nil, fmt.Errorf("%w: codes must not contain separators or line breaks", ErrInvalidConfig)
	}
	key, err := signing.ParsePrivateKey([]byte(cfg.PrivateKey.Reveal()))
	if err != nil {
		return nil, fmt.Errorf("%w: private key: %w", ErrInvalidConfig, err)
	}
	pub, err := signing.ParsePublicKey([]byte(cfg.VinIDPublicKey))
	if err != nil {
		return nil, fmt.Errorf("%w: vinid public key: %w", ErrInvalidConfig, err)
	}
	payment, merchant, _ := o.env.hosts()
	if o.baseURL != "" {
		payment, merchant = o.baseURL, o.baseURL
	}
	if o.merchantBaseURL != "" {
		merchant = o.merchantBaseURL
	}
	hc := o.httpClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	if o.clock == nil {
		o.clock = time.Now
	}
	if o.nonce == nil {
		o.nonce = randomNonce
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	rc := resty.NewWithClient(hc).
		SetLogger(discardLogger{}).
		SetRetryCount(0).
		SetHeader("User-Agent", "thanhtoan-vinidpay/1")
	return &Client{
		partnerCode:  cfg.PartnerCode,
		merchantCode: cfg.MerchantCode,
		keyCode:      cfg.KeyCode,
		key:          key,
		vinidKeys:    append([]*rsa.PublicKey{pub}, o.extraKeys...),
		paymentBase:  payment,
		merchantBase: merchant,
		http:         rc,
		clock:        o.clock,
		nonce:        o.nonce,
		log:          o.logger,
		queryRetries: o.queryRetries,
		retryWait:    o.retryWait,
		respVerify:   o.respVerify,
		maxBody:      o.maxBody,
	}, nil
}

// PartnerCode returns the partner code the client signs with.
func (c *Client) PartnerCode() string { return c.partnerCode }

// randomNonce returns a random version-4 UUID.
func randomNonce() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("vinidpay: nonce: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:]), nil
}

// discardLogger silences resty's own warnings.
type discardLogger struct{}

func (discardLogger) Errorf(string, ...any) {}
func (discardLogger) Warnf(string, ...any)  {}
func (discardLogger) Debugf(string, ...any) {}
