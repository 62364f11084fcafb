package vtcpaytest

import (
	"bytes"
	"net/http"
	"strconv"
	"unicode/utf8"
)

// defaultPaymentType is the payment method the fake reports when the
// checkout named none and the payer did not pick one (modelled: VTC Pay's
// e-wallet, under its code in the bank table).
const defaultPaymentType = "VTCPAY"

// handleCheckout serves GET checkout.html: it checks the request as the
// gateway does and shows the hosted page, or refuses.
func (s *Server) handleCheckout(w http.ResponseWriter, r *http.Request) {
	s.count(EndpointCheckout)
	co, ref := parseCheckout(s.rules(), r.URL.RawQuery)
	if ref != nil {
		s.refuse(w, ref)
		return
	}

	s.mu.Lock()
	if old, ok := s.txns[co.reference]; ok && !retryable(old.Status) {
		s.mu.Unlock()
		s.refuse(w, &refusal{
			status:    StatusDuplicateReference,
			reason:    "reference_number was already used",
			returnURL: co.returnURL,
			amount:    co.amount,
			reference: co.reference,
		})
		return
	}
	id := strconv.FormatInt(s.nextID, 10)
	s.nextID++
	pt := co.paymentType
	if pt == "" {
		pt = defaultPaymentType
	}
	t := &txn{
		Transaction: Transaction{
			Reference:   co.reference,
			TransRefNo:  id,
			Amount:      co.amount,
			Currency:    co.currency,
			PaymentType: pt,
			Status:      StatusInitial,
			Message:     s.message(StatusInitial),
			ReturnURL:   co.returnURL,
			CreatedAt:   s.clock(),
			Params:      co.params,
		},
		minor: co.minor,
	}
	if _, ok := s.txns[co.reference]; ok {
		// A failed attempt is retried: the new transaction replaces it.
		for i, r := range s.order {
			if r == co.reference {
				s.order = append(s.order[:i], s.order[i+1:]...)
				break
			}
		}
	}
	s.txns[co.reference] = t
	s.order = append(s.order, co.reference)
	s.mu.Unlock()

	statuses := make([]statusOption, 0, 19)
	for _, code := range Statuses() {
		statuses = append(statuses, statusOption{Code: code, Label: statusLabelVI(code) + " / " + statusLabel(code), Selected: code == StatusSuccess})
	}
	s.render(w, http.StatusOK, "checkout", checkoutPage{
		WebsiteID:   s.cfg.WebsiteID,
		Reference:   co.reference,
		Amount:      displayAmount(co.currency, co.minor),
		TransRefNo:  id,
		PaymentType: pt,
		SubmitURL:   BasePath + "/checkout/submit",
		Statuses:    statuses,
	})
}

// refuse answers a refused checkout: an error page, and when the request
// was the merchant's (its signature verified) and there is a return URL, a
// redirect there with the status, signed.
func (s *Server) refuse(w http.ResponseWriter, ref *refusal) {
	page := resultPage{Title: "Giao dịch bị từ chối / payment refused", Status: ref.status, Message: s.message(ref.status), Reason: ref.reason}
	w.Header().Set("X-Vtcpaytest-Status", strconv.Itoa(ref.status))
	if ref.returnURL == "" {
		s.render(w, http.StatusBadRequest, "result", page)
		return
	}
	v := s.returnValues(ref.amount, page.Message, "", ref.reference, ref.status, "")
	page.ReturnURL = returnTo(ref.returnURL, v)
	w.Header().Set("Location", page.ReturnURL)
	s.render(w, http.StatusSeeOther, "result", page)
}

