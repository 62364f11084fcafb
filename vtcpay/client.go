package vtcpay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-resty/resty/v2"

	"github.com/thanhtoan/thanhtoan/signing"
)

// Environment selects VTC Pay's hosts.
type Environment int

const (
	// Production is VTC Pay's live gateway, https://vtcpay.vn/bank-gateway.
	// It is the default (the zero value).
	Production Environment = iota
	// Sandbox is VTC Pay's alpha test gateway,
	// https://alpha1.vtcpay.vn/portalgateway. Its credentials differ from
	// production's.
	Sandbox
)

// BaseURL returns the environment's gateway root, under which checkout.html
// and the merchant APIs live.
func (e Environment) BaseURL() string {
	if e == Sandbox {
		return "https://alpha1.vtcpay.vn/portalgateway"
	}
	return "https://vtcpay.vn/bank-gateway"
}

// String returns "production" or "sandbox".
func (e Environment) String() string {
	if e == Sandbox {
		return "sandbox"
	}
	return "production"
}

// Config holds a merchant's VTC Pay credentials. SecretKey is the website
// secret key that signs the checkout and the callbacks; KeySign is the
// separate credential VTC issues for the merchant APIs (order status, sales
// history, refund), needed only for those, as is ReceiverAccount.
type Config struct {
	// WebsiteID is the integrated website's ID on VTC Pay (website_id).
	WebsiteID int
	// SecretKey is the website secret key: at least 16 characters with
	// digits, upper- and lowercase letters (VTC Pay's rule).
	SecretKey signing.Secret
	// ReceiverAccount is the merchant's receiving VTC Pay account. When set
	// it is sent with the checkout (receiver_account) as real integrations do.
	ReceiverAccount string
	// KeySign signs the merchant APIs' requests.
	KeySign signing.Secret
}

// Validate reports the first problem with the configuration, as an error
// matching ErrInvalidConfig. It never includes a secret in its text.
func (c Config) Validate() error {
	if c.WebsiteID <= 0 {
		return fmt.Errorf("%w: website id must be positive, got %d", ErrInvalidConfig, c.WebsiteID)
	}
	if err := checkSecretKey(c.SecretKey.Reveal()); err != nil {
		return err
	}
	if c.ReceiverAccount != "" && !isPlainValue(c.ReceiverAccount, 50) {
		return fmt.Errorf("%w: receiver account must be at most 50 printable characters without '|'", ErrInvalidConfig)
	}
	return nil
}

func checkSecretKey(s string) error {
	if s == "" {
		return fmt.Errorf("%w: secret key is empty", ErrInvalidConfig)
	}
	var digit, upper, lower bool
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			digit = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		}
	}
	if n := utf8.RuneCountInString(s); n < 16 || !digit || !upper || !lower {
		return fmt.Errorf("%w: secret key must have at least 16 characters with digits, upper- and lowercase letters (got %d characters)", ErrInvalidConfig, n)
	}
	return nil
}

// Client talks to VTC Pay for one merchant website. It is immutable after New
// and safe for concurrent use.
type Client struct {
	cfg       Config
	websiteID string
	secret    string
	baseURL   string
	http      *resty.Client
	now       func() time.Time
	log       *slog.Logger
	retries   int
	apiPaths  apiPaths
	histDate  string
	bodyLimit int64
}

type apiPaths struct {
	orderStatus, saleHistory, refund string
}

// Option configures a Client.
type Option func(*options) error

type options struct {
	env        Environment
	baseURL    string
	httpClient *http.Client
	now        func() time.Time
	log        *slog.Logger
	retries    int
	paths      apiPaths
	histDate   string
}

// WithEnvironment selects Production (the default) or Sandbox.
func WithEnvironment(env Environment) Option {
	return func(o *options) error {
		if env != Production && env != Sandbox {
			return fmt.Errorf("%w: unknown environment %d", ErrInvalidConfig, int(env))
		}
		o.env = env
		return nil
	}
}

// WithBaseURL replaces the environment's gateway root, for a fake gateway
// (vtcpaytest.Server.URL) or a proxy. It must be an absolute http or https URL.
func WithBaseURL(raw string) Option {
	return func(o *options) error {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("%w: base url must be an absolute http(s) url without query", ErrInvalidConfig)
		}
		o.baseURL = strings.TrimRight(raw, "/")
		return nil
	}
}

// WithHTTPClient makes the client send requests through a copy of hc. The
// caller's client is never modified.
func WithHTTPClient(hc *http.Client) Option {
	return func(o *options) error {
		if hc == nil {
			return fmt.Errorf("%w: nil http client", ErrInvalidConfig)
		}
		o.httpClient = hc
		return nil
	}
}

