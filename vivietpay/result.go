package vivietpay

import (
	"context"
	"fmt"
	"github.com/thanhtoan/thanhtoan/signing"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/shopspring/decimal"
)

// Result is a verified payment result: from the return or cancel redirect,
// a notification, or a query.
type Result struct {
	MerchantSite  string
	OrderNo       string
	MerchTxnRef   string
	Amount        decimal.Decimal // whole dong
	Currency      string
	ResponseCode  ResponseCode
	Outcome       Outcome
	TransactionNo string // the gateway's transaction number (trans_no), when paid
	TransTime     string // the gateway's time of the transaction (trans_time), as sent
	Message       string // the gateway's message, as sent
}

// OrderLookup returns the order a verified result names by its
// merch_txn_ref: the order as it was sent to [Client.CheckoutURL], from the
// merchant's store.
type OrderLookup func(merchTxnRef string) (Order, error)

// ParseReturn verifies the query of the return or cancel redirect for the
// order the payer was sent to pay, and returns its result. It is
// [Client.ParseReturnFunc] for one known order.
func (c *Client) ParseReturn(query url.Values, order Order) (*Result, error) {
	return c.parseResult("return", query, orderSource{fixed: &order})
}

// ParseReturnFunc verifies the query of a return or cancel redirect and
// returns its result. In order: under v2 it decrypts data with the merchant
// key; it verifies secure_hash (v1: the SHA-256 keyed by the secret; v2:
// SHA256withRSA by the gateway's keys) before reading any field; it reads
// the fields; it calls lookup with the verified merch_txn_ref and checks the
// merchant site, order number, reference ([ErrOrderMismatch]) and amount and
// currency ([ErrAmountMismatch]) against that order; then it maps the
// response code. A verified result that is not a success comes back with an
// [*APIError] (wrapping [ErrCancelled], [ErrDeclined] or [ErrUnknownOutcome])
// and the Result, so that the caller can show or record it.
//
// Under v1 the signature covers every query parameter, so the return URL
// given in the order must not carry a query of its own.
func (c *Client) ParseReturnFunc(query url.Values, lookup OrderLookup) (*Result, error) {
	if lookup == nil {
		return nil, errorf("return", ErrInvalidRequest, "no order lookup")
	}
	return c.parseResult("return", query, orderSource{lookup: lookup})
}

// ParseNotification verifies a result the gateway sends server to server
// (modelled: no public specification exists). It reads at most 64 KiB of the
// body, as a form (application/x-www-form-urlencoded) or a flat JSON object
// (application/json) by its Content-Type, and then checks it exactly as
// [Client.ParseReturnFunc] does. Answer 200 only once the result is recorded:
// the gateway may deliver a result more than once, and a notification that
// fails verification must change nothing.
func (c *Client) ParseNotification(r *http.Request, lookup OrderLookup) (*Result, error) {
	v, err := readMessage("notification", r.Header.Get("Content-Type"), r.Body)
	if err != nil {
		return nil, err
	}
	if lookup == nil {
		return nil, errorf("notification", ErrInvalidRequest, "no order lookup")
	}
	return c.parseResult("notification", v, orderSource{lookup: lookup})
}

// readMessage reads a form or flat JSON body into values.
func readMessage(op, contentType string, body io.Reader) (url.Values, error) {
	if body == nil {
		return nil, errorf(op, ErrMalformed, "empty body")
	}
	raw, err := io.ReadAll(io.LimitReader(body, maxBodyBytes+1))
	if err != nil {
		return nil, wrapErr(op, ErrMalformed, err, "reading body: "+err.Error())
	}
	if len(raw) > maxBodyBytes {
		return nil, errorf(op, ErrMalformed, "body larger than %d bytes", maxBodyBytes)
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "application/json", "text/json":
		f, err := decodeFlatJSON(raw)
		if err != nil {
			return nil, wrapErr(op, ErrMalformed, err, err.Error())
		}
		v := make(url.Values, len(f))
		for _, p := range f {
			v.Set(p.Key, p.Value)
		}
		return v, nil
	case "application/x-www-form-urlencoded", "text/plain", "":
		v, err := url.ParseQuery(strings.TrimSpace(string(raw)))
		if err != nil {
			return nil, wrapErr(op, ErrMalformed, err, "bad form body")
		}
		return v, nil
	default:
		return nil, errorf(op, ErrMalformed, "content type %q is neither a form nor json", mt)
	}
}

// Field names of results (modelled where the public material is silent).
const (
	fOrderNo      = "order_no"
	fMerchTxnRef  = "merch_txn_ref"
	fTotalAmount  = "total_amount"
	fCurrency     = "currency"
	fResponseCode = "response_code"
	fTransNo      = "trans_no"
	fTransTime    = "trans_time"
	fMessage      = "message"
)

