package main

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/internal/browsertest"
	"github.com/thanhtoan/thanhtoan/wallet"
)

// The customer's journeys in headless Chromium: the demo's pages, the fake
// gateways' pages, and back. They skip without Chromium (see
// internal/browsertest) and leave a screenshot of each final page in
// testdata/screenshots.

// tab drives one browser tab on the demo.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func newTab(t *testing.T, base string) *tab {
	t.Helper()
	return &tab{t: t, ctx: browsertest.New(t), base: base}
}

// step bounds one browser action, so that a missing element fails in
// seconds rather than at the session's timeout.
func (b *tab) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, 15*time.Second)
}

// open loads a page of the demo and checks it answered 200.
func (b *tab) open(path string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(b.base+path))
	if err != nil {
		b.t.Fatalf("open %s: %v", path, err)
	}
	if resp.Status != http.StatusOK {
		b.t.Fatalf("open %s: HTTP %d", path, resp.Status)
	}
}

// click clicks an element that loads a page (a button or a link), waits
// for the page, redirects followed, and checks it answered 200.
func (b *tab) click(sel string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("click %s: %v", sel, err)
	}
	if resp.Status != http.StatusOK {
		b.t.Fatalf("click %s: HTTP %d at %s", sel, resp.Status, resp.URL)
	}
}

// set sets the value of an input or a select.
func (b *tab) set(sel, value string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(sel), value)); err != nil {
		b.t.Fatalf("set %s: %v", sel, err)
	}
}