// WithClock sets the source of the current time.
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return fmt.Errorf("%w: nil clock", ErrInvalidConfig)
		}
		o.now = now
		return nil
	}
}

// WithLogger sets the logger for request outcomes. Secrets are never logged.
// The default discards.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return fmt.Errorf("%w: nil logger", ErrInvalidConfig)
		}
		o.log = l
		return nil
	}
}

// WithQueryRetries sets how many times an order status or sales history
// query is retried after a network error or a 5xx answer (default 2).
// Refunds are never retried.
func WithQueryRetries(n int) Option {
	return func(o *options) error {
		if n < 0 || n > 10 {
			return fmt.Errorf("%w: query retries must be in [0, 10]", ErrInvalidConfig)
		}
		o.retries = n
		return nil
	}
}

// WithAPIPaths overrides the merchant APIs' paths under the base URL. They
// are known from integrations, not from a published specification; the
// defaults are "/api/AccountApi/VTCPayGetOrderStatus",
// "/api/AccountApi/MerchantSaleHistoryGetList" and
// "/api/AccountApi/RefundMoneyVTC". An empty argument keeps the default.
func WithAPIPaths(orderStatus, saleHistory, refund string) Option {
	return func(o *options) error {
		set := func(dst *string, v string) error {
			if v == "" {
				return nil
			}
			if !strings.HasPrefix(v, "/") || strings.ContainsAny(v, "?#") {
				return fmt.Errorf("%w: api path %q must start with / and hold no query", ErrInvalidConfig, v)
			}
			*dst = v
			return nil
		}
		return errors.Join(set(&o.paths.orderStatus, orderStatus), set(&o.paths.saleHistory, saleHistory), set(&o.paths.refund, refund))
	}
}

// WithHistoryDateLayout sets the time layout of the sales history's fromDate
// and toDate (default "2006-01-02"; VTC Pay's format is unconfirmed).
func WithHistoryDateLayout(layout string) Option {
	return func(o *options) error {
		if layout == "" {
			return fmt.Errorf("%w: empty date layout", ErrInvalidConfig)
		}
		o.histDate = layout
		return nil
	}
}

// New returns a Client for cfg. The configuration and options are validated
// here; New never panics on bad input.
func New(cfg Config, opts ...Option) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	o := options{
		retries: 2,
		paths: apiPaths{
			orderStatus: "/api/AccountApi/VTCPayGetOrderStatus",
			saleHistory: "/api/AccountApi/MerchantSaleHistoryGetList",
			refund:      "/api/AccountApi/RefundMoneyVTC",
		},
		histDate: "2006-01-02",
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if o.baseURL == "" {
		o.baseURL = o.env.BaseURL()
	}
	if o.now == nil {
		o.now = time.Now
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	if o.httpClient != nil {
		cp := *o.httpClient // resty.NewWithClient changes the client it is given
		hc = &cp
	}
	rc := resty.NewWithClient(hc).SetLogger(restyLogger{o.log}).SetHeader("Accept", "application/json")
	return &Client{
		cfg:       cfg,
		websiteID: strconv.Itoa(cfg.WebsiteID),
		secret:    cfg.SecretKey.Reveal(),
		baseURL:   o.baseURL,
		http:      rc,
		now:       o.now,
		log:       o.log,
		retries:   o.retries,
		apiPaths:  o.paths,
		histDate:  o.histDate,
		bodyLimit: 1 << 20,
	}, nil
}

// WebsiteID returns the configured website ID.
func (c *Client) WebsiteID() int { return c.cfg.WebsiteID }

// CheckoutPageURL returns the hosted checkout page the payer is sent to.
func (c *Client) CheckoutPageURL() string { return c.baseURL + "/checkout.html" }

// restyLogger sends resty's own messages to slog at debug level.
type restyLogger struct{ l *slog.Logger }

func (r restyLogger) Errorf(format string, v ...any) {
	r.l.Log(context.Background(), slog.LevelDebug, "vtcpay: http: "+fmt.Sprintf(format, v...))
}
func (r restyLogger) Warnf(format string, v ...any) {
	r.l.Log(context.Background(), slog.LevelDebug, "vtcpay: http: "+fmt.Sprintf(format, v...))
}
func (r restyLogger) Debugf(format string, v ...any) {
	r.l.Log(context.Background(), slog.LevelDebug, "vtcpay: http: "+fmt.Sprintf(format, v...))
}
