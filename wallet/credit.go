package wallet

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Codes the credit wallet writes on its transfers (Transfer.Code); Credit
// History is derived from them.
const (
	CodeTopUp   = "topup"
	CodePayment = "payment"
	CodeHold    = "hold"
	CodeRelease = "release"
	CodeRefund  = "refund"
)

// Credit is the prepaid credit wallet of one currency on top of a Ledger:
// each customer has a NoOverdraft account; money comes in from a top-up
// source account (the gateway clearing account) and goes to a revenue
// account. It is safe for concurrent use; every operation is idempotent by
// its ID.
type Credit struct {
	ledger  Ledger
	cur     Currency
	prefix  string
	topUp   string
	revenue string
}

// CreditOption configures a Credit.
type CreditOption func(*Credit) error

// WithSystemAccounts names the top-up source (gateway clearing) and revenue
// accounts. The defaults are "system/<currency>/topup" and
// "system/<currency>/revenue".
func WithSystemAccounts(topUpSource, revenue string) CreditOption {
	return func(c *Credit) error {
		if topUpSource == "" || revenue == "" || topUpSource == revenue {
			return fmt.Errorf("%w: system accounts must be two distinct non-empty ids", ErrInvalidAccount)
		}
		c.topUp, c.revenue = topUpSource, revenue
		return nil
	}
}

// WithWalletPrefix sets the prefix of customer wallet account IDs; the
// default is "credit/<currency>/".
func WithWalletPrefix(prefix string) CreditOption {
	return func(c *Credit) error {
		if prefix == "" {
			return fmt.Errorf("%w: empty wallet prefix", ErrInvalidAccount)
		}
		c.prefix = prefix
		return nil
	}
}

// NewCredit returns the credit wallet of currency cur on l. It does no I/O:
// accounts are created by Open, TopUp and Refund.
func NewCredit(l Ledger, cur Currency, opts ...CreditOption) (*Credit, error) {
	if l == nil {
		return nil, fmt.Errorf("wallet: credit: nil ledger")
	}
	if _, err := cur.Scale(); err != nil {
		return nil, err
	}
	c := &Credit{ledger: l, cur: cur, prefix: "credit/" + string(cur) + "/",
		topUp: "system/" + string(cur) + "/topup", revenue: "system/" + string(cur) + "/revenue"}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	if strings.HasPrefix(c.topUp, c.prefix) || strings.HasPrefix(c.revenue, c.prefix) {
		return nil, fmt.Errorf("%w: system accounts must not start with the wallet prefix %q", ErrInvalidAccount, c.prefix)
	}
	return c, nil
}

// Currency is the wallet's currency.
func (c *Credit) Currency() Currency { return c.cur }

// Account returns the ledger account ID of a customer's wallet.
func (c *Credit) Account(customer string) string { return c.prefix + customer }

// TopUpSource and Revenue return the system account IDs.
func (c *Credit) TopUpSource() string { return c.topUp }

// Revenue returns the revenue account ID.
func (c *Credit) Revenue() string { return c.revenue }

// Open creates the customer's wallet (and the system accounts) if missing.
func (c *Credit) Open(ctx context.Context, customer string) error {
	if customer == "" {
		return fmt.Errorf("%w: empty customer", ErrInvalidAccount)
	}
	return c.ledger.CreateAccounts(ctx,
		Account{ID: c.topUp, Currency: c.cur},
		Account{ID: c.revenue, Currency: c.cur},
		Account{ID: c.Account(customer), Currency: c.cur, Flags: NoOverdraft})
}

// TopUpRequest credits a customer's wallet with money received (for example
// through a gateway). ID is the idempotency key, e.g. "<order>/topup".
type TopUpRequest struct {
	ID       string
	Customer string
	Amount   decimal.Decimal
	Order    string
}

