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
		statuses = append(statuses, statusOption{Code: code, Label: statusLabel(code), Selected: code == StatusSuccess})
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
	page := resultPage{Title: "Payment refused", Status: ref.status, Message: s.message(ref.status), Reason: ref.reason}
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
		s.render(w, http.StatusBadRequest, "result", resultPage{Title: "Bad request", Reason: "the form could not be read"})
		return
	}
	form := r.PostForm
	var status int
	switch form.Get("action") {
	case "cancel":
		status = StatusCancelled
	case "pay":
		status = StatusSuccess
		if v := form.Get("status"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || !knownStatus(n) {
				s.render(w, http.StatusBadRequest, "result", resultPage{Title: "Bad request", Reason: "status is not a status of the table"})
				return
			}
			status = n
		}
	default:
		s.render(w, http.StatusBadRequest, "result", resultPage{Title: "Bad request", Reason: "action must be pay or cancel"})
		return
	}
	pt := form.Get("payment_type")
	if !utf8.ValidString(pt) || utf8.RuneCountInString(pt) > 50 {
		s.render(w, http.StatusBadRequest, "result", resultPage{Title: "Bad request", Reason: "payment_type is too long"})
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
		s.render(w, http.StatusNotFound, "result", resultPage{Title: "Unknown transaction", Reason: "no such transaction"})
		return
	case t.submitted:
		s.mu.Unlock()
		s.render(w, http.StatusConflict, "result", resultPage{Title: "Already finished", Status: t.Status, Message: t.Message, Reason: "the transaction is already finished"})
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

	page := resultPage{Title: "Payment finished", Status: status, Message: snap.Message}
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

// pagesHTML holds the hosted pages. Elements that a browser test drives
// have stable ids and names: the form "checkout", the hidden "trans_ref_no",
// the "payment_type" input, the "status" select, and the "pay" and "cancel"
// buttons; result pages show "status", "message", "reason" and a "return"
// link.
const pagesHTML = `{{define "checkout"}}<!DOCTYPE html>
<html lang="vi">
<head><meta charset="utf-8"><title>VTC Pay (test double): checkout</title></head>
<body>
<h1>VTC Pay (test double)</h1>
<dl id="order">
<dt>Website</dt><dd id="website_id">{{.WebsiteID}}</dd>
<dt>Order</dt><dd id="reference_number">{{.Reference}}</dd>
<dt>Amount</dt><dd id="amount">{{.Amount}}</dd>
<dt>VTC transaction</dt><dd id="trans_ref_no_text">{{.TransRefNo}}</dd>
</dl>
<form id="checkout" method="post" action="{{.SubmitURL}}">
<input type="hidden" id="trans_ref_no" name="trans_ref_no" value="{{.TransRefNo}}">
<p><label for="payment_type">Payment type</label>
<input id="payment_type" name="payment_type" value="{{.PaymentType}}"></p>
<p><label for="status">Outcome when paying</label>
<select id="status" name="status">
{{- range .Statuses}}
<option value="{{.Code}}"{{if .Selected}} selected{{end}}>{{.Code}}: {{.Label}}</option>
{{- end}}
</select></p>
<p><button type="submit" id="pay" name="action" value="pay">Pay</button>
<button type="submit" id="cancel" name="action" value="cancel">Cancel</button></p>
</form>
</body>
</html>
{{end}}{{define "result"}}<!DOCTYPE html>
<html lang="vi">
<head><meta charset="utf-8"><title>VTC Pay (test double): {{.Title}}</title></head>
<body>
<h1>{{.Title}}</h1>
<p>Status <span id="status">{{.Status}}</span>: <span id="message">{{.Message}}</span></p>
{{- if .Reason}}
<p id="reason">{{.Reason}}</p>
{{- end}}
{{- if .ReturnURL}}
<p><a id="return" href="{{.ReturnURL}}">Back to the merchant</a></p>
{{- end}}
</body>
</html>
{{end}}`
