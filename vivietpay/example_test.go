package vivietpay_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/signing"
	"github.com/thanhtoan/thanhtoan/vivietpay"
	"github.com/thanhtoan/thanhtoan/vivietpay/vivietpaytest"
)

// A v1 payment on the fake gateway: checkout URL, the payer's pages, the
// verified return.
func Example() {
	srv, err := vivietpaytest.New(vivietpaytest.Config{MerchantSite: "SHOP01", AccessCode: "ACC01", Secret: "test-secret"})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.AddAccount(vivietpaytest.Account{Phone: "0912000001", Password: "123456", Balance: 500_000})

	client, err := vivietpay.New(vivietpay.Config{
		MerchantSite: "SHOP01",
		AccessCode:   "ACC01",
		Secret:       signing.NewSecret("test-secret"),
	}, vivietpay.WithBaseURL(srv.URL), vivietpay.WithHTTPClient(srv.Client()))
	if err != nil {
		panic(err)
	}
	order := vivietpay.Order{
		OrderNo:     "ORDER-1001",
		MerchTxnRef: "REF-1001-1",
		Description: "Thanh toán đơn hàng ORDER-1001",
		Amount:      decimal.NewFromInt(150_000),
		ReturnURL:   "https://shop.example/vivietpay/return",
	}
	link, err := client.CheckoutURL(order)
	if err != nil {
		panic(err)
	}
	// The payer logs in, pays and enters the OTP (the fake plays the pages).
	page, err := srv.Pay(context.Background(), link, "0912000001", "123456")
	if err != nil {
		panic(err)
	}
	back, err := page.ReturnURL()
	if err != nil {
		panic(err)
	}
	res, err := client.ParseReturn(back.Query(), order)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Outcome, res.Amount, res.Currency, res.MerchTxnRef)
	fmt.Println("merchant collection account:", srv.CollectionBalance())
	// Output:
	// succeeded 150000 VND REF-1001-1
	// merchant collection account: 150000
}

// A v2 return whose amount was changed is refused before anything is read.
func ExampleClient_ParseReturn_v2() {
	merchantKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	srv, err := vivietpaytest.New(vivietpaytest.Config{MerchantSite: "SHOP01", MerchantPublicKey: &merchantKey.PublicKey})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.AddAccount(vivietpaytest.Account{Phone: "0912000001", Password: "123456", Balance: 50_000})

	client, err := vivietpay.New(vivietpay.Config{
		MerchantSite: "SHOP01",
		MerchantKey:  merchantKey,
		GatewayKeys:  []*rsa.PublicKey{srv.GatewayPublicKey()},
	}, vivietpay.WithProtocol(vivietpay.V2), vivietpay.WithBaseURL(srv.URL))
	if err != nil {
		panic(err)
	}
	order := vivietpay.Order{
		OrderNo: "ORDER-7", MerchTxnRef: "REF-7", Description: "Gói cước tháng",
		Amount: decimal.NewFromInt(99_000), ReturnURL: "https://shop.example/return",
	}
	link, _ := client.CheckoutURL(order)
	page, _ := srv.Pay(context.Background(), link, "0912000001", "123456")
	back, _ := page.ReturnURL()

	// Insufficient balance: a verified, declined result.
	_, err = client.ParseReturn(back.Query(), order)
	var apiErr *vivietpay.APIError
	fmt.Println(errors.Is(err, vivietpay.ErrDeclined), errors.As(err, &apiErr) && apiErr.Code == vivietpay.CodeInsufficientBalance)

	// A forged result: the data no longer decrypts to what was signed.
	q := back.Query()
	q.Set("data", q.Get("data")[:len(q.Get("data"))-11])
	_, err = client.ParseReturn(q, order)
	fmt.Println(errors.Is(err, vivietpay.ErrInvalidSignature))
	// Output:
	// true true
	// true
}

// Query and refund use the modelled API on the fake.
func ExampleClient_Refund() {
	srv, _ := vivietpaytest.New(vivietpaytest.Config{MerchantSite: "SHOP01", AccessCode: "ACC01", Secret: "test-secret"})
	defer srv.Close()
	srv.AddAccount(vivietpaytest.Account{Phone: "0912000001", Password: "123456", Balance: 500_000})
	client, _ := vivietpay.New(vivietpay.Config{MerchantSite: "SHOP01", AccessCode: "ACC01", Secret: signing.NewSecret("test-secret")},
		vivietpay.WithBaseURL(srv.URL))
	order := vivietpay.Order{OrderNo: "O-9", MerchTxnRef: "R-9", Description: "Đơn hàng O-9",
		Amount: decimal.NewFromInt(120_000), ReturnURL: "https://shop.example/return"}
	link, _ := client.CheckoutURL(order)
	if _, err := srv.Pay(context.Background(), link, "0912000001", "123456"); err != nil {
		panic(err)
	}
	ctx := context.Background()
	res, err := client.Query(ctx, order)
	fmt.Println(res.Outcome, err)
	refund, err := client.Refund(ctx, vivietpay.RefundRequest{
		MerchTxnRef: "R-9", RefundRef: "R-9-refund-1", Amount: decimal.NewFromInt(20_000), Reason: "giảm giá",
	})
	fmt.Println(refund.Outcome, refund.Amount, err)
	fmt.Println("merchant collection account:", srv.CollectionBalance())
	// Output:
	// succeeded <nil>
	// succeeded 20000 <nil>
	// merchant collection account: 100000
}
