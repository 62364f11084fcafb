package checkout

import (
	"errors"
	"fmt"

	"github.com/shopspring/decimal"
)

// Sentinel errors, for errors.Is. Errors of this package wrap one of them and
// say what went wrong; their text never holds a secret or a share token.
var (
	// ErrInvalidConfig: the Config or an Option is not usable.
	ErrInvalidConfig = errors.New("checkout: invalid config")
	// ErrInvalidOrder: an order request is incomplete or its amounts are not
	// exact, positive amounts of its currency.
	ErrInvalidOrder = errors.New("checkout: invalid order")
	// ErrInvalidRequest: a payment request names no or an unknown method, or
	// a gateway for a method that takes none.
	ErrInvalidRequest = errors.New("checkout: invalid request")
	// ErrUnknownGateway: no gateway of that name is configured.
	ErrUnknownGateway = errors.New("checkout: unknown gateway")
	// ErrNotFound: no order (or record) with that ID.
	ErrNotFound = errors.New("checkout: not found")
	// ErrConflict: a Store compare-and-swap lost (the order changed since it
	// was read), or a record exists with other contents.
	ErrConflict = errors.New("checkout: conflict")
	// ErrDuplicate: a Store create found the ID taken.
	ErrDuplicate = errors.New("checkout: duplicate id")
	// ErrOrderClosed: the order's state does not allow the call (it was
	// paid, cancelled or put in review).
	ErrOrderClosed = errors.New("checkout: order closed")
	// ErrInsufficientCredit: the credit wallet cannot pay the order; see
	// *InsufficientCreditError for the shortfall.
	ErrInsufficientCredit = errors.New("checkout: insufficient credit")
	// ErrNotSupported: the gateway cannot do this (an OTP on a redirect
	// gateway, a refund on a gateway without one).
	ErrNotSupported = errors.New("checkout: not supported by the gateway")
	// ErrPaymentFailed: the gateway reported the payment failed or cancelled.
	ErrPaymentFailed = errors.New("checkout: payment failed")
	// ErrPaymentNotFound: the gateway does not know the payment (the payer
	// never reached it).
	ErrPaymentNotFound = errors.New("checkout: payment not found at the gateway")
	// ErrRefundRefused: a gateway certainly did not refund (Gateway.Refund).
	ErrRefundRefused = errors.New("checkout: refund refused by the gateway")
	// ErrInvalidCallback: a callback failed verification (signature, format).
	// It changes nothing and is not recorded.
	ErrInvalidCallback = errors.New("checkout: invalid callback")
	// ErrWrongMerchant: a verified result is for another merchant.
	ErrWrongMerchant = errors.New("checkout: result for another merchant")
	// ErrAmountMismatch: a verified result's amount or currency differs from
	// what the order expects from the gateway. The order goes to review.
	ErrAmountMismatch = errors.New("checkout: amount mismatch")
	// ErrShareNotFound, ErrShareExpired, ErrShareUsed: a share link that
	// does not exist, is past its expiry, or has already paid its order.
	ErrShareNotFound = errors.New("checkout: share link not found")
	ErrShareExpired  = errors.New("checkout: share link expired")
	ErrShareUsed     = errors.New("checkout: share link already used")
	// ErrTryAgain may be wrapped by a Provisioner's error to say the failure
	// is temporary: the order stays paid and Sweep provisions it again,
	// instead of refunding it. Pay returns it for an order whose payment is
	// under way with an outcome not known yet (Sweep settles it), and Share
	// for an order under top up and pay whose credit hold may still be on
	// its way to the ledger (for an hour after the order was saved; Sweep
	// then settles it).
	ErrTryAgain = errors.New("checkout: temporary failure, try again")
)

// InsufficientCreditError says how much credit is missing to pay an order.
// It matches ErrInsufficientCredit.
type InsufficientCreditError struct {
	OrderID   string
	Currency  string
	Available decimal.Decimal
	Required  decimal.Decimal
}

// Shortfall is Required minus Available.
func (e *InsufficientCreditError) Shortfall() decimal.Decimal { return e.Required.Sub(e.Available) }

func (e *InsufficientCreditError) Error() string {
	return fmt.Sprintf("checkout: order %s: insufficient credit: available %s %s, required %s (short %s)",
		e.OrderID, e.Available, e.Currency, e.Required, e.Shortfall())
}

// Unwrap returns ErrInsufficientCredit.
func (e *InsufficientCreditError) Unwrap() error { return ErrInsufficientCredit }

// GatewayError is a gateway call that failed, with the gateway's name and
// operation. It unwraps to the cause (a checkout sentinel or the gateway
// package's error).
type GatewayError struct {
	Gateway string
	Op      string
	Err     error
}

func (e *GatewayError) Error() string {
	return fmt.Sprintf("checkout: %s: %s: %v", e.Gateway, e.Op, trimPrefix(e.Err))
}

// Unwrap returns the cause.
func (e *GatewayError) Unwrap() error { return e.Err }

func trimPrefix(err error) string {
	s := err.Error()
	const p = "checkout: "
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}
