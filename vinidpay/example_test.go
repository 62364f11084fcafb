package vinidpay_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/vinidpay"
	"github.com/thanhtoan/thanhtoan/vinidpay/vinidpaytest"
)

// Link a wallet, then pay below VinID's OTP threshold: no confirmation.
func Example() {
	fake, err := vinidpaytest.NewServer(vinidpaytest.Config{}) // a fake VinID Pay on loopback
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()
	client, err := fake.NewClient() // vinidpay.New(cfg, vinidpay.WithBaseURL(fake.URL), ...)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	link, err := client.LinkWallet(ctx, vinidpay.LinkWalletRequest{PartnerUserID: "alice@example.com", CallbackURL: "https://shop.example/vinid/link"})
	if err != nil {
		log.Fatal(err)
	}
	// The customer opens link.WebURL and confirms in the VinID app.
	if _, err := fake.ConfirmLink(link.LinkID, fake.AddUser("0912345678", 2_000_000)); err != nil {
		log.Fatal(err)
	}
	status, err := client.LinkStatus(ctx, link.StatusRequest())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("linked:", status.Linked(), status.MaskedPhone)

	tx, err := client.CreateTransaction(ctx, vinidpay.CreateTransactionRequest{
		UserToken: status.UserToken, InvoiceNo: "INV-1001", Amount: decimal.NewFromInt(150_000),
		StoreCode: "STORE01", POSCode: "POS01", Description: "Cloud server, 1 month",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("payment:", tx.Outcome, "verification:", tx.Verification)
	// Output:
	// linked: true *******678
	// payment: succeeded verification: bypass
}

// At or above the threshold the customer confirms with the OTP VinID sent.
func ExampleClient_ConfirmTransaction() {
	fake, err := vinidpaytest.NewServer(vinidpaytest.Config{}, vinidpaytest.WithOTPThreshold(1_000_000))
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()
	client, err := fake.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	link, _ := client.LinkWallet(ctx, vinidpay.LinkWalletRequest{PartnerUserID: "bob", CallbackURL: "https://shop.example/vinid/link"})
	token, _ := fake.ConfirmLink(link.LinkID, fake.AddUser("0987654321", 5_000_000))

	tx, err := client.CreateTransaction(ctx, vinidpay.CreateTransactionRequest{
		UserToken: token, InvoiceNo: "INV-2001", Amount: decimal.NewFromInt(1_200_000), StoreCode: "STORE01", POSCode: "POS01",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("created:", tx.Outcome)

	otp, _ := fake.OTP(tx.TransactionID) // what the customer reads from the SMS
	done, err := client.ConfirmTransaction(ctx, vinidpay.ConfirmTransactionRequest{
		UserToken: token, TransactionID: tx.TransactionID, TransactionReferenceNumber: tx.TransactionRefNumber, OTP: otp,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("confirmed:", done.Outcome)
	// Output:
	// created: pending otp
	// confirmed: succeeded
}

// Verify a payment notification, then confirm its amount by a query before
// provisioning: the notification's signature does not cover the amount.
func ExampleClient_VerifyPaymentCallback() {
	fake, err := vinidpaytest.NewServer(vinidpaytest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()
	client, err := fake.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	price := decimal.NewFromInt(99_000) // the merchant's own record of the order
	fake.HandlePaymentCallbacks(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cb, err := client.VerifyPaymentCallback(r)
		if err != nil {
			http.Error(w, "invalid callback", http.StatusBadRequest) // not recorded as processed
			return
		}
		fmt.Println("callback for", cb.OrderID, "amount confirmed:", cb.AmountConfirmed)
		order, err := client.ConfirmPayment(r.Context(), cb, price)
		if err != nil {
			http.Error(w, "not confirmed", http.StatusConflict)
			return
		}
		fmt.Println("confirmed by query:", order.OrderAmount, "VND")
	}))

	link, _ := client.LinkWallet(ctx, vinidpay.LinkWalletRequest{PartnerUserID: "carol", CallbackURL: "https://shop.example/vinid/link"})
	token, _ := fake.ConfirmLink(link.LinkID, fake.AddUser("0911222333", 500_000))
	if _, err := client.CreateTransaction(ctx, vinidpay.CreateTransactionRequest{
		UserToken: token, InvoiceNo: "INV-3001", Amount: price, StoreCode: "STORE01", POSCode: "POS01",
	}); err != nil {
		log.Fatal(err)
	}
	// Output:
	// callback for INV-3001 amount confirmed: false
	// confirmed by query: 99000 VND
}

// With holding enabled VinID debits the customer and holds the money until
// the merchant confirms the order.
func ExampleClient_ConfirmOrder() {
	fake, err := vinidpaytest.NewServer(vinidpaytest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()
	client, err := fake.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	link, _ := client.LinkWallet(ctx, vinidpay.LinkWalletRequest{PartnerUserID: "dave", CallbackURL: "https://shop.example/vinid/link"})
	token, _ := fake.ConfirmLink(link.LinkID, fake.AddUser("0933444555", 1_000_000))

	tx, err := client.CreateTransaction(ctx, vinidpay.CreateTransactionRequest{
		UserToken: token, InvoiceNo: "INV-4001", Amount: decimal.NewFromInt(300_000), StoreCode: "STORE01", POSCode: "POS01", HoldingEnabled: true,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("payment:", tx.Outcome, "held:", fake.HeldBalance())
	res, err := client.ConfirmOrder(ctx, vinidpay.ConfirmOrderRequest{InvoiceNo: "INV-4001", OrderStatus: vinidpay.OrderStatusSuccess})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("order:", res.Outcome, "merchant paid:", fake.MerchantBalance())
	// Output:
	// payment: held held: 300000
	// order: succeeded merchant paid: 300000
}

// On an IoT device, show the link URL as a QR code for the VinID app.
func ExampleQRCodePNG() {
	png, err := vinidpay.QRCodePNG("https://pay.vinid.example/link/LNK00000001", 256)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("png:", bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")))
	// Output:
	// png: true
}
