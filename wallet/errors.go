package wallet

import (
	"errors"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Sentinel errors. Test for them with [errors.Is]; the ledger wraps them in
// [*TransferError], [*AmountError] or [*InsufficientFundsError] for context.
var (
	// ErrIdempotencyConflict: a transfer ID was reused with other contents.
	ErrIdempotencyConflict = errors.New("wallet: transfer id reused with different contents")
	// ErrInsufficientFunds: the debit would take an account whose flags forbid
	// overdraft below a zero available balance.
	ErrInsufficientFunds = errors.New("wallet: insufficient funds")
	// ErrHoldExpired: the hold's expiry has passed; it can no longer be committed or voided.
	ErrHoldExpired = errors.New("wallet: hold expired")
	// ErrHoldResolved: the hold was already committed, voided or expired.
	ErrHoldResolved = errors.New("wallet: hold already resolved")
	// ErrHoldNotFound: a commit or void names a hold that does not exist (or is not a hold).
	ErrHoldNotFound = errors.New("wallet: hold not found")
	// ErrAccountNotFound: a transfer or read names an account that was never created.
	ErrAccountNotFound = errors.New("wallet: account not found")
	// ErrAccountConflict: an account ID was created again with another currency or flags.
	ErrAccountConflict = errors.New("wallet: account exists with different currency or flags")
	// ErrCurrencyMismatch: the transfer's currency differs from an account's or the hold's.
	ErrCurrencyMismatch = errors.New("wallet: currency mismatch")
	// ErrTransferNotFound: Lookup found no transfer with that ID.
	ErrTransferNotFound = errors.New("wallet: transfer not found")
	// ErrInvalidTransfer: the transfer is malformed (missing ID, same account on
	// both sides, fields that do not belong to its kind, duplicate ID in a batch...).
	ErrInvalidTransfer = errors.New("wallet: invalid transfer")
	// ErrInvalidAccount: the account is malformed (missing ID, unknown flags).
	ErrInvalidAccount = errors.New("wallet: invalid account")
	// ErrUnknownCurrency: the currency is not one the ledger knows the scale of.
	ErrUnknownCurrency = errors.New("wallet: unknown currency")

	// ErrInvalidAmount is wrapped by every amount error below.
	ErrInvalidAmount = errors.New("wallet: invalid amount")
	// ErrZeroAmount: the amount is zero.
	ErrZeroAmount = fmt.Errorf("%w: zero", ErrInvalidAmount)
	// ErrNegativeAmount: the amount is negative.
	ErrNegativeAmount = fmt.Errorf("%w: negative", ErrInvalidAmount)
	// ErrInexactAmount: the amount has more decimals than its currency's minor unit.
	ErrInexactAmount = fmt.Errorf("%w: not exact at the currency's scale", ErrInvalidAmount)
	// ErrAmountOverflow: the amount, or a balance it would produce, does not fit an int64 of minor units.
	ErrAmountOverflow = fmt.Errorf("%w: too large", ErrInvalidAmount)
	// ErrExceedsHold: a commit asks for more than the hold holds.
	ErrExceedsHold = fmt.Errorf("%w: more than the hold", ErrInvalidAmount)
)

func trimPrefix(s string) string { return strings.TrimPrefix(s, "wallet: ") }

// AmountError reports an amount the ledger refuses. It unwraps to one of
// [ErrZeroAmount], [ErrNegativeAmount], [ErrInexactAmount], [ErrAmountOverflow]
// or [ErrExceedsHold] (all of which wrap [ErrInvalidAmount]).
type AmountError struct {
	Amount   decimal.Decimal
	Currency Currency
	Err      error
}

func (e *AmountError) Error() string {
	return fmt.Sprintf("wallet: amount %s %s: %s", e.Amount.String(), e.Currency, trimPrefix(e.Err.Error()))
}

// Unwrap returns the sentinel.
func (e *AmountError) Unwrap() error { return e.Err }

// InsufficientFundsError says which account lacked how much. It unwraps to
// [ErrInsufficientFunds].
type InsufficientFundsError struct {
	Account   string
	Currency  Currency
	Available decimal.Decimal // available balance before the transfer
	Requested decimal.Decimal // amount the transfer needed
}

// Shortfall is Requested minus Available.
func (e *InsufficientFundsError) Shortfall() decimal.Decimal { return e.Requested.Sub(e.Available) }

func (e *InsufficientFundsError) Error() string {
	return fmt.Sprintf("wallet: insufficient funds in account %q: available %s %s, requested %s, short %s",
		e.Account, e.Available.String(), e.Currency, e.Requested.String(), e.Shortfall().String())
}

// Unwrap returns [ErrInsufficientFunds].
func (e *InsufficientFundsError) Unwrap() error { return ErrInsufficientFunds }

// TransferError is how a ledger reports the transfer that failed a batch:
// its index in the batch, its ID, and whether the failure is a replay of an
// outcome recorded earlier for that ID (Existed). When a batch fails, none of
// its transfers is applied.
type TransferError struct {
	Index   int
	ID      string
	Existed bool
	Err     error
}

func (e *TransferError) Error() string {
	s := fmt.Sprintf("wallet: transfer %q (index %d): %s", e.ID, e.Index, trimPrefix(e.Err.Error()))
	if e.Existed {
		s += " (recorded earlier)"
	}
	return s
}

// Unwrap returns the cause.
func (e *TransferError) Unwrap() error { return e.Err }
