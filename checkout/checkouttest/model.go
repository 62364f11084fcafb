package checkouttest

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/checkout"
)

// TestStoreModel is a model-based differential test of a Store: random
// sequences of every Store method, from a few IDs that collide often, are
// applied both to newStore's store and to a reference model written from
// the Store contract (maps and slices), and every result is compared after
// every step: values, errors by sentinel, pages and their cursors. Values
// are compared as the contract allows: amounts by value (not exponent),
// times as instants (not location), nil and empty slices alike; PruneSent
// is given whole microseconds (see pruneSent).
//
// newStore is called once per sequence and must return an empty store.
// Each sequence has its own seed; a failure names it and the steps that
// led to it. THANHTOAN_STOREMODEL_RUNS sets the number of sequences
// (default 12, of 150 steps: THANHTOAN_STOREMODEL_STEPS);
// THANHTOAN_STOREMODEL_SEED replays one sequence.
func TestStoreModel(t *testing.T, newStore func(t *testing.T) checkout.Store) {
	t.Helper()
	runs, steps := envInt(t, "THANHTOAN_STOREMODEL_RUNS", 12), envInt(t, "THANHTOAN_STOREMODEL_STEPS", 150)
	var seeds []uint64
	if s := os.Getenv("THANHTOAN_STOREMODEL_SEED"); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("THANHTOAN_STOREMODEL_SEED=%q: %v", s, err)
		}
		seeds = []uint64{seed}
	} else {
		first := uint64(time.Now().UnixNano())
		for i := range runs {
			seeds = append(seeds, first+uint64(i))
		}
	}
	// One sequence in six (by seed, so that a replay is the same) is wide,
	// and one in twelve has a long outbox.
	for _, seed := range seeds {
		ok := t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			r := &runner{t: t, ctx: context.Background(), s: newStore(t), m: newModel(),
				rnd: rand.New(rand.NewPCG(seed, 0x7468616e68)), seed: seed, wide: seed%6 == 5, long: seed%12 == 11}
			r.run(steps)
		})
		if !ok {
			return // one failing sequence is enough to read
		}
	}
}

func envInt(t *testing.T, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive number", name, s)
	}
	return n
}

// model is the reference Store: obviously right, slow.
type model struct {
	orders    map[string]checkout.Order
	paymentID map[string]bool
	payments  map[string][]checkout.Payment // by customer, in Seq order
	invoiceID map[string]bool
	invoices  map[string][]checkout.Invoice
	callbacks map[string]bool
	shares    map[[32]byte]checkout.ShareLink
	outbox    []modelNote // in Enqueue order; pruned ones removed
}

type modelNote struct {
	item   checkout.OutboxItem
	sentAt time.Time // zero: pending
}

func newModel() *model {
	return &model{orders: map[string]checkout.Order{}, paymentID: map[string]bool{}, payments: map[string][]checkout.Payment{},
		invoiceID: map[string]bool{}, invoices: map[string][]checkout.Invoice{}, callbacks: map[string]bool{},
		shares: map[[32]byte]checkout.ShareLink{}}
}

func (m *model) createOrder(o checkout.Order) (checkout.Order, error) {
	if o.ID == "" {
		return checkout.Order{}, checkout.ErrInvalidOrder
	}
	if _, ok := m.orders[o.ID]; ok {
		return checkout.Order{}, checkout.ErrDuplicate
	}
	o = o.Clone()
	o.Version = 1
	m.orders[o.ID] = o
	return o.Clone(), nil
}

func (m *model) getOrder(id string) (checkout.Order, error) {
	o, ok := m.orders[id]
	if !ok {
		return checkout.Order{}, checkout.ErrNotFound
	}
	return o.Clone(), nil
}

func (m *model) updateOrder(o checkout.Order) (checkout.Order, error) {
	cur, ok := m.orders[o.ID]
	switch {
	case !ok:
		return checkout.Order{}, checkout.ErrNotFound
	case cur.Version != o.Version:
		return checkout.Order{}, checkout.ErrConflict
	}
	o = o.Clone()
	o.Version++
	m.orders[o.ID] = o
	return o.Clone(), nil
}

// listOrders: the orders q selects (Order.SweepAt), in byte order of IDs
// after q.After, at most the page's limit.
func (m *model) listOrders(q checkout.OrderQuery) []checkout.Order {
	var out []checkout.Order
	for _, o := range m.orders {
		if o.ID > q.After && q.Listed(&o) {
			out = append(out, o.Clone())
		}
	}
	slices.SortFunc(out, func(a, b checkout.Order) int { return strings.Compare(a.ID, b.ID) })
	if n := (checkout.PageQuery{Limit: q.Limit}).PageLimit(); len(out) > n {
		out = out[:n]
	}
	return out
}

func (m *model) addPayment(p checkout.Payment) (bool, error) {
	if p.ID == "" || p.Customer == "" {
		return false, checkout.ErrInvalidRequest
	}
	if m.paymentID[p.ID] {
		return false, nil
	}
	m.paymentID[p.ID] = true
	p.Seq = int64(len(m.payments[p.Customer]) + 1)
	m.payments[p.Customer] = append(m.payments[p.Customer], p)
	return true, nil
}

