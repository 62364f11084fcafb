package checkout

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Method is how an order is paid.
type Method string

const (
	// MethodCredit pays the whole order from the customer's credit wallet.
	MethodCredit Method = "credit"
	// MethodTopUpAndPay holds all available credit (up to the price) and
	// charges the rest through a gateway.
	MethodTopUpAndPay Method = "topup_and_pay"
	// MethodGateway pays the whole order through a gateway; the wallet is
	// untouched.
	MethodGateway Method = "gateway"
	// MethodOnBehalf is a gateway payment made by another person (the payer)
	// through a share link; resources and invoice go to the requester.
	MethodOnBehalf Method = "on_behalf"
)

// Valid reports whether m is one of the methods above.
func (m Method) Valid() bool {
	switch m {
	case MethodCredit, MethodTopUpAndPay, MethodGateway, MethodOnBehalf:
		return true
	}
	return false
}

// State is where an order is in its life. States only move forward
// (see Rank); completed, cancelled and review are final.
type State string

const (
	StateCreated         State = "created"          // created, not yet paid
	StateShared          State = "shared"           // a share link was sent to a payer
	StateAwaitingPayment State = "awaiting_payment" // a gateway payment was started
	StatePaid            State = "paid"             // paid; provisioning and its follow-ups under way
	StateCompleted       State = "completed"        // provisioned, invoiced, notified
	StateCancelled       State = "cancelled"        // failed, expired or refunded
	StateReview          State = "review"           // a verified result did not match; a person must look
)

// Rank orders states: an order's state may only move to a state of a
// higher rank (or stay). Final states share the highest rank, so none
// leads to another.
func (s State) Rank() int {
	switch s {
	case StateCreated:
		return 1
	case StateShared:
		return 2
	case StateAwaitingPayment:
		return 3
	case StatePaid:
		return 4
	case StateCompleted, StateCancelled, StateReview:
		return 5
	}
	return 0
}

// Final reports whether no transition leaves s.
func (s State) Final() bool { return s.Rank() == 5 }

// Valid reports whether s is a known state.
func (s State) Valid() bool { return s.Rank() > 0 }

// CanMoveTo reports whether an order in state s may move to t: t is known,
// of a higher rank, or s itself when s is not final.
func (s State) CanMoveTo(t State) bool {
	if !t.Valid() || !s.Valid() {
		return false
	}
	if s == t {
		return !s.Final()
	}
	return t.Rank() > s.Rank()
}

// ProvisionStatus records the outcome of provisioning a paid order.
type ProvisionStatus string

const (
	ProvisionPending ProvisionStatus = ""       // not yet provisioned
	ProvisionDone    ProvisionStatus = "done"   // the Provisioner succeeded
	ProvisionFailed  ProvisionStatus = "failed" // the Provisioner failed: refund
)

// Order is a persisted checkout state machine. Store implementations save
// every field; Version is the compare-and-swap token of Store.UpdateOrder.
type Order struct {
	ID       string
	Customer string // the requester: wallet, resources and invoice are theirs
	Email    string
	Language Language
	Items    []LineItem
	Amount   decimal.Decimal // sum of Items' amounts
	Currency string

	Method  Method // chosen at Pay (or Share); empty before
	Gateway string // gateway name for gateway methods
	State   State

	// CreditHeld is the credit held (top up and pay) or paid (credit).
	CreditHeld decimal.Decimal
	// GatewayAmount is what the gateway must charge: the price, or the price
	// minus CreditHeld for top up and pay.
	GatewayAmount decimal.Decimal
	// CreditTries numbers the ledger transfers of credit payment tries:
	// a try whose transfer the ledger never saw is tried again under the
	// same ID (another process may still be posting it), and only a try
	// the ledger refused is followed by a new ID (a failed transfer ID
	// stays failed).
	CreditTries int
	// CreditChecked is the number of credit tries known not to have paid
	// (the ledger refused the last one, or Sweep found no trace of it an
	// hour after it): Sweep has nothing to recover below it.
	CreditChecked int

	// Attempts are the gateway payments started for the order, oldest first.
	Attempts []Attempt
	// PaidReference is the attempt whose success paid the order.
	PaidReference string

	// ExpiresAt is when Sweep cancels the order if it is still created
	// and nothing was paid (WithOrderTTL; zero: never).
	ExpiresAt time.Time

	// Payer is the email of the payer (payment on behalf).
	Payer string
	// ShareExpiresAt is when the latest share link expires.
	ShareExpiresAt time.Time

	Provision ProvisionStatus
	// GatewayRefund records a refund through the gateway: "" none,
	// "started" (sent; if the order stops here, its outcome is unknown and a
	// person must check), "done", "not_supported", "failed" (refused: the
	// wallet was credited instead), "unknown" (no answer: flagged for a
	// person, nothing credited).
	GatewayRefund string
	// Reason says why an order was cancelled or put in review.
	Reason string
	// Flagged is set when money arrived that the order could not use (a
	// success after cancellation, a second payer): it was credited to the
	// requester's wallet or refunded, and a person may want to look.
	Flagged bool

	CreatedAt time.Time
	UpdatedAt time.Time
	PaidAt    time.Time
	// Version is incremented by every Store.UpdateOrder.
	Version int64
}

