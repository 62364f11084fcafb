// Command vtcpay runs one whole VTC Pay payment against the in-process fake
// gateway, on loopback only, and prints each step: the signed checkout URL,
// the payer paying on the hosted page, VTC Pay's server notification arriving
// at the merchant's receiving URL (verified, amount checked), the payer's
// return, an order status query and a refund.
//
//	go run ./examples/vtcpay
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/signing"
	"github.com/thanhtoan/thanhtoan/vtcpay"
	"github.com/thanhtoan/thanhtoan/vtcpay/vtcpaytest"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	const orderRef = "ORDER-2026-0001"
	price := decimal.NewFromInt(150000)

	// The merchant's "Url Receiving": VTC Pay POSTs results here. The handler
	// is set once the client exists.
	notified := make(chan *vtcpay.Result, 1)
	receiving := httptest.NewServer(http.NotFoundHandler())
	defer receiving.Close()

	cfg := vtcpaytest.DefaultConfig()
	cfg.ReceivingURL = receiving.URL + "/vtcpay/ipn"
	fake := vtcpaytest.NewServer(cfg)
	defer fake.Close()
	fmt.Fprintln(out, "1. fake VTC Pay listening at", fake.URL())

	client, err := vtcpay.New(vtcpay.Config{
		WebsiteID:       vtcpaytest.DefaultWebsiteID,
		SecretKey:       signing.NewSecret(vtcpaytest.DefaultSecretKey),
		ReceiverAccount: vtcpaytest.DefaultReceiverAccount,
		KeySign:         signing.NewSecret(vtcpaytest.DefaultKeySign),
	}, vtcpay.WithBaseURL(fake.URL()))
	if err != nil {
		return err
	}
	receiving.Config.Handler = client.IPNHandler(func(_ *http.Request, res *vtcpay.Result) error {
		select {
		case notified <- res:
		default: // a duplicate: the first one is being handled
		}
		return nil
	})

	req := vtcpay.PaymentRequest{
		Amount: price, Currency: vtcpay.VND, ReferenceNumber: orderRef,
		ReturnURL: "https://shop.example/vtcpay/return", PaymentType: vtcpay.BankVTCPay, Language: vtcpay.English,
	}
	checkoutURL, err := client.CheckoutURL(req)
	if err != nil {
		return err
	}
	canonical, _ := client.CanonicalString(req)
	fmt.Fprintln(out, "2. signed string:", canonical)
	fmt.Fprintln(out, "   redirect the payer to:", checkoutURL)

	returned, err := fake.Pay(ctx, checkoutURL, vtcpaytest.StatusSuccess)
	if err != nil {
		return fmt.Errorf("paying on the fake: %w", err)
	}
	fmt.Fprintln(out, "3. the payer paid; VTC Pay redirects the browser to", returned.Scheme+"://"+returned.Host+returned.Path)

	var ipn *vtcpay.Result
	select {
	case ipn = <-notified:
	case <-ctx.Done():
		return errors.New("no notification arrived")
	}
	fmt.Fprintf(out, "4. notification verified: order %s, status %s, VTC ref %s\n", ipn.ReferenceNumber, ipn.Status, ipn.TransRefNo)
	if err := ipn.CheckAmount(price); err != nil {
		return err
	}
	fmt.Fprintf(out, "   amount %s VND matches the order\n", ipn.Amount)

	ret, err := client.ParseReturn(returned.Query())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "5. return verified: outcome %s\n", ret.Outcome())

	st, err := client.OrderStatus(ctx, orderRef)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "6. order status query: %s\n", st.Status)

	refund, err := client.Refund(ctx, vtcpay.RefundRequest{ReferenceNumber: orderRef, Amount: decimal.NewFromInt(50000)})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "7. refunded %s VND of %s\n", refund.Amount, refund.ReferenceNumber)

	// A forged notification (the amount lowered, the signature kept) is refused.
	form, err := fake.Notification(orderRef)
	if err != nil {
		return err
	}
	form.Set("data", "1500|forged|VTCPay|"+orderRef+"|1|0|123456")
	_, err = client.ParseIPN(form)
	fmt.Fprintf(out, "8. forged notification refused: %v\n", errors.Is(err, vtcpay.ErrInvalidSignature))
	return nil
}
