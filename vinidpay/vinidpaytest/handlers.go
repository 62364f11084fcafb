package vinidpaytest

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// All handlers run under s.mu, after the request's headers authenticated.

func (s *Server) checkPartner(ex *exchange) (result, bool) {
	if ex.str("partner_code") != s.partnerCode {
		return fail(CodeForbidden, "unknown partner_code"), false
	}
	return result{}, true
}

func (s *Server) linkWallet(ex *exchange) result {
	puid, cb := ex.str("partner_user_id"), ex.str("callback_url")
	if !ex.verifyBody(s, puid, ex.str("partner_code"), cb) {
		return fail(CodeAuthFailed, "invalid body signature")
	}
	if res, ok := s.checkPartner(ex); !ok {
		return res
	}
	if puid == "" || cb == "" {
		return fail(CodeInvalidData, "partner_user_id and callback_url are required")
	}
	if pt := ex.str("partner_type"); pt != "" && pt != "MERCHANT" {
		return fail(CodeInvalidData, "unknown partner_type")
	}
	now := s.now()
	l := &link{id: s.nextID("LNK"), partnerUserID: puid, callbackURL: cb, created: now, expires: now.Add(s.linkExpiry)}
	s.links[l.id] = l
	return ok(map[string]any{
		"web_url":         s.URL + "/link/" + l.id,
		"link_id":         l.id,
		"expiry_duration": int64(math.Ceil(s.linkExpiry.Minutes())),
	})
}

func (s *Server) linkStatus(ex *exchange) result {
	l, found := s.links[ex.str("link_reference_id")]
	if !found {
		return fail(CodeNotFound, "link not found")
	}
	// The seed signs partner_user_id|partner_code|callback_url: the values
	// the link was made with, which this body does not repeat.
	if !ex.verifyBody(s, l.partnerUserID, ex.str("partner_code"), l.callbackURL) {
		return fail(CodeAuthFailed, "invalid body signature")
	}
	if res, ok := s.checkPartner(ex); !ok {
		return res
	}
	if l.cancelled {
		return fail(CodeLinkCancelled, "link cancelled by the customer")
	}
	if l.token == "" && s.now().After(l.expires) {
		return fail(CodeLinkExpired, "link expired")
	}
	phone := ""
	token := l.token
	if l.unlinked {
		token = ""
	}
	if u := s.users[l.userID]; u != nil && token != "" {
		phone = maskPhone(u.phone)
	}
	return ok(map[string]any{"link_reference_id": l.id, "user_token": token, "phone_number": phone})
}

func (s *Server) unlinkWallet(ex *exchange) result {
	token := ex.str("user_token")
	if !ex.verifyBody(s, token, ex.str("partner_code")) {
		return fail(CodeAuthFailed, "invalid body signature")
	}
	if res, ok := s.checkPartner(ex); !ok {
		return res
	}
	l, found := s.tokens[token]
	if !found {
		return fail(CodeNotFound, "user token not found")
	}
	l.unlinked = true
	delete(s.tokens, token)
	return ok(struct{}{})
}

type requestItem struct {
	Currency string `json:"currency"`
	Amount   string `json:"amount"`
}