// orderSource is the order a result is checked against: a known one, or
// one looked up by the verified merch_txn_ref.
type orderSource struct {
	fixed  *Order
	lookup OrderLookup
}

func (s orderSource) get(ref string) (Order, error) {
	if s.fixed != nil {
		return *s.fixed, nil
	}
	return s.lookup(ref)
}

func (c *Client) parseResult(op string, v url.Values, src orderSource) (*Result, error) {
	var buf [16]signing.Param
	f, err := c.open(op, v, buf[:0])
	if err != nil {
		return nil, err
	}
	return c.checkFields(op, f, src)
}

// checkFields reads verified fields and checks them against the order.
func (c *Client) checkFields(op string, f fields, src orderSource) (*Result, error) {
	res, amount, err := resultFromFields(op, f)
	if err != nil {
		return nil, err
	}
	if res.MerchantSite != c.cfg.MerchantSite {
		return res, errorf(op, ErrOrderMismatch, "merchant_site %q is not this client's %q", res.MerchantSite, c.cfg.MerchantSite)
	}
	order, err := src.get(res.MerchTxnRef)
	if err != nil {
		return res, fmt.Errorf("vivietpay: %s: order lookup for %q: %w", op, res.MerchTxnRef, err)
	}
	if order.MerchTxnRef != res.MerchTxnRef {
		return res, errorf(op, ErrOrderMismatch, "result is for merch_txn_ref %q, the order is %q", res.MerchTxnRef, order.MerchTxnRef)
	}
	if res.OrderNo != "" && res.OrderNo != order.OrderNo {
		return res, errorf(op, ErrOrderMismatch, "result is for order_no %q, the order is %q", res.OrderNo, order.OrderNo)
	}
	want, err := vndAmount(order.Amount)
	if err != nil {
		return res, errorf(op, ErrInvalidRequest, "the order's %v", err)
	}
	// A result that is not a success may leave the amount out.
	if amount >= 0 && amount != want {
		return res, errorf(op, ErrAmountMismatch, "result is for %d dong, the order is %d", amount, want)
	}
	if cur := order.Currency; res.Currency != VND || (cur != "" && cur != VND) {
		return res, errorf(op, ErrAmountMismatch, "result is in %q, the order in %q", res.Currency, cur)
	}
	if c.log.Enabled(context.Background(), slog.LevelDebug) {
		c.log.Debug("vivietpay: verified result", "op", op, "merch_txn_ref", res.MerchTxnRef, "code", string(res.ResponseCode))
	}
	if res.Outcome != Succeeded {
		return res, &APIError{Op: op, Code: res.ResponseCode, Message: res.Message}
	}
	return res, nil
}

// resultFromFields reads a verified result in one pass over its fields.
func resultFromFields(op string, f fields) (*Result, int64, error) {
	var site, orderNo, ref, amountText, cur, code, transNo, transTime, msg string
	hasAmount := false
	for _, p := range f {
		switch p.Key {
		case pMerchantSite:
			site = p.Value
		case fOrderNo:
			orderNo = p.Value
		case fMerchTxnRef:
			ref = p.Value
		case fTotalAmount:
			amountText, hasAmount = p.Value, true
		case fCurrency:
			cur = p.Value
		case fResponseCode:
			code = p.Value
		case fTransNo:
			transNo = p.Value
		case fTransTime:
			transTime = p.Value
		case fMessage:
			msg = p.Value
		}
	}
	if ref == "" {
		return nil, 0, errorf(op, ErrMalformed, "missing %s", fMerchTxnRef)
	}
	if code == "" {
		return nil, 0, errorf(op, ErrMalformed, "missing %s", fResponseCode)
	}
	rc := ResponseCode(code)
	outcome := rc.Outcome()
	amount := int64(-1)
	if hasAmount || outcome == Succeeded {
		n, err := parseWireAmount(amountText)
		if err != nil {
			return nil, 0, errorf(op, ErrMalformed, "%v", err)
		}
		amount = n
	}
	if cur == "" {
		cur = VND
	}
	if outcome == Succeeded && transNo == "" {
		return nil, 0, errorf(op, ErrMalformed, "a successful result without trans_no")
	}
	return &Result{
		MerchantSite:  site,
		OrderNo:       orderNo,
		MerchTxnRef:   ref,
		Amount:        decimal.NewFromInt(max(amount, 0)),
		Currency:      cur,
		ResponseCode:  rc,
		Outcome:       outcome,
		TransactionNo: transNo,
		TransTime:     transTime,
		Message:       msg,
	}, amount, nil
}
