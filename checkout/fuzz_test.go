package checkout_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/vtcpay"
	"github.com/thanhtoan/thanhtoan/vtcpay/vtcpaytest"
)

// FuzzHandler sends hostile requests to every route of the Handler (share
// tokens, OTPs, gateway notifications and returns, language switches) of a
// Client holding one shared order: none may panic, answer 5xx, or change
// the order (it stays shared, unpaid, with no attempt).
func FuzzHandler(f *testing.F) {
	fake := vtcpaytest.NewTestServer(f, vtcpaytest.Config{}, vtcpaytest.WithoutNotify())
	fc := fake.Config()
	vc, err := vtcpay.New(vtcpay.Config{WebsiteID: fc.WebsiteID, SecretKey: fc.SecretKey, ReceiverAccount: fc.ReceiverAccount, KeySign: fc.KeySign},
		vtcpay.WithBaseURL(fake.URL()), vtcpay.WithHTTPClient(fake.Client()))
	if err != nil {
		f.Fatal(err)
	}
	gw, err := checkout.VTCPay(vc, checkout.VTCPayOptions{})
	if err != nil {
		f.Fatal(err)
	}
	notif := &notifier{}
	c, err := checkout.New(checkout.Config{Gateways: []checkout.Gateway{gw}, Notifier: notif, BaseURL: baseURL,
		Provisioner: checkout.ProvisionerFunc(func(context.Context, checkout.ProvisionRequest) error { return nil })})
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	o, err := c.CreateOrder(ctx, checkout.OrderRequest{Customer: "req", Email: "req@example.com",
		Items: []checkout.LineItem{{Description: "Cloud server <b>", Quantity: 1, Amount: vnd(150000)}}})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := c.Share(ctx, o.ID, "payer@example.com"); err != nil {
		f.Fatal(err)
	}
	token := tokenOf(notif.byKind(checkout.NotifyShareLink)[0].ShareURL)
	h := http.StripPrefix("/pay", c.Handler())

	for _, seed := range []struct{ method, target, body string }{
		{"GET", "/pay/share/" + token, ""},
		{"GET", "/pay/share/" + token + "?lang=en", ""},
		{"GET", "/pay/share/" + token + "x", ""},
		{"GET", "/pay/share/" + strings.Repeat("a", 200), ""},
		{"POST", "/pay/share/" + token, "otp=123456"},
		{"POST", "/pay/share/" + token, "gateway=nope"},
		{"POST", "/pay/share/%00", "gateway=vtcpay"},
		{"GET", "/pay/return/vtcpay?amount=150000&reference_number=" + o.ID + "-1&status=1&signature=00&lang=vi", ""},
		{"GET", "/pay/return/vtcpay?lang=en&lang&lang=xx&amount=1", ""},
		{"POST", "/pay/notify/vtcpay", "data=150000|x|y|" + o.ID + "-1|1|z|1&signature=ab"},
		{"GET", "/pay/notify/nope?x=1", ""},
		{"GET", "/pay/return/vtcpay?%zz", ""},
	} {
		f.Add(seed.method, seed.target, seed.body)
	}
	f.Fuzz(func(t *testing.T, method, target, body string) {
		if method != "GET" && method != "POST" {
			method = "GET"
		}
		if !strings.HasPrefix(target, "/pay/") || strings.ContainsAny(target, " \r\n\t#") {
			return // not a request line a server would parse
		}
		if form, _ := url.ParseQuery(body); method == "POST" && form.Get("gateway") == "vtcpay" && form.Get("otp") == "" {
			return // a payer paying: the one request that may change the order
		}
		req, err := http.NewRequest(method, "https://shop.example"+target, strings.NewReader(body))
		if err != nil {
			return
		}
		if method == "POST" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", method, target, body, rec.Code, rec.Body.String())
		}
		got, err := c.Order(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != checkout.StateShared || len(got.Attempts) != 0 {
			t.Fatalf("%s %s %q changed the order: %s, %d attempts", method, target, body, got.State, len(got.Attempts))
		}
	})
}