// handleSubmit serves POST checkout/submit: the payer's decision on the
// hosted page. It records the result, POSTs the notification to the
// receiving URL and sends the payer back to the merchant.
func (s *Server) handleSubmit(w http.ResponseWriter, r *http.Request) {
	s.count(EndpointSubmit)
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.render(w, http.StatusBadRequest, "result", resultPage{Title: "Yêu cầu không hợp lệ / bad request", Reason: "the form could not be read"})
		return
	}
	form := r.PostForm
	var status int
	switch form.Get("action") {
	case "cancel":
		status = StatusCancelled
	case "insufficient":
		status = StatusInsufficientFunds
	case "pay":
		status = StatusSuccess
		if v := form.Get("status"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || !knownStatus(n) {
				s.render(w, http.StatusBadRequest, "result", resultPage{Title: "Yêu cầu không hợp lệ / bad request", Reason: "status is not a status of the table"})
				return
			}
			status = n
		}
	default:
		s.render(w, http.StatusBadRequest, "result", resultPage{Title: "Yêu cầu không hợp lệ / bad request", Reason: "action must be pay, insufficient or cancel"})
		return
	}
	pt := form.Get("payment_type")
	if !utf8.ValidString(pt) || utf8.RuneCountInString(pt) > 50 {
		s.render(w, http.StatusBadRequest, "result", resultPage{Title: "Yêu cầu không hợp lệ / bad request", Reason: "payment_type is too long"})
		return
	}
	id := form.Get("trans_ref_no")

	s.mu.Lock()
	var t *txn
	for _, c := range s.txns {
		if c.TransRefNo == id {
			t = c
			break
		}
	}
	switch {
	case t == nil:
		s.mu.Unlock()
		s.render(w, http.StatusNotFound, "result", resultPage{Title: "Không tìm thấy giao dịch / unknown transaction", Reason: "no such transaction"})
		return
	case t.submitted:
		s.mu.Unlock()
		s.render(w, http.StatusConflict, "result", resultPage{Title: "Giao dịch đã kết thúc / already finished", Status: t.Status, Message: t.Message, Reason: "the transaction is already finished"})
		return
	}
	t.submitted = true
	t.Status = status
	t.Message = s.message(status)
	if pt != "" {
		t.PaymentType = pt
	}
	snap := t.snapshot()
	s.mu.Unlock()

	if status != StatusInitial && s.cfg.ReceivingURL != "" && !s.noNotify {
		// The gateway's server-to-server POST. Its outcome is recorded in
		// Notifications; it does not change what the payer sees.
		_, _ = s.Notify(r.Context(), snap.Reference)
	}

	page := resultPage{Title: "Giao dịch kết thúc / payment finished", Status: status, Message: snap.Message}
	w.Header().Set("X-Vtcpaytest-Status", strconv.Itoa(status))
	if snap.ReturnURL == "" {
		s.render(w, http.StatusOK, "result", page)
		return
	}
	v := s.returnValues(snap.Amount, snap.Message, snap.PaymentType, snap.Reference, status, snap.TransRefNo)
	page.ReturnURL = returnTo(snap.ReturnURL, v)
	w.Header().Set("Location", page.ReturnURL)
	s.render(w, http.StatusSeeOther, "result", page)
}

