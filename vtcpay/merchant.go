package vtcpay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/signing"
)

// merchantType is the merchant kind VTC Pay's APIs expect for websites.
const merchantType = "WEBSITE"

// OrderStatusRequest asks for the status of one or more orders.
type OrderStatusRequest struct {
	ReferenceNumbers []string // the merchant's order references (orderCode)
}

// OrderStatus is VTC Pay's view of one order. Only Status is known from
// public integrations; the other fields are filled when VTC Pay sends them.
// A line that names no order (the shape integrations show) is taken as the
// answer about the order asked, when one was asked; when several were, it
// makes the answer ErrMalformed.
type OrderStatus struct {
	ReferenceNumber string
	Status          Status
	Amount          decimal.Decimal // zero when not sent
	TransactionID   string
	PaymentType     string
	Message         string
}

// OrderStatusResponse lists the orders VTC Pay knows; unknown ones are absent.
type OrderStatusResponse struct {
	Orders []OrderStatus
}

// Find returns the status of the order with the given reference.
func (r *OrderStatusResponse) Find(ref string) (OrderStatus, bool) {
	for _, o := range r.Orders {
		if o.ReferenceNumber == ref {
			return o, true
		}
	}
	return OrderStatus{}, false
}

// RefundRequest asks VTC Pay to refund part or all of a paid order.
type RefundRequest struct {
	ReferenceNumber string
	Amount          decimal.Decimal
	Currency        Currency // the order's currency; VND when empty
}

// RefundResponse is VTC Pay's answer to a refund.
type RefundResponse struct {
	ReferenceNumber string
	Amount          decimal.Decimal
	Status          int // 1 refunded; VTC Pay's per-order code otherwise
	Message         string
}

// SaleHistoryRequest asks for the sales between two dates (inclusive).
type SaleHistoryRequest struct {
	From, To time.Time
}

// Sale is one entry of the sales history.
type Sale struct {
	ReferenceNumber string
	TransactionID   string
	Amount          decimal.Decimal
	Status          Status
	PaymentType     string
	CreatedAt       string // as VTC Pay sends it
}

// SaleHistoryResponse lists sales.
type SaleHistoryResponse struct {
	Sales []Sale
}

// apiSign is the merchant APIs' sign: lowercase hex MD5 of
// keySign + receiverAccount + websiteID + merchantType [+ extra] + secret.
func (c *Client) apiSign(extra ...string) string {
	parts := make([]string, 0, 5+len(extra))
	parts = append(parts, c.cfg.KeySign.Reveal(), c.cfg.ReceiverAccount, c.websiteID, merchantType)
	parts = append(parts, extra...)
	parts = append(parts, c.secret)
	return signing.MD5Hex(signing.Lower, parts...)
}

func (c *Client) checkAPIConfig(op string) error {
	if c.cfg.KeySign.IsZero() || c.cfg.ReceiverAccount == "" {
		return fmt.Errorf("%w: %s needs Config.KeySign and Config.ReceiverAccount", ErrInvalidConfig, op)
	}
	return nil
}

type orderCode struct {
	OrderCode    string      `json:"orderCode"`
	RefundAmount json.Number `json:"refundAmount,omitempty"` // a JSON number, never a float
}

type apiRequest struct {
	MerchantType          string      `json:"merchantType"`
	IntergratedID         json.Number `json:"intergratedID"` // website_id is an int in VTC Pay's table
	RevceiverAccount      string      `json:"revceiverAccount"`
	FromDate              string      `json:"fromDate,omitempty"`
	ToDate                string      `json:"toDate,omitempty"`
	Sign                  string      `json:"sign"`
	ListMerchantOrderCode []orderCode `json:"listMerchantOrderCode,omitempty"`
}

// apiEnvelope is VTC Pay's answer. ListOrderStatus with Status is known from
// integrations; ResponseCode, Description and the other lists are modelled
// (see the package doc) and optional: when ResponseCode is absent the call is
// judged by the HTTP status and the lists.
type apiEnvelope struct {
	ResponseCode    *int       `json:"ResponseCode"`
	Description     string     `json:"Description"`
	ListOrderStatus []apiOrder `json:"ListOrderStatus"`
	ListRefund      []apiOrder `json:"ListRefund"`
	ListSaleHistory []apiOrder `json:"ListSaleHistory"`
}

