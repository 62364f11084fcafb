// Command vinidpay walks through VinID Pay's linked-account payments on the
// in-process fake (vinidpaytest): link a wallet (with the QR code an IoT
// device would show), pay below the OTP threshold, pay above it with an
// OTP, hold and confirm an order, refund, and unlink. Nothing leaves the
// machine.
//
//	go run ./examples/vinidpay
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"os"
	"sync"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/vinidpay"
	"github.com/thanhtoan/thanhtoan/vinidpay/vinidpaytest"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

const threshold = 1_000_000 // VinID's X: from this amount on, the customer confirms with an OTP

func run(ctx context.Context, w io.Writer) error {
	fake, err := vinidpaytest.NewServer(vinidpaytest.Config{}, vinidpaytest.WithOTPThreshold(threshold))
	if err != nil {
		return err
	}
	defer fake.Close()
	client, err := fake.NewClient()
	if err != nil {
		return err
	}
	// Callbacks run on the fake's goroutines: serialise the output.
	var mu sync.Mutex
	step := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, format+"\n", args...)
	}
	// The merchant's own record of what each order costs.
	prices := map[string]decimal.Decimal{
		"INV-1001": decimal.NewFromInt(150_000),
		"INV-1002": decimal.NewFromInt(1_200_000),
		"INV-1003": decimal.NewFromInt(400_000),
	}

	// The merchant's callback endpoints: verify first, then act.
	fake.HandleLinkCallbacks(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		cb, err := client.VerifyLinkCallback(r)
		if err != nil {
			http.Error(rw, "invalid", http.StatusBadRequest)
			step("  link callback refused: %v", err)
			return
		}
		step("  link callback: %s linked, phone %s", cb.PartnerUserID, cb.MaskedPhone)
	}))
	fake.HandlePaymentCallbacks(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		cb, err := client.VerifyPaymentCallback(r)
		if err != nil {
			http.Error(rw, "invalid", http.StatusBadRequest)
			step("  payment callback refused: %v", err)
			return
		}
		order, err := client.ConfirmPayment(r.Context(), cb, prices[cb.OrderID])
		if err != nil {
			http.Error(rw, "not confirmed", http.StatusConflict)
			step("  payment callback %s: not confirmed: %v", cb.OrderID, err)
			return
		}
		step("  payment callback: %s %s, amount confirmed by query: %s VND", cb.OrderID, cb.PayStatus, order.OrderAmount)
	}))

	customer := fake.AddUser("0912345678", 3_000_000)
	step("customer wallet: %d VND", mustBalance(fake, customer))

	// 1. Link.
	link, err := client.LinkWallet(ctx, vinidpay.LinkWalletRequest{PartnerUserID: "alice@example.com", CallbackURL: "https://shop.example/vinid/link"})
	if err != nil {
		return fmt.Errorf("link wallet: %w", err)
	}
	qr, err := link.QRCodePNG(256)
	if err != nil {
		return err
	}
	img, err := png.Decode(bytes.NewReader(qr))
	if err != nil {
		return err
	}
	step("1. link started: %s, valid %v, QR code %dx%d PNG for IoT devices", link.LinkID, link.ExpiryDuration, img.Bounds().Dx(), img.Bounds().Dy())
	if _, err := fake.ConfirmLink(link.LinkID, customer); err != nil {
		return err
	}
	status, err := client.LinkStatus(ctx, link.StatusRequest())
	if err != nil {
		return fmt.Errorf("link status: %w", err)
	}
	step("   link status: linked=%v phone=%s", status.Linked(), status.MaskedPhone)
	token := status.UserToken

	// 2. Pay below X: no confirmation.
	tx, err := client.CreateTransaction(ctx, vinidpay.CreateTransactionRequest{
		UserToken: token, InvoiceNo: "INV-1001", Amount: decimal.NewFromInt(150_000), StoreCode: "STORE01", POSCode: "POS01", Description: "Cloud server S, 1 month",
	})
	if err != nil {
		return fmt.Errorf("pay below X: %w", err)
	}
	step("2. pay 150000 VND (below X): %s, verification %s", tx.Outcome, tx.Verification)
	order, err := client.QueryOrder(ctx, "INV-1001")
	if err != nil {
		return err
	}
	step("   order INV-1001: %s, %s VND", order.Outcome, order.OrderAmount)

	// 3. Pay at or above X: OTP.
	tx, err = client.CreateTransaction(ctx, vinidpay.CreateTransactionRequest{
		UserToken: token, InvoiceNo: "INV-1002", Amount: decimal.NewFromInt(1_200_000), StoreCode: "STORE01", POSCode: "POS01", Description: "Cloud server L, 1 year",
	})
	if err != nil {
		return fmt.Errorf("pay above X: %w", err)
	}
	step("3. pay 1200000 VND (X or more): %s, verification %s", tx.Outcome, tx.Verification)
	_, err = client.ConfirmTransaction(ctx, vinidpay.ConfirmTransactionRequest{UserToken: token, TransactionID: tx.TransactionID, TransactionReferenceNumber: tx.TransactionRefNumber, OTP: "000000x"})
	var apiErr *vinidpay.APIError
	if !errors.As(err, &apiErr) {
		return fmt.Errorf("a wrong otp was not refused: %v", err)
	}
	step("   wrong OTP refused: code %d", apiErr.Code)
	otp, _ := fake.OTP(tx.TransactionID)
	done, err := client.ConfirmTransaction(ctx, vinidpay.ConfirmTransactionRequest{UserToken: token, TransactionID: tx.TransactionID, TransactionReferenceNumber: tx.TransactionRefNumber, OTP: otp})
	if err != nil {
		return fmt.Errorf("confirm otp: %w", err)
	}
	step("   right OTP: %s", done.Outcome)

	// 4. Hold, then confirm the order.
	tx, err = client.CreateTransaction(ctx, vinidpay.CreateTransactionRequest{
		UserToken: token, InvoiceNo: "INV-1003", Amount: decimal.NewFromInt(400_000), StoreCode: "STORE01", POSCode: "POS01", HoldingEnabled: true,
	})
	if err != nil {
		return fmt.Errorf("hold: %w", err)
	}
	step("4. pay 400000 VND with holding: %s, held by VinID %d VND", tx.Outcome, fake.HeldBalance())
	res, err := client.ConfirmOrder(ctx, vinidpay.ConfirmOrderRequest{InvoiceNo: "INV-1003", OrderStatus: vinidpay.OrderStatusSuccess})
	if err != nil {
		return fmt.Errorf("confirm order: %w", err)
	}
	step("   order confirmed: %s, held %d VND", res.Outcome, fake.HeldBalance())

	// 5. Refund part of the first order.
	rf, err := client.Refund(ctx, vinidpay.RefundRequest{OrderID: "INV-1001", RefundReferenceID: "INV-1001/refund-1", Amount: decimal.NewFromInt(50_000), Description: "partial refund"})
	if err != nil {
		return fmt.Errorf("refund: %w", err)
	}
	step("5. refund 50000 VND of INV-1001: %s", rf.Outcome)

	// 6. Unlink.
	if err := client.UnlinkWallet(ctx, vinidpay.UnlinkWalletRequest{UserToken: token}); err != nil {
		return fmt.Errorf("unlink: %w", err)
	}
	_, err = client.CreateTransaction(ctx, vinidpay.CreateTransactionRequest{UserToken: token, InvoiceNo: "INV-1004", Amount: decimal.NewFromInt(10_000), StoreCode: "STORE01", POSCode: "POS01"})
	step("6. unlinked; paying with the old token: refused=%v", errors.Is(err, vinidpay.ErrNotFound))

	step("customer wallet: %d VND, merchant paid: %d VND", mustBalance(fake, customer), fake.MerchantBalance())
	return nil
}

func mustBalance(f *vinidpaytest.Server, user string) int64 {
	b, err := f.Balance(user)
	if err != nil {
		return -1
	}
	return b
}
