package vinidpaytest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/vinidpay"
	"github.com/thanhtoan/thanhtoan/vinidpay/vinidpaytest"
)

// The customer confirms a link on the fake's link page (as a browser
// would post its form) and is sent back to the merchant's return URL, which
// the host configured; an OTP for a payment appears in SentSMS and on /sms.
func Example_linkPage() {
	fake, err := vinidpaytest.NewServer(vinidpaytest.Config{},
		vinidpaytest.WithOTPThreshold(100_000),
		vinidpaytest.WithLinkReturnURL(func(linkID, partnerUserID string) string {
			return "https://shop.example/vinid/linked?link=" + url.QueryEscape(linkID)
		}))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer fake.Close()
	client, err := fake.NewClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	alice := fake.AddUser("0912345678", 2_000_000)

	link, err := client.LinkWallet(ctx, vinidpay.LinkWalletRequest{PartnerUserID: "alice@example.com", CallbackURL: "https://shop.example/vinid/link"})
	if err != nil {
		fmt.Println(err)
		return
	}
	// The browser's form post: the chosen user, and the confirm button.
	browser := *fake.Client()
	browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := browser.PostForm(link.WebURL, url.Values{"user": {alice}, "action": {"confirm"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println("confirm:", resp.StatusCode, strings.TrimPrefix(resp.Header.Get("Location"), "https://shop.example"))

	status, err := client.LinkStatus(ctx, link.StatusRequest())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("linked:", status.Linked(), status.MaskedPhone)

	tx, err := client.CreateTransaction(ctx, vinidpay.CreateTransactionRequest{
		UserToken: status.UserToken, InvoiceNo: "INV-1", Amount: decimal.NewFromInt(150_000), StoreCode: "S1", POSCode: "P1",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	sms := fake.SentSMS()[0]
	otp, _ := fake.OTP(tx.TransactionID)
	fmt.Println("sms to", sms.MaskedPhone, "for", sms.InvoiceNo, "holds the otp:", sms.OTP == otp)
	// Output:
	// confirm: 303 /vinid/linked?link=LNK00000002
	// linked: true *******678
	// sms to *******678 for INV-1 holds the otp: true
}