type apiOrder struct {
	OrderCode     string      `json:"OrderCode"`
	Status        *int        `json:"Status"`
	Amount        json.Number `json:"Amount"`
	RefundAmount  json.Number `json:"RefundAmount"`
	TransactionID json.Number `json:"TransactionID"`
	PaymentType   string      `json:"PaymentType"`
	Message       string      `json:"Message"`
	CreatedDate   string      `json:"CreatedDate"`
}

// QueryOrderStatus asks VTC Pay for the status of orders
// (VTCPayGetOrderStatus). It is safe to retry and is retried on network
// errors and 5xx answers.
func (c *Client) QueryOrderStatus(ctx context.Context, req OrderStatusRequest) (*OrderStatusResponse, error) {
	const op = "order status"
	if err := c.checkAPIConfig(op); err != nil {
		return nil, err
	}
	if len(req.ReferenceNumbers) == 0 || len(req.ReferenceNumbers) > 100 {
		return nil, &FieldError{"listMerchantOrderCode", "between 1 and 100 references"}
	}
	body := apiRequest{MerchantType: merchantType, IntergratedID: json.Number(c.websiteID), RevceiverAccount: c.cfg.ReceiverAccount, Sign: c.apiSign()}
	for _, ref := range req.ReferenceNumbers {
		if err := checkReference(ref); err != nil {
			return nil, err
		}
		body.ListMerchantOrderCode = append(body.ListMerchantOrderCode, orderCode{OrderCode: ref})
	}
	env, err := c.call(ctx, op, c.apiPaths.orderStatus, body, true)
	if err != nil {
		return nil, err
	}
	out := &OrderStatusResponse{}
	for _, o := range env.ListOrderStatus {
		if o.Status == nil {
			return nil, fmt.Errorf("%w: %s: order %q has no Status", ErrMalformed, op, truncate(o.OrderCode))
		}
		if o.OrderCode == "" {
			// The answer integrations show, {"ListOrderStatus":[{"Status":1}]},
			// names no order: asked about one, the line is that order's.
			// Asked about several, it cannot be attributed.
			if len(req.ReferenceNumbers) != 1 {
				return nil, fmt.Errorf("%w: %s: a line names no order, and %d orders were asked about", ErrMalformed, op, len(req.ReferenceNumbers))
			}
			o.OrderCode = req.ReferenceNumbers[0]
		}
		if err := checkTransactionID(o.TransactionID); err != nil {
			return nil, fmt.Errorf("%w: %s: order %q: %v", ErrMalformed, op, truncate(o.OrderCode), err)
		}
		os := OrderStatus{ReferenceNumber: o.OrderCode, Status: Status(*o.Status), TransactionID: o.TransactionID.String(), PaymentType: o.PaymentType, Message: o.Message}
		if os.Amount, err = optionalAmount(o.Amount); err != nil {
			return nil, fmt.Errorf("%w: %s: order %q: %v", ErrMalformed, op, truncate(o.OrderCode), err)
		}
		out.Orders = append(out.Orders, os)
	}
	return out, nil
}

// OrderStatus is QueryOrderStatus for one order; ErrOrderNotFound when VTC
// Pay does not list it.
func (c *Client) OrderStatus(ctx context.Context, ref string) (*OrderStatus, error) {
	resp, err := c.QueryOrderStatus(ctx, OrderStatusRequest{ReferenceNumbers: []string{ref}})
	if err != nil {
		return nil, err
	}
	o, ok := resp.Find(ref)
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrOrderNotFound, ref)
	}
	n := 0
	for _, other := range resp.Orders {
		if other.ReferenceNumber == ref {
			n++
		}
	}
	if n > 1 {
		return nil, fmt.Errorf("%w: order status: %d results for order %s", ErrMalformed, n, truncate(ref))
	}
	return &o, nil
}

