package vinidpay

import (
	"strconv"
	"strings"
)

// TransactionStatus is a transaction or order status exactly as VinID sent
// it (transaction_status, pay_status). The seed names only SUCCESS and FAIL;
// the other constants are the states the linked-account flow describes
// (holding, waiting for OTP) under the names the fake uses. Use
// [TransactionStatus.Outcome] rather than comparing strings.
type TransactionStatus string

// Statuses known to the package.
const (
	StatusSuccess    TransactionStatus = "SUCCESS"
	StatusHolding    TransactionStatus = "HOLDING"
	StatusPending    TransactionStatus = "PENDING"
	StatusProcessing TransactionStatus = "PROCESSING"
	StatusFail       TransactionStatus = "FAIL"
)

// Outcome is what a status means for the merchant.
type Outcome int

// Outcomes. The zero value is OutcomeUnknown, so that a status the package
// does not know is never mistaken for a success.
const (
	// OutcomeUnknown: the state is not known; query the order (it may still
	// succeed or fail).
	OutcomeUnknown Outcome = iota
	// OutcomeSucceeded: the wallet was debited and the merchant is paid.
	OutcomeSucceeded
	// OutcomeHeld: the wallet was debited and VinID holds the money until
	// the merchant calls ConfirmOrder (holding_enabled).
	OutcomeHeld
	// OutcomePendingOTP: the customer must enter the OTP VinID sent; call
	// ConfirmTransaction with it.
	OutcomePendingOTP
	// OutcomeFailed: the payment failed; nothing is owed.
	OutcomeFailed
)

// String returns a lowercase name: "succeeded", "held", "pending otp",
// "failed" or "unknown".
func (o Outcome) String() string {
	switch o {
	case OutcomeSucceeded:
		return "succeeded"
	case OutcomeHeld:
		return "held"
	case OutcomePendingOTP:
		return "pending otp"
	case OutcomeFailed:
		return "failed"
	}
	return "unknown"
}

// Outcome maps the status to an [Outcome]. Spelling variants seen in VinID's
// documents (SUCCEEDED, HOLD, FAILED, CANCELLED...) are accepted, case
// insensitively; anything else is OutcomeUnknown.
func (s TransactionStatus) Outcome() Outcome {
	switch strings.ToUpper(strings.TrimSpace(string(s))) {
	case "SUCCESS", "SUCCEEDED", "SUCCESSFUL", "COMPLETED", "PAID":
		return OutcomeSucceeded
	case "HOLDING", "HOLD", "HELD", "ON_HOLD":
		return OutcomeHeld
	case "PENDING_OTP", "WAITING_OTP", "OTP_REQUIRED", "WAIT_FOR_OTP":
		return OutcomePendingOTP
	case "FAIL", "FAILED", "FAILURE", "CANCEL", "CANCELLED", "CANCELED", "REJECTED", "EXPIRED", "ERROR":
		return OutcomeFailed
	}
	return OutcomeUnknown
}

// VerificationMethod is verification_methods of a created transaction.
type VerificationMethod int

// Verification methods the seed lists.
const (
	// VerificationBypass (0): no customer confirmation; the amount is below
	// VinID's threshold.
	VerificationBypass VerificationMethod = 0
	// VerificationOTP (2): the customer must confirm with an OTP; the amount
	// is at or above VinID's threshold.
	VerificationOTP VerificationMethod = 2
)

// String returns "bypass", "otp" or "method N".
func (m VerificationMethod) String() string {
	switch m {
	case VerificationBypass:
		return "bypass"
	case VerificationOTP:
		return "otp"
	}
	return "method " + strconv.Itoa(int(m))
}

// transactionOutcome is the outcome of a create or confirm answer: a
// status the package does not know, on a transaction that asked for an
// OTP, means the OTP is pending.
func transactionOutcome(s TransactionStatus, m VerificationMethod) Outcome {
	o := s.Outcome()
	if o == OutcomeUnknown && m == VerificationOTP {
		switch strings.ToUpper(strings.TrimSpace(string(s))) {
		case "PENDING", "PROCESSING", "INIT", "INITIATED", "CREATED", "":
			return OutcomePendingOTP
		}
	}
	return o
}