func (m *model) addInvoice(inv checkout.Invoice) (bool, error) {
	if inv.ID == "" || inv.Customer == "" {
		return false, checkout.ErrInvalidRequest
	}
	if m.invoiceID[inv.ID] {
		return false, nil
	}
	m.invoiceID[inv.ID] = true
	inv.Items = cloneLineItems(inv.Items)
	inv.Seq = int64(len(m.invoices[inv.Customer]) + 1)
	m.invoices[inv.Customer] = append(m.invoices[inv.Customer], inv)
	return true, nil
}

// page is a history page: lines with Seq > q.After (Seq is the position),
// and the cursor: the last line's Seq, or q.After when the page is empty.
func page[T any](lines []T, q checkout.PageQuery) (out []T, next int64, more bool) {
	from := int(min(max(q.After, 0), int64(len(lines))))
	to := min(from+q.PageLimit(), len(lines))
	next = q.After
	if to > from {
		next = int64(to)
	}
	return slices.Clone(lines[from:to]), next, to < len(lines)
}

func (m *model) enqueue(n checkout.Notification, t time.Time) (bool, error) {
	if n.ID == "" {
		return false, checkout.ErrInvalidRequest
	}
	if m.note(n.ID) != nil {
		return false, nil
	}
	n.Order.Items = cloneLineItems(n.Order.Items)
	m.outbox = append(m.outbox, modelNote{item: checkout.OutboxItem{Notification: n, EnqueuedAt: t}})
	return true, nil
}

func (m *model) note(id string) *modelNote {
	for i := range m.outbox {
		if m.outbox[i].item.Notification.ID == id {
			return &m.outbox[i]
		}
	}
	return nil
}

func (m *model) pending(limit int) []checkout.OutboxItem {
	limit = checkout.PageQuery{Limit: limit}.PageLimit()
	var out []checkout.OutboxItem
	for _, n := range m.outbox {
		if n.sentAt.IsZero() && len(out) < limit {
			out = append(out, n.item)
		}
	}
	return out
}

func (m *model) markSent(id string, t time.Time) error {
	n := m.note(id)
	if n == nil {
		return checkout.ErrNotFound
	}
	if n.sentAt.IsZero() {
		n.sentAt = t // a zero t changes nothing
	}
	return nil
}

func (m *model) pruneSent(before time.Time) int {
	kept := m.outbox[:0]
	for _, n := range m.outbox {
		if !n.sentAt.IsZero() && n.sentAt.Before(before) {
			continue
		}
		kept = append(kept, n)
	}
	pruned := len(m.outbox) - len(kept)
	m.outbox = kept
	return pruned
}

func cloneLineItems(items []checkout.LineItem) []checkout.LineItem {
	return checkout.Order{Items: items}.Clone().Items
}

// runner applies one sequence of steps to a store and the model.
type runner struct {
	t    *testing.T
	ctx  context.Context
	s    checkout.Store
	m    *model
	rnd  *rand.Rand
	seed uint64
	log  []string
	step int
	// ids are the order IDs of the sequence: a few (modelOrderIDs), or in
	// a wide sequence many more, with bursts of writes, so that the
	// store's chunks and tables fill past their first sizes.
	ids  []string
	wide bool
	long bool // a wide sequence that sends a long outbox (see longOutbox)
}

// fail reports a difference with the seed and the steps before it.
func (r *runner) fail(format string, args ...any) {
	r.t.Helper()
	from := max(0, len(r.log)-40)
	r.t.Fatalf("seed %d (replay with THANHTOAN_STOREMODEL_SEED=%d), step %d: %s\nthe steps (the last %d of %d):\n  %s",
		r.seed, r.seed, r.step, fmt.Sprintf(format, args...), len(r.log)-from, len(r.log), strings.Join(r.log[from:], "\n  "))
}

func (r *runner) logf(format string, args ...any) {
	r.log = append(r.log, fmt.Sprintf("%d: ", r.step)+fmt.Sprintf(format, args...))
}

// checkErr compares an error with the model's (a sentinel or nil) and
// reports whether both are nil, so that values are to be compared.
func (r *runner) checkErr(op string, got, want error) bool {
	r.t.Helper()
	switch {
	case want == nil && got != nil:
		r.fail("%s: error %v, want none", op, got)
	case want != nil && !errors.Is(got, want):
		r.fail("%s: error %v, want %v", op, got, want)
	}
	return want == nil
}

// same compares values in their canonical forms (see canon). Of lists it
// shows the IDs and the first element that differs.
func (r *runner) same(op string, got, want any) {
	r.t.Helper()
	g, w := canon(r.t, got), canon(r.t, want)
	if g == w {
		return
	}
	var gs, ws []json.RawMessage
	if json.Unmarshal([]byte(g), &gs) != nil || json.Unmarshal([]byte(w), &ws) != nil {
		r.fail("%s:\n got %s\nwant %s", op, g, w)
	}
	i := 0
	for i < min(len(gs), len(ws)) && string(gs[i]) == string(ws[i]) {
		i++
	}
	first := func(l []json.RawMessage) string {
		if i < len(l) {
			return string(l[i])
		}
		return "(none)"
	}
	r.fail("%s: lists differ\n got IDs %v\nwant IDs %v\nfirst difference at [%d]:\n got %s\nwant %s",
		op, ids(gs), ids(ws), i, first(gs), first(ws))
}

// ids are the IDs of a JSON list of orders, notifications or lines.
func ids(l []json.RawMessage) []string {
	out := []string{}
	for _, e := range l {
		var v struct {
			ID           string
			Notification struct{ ID string }
		}
		_ = json.Unmarshal(e, &v)
		out = append(out, v.ID+v.Notification.ID)
	}
	return out
}