func (s *Server) render(w http.ResponseWriter, code int, name string, data any) {
	var buf bytes.Buffer
	if err := s.pages.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "vtcpaytest: page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

type statusOption struct {
	Code     int
	Label    string
	Selected bool
}

type checkoutPage struct {
	WebsiteID   int
	Reference   string
	Amount      string
	TransRefNo  string
	PaymentType string
	SubmitURL   string
	Statuses    []statusOption
}

type resultPage struct {
	Title     string
	Status    int
	Message   string
	Reason    string
	ReturnURL string
}

// pagesHTML holds the hosted pages, in Vietnamese with English beside.
// Elements that a browser test drives have stable ids and names: the form
// "checkout", the hidden "trans_ref_no", the "payment_type" input, the
// "status" select (the outcome Pay gives), and the buttons "pay",
// "insufficient" (pay, refused for insufficient balance) and "cancel";
// result pages show "status", "message", "reason" and a "return" link.
const pagesHTML = `{{define "head"}}<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>VTC Pay: {{.}}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:38rem;margin:2rem auto;padding:0 1rem;color:#1f2933;background:#f5f7fa;line-height:1.45}
main{background:#fff;border:1px solid #d9e2ec;border-radius:8px;padding:1.5rem}
h1{font-size:1.35rem;margin:0 0 1rem}
.brand{color:#f26522;font-weight:700}
.en{color:#627d98;font-weight:normal}
button .en{color:inherit;opacity:.85}
.banner{font-size:.8rem;color:#8d2b0b;background:#fff3c4;border-radius:4px;padding:.3rem .6rem;margin-bottom:1rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem;margin:0 0 1rem}
dt{color:#486581}
dd{margin:0;font-weight:600;word-break:break-all}
dd.amount{font-size:1.5rem;color:#0b4f71}
label{display:block;margin:.8rem 0 .3rem}
select,input{font:inherit;padding:.45rem;width:100%;box-sizing:border-box;border:1px solid #bcccdc;border-radius:4px}
fieldset{border:1px dashed #bcccdc;border-radius:6px;margin:1rem 0;padding:.5rem 1rem 1rem}
legend{color:#486581;font-size:.9rem}
.actions{display:flex;gap:.5rem;flex-wrap:wrap;margin-top:1rem}
button{font:inherit;padding:.55rem 1.1rem;border-radius:4px;border:1px solid #829ab1;background:#fff;cursor:pointer}
button.primary{background:#f26522;border-color:#f26522;color:#fff}
button.warn{border-color:#cb6e17;color:#8d2b0b}
.error{background:#ffe3e3;border:1px solid #f29b9b;padding:.6rem;border-radius:4px}
.ok{background:#e3f9e5;border:1px solid #8eedc7;padding:.6rem;border-radius:4px}
</style>
</head>
<body>
<main>
<div class="banner">VTC Pay giả lập, chỉ để thử nghiệm <span class="en">/ fake VTC Pay, for testing only</span></div>
{{end}}{{define "foot"}}</main>
</body>
</html>
{{end}}{{define "checkout"}}{{template "head" "thanh toán / checkout"}}<h1><span class="brand">VTC Pay</span> Thanh toán <span class="en">/ Checkout</span></h1>
<dl id="order">
<dt>Website</dt><dd id="website_id">{{.WebsiteID}}</dd>
<dt>Đơn hàng <span class="en">/ Order</span></dt><dd id="reference_number">{{.Reference}}</dd>
<dt>Số tiền <span class="en">/ Amount</span></dt><dd id="amount" class="amount">{{.Amount}}</dd>
<dt>Mã giao dịch VTC <span class="en">/ VTC transaction</span></dt><dd id="trans_ref_no_text">{{.TransRefNo}}</dd>
</dl>
<form id="checkout" method="post" action="{{.SubmitURL}}">
<input type="hidden" id="trans_ref_no" name="trans_ref_no" value="{{.TransRefNo}}">
<label for="payment_type">Phương thức thanh toán <span class="en">/ Payment method</span></label>
<input id="payment_type" name="payment_type" value="{{.PaymentType}}">
<div class="actions">
<button type="submit" class="primary" id="pay" name="action" value="pay">Thanh toán {{.Amount}} <span class="en">/ Pay</span></button>
<button type="submit" class="warn" id="insufficient" name="action" value="insufficient">Số dư không đủ <span class="en">/ Insufficient balance</span></button>
<button type="submit" id="cancel" name="action" value="cancel">Hủy giao dịch <span class="en">/ Cancel</span></button>
</div>
<fieldset>
<legend>Kịch bản thử nghiệm <span class="en">/ Test scenario</span></legend>
<label for="status">Kết quả khi bấm Thanh toán <span class="en">/ Outcome when you press Pay</span></label>
<select id="status" name="status">
{{- range .Statuses}}
<option value="{{.Code}}"{{if .Selected}} selected{{end}}>{{.Code}}: {{.Label}}</option>
{{- end}}
</select>
</fieldset>
</form>
{{template "foot"}}{{end}}{{define "result"}}{{template "head" .Title}}<h1>{{.Title}}</h1>
<p class="{{if eq .Status 1}}ok{{else}}error{{end}}">Trạng thái <span class="en">/ Status</span> <span id="status">{{.Status}}</span>: <span id="message">{{.Message}}</span></p>
{{- if .Reason}}
<p id="reason">{{.Reason}}</p>
{{- end}}
{{- if .ReturnURL}}
<p><a id="return" href="{{.ReturnURL}}">Quay lại trang của đơn vị <span class="en">/ back to the merchant</span></a></p>
{{- end}}
{{template "foot"}}{{end}}`
