package checkout

import (
	"context"
	"time"
)

// Store persists checkout's state: orders (with compare-and-swap), Payment
// and Billing History, callback records, share links and the notification
// outbox. NewMemoryStore is the embedded default; checkout/pgstore keeps
// it in PostgreSQL; checkouttest.TestStore checks any implementation.
//
// Every method takes a context first and is safe for concurrent use. Each
// write is atomic on its own; checkout never needs a transaction across two
// calls, because every step it takes is idempotent and re-driven by Sweep.
// A Store must return copies: changing a returned value never changes
// what is stored.
type Store interface {
	// CreateOrder saves a new order with Version 1. An order with that ID
	// exists: ErrDuplicate.
	CreateOrder(ctx context.Context, o Order) (Order, error)
	// GetOrder returns an order, or ErrNotFound.
	GetOrder(ctx context.Context, id string) (Order, error)
	// UpdateOrder replaces the order if the stored Version equals o.Version
	// (compare-and-swap) and returns it with Version incremented. Another
	// version is stored: ErrConflict; no such order: ErrNotFound.
	UpdateOrder(ctx context.Context, o Order) (Order, error)
	// ListOrders returns up to q.Limit orders that Sweep will have work on
	// (Order.SweepAt), by then when q.Due is set, in state q.State when
	// set, with IDs greater than q.After, in ascending ID order (Sweep
	// pages through them). It must list every such order and should leave
	// out the others, so that Sweep's cost follows the work due, not the
	// history nor the orders waiting for a later deadline: keep SweepAt
	// with each order and index it.
	ListOrders(ctx context.Context, q OrderQuery) ([]Order, error)

	// AddPayment inserts a Payment History line unless one with its ID exists
	// (idempotent: then it returns false and changes nothing). The Store sets
	// Seq. AddInvoice does the same for Billing History.
	AddPayment(ctx context.Context, p Payment) (bool, error)
	AddInvoice(ctx context.Context, inv Invoice) (bool, error)
	// Payments and Invoices return a customer's lines with Seq > q.After,
	// oldest first, at most q.Limit (DefaultPageSize when <= 0, at most
	// MaxPageSize).
	Payments(ctx context.Context, customer string, q PageQuery) (PaymentPage, error)
	Invoices(ctx context.Context, customer string, q PageQuery) (InvoicePage, error)

	// RecordCallback remembers a verified, processed callback by ID. It
	// returns false when the ID was recorded before (a duplicate).
	RecordCallback(ctx context.Context, c CallbackRecord) (bool, error)
	// CallbackSeen reports whether a callback ID was recorded.
	CallbackSeen(ctx context.Context, id string) (bool, error)

	// CreateShare saves a share link, keyed by the SHA-256 of its token
	// (the token itself is never stored). A link with that hash exists:
	// ErrDuplicate.
	CreateShare(ctx context.Context, l ShareLink) error
	// GetShare returns the link with that token hash, or ErrNotFound.
	GetShare(ctx context.Context, hash [32]byte) (ShareLink, error)
	// UseShare marks the link used at t, once: a second call returns
	// ErrShareUsed; no such link: ErrNotFound; a zero t: ErrInvalidRequest.
	UseShare(ctx context.Context, hash [32]byte, t time.Time) error

	// Enqueue adds a notification to the outbox unless one with its ID is
	// there (idempotent; then it returns false).
	Enqueue(ctx context.Context, n Notification, t time.Time) (bool, error)
	// PendingNotifications returns up to limit unsent notifications, oldest
	// first.
	PendingNotifications(ctx context.Context, limit int) ([]OutboxItem, error)
	// MarkSent marks a notification sent at t (idempotent; a zero t changes
	// nothing). No such ID: ErrNotFound.
	MarkSent(ctx context.Context, id string, t time.Time) error
	// PruneSent deletes the notifications sent before t and returns how
	// many. Until then a sent ID keeps Enqueue idempotent; after, Enqueue
	// adds it again. Sweep calls it with now minus WithOutboxRetention.
	PruneSent(ctx context.Context, before time.Time) (int, error)
}

// Page sizes of history queries.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// OrderQuery selects orders for Store.ListOrders: among the orders Sweep
// will have work on (Order.SweepAt).
type OrderQuery struct {
	// Due, when set, keeps the orders whose SweepAt is not after it.
	Due time.Time
	// State, when set, keeps the orders in that state.
	State State
	After string // exclusive ID cursor; "" starts at the beginning
	Limit int    // DefaultPageSize when <= 0, at most MaxPageSize
}

// Listed reports whether q selects o (after paging): what ListOrders
// compares, for stores that filter in Go.
func (q OrderQuery) Listed(o *Order) bool {
	if q.State != "" && o.State != q.State {
		return false
	}
	at, ok := o.nextSweep()
	return ok && (q.Due.IsZero() || !at.After(q.Due))
}

// PageQuery selects a page of history: lines with Seq > After, at most
// Limit of them (DefaultPageSize when Limit <= 0, capped at MaxPageSize).
// Start with a zero After.
type PageQuery struct {
	After int64
	Limit int
}

// PageLimit is q's effective limit.
func (q PageQuery) PageLimit() int { return pageLimit(q.Limit) }

func pageLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultPageSize
	case n > MaxPageSize:
		return MaxPageSize
	}
	return n
}

// PaymentPage is a page of Payment History; pass Next as the next After
// while More is set.
type PaymentPage struct {
	Payments []Payment
	Next     int64
	More     bool
}

// InvoicePage is a page of Billing History; pass Next as the next After
// while More is set.
type InvoicePage struct {
	Invoices []Invoice
	Next     int64
	More     bool
}

// CallbackRecord is a verified callback that was processed.
type CallbackRecord struct {
	ID        string // gateway, reference, outcome and transaction
	OrderID   string
	Gateway   string
	Reference string
	Outcome   Outcome
	Time      time.Time
}

// ShareLink is a payment-on-behalf link. Only the SHA-256 of its token is
// kept.
type ShareLink struct {
	Hash      [32]byte
	OrderID   string
	Payer     string // the payer's email
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero until the link paid the order
}

// OutboxItem is a notification waiting in (or sent from) the outbox.
type OutboxItem struct {
	Notification Notification
	EnqueuedAt   time.Time
	SentAt       time.Time
}
