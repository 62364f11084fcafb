package vinidpay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/signing"
)

// ErrLinkFailed is returned with a verified link callback whose status is
// not a success: the customer did not link the wallet.
var ErrLinkFailed = errors.New("vinidpay: link not completed")

// ErrTransactionMismatch is returned by ConfirmPayment when VinID's order
// belongs to another transaction than the callback's.
var ErrTransactionMismatch = errors.New("vinidpay: transaction mismatch")

// PaymentCallback is a verified payment notification (IPN). VinID sends one
// only for successful payments, as a GET with query parameters order_id,
// pay_status, transaction_id, signature and the unsigned extra_data,
// total_discount, user_id, point_amount and vnd_amount.
//
// The signature covers pay_status;transaction_id;order_id and NOT the
// amounts: the Unconfirmed* fields are what the notification claims, and
// anyone who replays a genuine signature can change them. Confirm the
// amount with [Client.ConfirmPayment] before provisioning anything.
type PaymentCallback struct {
	OrderID       string
	TransactionID string
	PayStatus     TransactionStatus
	Outcome       Outcome

	// Not signed.
	UserID                   string
	ExtraData                string
	UnconfirmedVNDAmount     decimal.Decimal
	UnconfirmedPointAmount   int64
	UnconfirmedTotalDiscount decimal.Decimal
	// AmountConfirmed is always false for a callback: the amount must be
	// confirmed by a query (ConfirmPayment).
	AmountConfirmed bool

	verified bool
}

// LinkCallback is a verified link result: the token and masked phone of the
// customer who linked their wallet. Its format is modelled (see the package
// doc): fields status, link_reference_id, partner_user_id, user_token,
// phone_number and signature, sent like the payment notification, and a
// signature over status;link_reference_id;partner_user_id;user_token;phone_number.
type LinkCallback struct {
	Status          string
	LinkReferenceID string
	PartnerUserID   string
	// UserToken charges the wallet together with the merchant key: store it
	// like a credential.
	UserToken   string
	MaskedPhone string
}

// Linked reports whether the link succeeded.
func (cb *LinkCallback) Linked() bool {
	return cb.UserToken != "" && strings.EqualFold(cb.Status, "SUCCESS")
}

// VerifyPaymentCallback reads a payment notification from r (query string
// of a GET, or a form or JSON body of a POST, by Content-Type), verifies
// its signature with VinID's key(s) and only then parses it. Any mismatch,
// a missing signature or a missing signed field is ErrInvalidSignature.
// A verified callback whose status is a failure is returned together with
// a *TransactionError.
func (c *Client) VerifyPaymentCallback(r *http.Request) (*PaymentCallback, error) {
	const op = "payment callback"
	v, err := c.callbackValues(op, r)
	if err != nil {
		return nil, err
	}
	return c.VerifyPaymentCallbackValues(v)
}

// VerifyPaymentCallbackQuery is VerifyPaymentCallback for a raw query string.
func (c *Client) VerifyPaymentCallbackQuery(rawQuery string) (*PaymentCallback, error) {
	v, err := parseQuery("payment callback", rawQuery, c.maxBody)
	if err != nil {
		return nil, err
	}
	return c.VerifyPaymentCallbackValues(v)
}