// Refund asks VTC Pay to refund amount of a paid order (RefundMoneyVTC). It
// is sent once and never retried: on a network error the outcome is unknown,
// so check with QueryOrderStatus or the sales history before sending it
// again. A refund VTC Pay refuses is a *APIError.
func (c *Client) Refund(ctx context.Context, req RefundRequest) (*RefundResponse, error) {
	const op = "refund"
	if err := c.checkAPIConfig(op); err != nil {
		return nil, err
	}
	if err := checkReference(req.ReferenceNumber); err != nil {
		return nil, err
	}
	cur := req.Currency
	if cur == "" {
		cur = VND
	}
	amt, err := FormatAmount(req.Amount, cur)
	if err != nil {
		return nil, err
	}
	body := apiRequest{
		MerchantType: merchantType, IntergratedID: json.Number(c.websiteID), RevceiverAccount: c.cfg.ReceiverAccount, Sign: c.apiSign(),
		ListMerchantOrderCode: []orderCode{{OrderCode: req.ReferenceNumber, RefundAmount: json.Number(amt)}},
	}
	env, err := c.call(ctx, op, c.apiPaths.refund, body, false)
	if err != nil {
		return nil, err
	}
	// The answer must name this order in exactly one well-formed line:
	// anything else leaves the refund's outcome unknown (ErrMalformed),
	// never a success, and never a refusal (a caller may credit the
	// customer instead of a refusal; doing so after a refund VTC Pay made
	// would pay twice).
	var line *apiOrder
	for i := range env.ListRefund {
		if env.ListRefund[i].OrderCode != req.ReferenceNumber {
			continue
		}
		if line != nil {
			return nil, fmt.Errorf("%w: %s: two results for order %s", ErrMalformed, op, req.ReferenceNumber)
		}
		line = &env.ListRefund[i]
	}
	if line == nil {
		return nil, fmt.Errorf("%w: %s: no result for order %s", ErrMalformed, op, req.ReferenceNumber)
	}
	if line.Status == nil {
		return nil, fmt.Errorf("%w: %s: the result for order %s has no Status", ErrMalformed, op, req.ReferenceNumber)
	}
	resp := &RefundResponse{ReferenceNumber: line.OrderCode, Message: line.Message, Amount: req.Amount, Status: *line.Status}
	if line.RefundAmount != "" {
		a, err := parseAmount(string(line.RefundAmount))
		if err == nil && a.Sign() <= 0 {
			err = errors.New("not positive")
		}
		if err == nil {
			_, err = FormatAmount(a, cur)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s: order %s: RefundAmount %s: %v", ErrMalformed, op, req.ReferenceNumber, truncate(string(line.RefundAmount)), err)
		}
		resp.Amount = a
	}
	if resp.Status != 1 {
		return resp, &APIError{Op: op, HTTPStatus: http.StatusOK, Code: resp.Status, Message: truncate(line.Message)}
	}
	if !resp.Amount.Equal(req.Amount) {
		return resp, fmt.Errorf("%w: %s: refunded %s, asked %s", ErrAmountMismatch, op, resp.Amount, req.Amount)
	}
	return resp, nil
}

// SaleHistory lists the sales between two dates (MerchantSaleHistoryGetList).
// Dates are formatted with the history date layout (WithHistoryDateLayout) in
// Vietnam's time (UTC+7). It is retried like QueryOrderStatus.
func (c *Client) SaleHistory(ctx context.Context, req SaleHistoryRequest) (*SaleHistoryResponse, error) {
	const op = "sale history"
	if err := c.checkAPIConfig(op); err != nil {
		return nil, err
	}
	if req.From.IsZero() || req.To.IsZero() || req.To.Before(req.From) {
		return nil, &FieldError{"fromDate", "need From <= To, both set"}
	}
	ict := time.FixedZone("ICT", 7*3600)
	from, to := req.From.In(ict).Format(c.histDate), req.To.In(ict).Format(c.histDate)
	body := apiRequest{
		MerchantType: merchantType, IntergratedID: json.Number(c.websiteID), RevceiverAccount: c.cfg.ReceiverAccount,
		FromDate: from, ToDate: to, Sign: c.apiSign(from, to),
	}
	env, err := c.call(ctx, op, c.apiPaths.saleHistory, body, true)
	if err != nil {
		return nil, err
	}
	out := &SaleHistoryResponse{}
	for _, o := range env.ListSaleHistory {
		if o.Status == nil {
			return nil, fmt.Errorf("%w: %s: order %q has no Status", ErrMalformed, op, truncate(o.OrderCode))
		}
		if err := checkTransactionID(o.TransactionID); err != nil {
			return nil, fmt.Errorf("%w: %s: order %q: %v", ErrMalformed, op, truncate(o.OrderCode), err)
		}
		s := Sale{ReferenceNumber: o.OrderCode, Status: Status(*o.Status), TransactionID: o.TransactionID.String(), PaymentType: o.PaymentType, CreatedAt: o.CreatedDate}
		if s.Amount, err = optionalAmount(o.Amount); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, op, err)
		}
		out.Sales = append(out.Sales, s)
	}
	return out, nil
}

