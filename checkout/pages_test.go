package checkout_test

import (
	"crypto/sha256"
	"encoding/base64"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/vtcpay/vtcpaytest"
)

// The payer's pages: share, OTP, result and errors, in both languages.

// viOrder creates a Vietnamese order of two items (150.000 ₫ and
// 1.250.000 ₫), or of the given items.
func viOrder(t *testing.T, e *env, lang checkout.Language, currency string, items ...checkout.LineItem) checkout.Order {
	t.Helper()
	if items == nil {
		items = []checkout.LineItem{
			{Description: "Máy chủ đám mây", Quantity: 1, Amount: vnd(150000),
				Config: []checkout.Attribute{{Name: "vCPU", Value: "2"}, {Name: "RAM", Value: "4 GB"}}},
			{Description: "Ổ đĩa SSD", Quantity: 5, Amount: vnd(1250000)},
		}
	}
	o, err := e.c.CreateOrder(e.ctx, checkout.OrderRequest{Customer: "an", Email: "an@example.vn", Language: lang,
		Currency: currency, Items: items})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func get(e *env, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, baseURL+path, nil))
	return rec
}

func post(e *env, path string, form url.Values) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, baseURL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

var (
	tagPattern   = regexp.MustCompile(`<[^>]*>`)
	spacePattern = regexp.MustCompile(`\s+`)
	navPattern   = regexp.MustCompile(`<nav id="lang">.*</nav>`)
)

// byID returns the text of the element with that id ("" if none): its
// content up to the first closing tag of its kind, tags stripped.
func byID(body, id string) string {
	m := regexp.MustCompile(`<([a-z0-9]+)[^>]*\sid="` + regexp.QuoteMeta(id) + `"[^>]*>`).FindStringSubmatchIndex(body)
	if m == nil {
		return ""
	}
	rest := body[m[1]:]
	if end := strings.Index(rest, "</"+body[m[2]:m[3]]+">"); end >= 0 {
		rest = rest[:end]
	}
	return strings.TrimSpace(spacePattern.ReplaceAllString(html.UnescapeString(tagPattern.ReplaceAllString(rest, "")), " "))
}

// wantPage checks a page's status, headers, language and that it holds
// every string of want and none of wantNot.
func wantPage(t *testing.T, name string, rec *httptest.ResponseRecorder, status int, lang string, want, wantNot []string) string {
	t.Helper()
	body := rec.Body.String()
	if rec.Code != status {
		t.Errorf("%s: status %d, want %d\n%s", name, rec.Code, status, body)
	}
	h := rec.Header()
	if h.Get("Content-Type") != "text/html; charset=utf-8" || h.Get("Cache-Control") != "no-store" ||
		h.Get("Referrer-Policy") != "no-referrer" || !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("%s: headers %v", name, h)
	}
	if !strings.Contains(body, `<html lang="`+lang+`">`) || !strings.Contains(body, `name="viewport"`) {
		t.Errorf("%s: not a %s page with a viewport", name, lang)
	}
	if strings.Contains(body, "<script") {
		t.Errorf("%s: a script", name)
	}
	for _, s := range want {
		if !strings.Contains(body, s) {
			t.Errorf("%s: lacks %q\n%s", name, s, body)
		}
	}
	// The language link may repeat the request's query; the rest may not.
	rest := navPattern.ReplaceAllString(body, "")
	for _, s := range wantNot {
		if strings.Contains(rest, s) {
			t.Errorf("%s: holds %q\n%s", name, s, body)
		}
	}
	return body
}

