package vinidpay

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// CreateTransactionRequest charges a linked wallet.
type CreateTransactionRequest struct {
	// UserToken is the linked customer's token (LinkStatus, link callback).
	UserToken string
	// InvoiceNo is the merchant's order code (invoice_no). Required.
	InvoiceNo string
	// TransactionReferenceNumber is the merchant's id for this payment
	// attempt (transaction_reference_number); defaults to InvoiceNo.
	TransactionReferenceNumber string
	// Amount is what the wallet pays, in VND: whole dong, positive.
	Amount decimal.Decimal
	// Points, if positive, adds a payment_request_list entry in "OE POINT".
	Points int64
	// BillAmount is the original bill (bill_amount); defaults to Amount.
	BillAmount decimal.Decimal
	// Description of the order.
	Description string
	// StoreCode is merchant_id (the store code) and POSCode is terminal_id
	// (the POS code) that VinID issued. Both required.
	StoreCode string
	POSCode   string
	// HoldingEnabled asks VinID to debit the customer and hold the money
	// until ConfirmOrder (for merchants that re-check the order first).
	HoldingEnabled bool
	// OrderCreatedAt is order_created_at, sent as unix seconds; defaults to
	// the client's clock.
	OrderCreatedAt time.Time
}

// Transaction is VinID's answer to CreateTransaction or ConfirmTransaction.
type Transaction struct {
	TransactionID        string
	TransactionRefNumber string
	Status               TransactionStatus
	// WalletNumber is transaction_wallet_number, for reconciliation.
	WalletNumber string
	// Verification says whether the customer must confirm with an OTP.
	Verification VerificationMethod
	// Outcome: succeeded, held (call ConfirmOrder), pending OTP (call
	// ConfirmTransaction) or unknown (query the order). A failed
	// transaction is returned as a *TransactionError instead.
	Outcome Outcome
}

type transactionData struct {
	TransactionID        string             `json:"transaction_id"`
	TransactionRefNumber string             `json:"transaction_ref_number"`
	TransactionStatus    TransactionStatus  `json:"transaction_status"`
	WalletNumber         string             `json:"transaction_wallet_number"`
	VerificationMethods  VerificationMethod `json:"verification_methods"`
}

func (d *transactionData) result(op string, ref string) (*Transaction, error) {
	if d.TransactionID == "" {
		return nil, malformed(op, "transaction_id is required")
	}
	if d.TransactionRefNumber != "" && d.TransactionRefNumber != ref {
		return nil, malformed(op, "answer is for another transaction reference")
	}
	t := &Transaction{
		TransactionID: d.TransactionID, TransactionRefNumber: d.TransactionRefNumber,
		Status: d.TransactionStatus, WalletNumber: d.WalletNumber, Verification: d.VerificationMethods,
		Outcome: transactionOutcome(d.TransactionStatus, d.VerificationMethods),
	}
	if t.Outcome == OutcomeFailed {
		return nil, &TransactionError{Op: op, TransactionID: t.TransactionID, Status: t.Status}
	}
	return t, nil
}

// CreateTransaction charges a linked wallet. Below VinID's threshold the
// answer is final (succeeded, or held with HoldingEnabled); at or above it
// the outcome is OutcomePendingOTP and the customer's OTP goes to
// ConfirmTransaction. It is never retried: on ErrOutcomeUnknown, query the
// order before trying again.
func (c *Client) CreateTransaction(ctx context.Context, req CreateTransactionRequest) (*Transaction, error) {
	const op = "create transaction"
	body, ref, err := c.createTransactionBody(op, req)
	if err != nil {
		return nil, err
	}
	var d transactionData
	if err := c.do(ctx, call{op: op, method: "POST", base: c.paymentBase, path: PathCreateTransaction, body: body}, &d); err != nil {
		return nil, err
	}
	return d.result(op, ref)
}

// createTransactionBody validates req and returns the signed body, exactly
// the bytes to send, and the transaction reference number.
func (c *Client) createTransactionBody(op string, req CreateTransactionRequest) ([]byte, string, error) {
	for _, f := range []struct{ name, v string }{
		{"user token", req.UserToken}, {"invoice no", req.InvoiceNo},
		{"store code", req.StoreCode}, {"pos code", req.POSCode},
	} {
		if err := signedField(op, f.name, f.v); err != nil {
			return nil, "", err
		}
	}
	ref := req.TransactionReferenceNumber
	if ref == "" {
		ref = req.InvoiceNo
	}
	if err := signedField(op, "transaction reference number", ref); err != nil {
		return nil, "", err
	}
	if len(req.Description) > 1024 {
		return nil, "", invalidRequest(op, "description longer than 1024 bytes")
	}
	amt, err := toDong(op, "amount", req.Amount)
	if err != nil {
		return nil, "", err
	}
	bill := amt
	if !req.BillAmount.IsZero() {
		if bill, err = toDong(op, "bill amount", req.BillAmount); err != nil {
			return nil, "", err
		}
	}
	if req.Points < 0 || req.Points > MaxAmount {
		return nil, "", invalidRequest(op, "points must be 0..%d", MaxAmount)
	}
	created := req.OrderCreatedAt
	if created.IsZero() {
		created = c.clock()
	}
	items := []paymentRequestItem{{Currency: CurrencyVND, Amount: dongString(amt)}}
	if req.Points > 0 {
		items = append(items, paymentRequestItem{Currency: CurrencyPoint, Amount: dongString(req.Points)})
	}
	b := createTransactionBody{
		HoldingEnabled: req.HoldingEnabled, InvoiceNo: req.InvoiceNo, PaymentRequestList: items,
		BillAmount: dongString(bill), OrderCreatedAt: created.Unix(), TransactionReferenceNumber: ref,
		Description: req.Description, TerminalID: req.POSCode, MerchantID: req.StoreCode,
		MerchantCode: c.merchantCode, PartnerCode: c.partnerCode, UserToken: req.UserToken,
	}
	body, err := c.signBody(op, &b, b.signingString())
	if err != nil {
		return nil, "", err
	}
	return body, ref, nil
}

