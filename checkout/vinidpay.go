package checkout

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/thanhtoan/thanhtoan/vinidpay"
)

// VinIDPayOptions configures the VinID Pay adapter.
type VinIDPayOptions struct {
	// Name of the gateway; default "vinidpay".
	Name string
	// StoreCode and POSCode are the merchant_id and terminal_id VinID
	// issued. Required.
	StoreCode, POSCode string
	// UserToken returns the linked VinID wallet token of a payer (the
	// Intent's Payer: a customer ID, or a payer's email on behalf). Tokens
	// come from linking (vinidpay's LinkWallet and its callback); the host
	// keeps them. Required. On behalf, the payer is whoever holds the share
	// link sent to that email: below VinID's OTP threshold the wallet is
	// charged at the link's POST alone, so a host that must have the
	// payer's own consent returns an error here for on-behalf payers it
	// has not confirmed.
	UserToken func(ctx context.Context, payer string) (string, error)
}

// VinIDPay adapts a VinID Pay linked-wallet client to Gateway. Start
// charges the payer's linked wallet: below VinID's threshold the answer is
// final (checkout then queries the order to confirm the amount), at or above
// it VinID sends an OTP (StartOTP, then SubmitOTP). VinID's callback does not
// sign the amount, so its results are AmountConfirmed false and checkout
// queries the order before it provisions. Nor does it sign the merchant:
// a callback that is not a success is read as an unknown outcome, which
// checkout settles by querying the order. VND only.
func VinIDPay(client *vinidpay.Client, opts VinIDPayOptions) (Gateway, error) {
	if client == nil {
		return nil, fmt.Errorf("%w: vinidpay: nil client", ErrInvalidConfig)
	}
	if opts.StoreCode == "" || opts.POSCode == "" || opts.UserToken == nil {
		return nil, fmt.Errorf("%w: vinidpay: StoreCode, POSCode and UserToken are required", ErrInvalidConfig)
	}
	if opts.Name == "" {
		opts.Name = "vinidpay"
	}
	if err := validGatewayName(opts.Name); err != nil {
		return nil, err
	}
	return &vinidGateway{c: client, opts: opts}, nil
}

type vinidGateway struct {
	c    *vinidpay.Client
	opts VinIDPayOptions
}

func (g *vinidGateway) Name() string { return g.opts.Name }

func (g *vinidGateway) err(op string, err error) error {
	return &GatewayError{Gateway: g.opts.Name, Op: op, Err: err}
}

// mapErr sorts a vinidpay error: refused before sending, failed, or unknown.
func (g *vinidGateway) mapErr(op string, err error) error {
	switch {
	case errors.Is(err, vinidpay.ErrTransactionFailed):
		return g.err(op, fmt.Errorf("%w: %w", ErrPaymentFailed, err))
	case errors.Is(err, vinidpay.ErrInvalidRequest):
		return g.err(op, fmt.Errorf("%w: %w", ErrInvalidRequest, err))
	}
	return g.err(op, err)
}

func (g *vinidGateway) Start(ctx context.Context, in Intent) (Start, error) {
	if in.Currency != vinidpay.CurrencyVND {
		return Start{}, g.err("start", fmt.Errorf("%w: currency %s: VinID takes VND", ErrInvalidRequest, in.Currency))
	}
	tok, err := g.opts.UserToken(ctx, in.Payer)
	if err != nil {
		return Start{}, g.err("start", fmt.Errorf("%w: no linked wallet: %w", ErrInvalidRequest, err))
	}
	tx, err := g.c.CreateTransaction(ctx, vinidpay.CreateTransactionRequest{UserToken: tok, InvoiceNo: in.Reference,
		Amount: in.Amount, Description: in.Description, StoreCode: g.opts.StoreCode, POSCode: g.opts.POSCode})
	if err != nil {
		// VinID answered the create with a refusal (meta.code not 200 and not
		// a temporary failure): no transaction exists, the payment failed.
		// Anything else (a lost answer, a 5xx) leaves the outcome unknown.
		var ae *vinidpay.APIError
		if errors.As(err, &ae) && !ae.Temporary() {
			return Start{}, g.err("start", fmt.Errorf("%w: %w", ErrPaymentFailed, err))
		}
		return Start{}, g.mapErr("start", err)
	}
	if tx.Outcome == vinidpay.OutcomePendingOTP {
		return Start{Kind: StartOTP, GatewayTxnID: tx.TransactionID}, nil
	}
	return Start{Kind: StartResult, GatewayTxnID: tx.TransactionID, Result: g.txResult(in.Reference, tx)}, nil
}