// canon renders v as JSON after norm: decimals as their values, times as
// UTC instants, empty slices as nil.
func canon(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(norm(v))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func norm(v any) any {
	switch v := v.(type) {
	case checkout.Order:
		return normOrder(v)
	case []checkout.Order:
		out := make([]checkout.Order, len(v))
		for i, o := range v {
			out[i] = normOrder(o)
		}
		return out
	case checkout.PaymentPage:
		for i := range v.Payments {
			v.Payments[i].Time = v.Payments[i].Time.UTC()
		}
		if len(v.Payments) == 0 {
			v.Payments = nil
		}
		return v
	case checkout.InvoicePage:
		out := v
		out.Invoices = nil
		for _, inv := range v.Invoices {
			inv.Items, inv.Time = normItems(inv.Items), inv.Time.UTC()
			out.Invoices = append(out.Invoices, inv)
		}
		return out
	case []checkout.OutboxItem:
		var out []checkout.OutboxItem
		for _, it := range v {
			it.Notification.Order.Items = normItems(it.Notification.Order.Items)
			it.Notification.ExpiresAt, it.EnqueuedAt, it.SentAt = it.Notification.ExpiresAt.UTC(), it.EnqueuedAt.UTC(), it.SentAt.UTC()
			out = append(out, it)
		}
		return out
	case checkout.ShareLink:
		v.CreatedAt, v.ExpiresAt, v.UsedAt = v.CreatedAt.UTC(), v.ExpiresAt.UTC(), v.UsedAt.UTC()
		return v
	}
	return v
}

func normOrder(o checkout.Order) checkout.Order {
	o.Items = normItems(o.Items)
	var as []checkout.Attempt
	for _, a := range o.Attempts {
		a.StartedAt, a.ExpiredAt, a.RecheckAt, a.QueryAt = a.StartedAt.UTC(), a.ExpiredAt.UTC(), a.RecheckAt.UTC(), a.QueryAt.UTC()
		as = append(as, a)
	}
	o.Attempts = as
	o.ExpiresAt, o.ShareExpiresAt = o.ExpiresAt.UTC(), o.ShareExpiresAt.UTC()
	o.CreatedAt, o.UpdatedAt, o.PaidAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC(), o.PaidAt.UTC()
	return o
}

func normItems(items []checkout.LineItem) []checkout.LineItem {
	var out []checkout.LineItem
	for _, it := range items {
		it.Config = slices.Clone(it.Config)
		if len(it.Config) == 0 {
			it.Config = nil
		}
		out = append(out, it)
	}
	return out
}

// scribble changes what a call returned or was given, after it: the store
// must not share memory with its callers (the next reads would show it).
func scribble(items []checkout.LineItem, attempts []checkout.Attempt) {
	if len(items) > 0 {
		items[0].Description += "!scribbled"
		if len(items[0].Config) > 0 {
			items[0].Config[0].Value += "!scribbled"
		}
	}
	if len(attempts) > 0 {
		attempts[0].Reference += "!scribbled"
	}
}

// The values the generators pick from: few, so that IDs collide and
// boundaries are met.
var (
	modelOrderIDs = []string{"a", "b", "B", "_", "0", "ab", "a0", "Z9", "é", "a/b"}
	modelCustomer = []string{"c1", "c2", "C"}
	modelStates   = []checkout.State{checkout.StateCreated, checkout.StateShared, checkout.StateAwaitingPayment, checkout.StatePaid,
		checkout.StateCompleted, checkout.StateCancelled, checkout.StateReview, "weird"}
	modelMethods  = []checkout.Method{"", checkout.MethodCredit, checkout.MethodTopUpAndPay, checkout.MethodGateway, checkout.MethodOnBehalf, "cash"}
	modelOutcomes = []checkout.Outcome{checkout.OutcomeUnknown, checkout.OutcomePending, checkout.OutcomeSucceeded, checkout.OutcomeFailed}
	modelAmounts  = []string{"150000", "150000.00", "1.5E5", "0", "0.00", "12.340", "0.01", "-0.50",
		"123456789012345678901234567890.000000001"}
	modelOffsets = []time.Duration{0, time.Nanosecond, -time.Nanosecond, time.Microsecond, 30 * time.Minute, time.Hour - time.Nanosecond,
		time.Hour, time.Hour + time.Nanosecond, 2 * time.Hour, 25 * time.Hour, 72 * time.Hour, -time.Hour, 7 * 24 * time.Hour}
)

func pick[T any](r *runner, xs []T) T { return xs[r.rnd.IntN(len(xs))] }

func (r *runner) chance(n int) bool { return r.rnd.IntN(n) == 0 }

// someTime is a time near t0, to the nanosecond, in one of three zones;
// sometimes the zero time (also in another zone).
func (r *runner) someTime() time.Time {
	switch r.rnd.IntN(12) {
	case 0:
		return time.Time{}
	case 1:
		return time.Time{}.In(time.FixedZone("ICT", 7*3600))
	}
	zones := []*time.Location{time.UTC, time.FixedZone("ICT", 7*3600), time.FixedZone("X", -(5*3600 + 1800))}
	return t0.Add(pick(r, modelOffsets)).In(pick(r, zones))
}

// maybeTime is someTime or, twice as often, the zero time.
func (r *runner) maybeTime() time.Time {
	if r.rnd.IntN(3) > 0 {
		return time.Time{}
	}
	return r.someTime()
}

func (r *runner) amount() decimal.Decimal { return decimal.RequireFromString(pick(r, modelAmounts)) }

func (r *runner) items() []checkout.LineItem {
	switch r.rnd.IntN(5) {
	case 0:
		return nil
	case 1:
		return []checkout.LineItem{}
	}
	items := make([]checkout.LineItem, 1+r.rnd.IntN(2))
	for i := range items {
		items[i] = checkout.LineItem{Description: pick(r, []string{"Cloud server", "Máy chủ", ""}), Quantity: r.rnd.IntN(3),
			Amount: r.amount()}
		switch n := r.rnd.IntN(4); n {
		case 0:
		case 1:
			items[i].Config = []checkout.Attribute{}
		default:
			for j := range n - 1 {
				items[i].Config = append(items[i].Config, checkout.Attribute{Name: fmt.Sprint("k", j), Value: pick(r, []string{"2", "4 GB", ""})})
			}
		}
	}
	return items
}

// order is a random order: the fields SweepAt reads vary most.
func (r *runner) order(id string) checkout.Order {
	o := checkout.Order{ID: id, Customer: pick(r, modelCustomer), Items: r.items(), Amount: r.amount(),
		Currency: pick(r, []string{"VND", "USD", "", "EUR"}), Language: pick(r, []checkout.Language{checkout.Vietnamese, checkout.English, "", "fr"}),
		Method: pick(r, modelMethods), State: pick(r, modelStates), CreditTries: r.rnd.IntN(3), CreditChecked: r.rnd.IntN(3),
		ExpiresAt: r.someTime(), ShareExpiresAt: r.someTime(), CreatedAt: r.someTime(), UpdatedAt: r.someTime(), PaidAt: r.maybeTime(),
		Provision: pick(r, []checkout.ProvisionStatus{checkout.ProvisionPending, checkout.ProvisionDone, checkout.ProvisionFailed, "odd"})}
	if r.chance(3) {
		o.Email, o.Gateway, o.Payer, o.Reason, o.GatewayRefund = "a@example.com", "vtcpay", "p@example.com", "why", "started"
	}
	if r.chance(3) {
		o.CreditHeld, o.GatewayAmount, o.Flagged = r.amount(), r.amount(), r.chance(2)
	}
	if !r.chance(3) {
		o.Attempts = r.attempts(id)
	}
	if len(o.Attempts) > 0 && r.chance(2) {
		o.PaidReference = pick(r, o.Attempts).Reference
	}
	return o
}

func (r *runner) attempts(id string) []checkout.Attempt {
	n := r.rnd.IntN(4)
	if n == 0 {
		return []checkout.Attempt{}
	}
	as := make([]checkout.Attempt, n)
	for i := range as {
		as[i] = checkout.Attempt{Reference: fmt.Sprintf("%s-%d", id, i+1), Gateway: "vtcpay", Amount: r.amount(),
			Outcome: pick(r, modelOutcomes), Settled: r.chance(2), Review: r.chance(5), StartedAt: r.someTime(),
			QueryAt: r.someTime(), RecheckAt: r.maybeTime(), ExpiredAt: r.maybeTime()}
		if r.chance(3) {
			as[i].Payer, as[i].URL, as[i].OTP, as[i].GatewayTxnID, as[i].Refund, as[i].Share = "p@example.com", "https://pay.example/?a=1&b=2", true, "txn", "done", "ab"
		}
	}
	return as
}

// changed is o after a change of the kind a checkout makes (its state,
// payments, deadlines), or of what its invoice is built from, or none.
func (r *runner) changed(o checkout.Order) checkout.Order {
	o = o.Clone()
	switch r.rnd.IntN(9) {
	case 0: // nothing
	case 8: // its deadlines move a little, within their hour or out of it
		d := pick(r, []time.Duration{time.Nanosecond, -time.Nanosecond, time.Microsecond, 10 * time.Minute, -10 * time.Minute, time.Hour})
		shift := func(t *time.Time) {
			if !t.IsZero() {
				*t = t.Add(d)
			}
		}
		shift(&o.ExpiresAt)
		shift(&o.ShareExpiresAt)
		for i := range o.Attempts {
			shift(&o.Attempts[i].QueryAt)
			shift(&o.Attempts[i].RecheckAt)
		}
	case 1:
		o.State = pick(r, modelStates)
	case 2:
		o.Method, o.CreditTries, o.CreditChecked = pick(r, modelMethods), r.rnd.IntN(3), r.rnd.IntN(3)
	case 3:
		o.ExpiresAt, o.ShareExpiresAt = r.maybeTime(), r.maybeTime()
	case 4:
		if len(o.Attempts) > 0 {
			a := &o.Attempts[r.rnd.IntN(len(o.Attempts))]
			a.Outcome, a.Settled, a.QueryAt, a.RecheckAt = pick(r, modelOutcomes), r.chance(2), r.maybeTime(), r.maybeTime()
		} else {
			o.Attempts = r.attempts(o.ID)
		}
	case 5:
		o.Customer = pick(r, modelCustomer)
	case 6:
		if r.chance(2) {
			o.Amount = r.amount()
		} else {
			o.Items = r.items()
		}
	case 7:
		return r.order(o.ID)
	}
	if r.chance(3) {
		o.UpdatedAt = r.someTime()
	}
	return o
}

// sameValue is d with another exponent (the same value), or d.
func (r *runner) sameValue(d decimal.Decimal) decimal.Decimal {
	if r.chance(2) {
		return d
	}
	s := d.String()
	if !strings.Contains(s, ".") {
		s += "."
	}
	return decimal.RequireFromString(s + "0")
}

func (r *runner) limit() int { return pick(r, []int{-1, 0, 1, 2, 3, 5, 501}) }

func (r *runner) orderID() string {
	if r.chance(40) {
		return ""
	}
	return pick(r, r.ids)
}

func (r *runner) noteID() string {
	switch r.rnd.IntN(8) {
	case 0:
		return pick(r, []string{"n1", "/lead", "a", "", "Z9/", "ab/email/completed/2"})
	case 1:
		return pick(r, r.ids) + "/other"
	}
	return pick(r, r.ids) + pick(r, []string{"/email/completed", "/email/refunded"})
}

func (r *runner) shareHash() [32]byte {
	return sha256.Sum256([]byte(pick(r, []string{"t1", "t2", "t3"})))
}

func (r *runner) run(steps int) {
	r.ids = modelOrderIDs
	if r.wide {
		r.ids = slices.Clone(modelOrderIDs)
		for i := range 400 {
			r.ids = append(r.ids, fmt.Sprintf("w%03d", i))
		}
	}
	r.logf("%d order IDs", len(r.ids))
	for r.step = 1; r.step <= steps; r.step++ {
		if r.wide && r.chance(10) {
			r.burst()
			continue
		}
		if r.long && r.step == steps/2 {
			r.longOutbox()
			continue
		}
		switch n := r.rnd.IntN(100); {
		case n < 12:
			r.createOrder()
		case n < 18:
			r.getOrder()
		case n < 36:
			r.updateOrder()
		case n < 46:
			r.listOrders()
		case n < 50:
			r.listAllOrders()
		case n < 55:
			r.addPayment()
		case n < 58:
			r.payments()
		case n < 65:
			r.addInvoice()
		case n < 69:
			r.invoices()
		case n < 72:
			r.callback()
		case n < 76:
			r.share()
		case n < 84:
			r.enqueue()
		case n < 88:
			r.pending()
		case n < 94:
			r.markSent()
		case n < 97:
			r.pruneSent()
		default:
			r.checkAll(false)
		}
	}
	r.step = steps + 1
	r.checkAll(true)
}

// burst repeats one kind of write many times, or marks the oldest
// pending notifications sent (as the outbox's sender does).
func (r *runner) burst() {
	n := 20 + r.rnd.IntN(60)
	r.logf("burst of %d:", n)
	op := pick(r, []func(){r.createOrder, r.updateOrder, r.addPayment, r.addInvoice, r.enqueue, r.markSentOldest, r.markSent})
	for range n {
		op()
	}
}

// longOutbox enqueues more than a thousand notifications and sends all
// but the last few, in order: the queue's sent prefix grows past what the
// memory store keeps before it drops it. Then one customer's histories
// grow past their first chunks.
func (r *runner) longOutbox() {
	r.logf("long outbox:")
	base := r.step * 10000
	for i := range 1100 {
		n := checkout.Notification{ID: fmt.Sprintf("long%d/%d", base, i), Kind: checkout.NotifyOrderCompleted, To: "a@example.com"}
		at := r.someTime()
		want, werr := r.m.enqueue(n, at)
		got, err := r.s.Enqueue(r.ctx, n, at)
		if r.checkErr("Enqueue "+n.ID, err, werr) && got != want {
			r.fail("Enqueue %s: inserted %v, want %v", n.ID, got, want)
		}
	}
	for i := range 1050 {
		for _, it := range r.m.pending(1) {
			id, at := it.Notification.ID, t0.Add(time.Duration(i)*time.Second)
			r.checkErr("MarkSent "+id, r.s.MarkSent(r.ctx, id, at), r.m.markSent(id, at))
		}
	}
	r.pending()
	r.logf("long histories:")
	for i := range 130 {
		p := checkout.Payment{ID: fmt.Sprintf("long%d/%d/payment", base, i), Customer: "c1", Amount: r.amount(), Currency: "VND", Time: t0}
		want, werr := r.m.addPayment(p)
		got, err := r.s.AddPayment(r.ctx, p)
		if r.checkErr("AddPayment "+p.ID, err, werr) && got != want {
			r.fail("AddPayment %s: inserted %v, want %v", p.ID, got, want)
		}
		inv := checkout.Invoice{ID: fmt.Sprintf("long%d/%d/invoice", base, i), Customer: "c1", Items: r.items(), Amount: r.amount(), Currency: "VND", Time: t0}
		want, werr = r.m.addInvoice(inv)
		got, err = r.s.AddInvoice(r.ctx, inv)
		if r.checkErr("AddInvoice "+inv.ID, err, werr) && got != want {
			r.fail("AddInvoice %s: inserted %v, want %v", inv.ID, got, want)
		}
	}
	r.payments()
	r.invoices()
}

func (r *runner) markSentOldest() {
	for _, it := range r.m.pending(1) {
		at := r.someTime()
		r.logf("MarkSent(%s at %v)", it.Notification.ID, at)
		r.checkErr("MarkSent "+it.Notification.ID, r.s.MarkSent(r.ctx, it.Notification.ID, at), r.m.markSent(it.Notification.ID, at))
	}
}

func (r *runner) createOrder() {
	o := r.order(r.orderID())
	o.Version = int64(r.rnd.IntN(3)) // the store sets 1
	r.logf("CreateOrder(%s: %s %s, %d attempts)", o.ID, o.State, o.Method, len(o.Attempts))
	want, werr := r.m.createOrder(o)
	got, err := r.s.CreateOrder(r.ctx, o)
	scribble(o.Items, o.Attempts)
	if r.checkErr("CreateOrder", err, werr) {
		r.same("CreateOrder "+o.ID, got, want)
		scribble(got.Items, got.Attempts)
	}
}

func (r *runner) getOrder() {
	id := r.orderID()
	r.logf("GetOrder(%s)", id)
	want, werr := r.m.getOrder(id)
	got, err := r.s.GetOrder(r.ctx, id)
	if r.checkErr("GetOrder "+id, err, werr) {
		r.same("GetOrder "+id, got, want)
		scribble(got.Items, got.Attempts)
	}
}

func (r *runner) updateOrder() {
	id := r.orderID()
	cur, ok := r.m.orders[id]
	var o checkout.Order
	if ok {
		o = r.changed(cur)
		o.Version = cur.Version
		if r.chance(5) {
			o.Version += pick(r, []int64{-1, 1, -cur.Version})
		}
	} else {
		o = r.order(id)
		o.Version = int64(r.rnd.IntN(3))
	}
	at, due := o.SweepAt()
	r.logf("UpdateOrder(%s v%d: %s %s, %d attempts; SweepAt %v %v)", o.ID, o.Version, o.State, o.Method, len(o.Attempts), due, at.UTC())
	want, werr := r.m.updateOrder(o)
	got, err := r.s.UpdateOrder(r.ctx, o)
	scribble(o.Items, o.Attempts)
	if r.checkErr("UpdateOrder "+id, err, werr) {
		r.same("UpdateOrder "+id, got, want)
		scribble(got.Items, got.Attempts)
	}
}

func (r *runner) query() checkout.OrderQuery {
	q := checkout.OrderQuery{Limit: r.limit()}
	switch r.rnd.IntN(12) {
	case 0, 1, 2:
		q.Due = r.someTime()
	case 3: // before every deadline, the zero time's among them
		q.Due = pick(r, []time.Time{time.Date(0, 12, 31, 23, 0, 0, 0, time.UTC), time.Date(1969, 12, 31, 23, 30, 0, 0, time.UTC)})
	}
	if r.chance(3) {
		q.State = pick(r, modelStates)
	}
	if r.chance(2) {
		q.After = pick(r, append([]string{"a", "A", "~"}, modelOrderIDs...))
	}
	return q
}

func (r *runner) listOrders() {
	q := r.query()
	r.logf("ListOrders(%+v)", q)
	want := r.m.listOrders(q)
	got, err := r.s.ListOrders(r.ctx, q)
	if r.checkErr("ListOrders", err, nil) {
		r.same(fmt.Sprintf("ListOrders(%+v)", q), got, want)
	}
	for _, o := range got {
		scribble(o.Items, o.Attempts)
	}
}

// listAllOrders pages through a query as Sweep does: every page must be
// the model's, and together they are every order selected.
func (r *runner) listAllOrders() {
	q := r.query()
	q.After, q.Limit = "", 1+r.rnd.IntN(3)
	r.logf("ListOrders pages (%+v)", q)
	var all []checkout.Order
	if r.wide {
		q.Limit = pick(r, []int{3, 64, 65, 200})
	}
	for range len(r.ids) + 2 {
		want := r.m.listOrders(q)
		got, err := r.s.ListOrders(r.ctx, q)
		if r.checkErr("ListOrders", err, nil) {
			r.same(fmt.Sprintf("ListOrders page (%+v)", q), got, want)
		}
		all = append(all, got...)
		if len(got) < q.Limit {
			break
		}
		q.After = got[len(got)-1].ID
	}
	q.After, q.Limit = "", checkout.MaxPageSize
	r.same("ListOrders paged through", all, r.m.listOrders(q))
}

func (r *runner) customer() string {
	switch {
	case r.chance(30):
		return ""
	case r.wide && r.rnd.IntN(3) > 0:
		return "c1" // a long history, past its first chunk
	}
	return pick(r, modelCustomer)
}

func (r *runner) pageQuery(n int) checkout.PageQuery {
	return checkout.PageQuery{After: pick(r, []int64{-1, 0, 0, 1, 2, int64(n) - 1, int64(n), int64(n) + 1, 1000}), Limit: r.limit()}
}

func (r *runner) addPayment() {
	ids := []string{"a-1/payment", "a-1/refund", "b-2/payment", "p4", "p5", ""}
	if r.wide && r.chance(2) {
		ids = []string{fmt.Sprintf("w%03d-1/payment", r.rnd.IntN(400))}
	}
	p := checkout.Payment{ID: pick(r, ids), OrderID: r.orderID(),
		Customer: r.customer(), Gateway: "vtcpay", Amount: r.amount(), Currency: "VND", Reference: "ref", Outcome: checkout.PaymentPaid,
		Time: r.someTime(), Seq: int64(r.rnd.IntN(3))}
	if r.chance(2) {
		p.Payer, p.GatewayTxnID, p.Outcome = "p@example.com", "txn", checkout.PaymentCredited
	}
	r.logf("AddPayment(%s of %q)", p.ID, p.Customer)
	want, werr := r.m.addPayment(p)
	got, err := r.s.AddPayment(r.ctx, p)
	if r.checkErr("AddPayment "+p.ID, err, werr) && got != want {
		r.fail("AddPayment %s: inserted %v, want %v", p.ID, got, want)
	}
}

func (r *runner) payments() {
	c := pick(r, append([]string{"nobody"}, modelCustomer...))
	q := r.pageQuery(len(r.m.payments[c]))
	r.logf("Payments(%s, %+v)", c, q)
	var want checkout.PaymentPage
	want.Payments, want.Next, want.More = page(r.m.payments[c], q)
	got, err := r.s.Payments(r.ctx, c, q)
	if r.checkErr("Payments", err, nil) {
		r.same(fmt.Sprintf("Payments(%s, %+v)", c, q), got, want)
	}
}

func (r *runner) addInvoice() {
	order := pick(r, r.ids)
	inv := checkout.Invoice{ID: order + "/invoice", OrderID: order, Customer: r.customer(), Items: r.items(), Amount: r.amount(),
		Currency: pick(r, []string{"VND", "USD"}), Method: pick(r, modelMethods), Time: r.someTime(), Seq: int64(r.rnd.IntN(3))}
	switch r.rnd.IntN(8) {
	case 0:
		inv.ID = pick(r, []string{"inv1", "", "zz/invoice"})
	case 1:
		inv.OrderID = pick(r, r.ids)
	}
	if o, ok := r.m.orders[order]; ok && r.rnd.IntN(3) > 0 {
		// The order's own invoice, as checkout adds it; sometimes with an
		// amount of another exponent, or another customer.
		inv.Customer, inv.Items, inv.Amount, inv.Currency, inv.Method = o.Customer, cloneLineItems(o.Items), r.sameValue(o.Amount), o.Currency, o.Method
		if r.chance(6) {
			inv.Customer = pick(r, modelCustomer)
		}
	}
	r.logf("AddInvoice(%s for %s of %q)", inv.ID, inv.OrderID, inv.Customer)
	want, werr := r.m.addInvoice(inv)
	got, err := r.s.AddInvoice(r.ctx, inv)
	scribble(inv.Items, nil)
	if r.checkErr("AddInvoice "+inv.ID, err, werr) && got != want {
		r.fail("AddInvoice %s: inserted %v, want %v", inv.ID, got, want)
	}
}

func (r *runner) invoices() {
	c := pick(r, append([]string{"nobody"}, modelCustomer...))
	q := r.pageQuery(len(r.m.invoices[c]))
	r.logf("Invoices(%s, %+v)", c, q)
	var want checkout.InvoicePage
	want.Invoices, want.Next, want.More = page(r.m.invoices[c], q)
	got, err := r.s.Invoices(r.ctx, c, q)
	if r.checkErr("Invoices", err, nil) {
		r.same(fmt.Sprintf("Invoices(%s, %+v)", c, q), got, want)
		for _, inv := range got.Invoices {
			scribble(inv.Items, nil)
		}
	}
}

func (r *runner) callback() {
	id := pick(r, []string{"vtcpay/a-1/succeeded/9", "vtcpay/a-1/failed/9", "cb", ""})
	if r.chance(2) {
		r.logf("CallbackSeen(%s)", id)
		got, err := r.s.CallbackSeen(r.ctx, id)
		if r.checkErr("CallbackSeen", err, nil) && got != r.m.callbacks[id] {
			r.fail("CallbackSeen(%s) = %v, want %v", id, got, r.m.callbacks[id])
		}
		return
	}
	c := checkout.CallbackRecord{ID: id, OrderID: "a", Gateway: "vtcpay", Reference: "a-1", Outcome: checkout.OutcomeSucceeded, Time: r.someTime()}
	r.logf("RecordCallback(%s)", id)
	var want bool
	var werr error
	if id == "" {
		werr = checkout.ErrInvalidRequest
	} else {
		want = !r.m.callbacks[id]
		r.m.callbacks[id] = true
	}
	got, err := r.s.RecordCallback(r.ctx, c)
	if r.checkErr("RecordCallback "+id, err, werr) && got != want {
		r.fail("RecordCallback %s: first %v, want %v", id, got, want)
	}
}

func (r *runner) share() {
	h := r.shareHash()
	switch r.rnd.IntN(3) {
	case 0:
		l := checkout.ShareLink{Hash: h, OrderID: pick(r, modelOrderIDs), Payer: "p@example.com", CreatedAt: r.someTime(), ExpiresAt: r.someTime()}
		if r.chance(5) {
			l.UsedAt = r.someTime()
		}
		r.logf("CreateShare(%x, used %v)", h[:2], l.UsedAt)
		var werr error
		if _, ok := r.m.shares[h]; ok {
			werr = checkout.ErrDuplicate
		} else {
			r.m.shares[h] = l
		}
		r.checkErr("CreateShare", r.s.CreateShare(r.ctx, l), werr)
	case 1:
		r.logf("GetShare(%x)", h[:2])
		want, ok := r.m.shares[h]
		var werr error
		if !ok {
			werr = checkout.ErrNotFound
		}
		got, err := r.s.GetShare(r.ctx, h)
		if r.checkErr("GetShare", err, werr) {
			r.same("GetShare", got, want)
		}
	case 2:
		at := r.someTime()
		r.logf("UseShare(%x, %v)", h[:2], at)
		l, ok := r.m.shares[h]
		var werr error
		switch {
		case at.IsZero():
			werr = checkout.ErrInvalidRequest // a link cannot be used at no time
		case !ok:
			werr = checkout.ErrNotFound
		case !l.UsedAt.IsZero():
			werr = checkout.ErrShareUsed
		default:
			l.UsedAt = at
			r.m.shares[h] = l
		}
		r.checkErr("UseShare", r.s.UseShare(r.ctx, h, at), werr)
	}
}

func (r *runner) enqueue() {
	id := r.noteID()
	n := checkout.Notification{ID: id, Kind: pick(r, []checkout.NotificationKind{checkout.NotifyOrderCompleted, checkout.NotifyRefunded, checkout.NotifyShareLink}),
		To: pick(r, []string{"a@example.com", "b@example.com"}), Language: checkout.Vietnamese}
	if o, ok := r.m.orders[strings.Split(id, "/")[0]]; ok && r.chance(2) {
		n.Order = o.Summary()
	} else {
		n.Order = checkout.OrderSummary{ID: "x", Items: r.items(), Amount: r.amount(), Currency: "VND"}
	}
	if r.chance(3) {
		n.ShareURL, n.ExpiresAt, n.RequesterEmail, n.RefundAmount, n.Reason = "https://shop.example/s/t", r.someTime(), "r@example.com", r.amount(), "why"
	}
	at := r.someTime()
	r.logf("Enqueue(%s at %v)", id, at)
	want, werr := r.m.enqueue(n, at)
	got, err := r.s.Enqueue(r.ctx, n, at)
	scribble(n.Order.Items, nil)
	if r.checkErr("Enqueue "+id, err, werr) && got != want {
		r.fail("Enqueue %s: inserted %v, want %v", id, got, want)
	}
}

func (r *runner) pending() {
	limit := r.limit()
	r.logf("PendingNotifications(%d)", limit)
	got, err := r.s.PendingNotifications(r.ctx, limit)
	if r.checkErr("PendingNotifications", err, nil) {
		r.same(fmt.Sprintf("PendingNotifications(%d)", limit), got, r.m.pending(limit))
		for _, it := range got {
			scribble(it.Notification.Order.Items, nil)
		}
	}
}

func (r *runner) markSent() {
	id := r.noteID()
	at := r.someTime()
	r.logf("MarkSent(%s at %v)", id, at)
	r.checkErr("MarkSent "+id, r.s.MarkSent(r.ctx, id, at), r.m.markSent(id, at))
}

// pruneSent prunes before a whole microsecond: pgstore keeps sent times
// to the microsecond (a timestamptz column), so an item sent within the
// microsecond before a bound of nanoseconds stays until the next prune,
// which the contract does not forbid and Sweep does not mind.
func (r *runner) pruneSent() {
	before := r.someTime().Truncate(time.Microsecond)
	r.logf("PruneSent(%v)", before)
	want := r.m.pruneSent(before)
	got, err := r.s.PruneSent(r.ctx, before)
	if r.checkErr("PruneSent", err, nil) && got != want {
		r.fail("PruneSent(%v) = %d, want %d", before, got, want)
	}
}

// checkAll compares everything the store holds that can be read: of a
// wide sequence's orders, a sample unless full.
func (r *runner) checkAll(full bool) {
	r.logf("check all")
	for _, id := range r.ids {
		if _, ok := r.m.orders[id]; r.wide && id[0] == 'w' && (!ok || !full && !r.chance(20)) {
			continue // the IDs the narrow sequences use are enough of those not stored
		}
		want, werr := r.m.getOrder(id)
		got, err := r.s.GetOrder(r.ctx, id)
		if r.checkErr("GetOrder "+id, err, werr) {
			r.same("GetOrder "+id, got, want)
		}
	}
	// Every order due at each of the times the sequence uses, and any time.
	// (r.ids fit in one page.)
	dues := []time.Time{{}}
	for _, off := range modelOffsets {
		dues = append(dues, t0.Add(off))
	}
	for _, due := range dues {
		q := checkout.OrderQuery{Due: due, Limit: checkout.MaxPageSize}
		got, err := r.s.ListOrders(r.ctx, q)
		if r.checkErr("ListOrders", err, nil) {
			r.same(fmt.Sprintf("ListOrders (due %v)", q.Due), got, r.m.listOrders(q))
		}
	}
	for _, c := range modelCustomer {
		all := checkout.PageQuery{Limit: checkout.MaxPageSize}
		var wp checkout.PaymentPage
		wp.Payments, wp.Next, wp.More = page(r.m.payments[c], all)
		gp, err := r.s.Payments(r.ctx, c, all)
		if r.checkErr("Payments", err, nil) {
			r.same("Payments of "+c, gp, wp)
		}
		var wi checkout.InvoicePage
		wi.Invoices, wi.Next, wi.More = page(r.m.invoices[c], all)
		gi, err := r.s.Invoices(r.ctx, c, all)
		if r.checkErr("Invoices", err, nil) {
			r.same("Invoices of "+c, gi, wi)
		}
	}
	pend, err := r.s.PendingNotifications(r.ctx, checkout.MaxPageSize)
	if r.checkErr("PendingNotifications", err, nil) {
		r.same("PendingNotifications (all)", pend, r.m.pending(checkout.MaxPageSize))
	}
}
