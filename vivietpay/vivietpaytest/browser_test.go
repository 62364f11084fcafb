package vivietpaytest_test

import (
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/thanhtoan/thanhtoan/internal/browsertest"
	"github.com/thanhtoan/thanhtoan/vivietpay"
	"github.com/thanhtoan/thanhtoan/vivietpay/vivietpaytest"
)

// TestBrowser pays on the fake's pages in headless Chromium: login, a
// wrong OTP then the right one (read from the page's demo hint), a cancel,
// and an account whose balance is too low; each ends at a loopback merchant
// page that verifies the return with the vivietpay client.
func TestBrowser(t *testing.T) {
	ctx := browsertest.New(t)
	e := newEnv(t, vivietpay.V1, nil)
	const poor = "0912000002"
	e.srv.AddAccount(vivietpaytest.Account{Phone: poor, Password: pw, Balance: 10_000})

	var orders sync.Map // merch_txn_ref -> vivietpay.Order
	merchant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, err := e.client.ParseReturnFunc(r.URL.Query(), func(ref string) (vivietpay.Order, error) {
			if o, ok := orders.Load(ref); ok {
				return o.(vivietpay.Order), nil
			}
			return vivietpay.Order{}, errors.New("no such order")
		})
		var apiErr *vivietpay.APIError
		text := ""
		switch {
		case err == nil || errors.As(err, &apiErr) && res != nil:
			text = fmt.Sprintf("%s %s: code %s", r.URL.Path, res.MerchTxnRef, res.ResponseCode)
		default:
			text = "invalid return: " + err.Error()
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><meta charset="utf-8"><title>shop</title><p id="merchant">%s</p>`, html.EscapeString(text))
	}))
	t.Cleanup(merchant.Close)

	open := func(t *testing.T) vivietpay.Order {
		t.Helper()
		o := order(150_000)
		o.ReturnURL, o.CancelURL = merchant.URL+"/return", merchant.URL+"/cancel"
		orders.Store(o.MerchTxnRef, o)
		link, err := e.client.CheckoutURL(o)
		if err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("pay"))); err != nil {
			t.Fatal(err)
		}
		amount, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("amount")))
		if err != nil || amount != "150.000 ₫" {
			t.Errorf("amount shown: %q %v", amount, err)
		}
		return o
	}
	login := func(account string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(
			chromedp.SetValue(chromedp.ID("account"), account),
			chromedp.SetValue(chromedp.ID("password"), pw),
			chromedp.Click(chromedp.ID("pay")),
		)
	}
	// backToMerchant checks the result page's code, then follows its link.
	backToMerchant := func(t *testing.T, code, path string, o vivietpay.Order) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("outcome"))); err != nil {
			t.Fatal(err)
		}
		got, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("code")))
		if err != nil || got != code {
			t.Errorf("result page code %q (%v), want %s", got, err, code)
		}
		browsertest.Screenshot(t, ctx, t.Name()+"-result")
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("return-link")), chromedp.WaitVisible(chromedp.ID("merchant"))); err != nil {
			t.Fatal(err)
		}
		got, err = chromedp.Run(ctx, chromedp.Text(chromedp.ID("merchant")))
		if want := fmt.Sprintf("%s %s: code %s", path, o.MerchTxnRef, code); err != nil || got != want {
			t.Errorf("merchant page says %q (%v), want %q", got, err, want)
		}
		browsertest.Screenshot(t, ctx, t.Name())
	}

	t.Run("wrong then right otp", func(t *testing.T) {
		o := open(t)
		browsertest.Screenshot(t, ctx, t.Name()+"-login")
		if err := chromedp.Do(ctx, login(phone), chromedp.WaitVisible(chromedp.ID("demo-otp"))); err != nil {
			t.Fatal(err)
		}
		otp, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("demo-otp")))
		if err != nil || otp != e.srv.OTP(phone) || len(otp) != 6 {
			t.Fatalf("demo otp %q (%v), the fake sent %q", otp, err, e.srv.OTP(phone))
		}
		wrong := otp[:5] + string(rune('0'+(otp[5]-'0'+1)%10)) // differs in the last digit
		if err := chromedp.Do(ctx,
			chromedp.SetValue(chromedp.ID("otp"), wrong),
			chromedp.Click(chromedp.ID("confirm")),
			chromedp.WaitVisible(chromedp.ID("error")),
		); err != nil {
			t.Fatal(err)
		}
		msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("error")))
		if err != nil || !strings.Contains(msg, "2 tries left") {
			t.Errorf("after a wrong otp the page says %q (%v)", msg, err)
		}
		browsertest.Screenshot(t, ctx, t.Name()+"-wrong-otp")
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.ID("otp"), otp), chromedp.Click(chromedp.ID("confirm"))); err != nil {
			t.Fatal(err)
		}
		backToMerchant(t, "00", "/return", o)
		if p, _ := e.srv.Payment(o.MerchTxnRef); p.Code != vivietpay.CodeSuccess {
			t.Errorf("the fake recorded %+v", p)
		}
	})

	t.Run("cancel", func(t *testing.T) {
		o := open(t)
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("cancel"))); err != nil {
			t.Fatal(err)
		}
		backToMerchant(t, "01", "/cancel", o)
	})

	t.Run("cancel at the otp", func(t *testing.T) {
		o := open(t)
		if err := chromedp.Do(ctx, login(phone), chromedp.WaitVisible(chromedp.ID("otp")), chromedp.Click(chromedp.ID("cancel"))); err != nil {
			t.Fatal(err)
		}
		backToMerchant(t, "01", "/cancel", o)
	})

	t.Run("insufficient balance", func(t *testing.T) {
		o := open(t)
		if err := chromedp.Do(ctx, login(poor)); err != nil {
			t.Fatal(err)
		}
		backToMerchant(t, "07", "/return", o)
		if a, _ := e.srv.Account(poor); a.Balance != 10_000 {
			t.Errorf("the poor account was debited: %+v", a)
		}
	})
}
