package checkout

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"
)

// MemoryStore is the in-memory Store: the default, for tests, examples and
// single-process use. It is safe for concurrent use. ListOrders with a Due
// reads the orders due, not those waiting for a later deadline.
type MemoryStore struct {
	// Orders live in fixed-size chunks found by ID through an
	// open-addressing table (see orderTable), guarded by a mutex, with an
	// index of those Sweep will have work on by the hour their work is due,
	// so that ListOrders with a Due reads the orders due (and the list of
	// hours), not those waiting for a later deadline; histories are
	// per-customer chunked slices.
	//
	// What a store keeps per order under IDs derived from it is kept with
	// the order where it can be, not in maps of their own: the invoice
	// "<order>/invoice" and one notification "<order>/<suffix>" (the first
	// an order enqueues), so that a checkout adds no entry to maps that grow
	// with every order. An order's own invoice (its items, amount, currency
	// and method) is not copied either: its Billing History line points to
	// the order (see invoiceLine). Other IDs (and those of orders not
	// stored) go to the maps. Locks are taken in the order mu, then hmu or
	// omu.

	mu     sync.RWMutex
	orders orderTable
	hours  map[int64][]uint32 // the orders with a SweepAt, by its hour: their entries' indexes

	hmu       sync.RWMutex
	paymentID map[string]struct{}
	payments  map[string]*history[Payment]
	invoiceID map[string]struct{}
	invoices  map[string]*history[invoiceLine]

	cmu       sync.Mutex
	callbacks map[string]CallbackRecord
	shares    map[[32]byte]ShareLink

	omu    sync.Mutex
	outbox []outboxEntry        // in Enqueue order; sent ones until advance drops them
	base   int64                // the sequence number of outbox[0]
	byID   map[string]int64     // pending items: their sequence numbers
	sent   map[string]time.Time // sent IDs until PruneSent
	head   int                  // outbox[:head] are all sent
	// sentNotes are the orders whose notification (orderEntry.note) was
	// sent, with when, until PruneSent.
	sentNotes noteLog
}

type noteState uint8

const (
	noteNone noteState = iota
	notePending
	noteSent
)

// sentNote is a sent notification kept with its order.
type sentNote struct {
	e  *orderEntry
	at time.Time
}

// noteLog holds sentNotes in fixed-size chunks, so that it grows without
// copying itself.
type noteLog struct{ chunks [][]sentNote }

const noteChunk = 256

func (l *noteLog) add(sn sentNote) {
	if n := len(l.chunks); n == 0 || len(l.chunks[n-1]) == noteChunk {
		l.chunks = append(l.chunks, make([]sentNote, 0, noteChunk))
	}
	last := &l.chunks[len(l.chunks)-1]
	*last = append(*last, sn)
}

// filter keeps the notes keep returns true for, in order, in place.
func (l *noteLog) filter(keep func(sentNote) bool) {
	w := 0 // where the next kept note goes: never after the one read
	for _, c := range l.chunks {
		for _, sn := range c {
			if keep(sn) {
				l.chunks[w/noteChunk][w%noteChunk] = sn
				w++
			}
		}
	}
	n := (w + noteChunk - 1) / noteChunk
	for _, c := range l.chunks[n:] {
		clear(c)
	}
	clear(l.chunks[n:])
	l.chunks = l.chunks[:n]
	if n > 0 {
		last, k := l.chunks[n-1], w-(n-1)*noteChunk
		clear(last[k:])
		l.chunks[n-1] = last[:k]
	}
}

// invoiceSuffix makes the ID of an order's invoice.
const invoiceSuffix = "/invoice"

// invoiceEntry returns the stored order whose invoice ID is id, or nil.
// The caller holds mu.
func (s *MemoryStore) invoiceEntry(id string, hint *orderEntry) *orderEntry {
	order, ok := strings.CutSuffix(id, invoiceSuffix)
	if !ok {
		return nil
	}
	return s.entry(order, hint)
}

// entry returns the stored order id: hint if it is that order (the
// caller's, already looked up), else from the map. The caller holds mu.
func (s *MemoryStore) entry(id string, hint *orderEntry) *orderEntry {
	if hint != nil && hint.ID == id {
		return hint
	}
	return s.orders.get(id)
}

