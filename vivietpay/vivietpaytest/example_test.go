package vivietpaytest_test

import (
	"context"
	"fmt"
	"net/url"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/signing"
	"github.com/thanhtoan/thanhtoan/vivietpay"
	"github.com/thanhtoan/thanhtoan/vivietpay/vivietpaytest"
)

// The payer's pages one by one, with a step-4 refusal forced by a scenario.
func ExamplePayer() {
	srv, err := vivietpaytest.New(vivietpaytest.Config{MerchantSite: "SHOP01", AccessCode: "ACC01", Secret: "test-secret"})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.AddAccount(vivietpaytest.Account{Phone: "0912000001", Password: "123456", Balance: 1_000_000, Limit: 100_000})
	client, _ := vivietpay.New(vivietpay.Config{MerchantSite: "SHOP01", AccessCode: "ACC01", Secret: signing.NewSecret("test-secret")},
		vivietpay.WithBaseURL(srv.URL))
	order := vivietpay.Order{OrderNo: "O-1", MerchTxnRef: "R-1", Description: "Đơn hàng O-1",
		Amount: decimal.NewFromInt(250_000), ReturnURL: "https://shop.example/return"}
	link, _ := client.CheckoutURL(order)

	ctx := context.Background()
	payer := srv.NewPayer()
	page, _ := payer.Open(ctx, link)
	fmt.Println("login page:", page.IsLogin())
	page, _ = payer.Submit(ctx, page, url.Values{"account": {"0912000001"}, "password": {"123456"}, "action": {"pay"}})
	fmt.Println("result page:", page.IsResult(), "code", page.Code())
	back, _ := page.ReturnURL()
	_, err = client.ParseReturn(back.Query(), order)
	fmt.Println(err)
	// Output:
	// login page: true
	// result page: true code 06
	// vivietpay: return: response code "06" (transaction limit exceeded): transaction limit exceeded
}
