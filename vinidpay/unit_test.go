package vinidpay

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"image/png"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/shopspring/decimal"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/thanhtoan/thanhtoan/signing"
)

func vecConfig(t *testing.T) Config {
	return Config{
		PartnerCode: "PARTNER01", MerchantCode: "MERCHANT01", KeyCode: signing.NewSecret(vecKeyCode),
		PrivateKey:     signing.NewSecret(string(readTestdata(t, "merchant.pkcs8.pem"))),
		VinIDPublicKey: string(readTestdata(t, "vinid.pub.pem")),
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	weakPEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(weak)}))
	for _, tc := range []struct {
		name string
		edit func(*Config)
		opts []Option
		want error
	}{
		{"no partner code", func(c *Config) { c.PartnerCode = " " }, nil, ErrInvalidConfig},
		{"no merchant code", func(c *Config) { c.MerchantCode = "" }, nil, ErrInvalidConfig},
		{"no key code", func(c *Config) { c.KeyCode = signing.Secret{} }, nil, ErrInvalidConfig},
		{"key code with separator", func(c *Config) { c.KeyCode = signing.NewSecret("a;b") }, nil, ErrInvalidConfig},
		{"partner code with pipe", func(c *Config) { c.PartnerCode = "P|1" }, nil, ErrInvalidConfig},
		{"no private key", func(c *Config) { c.PrivateKey = signing.Secret{} }, nil, ErrInvalidConfig},
		{"garbage private key", func(c *Config) {
			c.PrivateKey = signing.NewSecret("-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----")
		}, nil, signing.ErrInvalidKey},
		{"weak private key", func(c *Config) { c.PrivateKey = signing.NewSecret(weakPEM) }, nil, signing.ErrWeakKey},
		{"public key as private", func(c *Config) { c.PrivateKey = signing.NewSecret(c.VinIDPublicKey) }, nil, signing.ErrInvalidKey},
		{"no vinid key", func(c *Config) { c.VinIDPublicKey = "" }, nil, ErrInvalidConfig},
		{"weak vinid key", func(c *Config) {
			c.VinIDPublicKey = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&weak.PublicKey)}))
		}, nil, signing.ErrWeakKey},
		{"relative base url", nil, []Option{WithBaseURL("/api")}, ErrInvalidConfig},
		{"ftp base url", nil, []Option{WithBaseURL("ftp://x")}, ErrInvalidConfig},
		{"base url with query", nil, []Option{WithBaseURL("https://x.example/?a=1")}, ErrInvalidConfig},
		{"unknown environment", nil, []Option{WithEnvironment(Environment(9))}, ErrInvalidConfig},
		{"nil http client", nil, []Option{WithHTTPClient(nil)}, ErrInvalidConfig},
		{"nil clock", nil, []Option{WithClock(nil)}, ErrInvalidConfig},
		{"nil nonce", nil, []Option{WithNonceSource(nil)}, ErrInvalidConfig},
		{"nil logger", nil, []Option{WithLogger(nil)}, ErrInvalidConfig},
		{"too many retries", nil, []Option{WithQueryRetries(11, 0)}, ErrInvalidConfig},
		{"bad extra key", nil, []Option{WithAdditionalVinIDPublicKey("x")}, signing.ErrInvalidKey},
		{"bad verification mode", nil, []Option{WithResponseVerification(ResponseVerification(5))}, ErrInvalidConfig},
		{"tiny body cap", nil, []Option{WithMaxBodyBytes(10)}, ErrInvalidConfig},
	} {
		cfg := vecConfig(t)
		if tc.edit != nil {
			tc.edit(&cfg)
		}
		c, err := New(cfg, tc.opts...)
		if !errors.Is(err, tc.want) || c != nil {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
		if err != nil && (strings.Contains(err.Error(), vecKeyCode) || strings.Contains(err.Error(), "MII")) {
			t.Errorf("%s: error leaks a credential: %v", tc.name, err)
		}
	}
}

