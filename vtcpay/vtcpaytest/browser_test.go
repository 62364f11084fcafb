package vtcpaytest_test

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/internal/browsertest"
	"github.com/thanhtoan/thanhtoan/signing"
	"github.com/thanhtoan/thanhtoan/vtcpay"
	"github.com/thanhtoan/thanhtoan/vtcpay/vtcpaytest"
)

// TestBrowser pays on the fake's hosted page in headless Chromium, with
// each way out the page offers, and ends at a loopback merchant return page
// that verifies the return with the vtcpay client.
func TestBrowser(t *testing.T) {
	ctx := browsertest.New(t)

	fake := vtcpaytest.NewTestServer(t, vtcpaytest.Config{})
	client, err := vtcpay.New(vtcpay.Config{
		WebsiteID:       vtcpaytest.DefaultWebsiteID,
		SecretKey:       signing.NewSecret(vtcpaytest.DefaultSecretKey),
		ReceiverAccount: vtcpaytest.DefaultReceiverAccount,
		KeySign:         signing.NewSecret(vtcpaytest.DefaultKeySign),
	}, vtcpay.WithBaseURL(fake.URL()))
	if err != nil {
		t.Fatal(err)
	}
	price := decimal.NewFromInt(150_000)
	merchant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		text := ""
		res, err := client.ParseReturnRequest(r)
		switch {
		case err != nil:
			text = "invalid return: " + err.Error()
		case res.CheckAmount(price) != nil:
			text = "wrong amount " + res.RawAmount
		default:
			text = fmt.Sprintf("order %s: status %d", res.ReferenceNumber, res.Status)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><meta charset="utf-8"><title>shop</title><p id="merchant">%s</p>`, html.EscapeString(text))
	}))
	t.Cleanup(merchant.Close)

	for i, tc := range []struct {
		name   string
		steps  []chromedp.Action[chromedp.Void]
		status int
	}{
		{"pay", []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.ID("pay"))}, vtcpaytest.StatusSuccess},
		{"cancel", []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.ID("cancel"))}, vtcpaytest.StatusCancelled},
		{"insufficient balance", []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.ID("insufficient"))}, vtcpaytest.StatusInsufficientFunds},
		{"wrong payment information", []chromedp.Action[chromedp.Void]{
			chromedp.SetValue(chromedp.ID("status"), "-7"),
			chromedp.Click(chromedp.ID("pay")),
		}, -7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ref := "BROWSER-" + strconv.Itoa(i+1)
			checkoutURL, err := client.CheckoutURL(vtcpay.PaymentRequest{
				Amount: price, Currency: vtcpay.VND, ReferenceNumber: ref, ReturnURL: merchant.URL + "/vtcpay/return",
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(ctx, chromedp.Navigate(checkoutURL), chromedp.WaitVisible(chromedp.ID("pay"))); err != nil {
				t.Fatal(err)
			}
			amount, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("amount")))
			if err != nil || amount != "150.000 ₫" {
				t.Errorf("amount shown: %q %v", amount, err)
			}
			if i == 0 {
				browsertest.Screenshot(t, ctx, t.Name()+"-page")
			}
			steps := append(tc.steps, chromedp.WaitVisible(chromedp.ID("merchant")))
			if err := chromedp.Do(ctx, steps...); err != nil {
				t.Fatal(err)
			}
			got, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("merchant")))
			if want := fmt.Sprintf("order %s: status %d", ref, tc.status); err != nil || got != want {
				t.Errorf("merchant page says %q (%v), want %q", got, err, want)
			}
			if tx, ok := fake.Transaction(ref); !ok || tx.Status != tc.status {
				t.Errorf("the fake recorded %+v", tx)
			}
			browsertest.Screenshot(t, ctx, t.Name())
		})
	}
}
