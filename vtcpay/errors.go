package vtcpay

import (
	"errors"
	"fmt"
)

// Sentinel errors, for errors.Is. Errors returned by this package wrap one of
// them and add what went wrong; their text never holds a secret.
var (
	// ErrInvalidConfig: the Config or an Option is not usable.
	ErrInvalidConfig = errors.New("vtcpay: invalid config")
	// ErrInvalidRequest: a PaymentRequest or API request breaks VTC Pay's
	// rules (see *FieldError for which field).
	ErrInvalidRequest = errors.New("vtcpay: invalid request")
	// ErrInvalidSignature: a return, notification or response is not signed
	// with this merchant's secret key, or carries no signature. Nothing in it
	// can be trusted.
	ErrInvalidSignature = errors.New("vtcpay: invalid signature")
	// ErrMalformed: a callback or response that cannot be read: missing or
	// repeated fields, a data field that does not split into 7 values, an
	// amount or status that is not a number, a body over the size cap.
	ErrMalformed = errors.New("vtcpay: malformed input")
	// ErrAmountMismatch: a verified result's amount differs from the
	// order's. The seed's caution: such a result is not valid; query the order
	// and settle it with VTC Pay.
	ErrAmountMismatch = errors.New("vtcpay: amount mismatch")
	// ErrWrongMerchant: a verified result names another website ID.
	ErrWrongMerchant = errors.New("vtcpay: result for another website")
	// ErrOrderNotFound: VTC Pay does not know the order.
	ErrOrderNotFound = errors.New("vtcpay: order not found")
	// ErrAPI: VTC Pay answered a merchant API call with an error; see
	// *APIError.
	ErrAPI = errors.New("vtcpay: api error")
	// ErrPaymentFailed: a payment or refund ended in a failure status; see
	// *StatusError.
	ErrPaymentFailed = errors.New("vtcpay: payment failed")
)

// FieldError says which request field is invalid and why. It matches
// ErrInvalidRequest.
type FieldError struct {
	Field  string // the wire name, e.g. "reference_number"
	Reason string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("vtcpay: invalid request: %s: %s", e.Field, e.Reason)
}

// Unwrap returns ErrInvalidRequest.
func (e *FieldError) Unwrap() error { return ErrInvalidRequest }

// APIError is VTC Pay's answer to a merchant API call that failed: an HTTP
// status other than 200, or a response code other than success. It matches
// ErrAPI.
type APIError struct {
	Op         string // "order status", "sale history", "refund"
	HTTPStatus int
	Code       int    // VTC Pay's ResponseCode, 0 when absent
	Message    string // VTC Pay's description, trimmed
}

func (e *APIError) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("vtcpay: %s: http %d: code %d: %s", e.Op, e.HTTPStatus, e.Code, e.Message)
	}
	return fmt.Sprintf("vtcpay: %s: http %d: %s", e.Op, e.HTTPStatus, e.Message)
}

// Unwrap returns ErrAPI.
func (e *APIError) Unwrap() error { return ErrAPI }

// StatusError is a non-success status of a payment or refund. It matches
// ErrPaymentFailed.
type StatusError struct {
	Op     string
	Status Status
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("vtcpay: %s: status %d: %s", e.Op, int(e.Status), e.Status.Meaning())
}

// Unwrap returns ErrPaymentFailed.
func (e *StatusError) Unwrap() error { return ErrPaymentFailed }