// text returns the visible text of an element.
func (b *tab) text(sel string) string {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func (b *tab) location() string {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	u, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return u
}

// want checks an element's text.
func (b *tab) want(sel, want string) {
	b.t.Helper()
	if got := b.text(sel); got != want {
		b.t.Errorf("%s shows %q, want %q (at %s)", sel, got, want, b.location())
	}
}

func (b *tab) screenshot(suffix ...string) {
	b.t.Helper()
	browsertest.Screenshot(b.t, b.ctx, strings.Join(append([]string{b.t.Name()}, suffix...), "-"))
}

// orderID is the order of the order page the tab shows.
func (b *tab) orderID() string {
	b.t.Helper()
	m := orderPath.FindStringSubmatch(b.location())
	if m == nil {
		b.t.Fatalf("not on an order page: %s", b.location())
	}
	return m[1]
}

// buy fills in the buy form on the home page and creates the order.
func (b *tab) buy(vcpu, ram, disk, months, region string) string {
	b.t.Helper()
	b.open("/")
	b.set("#vcpu", vcpu)
	b.set("#ram", ram)
	b.set("#disk", disk)
	b.set("#months", months)
	b.set("#region", region)
	b.click("#create")
	b.want("#state", "Mới tạo")
	return b.orderID()
}

// payWith chooses a method and a gateway on the order page and pays.
func (b *tab) payWith(method checkout.Method, gateway string) {
	b.t.Helper()
	b.set("#method-choice", string(method))
	if gateway != "" {
		b.set("#gateway-choice", gateway)
	}
	b.click("#pay")
}

// onVTCPay checks the fake VTC Pay page shows the amount and presses a
// button: "#pay" or "#cancel".
func (b *tab) onVTCPay(amount, button string) {
	b.t.Helper()
	if u := b.location(); !strings.Contains(u, "/checkout.html") {
		b.t.Fatalf("not on VTC Pay's page: %s", u)
	}
	if got := b.text("#amount"); !strings.Contains(strings.NewReplacer(".", "", ",", "").Replace(got), amount) {
		b.t.Errorf("VTC Pay shows the amount %q, want %s", got, amount)
	}
	b.click(button)
}

func TestBrowserPayWithCredit(t *testing.T) {
	a, base := startApp(t, config{})
	b := newTab(t, base)
	id := b.buy("1", "1", "20", "1", "hn1")
	b.want("#total", "130.000 ₫")
	b.payWith(checkout.MethodCredit, "")
	b.want("#state", "Hoàn tất")
	b.want("#flash", "Thanh toán thành công.")
	b.want("#credit-used", "130.000 ₫")
	if !hasCredit(creditLines(t, a, "an"), wallet.CreditPayment, id, 130_000) {
		t.Errorf("Credit History lacks the payment")
	}
	b.open("/history/credit")
	b.want("#balance", "370.000 ₫")
	b.want("#credit-history tr:nth-child(3) .kind", "Thanh toán")
	b.want("#credit-history tr:nth-child(3) .amount", "130.000 ₫")
	b.screenshot()
}

func TestBrowserTopUpAndPayThroughVTCPay(t *testing.T) {
	a, base := startApp(t, config{})
	b := newTab(t, base)
	id := b.buy("4", "8", "80", "1", "hcm1") // 240.000 + 320.000 + 120.000
	b.want("#total", "680.000 ₫")
	b.payWith(checkout.MethodTopUpAndPay, "vtcpay")
	b.onVTCPay("180000", "#pay") // the price less the 500.000 ₫ of credit
	b.want("#state", "Hoàn tất")
	b.want("#credit-used", "500.000 ₫")
	b.want("#gateway-amount", "180.000 ₫")
	b.screenshot("order")
	lines := creditLines(t, a, "an")
	if !hasCredit(lines, wallet.CreditHold, id, 500_000) || !hasCredit(lines, wallet.CreditTopUp, id, 180_000) {
		t.Errorf("Credit History lacks the hold of 500000 or the top-up of 180000: %+v", lines)
	}
	if got := available(t, a, "an"); got != "0" {
		t.Errorf("balance %s, want 0", got)
	}
	b.open("/history/payments")
	b.want("#payment-history tr:nth-child(2) .amount", "180.000 ₫")
	b.screenshot()
}

func TestBrowserGatewayVTCPay(t *testing.T) {
	a, base := startApp(t, config{})
	b := newTab(t, base)
	id := b.buy("2", "4", "40", "1", "hn1")
	b.payWith(checkout.MethodGateway, "vtcpay")
	b.onVTCPay("340000", "#pay")
	b.want("#state", "Hoàn tất")
	b.want("#gateway-used", "VTC Pay")
	if ps := payments(t, a, "an"); len(ps) != 1 || ps[0].OrderID != id || !ps[0].Amount.Equal(order(t, a, id).Amount) {
		t.Errorf("Payment History %+v", ps)
	}
	if got := available(t, a, "an"); got != "500000" {
		t.Errorf("balance %s: a gateway payment must not touch credit", got)
	}
	b.screenshot()
}

var otpDigits = regexp.MustCompile(`[0-9]{4,10}`)

func TestBrowserGatewayViViet(t *testing.T) {
	a, base := startApp(t, config{})
	b := newTab(t, base)
	id := b.buy("2", "4", "40", "1", "hn1")
	b.payWith(checkout.MethodGateway, "vietpay")
	// Ví Việt's login page, then its OTP page.
	b.want("#amount", "340.000 ₫")
	b.set("#account", vietAccounts[0].Phone)
	b.set("#password", vietAccounts[0].Password)
	b.click("#pay")
	otpPage := b.location()
	// The OTP "sent by SMS" shows on the demo's SMS page.
	b.open("/sms")
	sms := b.text("#sms")
	code := otpDigits.FindString(strings.TrimPrefix(sms, "Ví Việt gửi tới "+vietAccounts[0].Phone))
	if !strings.Contains(sms, vietAccounts[0].Phone) || code == "" {
		t.Fatalf("SMS page: %q", sms)
	}
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(otpPage)); err != nil {
		t.Fatal(err)
	}
	b.want("#demo-otp", code) // Ví Việt's own demo hint agrees
	b.set("#otp", code)
	b.click("#confirm")
	if got := b.text("#outcome"); !strings.HasPrefix(got, "Giao dịch thành công") {
		t.Errorf("Ví Việt says %q", got)
	}
	b.click("#return-link")
	b.want("#state", "Hoàn tất")
	b.want("#gateway-used", "Ví Việt")
	if o := order(t, a, id); o.State != checkout.StateCompleted || len(invoices(t, a, "an")) != 1 {
		t.Errorf("order %s, %d invoices", o.State, len(invoices(t, a, "an")))
	}
	b.screenshot()
}