// splitNoteID splits a notification ID into the order ID before its first
// '/' and the suffix after it; ok is false when it has no such order part.
func splitNoteID(id string) (order, suffix string, ok bool) {
	i := strings.IndexByte(id, '/')
	if i <= 0 {
		return "", "", false
	}
	return id[:i], id[i+1:], true
}

// noteSuffixes are the suffixes of the notifications checkout sends for
// each order: kept as these constants, so that a stored suffix does not
// hold on to the ID it came from.
var noteSuffixes = [...]string{"email/completed", "email/refunded"}

func internSuffix(s string) string {
	for _, k := range noteSuffixes {
		if s == k {
			return k
		}
	}
	return strings.Clone(s)
}

// noteEntry returns the stored order that keeps notification id, if it is
// one ("<order>/<suffix>", the order stored, its note that one or free),
// and the suffix. The caller holds mu.
func (s *MemoryStore) noteEntry(id string, hint *orderEntry) (*orderEntry, string) {
	order, suffix, ok := splitNoteID(id)
	if !ok {
		return nil, ""
	}
	e := s.entry(order, hint)
	if e == nil || (e.note != noteNone && e.noteSuffix != suffix) {
		return nil, ""
	}
	return e, suffix
}

// outboxEntry is an outbox item in the memory queue; a sent one has lost
// its body.
type outboxEntry struct {
	item OutboxItem
	sent bool
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		orders:    newOrderTable(),
		hours:     map[int64][]uint32{},
		paymentID: map[string]struct{}{},
		payments:  map[string]*history[Payment]{},
		invoiceID: map[string]struct{}{},
		invoices:  map[string]*history[invoiceLine]{},
		callbacks: map[string]CallbackRecord{},
		shares:    map[[32]byte]ShareLink{},
		byID:      map[string]int64{},
		sent:      map[string]time.Time{},
	}
}

// index keeps the SweepAt of o, stored in e, in the index, as the Store
// contract asks.
func (s *MemoryStore) index(e *orderEntry, o *Order) {
	at, ok := o.nextSweep()
	if e.swept == ok && (!ok || e.sweepAt.Equal(at)) {
		return
	}
	if e.swept && ok && hourOf(e.sweepAt) == hourOf(at) {
		e.sweepAt = at // the same hour: its place in the index stands
		return
	}
	if e.swept {
		// Swap-remove e from its hour. An emptied hour is kept (the
		// current ones fill and empty with every order) until there are
		// many.
		h := hourOf(e.sweepAt)
		b := s.hours[h]
		last := b[len(b)-1]
		b[e.hourPos] = last
		s.orders.at(last).hourPos = e.hourPos
		s.hours[h] = b[:len(b)-1]
	}
	e.sweepAt, e.swept = at, ok
	if ok {
		h := hourOf(at)
		b, found := s.hours[h]
		if !found && len(s.hours) >= 4096 {
			for h, b := range s.hours {
				if len(b) == 0 {
					delete(s.hours, h)
				}
			}
		}
		e.hourPos = uint32(len(b))
		s.hours[h] = append(b, e.idx)
	}
}

// hourOf is the index bucket of a SweepAt. The zero time ("now") has
// the bucket of its hour like any other, so that ListOrders can take
// every bucket before a Due's as due: a bucket of its own below all others
// made orders due now listed for a Due before the zero time.
func hourOf(t time.Time) int64 {
	return t.Unix() / 3600
}

// CreateOrder implements Store.
func (s *MemoryStore) CreateOrder(ctx context.Context, o Order) (Order, error) {
	if err := ctx.Err(); err != nil {
		return Order{}, err
	}
	e, err := s.create(&o)
	if err != nil {
		return Order{}, err
	}
	return e.order().Clone(), nil
}

// create stores a copy of o, new, at Version 1 and sets o.Version.
func (s *MemoryStore) create(o *Order) (*orderEntry, error) {
	if o.ID == "" {
		return nil, fmt.Errorf("%w: empty order id", ErrInvalidOrder)
	}
	h := s.orders.hash(o.ID)
	c := *o
	c.Items, c.Attempts, c.Version = cloneItems(o.Items), cloneAttempts(o.Attempts), 1
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.orders.find(h, o.ID) != nil {
		return nil, fmt.Errorf("%w: order %s", ErrDuplicate, o.ID)
	}
	e := s.orders.add(h, &c)
	s.index(e, &c)
	o.Version = 1
	return e, nil
}