// Attempt is one gateway payment of an order.
type Attempt struct {
	Reference string // sent to the gateway: "<order>-<n>"
	Gateway   string
	Amount    decimal.Decimal
	Payer     string // set for payment on behalf
	URL       string // redirect URL, if the gateway gave one
	OTP       bool   // the gateway waits for an OTP
	Outcome   Outcome
	// GatewayTxnID is the gateway's transaction id, once known.
	GatewayTxnID string
	// Settled is set when the attempt's money has been dealt with (paid the
	// order, refunded, or credited to the wallet).
	Settled bool
	// Review is set when a verified success did not match what the order
	// expected (amount or currency): nothing is done with it automatically.
	Review bool
	// Refund records a refund of this payment through the gateway (a
	// payment that could not pay the order): "" none, "started" (sent; if
	// the order stops here its outcome is unknown and a person must
	// check), "done", "refused" or "not_supported" (credited instead),
	// "unknown" (flagged for a person; never sent twice).
	Refund string
	// Share is the hex SHA-256 of the share link a payer used.
	Share     string
	StartedAt time.Time
	// ExpiredAt is set when Sweep failed the payment because the gateway
	// had no outcome for it after the payment timeout (it did not know it,
	// or an OTP was never confirmed). The payer may still finish it on the
	// gateway's page, so Sweep queries it again at RecheckAt until
	// WithLatePaymentWindow after ExpiredAt; RecheckAt is zero once it
	// stops.
	ExpiredAt time.Time
	RecheckAt time.Time
	// QueryAt is when Sweep next asks the gateway about this payment while
	// its outcome is open (zero: at once). A query that settles nothing
	// spaces the next one out (a minute, then as long as the payment has
	// been open, at most an hour), so that a payer who left the gateway's
	// page costs a few queries, not one per Sweep.
	QueryAt time.Time
}

// attempt returns the attempt with reference ref.
func (o *Order) attempt(ref string) (*Attempt, bool) {
	for i := range o.Attempts {
		if o.Attempts[i].Reference == ref {
			return &o.Attempts[i], true
		}
	}
	return nil, false
}

// openAttempts counts attempts whose outcome is not final.
func (o *Order) openAttempts() int {
	n := 0
	for _, a := range o.Attempts {
		if !a.Outcome.final() {
			n++
		}
	}
	return n
}

// NeedsSweep reports whether Sweep will have work on o, now or later: see
// SweepAt.
func (o Order) NeedsSweep() bool {
	_, ok := o.nextSweep()
	return ok
}

// SweepAt says when Sweep next has work on o, from o alone (stores index
// it: see Store.ListOrders). ok is false when Sweep never will: a final
// order whose payments are all settled, or a created order nothing was
// paid on and that never expires. A time not after now (the zero time
// among them) means now:
//
//   - created: now if a credit payment or hold may have run (a crash can
//     have stopped it before the order was saved; see CreditChecked),
//     else ExpiresAt;
//   - shared: when the link expires; now if the requester's credit
//     payment or hold may have run, as for created;
//   - awaiting payment: a payment's QueryAt while its outcome is open
//     (Sweep queries the gateway); now when every payment failed; a
//     payment on behalf whose attempts all failed waits for the payer
//     until the link expires;
//   - paid: now (drive it on);
//   - any state: now while a success is not settled (refund or credit),
//     and a payment failed for lack of an answer at its RecheckAt.
func (o Order) SweepAt() (at time.Time, ok bool) { return o.nextSweep() }

