package vivietpaytest

import (
	"bytes"
	"html/template"
	"net/http"
	"sort"

	"github.com/thanhtoan/thanhtoan/internal/amountfmt"
	"github.com/thanhtoan/thanhtoan/vivietpay"
)

// The payer's pages, in Vietnamese with English beside. Elements a browser
// test drives have stable ids: on the login page the inputs "account" and
// "password" and the buttons "pay" and "cancel" (and, unless
// HideDemoHints, the table "demo-accounts"); on the OTP page the input
// "otp", the buttons "confirm" and "cancel" and the hint "demo-otp"; on
// every page "error" when there is one; on the result page "outcome",
// "code" and the link "return-link". Payer parses the form's action, the
// return link, the code and the error, so keep their markup.

// Page names in the template set.
const (
	loginPage  = "login"
	otpPage    = "otp"
	resultPage = "result"
)

// pageTitle is a page's title.
func pageTitle(name string) string {
	switch name {
	case loginPage:
		return "Thanh toán / Pay"
	case otpPage:
		return "Xác thực OTP / OTP"
	}
	return "Kết quả / Result"
}

type demoAccount struct {
	Phone, Password, Balance, Limit, Status string
}

type pageData struct {
	Title        string
	Refresh      string // meta refresh content
	MerchantSite string
	SessionID    string
	OrderNo      string
	Description  string
	ReturnURL    string
	Amount       string
	Code         string
	Message      string
	MessageVI    string
	Success      bool
	Error        string
	DemoOTP      string
	Accounts     []demoAccount
}

// render shows one of the payer's pages; the caller holds s.mu.
func (s *Server) render(w http.ResponseWriter, status int, name string, ss *session) {
	d := pageData{
		Title:        pageTitle(name),
		MerchantSite: s.cfg.MerchantSite,
		SessionID:    ss.id,
		OrderNo:      ss.pay.OrderNo,
		Description:  ss.desc,
		ReturnURL:    ss.pay.ReturnURL,
		Amount:       amountfmt.VND(ss.pay.Amount),
		Code:         string(ss.pay.Code),
		Message:      ss.pay.Code.Description(),
		MessageVI:    codeVI(ss.pay.Code),
		Success:      ss.pay.Code == vivietpay.CodeSuccess,
		Error:        ss.errorMessage,
	}
	if name == resultPage && ss.pay.ReturnURL != "" {
		d.Refresh = "5;url=" + ss.pay.ReturnURL
	}
	if !s.cfg.HideDemoHints {
		switch name {
		case otpPage:
			d.DemoOTP = ss.otp
		case loginPage:
			d.Accounts = s.demoAccountsLocked()
		}
	}
	s.write(w, status, name, d)
}

func (s *Server) errorPage(w http.ResponseWriter, status int, code vivietpay.ResponseCode, msg string) {
	s.write(w, status, "error", struct{ Title, Refresh, Code, Message, MessageVI string }{"Lỗi / Error", "", string(code), msg, codeVI(code)})
}

