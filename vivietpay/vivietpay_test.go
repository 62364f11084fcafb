package vivietpay

import (
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/signing"
)

func TestV1OrderMatchesOpenSSL(t *testing.T) {
	t.Parallel()
	c := v1Client(t)
	link, err := c.CheckoutURL(vectorOrder())
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	if u.Path != "/vipay/ecommerce" || u.Host != "viviet.vn" {
		t.Fatalf("checkout url %s", u.Redacted())
	}
	q := u.Query()
	if got, want := q.Get("secure_hash"), readText(t, "v1_order.secure_hash"); got != want {
		t.Fatalf("secure_hash %s, openssl says %s", got, want)
	}
	want := paramsValues(readParams(t, "v1_order.txt"))
	q.Del("secure_hash")
	if fmt.Sprint(q) != fmt.Sprint(want) {
		t.Fatalf("params\n got %v\nwant %v", q, want)
	}
}

func TestV1ReturnFromOpenSSLVerifies(t *testing.T) {
	t.Parallel()
	c := v1Client(t)
	q := returnFields(t)
	q.Set("secure_hash", readText(t, "v1_return.secure_hash"))
	res, err := c.ParseReturn(q, vectorOrder())
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != Succeeded || res.TransactionNo != "VV26010100000001" || !res.Amount.Equal(decimal.NewFromInt(150000)) ||
		res.MerchTxnRef != "REF-20260101-0001" || res.Message != "Giao dịch thành công" {
		t.Fatalf("result %+v", res)
	}
	// Upper-case hex is the same hash.
	q.Set("secure_hash", strings.ToUpper(q.Get("secure_hash")))
	if _, err := c.ParseReturn(q, vectorOrder()); err != nil {
		t.Fatalf("upper-case hash: %v", err)
	}
	// The debug view of the canonical string.
	canon := V1Canonical(signing.Redacted, readParams(t, "v1_return.txt"))
	if !strings.HasPrefix(canon, "REDACTED|VND|REF-20260101-0001|TESTSITE|Giao dịch") {
		t.Fatalf("canonical %q", canon)
	}
}

