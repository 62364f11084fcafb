package vivietpay

import (
	"crypto/rsa"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/thanhtoan/thanhtoan/signing"
)

// Protocol selects Ví Việt's wire format.
type Protocol int

const (
	// V1 is the "1.0" redirect: plain parameters and a SHA-256 secure_hash
	// keyed by the merchant's secret.
	V1 Protocol = iota + 1
	// V2 is the "2.0" redirect: the order as JSON under 3DES, the 3DES key
	// under the gateway's RSA key, a SHA256withRSA secure_hash.
	V2
)

func (p Protocol) String() string {
	switch p {
	case V1:
		return "v1"
	case V2:
		return "v2"
	default:
		return fmt.Sprintf("Protocol(%d)", int(p))
	}
}

// Environment selects the gateway's base URL.
type Environment int

const (
	// Production is the live gateway (the zero value).
	Production Environment = iota
	// Sandbox is Ví Việt's test gateway, https://sandbox.viviet.vn.
	Sandbox
)

// Base URLs. The sandbox host is the one in Ví Việt's public sample code;
// the production host is unconfirmed (Ví Việt gives it at go-live), so
// check it and use [WithBaseURL] if it differs.
const (
	SandboxBaseURL    = "https://sandbox.viviet.vn"
	ProductionBaseURL = "https://viviet.vn"
)

// Paths are the gateway paths under the base URL. The checkout paths are
// from Ví Việt's public sample code; query and refund are modelled (no
// public specification exists) and must be set to what Ví Việt gives you.
type Paths struct {
	CheckoutV1 string // default "/vipay/ecommerce" (published)
	CheckoutV2 string // default "/vipay_v2/initpay" (published)
	QueryV1    string // default "/vipay/querydr" (modelled)
	QueryV2    string // default "/vipay_v2/querydr" (modelled)
	RefundV1   string // default "/vipay/refund" (modelled)
	RefundV2   string // default "/vipay_v2/refund" (modelled)
}

// DefaultPaths returns the paths used unless [WithPaths] changes them.
func DefaultPaths() Paths {
	return Paths{
		CheckoutV1: "/vipay/ecommerce",
		CheckoutV2: "/vipay_v2/initpay",
		QueryV1:    "/vipay/querydr",
		QueryV2:    "/vipay_v2/querydr",
		RefundV1:   "/vipay/refund",
		RefundV2:   "/vipay_v2/refund",
	}
}

// Config holds a merchant's credentials. V1 needs MerchantSite, AccessCode
// and Secret; V2 needs MerchantSite, MerchantKey and GatewayKeys (AccessCode
// is sent in V2 too when set). Load keys with [ParsePrivateKey] and
// [ParsePublicKey], which read PEM, base64 DER and .NET <RSAKeyValue> XML.
//
// A Config prints, formats and logs without its secret or keys.
type Config struct {
	// MerchantSite is the merchant_site code Ví Việt assigned.
	MerchantSite string
	// AccessCode is the access_code Ví Việt assigned (v1).
	AccessCode string
	// Secret is the secure secret that keys the v1 secure_hash.
	Secret signing.Secret
	// MerchantKey is the merchant's RSA private key (v2): it signs requests
	// and decrypts the gateway's results.
	MerchantKey *rsa.PrivateKey
	// GatewayKeys are Ví Việt's RSA public keys (v2). The first encrypts
	// requests; a result verifies against any of them, so that a key can be
	// rotated.
	GatewayKeys []*rsa.PublicKey
}

// String shows the Config without its secret or keys.
func (c Config) String() string {
	return fmt.Sprintf("vivietpay.Config{MerchantSite:%q AccessCode:%q Secret:%s MerchantKey:%s GatewayKeys:%d}",
		c.MerchantSite, c.AccessCode, signing.Redacted, keyState(c.MerchantKey != nil), len(c.GatewayKeys))
}

// GoString is String, for %#v.
func (c Config) GoString() string { return c.String() }

// Format writes String for every verb, so that no verb can reach the keys.
func (c Config) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// LogValue logs the Config without its secret or keys.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("merchant_site", c.MerchantSite),
		slog.String("access_code", c.AccessCode),
		slog.String("secret", signing.Redacted),
		slog.String("merchant_key", keyState(c.MerchantKey != nil)),
		slog.Int("gateway_keys", len(c.GatewayKeys)),
	)
}