func (s *Server) write(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "vivietpaytest: page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// demoAccountsLocked lists the wallet accounts for the login page's demo
// hint, by phone; the caller holds s.mu.
func (s *Server) demoAccountsLocked() []demoAccount {
	out := make([]demoAccount, 0, len(s.accounts))
	for _, a := range s.accounts {
		d := demoAccount{Phone: a.Phone, Password: a.Password, Balance: amountfmt.VND(a.Balance), Limit: "—"}
		if a.Limit > 0 {
			d.Limit = amountfmt.VND(a.Limit)
		}
		switch a.Status {
		case Active:
			d.Status = "hoạt động / active"
		case Locked:
			d.Status = "bị khóa / locked"
		default:
			d.Status = "đã đóng / closed"
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Phone < out[j].Phone })
	return out
}

// codeVI is a short Vietnamese text for a response code (the fake's own
// wording).
func codeVI(c vivietpay.ResponseCode) string {
	switch c {
	case vivietpay.CodeSuccess:
		return "giao dịch thành công"
	case vivietpay.CodeCancelled:
		return "khách hàng đã hủy giao dịch"
	case vivietpay.CodePending:
		return "giao dịch đang xử lý"
	case vivietpay.CodeInvalidRequest:
		return "yêu cầu không hợp lệ"
	case vivietpay.CodeAuthFailed:
		return "sai tài khoản hoặc mật khẩu"
	case vivietpay.CodeAccountLocked:
		return "tài khoản bị khóa hoặc chưa kích hoạt"
	case vivietpay.CodeLimitExceeded:
		return "vượt hạn mức giao dịch"
	case vivietpay.CodeInsufficientBalance:
		return "số dư không đủ"
	case vivietpay.CodeWrongOTP:
		return "nhập sai OTP quá số lần cho phép"
	case vivietpay.CodeOTPExpired:
		return "OTP đã hết hạn"
	case vivietpay.CodeSessionExpired:
		return "phiên thanh toán đã hết hạn"
	case vivietpay.CodeDuplicateRef:
		return "trùng mã giao dịch"
	case vivietpay.CodeSystemError:
		return "lỗi hệ thống"
	}
	return "lỗi"
}

// pages is parsed once; templates are safe for concurrent use and never
// changed after parsing.
var pages = template.Must(template.New("pages").Parse(pagesHTML))

const pagesHTML = `{{define "head"}}<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ví Việt: {{.Title}}</title>
{{- if .Refresh}}
<meta http-equiv="refresh" content="{{.Refresh}}">
{{- end}}
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:38rem;margin:2rem auto;padding:0 1rem;color:#1f2933;background:#f5f7fa;line-height:1.45}
main{background:#fff;border:1px solid #d9e2ec;border-radius:8px;padding:1.5rem}
h1{font-size:1.35rem;margin:0 0 1rem}
.brand{color:#0a7c3e;font-weight:700}
.en{color:#627d98;font-weight:normal}
button .en{color:inherit;opacity:.85}
.banner{font-size:.8rem;color:#8d2b0b;background:#fff3c4;border-radius:4px;padding:.3rem .6rem;margin-bottom:1rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem;margin:0 0 1rem}
dt{color:#486581}
dd{margin:0;font-weight:600;word-break:break-word}
dd.amount{font-size:1.5rem;color:#0a7c3e}
label{display:block;margin:.8rem 0 .3rem}
input{font:inherit;padding:.45rem;width:100%;box-sizing:border-box;border:1px solid #bcccdc;border-radius:4px}
.actions{display:flex;gap:.5rem;flex-wrap:wrap;margin-top:1rem}
button{font:inherit;padding:.55rem 1.1rem;border-radius:4px;border:1px solid #829ab1;background:#fff;cursor:pointer}
button.primary{background:#0a7c3e;border-color:#0a7c3e;color:#fff}
.error{background:#ffe3e3;border:1px solid #f29b9b;padding:.6rem;border-radius:4px}
.ok{background:#e3f9e5;border:1px solid #8eedc7;padding:.6rem;border-radius:4px}
.hint{background:#fffbea;border:1px dashed #f0b429;padding:.6rem;border-radius:4px;margin-top:1.2rem;font-size:.9rem}
.hint b.otp{font-family:ui-monospace,monospace;font-size:1.2rem;letter-spacing:.1em}
table{border-collapse:collapse;width:100%;font-size:.85rem}
th,td{text-align:left;padding:.3rem;border-bottom:1px solid #f0e4b3}
</style>
</head>
<body>
<main>
<div class="banner">Ví Việt giả lập, chỉ để thử nghiệm <span class="en">/ fake Ví Việt, for testing only</span></div>
{{end}}{{define "foot"}}</main>
</body>
</html>
{{end}}{{define "order"}}<dl id="order-info">
<dt>Đơn vị <span class="en">/ Merchant</span></dt><dd id="merchant">{{.MerchantSite}}</dd>
<dt>Đơn hàng <span class="en">/ Order</span></dt><dd id="order">{{.OrderNo}}</dd>
{{- if .Description}}
<dt>Mô tả <span class="en">/ Description</span></dt><dd id="description">{{.Description}}</dd>
{{- end}}
<dt>Số tiền <span class="en">/ Amount</span></dt><dd id="amount" class="amount">{{.Amount}}</dd>
</dl>
{{end}}{{define "login"}}{{template "head" .}}<h1><span class="brand">Ví Việt</span> Thanh toán đơn hàng <span class="en">/ Pay for an order</span></h1>
{{template "order" .}}
{{- if .Error}}
<p class="error" id="error">{{.Error}}</p>
{{- end}}
<form method="post" action="/vipay/pay/{{.SessionID}}" id="login-form">
<label for="account">Số điện thoại Ví Việt <span class="en">/ Ví Việt phone number</span></label>
<input id="account" name="account" autocomplete="username" inputmode="tel">
<label for="password">Mật khẩu <span class="en">/ Password</span></label>
<input id="password" name="password" type="password" autocomplete="current-password">
<div class="actions">
<button type="submit" class="primary" id="pay" name="action" value="pay">Thanh toán {{.Amount}} <span class="en">/ Pay</span></button>
<button type="submit" id="cancel" name="action" value="cancel">Hủy giao dịch <span class="en">/ Cancel</span></button>
</div>
</form>
{{- if .Accounts}}
<div class="hint" id="demo-hint">
<p>Tài khoản thử nghiệm <span class="en">/ demo accounts</span>:</p>
<table id="demo-accounts">
<tr><th>Số điện thoại <span class="en">/ Phone</span></th><th>Mật khẩu <span class="en">/ Password</span></th><th>Số dư <span class="en">/ Balance</span></th><th>Hạn mức <span class="en">/ Limit</span></th><th>Trạng thái <span class="en">/ Status</span></th></tr>
{{- range .Accounts}}
<tr class="demo-account"><td class="phone">{{.Phone}}</td><td class="secret">{{.Password}}</td><td class="balance">{{.Balance}}</td><td class="limit">{{.Limit}}</td><td class="state">{{.Status}}</td></tr>
{{- end}}
</table>
</div>
{{- end}}
{{template "foot"}}{{end}}{{define "otp"}}{{template "head" .}}<h1><span class="brand">Ví Việt</span> Xác thực OTP <span class="en">/ OTP check</span></h1>
{{template "order" .}}
<p>Mã OTP đã được gửi tới số điện thoại của quý khách. <span class="en">/ An OTP was sent to your phone.</span></p>
{{- if .Error}}
<p class="error" id="error">{{.Error}}</p>
{{- end}}
<form method="post" action="/vipay/pay/{{.SessionID}}/otp" id="otp-form">
<label for="otp">Mã OTP <span class="en">/ OTP</span></label>
<input id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code">
<div class="actions">
<button type="submit" class="primary" id="confirm" name="action" value="confirm">Xác nhận <span class="en">/ Confirm</span></button>
<button type="submit" id="cancel" name="action" value="cancel">Hủy giao dịch <span class="en">/ Cancel</span></button>
</div>
</form>
{{- if .DemoOTP}}
<p class="hint" id="otp-hint">Mã OTP thử nghiệm <span class="en">/ demo OTP</span>: <b class="otp" id="demo-otp">{{.DemoOTP}}</b></p>
{{- end}}
{{template "foot"}}{{end}}{{define "result"}}{{template "head" .}}<h1 id="outcome">{{if .Success}}Giao dịch thành công <span class="en">/ Payment successful</span>{{else}}Giao dịch không thành công <span class="en">/ Payment not completed</span>{{end}}</h1>
{{template "order" .}}
<p class="{{if .Success}}ok{{else}}error{{end}}">Mã <span class="en">/ Code</span>: <b id="code">{{.Code}}</b> ({{.MessageVI}} <span class="en">/ {{.Message}}</span>)</p>
<p><a id="return-link" href="{{.ReturnURL}}">Quay lại trang của đơn vị <span class="en">/ back to the merchant</span></a>
<br><small>Tự động chuyển sau 5 giây <span class="en">/ redirecting in 5 seconds</span></small></p>
{{template "foot"}}{{end}}{{define "error"}}{{template "head" .}}<h1>Giao dịch không hợp lệ <span class="en">/ Invalid payment</span></h1>
<p>Mã <span class="en">/ Code</span>: <b id="code">{{.Code}}</b> ({{.MessageVI}})</p>
<p class="error" id="error">{{.Message}}</p>
{{template "foot"}}{{end}}`