func TestNewAcceptsKeyForms(t *testing.T) {
	t.Parallel()
	cfg := vecConfig(t)
	key, err := signing.ParsePrivateKey([]byte(cfg.PrivateKey.Reveal()))
	if err != nil {
		t.Fatal(err)
	}
	pkcs1 := x509.MarshalPKCS1PrivateKey(key)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(key)
	pub, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	for name, pair := range map[string][2]string{
		"pkcs1 pem":  {string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: pkcs1})), cfg.VinIDPublicKey},
		"pkcs8 pem":  {cfg.PrivateKey.Reveal(), cfg.VinIDPublicKey},
		"pkcs1 der":  {base64.StdEncoding.EncodeToString(pkcs1), base64.StdEncoding.EncodeToString(pub)},
		"pkcs8 der":  {base64.StdEncoding.EncodeToString(pkcs8), cfg.VinIDPublicKey},
		"pkcs1 pub":  {cfg.PrivateKey.Reveal(), string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&key.PublicKey)}))},
		"with space": {"\n  " + cfg.PrivateKey.Reveal() + "\n", "\n" + cfg.VinIDPublicKey},
	} {
		c := cfg
		c.PrivateKey, c.VinIDPublicKey = signing.NewSecret(pair[0]), pair[1]
		if _, err := New(c); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestConfigDoesNotLeak(t *testing.T) {
	t.Parallel()
	cfg := vecConfig(t)
	var logs bytes.Buffer
	c, err := New(cfg, WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		WithHTTPClient(&http.Client{Transport: httpmock.NewMockTransport()}), WithQueryRetries(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = c.QueryOrder(context.Background(), "INV-1")
	keyBody := strings.Split(cfg.PrivateKey.Reveal(), "\n")[1]
	for _, s := range []string{fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprintf("%+v", *c), logs.String()} {
		if strings.Contains(s, vecKeyCode) || strings.Contains(s, keyBody) {
			t.Errorf("credential leaked in %q", s)
		}
	}
	if !strings.Contains(logs.String(), "query order") {
		t.Errorf("nothing logged: %q", logs.String())
	}
}

func TestWithHTTPClientCopies(t *testing.T) {
	t.Parallel()
	hc := &http.Client{Timeout: time.Second}
	before := *hc
	if _, err := New(vecConfig(t), WithHTTPClient(hc)); err != nil {
		t.Fatal(err)
	}
	if hc.Transport != before.Transport || hc.Timeout != before.Timeout || hc.Jar != before.Jar {
		t.Error("caller's http.Client was modified")
	}
}

func TestEnvironmentHosts(t *testing.T) {
	t.Parallel()
	for env, want := range map[Environment][2]string{
		Production: {"https://api-payment.vinid.net", "https://api-merchant.vinid.net"},
		UAT:        {"https://api-payment-uat.vinid.dev", "https://api-merchant-sandbox.vinid.dev"},
	} {
		c, err := New(vecConfig(t), WithEnvironment(env))
		if err != nil {
			t.Fatal(err)
		}
		if c.paymentBase != want[0] || c.merchantBase != want[1] {
			t.Errorf("env %d: %s %s", env, c.paymentBase, c.merchantBase)
		}
	}
	c, err := New(vecConfig(t), WithBaseURL("http://127.0.0.1:9/"), WithMerchantAPIBaseURL("http://127.0.0.1:8"))
	if err != nil {
		t.Fatal(err)
	}
	if c.paymentBase != "http://127.0.0.1:9" || c.merchantBase != "http://127.0.0.1:8" {
		t.Errorf("base urls %s %s", c.paymentBase, c.merchantBase)
	}
}

func TestToDong(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1", 1, true}, {"150000", 150000, true}, {"150000.000", 150000, true}, {"1000000000000", MaxAmount, true},
		{"0", 0, false}, {"-1", 0, false}, {"0.5", 0, false}, {"150000.01", 0, false}, {"1000000000001", 0, false},
	} {
		got, err := toDong("op", "amount", decimal.RequireFromString(tc.in))
		if tc.ok != (err == nil) || got != tc.want {
			t.Errorf("%s: %d %v", tc.in, got, err)
		}
		if err != nil && !errors.Is(err, ErrInvalidAmount) {
			t.Errorf("%s: %v is not ErrInvalidAmount", tc.in, err)
		}
	}
}

func TestAmountJSON(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{`150000`, 150000, true}, {`"150000"`, 150000, true}, {`0`, 0, true}, {`null`, 0, true},
		{`1.5`, 0, false}, {`1e5`, 0, false}, {`-1`, 0, false}, {`"1,000"`, 0, false}, {`""`, 0, false},
		{`true`, 0, false}, {`99999999999999999999`, 0, false}, {`"+5"`, 0, false}, {`" 5"`, 0, false},
	} {
		var a amount
		err := json.Unmarshal([]byte(tc.in), &a)
		if tc.ok != (err == nil) || a.v != tc.want {
			t.Errorf("%s: %+v %v", tc.in, a, err)
		}
	}
}

func TestOutcomes(t *testing.T) {
	t.Parallel()
	for s, want := range map[TransactionStatus]Outcome{
		"SUCCESS": OutcomeSucceeded, "success": OutcomeSucceeded, "HOLDING": OutcomeHeld, "HOLD": OutcomeHeld,
		"FAIL": OutcomeFailed, "FAILED": OutcomeFailed, "CANCELLED": OutcomeFailed, "PENDING_OTP": OutcomePendingOTP,
		"PENDING": OutcomeUnknown, "PROCESSING": OutcomeUnknown, "": OutcomeUnknown, "REFUNDED": OutcomeUnknown,
	} {
		if got := s.Outcome(); got != want {
			t.Errorf("%q: %v, want %v", s, got, want)
		}
	}
	if got := transactionOutcome("PENDING", VerificationOTP); got != OutcomePendingOTP {
		t.Errorf("pending with otp: %v", got)
	}
	if got := transactionOutcome("PENDING", VerificationBypass); got != OutcomeUnknown {
		t.Errorf("pending without otp: %v", got)
	}
	if got := transactionOutcome("FAIL", VerificationOTP); got != OutcomeFailed {
		t.Errorf("fail with otp: %v", got)
	}
	for o, s := range map[Outcome]string{OutcomeSucceeded: "succeeded", OutcomeHeld: "held", OutcomePendingOTP: "pending otp", OutcomeFailed: "failed", OutcomeUnknown: "unknown"} {
		if o.String() != s {
			t.Errorf("%d: %q", o, o.String())
		}
	}
}

// TestSigningStrings checks each request's body signature string against
// the seed's field list, written out by hand.
func TestSigningStrings(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct{ got, want string }{
		"link wallet": {(&linkWalletBody{PartnerUserID: "u1", PartnerCode: "P", CallbackURL: "https://m/cb", PartnerType: "MERCHANT"}).signingString(), "u1|P|https://m/cb"},
		"link status": {(&linkStatusBody{PartnerCode: "P", LinkReferenceID: "L1", partnerUserID: "u1", callbackURL: "https://m/cb"}).signingString(), "u1|P|https://m/cb"},
		"create, no points": {(&createTransactionBody{
			UserToken: "T", MerchantCode: "M", MerchantID: "S", TerminalID: "POS", InvoiceNo: "I", OrderCreatedAt: 1700000000, BillAmount: "10",
			PaymentRequestList: []paymentRequestItem{{CurrencyVND, "10"}}, Description: "not signed", TransactionReferenceNumber: "not signed",
		}).signingString(), "T|M|S|POS|I|1700000000|10|10|"},
		"create, points first": {(&createTransactionBody{
			UserToken: "T", MerchantCode: "M", MerchantID: "S", TerminalID: "POS", InvoiceNo: "I", OrderCreatedAt: 1, BillAmount: "12",
			PaymentRequestList: []paymentRequestItem{{CurrencyPoint, "2"}, {CurrencyVND, "10"}},
		}).signingString(), "T|M|S|POS|I|1|12|10|2"},
		"confirm":       {(&confirmTransactionBody{UserToken: "T", TransactionID: "X", TransactionReferenceNumber: "R", OTP: "123456"}).signingString(), "T|X|R"},
		"confirm order": {(&confirmOrderBody{InvoiceNo: "I", PartnerCode: "P", OrderStatus: "SUCCESS"}).signingString(), "I|P|SUCCESS"},
		"unlink":        {(&unlinkWalletBody{UserToken: "T", PartnerCode: "P"}).signingString(), "T|P"},
		"ipn":           {PaymentCallbackSigningString("SUCCESS", "X", "O"), "SUCCESS;X;O"},
		"link callback": {LinkCallbackSigningString("SUCCESS", "L", "u", "T", "*******123"), "SUCCESS;L;u;T;*******123"},
		"get header":    {string(HeaderSigningString(nil, "/p", "GET", "n", 5, "k", nil)), "/p;GET;n;5;k;"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", name, tc.got, tc.want)
		}
	}
}

// TestInvalidRequestsAreNotSent: validation fails before any byte leaves.
func TestInvalidRequestsAreNotSent(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	c := vectorClient(t, WithHTTPClient(&http.Client{Transport: mt}))
	ctx := context.Background()
	ok := CreateTransactionRequest{UserToken: "T", InvoiceNo: "I", Amount: decimal.NewFromInt(1000), StoreCode: "S", POSCode: "P"}
	edit := func(f func(*CreateTransactionRequest)) CreateTransactionRequest { r := ok; f(&r); return r }
	calls := map[string]func() error{
		"link: no user": func() error { _, err := c.LinkWallet(ctx, LinkWalletRequest{CallbackURL: "https://m/cb"}); return err },
		"link: relative cb": func() error {
			_, err := c.LinkWallet(ctx, LinkWalletRequest{PartnerUserID: "u", CallbackURL: "/cb"})
			return err
		},
		"link: pipe in user": func() error {
			_, err := c.LinkWallet(ctx, LinkWalletRequest{PartnerUserID: "u|x", CallbackURL: "https://m/cb"})
			return err
		},
		"status: no link id": func() error {
			_, err := c.LinkStatus(ctx, LinkStatusRequest{PartnerUserID: "u", CallbackURL: "https://m/cb"})
			return err
		},
		"status: no cb": func() error {
			_, err := c.LinkStatus(ctx, LinkStatusRequest{LinkReferenceID: "L", PartnerUserID: "u"})
			return err
		},
		"unlink: no token": func() error { return c.UnlinkWallet(ctx, UnlinkWalletRequest{}) },
		"create: no token": func() error {
			_, err := c.CreateTransaction(ctx, edit(func(r *CreateTransactionRequest) { r.UserToken = "" }))
			return err
		},
		"create: no store": func() error {
			_, err := c.CreateTransaction(ctx, edit(func(r *CreateTransactionRequest) { r.StoreCode = "" }))
			return err
		},
		"create: zero": func() error {
			_, err := c.CreateTransaction(ctx, edit(func(r *CreateTransactionRequest) { r.Amount = decimal.Zero }))
			return err
		},
		"create: fraction": func() error {
			_, err := c.CreateTransaction(ctx, edit(func(r *CreateTransactionRequest) { r.Amount = decimal.RequireFromString("10.5") }))
			return err
		},
		"create: negative": func() error {
			_, err := c.CreateTransaction(ctx, edit(func(r *CreateTransactionRequest) { r.Amount = decimal.NewFromInt(-5) }))
			return err
		},
		"create: bad bill": func() error {
			_, err := c.CreateTransaction(ctx, edit(func(r *CreateTransactionRequest) { r.BillAmount = decimal.RequireFromString("0.1") }))
			return err
		},
		"create: neg points": func() error {
			_, err := c.CreateTransaction(ctx, edit(func(r *CreateTransactionRequest) { r.Points = -1 }))
			return err
		},
		"create: ctrl invoice": func() error {
			_, err := c.CreateTransaction(ctx, edit(func(r *CreateTransactionRequest) { r.InvoiceNo = "I\n" }))
			return err
		},
		"confirm: no otp": func() error {
			_, err := c.ConfirmTransaction(ctx, ConfirmTransactionRequest{UserToken: "T", TransactionID: "X", TransactionReferenceNumber: "R"})
			return err
		},
		"confirm order: bad status": func() error {
			_, err := c.ConfirmOrder(ctx, ConfirmOrderRequest{InvoiceNo: "I", OrderStatus: "MAYBE"})
			return err
		},
		"query: slash": func() error { _, err := c.QueryOrder(ctx, "a/../b"); return err },
		"query: empty": func() error { _, err := c.QueryOrder(ctx, ""); return err },
		"refund: no ref": func() error {
			_, err := c.Refund(ctx, RefundRequest{OrderID: "I", Amount: decimal.NewFromInt(1)})
			return err
		},
		"refund: fraction": func() error {
			_, err := c.Refund(ctx, RefundRequest{OrderID: "I", RefundReferenceID: "R", Amount: decimal.RequireFromString("0.5")})
			return err
		},
		"nil context": func() error {
			//lint:ignore SA1012 a nil context is what is being tested
			_, err := c.QueryOrder(nil, "I")
			return err
		},
		"qr: empty":          func() error { _, err := QRCodePNG("", 256); return err },
		"qr: too small":      func() error { _, err := QRCodePNG("https://x", 8); return err },
		"callback: nil req":  func() error { _, err := c.VerifyPaymentCallback(nil); return err },
		"confirm pay: nil":   func() error { _, err := c.ConfirmPayment(ctx, nil, decimal.NewFromInt(1)); return err },
		"confirm pay: fresh": func() error { _, err := c.ConfirmPayment(ctx, &PaymentCallback{}, decimal.NewFromInt(1)); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("%s: err = %v, want ErrInvalidRequest", name, err)
		}
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests were sent", n)
	}
}

// TestHostileResponses feeds handleResponse answers VinID should never
// send; none may panic or pass as a success.
func TestHostileResponses(t *testing.T) {
	t.Parallel()
	c := vectorClient(t)
	write := &call{op: "create transaction", method: "POST", path: PathCreateTransaction}
	query := &call{op: "query order", method: "GET", path: PathQueryOrder + "I", query: true}
	big := append([]byte(`{"meta":{"code":200},"data":{"x":"`), bytes.Repeat([]byte("a"), DefaultMaxBodyBytes)...)
	for _, tc := range []struct {
		name   string
		cl     *call
		status int
		body   string
		want   error
		retry  bool
	}{
		{"not json", write, 200, "<html>", ErrMalformed, false},
		{"not json is an unknown outcome for a write", write, 200, "<html>", ErrOutcomeUnknown, false},
		{"no meta", write, 200, `{"data":{"transaction_id":"X"}}`, ErrMalformed, false},
		{"empty meta is no refusal", write, 200, `{"meta":{},"data":{"transaction_id":"X"}}`, ErrOutcomeUnknown, false},
		{"empty meta of a query", query, 200, `{"meta":{},"data":{"order_id":"I"}}`, ErrMalformed, false},
		{"code 0 is no refusal", write, 200, `{"meta":{"code":0,"message":"string"},"data":{}}`, ErrOutcomeUnknown, false},
		{"empty meta with a 4xx stays a refusal", write, 400, `{"meta":{}}`, ErrRejected, false},
		{"string code", write, 200, `{"meta":{"code":"200"},"data":{}}`, ErrMalformed, false},
		{"nonce reused", write, 401, `{"meta":{"code":4010006,"message":"nonce"}}`, ErrNonceReused, false},
		{"auth", write, 401, `{"meta":{"code":4010001,"message":"auth"}}`, ErrUnauthenticated, false},
		{"not found", query, 404, `{"meta":{"code":4040001,"message":"nf"}}`, ErrNotFound, false},
		{"system error retried for a query", query, 500, `{"meta":{"code":5000001}}`, ErrRejected, true},
		{"bare 502 retried for a query", query, 502, `bad gateway`, ErrRejected, true},
		{"bare 502 not retried for a write", write, 502, `bad gateway`, ErrRejected, false},
		{"null data", write, 200, `{"meta":{"code":200},"data":null}`, ErrMalformed, false},
		{"float amount", query, 200, `{"meta":{"code":200},"data":{"order_id":"I","order_amount":1.5}}`, ErrMalformed, false},
		{"exponent amount", query, 200, `{"meta":{"code":200},"data":{"order_id":"I","order_amount":1e6}}`, ErrMalformed, false},
		{"array data", query, 200, `{"meta":{"code":200},"data":[1,2]}`, ErrMalformed, false},
		{"too big", query, 200, string(big), ErrMalformed, false},
	} {
		var out orderData
		retry, err := c.handleResponse(tc.cl, "n", tc.status, http.Header{}, []byte(tc.body), &out)
		if !errors.Is(err, tc.want) || retry != tc.retry {
			t.Errorf("%s: retry %v err %v, want %v %v", tc.name, retry, err, tc.retry, tc.want)
		}
	}
	var apiErr *APIError
	_, err := c.handleResponse(write, "n", 401, http.Header{"X-Request-Id": {"req-1"}}, []byte(`{"meta":{"code":4010001,"message":"Lỗi chứng thực"}}`), nil)
	if !errors.As(err, &apiErr) || apiErr.Code != 4010001 || apiErr.HTTPStatus != 401 || apiErr.RequestID != "req-1" || apiErr.Op != "create transaction" {
		t.Errorf("api error = %#v", apiErr)
	}
	if got := apiErr.Error(); got != "vinidpay: create transaction: code 4010001: Lỗi chứng thực" {
		t.Errorf("error text %q", got)
	}
}

func TestRandomNonce(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 1000 {
		n, err := randomNonce()
		if err != nil || !re.MatchString(n) || seen[n] {
			t.Fatalf("nonce %q %v", n, err)
		}
		seen[n] = true
	}
}

func TestQRCodePNG(t *testing.T) {
	t.Parallel()
	const link = "https://pay.vinid.net/link/LNK00000001?partner=PARTNER01"
	b, err := (&LinkWalletResponse{WebURL: link}).QRCodePNG(256)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if r := img.Bounds(); r.Dx() != 256 || r.Dy() != 256 {
		t.Fatalf("size %v", r)
	}
	// Every module of the code is where the encoder put it: sample the
	// centre of each module and compare with the library's bitmap.
	q, err := qrcode.New(link, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	bm := q.Bitmap() // with its quiet zone
	n := len(bm)
	centre := func(m int) int { return int((float64(m) + 0.5) * 256 / float64(n)) }
	for y := range n {
		for x := range n {
			r, _, _, _ := img.At(centre(x), centre(y)).RGBA()
			if dark := r < 0x8000; dark != bm[y][x] {
				t.Fatalf("module (%d,%d): dark=%v, want %v", x, y, dark, bm[y][x])
			}
		}
	}
	if _, err := QRCodePNG(strings.Repeat("x", 3000), 256); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("too long: %v", err)
	}
}

// TestMalformedCallbackBodies feeds the callback reader (form and JSON
// bodies, by Content-Type) bodies VinID would never send. Each is refused
// as ErrMalformed with no result; the genuine fixture, sent as a form, is
// the control. The last rows carry VinID's genuine signature, so they
// reach the unsigned amounts, which must still be whole dong.
func TestMalformedCallbackBodies(t *testing.T) {
	t.Parallel()
	c := vectorClient(t, WithMaxBodyBytes(4096))
	genuine := string(readTestdata(t, "payment_callback.query.txt"))
	v, err := url.ParseQuery(genuine)
	if err != nil {
		t.Fatal(err)
	}
	signedJSON := func(vnd string) string {
		return `{"order_id":"` + v.Get("order_id") + `","pay_status":"` + v.Get("pay_status") + `","transaction_id":"` +
			v.Get("transaction_id") + `","vnd_amount":` + vnd + `,"signature":"` + v.Get("signature") + `"}`
	}
	post := func(contentType, body string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/ipn", strings.NewReader(body))
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		return r
	}
	const js, form = "application/json", "application/x-www-form-urlencoded"

	if cb, err := c.VerifyPaymentCallback(post(form, genuine)); err != nil || cb.OrderID != v.Get("order_id") {
		t.Fatalf("genuine form body: %+v %v", cb, err)
	}
	if cb, err := c.VerifyPaymentCallback(post(js, signedJSON("99000"))); err != nil || !cb.UnconfirmedVNDAmount.Equal(decimal.NewFromInt(99000)) {
		t.Fatalf("genuine json body: %+v %v", cb, err)
	}
	for _, tc := range []struct{ name, contentType, body string }{
		{"json array", js, `[1,2]`},
		{"json null", js, `null`},
		{"json string", js, `"order_id"`},
		{"json truncated", js, `{"order_id":"1"`},
		{"json nested object", js, `{"order_id":{"x":1},"pay_status":"SUCCESS"}`},
		{"json array value", js, `{"order_id":["1","2"]}`},
		{"json trailing object", js, `{"order_id":"1"} {"order_id":"2"}`},
		{"json not utf-8 text", js, "\xff\xfe{"},
		{"json over the cap", js, `{"x":"` + strings.Repeat("a", 5000) + `"}`},
		{"form over the cap", form, "x=" + strings.Repeat("a", 5000)},
		{"form bad escape", form, "order_id=%zz"},
		{"form duplicated order", form, genuine + "&order_id=1"},
		{"no content type", "", genuine},
		{"text/plain", "text/plain", genuine},
		{"bad content type", "application/", genuine},
		{"signed, fractional vnd_amount", js, signedJSON("99000.5")},
		{"signed, exponent vnd_amount", js, signedJSON("9.9e4")},
		{"signed, negative vnd_amount", js, signedJSON("-99000")},
		{"signed, vnd_amount above MaxAmount", js, signedJSON("99999999999999999999")},
	} {
		cb, err := c.VerifyPaymentCallback(post(tc.contentType, tc.body))
		if !errors.Is(err, ErrMalformed) || cb != nil {
			t.Errorf("%s: %+v %v, want ErrMalformed and no result", tc.name, cb, err)
		}
		if _, err := c.VerifyLinkCallback(post(tc.contentType, tc.body)); err == nil {
			t.Errorf("%s: accepted as a link callback", tc.name)
		}
	}
}
