package vivietpay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/signing"
)

// Query and refund are modelled: Ví Việt publishes no API for them. They use
// the redirect's signing scheme (v1: parameters and secure_hash; v2:
// merchant_site, data, key, secure_hash) for the request and for the answer,
// which is a form (or flat JSON) body verified exactly like a return.

// vnTime is the gateway's time zone (Indochina Time, no daylight saving).
var vnTime = time.FixedZone("ICT", 7*60*60)

const timeLayout = "20060102150405"

// Query asks the gateway for the result of the payment order was sent for
// (by its MerchTxnRef) and checks it against order like [Client.ParseReturn]
// does. It is safe to retry and is retried after network errors and 5xx
// answers (see [WithQueryRetries]). A payment that is not a success comes
// back with an [*APIError] and the Result; an unknown reference gives an
// [*APIError] with [CodeNotFound].
func (c *Client) Query(ctx context.Context, order Order) (*Result, error) {
	const op = "query"
	if !validToken(order.MerchTxnRef, 50) {
		return nil, errorf(op, ErrInvalidRequest, "merchant transaction reference %q must be 1 to 50 characters of A-Z a-z 0-9 _ - .", order.MerchTxnRef)
	}
	if _, err := vndAmount(order.Amount); err != nil {
		return nil, errorf(op, ErrInvalidRequest, "the order's %v", err)
	}
	params := c.baseParams()
	params = append(params,
		signing.Param{Key: fMerchTxnRef, Value: order.MerchTxnRef},
		signing.Param{Key: "request_time", Value: c.clock().In(vnTime).Format(timeLayout)},
	)
	v, err := c.seal(op, params)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("vivietpay: %s: not sent: %w", op, err)
	}
	path := c.paths.QueryV1
	if c.protocol == V2 {
		path = c.paths.QueryV2
	}
	resp, err := c.query.R().SetContext(ctx).SetQueryParamsFromValues(v).Get(c.endpoint(path))
	body, err := c.answer(op, resp, err)
	if err != nil {
		return nil, err
	}
	f, err := c.open(op, body, nil)
	if err != nil {
		return nil, err
	}
	if ResponseCode(f.get(fResponseCode)) == CodeNotFound {
		// A "not found" must be about this order too: its fields, where
		// the answer has them, name it.
		if site := f.get(pMerchantSite); site != "" && site != c.cfg.MerchantSite {
			return nil, errorf(op, ErrOrderMismatch, "merchant_site %q is not this client's %q", site, c.cfg.MerchantSite)
		}
		if ref := f.get(fMerchTxnRef); ref != "" && ref != order.MerchTxnRef {
			return nil, errorf(op, ErrOrderMismatch, "answer is for merch_txn_ref %q, the order is %q", ref, order.MerchTxnRef)
		}
		return nil, &APIError{Op: op, HTTPStatus: resp.StatusCode(), Code: CodeNotFound, Message: f.get(fMessage)}
	}
	// Check it like a return, against the order.
	return c.checkFields(op, f, orderSource{fixed: &order})
}

// RefundRequest refunds all or part of a paid payment.
type RefundRequest struct {
	// MerchTxnRef is the reference of the paid payment.
	MerchTxnRef string
	// RefundRef is the merchant's unique reference for this refund: sending
	// the same RefundRef again must not refund twice (derive it from the
	// order, e.g. "<order>-refund-1").
	RefundRef string
	// Amount to refund, in whole dong, at most what was paid.
	Amount decimal.Decimal
	// Reason is shown in the gateway's records.
	Reason string
}

// Refund is the gateway's answer to a refund.
type Refund struct {
	MerchTxnRef   string
	RefundRef     string
	Amount        decimal.Decimal
	ResponseCode  ResponseCode
	Outcome       Outcome
	RefundTransNo string
	Message       string
}

