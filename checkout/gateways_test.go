package checkout_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/signing"
	"github.com/thanhtoan/thanhtoan/vinidpay"
	"github.com/thanhtoan/thanhtoan/vinidpay/vinidpaytest"
	"github.com/thanhtoan/thanhtoan/vivietpay"
	"github.com/thanhtoan/thanhtoan/vivietpay/vivietpaytest"
)

func TestVinIDPay(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fake, err := vinidpaytest.NewServer(vinidpaytest.Config{}, vinidpaytest.WithOTPThreshold(1_000_000))
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	vc, err := fake.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	user := fake.AddUser("0900000001", 5_000_000)
	link, err := vc.LinkWallet(ctx, vinidpay.LinkWalletRequest{PartnerUserID: "vic", CallbackURL: "https://shop.example/pay/link"})
	if err != nil {
		t.Fatal(err)
	}
	token, err := fake.ConfirmLink(link.LinkID, user)
	if err != nil {
		t.Fatal(err)
	}
	gw, err := checkout.VinIDPay(vc, checkout.VinIDPayOptions{StoreCode: "STORE01", POSCode: "POS01",
		UserToken: func(_ context.Context, payer string) (string, error) {
			if payer != "vic" {
				return "", errors.New("not linked")
			}
			return token, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	prov := &provisioner{results: map[string]error{}}
	c, err := checkout.New(checkout.Config{Gateways: []checkout.Gateway{gw}, Provisioner: prov, BaseURL: baseURL})
	if err != nil {
		t.Fatal(err)
	}
	fake.HandlePaymentCallbacks(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _, status, _ := c.HandleCallback(r.Context(), "vinidpay", r)
		w.WriteHeader(status)
	}))
	item := checkout.LineItem{Description: "VM", Quantity: 1}

	// Below the threshold: final at once (the amount confirmed by a query).
	item.Amount = vnd(150000)
	o, _ := c.CreateOrder(ctx, checkout.OrderRequest{Customer: "vic", Email: "vic@example.com", Items: []checkout.LineItem{item}})
	next, err := c.Pay(ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vinidpay"})
	if err != nil || next.Kind != checkout.NextDone || next.Order.State != checkout.StateCompleted {
		t.Fatalf("below threshold: %v %v %v", next.Kind, next.Order.State, err)
	}

	// At the threshold: an OTP.
	item.Amount = vnd(1_200_000)
	o, _ = c.CreateOrder(ctx, checkout.OrderRequest{Customer: "vic", Email: "vic@example.com", Items: []checkout.LineItem{item}})
	next, err = c.Pay(ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vinidpay"})
	if err != nil || next.Kind != checkout.NextOTP {
		t.Fatalf("above threshold: %v %v", next.Kind, err)
	}
	a := next.Order.Attempts[0]
	otp, ok := fake.OTP(a.GatewayTxnID)
	if !ok {
		t.Fatal("no otp")
	}
	if _, err := c.SubmitOTP(ctx, o.ID, "000000"); err == nil {
		t.Error("a wrong otp passed")
	}
	next, err = c.SubmitOTP(ctx, o.ID, otp)
	if err != nil || next.Order.State != checkout.StateCompleted {
		t.Fatalf("otp: %v %v (%s)", next.Order.State, err, next.Order.Reason)
	}
	p, _ := c.PaymentHistory(ctx, "vic", checkout.PageQuery{})
	if len(p.Payments) != 2 || !p.Payments[1].Amount.Equal(vnd(1_200_000)) {
		t.Errorf("payment history %+v", p.Payments)
	}
	if prov.provisioned() != 2 {
		t.Errorf("provisioned %d", prov.provisioned())
	}
	// A customer without a linked wallet: refused before anything is sent.
	o, _ = c.CreateOrder(ctx, checkout.OrderRequest{Customer: "nolink", Email: "n@example.com", Items: []checkout.LineItem{item}})
	if _, err := c.Pay(ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vinidpay"}); !errors.Is(err, checkout.ErrPaymentFailed) {
		t.Errorf("no link: %v", err)
	}
	if got, _ := c.Order(ctx, o.ID); got.State != checkout.StateCancelled {
		t.Errorf("no link: order %s", got.State)
	}
}

func TestVietPay(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, err := vivietpaytest.New(vivietpaytest.Config{MerchantSite: "SHOP01", AccessCode: "ACCESS01", Secret: "vivietSecret2026"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.AddAccount(vivietpaytest.Account{Phone: "0911111111", Password: "pw123456", Balance: 1_000_000, Limit: 5_000_000})
	vc, err := vivietpay.New(vivietpay.Config{MerchantSite: "SHOP01", AccessCode: "ACCESS01", Secret: signing.NewSecret("vivietSecret2026")},
		vivietpay.WithBaseURL(srv.URL), vivietpay.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	gw, err := checkout.VietPay(vc, checkout.VietPayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	prov := &provisioner{results: map[string]error{}}
	c, err := checkout.New(checkout.Config{Gateways: []checkout.Gateway{gw}, Provisioner: prov, BaseURL: baseURL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := checkout.New(checkout.Config{Gateways: []checkout.Gateway{gw}, Provisioner: prov, BaseURL: baseURL}); !errors.Is(err, checkout.ErrInvalidConfig) {
		t.Errorf("an adapter shared by two Clients: %v", err)
	}
	h := http.StripPrefix("/pay", c.Handler())
	o, _ := c.CreateOrder(ctx, checkout.OrderRequest{Customer: "wu", Email: "wu@example.com",
		Items: []checkout.LineItem{{Description: "VM", Quantity: 1, Amount: vnd(150000)}}})
	next, err := c.Pay(ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vietpay"})
	if err != nil || next.Kind != checkout.NextRedirect {
		t.Fatalf("pay: %v %v", next.Kind, err)
	}
	page, err := srv.Pay(ctx, next.URL, "0911111111", "pw123456")
	if err != nil {
		t.Fatal(err)
	}
	back, err := page.ReturnURL()
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, back.String(), nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("return: %d %s", rec.Code, rec.Body.String())
	}
	got, _ := c.Order(ctx, o.ID)
	if got.State != checkout.StateCompleted || prov.provisioned() != 1 {
		t.Fatalf("order %s (%s), provisioned %d", got.State, got.Reason, prov.provisioned())
	}
	// A tampered return is refused and changes nothing.
	q := back.Query()
	q.Set("total_amount", "1")
	back.RawQuery = q.Encode()
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, back.String(), nil))
	if rec.Code != http.StatusBadRequest {
		t.Errorf("tampered return: %d", rec.Code)
	}
}
