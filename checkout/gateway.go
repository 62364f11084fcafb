package checkout

import (
	"context"
	"net/http"

	"github.com/shopspring/decimal"
)

// Gateway is what checkout needs of a payment gateway. VTCPay, VinIDPay and
// VietPay adapt this module's gateway clients to it; a host may write its
// own. Implementations verify every callback (signature first) in
// ParseCallback and never return an unverified result.
type Gateway interface {
	// Name is the gateway's name in routes, orders and histories
	// ("vtcpay"): lowercase letters, digits and '-'.
	Name() string
	// Start begins a payment: a URL to redirect the payer to, an OTP to ask
	// for, or an immediate result.
	Start(ctx context.Context, in Intent) (Start, error)
	// SubmitOTP confirms a payment that asked for an OTP. Redirect gateways
	// return ErrNotSupported.
	SubmitOTP(ctx context.Context, r OTPRequest) (GatewayResult, error)
	// ParseCallback verifies and reads a notification or browser return.
	// A request that fails verification is an error matching
	// ErrInvalidCallback (or ErrWrongMerchant) and no result.
	ParseCallback(r *http.Request) (GatewayResult, error)
	// Query asks the gateway for a payment's outcome; ErrPaymentNotFound
	// when it does not know the reference.
	Query(ctx context.Context, reference string) (GatewayResult, error)
	// Refund refunds all or part of a paid payment. ErrNotSupported where
	// the gateway cannot refund. An error matching ErrRefundRefused means
	// the payer was certainly not refunded (the gateway answered no, or the
	// request was refused before it was sent); any other error leaves the
	// refund's outcome unknown (no answer, a 5xx, a timeout), and checkout
	// then neither sends it again nor credits the money elsewhere.
	Refund(ctx context.Context, r RefundRequest) error
}

// RefundRequest asks a gateway to refund a payment.
type RefundRequest struct {
	Reference string // the payment's reference
	RefundID  string // idempotency key, e.g. "<order>/refund"
	Amount    decimal.Decimal
	Currency  string
	Reason    string
}

// Intent is one payment a Gateway is asked to start.
type Intent struct {
	OrderID   string
	Reference string // unique per attempt, at most 30 characters of [A-Za-z0-9_.-]
	Customer  string // whose order it is (the requester)
	// Payer is who pays: the customer's ID, or the payer's email for
	// payment on behalf (gateways that charge a linked account look it up).
	Payer    string
	Amount   decimal.Decimal
	Currency string
	// Description, e.g. "Order o123".
	Description string
	// ReturnURL is where the gateway sends the payer's browser back.
	ReturnURL string
	// Email is the payer's email (the requester's, or the payer's on behalf).
	Email    string
	Language Language
}

// OTPRequest is the payer's OTP for a payment that asked for one.
type OTPRequest struct {
	Reference    string
	GatewayTxnID string // from Start
	Payer        string // as in the Intent
	OTP          string
}

// StartKind says what a Start asks the caller to do.
type StartKind int

const (
	// StartRedirect: send the payer's browser to Start.URL.
	StartRedirect StartKind = iota + 1
	// StartOTP: ask the payer for the OTP the gateway sent, then SubmitOTP.
	StartOTP
	// StartResult: the gateway answered at once; Start.Result is the outcome.
	StartResult
)

// Start is what a Gateway answers to Start.
type Start struct {
	Kind   StartKind
	URL    string
	Result GatewayResult
	// GatewayTxnID is the gateway's transaction id, when known at start.
	GatewayTxnID string
}

// Outcome is what a gateway says of a payment.
type Outcome string

const (
	OutcomeUnknown   Outcome = ""          // not known yet: query
	OutcomePending   Outcome = "pending"   // under way or under review at the gateway
	OutcomeSucceeded Outcome = "succeeded" // paid
	OutcomeFailed    Outcome = "failed"    // failed or cancelled; nothing taken
)

// final reports whether the outcome will not change.
func (o Outcome) final() bool { return o == OutcomeSucceeded || o == OutcomeFailed }

// String returns the outcome's name ("unknown" for the zero value).
func (o Outcome) String() string {
	if o == OutcomeUnknown {
		return "unknown"
	}
	return string(o)
}

// GatewayResult is a verified result from a gateway.
type GatewayResult struct {
	Reference string
	Outcome   Outcome
	// Amount is what the gateway reports was paid. AmountConfirmed is false
	// when the amount is not covered by a signature (VinID's callback) or
	// absent: checkout then queries the gateway before it provisions.
	Amount          decimal.Decimal
	AmountConfirmed bool
	Currency        string // "" when the gateway does not say
	Merchant        string // the merchant the result is for, when the gateway says
	GatewayTxnID    string
	Code, Message   string
	// Notification is set for a server-to-server notification (as opposed
	// to the payer's browser return).
	Notification bool
}