func keyState(set bool) string {
	if set {
		return signing.Redacted
	}
	return "none"
}

// ParsePrivateKey loads an RSA private key (a merchant key) given as PEM
// (PKCS#1 or PKCS#8), bare base64 DER, or .NET <RSAKeyValue> XML as Ví
// Việt hands them out. Keys under 2048 bits are refused.
func ParsePrivateKey(data []byte) (*rsa.PrivateKey, error) {
	if signing.IsXMLKey(data) {
		return signing.ParseXMLPrivateKey(data)
	}
	return signing.ParsePrivateKey(data)
}

// ParsePublicKey loads an RSA public key (Ví Việt's key) given as PEM,
// a certificate, bare base64 DER, or .NET <RSAKeyValue> XML. Keys under 2048
// bits are refused.
func ParsePublicKey(data []byte) (*rsa.PublicKey, error) {
	if signing.IsXMLKey(data) {
		return signing.ParseXMLPublicKey(data)
	}
	return signing.ParsePublicKey(data)
}

// Option configures a [Client].
type Option func(*options) error

type options struct {
	protocol   Protocol
	env        Environment
	baseURL    string
	httpClient *http.Client
	clock      func() time.Time
	logger     *slog.Logger
	paths      Paths
	retries    int
}

// WithProtocol selects V1 (the default) or V2.
func WithProtocol(p Protocol) Option {
	return func(o *options) error {
		if p != V1 && p != V2 {
			return fmt.Errorf("protocol must be vivietpay.V1 or vivietpay.V2, got %d", int(p))
		}
		o.protocol = p
		return nil
	}
}

// WithEnvironment selects Production (the default) or Sandbox.
func WithEnvironment(env Environment) Option {
	return func(o *options) error {
		if env != Production && env != Sandbox {
			return fmt.Errorf("unknown environment %d", int(env))
		}
		o.env = env
		return nil
	}
}

// WithBaseURL sends every request under base (an absolute http or https URL,
// possibly with a path prefix) instead of the environment's host: for the
// fake gateway in tests, or a production host that differs.
func WithBaseURL(base string) Option {
	return func(o *options) error {
		u, err := url.Parse(base)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("base url %q is not an absolute http(s) url", base)
		}
		if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return fmt.Errorf("base url %q must not have a query, fragment or user info", base)
		}
		o.baseURL = strings.TrimRight(u.String(), "/")
		return nil
	}
}

// WithHTTPClient makes the client use a copy of hc for query and refund
// calls. hc itself is never changed.
func WithHTTPClient(hc *http.Client) Option {
	return func(o *options) error {
		if hc == nil {
			return fmt.Errorf("http client is nil")
		}
		c := *hc
		o.httpClient = &c
		return nil
	}
}

// WithClock sets the clock used for request timestamps.
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return fmt.Errorf("clock is nil")
		}
		o.clock = now
		return nil
	}
}

// WithLogger sets the logger (the default discards). Secrets and keys are
// never logged.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return fmt.Errorf("logger is nil")
		}
		o.logger = l
		return nil
	}
}

// WithPaths overrides gateway paths; empty fields keep their defaults.
// Every path must start with "/".
func WithPaths(p Paths) Option {
	return func(o *options) error {
		for _, f := range []struct {
			name string
			val  string
			dst  *string
		}{
			{"CheckoutV1", p.CheckoutV1, &o.paths.CheckoutV1},
			{"CheckoutV2", p.CheckoutV2, &o.paths.CheckoutV2},
			{"QueryV1", p.QueryV1, &o.paths.QueryV1},
			{"QueryV2", p.QueryV2, &o.paths.QueryV2},
			{"RefundV1", p.RefundV1, &o.paths.RefundV1},
			{"RefundV2", p.RefundV2, &o.paths.RefundV2},
		} {
			if f.val == "" {
				continue
			}
			if !strings.HasPrefix(f.val, "/") || strings.ContainsAny(f.val, "?# \t\r\n") {
				return fmt.Errorf("path %s %q must start with / and hold no query, fragment or space", f.name, f.val)
			}
			*f.dst = f.val
		}
		return nil
	}
}

