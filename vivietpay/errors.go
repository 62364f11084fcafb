package vivietpay

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrInvalidConfig is returned by [New] for a missing or malformed
	// credential or option.
	ErrInvalidConfig = errors.New("vivietpay: invalid config")
	// ErrInvalidRequest is returned for an order, query or refund that cannot
	// be sent as given (a missing field, a bad amount, a bad URL).
	ErrInvalidRequest = errors.New("vivietpay: invalid request")
	// ErrInvalidSignature is returned when a return, notification or
	// response is unsigned, wrongly signed, or does not decrypt.
	ErrInvalidSignature = errors.New("vivietpay: invalid signature")
	// ErrMalformed is returned for a verified message whose content cannot be
	// read (a missing field, a bad amount), and for input that is not even
	// shaped like a message (duplicate or oversized parameters).
	ErrMalformed = errors.New("vivietpay: malformed message")
	// ErrAmountMismatch is returned when a verified result names another
	// amount or currency than the order.
	ErrAmountMismatch = errors.New("vivietpay: amount mismatch")
	// ErrOrderMismatch is returned when a verified result names another
	// merchant site, order number or merchant reference than the order.
	ErrOrderMismatch = errors.New("vivietpay: order mismatch")

	// ErrCancelled is wrapped by the [*APIError] of a payment the payer
	// cancelled at the gateway.
	ErrCancelled = errors.New("vivietpay: cancelled")
	// ErrDeclined is wrapped by the [*APIError] of a payment, query or refund
	// the gateway refused (account checks, OTP, limits, balance, ...).
	ErrDeclined = errors.New("vivietpay: declined")
	// ErrUnknownOutcome is wrapped by the [*APIError] of a result whose
	// outcome is not known (pending, system error, an unknown code): query
	// the transaction before acting on it.
	ErrUnknownOutcome = errors.New("vivietpay: outcome unknown")
)

// APIError is a result the gateway signed but that is not a success: a
// declined or cancelled payment, a refused refund, an unexpected HTTP status.
// It wraps [ErrCancelled], [ErrDeclined] or [ErrUnknownOutcome] by the
// outcome of its code.
type APIError struct {
	Op         string       // "return", "notification", "query", "refund"
	HTTPStatus int          // 0 for browser redirects
	Code       ResponseCode // the gateway's response_code, if any
	Message    string       // the gateway's message, or the code's description
}

func (e *APIError) Error() string {
	if e.HTTPStatus != 0 && e.Code == "" {
		return fmt.Sprintf("vivietpay: %s: http status %d: %s", e.Op, e.HTTPStatus, e.Message)
	}
	s := fmt.Sprintf("vivietpay: %s: response code %q (%s)", e.Op, string(e.Code), e.Code.Description())
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Unwrap returns the sentinel for the outcome of the error's code.
func (e *APIError) Unwrap() error {
	switch e.Code.Outcome() {
	case Cancelled:
		return ErrCancelled
	case Failed:
		return ErrDeclined
	default:
		return ErrUnknownOutcome
	}
}

// opError is a sentinel in the context of one operation:
// "vivietpay: return: invalid signature: <detail>".
type opError struct {
	op       string
	sentinel error
	detail   string
	cause    error
}

func (e *opError) Error() string {
	s := "vivietpay: " + e.op + ": " + strings.TrimPrefix(e.sentinel.Error(), "vivietpay: ")
	if e.detail != "" {
		s += ": " + e.detail
	}
	return s
}

func (e *opError) Unwrap() []error {
	if e.cause != nil {
		return []error{e.sentinel, e.cause}
	}
	return []error{e.sentinel}
}

func errorf(op string, sentinel error, format string, args ...any) error {
	return &opError{op: op, sentinel: sentinel, detail: fmt.Sprintf(format, args...)}
}

// wrapErr is errorf keeping cause reachable by errors.Is and errors.As.
func wrapErr(op string, sentinel, cause error, detail string) error {
	return &opError{op: op, sentinel: sentinel, detail: detail, cause: cause}
}
