package wallet

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Ledger is the contract every storage of the double-entry ledger implements:
// [NewMemoryLedger] in memory and wallet/pgledger on PostgreSQL. The
// conformance suite wallet/wallettest.TestLedger checks an implementation.
//
// Every method takes a context first because storage may do I/O; every
// method is safe for concurrent use. Amounts cross the interface as
// [decimal.Decimal] with a [Currency]; implementations keep int64 minor units.
//
// The interface follows TigerBeetle's model (accounts with posted and pending
// debits and credits; holds are pending transfers resolved by a later
// transfer), so a TigerBeetle adapter or a PostgreSQL-compatible distributed
// database can implement it: IDs are opaque strings an adapter may hash to
// 128 bits, every write is one atomic batch, and reads are by account or ID.
type Ledger interface {
	// CreateAccounts creates accounts atomically. Creating an account that
	// exists with the same currency and flags succeeds and changes nothing
	// (idempotent); with other currency or flags it fails with ErrAccountConflict
	// and no account of the call is created.
	CreateAccounts(ctx context.Context, accounts ...Account) error

	// Post applies a batch of transfers atomically, in order: either all are
	// applied and one Result per transfer is returned, or none is and the
	// error is a *TransferError naming the first transfer that failed.
	//
	// A transfer's ID is its idempotency key. Posting an ID that already
	// succeeded with the same contents returns its first Result with
	// Existed set and changes nothing; with other contents it fails with
	// ErrIdempotencyConflict. An ID that failed for a business reason
	// (insufficient funds, hold expired or resolved, missing account or hold,
	// currency mismatch) stays failed: posting it again returns the recorded
	// error with TransferError.Existed set, even if it would now succeed.
	// One exception: a commit or void that failed because its hold did not
	// exist, posted again once the hold exists, takes its contents from the
	// hold, which differ from those recorded, and fails with
	// ErrIdempotencyConflict; it stays refused either way.
	// Malformed transfers (bad amount, missing fields) are refused without
	// recording anything.
	//
	// Kinds: KindPost moves money now; KindHold reserves it (exact, or up to
	// the available balance with UpTo, with an optional Timeout); KindCommit
	// posts all or part of a hold and releases the rest; KindVoid releases a hold.
	Post(ctx context.Context, transfers ...Transfer) ([]Result, error)

	// Lookup returns the result of the transfer with that ID (with the current
	// Status of a hold), the error it failed with, or ErrTransferNotFound.
	Lookup(ctx context.Context, id string) (Result, error)

	// Balance returns an account's balances, or ErrAccountNotFound.
	Balance(ctx context.Context, account string) (Balance, error)

	// History returns a page of the account's entries in the order they were
	// applied, each with the balance after it. Start with a zero query and pass
	// the page's Next as the next query's After while More is set. An
	// account never created: ErrAccountNotFound.
	History(ctx context.Context, account string, q HistoryQuery) (HistoryPage, error)

	// ExpireHolds releases up to limit pending holds (all when limit <= 0)
	// whose expiry is at or before the ledger's clock, writing a KindExpire
	// entry on both accounts of each, and returns how many it released. A hold
	// is never released before its expiry; after it, the hold can no longer
	// be committed or voided even before ExpireHolds runs.
	ExpireHolds(ctx context.Context, limit int) (int, error)
}

// Flags change the rules an account's balances obey.
type Flags uint32

const (
	// NoOverdraft forbids the available balance (posted credits minus posted
	// and pending debits) to go below zero. Customer wallets set it; system
	// accounts (gateway clearing, revenue, top-up source) do not, and may go
	// negative.
	NoOverdraft Flags = 1 << iota

	knownFlags = NoOverdraft
)

// Account is a ledger account: an ID chosen by the caller, one currency, flags.
type Account struct {
	ID       string
	Currency Currency
	Flags    Flags
}