func TestV2KeysXMLMatchPEM(t *testing.T) {
	t.Parallel()
	k := loadKeys(t)
	mx, err := ParsePrivateKey(readFile(t, "merchant.key.xml"))
	if err != nil {
		t.Fatal(err)
	}
	gx, err := ParsePublicKey(readFile(t, "gateway.pub.xml"))
	if err != nil {
		t.Fatal(err)
	}
	gp, err := ParsePublicKey(readFile(t, "gateway.pub.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if !mx.Equal(k.merchant) || !gx.Equal(&k.gateway.PublicKey) || !gp.Equal(gx) {
		t.Fatal("XML and PEM keys differ")
	}
}

func TestV2ReturnFromOpenSSLVerifies(t *testing.T) {
	t.Parallel()
	k := loadKeys(t)
	// The client loads its keys from the XML forms.
	mx, err := ParsePrivateKey(readFile(t, "merchant.key.xml"))
	if err != nil {
		t.Fatal(err)
	}
	gx, err := ParsePublicKey(readFile(t, "gateway.pub.xml"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{MerchantSite: testSite, MerchantKey: mx, GatewayKeys: []*rsa.PublicKey{gx}}, WithProtocol(V2))
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{
		"merchant_site": {testSite},
		"data":          {readText(t, "v2_return.data")},
		"key":           {readText(t, "v2_return.key")},
		"secure_hash":   {readText(t, "v2_return.secure_hash")},
	}
	res, err := c.ParseReturn(q, vectorOrder())
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != Succeeded || res.TransactionNo != "VV26010100000001" || res.OrderNo != "ORDER-1001" {
		t.Fatalf("result %+v", res)
	}
	// The package unwraps the openssl-wrapped key to the key openssl used.
	wrapped, _ := signing.DecodeBase64(q.Get("key"))
	sess, err := signing.UnwrapKeyPKCS1v15(k.merchant, wrapped, 24)
	if err != nil || hex.EncodeToString(sess) != readText(t, "v2_return.3deskey.hex") {
		t.Fatalf("unwrapped key %x, %v", sess, err)
	}
}

func TestV2OrderMatchesOpenSSL(t *testing.T) {
	t.Parallel()
	k := loadKeys(t)
	c := v2Client(t, k)
	o := vectorOrder()
	o.Description = "Thanh toán đơn hàng <ORDER-1001> & co"
	co, err := c.checkOrder("checkout", o)
	if err != nil {
		t.Fatal(err)
	}
	js := encodeFlatJSON(c.orderParams(co))
	if string(js) != string(readFile(t, "v2_order.json")) {
		t.Fatalf("order json\n got %s\nwant %s", js, readFile(t, "v2_order.json"))
	}
	key, _ := hex.DecodeString(readText(t, "v2_order.3deskey.hex"))
	data, err := signing.EncryptTripleDESECB(key, js)
	if err != nil || b64.EncodeToString(data) != readText(t, "v2_order.data") {
		t.Fatalf("3des differs from openssl: %v", err)
	}
	sig, err := signing.SignSHA256(k.merchant, js)
	if err != nil || b64.EncodeToString(sig) != readText(t, "v2_order.secure_hash") {
		t.Fatalf("signature differs from openssl: %v", err)
	}

	// The checkout URL decrypts with the gateway's key to the same JSON.
	link, err := c.CheckoutURL(o)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(link)
	q := u.Query()
	if u.Path != "/vipay_v2/initpay" || q.Get("merchant_site") != testSite || len(q) != 4 {
		t.Fatalf("checkout url %s", link)
	}
	for _, p := range []string{"data", "key", "secure_hash"} {
		if strings.ContainsAny(q.Get(p), "+/=") {
			t.Fatalf("%s is not unpadded base64url", p)
		}
	}
	wrapped, _ := b64.DecodeString(q.Get("key"))
	sess, err := signing.UnwrapKeyPKCS1v15(k.gateway, wrapped, 24)
	if err != nil {
		t.Fatal(err)
	}
	ct, _ := b64.DecodeString(q.Get("data"))
	plain, err := signing.DecryptTripleDESECB(sess, ct)
	if err != nil || string(plain) != string(js) {
		t.Fatalf("checkout data: %v\n%s", err, plain)
	}
	if err := signing.VerifySHA256Base64(plain, q.Get("secure_hash"), &k.merchant.PublicKey); err != nil {
		t.Fatal(err)
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	k := loadKeys(t)
	weak, err := signing.ParsePublicKey(readFileUp(t, "signing/testdata/rsa1024.pub.pkix.pem"))
	if err == nil || !errors.Is(err, signing.ErrWeakKey) {
		t.Fatalf("weak key: %v", err)
	}
	_ = weak
	secret := signing.NewSecret("s3cr3t-value")
	cases := []struct {
		name string
		cfg  Config
		opts []Option
		text string
	}{
		{"v1 empty", Config{}, nil, "v1 needs MerchantSite, AccessCode, Secret"},
		{"v1 no secret", Config{MerchantSite: "S", AccessCode: "A"}, nil, "v1 needs Secret"},
		{"v2 no keys", Config{MerchantSite: "S", AccessCode: "A", Secret: secret}, []Option{WithProtocol(V2)}, "v2 needs MerchantKey, GatewayKeys"},
		{"v2 no gateway key", Config{MerchantSite: "S", MerchantKey: k.merchant}, []Option{WithProtocol(V2)}, "v2 needs GatewayKeys"},
		{"v2 nil gateway key", Config{MerchantSite: "S", MerchantKey: k.merchant, GatewayKeys: []*rsa.PublicKey{nil}}, []Option{WithProtocol(V2)}, "GatewayKeys[0]"},
		{"bad site", Config{MerchantSite: "a b", AccessCode: "A", Secret: secret}, nil, "MerchantSite"},
		{"bad protocol", Config{MerchantSite: "S", AccessCode: "A", Secret: secret}, []Option{WithProtocol(3)}, "protocol"},
		{"bad env", Config{MerchantSite: "S", AccessCode: "A", Secret: secret}, []Option{WithEnvironment(7)}, "environment"},
		{"relative base", Config{MerchantSite: "S", AccessCode: "A", Secret: secret}, []Option{WithBaseURL("/x")}, "absolute"},
		{"ftp base", Config{MerchantSite: "S", AccessCode: "A", Secret: secret}, []Option{WithBaseURL("ftp://h")}, "absolute"},
		{"base with query", Config{MerchantSite: "S", AccessCode: "A", Secret: secret}, []Option{WithBaseURL("https://h/?a=1")}, "query"},
		{"nil http client", Config{MerchantSite: "S", AccessCode: "A", Secret: secret}, []Option{WithHTTPClient(nil)}, "http client"},
		{"nil clock", Config{MerchantSite: "S", AccessCode: "A", Secret: secret}, []Option{WithClock(nil)}, "clock"},
		{"nil logger", Config{MerchantSite: "S", AccessCode: "A", Secret: secret}, []Option{WithLogger(nil)}, "logger"},
		{"bad path", Config{MerchantSite: "S", AccessCode: "A", Secret: secret}, []Option{WithPaths(Paths{QueryV1: "q"})}, "QueryV1"},
		{"bad retries", Config{MerchantSite: "S", AccessCode: "A", Secret: secret}, []Option{WithQueryRetries(-1)}, "retries"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(tc.cfg, tc.opts...)
			if !errors.Is(err, ErrInvalidConfig) || c != nil {
				t.Fatalf("err = %v", err)
			}
			if !strings.Contains(err.Error(), tc.text) || !strings.HasPrefix(err.Error(), "vivietpay: new: invalid config") {
				t.Fatalf("err = %q, want it to mention %q", err, tc.text)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Fatal("secret in error")
			}
		})
	}
}

func readFileUp(t testing.TB, path string) []byte {
	return readFile(t, "../../"+path)
}

func TestConfigNeverShowsSecrets(t *testing.T) {
	t.Parallel()
	k := loadKeys(t)
	cfg := Config{MerchantSite: "S", AccessCode: "A", Secret: signing.NewSecret("s3cr3t-value"), MerchantKey: k.merchant,
		GatewayKeys: []*rsa.PublicKey{&k.gateway.PublicKey}}
	d := k.merchant.D.String()
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("cfg", "cfg", cfg)
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprintf("%x", cfg), fmt.Sprintf("%v", &cfg), logged.String()} {
		if strings.Contains(s, "s3cr3t") || strings.Contains(s, d[:20]) || strings.Contains(s, k.merchant.N.String()[:20]) {
			t.Fatalf("secret shown: %s", s)
		}
		if !strings.Contains(s, "REDACTED") {
			t.Fatalf("no REDACTED in %s", s)
		}
	}
	b, _ := json.Marshal(cfg)
	if strings.Contains(string(b), "s3cr3t") {
		t.Fatal("secret in json")
	}
}

func TestWithHTTPClientCopies(t *testing.T) {
	t.Parallel()
	hc := &http.Client{}
	before := *hc
	c := v1Client(t, WithHTTPClient(hc))
	if c == nil || hc.Transport != before.Transport || hc.Jar != before.Jar || hc.CheckRedirect != nil || hc.Timeout != 0 {
		t.Fatal("caller's http client changed")
	}
}

func TestCheckoutURLRefusals(t *testing.T) {
	t.Parallel()
	c := v1Client(t)
	k := loadKeys(t)
	c2 := v2Client(t, k)
	mod := func(f func(*Order)) Order { o := vectorOrder(); f(&o); return o }
	cases := []struct {
		name string
		o    Order
		v2ok bool
		text string
	}{
		{"no order no", mod(func(o *Order) { o.OrderNo = "" }), false, "order number"},
		{"order no with space", mod(func(o *Order) { o.OrderNo = "A 1" }), false, "order number"},
		{"long ref", mod(func(o *Order) { o.MerchTxnRef = strings.Repeat("r", 51) }), false, "reference"},
		{"no description", mod(func(o *Order) { o.Description = " " }), false, "description is empty"},
		{"control char", mod(func(o *Order) { o.Description = "a\x00b" }), false, "control"},
		{"bad utf8", mod(func(o *Order) { o.Description = "a\xffb" }), false, "utf-8"},
		{"long description", mod(func(o *Order) { o.Description = strings.Repeat("đ", 256) }), false, "256 characters"},
		{"pipe in description", mod(func(o *Order) { o.Description = "a|b" }), true, "must not contain |"},
		{"zero amount", mod(func(o *Order) { o.Amount = decimal.Zero }), false, "must be positive"},
		{"negative amount", mod(func(o *Order) { o.Amount = decimal.NewFromInt(-5) }), false, "must be positive"},
		{"fractional amount", mod(func(o *Order) { o.Amount = decimal.RequireFromString("1000.5") }), false, "whole number"},
		{"huge amount", mod(func(o *Order) { o.Amount = decimal.RequireFromString("1e30") }), false, "too large"},
		{"usd", mod(func(o *Order) { o.Currency = "USD" }), false, "only VND"},
		{"locale vi", mod(func(o *Order) { o.Locale = "vi" }), false, "locale"},
		{"relative return", mod(func(o *Order) { o.ReturnURL = "/return" }), false, "return url"},
		{"javascript return", mod(func(o *Order) { o.ReturnURL = "javascript:alert(1)" }), false, "return url"},
		{"bad cancel", mod(func(o *Order) { o.CancelURL = "https://shop.example/cancel?x=1" }), true, "cancel url must have no query"},
		{"ftp cancel", mod(func(o *Order) { o.CancelURL = "ftp://x" }), false, "cancel url"},
		{"query in return", mod(func(o *Order) { o.ReturnURL = "https://shop.example/return?order=1" }), true, "return url must have no query"},
		{"bad ip", mod(func(o *Order) { o.ClientIP = "300.1.1.1" }), false, "client ip"},
		{"bad methods", mod(func(o *Order) { o.Methods = "WALLET,,CARD" }), false, "methods"},
		{"bad branch", mod(func(o *Order) { o.BranchCode = "a/b" }), false, "branch code"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			link, err := c.CheckoutURL(tc.o)
			if !errors.Is(err, ErrInvalidRequest) || link != "" || !strings.Contains(err.Error(), tc.text) ||
				!strings.HasPrefix(err.Error(), "vivietpay: checkout: invalid request: ") {
				t.Fatalf("err = %v, want %q", err, tc.text)
			}
			_, err = c2.CheckoutURL(tc.o)
			if (err == nil) != tc.v2ok {
				t.Fatalf("v2: err = %v", err)
			}
		})
	}
	// Defaults: VND, "vn", cancel = return.
	o := vectorOrder()
	o.CancelURL = ""
	link, err := c.CheckoutURL(o)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(link)
	if q := u.Query(); q.Get("cancel_url") != o.ReturnURL || q.Get("locale") != "vn" || q.Get("currency") != "VND" {
		t.Fatalf("defaults: %v", q)
	}
}
