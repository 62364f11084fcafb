package vinidpay

import (
	"context"
	"time"

	"github.com/shopspring/decimal"
)

// Order is VinID's record of an order (GET
// /merchant-integration/v1/qr/query/{order_id}).
type Order struct {
	OrderID        string
	TransactionID  string
	PayStatus      TransactionStatus
	Outcome        Outcome
	MerchantUserID string
	// OrderAmount is the order's amount in VND; VNDAmount the part the
	// wallet paid and PointAmount the part paid in points.
	OrderAmount decimal.Decimal
	VNDAmount   decimal.Decimal
	PointAmount int64
	// CreatedAt and UpdatedAt, sent as unix seconds (zero if absent).
	CreatedAt time.Time
	UpdatedAt time.Time
}

type orderData struct {
	CreatedAt      int64             `json:"created_at"`
	MerchantUserID string            `json:"merchant_user_id"`
	OrderAmount    amount            `json:"order_amount"`
	OrderID        string            `json:"order_id"`
	PayStatus      TransactionStatus `json:"pay_status"`
	PointAmount    amount            `json:"point_amount"`
	TransactionID  string            `json:"transaction_id"`
	UpdatedAt      int64             `json:"updated_at"`
	VNDAmount      amount            `json:"vnd_amount"`
}

func unixOrZero(s int64) time.Time {
	if s <= 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}

// QueryOrder reads an order's status. It is a query: network errors and 5xx
// answers are retried with a fresh nonce and signature. The order id of a
// linked-account payment is the invoice number (the callback's order_id).
func (c *Client) QueryOrder(ctx context.Context, orderID string) (*Order, error) {
	const op = "query order"
	if err := pathSegment(op, "order id", orderID); err != nil {
		return nil, err
	}
	var d orderData
	if err := c.do(ctx, call{op: op, method: "GET", base: c.merchantBase, path: PathQueryOrder + orderID, query: true}, &d); err != nil {
		return nil, err
	}
	if d.OrderID != orderID {
		return nil, malformed(op, "answer is for another order")
	}
	if !d.OrderAmount.set && !d.VNDAmount.set {
		return nil, malformed(op, "order has no amount")
	}
	o := &Order{
		OrderID: d.OrderID, TransactionID: d.TransactionID, PayStatus: d.PayStatus, Outcome: d.PayStatus.Outcome(),
		MerchantUserID: d.MerchantUserID, OrderAmount: d.OrderAmount.decimal(), VNDAmount: d.VNDAmount.decimal(),
		PointAmount: d.PointAmount.v, CreatedAt: unixOrZero(d.CreatedAt), UpdatedAt: unixOrZero(d.UpdatedAt),
	}
	if !d.OrderAmount.set {
		o.OrderAmount = o.VNDAmount
	}
	return o, nil
}

// pathSegment refuses ids that would need escaping in a URL path, so that
// the path signed is the path sent.
func pathSegment(op, name, v string) error {
	if v == "" || len(v) > 128 {
		return invalidRequest(op, "%s must be 1..128 characters", name)
	}
	for i := 0; i < len(v); i++ {
		ch := v[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
			return invalidRequest(op, "%s may hold only letters, digits and -_.~", name)
		}
	}
	return nil
}

// RefundRequest refunds all or part of a paid order. VinID refunds only
// within the period: from the payment day T until 09:09:59 on day T+1, and
// not for orders with promotions.
type RefundRequest struct {
	// OrderID is the paid order (the invoice number).
	OrderID string
	// RefundReferenceID is the merchant's unique id for this refund; sending
	// the same id again must not refund twice.
	RefundReferenceID string
	// Amount to refund in VND: whole dong, positive, at most what is left.
	Amount decimal.Decimal
	// Description is an optional reason.
	Description string
}

// Refund is VinID's answer to a refund.
type Refund struct {
	RefundID          string
	RefundReferenceID string
	OrderID           string
	Amount            decimal.Decimal
	Status            TransactionStatus
	// Outcome is succeeded, or unknown for a refund VinID still processes.
	Outcome Outcome
}

type refundData struct {
	RefundTransactionID string            `json:"refund_transaction_id"`
	RefundReferenceID   string            `json:"refund_reference_id"`
	OrderID             string            `json:"order_id"`
	Amount              amount            `json:"amount"`
	Status              TransactionStatus `json:"status"`
}

// Refund refunds all or part of an order. The body is modelled (VinID
// publishes the endpoint, not its fields; see the package doc). It is never
// retried; on ErrOutcomeUnknown, query before sending the same
// RefundReferenceID again.
func (c *Client) Refund(ctx context.Context, req RefundRequest) (*Refund, error) {
	const op = "refund"
	if err := signedField(op, "order id", req.OrderID); err != nil {
		return nil, err
	}
	if err := signedField(op, "refund reference id", req.RefundReferenceID); err != nil {
		return nil, err
	}
	if len(req.Description) > 1024 {
		return nil, invalidRequest(op, "description longer than 1024 bytes")
	}
	amt, err := toDong(op, "amount", req.Amount)
	if err != nil {
		return nil, err
	}
	body, err := marshalBody(op, refundBody{OrderID: req.OrderID, RefundReferenceID: req.RefundReferenceID, Amount: amt, Description: req.Description})
	if err != nil {
		return nil, err
	}
	var d refundData
	if err := c.do(ctx, call{op: op, method: "POST", base: c.merchantBase, path: PathRefund, body: body}, &d); err != nil {
		return nil, err
	}
	if (d.RefundReferenceID != "" && d.RefundReferenceID != req.RefundReferenceID) || (d.OrderID != "" && d.OrderID != req.OrderID) {
		return nil, malformed(op, "answer is for another refund")
	}
	if d.Amount.set && d.Amount.v != amt {
		return nil, malformed(op, "answer refunds %d, asked %d", d.Amount.v, amt)
	}
	r := &Refund{RefundID: d.RefundTransactionID, RefundReferenceID: req.RefundReferenceID, OrderID: req.OrderID, Amount: decimal.NewFromInt(amt), Status: d.Status, Outcome: d.Status.Outcome()}
	switch d.Status.Outcome() {
	case OutcomeSucceeded:
		return r, nil
	case OutcomeFailed:
		return nil, &TransactionError{Op: op, TransactionID: d.RefundTransactionID, Status: d.Status}
	}
	return r, nil
}