// nextSweep is SweepAt without a copy of the order.
func (o *Order) nextSweep() (at time.Time, ok bool) {
	due := func(t time.Time) {
		if !ok || t.Before(at) {
			at, ok = t, true
		}
	}
	var now time.Time
	for i := range o.Attempts {
		a := &o.Attempts[i]
		switch {
		case a.Review:
		case !a.Outcome.final():
			due(a.QueryAt) // an open payment, queried at QueryAt
		case a.Outcome == OutcomeSucceeded && !a.Settled && a.Reference != o.PaidReference:
			due(now) // money that could not pay the order
		case a.Outcome == OutcomeFailed && !a.RecheckAt.IsZero():
			due(a.RecheckAt) // a payment that timed out, queried late
		}
	}
	switch o.State {
	case StateCreated:
		switch {
		case o.Method == MethodCredit && o.CreditTries > o.CreditChecked, o.Method == MethodTopUpAndPay:
			due(now)
		case !o.ExpiresAt.IsZero():
			due(o.ExpiresAt)
		}
	case StateShared:
		switch {
		case o.Method == MethodCredit && o.CreditTries > o.CreditChecked, o.Method == MethodTopUpAndPay:
			due(now) // the requester's credit step, as for a created order
		default:
			due(o.ShareExpiresAt)
		}
	case StateAwaitingPayment:
		if o.Method == MethodOnBehalf {
			due(o.ShareExpiresAt)
		} else if o.openAttempts() == 0 {
			due(now) // every payment failed, the order not yet cancelled
		}
	case StatePaid:
		due(now)
	}
	return at, ok
}

// Summary is what a notification shows of the order.
func (o Order) Summary() OrderSummary {
	return OrderSummary{ID: o.ID, Items: cloneItems(o.Items), Amount: o.Amount, Currency: o.Currency, Method: string(o.Method)}
}

// Clone returns a deep copy of o (slices included).
func (o Order) Clone() Order {
	o.Items = cloneItems(o.Items)
	o.Attempts = cloneAttempts(o.Attempts)
	return o
}

func cloneAttempts(a []Attempt) []Attempt {
	if a == nil {
		return nil
	}
	return append([]Attempt(nil), a...)
}

func cloneItems(items []LineItem) []LineItem {
	if items == nil {
		return nil
	}
	// Two allocations whatever the order holds: the items, and one array
	// shared by all their attributes.
	n := 0
	for _, it := range items {
		n += len(it.Config)
	}
	out := make([]LineItem, len(items))
	var attrs []Attribute
	if n > 0 {
		attrs = make([]Attribute, 0, n)
	}
	for i, it := range items {
		out[i] = it
		if it.Config != nil {
			k := len(attrs)
			attrs = append(attrs, it.Config...)
			out[i].Config = attrs[k:len(attrs):len(attrs)]
		}
	}
	return out
}

// PaymentOutcome is what happened to money received through a gateway.
type PaymentOutcome string

const (
	PaymentPaid     PaymentOutcome = "paid"     // paid the order
	PaymentRefunded PaymentOutcome = "refunded" // refunded through the gateway
	// PaymentCredited: the money could not pay the order (it came after the
	// order was cancelled, or a second payer paid) and went to the
	// requester's credit wallet.
	PaymentCredited PaymentOutcome = "credited"
)

// Payment is one line of Payment History: money through a gateway.
type Payment struct {
	ID           string // "<reference>/payment", "<reference>/refund"...
	OrderID      string
	Customer     string // the requester
	Payer        string // the payer's email for payment on behalf
	Gateway      string
	Amount       decimal.Decimal
	Currency     string
	Reference    string
	GatewayTxnID string
	Outcome      PaymentOutcome
	Time         time.Time
	// Seq is assigned by the Store: the position in the customer's history.
	Seq int64
}

// Invoice is one line of Billing History.
type Invoice struct {
	ID       string // "<order>/invoice"
	OrderID  string
	Customer string
	Items    []LineItem
	Amount   decimal.Decimal
	Currency string
	Method   Method
	Time     time.Time
	Seq      int64 // assigned by the Store
}

// validateAmount checks that amount is positive and exact at the
// currency's scale.
func validateAmount(amount decimal.Decimal, currency string) error {
	scale, err := currencyScale(currency)
	if err != nil {
		return err
	}
	if amount.Sign() <= 0 {
		return fmt.Errorf("%w: amount %s must be positive", ErrInvalidOrder, amount)
	}
	if !amount.Equal(amount.Truncate(scale)) {
		return fmt.Errorf("%w: amount %s is not exact in %s (%d decimals)", ErrInvalidOrder, amount, currency, scale)
	}
	return nil
}

func currencyScale(currency string) (int32, error) {
	switch currency {
	case "VND":
		return 0, nil
	case "USD":
		return 2, nil
	}
	return 0, fmt.Errorf("%w: unknown currency %q", ErrInvalidOrder, currency)
}