// WithQueryRetries sets how many times a transaction query is retried after
// a network error or a 5xx answer (default 2; 0 disables). Refunds are never
// retried.
func WithQueryRetries(n int) Option {
	return func(o *options) error {
		if n < 0 || n > 10 {
			return fmt.Errorf("query retries must be 0..10, got %d", n)
		}
		o.retries = n
		return nil
	}
}

// Client talks to Ví Việt for one merchant site. It is immutable and safe
// for concurrent use.
type Client struct {
	cfg      Config
	protocol Protocol
	base     string
	paths    Paths
	clock    func() time.Time
	log      *slog.Logger
	query    *resty.Client // retries idempotent queries
	post     *resty.Client // never retries
}

// New checks cfg for the chosen protocol and returns a Client.
func New(cfg Config, opts ...Option) (*Client, error) {
	o := options{
		protocol: V1,
		clock:    time.Now,
		logger:   slog.New(slog.DiscardHandler),
		paths:    DefaultPaths(),
		retries:  2,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&o); err != nil {
			return nil, wrapErr("new", ErrInvalidConfig, err, err.Error())
		}
	}
	if err := validateConfig(&cfg, o.protocol); err != nil {
		return nil, err
	}
	cfg.GatewayKeys = append([]*rsa.PublicKey(nil), cfg.GatewayKeys...)
	base := o.baseURL
	if base == "" {
		base = ProductionBaseURL
		if o.env == Sandbox {
			base = SandboxBaseURL
		}
	}
	hc := o.httpClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	// resty.NewWithClient changes the client it is given: give each its own
	// copy.
	hq, hp := *hc, *hc
	q := resty.NewWithClient(&hq).
		SetRetryCount(o.retries).
		SetRetryWaitTime(200 * time.Millisecond).
		SetRetryMaxWaitTime(2 * time.Second).
		AddRetryCondition(func(r *resty.Response, err error) bool {
			if err != nil {
				return true
			}
			return r.StatusCode() >= 500
		})
	p := resty.NewWithClient(&hp).SetRetryCount(0)
	for _, rc := range []*resty.Client{q, p} {
		rc.SetResponseBodyLimit(maxBodyBytes)
		rc.SetLogger(restyDiscard{})
		rc.SetHeader("User-Agent", "thanhtoan-vivietpay")
	}
	return &Client{
		cfg:      cfg,
		protocol: o.protocol,
		base:     base,
		paths:    o.paths,
		clock:    o.clock,
		log:      o.logger,
		query:    q,
		post:     p,
	}, nil
}

func validateConfig(cfg *Config, p Protocol) error {
	var missing []string
	if strings.TrimSpace(cfg.MerchantSite) == "" {
		missing = append(missing, "MerchantSite")
	}
	switch p {
	case V1:
		if strings.TrimSpace(cfg.AccessCode) == "" {
			missing = append(missing, "AccessCode")
		}
		if cfg.Secret.IsZero() {
			missing = append(missing, "Secret")
		}
	case V2:
		if cfg.MerchantKey == nil {
			missing = append(missing, "MerchantKey")
		}
		if len(cfg.GatewayKeys) == 0 {
			missing = append(missing, "GatewayKeys")
		}
	}
	if len(missing) > 0 {
		return errorf("new", ErrInvalidConfig, "%s needs %s", p, strings.Join(missing, ", "))
	}
	if !validToken(cfg.MerchantSite, 64) {
		return errorf("new", ErrInvalidConfig, "MerchantSite %q has characters outside A-Z a-z 0-9 _ - .", cfg.MerchantSite)
	}
	if p == V2 {
		if err := signing.CheckKeySize(&cfg.MerchantKey.PublicKey); err != nil {
			return wrapErr("new", ErrInvalidConfig, err, "MerchantKey: "+err.Error())
		}
		for i, k := range cfg.GatewayKeys {
			if err := signing.CheckKeySize(k); err != nil {
				return wrapErr("new", ErrInvalidConfig, err, fmt.Sprintf("GatewayKeys[%d]: %v", i, err))
			}
		}
	}
	return nil
}

// Protocol returns the protocol the client speaks.
func (c *Client) Protocol() Protocol { return c.protocol }

func (c *Client) endpoint(path string) string { return c.base + path }

// restyDiscard keeps resty from writing to stderr.
type restyDiscard struct{}

func (restyDiscard) Errorf(string, ...any) {}
func (restyDiscard) Warnf(string, ...any)  {}
func (restyDiscard) Debugf(string, ...any) {}
