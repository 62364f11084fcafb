package vivietpaytest_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/thanhtoan/thanhtoan/vivietpay"
	"github.com/thanhtoan/thanhtoan/vivietpay/vivietpaytest"
)

// The payer's pages are plain browser pages, bilingual, with the amount as
// Vietnamese users read it, and show the demo hints unless told not to.
func TestPagesForBrowsers(t *testing.T) {
	t.Parallel()
	for _, hide := range []bool{false, true} {
		e := newEnv(t, vivietpay.V1, func(c *vivietpaytest.Config) { c.HideDemoHints = hide })
		e.srv.AddAccount(vivietpaytest.Account{Phone: "0912000009", Password: "pw-locked", Status: vivietpaytest.Locked, Balance: 1_234_567})
		link, err := e.client.CheckoutURL(order(150_000))
		if err != nil {
			t.Fatal(err)
		}
		p := e.srv.NewPayer()
		ctx := context.Background()
		login, err := p.Open(ctx, link)
		if err != nil || !login.IsLogin() {
			t.Fatalf("login page: %v", err)
		}
		for _, want := range []string{
			"<!doctype html>", `<meta charset="utf-8">`, `name="viewport"`, "<title>", "<style>",
			`id="amount" class="amount">150.000 ₫<`, "Số tiền", "Amount", "Mật khẩu", "Password",
			`id="pay" name="action" value="pay"`, `id="cancel" name="action" value="cancel"`,
		} {
			if !strings.Contains(login.Body, want) {
				t.Errorf("hide=%v: login page lacks %q", hide, want)
			}
		}
		demo := []string{`id="demo-accounts"`, `<td class="phone">` + phone + `</td><td class="secret">` + pw + `</td><td class="balance">1.000.000 ₫</td><td class="limit">500.000 ₫</td>`,
			`<td class="phone">0912000009</td><td class="secret">pw-locked</td><td class="balance">1.234.567 ₫</td><td class="limit">—</td><td class="state">bị khóa / locked</td>`}
		for _, want := range demo {
			if strings.Contains(login.Body, want) == hide {
				t.Errorf("hide=%v: the login page's demo accounts (%q) shown: %v", hide, want, !hide)
			}
		}
		otp, err := p.Submit(ctx, login, url.Values{"account": {phone}, "password": {pw}, "action": {"pay"}})
		if err != nil || !otp.IsOTP() {
			t.Fatalf("otp page: %v", err)
		}
		hint := `id="demo-otp">` + e.srv.OTP(phone) + "<"
		if strings.Contains(otp.Body, hint) == hide || strings.Contains(otp.Body, "demo OTP") == hide {
			t.Errorf("hide=%v: otp hint shown %v", hide, !hide)
		}
		if !strings.Contains(otp.Body, `id="confirm" name="action" value="confirm"`) || !strings.Contains(otp.Body, `id="cancel"`) {
			t.Errorf("otp page lacks its buttons: %s", otp.Body)
		}
		res, err := p.Submit(ctx, otp, url.Values{"otp": {e.srv.OTP(phone)}, "action": {"confirm"}})
		if err != nil || !res.IsResult() {
			t.Fatalf("result page: %v", err)
		}
		if res.Code() != "00" || !strings.Contains(res.Body, "giao dịch thành công") || !strings.Contains(res.Body, "Payment successful") || !strings.Contains(res.Body, `http-equiv="refresh"`) {
			t.Errorf("hide=%v: result page: %s", hide, res.Body)
		}
	}
}

func TestLoginPageWithoutAction(t *testing.T) {
	t.Parallel()
	e := newEnv(t, vivietpay.V1, nil)
	link, err := e.client.CheckoutURL(order(150_000))
	if err != nil {
		t.Fatal(err)
	}
	p := e.srv.NewPayer()
	login, err := p.Open(context.Background(), link)
	if err != nil {
		t.Fatal(err)
	}
	page, err := p.Submit(context.Background(), login, url.Values{"account": {phone}, "password": {pw}, "action": {"steal"}})
	if err != nil || !page.IsLogin() || page.Status != 400 || !strings.Contains(page.Error(), "choose pay or cancel") {
		t.Fatalf("bad action: %v %d %q", err, page.Status, page.Error())
	}
}