// Validate checks the account's fields.
func (a Account) Validate() error {
	if a.ID == "" || len(a.ID) > MaxIDLength {
		return fmt.Errorf("%w: id must be 1 to %d bytes", ErrInvalidAccount, MaxIDLength)
	}
	if a.Flags&^knownFlags != 0 {
		return fmt.Errorf("%w %q: unknown flags %#x", ErrInvalidAccount, a.ID, uint32(a.Flags&^knownFlags))
	}
	if _, err := a.Currency.Scale(); err != nil {
		return fmt.Errorf("%w %q: %w", ErrInvalidAccount, a.ID, err)
	}
	return nil
}

// MaxIDLength is the longest account or transfer ID, in bytes.
const MaxIDLength = 256

// Kind is what a transfer does.
type Kind uint8

// Kinds of transfer. KindExpire is never posted: ExpireHolds writes it.
const (
	KindPost   Kind = iota // move Amount from Debit to Credit now
	KindHold               // reserve Amount (or up to it) on Debit for Credit
	KindCommit             // post all (Amount zero) or part of HoldID; release the rest
	KindVoid               // release HoldID
	KindExpire             // history only: a hold released at its expiry
)

func (k Kind) String() string {
	switch k {
	case KindPost:
		return "post"
	case KindHold:
		return "hold"
	case KindCommit:
		return "commit"
	case KindVoid:
		return "void"
	case KindExpire:
		return "expire"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Transfer is one movement of money between two accounts of one currency.
// Debit loses the money, Credit gains it.
type Transfer struct {
	// ID is the caller-chosen idempotency key, unique in the ledger (for
	// example "<order>/hold"). Required.
	ID   string
	Kind Kind
	// Debit and Credit are account IDs. Required for posts and holds; for
	// commits and voids they may be empty (taken from the hold) or must match it.
	Debit, Credit string
	// Amount: positive for posts and holds (the ceiling of an UpTo hold);
	// for a commit zero means the whole hold, else the part to post; zero for voids.
	Amount decimal.Decimal
	// Currency of the amount; must equal both accounts'. May be empty for
	// commits and voids (taken from the hold).
	Currency Currency
	// HoldID names the hold a commit or void resolves.
	HoldID string
	// UpTo makes a hold take the smaller of Amount and the debit account's
	// available balance, atomically. It fails with ErrInsufficientFunds only
	// when nothing is available.
	UpTo bool
	// Timeout is a hold's lifetime in whole milliseconds; zero never expires.
	Timeout time.Duration
	// Code is the caller's category (the credit wallet uses "topup",
	// "payment", "hold", "refund"); Reference ties it to an order or payment.
	// Both are stored and part of the contents compared for idempotency.
	Code, Reference string
}

// Validate checks what can be checked without the ledger's state: required
// fields per kind, amount sign and exactness. Post calls it; it is exported
// for other Ledger implementations.
func (t Transfer) Validate() error {
	_, err := t.validate()
	return err
}

// ValidateBatch validates each transfer of a batch and refuses duplicate
// IDs in it, and commits or voids of a hold posted in the same batch. Errors
// are *TransferError. Ledger implementations call it first in Post.
func ValidateBatch(ts []Transfer) error {
	for i, t := range ts {
		if err := t.Validate(); err != nil {
			return &TransferError{Index: i, ID: t.ID, Err: err}
		}
	}
	return checkBatchIDs(ts)
}

// checkBatchIDs refuses duplicate IDs in a batch and commits or voids of a
// hold posted in the same batch.
func checkBatchIDs(ts []Transfer) error {
	if len(ts) < 2 {
		return nil
	}
	ids := make(map[string]int, len(ts))
	for i, t := range ts {
		if _, dup := ids[t.ID]; dup {
			return &TransferError{Index: i, ID: t.ID, Err: fmt.Errorf("%w: id appears twice in the batch", ErrInvalidTransfer)}
		}
		ids[t.ID] = i
	}
	for i, t := range ts {
		if _, same := ids[t.HoldID]; t.HoldID != "" && same {
			return &TransferError{Index: i, ID: t.ID, Err: fmt.Errorf("%w: a %s cannot be in the batch of its hold", ErrInvalidTransfer, t.Kind)}
		}
	}
	return nil
}

// validate is Validate that also returns the amount in minor units (zero
// for commits without currency or amount, and voids).
func (t Transfer) validate() (int64, error) {
	if t.ID == "" || len(t.ID) > MaxIDLength {
		return 0, fmt.Errorf("%w: id must be 1 to %d bytes", ErrInvalidTransfer, MaxIDLength)
	}
	if len(t.Code) > MaxIDLength || len(t.Reference) > MaxIDLength {
		return 0, fmt.Errorf("%w: code and reference must be at most %d bytes", ErrInvalidTransfer, MaxIDLength)
	}
	switch t.Kind {
	case KindPost, KindHold:
		if t.Debit == "" || t.Credit == "" {
			return 0, fmt.Errorf("%w: debit and credit accounts are required", ErrInvalidTransfer)
		}
		if t.Debit == t.Credit {
			return 0, fmt.Errorf("%w: debit and credit are the same account %q", ErrInvalidTransfer, t.Debit)
		}
		if t.HoldID != "" {
			return 0, fmt.Errorf("%w: hold id is only for commits and voids", ErrInvalidTransfer)
		}
		if t.Kind == KindPost && (t.UpTo || t.Timeout != 0) {
			return 0, fmt.Errorf("%w: up-to and timeout are only for holds", ErrInvalidTransfer)
		}
		if t.Timeout < 0 || t.Timeout%time.Millisecond != 0 {
			return 0, fmt.Errorf("%w: timeout must be zero or a positive whole number of milliseconds", ErrInvalidTransfer)
		}
		return t.Currency.ToMinor(t.Amount)
	case KindCommit, KindVoid:
		if t.HoldID == "" {
			return 0, fmt.Errorf("%w: %s needs a hold id", ErrInvalidTransfer, t.Kind)
		}
		if t.UpTo || t.Timeout != 0 {
			return 0, fmt.Errorf("%w: up-to and timeout are only for holds", ErrInvalidTransfer)
		}
		if t.Debit != "" && t.Debit == t.Credit {
			return 0, fmt.Errorf("%w: debit and credit are the same account %q", ErrInvalidTransfer, t.Debit)
		}
		if t.Currency != "" {
			if _, err := t.Currency.Scale(); err != nil {
				return 0, err
			}
		}
		if t.Kind == KindVoid && !t.Amount.IsZero() {
			return 0, fmt.Errorf("%w: a void takes no amount", ErrInvalidTransfer)
		}
		if t.Amount.Sign() < 0 {
			return 0, &AmountError{Amount: t.Amount, Currency: t.Currency, Err: ErrNegativeAmount}
		}
		if t.Amount.Sign() > 0 && t.Currency != "" {
			return t.Currency.ToMinor(t.Amount)
		}
	default:
		return 0, fmt.Errorf("%w: kind %s cannot be posted", ErrInvalidTransfer, t.Kind)
	}
	return 0, nil
}

// Status is the state of a hold.
type Status uint8

// Hold states. Results of transfers other than holds have StatusNone.
const (
	StatusNone Status = iota
	StatusPending
	StatusCommitted
	StatusVoided
	StatusExpired
)

func (s Status) String() string {
	switch s {
	case StatusNone:
		return "none"
	case StatusPending:
		return "pending"
	case StatusCommitted:
		return "committed"
	case StatusVoided:
		return "voided"
	case StatusExpired:
		return "expired"
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// Result is the recorded outcome of a transfer.
type Result struct {
	// Transfer as recorded: commits and voids carry the hold's accounts and
	// currency. Amount is what moved: the amount held (an UpTo hold may hold
	// less than asked), the amount committed, or the amount a void released.
	Transfer Transfer
	// Existed is set when the ID had been recorded before this call.
	Existed bool
	// Time is when the ledger recorded the transfer (its clock).
	Time time.Time
	// ExpiresAt is a hold's expiry (zero when it has no timeout).
	ExpiresAt time.Time
	// Status is a hold's current state (as of the call); StatusNone otherwise.
	Status Status
}

// Balance is an account's balances. Accounts are read as credit-normal
// (money in is a credit), which is how a customer wallet reads.
type Balance struct {
	Account  string
	Currency Currency
	Flags    Flags

	DebitsPosted, CreditsPosted   decimal.Decimal
	DebitsPending, CreditsPending decimal.Decimal

	// Posted is CreditsPosted - DebitsPosted: the money in the account.
	Posted decimal.Decimal
	// Pending is DebitsPending: the money held by pending holds on this account.
	Pending decimal.Decimal
	// Available is Posted - Pending: what can be spent or held now. It is never
	// negative on a NoOverdraft account.
	Available decimal.Decimal
}

// MinorBalance is a Balance in int64 minor units; ledgers use it inside.
type MinorBalance struct {
	DebitsPosted, CreditsPosted, DebitsPending, CreditsPending int64
}

// Available is credits posted minus debits posted and pending.
func (m MinorBalance) Available() int64 {
	return m.CreditsPosted - m.DebitsPosted - m.DebitsPending
}

// Sub returns m - o field by field.
func (m MinorBalance) Sub(o MinorBalance) MinorBalance {
	return MinorBalance{m.DebitsPosted - o.DebitsPosted, m.CreditsPosted - o.CreditsPosted,
		m.DebitsPending - o.DebitsPending, m.CreditsPending - o.CreditsPending}
}

// Decimal converts m to a Balance for the given account.
func (m MinorBalance) Decimal(account string, cur Currency, flags Flags) Balance {
	return Balance{
		Account: account, Currency: cur, Flags: flags,
		DebitsPosted:   cur.FromMinor(m.DebitsPosted),
		CreditsPosted:  cur.FromMinor(m.CreditsPosted),
		DebitsPending:  cur.FromMinor(m.DebitsPending),
		CreditsPending: cur.FromMinor(m.CreditsPending),
		Posted:         cur.FromMinor(m.CreditsPosted - m.DebitsPosted),
		Pending:        cur.FromMinor(m.DebitsPending),
		Available:      cur.FromMinor(m.Available()),
	}
}

// Entry is one line of an account's history: what one transfer (or a hold's
// expiry) changed on this account, and the balance after it. Entries are
// immutable; corrections are new transfers.
type Entry struct {
	Account string
	// Seq is the entry's position in the account's history, from 1.
	Seq        int64
	TransferID string
	Kind       Kind
	// Side is the account's side of the transfer: true when it was debited.
	Debited      bool
	Counterparty string
	Code         string
	Reference    string
	Currency     Currency
	// Change holds what this entry added to each balance; pending changes are
	// negative when a hold is resolved.
	Change Balance
	// After is the account's balance after this entry.
	After Balance
	Time  time.Time
}

// HistoryQuery selects a page of history: entries with Seq > After, at most
// Limit of them (DefaultPageSize when Limit <= 0, capped at MaxPageSize).
type HistoryQuery struct {
	After int64
	Limit int
}

// Page sizes for History.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// PageLimit returns the effective limit of q.
func (q HistoryQuery) PageLimit() int {
	switch {
	case q.Limit <= 0:
		return DefaultPageSize
	case q.Limit > MaxPageSize:
		return MaxPageSize
	}
	return q.Limit
}

// HistoryPage is one page of an account's history.
type HistoryPage struct {
	Entries []Entry
	// Next is the Seq of the last entry returned (the After of the next query).
	Next int64
	// More is set when entries after Next exist.
	More bool
}
