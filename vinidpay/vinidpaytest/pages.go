package vinidpaytest

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/thanhtoan/thanhtoan/internal/amountfmt"
)

// The browser pages of the fake: the link confirmation page that a link's
// web_url opens (a stand-in for VinID's own page and app), its QR code, and
// an "SMS inbox" listing the OTPs the fake sent.

const (
	maxLinkForm = 8 << 10 // bytes of a link page POST
	qrSize      = 256     // pixels of the link page's QR code
)

// linkCancelStatus is the status of the link callback sent when the
// customer cancels (modelled, like the rest of the link callback).
const linkCancelStatus = statusFail

// SMS is one OTP message the fake "sent" to a customer.
type SMS struct {
	MaskedPhone   string
	TransactionID string
	InvoiceNo     string
	OTP           string
	SentAt        time.Time
}

// SentSMS returns the OTP messages sent so far, newest first (the /sms
// page shows the same list).
func (s *Server) SentSMS() []SMS {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SMS, len(s.sms))
	for i, m := range s.sms {
		out[len(s.sms)-1-i] = m
	}
	return out
}

// CancelLink plays the customer refusing the link on its page: the link
// can no longer be confirmed, a link callback with status FAIL (no token,
// no phone) is delivered as set by SetDelivery, and LinkStatus answers
// CodeLinkCancelled.
func (s *Server) CancelLink(linkID string) error {
	s.mu.Lock()
	l, found := s.links[linkID]
	switch {
	case !found:
		s.mu.Unlock()
		return ErrUnknownLink
	case l.token != "":
		s.mu.Unlock()
		return ErrLinkUsed
	case l.cancelled:
		s.mu.Unlock()
		return ErrLinkCancelled
	case s.now().After(l.expires):
		s.mu.Unlock()
		return ErrLinkExpired
	}
	l.cancelled = true
	pc := pendingCallback{
		kind: "link", handler: s.linkHandler, times: s.deliveryTimes(),
		url: withQuery(l.callbackURL, s.LinkCallbackQuery(linkCancelStatus, l.id, l.partnerUserID, "", "")),
	}
	s.mu.Unlock()
	s.deliver([]pendingCallback{pc})
	return nil
}

// userOption is one choice of the link page's user select.
type userOption struct{ ID, Label string }

// linkPageData fills the "link" page. With Open, it shows the form; else
// Result (a success) or Error.
type linkPageData struct {
	PartnerCode string
	LinkID      string
	WebURL      string
	QRURL       string
	Expires     string
	Open        bool
	Users       []userOption
	Result      string
	Error       string
	ReturnURL   string
}

// linkPage serves GET /link/{id}: what the link's web_url shows.
func (s *Server) linkPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	l, found := s.links[id]
	if !found {
		s.mu.Unlock()
		s.renderPage(w, http.StatusNotFound, "link", linkPageData{PartnerCode: s.partnerCode, Error: linkErrorText(ErrUnknownLink)})
		return
	}
	d := s.linkDataLocked(l)
	var err error
	switch {
	case l.token != "":
		err = ErrLinkUsed
	case l.cancelled:
		err = ErrLinkCancelled
	case s.now().After(l.expires):
		err = ErrLinkExpired
	}
	if err == nil {
		d.Open = true
		d.Users = s.userOptionsLocked()
	}
	s.mu.Unlock()
	if err != nil {
		d.Error = linkErrorText(err)
		d.ReturnURL = s.returnURL(l.id, l.partnerUserID)
		s.renderPage(w, linkErrorStatus(err), "link", d)
		return
	}
	s.renderPage(w, http.StatusOK, "link", d)
}

// linkDataLocked describes a link; the caller holds s.mu.
func (s *Server) linkDataLocked(l *link) linkPageData {
	return linkPageData{
		PartnerCode: s.partnerCode,
		LinkID:      l.id,
		WebURL:      s.URL + "/link/" + url.PathEscape(l.id),
		QRURL:       "/link/" + url.PathEscape(l.id) + "/qr.png",
		Expires:     vietnamTime(l.expires),
	}
}