func TestSharePageInBothLanguages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	o := viOrder(t, e, checkout.Vietnamese, "")
	token := share(t, e, o.ID, "binh@example.vn")

	// Vietnamese by default: the order's language. The expiry, 08:00 UTC
	// three days on, is shown in Vietnam time.
	body := wantPage(t, "vi", get(e, "/share/"+token), http.StatusOK, "vi",
		[]string{"Thanh toán hộ đơn hàng " + o.ID, "Máy chủ đám mây", "<li>RAM: 4 GB</li>", "150.000 ₫", "1.250.000 ₫",
			"Tổng cộng", `name="gateway" value="vtcpay"`, "Thanh toán qua VTC Pay", `href="?lang=en"`},
		[]string{"Pay with", "150000", "08:00"})
	for id, want := range map[string]string{"total": "1.400.000 ₫", "requester": "an@example.vn", "expires": "15:00 05/03/2026",
		"lang-en": "English", "pay-vtcpay": "Thanh toán qua VTC Pay"} {
		if got := byID(body, id); got != want {
			t.Errorf("vi: #%s = %q, want %q", id, got, want)
		}
	}
	// The switch to English, and back.
	body = wantPage(t, "en", get(e, "/share/"+token+"?lang=en"), http.StatusOK, "en",
		[]string{"Pay order " + o.ID + " on behalf", "Pay with VTC Pay", "asks you to pay this order", "1.250.000 ₫",
			`href="?lang=vi"`, `action="?lang=en"`},
		[]string{"Thanh toán qua", "Tổng cộng", `id="lang-en"`})
	if got := byID(body, "total"); got != "1.400.000 ₫" {
		t.Errorf("en: total %q", got)
	}
	wantPage(t, "back to vi", get(e, "/share/"+token+"?lang=vi"), http.StatusOK, "vi", []string{"Thanh toán qua VTC Pay"}, nil)
	// lang only ever picks a language: another value is ignored, and other
	// parameters never become a link elsewhere.
	body = wantPage(t, "lang=fr", get(e, "/share/"+token+"?lang=fr&next=https://evil.example/"), http.StatusOK, "vi",
		[]string{"Thanh toán qua VTC Pay"}, nil)
	if strings.Contains(body, `="https://evil`) || !strings.Contains(body, `href="?lang=en&amp;next=https%3A%2F%2Fevil.example%2F"`) {
		t.Errorf("lang=fr: the page links elsewhere:\n%s", body)
	}
	if got := byID(body, "lang-en"); got != "English" {
		t.Errorf("lang=fr: switch %q", got)
	}

	// An English order's page is English by default.
	o2 := viOrder(t, e, checkout.English, "")
	token2 := share(t, e, o2.ID, "binh@example.vn")
	wantPage(t, "english order", get(e, "/share/"+token2), http.StatusOK, "en", []string{"Pay with VTC Pay", "150.000 ₫"},
		[]string{"Thanh toán qua"})
}

func TestSharePageUSD(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	o := viOrder(t, e, checkout.Vietnamese, "USD", checkout.LineItem{Description: "Backup", Quantity: 1, Amount: decimal.RequireFromString("12.5")},
		checkout.LineItem{Description: "Server", Quantity: 1, Amount: decimal.RequireFromString("1234")})
	token := share(t, e, o.ID, "binh@example.vn")
	body := wantPage(t, "usd", get(e, "/share/"+token), http.StatusOK, "vi", []string{"$12.50", "$1,234.00"}, []string{"₫"})
	if got := byID(body, "total"); got != "$1,246.50" {
		t.Errorf("total %q", got)
	}
}

func TestSharePageEscapesHostileText(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	o := viOrder(t, e, checkout.Vietnamese, "", checkout.LineItem{Description: `<script>alert("d")</script>`, Quantity: 1,
		Amount: vnd(150000), Config: []checkout.Attribute{{Name: `<b onmouseover="x">`, Value: `"><img src=x onerror=alert(1)>`}}})
	token := share(t, e, o.ID, "binh@example.vn")
	for _, lang := range []string{"vi", "en"} {
		wantPage(t, lang, get(e, "/share/"+token+"?lang="+lang), http.StatusOK, lang,
			[]string{"&lt;script&gt;alert(&#34;d&#34;)&lt;/script&gt;", "&lt;b onmouseover=&#34;x&#34;&gt;", "&lt;img src=x onerror=alert(1)&gt;"},
			[]string{"<img", "<b ", "<script>"})
	}
}

func TestShareErrorPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	vi := viOrder(t, e, checkout.Vietnamese, "")
	en := viOrder(t, e, checkout.English, "")
	viToken := share(t, e, vi.ID, "binh@example.vn")
	enToken := share(t, e, en.ID, "binh@example.vn")
	// Nothing of an order shows on an error page.
	leaks := []string{vi.ID, en.ID, "an@example.vn", "binh@example.vn", "Máy chủ", "150.000", "1.400.000", "checkout:", "share link", "vtcpay",
		`name="gateway"`}

	check := func(name, path string, status int, lang, title, text string) {
		t.Helper()
		body := wantPage(t, name, get(e, path), status, lang, nil, leaks)
		if got := byID(body, "title"); got != title {
			t.Errorf("%s: title %q, want %q", name, got, title)
		}
		if got := byID(body, "message"); !strings.HasPrefix(got, text) {
			t.Errorf("%s: message %q, want %q...", name, got, text)
		}
	}
	check("unknown", "/share/"+viToken+"x", http.StatusNotFound, "vi", "Không tìm thấy liên kết", "Liên kết thanh toán này không tồn tại.")
	check("unknown en", "/share/"+viToken+"x?lang=en", http.StatusNotFound, "en", "Link not found", "This payment link does not exist.")
	check("too long", "/share/"+strings.Repeat("a", 200), http.StatusNotFound, "vi", "Không tìm thấy liên kết", "Liên kết")

	e.clock.Advance(73 * time.Hour)
	check("expired", "/share/"+viToken, http.StatusGone, "vi", "Liên kết đã hết hạn", "Liên kết thanh toán này đã hết hạn.")
	check("expired en order", "/share/"+enToken, http.StatusGone, "en", "Link expired", "This payment link has expired.")
	check("expired vi", "/share/"+enToken+"?lang=vi", http.StatusGone, "vi", "Liên kết đã hết hạn", "Liên kết")
	rec := post(e, "/share/"+viToken, url.Values{"gateway": {"vtcpay"}})
	if rec.Code != http.StatusGone || byID(rec.Body.String(), "title") != "Liên kết đã hết hạn" {
		t.Errorf("pay through an expired link: %d %s", rec.Code, rec.Body.String())
	}
	if _, err := e.c.Sweep(e.ctx); err != nil {
		t.Fatal(err)
	}
	check("closed", "/share/"+viToken, http.StatusGone, "vi", "Đơn hàng đã đóng", "Đơn hàng này đã bị hủy")
	check("closed en", "/share/"+viToken+"?lang=en", http.StatusGone, "en", "Order closed", "This order was cancelled")
}

func TestSharePostErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	o := viOrder(t, e, checkout.Vietnamese, "")
	token := share(t, e, o.ID, "binh@example.vn")
	for _, c := range []struct {
		name   string
		path   string
		form   url.Values
		status int
		title  string
		back   bool
	}{
		{"no gateway", "/share/" + token, url.Values{}, http.StatusBadRequest, "Chưa chọn cách thanh toán", true},
		{"unknown gateway", "/share/" + token, url.Values{"gateway": {"<b>paypal</b>"}}, http.StatusBadRequest, "Chưa chọn cách thanh toán", true},
		{"unknown gateway en", "/share/" + token + "?lang=en", url.Values{"gateway": {"paypal"}}, http.StatusBadRequest, "No payment method chosen", true},
		{"empty otp", "/share/" + token, url.Values{"otp": {" "}}, http.StatusBadRequest, "Chưa nhập mã OTP", true},
		{"no otp awaited", "/share/" + token, url.Values{"otp": {"123456"}}, http.StatusBadRequest, "Yêu cầu không hợp lệ", true},
		{"unknown link", "/share/" + token + "x", url.Values{"gateway": {"vtcpay"}}, http.StatusNotFound, "Không tìm thấy liên kết", false},
	} {
		rec := post(e, c.path, c.form)
		body := rec.Body.String()
		if rec.Code != c.status || byID(body, "title") != c.title {
			t.Errorf("%s: %d %q, want %d %q", c.name, rec.Code, byID(body, "title"), c.status, c.title)
		}
		if back := strings.Contains(body, `id="back" href="?lang=`); back != c.back {
			t.Errorf("%s: link back to the order %v, want %v", c.name, back, c.back)
		}
		for _, leak := range []string{o.ID, "150.000", "paypal", "checkout:", "unknown gateway"} {
			if strings.Contains(body, leak) {
				t.Errorf("%s: the page holds %q", c.name, leak)
			}
		}
	}
	e.wantState(o.ID, checkout.StateShared)
}