// checkTransactionID accepts VTC Pay's transaction IDs: absent, or 1 to 20
// digits (a JSON number such as -5.5 or 1e999 is not one).
func checkTransactionID(n json.Number) error {
	if len(n) > 20 {
		return fmt.Errorf("TransactionID %s is not 1 to 20 digits", truncate(string(n)))
	}
	for i := 0; i < len(n); i++ {
		if n[i] < '0' || n[i] > '9' {
			return fmt.Errorf("TransactionID %s is not 1 to 20 digits", truncate(string(n)))
		}
	}
	return nil
}

func optionalAmount(n json.Number) (decimal.Decimal, error) {
	if n == "" {
		return decimal.Decimal{}, nil
	}
	return parseAmount(string(n))
}

// call POSTs body as JSON to path and decodes VTC Pay's envelope. Queries
// (retry true) are retried on network errors and 5xx answers with a short
// backoff that stops when ctx ends; other calls are sent exactly once.
func (c *Client) call(ctx context.Context, op, path string, body apiRequest, retry bool) (*apiEnvelope, error) {
	payload, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("vtcpay: %s: encoding request: %w", op, err)
	}
	attempts := 1
	if retry {
		attempts += c.retries
	}
	var lastErr error
	for attempt := range attempts {
		if attempt > 0 {
			t := time.NewTimer(time.Duration(attempt) * 200 * time.Millisecond)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, fmt.Errorf("vtcpay: %s: %w; last error: %w", op, ctx.Err(), lastErr)
			case <-t.C:
			}
		}
		env, retryable, err := c.post(ctx, op, path, payload)
		if err == nil {
			return env, nil
		}
		lastErr = err
		if ctx.Err() != nil && retryable {
			return nil, fmt.Errorf("vtcpay: %s: %w; last error: %w", op, ctx.Err(), err)
		}
		if !retryable {
			return nil, err
		}
		c.log.DebugContext(ctx, "vtcpay: retrying query", "op", op, "attempt", attempt+1, "err", err)
	}
	return nil, lastErr
}

func (c *Client) post(ctx context.Context, op, path string, payload []byte) (env *apiEnvelope, retryable bool, err error) {
	resp, err := c.http.R().
		SetContext(ctx).
		SetHeader("Content-Type", "application/json").
		SetBody(payload).
		SetDoNotParseResponse(true).
		Post(c.baseURL + path)
	if err != nil {
		return nil, true, fmt.Errorf("vtcpay: %s: %w", op, err)
	}
	raw := resp.RawBody()
	defer raw.Close()
	data, err := io.ReadAll(io.LimitReader(raw, c.bodyLimit+1))
	if err != nil {
		return nil, true, fmt.Errorf("vtcpay: %s: reading response: %w", op, err)
	}
	if int64(len(data)) > c.bodyLimit {
		return nil, false, fmt.Errorf("%w: %s: response over %d bytes", ErrMalformed, op, c.bodyLimit)
	}
	status := resp.StatusCode()
	if status != http.StatusOK {
		return nil, status >= 500, &APIError{Op: op, HTTPStatus: status, Message: truncate(strings.TrimSpace(string(data)))}
	}
	env = &apiEnvelope{}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(env); err != nil {
		return nil, false, fmt.Errorf("%w: %s: response is not json: %v", ErrMalformed, op, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		// A second value could say the opposite of the first.
		return nil, false, fmt.Errorf("%w: %s: data after the json answer", ErrMalformed, op)
	}
	if env.ResponseCode != nil && *env.ResponseCode != 1 {
		return nil, false, &APIError{Op: op, HTTPStatus: status, Code: *env.ResponseCode, Message: truncate(env.Description)}
	}
	c.log.DebugContext(ctx, "vtcpay: api call", "op", op, "http_status", status)
	return env, false, nil
}