// ConfirmTransactionRequest carries the customer's OTP.
type ConfirmTransactionRequest struct {
	UserToken                  string
	TransactionID              string
	TransactionReferenceNumber string
	OTP                        string
}

// ConfirmTransaction confirms a transaction that asked for an OTP. A wrong
// or expired OTP is an *APIError; a transaction that failed is a
// *TransactionError. It is never retried.
func (c *Client) ConfirmTransaction(ctx context.Context, req ConfirmTransactionRequest) (*Transaction, error) {
	const op = "confirm transaction"
	for _, f := range []struct{ name, v string }{
		{"user token", req.UserToken}, {"transaction id", req.TransactionID},
		{"transaction reference number", req.TransactionReferenceNumber},
	} {
		if err := signedField(op, f.name, f.v); err != nil {
			return nil, err
		}
	}
	if req.OTP == "" || len(req.OTP) > 16 {
		return nil, invalidRequest(op, "otp must be 1..16 characters")
	}
	b := confirmTransactionBody{
		OTP: req.OTP, TransactionReferenceNumber: req.TransactionReferenceNumber,
		TransactionID: req.TransactionID, PartnerCode: c.partnerCode, UserToken: req.UserToken,
	}
	body, err := c.signBody(op, &b, b.signingString())
	if err != nil {
		return nil, err
	}
	var d transactionData
	if err := c.do(ctx, call{op: op, method: "POST", base: c.paymentBase, path: PathConfirmTransaction, body: body}, &d); err != nil {
		return nil, err
	}
	if d.TransactionID != "" && d.TransactionID != req.TransactionID {
		return nil, malformed(op, "answer is for another transaction")
	}
	d.VerificationMethods = VerificationOTP
	return d.result(op, req.TransactionReferenceNumber)
}

// OrderStatus is the merchant's verdict on a held order (order_status).
type OrderStatus string

// Order statuses for ConfirmOrder: settle the held money, or release it to
// the customer.
const (
	OrderStatusSuccess OrderStatus = "SUCCESS"
	OrderStatusFail    OrderStatus = "FAIL"
)

// ConfirmOrderRequest settles or releases a held transaction.
type ConfirmOrderRequest struct {
	InvoiceNo   string
	OrderStatus OrderStatus
}

// ConfirmOrderResponse is the transaction's status after ConfirmOrder.
type ConfirmOrderResponse struct {
	Status  TransactionStatus
	Outcome Outcome
}

type confirmOrderData struct {
	TransactionStatus TransactionStatus `json:"transaction_status"`
}

// ConfirmOrder tells VinID the merchant's verdict on a held order:
// OrderStatusSuccess settles it (the answer must be SUCCESS, or the call
// fails with a *TransactionError), OrderStatusFail releases the money to
// the customer (the answer is FAIL). It is never retried.
func (c *Client) ConfirmOrder(ctx context.Context, req ConfirmOrderRequest) (*ConfirmOrderResponse, error) {
	const op = "confirm order"
	if err := signedField(op, "invoice no", req.InvoiceNo); err != nil {
		return nil, err
	}
	if req.OrderStatus != OrderStatusSuccess && req.OrderStatus != OrderStatusFail {
		return nil, invalidRequest(op, "order status must be SUCCESS or FAIL")
	}
	b := confirmOrderBody{OrderStatus: string(req.OrderStatus), PartnerCode: c.partnerCode, InvoiceNo: req.InvoiceNo}
	body, err := c.signBody(op, &b, b.signingString())
	if err != nil {
		return nil, err
	}
	var d confirmOrderData
	if err := c.do(ctx, call{op: op, method: "POST", base: c.paymentBase, path: PathConfirmOrder, body: body}, &d); err != nil {
		return nil, err
	}
	out := &ConfirmOrderResponse{Status: d.TransactionStatus, Outcome: d.TransactionStatus.Outcome()}
	want := OutcomeSucceeded
	if req.OrderStatus == OrderStatusFail {
		want = OutcomeFailed
	}
	switch {
	case out.Outcome == want:
		return out, nil
	case out.Outcome == OutcomeFailed:
		return nil, &TransactionError{Op: op, Status: out.Status}
	}
	return nil, fmt.Errorf("vinidpay: %s: %w: transaction status %q after order status %s; query the order",
		op, ErrOutcomeUnknown, string(out.Status), req.OrderStatus)
}