func parseDigits(s string) (int64, bool) {
	if s == "" || len(s) > 15 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

func (s *Server) createTransaction(ex *exchange) result {
	var items []requestItem
	if raw, ok := ex.fields["payment_request_list"]; !ok || json.Unmarshal(raw, &items) != nil {
		return fail(CodeInvalidData, "payment_request_list is required")
	}
	var vnd, point string
	for _, it := range items {
		switch it.Currency {
		case "VND":
			vnd = it.Amount
		case "OE POINT":
			point = it.Amount
		default:
			return fail(CodeInvalidData, "unknown currency in payment_request_list")
		}
	}
	// The seed: "order_created_at number". The signature covers the
	// number's digits; a string, fraction or exponent is refused.
	created := string(ex.fields["order_created_at"])
	if _, okCreated := parseDigits(created); !okCreated {
		return fail(CodeInvalidData, "order_created_at must be a whole number")
	}
	token, invoice := ex.str("user_token"), ex.str("invoice_no")
	if !ex.verifyBody(s, token, ex.str("merchant_code"), ex.str("merchant_id"), ex.str("terminal_id"),
		invoice, created, ex.str("bill_amount"), vnd, point) {
		return fail(CodeAuthFailed, "invalid body signature")
	}
	if res, ok := s.checkPartner(ex); !ok {
		return res
	}
	if ex.str("merchant_code") != s.merchantCode {
		return fail(CodeForbidden, "unknown merchant_code")
	}
	if ex.str("merchant_id") == "" || ex.str("terminal_id") == "" {
		return fail(4040201, "store or pos code missing")
	}
	amt, okAmt := parseDigits(vnd)
	if !okAmt || amt <= 0 {
		return fail(CodeInvalidData, "vnd amount must be a positive whole number")
	}
	var pts int64
	if point != "" {
		if pts, okAmt = parseDigits(point); !okAmt {
			return fail(CodeInvalidData, "point amount must be a whole number")
		}
	}
	if _, okBill := parseDigits(ex.str("bill_amount")); !okBill {
		return fail(CodeInvalidData, "bill_amount must be a whole number")
	}
	var holding bool
	if raw, ok := ex.fields["holding_enabled"]; ok && json.Unmarshal(raw, &holding) != nil {
		return fail(CodeInvalidData, "holding_enabled must be a boolean")
	}
	ref := ex.str("transaction_reference_number")
	if invoice == "" || ref == "" {
		return fail(CodeInvalidData, "invoice_no and transaction_reference_number are required")
	}
	l, found := s.tokens[token]
	if !found {
		return fail(CodeNotFound, "user token not found")
	}
	if _, dup := s.invoices[invoice]; dup {
		return fail(CodeDuplicate, "invoice_no already used")
	}
	now := s.now()
	t := &txn{
		id: s.nextID("TXN"), ref: ref, invoice: invoice, token: token, userID: l.userID, partnerUserID: l.partnerUserID,
		walletNumber: "W" + l.userID, amount: amt, points: pts, holding: holding,
		created: now, updated: now,
	}
	s.txns[t.id] = t
	s.invoices[invoice] = t
	if amt >= s.otpThreshold {
		t.status, t.verification = statusPending, 2
		t.otp, t.otpExpires = randomDigits(6), now.Add(s.otpExpiry)
		phone := ""
		if u := s.users[t.userID]; u != nil {
			phone = u.phone
		}
		s.sms = append(s.sms, SMS{MaskedPhone: maskPhone(phone), TransactionID: t.id, InvoiceNo: t.invoice, OTP: t.otp, SentAt: now})
		return ok(t.view())
	}
	if res, ok := s.settle(ex, t); !ok {
		return res
	}
	return ok(t.view())
}

func (t *txn) view() map[string]any {
	return map[string]any{
		"transaction_id":            t.id,
		"transaction_ref_number":    t.ref,
		"transaction_status":        t.status,
		"transaction_wallet_number": t.walletNumber,
		"verification_methods":      t.verification,
	}
}

// settle debits the wallet: to the merchant, or into a hold.
func (s *Server) settle(ex *exchange, t *txn) (result, bool) {
	u := s.users[t.userID]
	t.updated = s.now()
	if u == nil || u.balance < t.amount {
		t.status = statusFail
		return fail(CodeInsufficientBalance, "insufficient balance"), false
	}
	u.balance -= t.amount
	if t.holding {
		t.status = statusHolding
		return result{}, true
	}
	s.pay(ex, t)
	return result{}, true
}

// pay marks t paid to the merchant and queues its notification.
func (s *Server) pay(ex *exchange, t *txn) {
	t.status, t.paidAt, t.updated = statusSuccess, s.now(), s.now()
	s.merchantBalance += t.amount
	ex.out = append(ex.out, pendingCallback{
		kind: "payment", handler: s.paymentHandler, times: s.deliveryTimes(),
		url: withQuery(s.paymentURL, s.PaymentCallbackQuery(statusSuccess, t.id, t.invoice, t.unsignedFields())),
	})
}

func (t *txn) unsignedFields() map[string][]string {
	return map[string][]string{
		"extra_data":     {""},
		"total_discount": {"0"},
		"user_id":        {t.userID},
		"point_amount":   {strconv.FormatInt(t.points, 10)},
		"vnd_amount":     {strconv.FormatInt(t.amount, 10)},
	}
}

func (s *Server) confirmTransaction(ex *exchange) result {
	token, id, ref := ex.str("user_token"), ex.str("transaction_id"), ex.str("transaction_reference_number")
	if !ex.verifyBody(s, token, id, ref) {
		return fail(CodeAuthFailed, "invalid body signature")
	}
	if res, ok := s.checkPartner(ex); !ok {
		return res
	}
	t, found := s.txns[id]
	if !found {
		return fail(CodeNotFound, "transaction not found")
	}
	if t.token != token || t.ref != ref {
		return fail(CodeInvalidData, "transaction does not match user token or reference")
	}
	if t.status != statusPending {
		return fail(CodeInvalidData, "transaction is not waiting for an otp")
	}
	if s.now().After(t.otpExpires) {
		t.status, t.otp = statusFail, ""
		return fail(CodeOTPExpired, "otp expired")
	}
	if subtle.ConstantTimeCompare([]byte(ex.str("otp")), []byte(t.otp)) != 1 {
		t.otpTries++
		if t.otpTries >= s.maxOTPTries {
			t.status, t.otp = statusFail, ""
		}
		return fail(CodeWrongOTP, fmt.Sprintf("wrong otp (%d of %d tries)", t.otpTries, s.maxOTPTries))
	}
	t.otp = ""
	if res, ok := s.settle(ex, t); !ok {
		return res
	}
	return ok(t.view())
}

func (s *Server) confirmOrder(ex *exchange) result {
	invoice, status := ex.str("invoice_no"), ex.str("order_status")
	if !ex.verifyBody(s, invoice, ex.str("partner_code"), status) {
		return fail(CodeAuthFailed, "invalid body signature")
	}
	if res, ok := s.checkPartner(ex); !ok {
		return res
	}
	t, found := s.invoices[invoice]
	if !found {
		return fail(CodeNotFound, "order not found")
	}
	if status != statusSuccess && status != statusFail {
		return fail(CodeInvalidData, "order_status must be SUCCESS or FAIL")
	}
	switch {
	case t.status == statusHolding && status == statusSuccess:
		s.pay(ex, t)
	case t.status == statusHolding && status == statusFail:
		if u := s.users[t.userID]; u != nil {
			u.balance += t.amount
		}
		t.status, t.updated = statusFail, s.now()
	case t.status == status && t.holding:
		// Repeated verdict: answer as before.
	default:
		return fail(CodeInvalidData, "order is not held")
	}
	return ok(map[string]any{"transaction_status": t.status})
}

func (s *Server) queryOrder(ex *exchange) result {
	t, found := s.invoices[ex.pathValue]
	if !found {
		return fail(CodeNotFound, "order not found")
	}
	return ok(map[string]any{
		"created_at":       t.created.Unix(),
		"merchant_user_id": t.partnerUserID,
		"order_amount":     t.amount + t.points,
		"order_id":         t.invoice,
		"pay_status":       t.status,
		"point_amount":     t.points,
		"transaction_id":   t.id,
		"updated_at":       t.updated.Unix(),
		"vnd_amount":       t.amount,
	})
}

// vietnam is UTC+7, the zone of VinID's refund period.
var vietnam = time.FixedZone("ICT", 7*60*60)

// refundEnd is the first instant after VinID's refund period for a
// payment at paidAt: "từ 00:00 ngày T đến hết 09:09:59 AM ngày T+1" (to the
// end of 09:09:59 on the next day), so 09:10:00 Vietnam time on day T+1.
func refundEnd(paidAt time.Time) time.Time {
	p := paidAt.In(vietnam)
	return time.Date(p.Year(), p.Month(), p.Day()+1, 9, 10, 0, 0, vietnam)
}

func (s *Server) refund(ex *exchange) result {
	orderID, ref := ex.str("order_id"), ex.str("refund_reference_id")
	var amt int64
	if raw, ok := ex.fields["amount"]; !ok || json.Unmarshal(raw, &amt) != nil || amt <= 0 {
		return fail(CodeInvalidData, "amount must be a positive whole number")
	}
	if orderID == "" || ref == "" {
		return fail(CodeInvalidData, "order_id and refund_reference_id are required")
	}
	if prev, seen := s.refunds[ref]; seen {
		if prev.orderID != orderID || prev.amount != amt {
			return fail(CodeDuplicate, "refund_reference_id already used for another refund")
		}
		return ok(prev.view())
	}
	t, found := s.invoices[orderID]
	if !found {
		return fail(CodeNotFound, "order not found")
	}
	if t.status != statusSuccess {
		return fail(CodeRefundNotAllowed, "order is not paid")
	}
	if s.refundWindow && !s.now().Before(refundEnd(t.paidAt)) {
		return fail(CodeRefundNotAllowed, "refund period is over")
	}
	if amt > t.amount-t.refunded {
		return fail(CodeRefundExceeds, "refund exceeds what is left of the payment")
	}
	t.refunded += amt
	t.updated = s.now()
	if u := s.users[t.userID]; u != nil {
		u.balance += amt
	}
	s.merchantBalance -= amt
	r := &refund{id: s.nextID("RF"), ref: ref, orderID: orderID, amount: amt}
	s.refunds[ref] = r
	return ok(r.view())
}

func (r *refund) view() map[string]any {
	return map[string]any{
		"refund_transaction_id": r.id,
		"refund_reference_id":   r.ref,
		"order_id":              r.orderID,
		"amount":                r.amount,
		"status":                statusSuccess,
	}
}

// ConfirmLink plays the customer confirming the link in the VinID app (or
// scanning its QR code) as user userID. The link callback is then delivered
// as set by SetDelivery. It returns the user token.
func (s *Server) ConfirmLink(linkID, userID string) (string, error) {
	s.mu.Lock()
	l, found := s.links[linkID]
	if !found {
		s.mu.Unlock()
		return "", ErrUnknownLink
	}
	u, okUser := s.users[userID]
	switch {
	case !okUser:
		s.mu.Unlock()
		return "", ErrUnknownUser
	case l.token != "":
		s.mu.Unlock()
		return "", ErrLinkUsed
	case l.cancelled:
		s.mu.Unlock()
		return "", ErrLinkCancelled
	case s.now().After(l.expires):
		s.mu.Unlock()
		return "", ErrLinkExpired
	}
	l.userID = u.id
	l.token = "TKN" + randomDigits(24)
	s.tokens[l.token] = l
	pc := pendingCallback{
		kind: "link", handler: s.linkHandler, times: s.deliveryTimes(),
		url: withQuery(l.callbackURL, s.LinkCallbackQuery(statusSuccess, l.id, l.partnerUserID, l.token, maskPhone(u.phone))),
	}
	token := l.token
	s.mu.Unlock()
	s.deliver([]pendingCallback{pc})
	return token, nil
}