// linkVinID links a VinID wallet on the fake VinID's link page, as the
// fake's user userID, and comes back to the demo.
func (b *tab) linkVinID(userID string) {
	b.t.Helper()
	b.want("#vinid-status", "Chưa liên kết ví VinID. Liên kết một lần để thanh toán bằng VinID Pay.")
	b.click("#link")
	if !strings.Contains(b.location(), "/link/") {
		b.t.Fatalf("not on VinID's link page: %s", b.location())
	}
	ctx, cancel := b.step()
	defer cancel()
	// The QR code for the VinID app is an image that loaded.
	if w, err := chromedp.Run(ctx, chromedp.Poll[int](`document.getElementById("qr").complete && document.getElementById("qr").naturalWidth`)); err != nil || w <= 0 {
		b.t.Errorf("the QR code did not load: %d, %v", w, err)
	}
	b.set("#user", userID)
	b.click("#confirm")
}

func TestBrowserGatewayVinIDWithOTP(t *testing.T) {
	a, base := startApp(t, config{})
	b := newTab(t, base)
	id := b.buy("2", "4", "40", "3", "hn1") // 1.020.000 ₫: at or above VinID's OTP threshold
	b.want("#total", "1.020.000 ₫")
	b.payWith(checkout.MethodGateway, "vinidpay")
	// First the wallet link, then back to the order.
	b.want("#flash", "Hãy liên kết ví VinID trước, rồi thanh toán lại.")
	b.linkVinID(a.vinidIDs[0])
	b.want("#flash", "Đã liên kết ví VinID.")
	if b.orderID() != id {
		t.Fatalf("after linking, at %s", b.location())
	}
	b.payWith(checkout.MethodGateway, "vinidpay")
	b.want("#otp-amount", "1.020.000 ₫")
	code := otpDigits.FindString(b.text("#otp-hint"))
	if code == "" {
		t.Fatal("no OTP hint")
	}
	b.set("#otp", code)
	b.click("#otp-confirm")
	b.want("#state", "Hoàn tất")
	b.want("#gateway-used", "VinID Pay")
	bal, err := a.vinid.Balance(a.vinidIDs[0])
	if err != nil || bal != vinidUsers[0].Balance-1_020_000 {
		t.Errorf("VinID wallet %d, %v; want %d", bal, err, vinidUsers[0].Balance-1_020_000)
	}
	if ps := payments(t, a, "an"); len(ps) != 1 || ps[0].Gateway != "vinidpay" {
		t.Errorf("Payment History %+v", ps)
	}
	b.screenshot()
}

func TestBrowserCancelOnVTCPay(t *testing.T) {
	a, base := startApp(t, config{})
	b := newTab(t, base)
	id := b.buy("1", "2", "20", "1", "hn1")
	b.payWith(checkout.MethodGateway, "vtcpay")
	b.onVTCPay("170000", "#cancel")
	b.want("#state", "Đã hủy")
	if o := order(t, a, id); o.State != checkout.StateCancelled {
		t.Errorf("order %s", o.State)
	}
	if ps, invs := payments(t, a, "an"), invoices(t, a, "an"); len(ps) != 0 || len(invs) != 0 {
		t.Errorf("a cancelled payment left %d payments and %d invoices", len(ps), len(invs))
	}
	if got := available(t, a, "an"); got != "500000" {
		t.Errorf("balance %s", got)
	}
	b.screenshot()
}

func TestBrowserWrongOTPOnVinID(t *testing.T) {
	a, base := startApp(t, config{})
	b := newTab(t, base)
	b.open("/vinid")
	b.linkVinID(a.vinidIDs[1])
	id := b.buy("2", "4", "40", "3", "hn1")
	b.payWith(checkout.MethodGateway, "vinidpay")
	code := otpDigits.FindString(b.text("#otp-hint"))
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	b.set("#otp", wrong)
	b.click("#otp-confirm")
	b.want("#flash", "Mã OTP không đúng; hãy thử lại.")
	if o := order(t, a, id); o.State != checkout.StateAwaitingPayment {
		t.Fatalf("after one wrong OTP the order is %s", o.State)
	}
	for range 2 {
		if strings.HasSuffix(b.location(), "/otp") {
			b.set("#otp", wrong)
			b.click("#otp-confirm")
		}
	}
	b.want("#state", "Đã hủy")
	b.want("#flash", "Thanh toán không thành công.")
	if bal, _ := a.vinid.Balance(a.vinidIDs[1]); bal != vinidUsers[1].Balance {
		t.Errorf("VinID wallet %d after a failed payment", bal)
	}
	if len(invoices(t, a, "an")) != 0 {
		t.Error("an invoice for a failed payment")
	}
	b.screenshot()
}