// Refund sends a refund. It is never retried automatically: after an error
// whose outcome is unknown ([ErrUnknownOutcome], a network error) send the
// same RefundRequest again, with the same RefundRef. A refused refund is an
// [*APIError] with the Refund.
func (c *Client) Refund(ctx context.Context, req RefundRequest) (*Refund, error) {
	const op = "refund"
	if !validToken(req.MerchTxnRef, 50) {
		return nil, errorf(op, ErrInvalidRequest, "merchant transaction reference %q must be 1 to 50 characters of A-Z a-z 0-9 _ - .", req.MerchTxnRef)
	}
	if !validToken(req.RefundRef, 50) {
		return nil, errorf(op, ErrInvalidRequest, "refund reference %q must be 1 to 50 characters of A-Z a-z 0-9 _ - .", req.RefundRef)
	}
	amount, err := vndAmount(req.Amount)
	if err != nil {
		return nil, errorf(op, ErrInvalidRequest, "%v", err)
	}
	if err := validText(req.Reason, 255); err != nil {
		return nil, errorf(op, ErrInvalidRequest, "reason %v", err)
	}
	if c.protocol == V1 && strings.ContainsRune(req.Reason, '|') {
		return nil, errorf(op, ErrInvalidRequest, "reason must not contain | under v1")
	}
	params := c.baseParams()
	params = append(params,
		signing.Param{Key: fMerchTxnRef, Value: req.MerchTxnRef},
		signing.Param{Key: "refund_ref", Value: req.RefundRef},
		signing.Param{Key: "refund_amount", Value: strconv.FormatInt(amount, 10)},
		signing.Param{Key: "reason", Value: req.Reason},
		signing.Param{Key: "request_time", Value: c.clock().In(vnTime).Format(timeLayout)},
	)
	v, err := c.seal(op, params)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("vivietpay: %s: not sent: %w", op, err)
	}
	path := c.paths.RefundV1
	if c.protocol == V2 {
		path = c.paths.RefundV2
	}
	resp, err := c.post.R().SetContext(ctx).SetFormDataFromValues(v).Post(c.endpoint(path))
	body, err := c.answer(op, resp, err)
	if err != nil {
		return nil, err
	}
	f, err := c.open(op, body, nil)
	if err != nil {
		return nil, err
	}
	if site := f.get(pMerchantSite); site != c.cfg.MerchantSite {
		return nil, errorf(op, ErrOrderMismatch, "merchant_site %q is not this client's %q", site, c.cfg.MerchantSite)
	}
	code := ResponseCode(f.get(fResponseCode))
	if code == "" {
		return nil, errorf(op, ErrMalformed, "missing response_code")
	}
	out := &Refund{
		MerchTxnRef:   f.get(fMerchTxnRef),
		RefundRef:     f.get("refund_ref"),
		ResponseCode:  code,
		Outcome:       code.Outcome(),
		RefundTransNo: f.get("refund_trans_no"),
		Message:       f.get(fMessage),
	}
	if out.MerchTxnRef != req.MerchTxnRef || out.RefundRef != req.RefundRef {
		return nil, errorf(op, ErrOrderMismatch, "answer is for %q/%q, the request for %q/%q",
			out.MerchTxnRef, out.RefundRef, req.MerchTxnRef, req.RefundRef)
	}
	if out.Outcome != Succeeded {
		if a := f.get("refund_amount"); a != "" {
			if n, err := parseWireAmount(a); err == nil {
				out.Amount = decimal.NewFromInt(n)
			}
		}
		return out, &APIError{Op: op, HTTPStatus: resp.StatusCode(), Code: code, Message: out.Message}
	}
	got, err := parseWireAmount(f.get("refund_amount"))
	if err != nil {
		return nil, errorf(op, ErrMalformed, "%v", err)
	}
	out.Amount = decimal.NewFromInt(got)
	if got != amount {
		return out, errorf(op, ErrAmountMismatch, "refunded %d dong, asked for %d", got, amount)
	}
	if out.RefundTransNo == "" {
		return nil, errorf(op, ErrMalformed, "a successful refund without refund_trans_no")
	}
	return out, nil
}

// baseParams are the parameters every modelled API request starts with.
func (c *Client) baseParams() []signing.Param {
	version := "1.0"
	if c.protocol == V2 {
		version = "2.0"
	}
	ps := []signing.Param{{Key: "version", Value: version}, {Key: pMerchantSite, Value: c.cfg.MerchantSite}}
	if c.cfg.AccessCode != "" {
		ps = append(ps, signing.Param{Key: "access_code", Value: c.cfg.AccessCode})
	}
	return ps
}

func (c *Client) seal(op string, params []signing.Param) (url.Values, error) {
	if c.protocol == V1 {
		return c.sealV1(params), nil
	}
	v, _, err := c.sealV2(params)
	if err != nil {
		return nil, wrapErr(op, ErrInvalidConfig, err, "cannot seal the request: "+err.Error())
	}
	return v, nil
}

// answer turns an HTTP answer into the values of its body.
func (c *Client) answer(op string, resp *resty.Response, err error) (url.Values, error) {
	if err != nil {
		if errors.Is(err, resty.ErrResponseBodyTooLarge) {
			return nil, errorf(op, ErrMalformed, "answer larger than %d bytes", maxBodyBytes)
		}
		// The request may or may not have reached the gateway.
		return nil, wrapErr(op, ErrUnknownOutcome, err, "http: "+err.Error())
	}
	if s := resp.StatusCode(); s < 200 || s > 299 {
		return nil, &APIError{Op: op, HTTPStatus: s, Message: http.StatusText(s)}
	}
	return readMessage(op, resp.Header().Get("Content-Type"), bytes.NewReader(resp.Body()))
}