// The payer's OTP page (VinID Pay at its threshold): a refused code says
// so, the language switches on the OTP page itself, and the right code
// shows the result page.
func TestOTPAndResultPagesOnBehalf(t *testing.T) {
	t.Parallel()
	const boss = "boss@parent.example"
	ve := newVinIDEnv(t, 1_000_000, boss)
	e := ve.env
	o := viOrder(t, e, checkout.Vietnamese, "", checkout.LineItem{Description: "Máy chủ", Quantity: 1, Amount: vnd(1_200_000)})
	token := share(t, e, o.ID, boss)
	wantPage(t, "share", get(e, "/share/"+token), http.StatusOK, "vi", []string{"Thanh toán qua VinID Pay", `value="vinidpay"`}, nil)

	body := wantPage(t, "otp", post(e, "/share/"+token, url.Values{"gateway": {"vinidpay"}}), http.StatusOK, "vi",
		[]string{`name="otp"`, "Nhập mã OTP", "VinID Pay đã gửi cho bạn"}, []string{`id="error"`})
	if got := byID(body, "otp-amount"); got != "1.200.000 ₫" {
		t.Errorf("otp amount %q", got)
	}
	waiting := e.wantState(o.ID, checkout.StateAwaitingPayment)
	otp, ok := ve.vfake.OTP(waiting.Attempts[len(waiting.Attempts)-1].GatewayTxnID)
	if !ok {
		t.Fatal("no otp")
	}
	wrong := "000000"
	if otp == wrong {
		wrong = "111111"
	}
	body = wantPage(t, "wrong otp", post(e, "/share/"+token, url.Values{"otp": {wrong}}), http.StatusOK, "vi", []string{`name="otp"`}, nil)
	if got := byID(body, "error"); !strings.HasPrefix(got, "Mã OTP không được chấp nhận.") {
		t.Errorf("wrong otp: error %q", got)
	}
	body = wantPage(t, "wrong otp en", post(e, "/share/"+token+"?lang=en", url.Values{"otp": {wrong}}), http.StatusOK, "en",
		[]string{`action="?lang=en"`}, nil)
	if got := byID(body, "error"); !strings.HasPrefix(got, "The code was not accepted.") {
		t.Errorf("wrong otp en: error %q", got)
	}
	// The language link of the OTP page reopens the link: the OTP page
	// again, without the error, not the share page.
	body = wantPage(t, "otp page by link", get(e, "/share/"+token+"?lang=en"), http.StatusOK, "en",
		[]string{`name="otp"`, "Enter the OTP", "VinID Pay sent you"}, []string{`id="error"`, `name="gateway"`})
	if got := byID(body, "otp-amount"); got != "1.200.000 ₫" {
		t.Errorf("otp amount %q", got)
	}
	e.wantState(o.ID, checkout.StateAwaitingPayment)

	body = wantPage(t, "result", post(e, "/share/"+token, url.Values{"otp": {otp}}), http.StatusOK, "vi", nil, []string{`name="otp"`})
	for id, want := range map[string]string{"state": "Hoàn tất", "total": "1.200.000 ₫", "title": "Đơn hàng " + o.ID,
		"detail": "Cảm ơn bạn: khoản thanh toán đã được nhận và đơn hàng đã hoàn tất."} {
		if got := byID(body, id); got != want {
			t.Errorf("result: #%s = %q, want %q", id, got, want)
		}
	}
	// Paid: the link is used.
	check := wantPage(t, "used", get(e, "/share/"+token), http.StatusGone, "vi", nil, []string{o.ID, "1.200.000"})
	if got := byID(check, "title"); got != "Đơn hàng đã được thanh toán" {
		t.Errorf("used: title %q", got)
	}
	check = wantPage(t, "used en", get(e, "/share/"+token+"?lang=en"), http.StatusGone, "en", nil, []string{o.ID})
	if got := byID(check, "title"); got != "Order already paid" {
		t.Errorf("used en: title %q", got)
	}
}