// userOptionsLocked lists the users for the select, by masked phone and
// id, in id order; the caller holds s.mu.
func (s *Server) userOptionsLocked() []userOption {
	opts := make([]userOption, 0, len(s.users))
	for _, u := range s.users {
		opts = append(opts, userOption{ID: u.id, Label: maskPhone(u.phone) + " · " + u.id + " · " + amountfmt.VND(u.balance)})
	}
	sort.Slice(opts, func(i, j int) bool { return opts[i].ID < opts[j].ID })
	return opts
}

// linkForm is a decoded POST of the link page.
type linkForm struct {
	cancel bool
	userID string
}

// parseLinkForm reads the link page's form: action confirm (with user) or
// cancel. Repeated fields are refused.
func parseLinkForm(v url.Values) (linkForm, error) {
	for _, k := range []string{"action", "user"} {
		if len(v[k]) > 1 {
			return linkForm{}, errors.New(k + " is repeated")
		}
	}
	switch v.Get("action") {
	case "cancel":
		return linkForm{cancel: true}, nil
	case "confirm":
		u := v.Get("user")
		if u == "" {
			return linkForm{}, errors.New("no user chosen")
		}
		if len(u) > 64 {
			return linkForm{}, ErrUnknownUser
		}
		return linkForm{userID: u}, nil
	}
	return linkForm{}, errors.New("action must be confirm or cancel")
}

// linkSubmit serves POST /link/{id}: the customer confirms as the chosen
// user, or cancels. The browser then goes to the host's return URL (303),
// or sees the outcome here.
func (s *Server) linkSubmit(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	l, found := s.links[id]
	var d linkPageData
	var puid string
	if found {
		d, puid = s.linkDataLocked(l), l.partnerUserID
	}
	s.mu.Unlock()
	if !found {
		s.renderPage(w, http.StatusNotFound, "link", linkPageData{PartnerCode: s.partnerCode, Error: linkErrorText(ErrUnknownLink)})
		return
	}
	ret := s.returnURL(id, puid)
	r.Body = http.MaxBytesReader(w, r.Body, maxLinkForm)
	if err := r.ParseForm(); err != nil {
		d.Error, d.ReturnURL = "Không đọc được biểu mẫu / the form could not be read", ret
		s.renderPage(w, http.StatusBadRequest, "link", d)
		return
	}
	f, err := parseLinkForm(r.PostForm)
	if err != nil {
		d.Error, d.ReturnURL = linkErrorText(err), ret
		s.renderPage(w, linkErrorStatus(err), "link", d)
		return
	}
	if f.cancel {
		err = s.CancelLink(id)
	} else {
		_, err = s.ConfirmLink(id, f.userID)
	}
	if err != nil {
		d.Error, d.ReturnURL = linkErrorText(err), ret
		s.renderPage(w, linkErrorStatus(err), "link", d)
		return
	}
	if ret != "" {
		http.Redirect(w, r, ret, http.StatusSeeOther)
		return
	}
	d.Result = "Đã liên kết ví VinID Pay với " + s.partnerCode + " / wallet linked"
	if f.cancel {
		d.Result = "Đã hủy liên kết / link cancelled"
	}
	s.renderPage(w, http.StatusOK, "link", d)
}