// GetOrder implements Store.
func (s *MemoryStore) GetOrder(ctx context.Context, id string) (Order, error) {
	o, err := s.getOrder(ctx, id)
	if err != nil {
		return Order{}, err
	}
	o.Items = cloneItems(o.Items)
	return o, nil
}

// getOrder is GetOrder whose result shares its line items with the stored
// order (its attempts are copied): see sharedStore.
func (s *MemoryStore) getOrder(ctx context.Context, id string) (Order, error) {
	if err := ctx.Err(); err != nil {
		return Order{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	o := s.orders.get(id)
	if o == nil {
		return Order{}, fmt.Errorf("%w: order %s", ErrNotFound, id)
	}
	c := o.order()
	c.Attempts = cloneAttempts(c.Attempts)
	return c, nil
}

// UpdateOrder implements Store.
func (s *MemoryStore) UpdateOrder(ctx context.Context, o Order) (Order, error) {
	r, err := s.updateOrder(ctx, o)
	if err != nil {
		return Order{}, err
	}
	r.Items = cloneItems(r.Items)
	return r, nil
}

// updateOrder is UpdateOrder whose result shares its line items with the
// stored order: see sharedStore.
func (s *MemoryStore) updateOrder(ctx context.Context, o Order) (Order, error) {
	if err := ctx.Err(); err != nil {
		return Order{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := s.casEntry(&o)
	if err != nil {
		return Order{}, err
	}
	s.store(cur, &o)
	r := cur.order()
	r.Attempts = cloneAttempts(r.Attempts)
	return r, nil
}

// casEntry returns the stored entry of o if it is at o's version. The
// caller holds mu.
func (s *MemoryStore) casEntry(o *Order) (*orderEntry, error) {
	cur := s.orders.get(o.ID)
	if cur == nil {
		return nil, fmt.Errorf("%w: order %s", ErrNotFound, o.ID)
	}
	if cur.Version != o.Version {
		return nil, fmt.Errorf("%w: order %s is at version %d, not %d", ErrConflict, o.ID, cur.Version, o.Version)
	}
	return cur, nil
}

// store stores o as the next version of cur and updates o to it: its
// Version, and its line items shared with the stored ones (its attempts
// stay its own). The caller holds mu.
func (s *MemoryStore) store(cur *orderEntry, o *Order) {
	// Overwrite the stored order in place (no new Order on the heap). Line
	// items do not change after an order is created: keep the stored copy
	// when the caller's are the same, else copy them.
	if cur.invSeq > 0 && !cur.ownInvoiceOf(o.Customer, o.Currency, o.Method, o.Amount, o.Items) {
		s.detachInvoice(cur)
	}
	if !sameItems(cur.Items, o.Items) {
		o.Items = cloneItems(o.Items)
	} else {
		o.Items = cur.Items
	}
	attempts := o.Attempts
	o.Attempts, o.Version = cloneAttempts(attempts), o.Version+1
	cur.pack(o)
	o.Attempts = attempts
	s.index(cur, o)
}

// sameItems reports whether a and b hold the same line items, amounts in
// the same representation.
func sameItems(a, b []LineItem) bool {
	if len(a) != len(b) || (a == nil) != (b == nil) {
		return false
	}
	if len(a) == 0 || &a[0] == &b[0] {
		return true // the same memory (a shared read): nothing to compare
	}
	for i := range a {
		x, y := &a[i], &b[i]
		if x.Description != y.Description || x.Quantity != y.Quantity || x.Amount.Exponent() != y.Amount.Exponent() ||
			x.Amount.Cmp(y.Amount) != 0 || !slices.Equal(x.Config, y.Config) || (x.Config == nil) != (y.Config == nil) {
			return false
		}
	}
	return true
}

// ListOrders implements Store.
func (s *MemoryStore) ListOrders(ctx context.Context, q OrderQuery) ([]Order, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	last := int64(math.MaxInt64)
	if !q.Due.IsZero() {
		last = hourOf(q.Due)
	}
	var list []*orderEntry
	for h, b := range s.hours {
		if h > last {
			continue // waiting for a later hour
		}
		for _, i := range b {
			if e := s.orders.at(i); e.ID > q.After && (h < last || !e.sweepAt.After(q.Due)) && (q.State == "" || e.State() == q.State) {
				list = append(list, e)
			}
		}
	}
	slices.SortFunc(list, func(a, b *orderEntry) int { return strings.Compare(a.ID, b.ID) })
	if n := pageLimit(q.Limit); len(list) > n {
		list = list[:n]
	}
	out := make([]Order, len(list))
	for i, e := range list {
		out[i] = e.order().Clone()
	}
	return out, nil
}

// storedItems reports whether items are the stored line items of order id
// (the same memory, from a shared read): those are never changed in place
// (UpdateOrder replaces them), so they need no copy. The caller holds mu.
func (s *MemoryStore) storedItems(id string, items []LineItem, hint *orderEntry) bool {
	if len(items) == 0 {
		return false
	}
	o := s.entry(id, hint)
	return o != nil && len(o.Items) == len(items) && &o.Items[0] == &items[0]
}

// sharedStore is the Client's view of a MemoryStore: orders read and
// written share their line items with the stored ones instead of copying
// them twice per call. Line items never change after an order is created;
// the Client never changes them in place and copies them wherever an order
// leaves it (Client methods, Provisioner, Notifier), so nothing outside can
// change what is stored. Attempts, which the Client changes, are copied.
type sharedStore struct{ *MemoryStore }

func (s sharedStore) GetOrder(ctx context.Context, id string) (Order, error) {
	return s.getOrder(ctx, id)
}

func (s sharedStore) UpdateOrder(ctx context.Context, o Order) (Order, error) {
	return s.updateOrder(ctx, o)
}

// create is CreateOrder of *o in place: the store keeps its own copy, and
// *o (the caller's line items included) becomes what was stored.
func (s sharedStore) create(ctx context.Context, o *Order) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := s.MemoryStore.create(o)
	return err
}

// update is UpdateOrder of *o in place (no copies of the order in and
// out): on success *o is the stored version, sharing its line items.
func (s sharedStore) update(ctx context.Context, o *Order) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := s.casEntry(o)
	if err != nil {
		return err
	}
	s.store(cur, o)
	return nil
}

// complete is UpdateOrder, AddInvoice of the order's own invoice (see
// ownInvoice) at t, and Enqueue of n, of a completed order in one write:
// the order must be at o's version, else nothing is written. Like update,
// it updates *o in place.
func (s sharedStore) complete(ctx context.Context, o *Order, n *Notification, t time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if o.Customer == "" || n.ID == "" {
		return fmt.Errorf("%w: invoice or notification without id or customer", ErrInvalidRequest)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := s.casEntry(o)
	if err != nil {
		return err
	}
	s.store(cur, o)
	if !cur.invoiced {
		s.hmu.Lock()
		s.addOwnInvoice(cur, t)
		s.hmu.Unlock()
	}
	s.enqueue(*n, t, cur)
	return nil
}

// AddPayment implements Store.
func (s *MemoryStore) AddPayment(ctx context.Context, p Payment) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if p.ID == "" || p.Customer == "" {
		return false, fmt.Errorf("%w: payment without id or customer", ErrInvalidRequest)
	}
	s.hmu.Lock()
	defer s.hmu.Unlock()
	if _, ok := s.paymentID[p.ID]; ok {
		return false, nil
	}
	s.paymentID[p.ID] = struct{}{}
	h := s.payments[p.Customer]
	if h == nil {
		h = &history[Payment]{}
		s.payments[p.Customer] = h
	}
	p.Seq = int64(h.n + 1)
	h.add(p)
	return true, nil
}

// AddInvoice implements Store.
func (s *MemoryStore) AddInvoice(ctx context.Context, inv Invoice) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if inv.ID == "" || inv.Customer == "" {
		return false, fmt.Errorf("%w: invoice without id or customer", ErrInvalidRequest)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addInvoice(inv, nil), nil
}

// addInvoice is AddInvoice of a valid invoice; hint may be its order's
// entry. The caller holds mu.
func (s *MemoryStore) addInvoice(inv Invoice, hint *orderEntry) bool {
	s.hmu.Lock()
	defer s.hmu.Unlock()
	e := s.invoiceEntry(inv.ID, hint)
	if e != nil && e.invoiced {
		return false
	}
	if _, ok := s.invoiceID[inv.ID]; ok {
		return false
	}
	if e != nil && e.ID == inv.OrderID {
		if e.ownInvoiceOf(inv.Customer, inv.Currency, inv.Method, inv.Amount, inv.Items) {
			s.addOwnInvoice(e, inv.Time)
			return true
		}
		e.invoiced = true
	} else {
		s.invoiceID[inv.ID] = struct{}{}
	}
	inv.Items = cloneItems(inv.Items)
	h := s.invoiceHistory(inv.Customer)
	inv.Seq = int64(h.n + 1)
	h.add(invoiceLine{inv: &inv})
	return true
}

// invoiceLine is a line of Billing History: the own invoice of the order
// with entry index order-1, built from it when read (ownInvoice), or inv.
type invoiceLine struct {
	order uint32
	inv   *Invoice
}

// ownInvoiceOf reports whether an invoice of e's order with that
// customer, currency, method, amount and items is the order's own: one it
// can build.
func (e *orderEntry) ownInvoiceOf(customer, currency string, method Method, amount decimal.Decimal, items []LineItem) bool {
	return e.Customer == customer && e.Currency() == currency && e.Method() == method &&
		e.Amount.Exponent() == amount.Exponent() && e.Amount.Cmp(amount) == 0 && sameItems(e.Items, items)
}

// ownInvoice is the invoice of e's order: its items, amount, currency and
// method, at e.invAt, numbered e.invSeq. The caller holds mu.
func ownInvoice(e *orderEntry) Invoice {
	return Invoice{ID: e.ID + invoiceSuffix, OrderID: e.ID, Customer: e.Customer, Items: cloneItems(e.Items),
		Amount: e.Amount, Currency: e.Currency(), Method: e.Method(), Time: e.invAt, Seq: e.invSeq}
}

// addOwnInvoice adds the own invoice of e's order, at t, to its customer's
// Billing History. The caller holds mu and hmu.
func (s *MemoryStore) addOwnInvoice(e *orderEntry, t time.Time) {
	h := s.invoiceHistory(e.Customer)
	e.invoiced, e.invSeq, e.invAt = true, int64(h.n+1), t
	h.add(invoiceLine{order: e.idx + 1})
}

// detachInvoice gives e's own invoice a line of its own, before the order
// changes what it is built from. The caller holds mu.
func (s *MemoryStore) detachInvoice(e *orderEntry) {
	s.hmu.Lock()
	defer s.hmu.Unlock()
	inv := ownInvoice(e)
	i := int(e.invSeq - 1)
	s.invoices[e.Customer].chunks[i/historyChunk][i%historyChunk] = invoiceLine{inv: &inv}
	e.invSeq, e.invAt = 0, time.Time{}
}

// invoiceHistory returns customer's Billing History, created empty if
// needed. The caller holds hmu.
func (s *MemoryStore) invoiceHistory(customer string) *history[invoiceLine] {
	h := s.invoices[customer]
	if h == nil {
		h = &history[invoiceLine]{}
		s.invoices[customer] = h
	}
	return h
}

// history is a customer's Payment or Billing History in memory: lines in
// fixed-size chunks, so that a long history grows without copying itself.
type history[T any] struct {
	chunks [][]T
	n      int
}

const historyChunk = 128

func (h *history[T]) add(v T) {
	switch {
	case h.n == 0:
		h.chunks = [][]T{nil} // the first chunk grows as needed: most histories are short
	case h.n%historyChunk == 0:
		h.chunks = append(h.chunks, make([]T, 0, historyChunk))
	}
	last := len(h.chunks) - 1
	h.chunks[last] = append(h.chunks[last], v)
	h.n++
}

func (h *history[T]) len() int {
	if h == nil {
		return 0
	}
	return h.n
}

// appendRange appends lines [from, to) to out.
func (h *history[T]) appendRange(out []T, from, to int) []T {
	for i := from; i < to; {
		c := h.chunks[i/historyChunk]
		j := min(to-i, historyChunk-i%historyChunk)
		out = append(out, c[i%historyChunk:i%historyChunk+j]...)
		i += j
	}
	return out
}

// page returns the [from, to) window of a Seq-numbered (1..n) history.
func page(n int, q PageQuery) (from, to int, more bool) {
	from = int(max(q.After, 0))
	if from > n {
		from = n
	}
	to = min(from+q.PageLimit(), n)
	return from, to, to < n
}

// Payments implements Store.
func (s *MemoryStore) Payments(ctx context.Context, customer string, q PageQuery) (PaymentPage, error) {
	if err := ctx.Err(); err != nil {
		return PaymentPage{}, err
	}
	s.hmu.RLock()
	defer s.hmu.RUnlock()
	all := s.payments[customer]
	from, to, more := page(all.len(), q)
	out := PaymentPage{Payments: all.appendRange(make([]Payment, 0, to-from), from, to), Next: int64(to), More: more}
	if to == from {
		out.Next = q.After
	}
	return out, nil
}

// Invoices implements Store.
func (s *MemoryStore) Invoices(ctx context.Context, customer string, q PageQuery) (InvoicePage, error) {
	if err := ctx.Err(); err != nil {
		return InvoicePage{}, err
	}
	s.mu.RLock() // own invoices are built from their orders
	defer s.mu.RUnlock()
	s.hmu.RLock()
	defer s.hmu.RUnlock()
	all := s.invoices[customer]
	from, to, more := page(all.len(), q)
	lines := all.appendRange(make([]invoiceLine, 0, to-from), from, to)
	out := InvoicePage{Invoices: make([]Invoice, len(lines)), Next: int64(to), More: more}
	for i, l := range lines {
		if l.inv != nil {
			out.Invoices[i] = *l.inv
			out.Invoices[i].Items = cloneItems(l.inv.Items)
		} else {
			out.Invoices[i] = ownInvoice(s.orders.at(l.order - 1))
		}
	}
	if to == from {
		out.Next = q.After
	}
	return out, nil
}

// RecordCallback implements Store.
func (s *MemoryStore) RecordCallback(ctx context.Context, c CallbackRecord) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if c.ID == "" {
		return false, fmt.Errorf("%w: callback without id", ErrInvalidRequest)
	}
	s.cmu.Lock()
	defer s.cmu.Unlock()
	if _, ok := s.callbacks[c.ID]; ok {
		return false, nil
	}
	s.callbacks[c.ID] = c
	return true, nil
}

// CallbackSeen implements Store.
func (s *MemoryStore) CallbackSeen(ctx context.Context, id string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.cmu.Lock()
	defer s.cmu.Unlock()
	_, ok := s.callbacks[id]
	return ok, nil
}

// CreateShare implements Store.
func (s *MemoryStore) CreateShare(ctx context.Context, l ShareLink) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.cmu.Lock()
	defer s.cmu.Unlock()
	if _, ok := s.shares[l.Hash]; ok {
		return fmt.Errorf("%w: share link", ErrDuplicate)
	}
	s.shares[l.Hash] = l
	return nil
}

