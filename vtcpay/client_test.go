package vtcpay

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/thanhtoan/thanhtoan/signing"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	ok := testConfig()
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"valid", func(*Config) {}, ""},
		{"no website", func(c *Config) { c.WebsiteID = 0 }, "website id"},
		{"negative website", func(c *Config) { c.WebsiteID = -5 }, "website id"},
		{"empty secret", func(c *Config) { c.SecretKey = signing.Secret{} }, "secret key is empty"},
		{"short secret", func(c *Config) { c.SecretKey = signing.NewSecret("Abc123") }, "at least 16"},
		{"no digit", func(c *Config) { c.SecretKey = signing.NewSecret("AbcdefghijklmnopQ") }, "at least 16"},
		{"no upper", func(c *Config) { c.SecretKey = signing.NewSecret("abcdefghijklmnop1") }, "at least 16"},
		{"no lower", func(c *Config) { c.SecretKey = signing.NewSecret("ABCDEFGHIJKLMNOP1") }, "at least 16"},
		// 10 characters in 17 bytes: VTC Pay counts characters.
		{"16 bytes, 10 characters", func(c *Config) { c.SecretKey = signing.NewSecret("Aa1đđđđđđđ") }, "at least 16"},
		{"16 characters, some not ascii", func(c *Config) { c.SecretKey = signing.NewSecret("Aa1đđđđđđđđđđđđđ") }, ""},
		{"receiver with pipe", func(c *Config) { c.ReceiverAccount = "09|63" }, "receiver account"},
		{"published example secret", func(c *Config) { c.SecretKey = signing.NewSecret("TichhopcongthanhtoanVTC2.0") }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.mutate(&c)
			_, err := New(c)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrInvalidConfig saying %q", err, tt.want)
			}
			if strings.Contains(err.Error(), c.SecretKey.Reveal()) && c.SecretKey.Len() > 0 {
				t.Fatalf("error leaks the secret: %v", err)
			}
		})
	}
}

func TestOptions(t *testing.T) {
	t.Parallel()
	bad := map[string]Option{
		"relative base":   WithBaseURL("/gateway"),
		"ftp base":        WithBaseURL("ftp://vtcpay.vn"),
		"base with query": WithBaseURL("https://vtcpay.vn/?x=1"),
		"nil client":      WithHTTPClient(nil),
		"nil clock":       WithClock(nil),
		"nil logger":      WithLogger(nil),
		"bad env":         WithEnvironment(Environment(9)),
		"retries":         WithQueryRetries(-1),
		"api path":        WithAPIPaths("api/x", "", ""),
		"date layout":     WithHistoryDateLayout(""),
	}
	for name, opt := range bad {
		if _, err := New(testConfig(), opt); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: err = %v, want ErrInvalidConfig", name, err)
		}
	}
	c := newTestClient(t)
	if got := c.CheckoutPageURL(); got != "https://vtcpay.vn/bank-gateway/checkout.html" {
		t.Errorf("default checkout page = %s", got)
	}
	c = newTestClient(t, WithEnvironment(Sandbox))
	if got := c.CheckoutPageURL(); got != "https://alpha1.vtcpay.vn/portalgateway/checkout.html" {
		t.Errorf("sandbox checkout page = %s", got)
	}
	c = newTestClient(t, WithBaseURL("http://127.0.0.1:9/gw/"))
	if got := c.CheckoutPageURL(); got != "http://127.0.0.1:9/gw/checkout.html" {
		t.Errorf("base url checkout page = %s", got)
	}
}

// The caller's *http.Client must come out of New untouched.
func TestWithHTTPClientCopies(t *testing.T) {
	t.Parallel()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	before := *hc
	newTestClient(t, WithHTTPClient(hc))
	if hc.Transport != before.Transport || hc.Jar != before.Jar || hc.Timeout != before.Timeout || fmt.Sprintf("%p", hc.CheckRedirect) != fmt.Sprintf("%p", before.CheckRedirect) {
		t.Fatal("New modified the caller's http.Client")
	}
}

// Neither %v of a Config nor the logs hold a secret.
func TestSecretsRedacted(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	c := newTestClient(t, WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	cfg := testConfig()
	out := fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg)
	if _, err := c.ParseReturn(successReturn()); err == nil {
		t.Fatal("unsigned return accepted")
	}
	canon, err := c.CanonicalString(PaymentRequest{Amount: dec("150000"), Currency: VND, ReferenceNumber: "A1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{out, logs.String(), canon} {
		if strings.Contains(s, testSecret) || strings.Contains(s, testKeySign) {
			t.Fatalf("secret leaked: %s", s)
		}
	}
	if !strings.HasSuffix(canon, "|"+signing.Redacted) {
		t.Fatalf("canonical debug view = %q", canon)
	}
}