// VerifyPaymentCallbackValues is VerifyPaymentCallback for decoded values.
func (c *Client) VerifyPaymentCallbackValues(v url.Values) (*PaymentCallback, error) {
	const op = "payment callback"
	if err := singleValued(op, v); err != nil {
		return nil, err
	}
	status, txn, order := v.Get("pay_status"), v.Get("transaction_id"), v.Get("order_id")
	if status == "" || txn == "" || order == "" {
		return nil, fmt.Errorf("vinidpay: %s: %w: order_id, pay_status and transaction_id are required", op, ErrInvalidSignature)
	}
	if err := c.verifyCallbackSignature(op, PaymentCallbackSigningString(status, txn, order), v.Get("signature")); err != nil {
		return nil, err
	}
	cb := &PaymentCallback{
		OrderID: order, TransactionID: txn, PayStatus: TransactionStatus(status), Outcome: TransactionStatus(status).Outcome(),
		UserID: v.Get("user_id"), ExtraData: v.Get("extra_data"), verified: true,
	}
	var err error
	if cb.UnconfirmedVNDAmount, err = optionalDong(op, "vnd_amount", v.Get("vnd_amount")); err != nil {
		return nil, err
	}
	if cb.UnconfirmedTotalDiscount, err = optionalDong(op, "total_discount", v.Get("total_discount")); err != nil {
		return nil, err
	}
	points, err := optionalDong(op, "point_amount", v.Get("point_amount"))
	if err != nil {
		return nil, err
	}
	cb.UnconfirmedPointAmount = points.IntPart()
	if cb.Outcome == OutcomeFailed {
		return cb, &TransactionError{Op: op, TransactionID: txn, Status: cb.PayStatus}
	}
	return cb, nil
}

// VerifyLinkCallback reads a link callback from r like VerifyPaymentCallback
// and verifies it before parsing. A verified callback whose status is not a
// success is returned together with ErrLinkFailed.
func (c *Client) VerifyLinkCallback(r *http.Request) (*LinkCallback, error) {
	v, err := c.callbackValues("link callback", r)
	if err != nil {
		return nil, err
	}
	return c.VerifyLinkCallbackValues(v)
}

// VerifyLinkCallbackQuery is VerifyLinkCallback for a raw query string.
func (c *Client) VerifyLinkCallbackQuery(rawQuery string) (*LinkCallback, error) {
	v, err := parseQuery("link callback", rawQuery, c.maxBody)
	if err != nil {
		return nil, err
	}
	return c.VerifyLinkCallbackValues(v)
}

// VerifyLinkCallbackValues is VerifyLinkCallback for decoded values.
func (c *Client) VerifyLinkCallbackValues(v url.Values) (*LinkCallback, error) {
	const op = "link callback"
	if err := singleValued(op, v); err != nil {
		return nil, err
	}
	cb := &LinkCallback{
		Status: v.Get("status"), LinkReferenceID: v.Get("link_reference_id"), PartnerUserID: v.Get("partner_user_id"),
		UserToken: v.Get("user_token"), MaskedPhone: v.Get("phone_number"),
	}
	if cb.Status == "" || cb.LinkReferenceID == "" {
		return nil, fmt.Errorf("vinidpay: %s: %w: status and link_reference_id are required", op, ErrInvalidSignature)
	}
	msg := LinkCallbackSigningString(cb.Status, cb.LinkReferenceID, cb.PartnerUserID, cb.UserToken, cb.MaskedPhone)
	if err := c.verifyCallbackSignature(op, msg, v.Get("signature")); err != nil {
		return nil, err
	}
	if !strings.EqualFold(cb.Status, "SUCCESS") {
		return cb, fmt.Errorf("vinidpay: %s: %w: status %q", op, ErrLinkFailed, cb.Status)
	}
	if cb.UserToken == "" {
		return nil, malformed(op, "a successful link has no user_token")
	}
	return cb, nil
}

func (c *Client) verifyCallbackSignature(op, msg, sig string) error {
	if sig == "" {
		return fmt.Errorf("vinidpay: %s: %w: missing signature", op, ErrInvalidSignature)
	}
	// A '+' sent unescaped in a query string decodes as a space.
	sig = strings.ReplaceAll(sig, " ", "+")
	if err := signing.VerifySHA256Base64([]byte(msg), sig, c.vinidKeys...); err != nil {
		return fmt.Errorf("vinidpay: %s: %w", op, err)
	}
	return nil
}