// GetShare implements Store.
func (s *MemoryStore) GetShare(ctx context.Context, hash [32]byte) (ShareLink, error) {
	if err := ctx.Err(); err != nil {
		return ShareLink{}, err
	}
	s.cmu.Lock()
	defer s.cmu.Unlock()
	l, ok := s.shares[hash]
	if !ok {
		return ShareLink{}, fmt.Errorf("%w: share link", ErrNotFound)
	}
	return l, nil
}

// UseShare implements Store. A zero t is refused, as pgstore refuses it:
// stored, it would leave the link unused.
func (s *MemoryStore) UseShare(ctx context.Context, hash [32]byte, t time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if t.IsZero() {
		return fmt.Errorf("%w: share link used at the zero time", ErrInvalidRequest)
	}
	s.cmu.Lock()
	defer s.cmu.Unlock()
	l, ok := s.shares[hash]
	if !ok {
		return fmt.Errorf("%w: share link", ErrNotFound)
	}
	if !l.UsedAt.IsZero() {
		return ErrShareUsed
	}
	l.UsedAt = t
	s.shares[hash] = l
	return nil
}

// Enqueue implements Store.
func (s *MemoryStore) Enqueue(ctx context.Context, n Notification, t time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if n.ID == "" {
		return false, fmt.Errorf("%w: notification without id", ErrInvalidRequest)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.enqueue(n, t, nil), nil
}

// enqueue is Enqueue of a valid notification; hint may be its order's
// entry. The caller holds mu.
func (s *MemoryStore) enqueue(n Notification, t time.Time, hint *orderEntry) bool {
	s.omu.Lock()
	defer s.omu.Unlock()
	e, suffix := s.noteEntry(n.ID, hint)
	if e != nil && e.note != noteNone {
		return false
	}
	if _, ok := s.byID[n.ID]; ok {
		return false
	}
	if _, ok := s.sent[n.ID]; ok {
		return false
	}
	if !s.storedItems(n.Order.ID, n.Order.Items, hint) {
		n.Order.Items = cloneItems(n.Order.Items)
	}
	seq := s.base + int64(len(s.outbox))
	if e != nil {
		e.note, e.noteSuffix, e.noteSeq = notePending, internSuffix(suffix), seq
	} else {
		s.byID[n.ID] = seq
	}
	s.outbox = append(s.outbox, outboxEntry{item: OutboxItem{Notification: n, EnqueuedAt: t}})
	return true
}

// PendingNotifications implements Store.
func (s *MemoryStore) PendingNotifications(ctx context.Context, limit int) ([]OutboxItem, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	limit = pageLimit(limit)
	s.omu.Lock()
	defer s.omu.Unlock()
	s.advance()
	var out []OutboxItem
	for i := s.head; i < len(s.outbox); i++ {
		e := &s.outbox[i]
		if len(out) == limit {
			break
		}
		if !e.sent {
			c := e.item
			c.Notification.Order.Items = cloneItems(c.Notification.Order.Items)
			out = append(out, c)
		}
	}
	return out, nil
}

// advance moves head past sent items and drops the queue's sent prefix
// once it is most of the queue. The caller holds omu.
func (s *MemoryStore) advance() {
	for s.head < len(s.outbox) && s.outbox[s.head].sent {
		s.head++
	}
	if s.head == len(s.outbox) {
		s.base += int64(len(s.outbox))
		s.outbox, s.head = s.outbox[:0], 0 // sent entries hold no body: nothing to clear
	} else if s.head >= 1024 && s.head*2 >= len(s.outbox) {
		n := copy(s.outbox, s.outbox[s.head:])
		clear(s.outbox[n:])
		s.base += int64(s.head)
		s.outbox, s.head = s.outbox[:n], 0
	}
}

// MarkSent implements Store. A sent notification keeps only its ID and
// time (for Enqueue's idempotency) until PruneSent.
func (s *MemoryStore) MarkSent(ctx context.Context, id string, t time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.omu.Lock()
	defer s.omu.Unlock()
	seq, ok := s.byID[id]
	if ok {
		if t.IsZero() {
			return nil // as pgstore: a zero time leaves the item pending
		}
		delete(s.byID, id)
		s.sent[id] = t
		s.markSent(seq)
		return nil
	}
	if e, _ := s.noteEntry(id, nil); e != nil && e.note != noteNone {
		if e.note == noteSent || t.IsZero() {
			return nil
		}
		e.note = noteSent
		s.sentNotes.add(sentNote{e: e, at: t})
		s.markSent(e.noteSeq)
		return nil
	}
	if _, sent := s.sent[id]; sent {
		return nil
	}
	return fmt.Errorf("%w: notification %s", ErrNotFound, id)
}

// markSent drops the body of the outbox item seq, sent. The caller holds omu.
func (s *MemoryStore) markSent(seq int64) {
	e := &s.outbox[seq-s.base]
	e.item, e.sent = OutboxItem{}, true // its body is never read again
	s.advance()
}

// PruneSent implements Store.
func (s *MemoryStore) PruneSent(ctx context.Context, before time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.omu.Lock()
	defer s.omu.Unlock()
	n := 0
	for id, at := range s.sent {
		if at.Before(before) {
			delete(s.sent, id)
			n++
		}
	}
	s.sentNotes.filter(func(sn sentNote) bool {
		if sn.at.Before(before) {
			sn.e.note, sn.e.noteSuffix, sn.e.noteSeq = noteNone, "", 0
			n++
			return false
		}
		return true
	})
	return n, nil
}
