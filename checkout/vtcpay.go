package checkout

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strconv"
	"strings"

	"github.com/thanhtoan/thanhtoan/vtcpay"
)

// VTCPayOptions configures the VTC Pay adapter.
type VTCPayOptions struct {
	// Name of the gateway in routes and histories; default "vtcpay".
	Name string
	// PaymentType preselects a bank or wallet on VTC Pay's page; empty lets
	// the payer choose.
	PaymentType vtcpay.BankCode
}

// VTCPay adapts a VTC Pay client to Gateway: Start returns the signed
// checkout URL; ParseCallback verifies the server notification (POST) and
// the payer's return (GET); Query reads the order status; Refund asks VTC
// Pay to refund. Statuses 0, -21, -23, -99 are OutcomeUnknown and 7 (review)
// OutcomePending: checkout queries them.
func VTCPay(client *vtcpay.Client, opts VTCPayOptions) (Gateway, error) {
	if client == nil {
		return nil, fmt.Errorf("%w: vtcpay: nil client", ErrInvalidConfig)
	}
	if opts.Name == "" {
		opts.Name = "vtcpay"
	}
	if err := validGatewayName(opts.Name); err != nil {
		return nil, err
	}
	return &vtcGateway{c: client, opts: opts}, nil
}

type vtcGateway struct {
	c    *vtcpay.Client
	opts VTCPayOptions
}

func (g *vtcGateway) Name() string { return g.opts.Name }

func (g *vtcGateway) err(op string, err error) error {
	return &GatewayError{Gateway: g.opts.Name, Op: op, Err: err}
}

func (g *vtcGateway) Start(_ context.Context, in Intent) (Start, error) {
	lang := vtcpay.Vietnamese
	if in.Language == English {
		lang = vtcpay.English
	}
	u, err := g.c.CheckoutURL(vtcpay.PaymentRequest{
		Amount: in.Amount, Currency: vtcpay.Currency(in.Currency), ReferenceNumber: in.Reference,
		ReturnURL: in.ReturnURL, PaymentType: g.opts.PaymentType, Language: lang, BillToEmail: billToEmail(in.Email),
	})
	if err != nil {
		// Nothing was sent: the checkout URL is built locally.
		return Start{}, g.err("start", fmt.Errorf("%w: %w", ErrInvalidRequest, err))
	}
	return Start{Kind: StartRedirect, URL: u}, nil
}

func (g *vtcGateway) SubmitOTP(context.Context, OTPRequest) (GatewayResult, error) {
	return GatewayResult{}, g.err("otp", ErrNotSupported)
}

func (g *vtcGateway) ParseCallback(r *http.Request) (GatewayResult, error) {
	var (
		res *vtcpay.Result
		err error
	)
	if r.Method == http.MethodPost {
		res, err = g.c.ParseIPNRequest(r)
	} else {
		res, err = g.c.ParseReturnRequest(r)
	}
	if err != nil {
		if errors.Is(err, vtcpay.ErrWrongMerchant) {
			return GatewayResult{}, g.err("callback", fmt.Errorf("%w: %w", ErrWrongMerchant, err))
		}
		return GatewayResult{}, g.err("callback", fmt.Errorf("%w: %w", ErrInvalidCallback, err))
	}
	if res.WebsiteID != g.c.WebsiteID() {
		return GatewayResult{}, g.err("callback", fmt.Errorf("%w: website %d", ErrWrongMerchant, res.WebsiteID))
	}
	return GatewayResult{
		Reference: res.ReferenceNumber, Outcome: vtcOutcome(res.Status.Outcome()),
		Amount: res.Amount, AmountConfirmed: true, Merchant: strconv.Itoa(res.WebsiteID),
		GatewayTxnID: res.TransRefNo, Code: strconv.Itoa(int(res.Status)), Message: res.Message,
		Notification: res.Source == vtcpay.FromIPN,
	}, nil
}

func (g *vtcGateway) Query(ctx context.Context, reference string) (GatewayResult, error) {
	st, err := g.c.OrderStatus(ctx, reference)
	if err != nil {
		if errors.Is(err, vtcpay.ErrOrderNotFound) {
			return GatewayResult{}, g.err("query", fmt.Errorf("%w: %w", ErrPaymentNotFound, err))
		}
		return GatewayResult{}, g.err("query", err)
	}
	return GatewayResult{
		Reference: reference, Outcome: vtcOutcome(st.Status.Outcome()),
		Amount: st.Amount, AmountConfirmed: !st.Amount.IsZero(), Merchant: strconv.Itoa(g.c.WebsiteID()),
		GatewayTxnID: st.TransactionID, Code: strconv.Itoa(int(st.Status)), Message: st.Message,
	}, nil
}

func (g *vtcGateway) Refund(ctx context.Context, r RefundRequest) error {
	resp, err := g.c.Refund(ctx, vtcpay.RefundRequest{ReferenceNumber: r.Reference, Amount: r.Amount, Currency: vtcpay.Currency(r.Currency)})
	var apiErr *vtcpay.APIError
	switch {
	case err == nil && resp.Status != 1:
		return g.err("refund", fmt.Errorf("%w: refund status %d: %s", ErrRefundRefused, resp.Status, resp.Message))
	case errors.Is(err, vtcpay.ErrInvalidRequest), errors.Is(err, vtcpay.ErrPaymentFailed),
		errors.As(err, &apiErr) && apiErr.HTTPStatus < 500 && (apiErr.HTTPStatus >= 400 || apiErr.Code != 0):
		// Refused before sending, or VTC Pay answered with a refusal.
		return g.err("refund", fmt.Errorf("%w: %w", ErrRefundRefused, err))
	case err != nil:
		return g.err("refund", err)
	}
	return nil
}

func vtcOutcome(o vtcpay.Outcome) Outcome {
	switch o {
	case vtcpay.OutcomeSucceeded:
		return OutcomeSucceeded
	case vtcpay.OutcomeFailed:
		return OutcomeFailed
	case vtcpay.OutcomePendingReview:
		return OutcomePending
	}
	return OutcomeUnknown
}

// billToEmail is email as VTC Pay's optional bill_to_email takes it: the
// address alone (an order stored before CreateOrder refused display names
// may have one), or nothing where VTC Pay would refuse it (over 100
// characters, a '|', a space, '<' or '>'), so that the payment is not
// refused for a field it can do without.
func billToEmail(email string) string {
	addr := email
	if !plainAddress(email) {
		a, err := mail.ParseAddress(email)
		if err != nil {
			return ""
		}
		addr = a.Address
	}
	if len(addr) > 100 || !strings.Contains(addr, "@") {
		return ""
	}
	for i := 0; i < len(addr); i++ {
		if c := addr[i]; c <= ' ' || c >= 0x7f || c == '|' || c == '<' || c == '>' {
			return ""
		}
	}
	return addr
}

func validGatewayName(name string) error {
	if name == "" || len(name) > 32 {
		return fmt.Errorf("%w: gateway name %q must have 1 to 32 characters", ErrInvalidConfig, name)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return fmt.Errorf("%w: gateway name %q: only a-z, 0-9 and '-'", ErrInvalidConfig, name)
		}
	}
	return nil
}