// TopUp moves Amount from the top-up source to the customer's wallet,
// opening the wallet if needed.
func (c *Credit) TopUp(ctx context.Context, r TopUpRequest) (Result, error) {
	if err := c.Open(ctx, r.Customer); err != nil {
		return Result{}, err
	}
	return c.post(ctx, Transfer{ID: r.ID, Debit: c.topUp, Credit: c.Account(r.Customer),
		Amount: r.Amount, Currency: c.cur, Code: CodeTopUp, Reference: r.Order})
}

// PayRequest pays an order from a customer's wallet at once.
type PayRequest struct {
	ID       string
	Customer string
	Amount   decimal.Decimal
	Order    string
}

// Pay moves Amount from the customer's wallet to revenue, or fails with
// ErrInsufficientFunds (an *InsufficientFundsError) leaving it untouched.
func (c *Credit) Pay(ctx context.Context, r PayRequest) (Result, error) {
	return c.post(ctx, Transfer{ID: r.ID, Debit: c.Account(r.Customer), Credit: c.revenue,
		Amount: r.Amount, Currency: c.cur, Code: CodePayment, Reference: r.Order})
}

// HoldRequest reserves credit for a purchase. With UpTo the hold takes what
// is available up to Amount (top up and pay); Timeout zero never expires.
type HoldRequest struct {
	ID       string
	Customer string
	Amount   decimal.Decimal
	UpTo     bool
	Timeout  time.Duration
	Order    string
}

// Hold reserves credit in the customer's wallet for revenue. The Result's
// Transfer.Amount is the amount held.
func (c *Credit) Hold(ctx context.Context, r HoldRequest) (Result, error) {
	return c.post(ctx, Transfer{ID: r.ID, Kind: KindHold, Debit: c.Account(r.Customer), Credit: c.revenue,
		Amount: r.Amount, Currency: c.cur, UpTo: r.UpTo, Timeout: r.Timeout, Code: CodeHold, Reference: r.Order})
}

// CaptureRequest takes a hold as payment: all of it when Amount is zero,
// else Amount, releasing the rest.
type CaptureRequest struct {
	ID     string
	HoldID string
	Amount decimal.Decimal
	Order  string
}

// Capture commits a hold made by Hold.
func (c *Credit) Capture(ctx context.Context, r CaptureRequest) (Result, error) {
	return c.post(ctx, Transfer{ID: r.ID, Kind: KindCommit, HoldID: r.HoldID, Amount: r.Amount,
		Currency: c.cur, Code: CodePayment, Reference: r.Order})
}

// ReleaseRequest gives a hold back to the customer.
type ReleaseRequest struct {
	ID     string
	HoldID string
	Order  string
}

// Release voids a hold made by Hold.
func (c *Credit) Release(ctx context.Context, r ReleaseRequest) (Result, error) {
	return c.post(ctx, Transfer{ID: r.ID, Kind: KindVoid, HoldID: r.HoldID, Currency: c.cur,
		Code: CodeRelease, Reference: r.Order})
}

// RefundRequest returns money to a customer's wallet (for example when
// provisioning failed after payment).
type RefundRequest struct {
	ID       string
	Customer string
	Amount   decimal.Decimal
	Order    string
}

// Refund moves Amount from revenue back to the customer's wallet, opening
// the wallet if needed.
func (c *Credit) Refund(ctx context.Context, r RefundRequest) (Result, error) {
	if err := c.Open(ctx, r.Customer); err != nil {
		return Result{}, err
	}
	return c.post(ctx, Transfer{ID: r.ID, Debit: c.revenue, Credit: c.Account(r.Customer),
		Amount: r.Amount, Currency: c.cur, Code: CodeRefund, Reference: r.Order})
}

func (c *Credit) post(ctx context.Context, t Transfer) (Result, error) {
	res, err := c.ledger.Post(ctx, t)
	if err != nil {
		return Result{}, err
	}
	return res[0], nil
}

// Balance returns the customer's wallet balance, or ErrAccountNotFound
// when the wallet was never opened (Open, TopUp and Refund open it).
func (c *Credit) Balance(ctx context.Context, customer string) (Balance, error) {
	return c.ledger.Balance(ctx, c.Account(customer))
}

