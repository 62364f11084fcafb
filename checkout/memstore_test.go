package checkout_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/checkout/checkouttest"
	"github.com/thanhtoan/thanhtoan/wallet"
)

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	checkouttest.TestStore(t, func(t *testing.T) checkout.Store { return checkout.NewMemoryStore() })
}

// TestMemoryStoreModel compares the memory store, step by step, with the
// reference model of the Store contract (see checkouttest.TestStoreModel).
func TestMemoryStoreModel(t *testing.T) {
	t.Parallel()
	checkouttest.TestStoreModel(t, func(t *testing.T) checkout.Store { return checkout.NewMemoryStore() })
}

// UpdateOrder overwrites the stored order in place and keeps its line
// items when the caller's are the same: neither the caller's input nor
// the returned order may share memory with what is stored.
func TestMemoryStoreUpdateCopies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := checkout.NewMemoryStore()
	o, err := s.CreateOrder(ctx, checkout.Order{ID: "u1", Customer: "c", State: checkout.StateCreated, Items: []checkout.LineItem{
		{Description: "VM", Quantity: 1, Amount: decimal.NewFromInt(1000), Config: []checkout.Attribute{{Name: "vCPU", Value: "2"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	o.State = checkout.StateAwaitingPayment
	o.Attempts = []checkout.Attempt{{Reference: "u1-1"}}
	r, err := s.UpdateOrder(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	// The caller changes what it passed, then what it got back.
	o.Items[0].Config[0].Value = "changed"
	o.Items[0].Description = "changed"
	o.Attempts[0].Reference = "changed"
	r.Items[0].Config[0].Value = "changed too"
	r.Attempts[0].Reference = "changed too"
	got, _ := s.GetOrder(ctx, "u1")
	if got.Items[0].Description != "VM" || got.Items[0].Config[0].Value != "2" || got.Attempts[0].Reference != "u1-1" {
		t.Fatalf("stored order shares memory with a caller's: %+v", got)
	}
	// Other items replace the stored ones (same description, other price).
	got.Items[0].Amount = decimal.RequireFromString("1000.0")
	got.Items[0].Config = append(got.Items[0].Config, checkout.Attribute{Name: "RAM", Value: "4 GB"})
	if _, err := s.UpdateOrder(ctx, got); err != nil {
		t.Fatal(err)
	}
	got2, _ := s.GetOrder(ctx, "u1")
	if got2.Items[0].Amount.Exponent() != -1 || len(got2.Items[0].Config) != 2 || got2.Version != 3 {
		t.Errorf("updated items not stored: %+v", got2)
	}
	// Listing follows the state.
	l, _ := s.ListOrders(ctx, checkout.OrderQuery{State: checkout.StateAwaitingPayment})
	if len(l) != 1 || l[0].ID != "u1" {
		t.Errorf("listed %+v", l)
	}
	if l, _ := s.ListOrders(ctx, checkout.OrderQuery{State: checkout.StateCreated}); len(l) != 0 {
		t.Errorf("still listed as created: %+v", l)
	}
}

// A long history is kept in chunks: pages that cross chunk boundaries hold
// every line once, in order.
func TestMemoryStoreLongHistory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := checkout.NewMemoryStore()
	const n = 1000
	for i := range n {
		if ok, err := s.AddInvoice(ctx, checkout.Invoice{ID: fmt.Sprintf("o%d/invoice", i), Customer: "c", Amount: decimal.NewFromInt(int64(i + 1))}); err != nil || !ok {
			t.Fatal(ok, err)
		}
	}
	var after int64
	seen := 0
	for {
		p, err := s.Invoices(ctx, "c", checkout.PageQuery{After: after, Limit: 77})
		if err != nil {
			t.Fatal(err)
		}
		for _, inv := range p.Invoices {
			seen++
			if inv.Seq != int64(seen) || inv.ID != fmt.Sprintf("o%d/invoice", seen-1) || !inv.Amount.Equal(decimal.NewFromInt(int64(seen))) {
				t.Fatalf("line %d = %+v", seen, inv)
			}
		}
		after = p.Next
		if !p.More {
			break
		}
	}
	if seen != n {
		t.Fatalf("paged through %d lines, want %d", seen, n)
	}
}

// mutatingNotifier changes the line items of what it is given.
type mutatingNotifier struct{}

func (mutatingNotifier) Send(_ context.Context, n checkout.Notification) error {
	for i := range n.Order.Items {
		n.Order.Items[i].Description = "changed by the notifier"
		for j := range n.Order.Items[i].Config {
			n.Order.Items[i].Config[j].Value = "changed by the notifier"
		}
	}
	return nil
}

// The Client shares line items with its default MemoryStore internally:
// whatever a caller, the Provisioner or the Notifier does to the orders
// they are given never changes the stored order, invoice or outbox.
func TestClientOrdersLeaveWithTheirOwnItems(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := checkout.NewMemoryStore()
	mutate := func(items []checkout.LineItem, who string) {
		for i := range items {
			items[i].Description = "changed by " + who
			for j := range items[i].Config {
				items[i].Config[j].Value = "changed by " + who
			}
		}
	}
	c, err := checkout.New(checkout.Config{Store: store, BaseURL: "https://shop.example/pay", Notifier: mutatingNotifier{},
		Provisioner: checkout.ProvisionerFunc(func(_ context.Context, r checkout.ProvisionRequest) error {
			mutate(r.Order.Items, "the provisioner")
			return nil
		})})
	if err != nil {
		t.Fatal(err)
	}
	if c.Store() != checkout.Store(store) {
		t.Fatal("Store() is not the configured store")
	}
	if _, err := c.Credit("").TopUp(ctx, wallet.TopUpRequest{ID: "seed", Customer: "c", Amount: decimal.NewFromInt(10000)}); err != nil {
		t.Fatal(err)
	}
	items := []checkout.LineItem{{Description: "VM", Quantity: 1, Amount: decimal.NewFromInt(1000), Config: []checkout.Attribute{{Name: "vCPU", Value: "2"}}}}
	o, err := c.CreateOrder(ctx, checkout.OrderRequest{ID: "m1", Customer: "c", Email: "c@example.com", Items: items})
	if err != nil {
		t.Fatal(err)
	}
	mutate(items, "the caller's request")
	mutate(o.Items, "the caller")
	next, err := c.Pay(ctx, o.ID, checkout.PayRequest{Method: checkout.MethodCredit})
	if err != nil || next.Order.State != checkout.StateCompleted {
		t.Fatal(next.Order.State, err)
	}
	mutate(next.Order.Items, "the caller after Pay")
	got, err := c.Order(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	mutate(got.Items, "the caller after Order")
	check := func(what string, items []checkout.LineItem) {
		t.Helper()
		if len(items) != 1 || items[0].Description != "VM" || len(items[0].Config) != 1 || items[0].Config[0].Value != "2" {
			t.Errorf("%s items changed: %+v", what, items)
		}
	}
	stored, _ := store.GetOrder(ctx, o.ID)
	check("stored order", stored.Items)
	inv, _ := c.BillingHistory(ctx, "c", checkout.PageQuery{})
	if len(inv.Invoices) != 1 {
		t.Fatalf("invoices %+v", inv)
	}
	check("invoice", inv.Invoices[0].Items)
	// A pending notification (the same items) is not changed by a send.
	if _, err := store.Enqueue(ctx, checkout.Notification{ID: "m1/extra", Kind: checkout.NotifyOrderCompleted, Order: stored.Summary()}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	again, _ := store.GetOrder(ctx, o.ID)
	check("stored order after sweep", again.Items)
}

// The memory outbox keeps pending items in a queue it compacts as items are
// sent: after thousands of sends, in and out of order, the pending ones are
// still there, oldest first, and each can be marked sent.
func TestMemoryStoreOutboxQueue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := checkout.NewMemoryStore()
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	id := func(i int) string { return fmt.Sprintf("n%d", i) }
	pending := map[int]bool{}
	enqueue := func(from, to int) {
		for i := from; i < to; i++ {
			if ok, err := s.Enqueue(ctx, checkout.Notification{ID: id(i), Kind: checkout.NotifyOrderCompleted}, t0); err != nil || !ok {
				t.Fatal(ok, err)
			}
			pending[i] = true
		}
	}
	send := func(i int) {
		if err := s.MarkSent(ctx, id(i), t0.Add(time.Minute)); err != nil {
			t.Fatalf("MarkSent(%s): %v", id(i), err)
		}
		delete(pending, i)
	}
	check := func(what string) {
		t.Helper()
		got, err := s.PendingNotifications(ctx, checkout.MaxPageSize)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for i := 0; len(want) < checkout.MaxPageSize && i < 10000; i++ {
			if pending[i] {
				want = append(want, id(i))
			}
		}
		var ids []string
		for _, it := range got {
			ids = append(ids, it.Notification.ID)
		}
		if fmt.Sprint(ids) != fmt.Sprint(want) {
			t.Fatalf("%s: pending %d items %v..., want %d %v...", what, len(ids), ids[:min(len(ids), 5)], len(want), want[:min(len(want), 5)])
		}
	}
	enqueue(0, 3000)
	for i := 0; i < 3000; i += 7 { // out of order first
		send(i)
	}
	check("after sending every 7th")
	for i := range 2500 {
		if pending[i] {
			send(i)
		}
	}
	check("after sending the first 2500")
	enqueue(3000, 3500)
	for i := 3000; i < 3500; i += 2 {
		send(i)
	}
	check("after more")
	for i := range 3500 {
		if pending[i] {
			send(i)
		}
	}
	check("all sent")
	if ok, _ := s.Enqueue(ctx, checkout.Notification{ID: id(42)}, t0); ok {
		t.Error("a sent ID was enqueued again before PruneSent")
	}
}

// The memory store indexes orders by the hour their Sweep is due: within
// an hour it compares exact times, and hours emptied by thousands of
// orders are dropped without losing the others.
func TestMemoryStoreDueIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := checkout.NewMemoryStore()
	t0 := time.Date(2026, 3, 1, 9, 10, 0, 0, time.UTC)
	mk := func(id string, exp time.Time) checkout.Order {
		o, err := s.CreateOrder(ctx, checkout.Order{ID: id, Customer: "c", State: checkout.StateCreated, ExpiresAt: exp})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	ids := func(due time.Time) []string {
		page, err := s.ListOrders(ctx, checkout.OrderQuery{Due: due, Limit: checkout.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, o := range page {
			out = append(out, o.ID)
		}
		return out
	}
	mk("half", t0.Add(30*time.Minute))
	if got := ids(t0.Add(29 * time.Minute)); len(got) != 0 {
		t.Errorf("listed %v a minute early", got)
	}
	if got := ids(t0.Add(30 * time.Minute)); fmt.Sprint(got) != "[half]" {
		t.Errorf("listed %v at the time", got)
	}
	for i := range 5000 {
		o := mk(fmt.Sprintf("h%04d", i), t0.Add(time.Duration(i+2)*time.Hour))
		o.State = checkout.StateCompleted
		if _, err := s.UpdateOrder(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	mk("late", t0.Add(6000*time.Hour))
	if got := ids(t0.Add(7000 * time.Hour)); fmt.Sprint(got) != "[half late]" {
		t.Errorf("listed %v after many hours emptied", got)
	}
}

// The due index against a model: orders move between a few hours (many
// orders per hour, so that removals leave gaps in the middle), in and out
// of the index, and ListOrders with a Due lists exactly the orders whose
// SweepAt is not after it, whatever the order of moves.
func TestMemoryStoreDueIndexModel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := checkout.NewMemoryStore()
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 2))
	orders := map[string]checkout.Order{}
	var ids []string
	for i := range 400 {
		id := fmt.Sprintf("m%03d", i)
		o, err := s.CreateOrder(ctx, checkout.Order{ID: id, Customer: "c", State: checkout.StateCreated,
			ExpiresAt: t0.Add(time.Duration(rng.IntN(6*60)) * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		orders[id], ids = o, append(ids, id)
	}
	check := func(step int) {
		t.Helper()
		for _, due := range []time.Time{t0.Add(-time.Minute), t0.Add(90 * time.Minute), t0.Add(3*time.Hour + 7*time.Minute), t0.Add(24 * time.Hour)} {
			var want []string
			for _, id := range ids {
				if at, ok := orders[id].SweepAt(); ok && !at.After(due) {
					want = append(want, id)
				}
			}
			var got []string
			for after := ""; ; {
				page, err := s.ListOrders(ctx, checkout.OrderQuery{Due: due, After: after, Limit: 37})
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range page {
					got = append(got, o.ID)
				}
				if len(page) < 37 {
					break
				}
				after = page[len(page)-1].ID
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("step %d, due %v: listed %d orders %v, want %d %v", step, due.Sub(t0), len(got), got, len(want), want)
			}
		}
	}
	check(0)
	for step := 1; step <= 2000; step++ {
		o := orders[ids[rng.IntN(len(ids))]]
		switch rng.IntN(4) {
		case 0: // out of the index: nothing to sweep
			o.ExpiresAt = time.Time{}
		default: // to another time, perhaps in the same hour
			o.ExpiresAt = t0.Add(time.Duration(rng.IntN(6*60)) * time.Minute)
		}
		o, err := s.UpdateOrder(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		orders[o.ID] = o
		if step%97 == 0 {
			check(step)
		}
	}
	check(-1)
}