// The result page after the gateway's return, cancelled with its reason in
// words (never the gateway's message), and a return that fails
// verification.
func TestReturnPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	for _, c := range []struct {
		lang                  checkout.Language
		query                 string
		wantLang, state, reas string
	}{
		{checkout.Vietnamese, "", "vi", "Đã hủy", "Lý do: thanh toán không thành công hoặc đã bị hủy ở cổng thanh toán."},
		{checkout.English, "", "en", "Cancelled", "Reason: the payment failed or was cancelled at the payment gateway."},
		{checkout.English, "lang=vi", "vi", "Đã hủy", "Lý do: thanh toán không thành công"},
	} {
		o := viOrder(t, e, c.lang, "")
		next, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vtcpay"})
		if err != nil {
			t.Fatal(err)
		}
		u := e.payAtGateway(next, vtcpaytest.StatusCancelled)
		if c.query != "" {
			u.RawQuery += "&" + c.query
		}
		body := wantPage(t, "return "+c.wantLang, e.browse(u), http.StatusOK, c.wantLang, nil, []string{"checkout:"})
		if got := byID(body, "state"); got != c.state {
			t.Errorf("%s: state %q, want %q", c.lang, got, c.state)
		}
		if got := byID(body, "reason"); !strings.HasPrefix(got, c.reas) || strings.Contains(got, "-9") || strings.Contains(got, "Customer") {
			t.Errorf("%s: reason %q, want %q", c.lang, got, c.reas)
		}
		if got := byID(body, "total"); got != "1.400.000 ₫" {
			t.Errorf("%s: total %q", c.lang, got)
		}
		// The switch keeps the gateway's result in the link, and sets lang.
		m := regexp.MustCompile(`id="lang-(vi|en)" href="\?([^"]*)"`).FindStringSubmatch(body)
		if m == nil || m[1] == c.wantLang {
			t.Fatalf("%s: no switch to the other language:\n%s", c.lang, body)
		}
		q, err := url.ParseQuery(html.UnescapeString(m[2]))
		want := u.Query()
		want.Set("lang", m[1])
		if err != nil || q.Encode() != want.Encode() || len(q) < 3 {
			t.Errorf("%s: switch link query %v, want %v", c.lang, q, want)
		}
	}
	body := wantPage(t, "forged return", get(e, "/return/vtcpay?reference_number=x-1&status=1&signature=00"), http.StatusBadRequest, "vi",
		nil, []string{"signature", "checkout:", "vtcpay:"})
	if got := byID(body, "title"); got != "Không đọc được kết quả thanh toán" {
		t.Errorf("forged return: title %q", got)
	}
	body = wantPage(t, "unknown gateway", get(e, "/return/paypal?lang=en"), http.StatusNotFound, "en", nil, []string{"paypal"})
	if got := byID(body, "title"); got != "Link not found" {
		t.Errorf("unknown gateway: title %q", got)
	}
}

// The inline style is the only one the Content-Security-Policy allows, by
// its hash.
func TestPageCSPAllowsItsStyle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	rec := get(e, "/share/nosuchtoken")
	body := rec.Body.String()
	i, j := strings.Index(body, "<style>"), strings.Index(body, "</style>")
	if i < 0 || j < i {
		t.Fatalf("no style:\n%s", body)
	}
	sum := sha256.Sum256([]byte(body[i+len("<style>") : j]))
	csp := rec.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "style-src 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") {
		t.Errorf("CSP %q does not allow the page's style", csp)
	}
	for _, d := range []string{"default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("CSP %q lacks %q", csp, d)
		}
	}
	if strings.Contains(csp, "unsafe") || strings.Contains(csp, "script-src") {
		t.Errorf("CSP %q", csp)
	}
}

// Both languages word the same messages.
func TestPageLanguagesComplete(t *testing.T) {
	t.Parallel()
	names := map[string][]string{}
	for _, lang := range []string{"vi", "en"} {
		src, err := os.ReadFile("templates/pages/" + lang + ".html")
		if err != nil {
			t.Fatal(err)
		}
		tt, err := template.New("").Parse(string(src))
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range tt.Templates() {
			if d.Name() != "" {
				names[lang] = append(names[lang], d.Name())
			}
		}
		slices.Sort(names[lang])
	}
	if len(names["vi"]) < 20 || !slices.Equal(names["vi"], names["en"]) {
		t.Errorf("vi defines %v\nen defines %v", names["vi"], names["en"])
	}
}
