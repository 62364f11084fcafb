package vinidpaytest_test

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/internal/browsertest"
	"github.com/thanhtoan/thanhtoan/vinidpay"
	"github.com/thanhtoan/thanhtoan/vinidpay/vinidpaytest"
)

// TestBrowser drives the fake's pages in headless Chromium: the link page
// (its QR code loads; confirm and cancel end at a loopback merchant page
// that asks the fake, through the vinidpay client, how the link ended) and
// the /sms page, whose OTP confirms a payment.
func TestBrowser(t *testing.T) {
	ctx := browsertest.New(t)

	// The merchant's return page: it checks the link with the real client.
	var env atomic.Pointer[pagesEnv]
	merchant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e := env.Load()
		id := r.URL.Query().Get("link")
		st, err := e.client.LinkStatus(r.Context(), vinidpay.LinkStatusRequest{
			PartnerUserID: "alice@example.com", CallbackURL: "https://shop.example/vinid/link", LinkReferenceID: id,
		})
		outcome := ""
		var apiErr *vinidpay.APIError
		switch {
		case err == nil && st.Linked():
			outcome = "linked " + st.MaskedPhone
		case errors.As(err, &apiErr) && apiErr.Code == vinidpaytest.CodeLinkCancelled:
			outcome = "cancelled"
		default:
			outcome = fmt.Sprintf("unexpected: %+v %v", st, err)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><meta charset="utf-8"><title>shop</title><p id="merchant">link %s: %s</p>`, html.EscapeString(id), html.EscapeString(outcome))
	}))
	t.Cleanup(merchant.Close)
	e := newPagesEnv(t, vinidpaytest.WithOTPThreshold(100_000), vinidpaytest.WithLinkReturnURL(func(linkID, _ string) string {
		return merchant.URL + "/vinid/linked?link=" + url.QueryEscape(linkID)
	}))
	env.Store(e)
	e.srv.AddUser("0911111111", 10_000)
	alice := e.srv.AddUser("0912345678", 1_500_000)

	t.Run("link confirm", func(t *testing.T) {
		lk := e.newLink(t, "alice@example.com")
		if err := chromedp.Do(ctx, chromedp.Navigate(lk.WebURL), chromedp.WaitVisible(chromedp.ID("confirm"))); err != nil {
			t.Fatal(err)
		}
		w, err := chromedp.Run(ctx, chromedp.Poll[int](`(() => { const i = document.getElementById('qr'); return i && i.complete && i.naturalWidth; })()`,
			chromedp.WithPollingTimeout(10*time.Second)))
		if err != nil || w <= 0 {
			t.Fatalf("the QR image did not load: width %d, %v", w, err)
		}
		partner, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("partner")))
		if err != nil || partner != "PARTNER01" {
			t.Errorf("partner shown: %q %v", partner, err)
		}
		browsertest.Screenshot(t, ctx, t.Name()+"-page")
		if err := chromedp.Do(ctx,
			chromedp.SetValue(chromedp.ID("user"), alice),
			chromedp.Click(chromedp.ID("confirm")),
			chromedp.WaitVisible(chromedp.ID("merchant")),
		); err != nil {
			t.Fatal(err)
		}
		got, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("merchant")))
		if want := "link " + lk.LinkID + ": linked *******678"; err != nil || got != want {
			t.Errorf("merchant page says %q (%v), want %q", got, err, want)
		}
		cbs := e.linkCallbacks()
		if len(cbs) == 0 || cbs[len(cbs)-1].err != nil || cbs[len(cbs)-1].cb.LinkReferenceID != lk.LinkID {
			t.Errorf("link callbacks: %+v", cbs)
		}
		browsertest.Screenshot(t, ctx, t.Name())
	})

	t.Run("link cancel", func(t *testing.T) {
		lk := e.newLink(t, "alice@example.com")
		if err := chromedp.Do(ctx,
			chromedp.Navigate(lk.WebURL),
			chromedp.Click(chromedp.ID("cancel")),
			chromedp.WaitVisible(chromedp.ID("merchant")),
		); err != nil {
			t.Fatal(err)
		}
		got, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("merchant")))
		if want := "link " + lk.LinkID + ": cancelled"; err != nil || got != want {
			t.Errorf("merchant page says %q (%v), want %q", got, err, want)
		}
		cbs := e.linkCallbacks()
		if len(cbs) == 0 || !errors.Is(cbs[len(cbs)-1].err, vinidpay.ErrLinkFailed) {
			t.Errorf("link callbacks: %+v", cbs)
		}
		// Back on the link page, it says the link was cancelled.
		if err := chromedp.Do(ctx, chromedp.Navigate(lk.WebURL), chromedp.WaitVisible(chromedp.ID("error"))); err != nil {
			t.Fatal(err)
		}
		msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("error")))
		if err != nil || !strings.Contains(msg, "cancelled") {
			t.Errorf("link page after cancel: %q %v", msg, err)
		}
		browsertest.Screenshot(t, ctx, t.Name())
	})

	t.Run("sms", func(t *testing.T) {
		lk := e.newLink(t, "alice@example.com")
		token, err := e.srv.ConfirmLink(lk.LinkID, alice)
		if err != nil {
			t.Fatal(err)
		}
		tx, err := e.client.CreateTransaction(context.Background(), vinidpay.CreateTransactionRequest{
			UserToken: token, InvoiceNo: "INV-BROWSER-1", Amount: decimal.NewFromInt(150_000), StoreCode: "S1", POSCode: "P1",
		})
		if err != nil {
			t.Fatal(err)
		}
		sel := chromedp.CSS(`tr[data-transaction="` + tx.TransactionID + `"] td.otp`)
		if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/sms"), chromedp.WaitVisible(sel)); err != nil {
			t.Fatal(err)
		}
		otp, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatal(err)
		}
		done, err := e.client.ConfirmTransaction(context.Background(), vinidpay.ConfirmTransactionRequest{
			UserToken: token, TransactionID: tx.TransactionID, TransactionReferenceNumber: tx.TransactionRefNumber, OTP: otp,
		})
		if err != nil {
			t.Fatalf("confirm with the otp read from the page (%q): %v", otp, err)
		}
		if done.Status != vinidpay.StatusSuccess {
			t.Errorf("status %s after the otp", done.Status)
		}
		browsertest.Screenshot(t, ctx, t.Name())
	})
}
