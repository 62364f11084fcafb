package checkout

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/thanhtoan/thanhtoan/vivietpay"
)

// VietPayOptions configures the Ví Việt adapter.
type VietPayOptions struct {
	// Name of the gateway; default "vietpay".
	Name string
	// Methods restricts the payment methods offered (Ví Việt's values).
	Methods string
}

// VietPay adapts a Ví Việt client to Gateway: a redirect gateway like VTC
// Pay. Ví Việt's results are checked against the payment as it was sent
// (order number, reference, amount, currency), which the adapter reads from
// the Client's Store: an adapter belongs to one Client. VND only.
func VietPay(client *vivietpay.Client, opts VietPayOptions) (Gateway, error) {
	if client == nil {
		return nil, fmt.Errorf("%w: vivietpay: nil client", ErrInvalidConfig)
	}
	if opts.Name == "" {
		opts.Name = "vietpay"
	}
	if err := validGatewayName(opts.Name); err != nil {
		return nil, err
	}
	return &vietGateway{c: client, opts: opts}, nil
}

type vietGateway struct {
	c      *vivietpay.Client
	opts   VietPayOptions
	mu     sync.Mutex
	lookup func(ctx context.Context, reference string) (Intent, error)
}

func (g *vietGateway) bind(lookup func(ctx context.Context, reference string) (Intent, error)) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.lookup != nil {
		return fmt.Errorf("%w: the %s adapter is already used by another Client", ErrInvalidConfig, g.opts.Name)
	}
	g.lookup = lookup
	return nil
}

func (g *vietGateway) Name() string { return g.opts.Name }

func (g *vietGateway) err(op string, err error) error {
	return &GatewayError{Gateway: g.opts.Name, Op: op, Err: err}
}

func (g *vietGateway) order(in Intent) vivietpay.Order {
	loc := vivietpay.LocaleVietnamese
	if in.Language == English {
		loc = vivietpay.LocaleEnglish
	}
	return vivietpay.Order{OrderNo: in.OrderID, MerchTxnRef: in.Reference, Description: in.Description, Amount: in.Amount,
		Currency: in.Currency, Locale: loc, ReturnURL: in.ReturnURL, Methods: g.opts.Methods}
}

func (g *vietGateway) Start(_ context.Context, in Intent) (Start, error) {
	u, err := g.c.CheckoutURL(g.order(in))
	if err != nil {
		return Start{}, g.err("start", fmt.Errorf("%w: %w", ErrInvalidRequest, err))
	}
	return Start{Kind: StartRedirect, URL: u}, nil
}

func (g *vietGateway) SubmitOTP(context.Context, OTPRequest) (GatewayResult, error) {
	return GatewayResult{}, g.err("otp", ErrNotSupported)
}

func (g *vietGateway) lookupFunc(ctx context.Context) vivietpay.OrderLookup {
	return func(ref string) (vivietpay.Order, error) {
		g.mu.Lock()
		lookup := g.lookup
		g.mu.Unlock()
		if lookup == nil {
			return vivietpay.Order{}, fmt.Errorf("%w: %s adapter not given to checkout.New", ErrInvalidConfig, g.opts.Name)
		}
		in, err := lookup(ctx, ref)
		if err != nil {
			return vivietpay.Order{}, err
		}
		return g.order(in), nil
	}
}

// result maps a verified result (which may come with an *APIError for a
// non-success) to a GatewayResult.
func (g *vietGateway) result(op string, res *vivietpay.Result, err error) (GatewayResult, error) {
	var apiErr *vivietpay.APIError
	if err != nil && (res == nil || !errors.As(err, &apiErr)) {
		if errors.Is(err, vivietpay.ErrAmountMismatch) && res != nil {
			// Verified, but not the amount sent: checkout puts the order in review.
			return GatewayResult{Reference: res.MerchTxnRef, Outcome: vietOutcome(res.Outcome), Amount: res.Amount,
				AmountConfirmed: true, Currency: res.Currency, GatewayTxnID: res.TransactionNo, Code: string(res.ResponseCode)}, nil
		}
		return GatewayResult{}, g.err(op, fmt.Errorf("%w: %w", ErrInvalidCallback, err))
	}
	return GatewayResult{Reference: res.MerchTxnRef, Outcome: vietOutcome(res.Outcome), Amount: res.Amount,
		AmountConfirmed: true, Currency: res.Currency, Merchant: res.MerchantSite, GatewayTxnID: res.TransactionNo,
		Code: string(res.ResponseCode), Message: res.Message, Notification: op == "notification"}, nil
}

func (g *vietGateway) ParseCallback(r *http.Request) (GatewayResult, error) {
	if r.Method == http.MethodPost {
		res, err := g.c.ParseNotification(r, g.lookupFunc(r.Context()))
		return g.result("notification", res, err)
	}
	res, err := g.c.ParseReturnFunc(r.URL.Query(), g.lookupFunc(r.Context()))
	return g.result("return", res, err)
}

func (g *vietGateway) Query(ctx context.Context, reference string) (GatewayResult, error) {
	o, err := g.lookupFunc(ctx)(reference)
	if err != nil {
		return GatewayResult{}, g.err("query", err)
	}
	res, err := g.c.Query(ctx, o)
	var apiErr *vivietpay.APIError
	if errors.As(err, &apiErr) && apiErr.Code == vivietpay.CodeNotFound {
		return GatewayResult{}, g.err("query", fmt.Errorf("%w: %w", ErrPaymentNotFound, err))
	}
	if err != nil && res == nil {
		return GatewayResult{}, g.err("query", err)
	}
	return g.result("query", res, err)
}

func (g *vietGateway) Refund(ctx context.Context, r RefundRequest) error {
	// Ví Việt's refund_ref takes only [A-Za-z0-9_.-]: checkout's refund IDs
	// ("<order>/refund-gateway", "<reference>/refund") were refused before
	// sending. Their one '/' comes before a fixed suffix, so '.' in its
	// place keeps them distinct.
	ref := strings.ReplaceAll(r.RefundID, "/", ".")
	_, err := g.c.Refund(ctx, vivietpay.RefundRequest{MerchTxnRef: r.Reference, RefundRef: ref, Amount: r.Amount, Reason: r.Reason})
	var apiErr *vivietpay.APIError
	switch {
	case errors.Is(err, vivietpay.ErrInvalidRequest), errors.Is(err, vivietpay.ErrDeclined), errors.Is(err, vivietpay.ErrCancelled),
		errors.As(err, &apiErr) && apiErr.HTTPStatus >= 400 && apiErr.HTTPStatus < 500:
		// Refused before sending, or Ví Việt answered with a refusal.
		return g.err("refund", fmt.Errorf("%w: %w", ErrRefundRefused, err))
	case err != nil:
		return g.err("refund", err)
	}
	return nil
}

func vietOutcome(o vivietpay.Outcome) Outcome {
	switch o {
	case vivietpay.Succeeded:
		return OutcomeSucceeded
	case vivietpay.Failed, vivietpay.Cancelled:
		return OutcomeFailed
	}
	return OutcomeUnknown
}
