// Command vivietpay runs one Ví Việt payment through each protocol (v1 and
// v2) on the fake gateway of vivietpaytest, printing each step of the flow:
// no network beyond loopback, no real credentials.
//
//	go run ./examples/vivietpay
package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/signing"
	"github.com/thanhtoan/thanhtoan/vivietpay"
	"github.com/thanhtoan/thanhtoan/vivietpay/vivietpaytest"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

const (
	site     = "DEMOSHOP"
	access   = "DEMOACCESS"
	secret   = "demo-secret-not-for-production"
	phone    = "0912345678"
	password = "246810"
)

func run(ctx context.Context, w io.Writer) error {
	// The merchant's v2 key; Ví Việt hands out keys as PEM or .NET XML.
	merchantKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	srv, err := vivietpaytest.New(vivietpaytest.Config{
		MerchantSite: site, AccessCode: access, Secret: secret, MerchantPublicKey: &merchantKey.PublicKey,
	})
	if err != nil {
		return err
	}
	defer srv.Close()
	srv.AddAccount(vivietpaytest.Account{Phone: phone, Password: password, Balance: 1_000_000, Limit: 5_000_000})
	fmt.Fprintf(w, "fake Ví Việt gateway up; wallet %s holds 1000000 VND\n", phone)

	for i, proto := range []vivietpay.Protocol{vivietpay.V1, vivietpay.V2} {
		client, err := vivietpay.New(vivietpay.Config{
			MerchantSite: site,
			AccessCode:   access,
			Secret:       signing.NewSecret(secret),
			MerchantKey:  merchantKey,
			GatewayKeys:  []*rsa.PublicKey{srv.GatewayPublicKey()},
		}, vivietpay.WithProtocol(proto), vivietpay.WithBaseURL(srv.URL), vivietpay.WithHTTPClient(srv.Client()))
		if err != nil {
			return err
		}
		if err := pay(ctx, w, srv, client, i+1); err != nil {
			return fmt.Errorf("%s: %w", proto, err)
		}
	}
	a, _ := srv.Account(phone)
	fmt.Fprintf(w, "wallet %s now holds %d VND; merchant collection account %d VND\n", phone, a.Balance, srv.CollectionBalance())
	return nil
}

func pay(ctx context.Context, w io.Writer, srv *vivietpaytest.Server, client *vivietpay.Client, n int) error {
	p := client.Protocol()
	order := vivietpay.Order{
		OrderNo:     fmt.Sprintf("ORDER-%d", n),
		MerchTxnRef: fmt.Sprintf("ORDER-%d-pay-1", n),
		Description: fmt.Sprintf("Thanh toán đơn hàng ORDER-%d", n),
		Amount:      decimal.NewFromInt(150_000),
		ReturnURL:   "https://shop.example/vivietpay/return",
		CancelURL:   "https://shop.example/vivietpay/cancel",
	}
	fmt.Fprintf(w, "[%s] 1. order %s for %s VND\n", p, order.OrderNo, order.Amount)
	link, err := client.CheckoutURL(order)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "[%s] 1. signed checkout url built\n", p)

	payer := srv.NewPayer()
	page, err := payer.Open(ctx, link)
	if err != nil {
		return err
	}
	if !page.IsLogin() {
		return fmt.Errorf("gateway refused the order: code %s", page.Code())
	}
	fmt.Fprintf(w, "[%s] 2. gateway verified the order and shows the wallet login\n", p)
	page, err = payer.Submit(ctx, page, url.Values{"account": {phone}, "password": {password}, "action": {"pay"}})
	if err != nil {
		return err
	}
	if !page.IsOTP() {
		return fmt.Errorf("login refused: code %s", page.Code())
	}
	fmt.Fprintf(w, "[%s] 3-4. payer chose pay; account checks passed; otp sent\n", p)
	page, err = payer.Submit(ctx, page, url.Values{"otp": {srv.OTP(phone)}, "action": {"confirm"}})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "[%s] 5-6. otp accepted; result page shows code %s\n", p, page.Code())
	back, err := page.ReturnURL()
	if err != nil {
		return err
	}
	res, err := client.ParseReturn(back.Query(), order)
	var apiErr *vivietpay.APIError
	switch {
	case err == nil:
		fmt.Fprintf(w, "[%s] 7. return verified: %s, %s VND, gateway transaction %t\n", p, res.Outcome, res.Amount, res.TransactionNo != "")
	case errors.As(err, &apiErr):
		fmt.Fprintf(w, "[%s] 7. return verified, payment not made: %v\n", p, err)
	default:
		return err
	}
	q, err := client.Query(ctx, order)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "[%s] query agrees: %s\n", p, q.Outcome)
	return nil
}