// returnURL is the host's return URL for a link, or "" when none is
// configured or it is not an absolute http(s) URL.
func (s *Server) returnURL(linkID, partnerUserID string) string {
	if s.linkReturnURL == nil {
		return ""
	}
	raw := s.linkReturnURL(linkID, partnerUserID)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

// linkQR serves GET /link/{id}/qr.png: the QR code of the link's web_url,
// for the customer to scan with the VinID app.
func (s *Server) linkQR(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	_, found := s.links[id]
	s.mu.Unlock()
	if !found {
		http.NotFound(w, r)
		return
	}
	png, err := qrcode.Encode(s.URL+"/link/"+url.PathEscape(id), qrcode.Medium, qrSize)
	if err != nil {
		http.Error(w, "vinidpaytest: qr code could not be made", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(png)
}

// smsRow is one row of the /sms page.
type smsRow struct {
	SMS
	At string
}

// smsPage serves GET /sms: the OTPs the fake sent, newest first.
func (s *Server) smsPage(w http.ResponseWriter, _ *http.Request) {
	msgs := s.SentSMS()
	rows := make([]smsRow, len(msgs))
	for i, m := range msgs {
		rows[i] = smsRow{SMS: m, At: vietnamTime(m.SentAt)}
	}
	s.renderPage(w, http.StatusOK, "sms", rows)
}

func linkErrorStatus(err error) int {
	switch {
	case errors.Is(err, ErrUnknownLink):
		return http.StatusNotFound
	case errors.Is(err, ErrLinkExpired):
		return http.StatusGone
	case errors.Is(err, ErrLinkUsed), errors.Is(err, ErrLinkCancelled):
		return http.StatusConflict
	}
	return http.StatusBadRequest
}

func linkErrorText(err error) string {
	switch {
	case errors.Is(err, ErrUnknownLink):
		return "Không tìm thấy liên kết / no such link"
	case errors.Is(err, ErrLinkExpired):
		return "Liên kết đã hết hạn / the link has expired"
	case errors.Is(err, ErrLinkUsed):
		return "Liên kết đã được xác nhận / the link was already confirmed"
	case errors.Is(err, ErrLinkCancelled):
		return "Liên kết đã bị hủy / the link was cancelled"
	case errors.Is(err, ErrUnknownUser):
		return "Không có người dùng này / no such user"
	}
	return "Yêu cầu không hợp lệ / invalid request: " + err.Error()
}

// vietnamTime formats t in Vietnam's time (UTC+7), as a Vietnamese page
// shows it.
func vietnamTime(t time.Time) string {
	return t.In(time.FixedZone("ICT", 7*3600)).Format("15:04:05 02/01/2006")
}

func (s *Server) renderPage(w http.ResponseWriter, code int, name string, data any) {
	var buf bytes.Buffer
	if err := s.pages.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "vinidpaytest: page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

// pagesHTML holds the browser pages. Elements a browser test drives have
// stable ids: on the link page the form "link-form", the "user" select,
// the "confirm" and "cancel" buttons, the "qr" image, "result" or "error",
// and a "return" link; on the SMS page the table "sms" with one row per
// message (data-transaction holds its transaction id; cells "phone",
// "transaction", "invoice", "otp", "time" by class).
const pagesHTML = `{{define "head"}}<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.}}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;color:#1f2933;background:#f5f7fa;line-height:1.45}
main{background:#fff;border:1px solid #d9e2ec;border-radius:8px;padding:1.5rem}
h1{font-size:1.35rem;margin:0 0 1rem}
.brand{color:#d0021b;font-weight:700}
.en{color:#627d98;font-weight:normal}
button .en{color:inherit;opacity:.85}
.banner{font-size:.8rem;color:#8d2b0b;background:#fff3c4;border-radius:4px;padding:.3rem .6rem;margin-bottom:1rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem;margin:0 0 1rem}
dt{color:#486581}
dd{margin:0;font-weight:600;word-break:break-all}
label{display:block;margin:.8rem 0 .3rem}
select,input{font:inherit;padding:.45rem;width:100%;box-sizing:border-box;border:1px solid #bcccdc;border-radius:4px}
.actions{display:flex;gap:.5rem;flex-wrap:wrap;margin-top:1rem}
button{font:inherit;padding:.55rem 1.1rem;border-radius:4px;border:1px solid #829ab1;background:#fff;cursor:pointer}
button.primary{background:#d0021b;border-color:#d0021b;color:#fff}
.qr{text-align:center;margin:1rem 0}
.qr img{width:200px;height:200px;image-rendering:pixelated;border:1px solid #d9e2ec}
.error{background:#ffe3e3;border:1px solid #f29b9b;padding:.6rem;border-radius:4px}
.ok{background:#e3f9e5;border:1px solid #8eedc7;padding:.6rem;border-radius:4px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.4rem;border-bottom:1px solid #d9e2ec}
tr.sms td{white-space:nowrap}
td.otp{font-family:ui-monospace,monospace;font-size:1.15rem;font-weight:700;letter-spacing:.1em}
</style>
</head>
<body>
<main>
<div class="banner">VinID Pay giả lập, chỉ để thử nghiệm <span class="en">/ fake VinID Pay, for testing only</span></div>
{{end}}{{define "foot"}}</main>
</body>
</html>
{{end}}{{define "link"}}{{template "head" "VinID Pay: liên kết ví / link your wallet"}}<h1><span class="brand">VinID Pay</span> Liên kết ví <span class="en">/ Link your wallet</span></h1>
<dl id="link">
<dt>Đối tác <span class="en">/ Merchant</span></dt><dd id="partner">{{.PartnerCode}}</dd>
{{- if .LinkID}}
<dt>Mã liên kết <span class="en">/ Link</span></dt><dd id="link-id">{{.LinkID}}</dd>
<dt>Hết hạn <span class="en">/ Expires</span></dt><dd id="expires">{{.Expires}}</dd>
{{- end}}
</dl>
{{- if .Result}}
<p class="ok" id="result">{{.Result}}</p>
{{- end}}
{{- if .Error}}
<p class="error" id="error">{{.Error}}</p>
{{- end}}
{{- if .Open}}
<div class="qr"><img id="qr" src="{{.QRURL}}" alt="QR: {{.WebURL}}" width="200" height="200">
<br><small>Quét bằng ứng dụng VinID <span class="en">/ scan with the VinID app</span></small></div>
<form id="link-form" method="post" action="/link/{{.LinkID}}">
<label for="user">Xác nhận với tài khoản VinID <span class="en">/ Confirm as VinID user</span></label>
{{- if .Users}}
<select id="user" name="user">
{{- range .Users}}
<option value="{{.ID}}">{{.Label}}</option>
{{- end}}
</select>
{{- else}}
<p class="error" id="no-users">Chưa có người dùng nào (AddUser) <span class="en">/ the fake has no users (AddUser)</span></p>
{{- end}}
<div class="actions">
<button type="submit" class="primary" id="confirm" name="action" value="confirm">Xác nhận liên kết <span class="en">/ Confirm</span></button>
<button type="submit" id="cancel" name="action" value="cancel">Hủy <span class="en">/ Cancel</span></button>
</div>
</form>
{{- end}}
{{- if .ReturnURL}}
<p><a id="return" href="{{.ReturnURL}}">Quay lại trang của đối tác <span class="en">/ back to the merchant</span></a></p>
{{- end}}
{{template "foot"}}{{end}}{{define "sms"}}{{template "head" "VinID Pay: SMS OTP"}}<h1>Tin nhắn OTP đã gửi <span class="en">/ OTP messages sent</span></h1>
{{- if .}}
<table id="sms">
<thead><tr><th>Số điện thoại <span class="en">/ Phone</span></th><th>Giao dịch <span class="en">/ Transaction</span></th><th>Hóa đơn <span class="en">/ Invoice</span></th><th>OTP</th><th>Thời gian <span class="en">/ Time</span></th></tr></thead>
<tbody>
{{- range .}}
<tr class="sms" data-transaction="{{.TransactionID}}"><td class="phone">{{.MaskedPhone}}</td><td class="transaction">{{.TransactionID}}</td><td class="invoice">{{.InvoiceNo}}</td><td class="otp">{{.OTP}}</td><td class="time">{{.At}}</td></tr>
{{- end}}
</tbody>
</table>
{{- else}}
<p id="no-sms">Chưa có tin nhắn nào <span class="en">/ no messages yet</span></p>
{{- end}}
{{template "foot"}}{{end}}`