// ConfirmPayment confirms what a verified payment callback cannot: it
// queries the order and checks that VinID reports it paid, for the
// callback's transaction, with an order amount equal to expected (VND).
// It returns the queried order; ErrAmountMismatch, ErrTransactionMismatch,
// ErrNotSettled or a *TransactionError otherwise. Only then is it safe to
// provision.
func (c *Client) ConfirmPayment(ctx context.Context, cb *PaymentCallback, expected decimal.Decimal) (*Order, error) {
	const op = "confirm payment"
	if cb == nil || !cb.verified {
		return nil, invalidRequest(op, "callback was not verified by this package")
	}
	want, err := toDong(op, "expected amount", expected)
	if err != nil {
		return nil, err
	}
	o, err := c.QueryOrder(ctx, cb.OrderID)
	if err != nil {
		return nil, err
	}
	if o.TransactionID != cb.TransactionID {
		return nil, fmt.Errorf("vinidpay: %s: %w: order %s is transaction %q, callback says %q", op, ErrTransactionMismatch, o.OrderID, o.TransactionID, cb.TransactionID)
	}
	switch o.Outcome {
	case OutcomeSucceeded:
	case OutcomeFailed:
		return nil, &TransactionError{Op: op, TransactionID: o.TransactionID, Status: o.PayStatus}
	default:
		return nil, fmt.Errorf("vinidpay: %s: %w: order %s is %s (%q)", op, ErrNotSettled, o.OrderID, o.Outcome, string(o.PayStatus))
	}
	if !o.OrderAmount.Equal(decimal.NewFromInt(want)) {
		return nil, fmt.Errorf("vinidpay: %s: %w: order %s is %s VND, expected %d", op, ErrAmountMismatch, o.OrderID, o.OrderAmount.String(), want)
	}
	return o, nil
}

// callbackValues reads a callback's parameters from r by method and
// Content-Type, capping the body.
func (c *Client) callbackValues(op string, r *http.Request) (url.Values, error) {
	if r == nil || r.URL == nil {
		return nil, invalidRequest(op, "nil request")
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Body == nil || r.Body == http.NoBody {
		return parseQuery(op, r.URL.RawQuery, c.maxBody)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, c.maxBody+1))
	if err != nil {
		return nil, malformed(op, "read body: %v", err)
	}
	if int64(len(body)) > c.maxBody {
		return nil, malformed(op, "body larger than %d bytes", c.maxBody)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return parseQuery(op, r.URL.RawQuery, c.maxBody)
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		mt = ""
	}
	switch mt {
	case "application/x-www-form-urlencoded":
		return parseQuery(op, string(body), c.maxBody)
	case "application/json":
		return parseJSONValues(op, body)
	}
	return nil, malformed(op, "unsupported content type %q", mt)
}

func parseQuery(op, raw string, max int64) (url.Values, error) {
	if int64(len(raw)) > max {
		return nil, malformed(op, "query larger than %d bytes", max)
	}
	v, err := url.ParseQuery(raw)
	if err != nil {
		return nil, malformed(op, "bad query: %v", err)
	}
	return v, nil
}

// parseJSONValues reads a flat JSON object of strings, numbers, booleans
// and nulls. Numbers keep their text exactly (no float).
func parseJSONValues(op string, body []byte) (url.Values, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, malformed(op, "body is not a json object")
	}
	if dec.More() {
		return nil, malformed(op, "trailing data after json object")
	}
	v := make(url.Values, len(m))
	for k, x := range m {
		switch t := x.(type) {
		case string:
			v.Set(k, t)
		case json.Number:
			v.Set(k, t.String())
		case bool:
			if t {
				v.Set(k, "true")
			} else {
				v.Set(k, "false")
			}
		case nil:
			v.Set(k, "")
		default:
			return nil, malformed(op, "field %q is not a scalar", k)
		}
	}
	return v, nil
}

// singleValued refuses a parameter given twice: the value verified must be
// the value used.
func singleValued(op string, v url.Values) error {
	for k, vals := range v {
		if len(vals) > 1 {
			return malformed(op, "parameter %q given %d times", k, len(vals))
		}
	}
	return nil
}

func optionalDong(op, field, s string) (decimal.Decimal, error) {
	if s == "" {
		return decimal.Zero, nil
	}
	n, err := parseDong(s)
	if err != nil {
		return decimal.Zero, malformed(op, "%s: %v", field, err)
	}
	return decimal.NewFromInt(n), nil
}