func (g *vinidGateway) txResult(ref string, tx *vinidpay.Transaction) GatewayResult {
	// The answer does not carry the amount: checkout queries the order.
	return GatewayResult{Reference: ref, Outcome: vinidOutcome(tx.Outcome), Currency: vinidpay.CurrencyVND,
		GatewayTxnID: tx.TransactionID, Code: string(tx.Status)}
}

func (g *vinidGateway) SubmitOTP(ctx context.Context, r OTPRequest) (GatewayResult, error) {
	tok, err := g.opts.UserToken(ctx, r.Payer)
	if err != nil {
		return GatewayResult{}, g.err("otp", err)
	}
	tx, err := g.c.ConfirmTransaction(ctx, vinidpay.ConfirmTransactionRequest{UserToken: tok, TransactionID: r.GatewayTxnID,
		TransactionReferenceNumber: r.Reference, OTP: r.OTP})
	if err != nil {
		return GatewayResult{}, g.mapErr("otp", err)
	}
	return g.txResult(r.Reference, tx), nil
}

func (g *vinidGateway) ParseCallback(r *http.Request) (GatewayResult, error) {
	cb, err := g.c.VerifyPaymentCallback(r)
	if err != nil && (cb == nil || !errors.Is(err, vinidpay.ErrTransactionFailed)) {
		return GatewayResult{}, g.err("callback", fmt.Errorf("%w: %w", ErrInvalidCallback, err))
	}
	if cb.Outcome != vinidpay.OutcomeSucceeded {
		// VinID's signature does not cover the merchant: a failure signed
		// for another merchant's transaction of the same order_id verifies
		// here too. Like a success's amount, it is only a reason to ask:
		// checkout queries the gateway (an unknown outcome) and applies
		// what our query says. Nothing of the callback reaches the order.
		return GatewayResult{Reference: cb.OrderID, Outcome: OutcomeUnknown, Currency: vinidpay.CurrencyVND,
			Code: string(cb.PayStatus), Notification: true}, nil
	}
	return GatewayResult{Reference: cb.OrderID, Outcome: vinidOutcome(cb.Outcome), Amount: cb.UnconfirmedVNDAmount,
		AmountConfirmed: false, Currency: vinidpay.CurrencyVND, GatewayTxnID: cb.TransactionID, Code: string(cb.PayStatus),
		Notification: true}, nil
}

func (g *vinidGateway) Query(ctx context.Context, reference string) (GatewayResult, error) {
	o, err := g.c.QueryOrder(ctx, reference)
	if err != nil {
		if errors.Is(err, vinidpay.ErrNotFound) {
			return GatewayResult{}, g.err("query", fmt.Errorf("%w: %w", ErrPaymentNotFound, err))
		}
		return GatewayResult{}, g.err("query", err)
	}
	return GatewayResult{Reference: reference, Outcome: vinidOutcome(o.Outcome), Amount: o.OrderAmount,
		AmountConfirmed: !o.OrderAmount.IsZero(), Currency: vinidpay.CurrencyVND, GatewayTxnID: o.TransactionID,
		Code: string(o.PayStatus)}, nil
}

func (g *vinidGateway) Refund(ctx context.Context, r RefundRequest) error {
	res, err := g.c.Refund(ctx, vinidpay.RefundRequest{OrderID: r.Reference, RefundReferenceID: r.RefundID, Amount: r.Amount,
		Description: r.Reason})
	var apiErr *vinidpay.APIError
	switch {
	case errors.Is(err, vinidpay.ErrInvalidRequest), errors.Is(err, vinidpay.ErrTransactionFailed),
		errors.As(err, &apiErr) && !apiErr.Temporary():
		// Refused before sending, or VinID answered with a refusal.
		return g.err("refund", fmt.Errorf("%w: %w", ErrRefundRefused, err))
	case err != nil:
		return g.err("refund", err)
	case res.Outcome == vinidpay.OutcomeFailed:
		return g.err("refund", fmt.Errorf("%w: refund %s failed", ErrRefundRefused, res.RefundReferenceID))
	case res.Outcome != vinidpay.OutcomeSucceeded:
		return g.err("refund", fmt.Errorf("refund %s is %s", res.RefundReferenceID, res.Outcome))
	}
	return nil
}

func vinidOutcome(o vinidpay.Outcome) Outcome {
	switch o {
	case vinidpay.OutcomeSucceeded:
		return OutcomeSucceeded
	case vinidpay.OutcomeFailed:
		return OutcomeFailed
	case vinidpay.OutcomeHeld, vinidpay.OutcomePendingOTP:
		return OutcomePending
	}
	return OutcomeUnknown
}