func TestBrowserProvisioningFailureRefundsToCredit(t *testing.T) {
	a, base := startApp(t, config{})
	b := newTab(t, base)
	id := b.buy("1", "1", "20", "1", "dn1") // the full region
	b.payWith(checkout.MethodGateway, "vtcpay")
	b.onVTCPay("130000", "#pay")
	b.want("#state", "Đã hủy")
	b.want("#next", "Khởi tạo thất bại: số tiền đã thanh toán được hoàn vào tài khoản tín dụng (xem Lịch sử tín dụng).")
	if !hasCredit(creditLines(t, a, "an"), wallet.CreditRefund, id, 130_000) {
		t.Errorf("Credit History lacks the refund of 130000")
	}
	if got := available(t, a, "an"); got != "630000" {
		t.Errorf("balance %s, want 630000 (the gateway payment refunded to credit)", got)
	}
	if len(invoices(t, a, "an")) != 0 {
		t.Error("an invoice for an order that was refunded")
	}
	// The refund email is in the demo's Mailbox.
	b.click("#nav-mailbox")
	b.click("a.mail-refunded")
	b.want("#mail-to", "an@example.vn")
	if body := b.text("#mail-body"); !strings.Contains(body, "130.000 ₫") || !strings.Contains(body, id) {
		t.Errorf("the refund email does not name the order and the amount:\n%s", body)
	}
	b.open("/history/credit")
	b.want("#balance", "630.000 ₫")
	b.want("#credit-history tr:last-child .kind", "Hoàn tiền")
	b.want("#credit-history tr:last-child .amount", "130.000 ₫")
	b.screenshot()
}

func TestBrowserPaymentOnBehalf(t *testing.T) {
	a, base := startApp(t, config{})
	b := newTab(t, base)
	id := b.buy("2", "4", "80", "1", "hn1") // 120.000 + 160.000 + 120.000
	b.set("#share-email", "binh@example.vn")
	b.click("#share-send")
	b.want("#state", "Chờ người khác thanh toán")
	b.want("#payer", "binh@example.vn")
	// Bình opens the email and pays.
	b.set("#customer", "binh")
	b.click("#switch-customer")
	b.click("#nav-mailbox")
	b.click("a.mail-share_link")
	b.want("#mail-to", "binh@example.vn")
	b.click(`#mail-body a[href*="/pay/share/"]`)
	// Checkout's share page, in the order's language (Vietnamese).
	b.want("#title", "Thanh toán hộ đơn hàng "+id)
	b.want("#requester", "an@example.vn")
	b.want("#items tbody tr:nth-child(1) .amount", "400.000 ₫")
	b.want("#total", "400.000 ₫")
	if exp := b.text("#expires"); !shareExpiry.MatchString(exp) {
		t.Errorf("the link's expiry reads %q, want HH:MM DD/MM/YYYY", exp)
	}
	b.want(`button[name="gateway"][value="vtcpay"]`, "Thanh toán qua VTC Pay")
	b.want(`button[name="gateway"][value="vietpay"]`, "Thanh toán qua Ví Việt")
	b.wantStyled("#pay-vtcpay")
	b.screenshot("share")
	// In English, and back.
	b.click("#lang-en")
	b.want("#title", "Pay order "+id+" on behalf")
	b.want("#total", "400.000 ₫")
	b.want("#pay-vtcpay", "Pay with VTC Pay")
	b.click("#lang-vi")
	b.click(`button[name="gateway"][value="vtcpay"]`)
	b.onVTCPay("400000", "#pay")
	b.want("#result", "Cảm ơn bạn. Trạng thái đơn hàng "+id+": Hoàn tất.")
	// An's Billing History has the invoice; Bình's credit is untouched.
	b.open("/")
	b.want("#balance", "200.000 ₫")
	b.set("#customer", "an")
	b.click("#switch-customer")
	b.open("/history/billing")
	b.want("#billing-history tr:nth-child(2) .amount", "400.000 ₫")
	b.want("#billing-history tr:nth-child(2) a", id+"/invoice")
	invs := invoices(t, a, "an")
	if len(invs) != 1 || invs[0].OrderID != id || invs[0].Method != checkout.MethodOnBehalf {
		t.Errorf("an's Billing History %+v", invs)
	}
	if ps := payments(t, a, "an"); len(ps) != 1 || ps[0].Payer != "binh@example.vn" {
		t.Errorf("an's Payment History %+v", ps)
	}
	if n := len(invoices(t, a, "binh")); n != 0 {
		t.Errorf("binh has %d invoices", n)
	}
	b.screenshot()
}

