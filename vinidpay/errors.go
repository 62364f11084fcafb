package vinidpay

import (
	"errors"
	"fmt"

	"github.com/thanhtoan/thanhtoan/signing"
)

// Sentinel errors. Every error the package returns wraps one of these (or a
// [signing] sentinel), so callers can branch with errors.Is.
var (
	// ErrInvalidConfig is returned by [New] for a missing or malformed
	// credential, key or option.
	ErrInvalidConfig = errors.New("vinidpay: invalid config")
	// ErrInvalidRequest is returned before anything is sent when a request
	// is incomplete or holds a value VinID would refuse.
	ErrInvalidRequest = errors.New("vinidpay: invalid request")
	// ErrInvalidAmount is returned for an amount that is zero, negative, not
	// whole dong, or too large. It also matches ErrInvalidRequest.
	ErrInvalidAmount = fmt.Errorf("%w: invalid amount", ErrInvalidRequest)
	// ErrInvalidSignature is returned when a callback or a response does not
	// verify against VinID's public key(s), or carries no signature where one
	// is required. It is the same value as signing.ErrInvalidSignature.
	ErrInvalidSignature = signing.ErrInvalidSignature
	// ErrMalformed is returned for a response or callback that verified (or
	// needed no verification) but cannot be parsed: bad JSON, missing
	// fields, numbers where strings belong, a body over the size cap.
	ErrMalformed = errors.New("vinidpay: malformed message")
	// ErrAmountMismatch is returned by [Client.ConfirmPayment] when the
	// amount VinID reports for an order is not the amount expected.
	ErrAmountMismatch = errors.New("vinidpay: amount mismatch")
	// ErrTransactionFailed is returned when VinID reports that a payment
	// failed (status FAIL and the like): a business failure, never a nil
	// error. Use errors.As with *TransactionError for the details.
	ErrTransactionFailed = errors.New("vinidpay: transaction failed")
	// ErrNotSettled is returned by [Client.ConfirmPayment] when the order is
	// not (yet) paid: held, waiting for OTP or in an unknown state.
	ErrNotSettled = errors.New("vinidpay: payment not settled")

	// ErrRejected is what every *APIError unwraps to when no more specific
	// sentinel below applies: VinID answered with a meta.code other than 200.
	ErrRejected = errors.New("vinidpay: rejected by vinid")
	// ErrUnauthenticated: VinID refused the request's authentication (key
	// code, nonce, timestamp or signatures; codes 4010001-4010005).
	ErrUnauthenticated = fmt.Errorf("%w: authentication failed", ErrRejected)
	// ErrNonceReused: VinID saw this X-Nonce within the last 2 hours (code
	// 4010006).
	ErrNonceReused = fmt.Errorf("%w: nonce already used", ErrRejected)
	// ErrNotFound: VinID found no such order, link or transaction (code
	// 4040001).
	ErrNotFound = fmt.Errorf("%w: not found", ErrRejected)
)

// APIError is a response whose meta.code is not 200, or a non-2xx HTTP
// status without a parseable envelope or meta.code. A 2xx answer whose
// meta names no code (the seed's examples show `"meta": {}`) is not an
// APIError but ErrMalformed, and for a write also ErrOutcomeUnknown.
type APIError struct {
	// Op is the operation, for example "create transaction".
	Op string
	// HTTPStatus is the HTTP status code of the response.
	HTTPStatus int
	// Code is meta.code (0 when the body had no envelope).
	Code int
	// Message is meta.message as VinID sent it.
	Message string
	// RequestID is meta.request_id or the X-Request-ID header, if any.
	RequestID string
}

// Error implements error. The text never holds a credential.
func (e *APIError) Error() string {
	if e.Code == 0 {
		return fmt.Sprintf("vinidpay: %s: http %d", e.Op, e.HTTPStatus)
	}
	return fmt.Sprintf("vinidpay: %s: code %d: %s", e.Op, e.Code, e.Message)
}

// Unwrap returns the sentinel that matches Code: [ErrUnauthenticated],
// [ErrNonceReused], [ErrNotFound] or else [ErrRejected].
func (e *APIError) Unwrap() error {
	switch {
	case e.Code >= 4010001 && e.Code <= 4010005:
		return ErrUnauthenticated
	case e.Code == 4010006:
		return ErrNonceReused
	case e.Code == 4040001:
		return ErrNotFound
	}
	return ErrRejected
}

// Temporary reports whether the error is worth retrying for an idempotent
// query: a 5xx status or VinID's generic system-error codes.
func (e *APIError) Temporary() bool {
	return e.HTTPStatus >= 500 || e.Code == 5000001 || e.Code == 5000101
}

// TransactionError reports a transaction that VinID answered for with a
// failed status. It unwraps to [ErrTransactionFailed].
type TransactionError struct {
	Op            string
	TransactionID string
	Status        TransactionStatus
}

func (e *TransactionError) Error() string {
	if e.TransactionID == "" {
		return fmt.Sprintf("vinidpay: %s: transaction status %q", e.Op, string(e.Status))
	}
	return fmt.Sprintf("vinidpay: %s: transaction %s status %q", e.Op, e.TransactionID, string(e.Status))
}

// Unwrap returns [ErrTransactionFailed].
func (e *TransactionError) Unwrap() error { return ErrTransactionFailed }

func invalidRequest(op, format string, args ...any) error {
	return fmt.Errorf("vinidpay: %s: %w: %s", op, ErrInvalidRequest, fmt.Sprintf(format, args...))
}

func malformed(op, format string, args ...any) error {
	return fmt.Errorf("vinidpay: %s: %w: %s", op, ErrMalformed, fmt.Sprintf(format, args...))
}