// CreditKind is the type of a Credit History entry.
type CreditKind uint8

// Credit History entry types.
const (
	CreditTopUp CreditKind = iota + 1
	CreditPayment
	CreditHold
	CreditRelease
	CreditRefund
	// CreditAdjustment is any other transfer on the wallet (a correction
	// posted directly on the ledger); its Amount is signed.
	CreditAdjustment
)

func (k CreditKind) String() string {
	switch k {
	case CreditTopUp:
		return "top-up"
	case CreditPayment:
		return "payment"
	case CreditHold:
		return "hold"
	case CreditRelease:
		return "release"
	case CreditRefund:
		return "refund"
	case CreditAdjustment:
		return "adjustment"
	}
	return fmt.Sprintf("credit-kind(%d)", uint8(k))
}

// CreditEntry is one line of a customer's Credit History.
type CreditEntry struct {
	Kind CreditKind
	// Amount is positive (signed only for CreditAdjustment).
	Amount decimal.Decimal
	// Balance and Available are the wallet's posted and available balances
	// after the ledger entry this line comes from.
	Balance   decimal.Decimal
	Available decimal.Decimal
	Order     string
	// TransferID is the ledger transfer (for a release by expiry, the hold).
	TransferID string
	// Seq is the ledger entry's Seq; a partial capture gives two lines (a
	// payment and a release) with the same Seq.
	Seq  int64
	Time time.Time
}

// CreditPage is a page of Credit History; pass Next as the next query's After.
type CreditPage struct {
	Entries []CreditEntry
	Next    int64
	More    bool
}

// History returns a page of the customer's Credit History, oldest first,
// or ErrAccountNotFound when the wallet was never opened.
func (c *Credit) History(ctx context.Context, customer string, q HistoryQuery) (CreditPage, error) {
	p, err := c.ledger.History(ctx, c.Account(customer), q)
	if err != nil {
		return CreditPage{}, err
	}
	out := CreditPage{Next: p.Next, More: p.More, Entries: make([]CreditEntry, 0, len(p.Entries))}
	for _, e := range p.Entries {
		out.Entries = append(out.Entries, CreditEntries(e)...)
	}
	return out, nil
}

// CreditEntries maps one ledger entry of a wallet account to Credit History lines.
func CreditEntries(e Entry) []CreditEntry {
	base := CreditEntry{Balance: e.After.Posted, Available: e.After.Available, Order: e.Reference,
		TransferID: e.TransferID, Seq: e.Seq, Time: e.Time}
	line := func(k CreditKind, amount decimal.Decimal) CreditEntry {
		b := base
		b.Kind, b.Amount = k, amount
		return b
	}
	ch := e.Change
	switch {
	case e.Kind == KindPost && !e.Debited && e.Code == CodeTopUp:
		return []CreditEntry{line(CreditTopUp, ch.CreditsPosted)}
	case e.Kind == KindPost && !e.Debited && e.Code == CodeRefund:
		return []CreditEntry{line(CreditRefund, ch.CreditsPosted)}
	case e.Kind == KindPost && e.Debited && e.Code == CodePayment:
		return []CreditEntry{line(CreditPayment, ch.DebitsPosted)}
	case e.Kind == KindHold && e.Debited:
		return []CreditEntry{line(CreditHold, ch.DebitsPending)}
	case e.Kind == KindCommit && e.Debited:
		out := []CreditEntry{line(CreditPayment, ch.DebitsPosted)}
		if rest := ch.DebitsPending.Neg().Sub(ch.DebitsPosted); rest.Sign() > 0 {
			out = append(out, line(CreditRelease, rest))
		}
		return out
	case (e.Kind == KindVoid || e.Kind == KindExpire) && e.Debited:
		return []CreditEntry{line(CreditRelease, ch.DebitsPending.Neg())}
	}
	return []CreditEntry{line(CreditAdjustment, ch.Posted.Sub(ch.Pending))}
}