// Payment on behalf through VinID Pay at its OTP threshold: the payer's OTP
// goes on checkout's own OTP page, which says when a code is refused.
func TestBrowserPaymentOnBehalfVinIDWithOTP(t *testing.T) {
	a, base := startApp(t, config{})
	b := newTab(t, base)
	id := b.buy("2", "4", "40", "3", "hn1") // 1.020.000 ₫
	b.set("#share-email", "binh@example.vn")
	b.click("#share-send")
	b.want("#state", "Chờ người khác thanh toán")
	// Bình links a VinID wallet, opens the email and pays with it.
	b.set("#customer", "binh")
	b.click("#switch-customer")
	b.open("/vinid")
	b.linkVinID(a.vinidIDs[1])
	b.click("#nav-mailbox")
	b.click("a.mail-share_link")
	b.click(`#mail-body a[href*="/pay/share/"]`)
	b.want("#total", "1.020.000 ₫")
	b.click(`button[name="gateway"][value="vinidpay"]`)
	b.want("#title", "Nhập mã OTP")
	b.want("#otp-amount", "1.020.000 ₫")
	o := order(t, a, id)
	code, ok := a.vinid.OTP(o.Attempts[len(o.Attempts)-1].GatewayTxnID)
	if !ok {
		t.Fatal("VinID sent no OTP")
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	b.set(`input[name="otp"]`, wrong)
	b.click("#otp-confirm")
	if got := b.text("#error"); !strings.HasPrefix(got, "Mã OTP không được chấp nhận.") {
		t.Errorf("after a wrong OTP the page says %q", got)
	}
	b.screenshot("otp")
	b.set(`input[name="otp"]`, code)
	b.click("#otp-confirm")
	b.want("#result", "Cảm ơn bạn. Trạng thái đơn hàng "+id+": Hoàn tất.")
	if bal, err := a.vinid.Balance(a.vinidIDs[1]); err != nil || bal != vinidUsers[1].Balance-1_020_000 {
		t.Errorf("Bình's VinID wallet %d, %v; want %d", bal, err, vinidUsers[1].Balance-1_020_000)
	}
	if invs := invoices(t, a, "an"); len(invs) != 1 || invs[0].OrderID != id || invs[0].Method != checkout.MethodOnBehalf {
		t.Errorf("an's Billing History %+v", invs)
	}
	b.screenshot()
}

var shareExpiry = regexp.MustCompile(`^[0-2][0-9]:[0-5][0-9] [0-3][0-9]/[01][0-9]/20[0-9]{2}$`)

// wantStyled checks that the page's inline style applies to a button (the
// checkout pages' Content-Security-Policy allows it by its hash): it is
// blue, not the browser's grey.
func (b *tab) wantStyled(sel string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	bg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector(`+"`"+sel+"`"+`)).backgroundColor`))
	if err != nil || bg != "rgb(21, 112, 239)" {
		b.t.Errorf("%s has background %q (%v): the page's style did not apply", sel, bg, err)
	}
}

func TestBrowserInsufficientBalanceOnViViet(t *testing.T) {
	a, base := startApp(t, config{})
	b := newTab(t, base)
	id := b.buy("1", "1", "20", "1", "hn1")
	b.payWith(checkout.MethodGateway, "vietpay")
	low := vietAccounts[2] // 10.000 ₫ in the wallet
	b.set("#account", low.Phone)
	b.set("#password", low.Password)
	b.click("#pay")
	if got := b.text("#outcome"); !strings.HasPrefix(got, "Giao dịch không thành công") {
		t.Errorf("Ví Việt says %q", got)
	}
	b.click("#return-link")
	b.want("#state", "Đã hủy")
	if o := order(t, a, id); o.State != checkout.StateCancelled || len(payments(t, a, "an")) != 0 {
		t.Errorf("order %s with %d payments", o.State, len(payments(t, a, "an")))
	}
	b.screenshot()
}
