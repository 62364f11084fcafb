package checkout_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/checkout/checkouttest"
)

// The memory store keeps an order's invoice and its first notification
// with the order: they must behave as those kept in maps (the conformance
// suite's IDs name no stored order, so it checks only the maps).
func TestMemoryStoreKeepsOrderIDsWithTheOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := checkout.NewMemoryStore()
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	items := []checkout.LineItem{{Description: "VM", Quantity: 1, Amount: decimal.NewFromInt(5)}}
	for _, id := range []string{"o1", "o2", "o3"} {
		if _, err := s.CreateOrder(ctx, checkout.Order{ID: id, Customer: "c", Email: "a@example.com", Items: items,
			Amount: decimal.NewFromInt(5), Currency: "VND", State: checkout.StateCreated, CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	note := func(id string) checkout.Notification {
		return checkout.Notification{ID: id, Kind: checkout.NotifyOrderCompleted, To: "a@example.com",
			Order: checkout.OrderSummary{ID: id[:2], Items: items}}
	}
	enqueue := func(id string, want bool) {
		t.Helper()
		if ok, err := s.Enqueue(ctx, note(id), t0); err != nil || ok != want {
			t.Fatalf("Enqueue(%s) = %v, %v; want %v", id, ok, err, want)
		}
	}
	pending := func() string {
		t.Helper()
		p, err := s.PendingNotifications(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, it := range p {
			ids = append(ids, it.Notification.ID)
		}
		return fmt.Sprint(ids)
	}

	// o1: a share email first (kept with the order), then the completed
	// email (in the maps), each idempotent.
	enqueue("o1/email/share/ab", true)
	enqueue("o1/email/completed", true)
	enqueue("o1/email/share/ab", false)
	enqueue("o1/email/completed", false)
	// o2: the completed email; o4 names no stored order.
	enqueue("o2/email/completed", true)
	enqueue("o4/email/completed", true)
	// The same ID enqueued before its order existed stays known after.
	if _, err := s.CreateOrder(ctx, checkout.Order{ID: "o4", Customer: "c", Email: "a@example.com", Items: items,
		Amount: decimal.NewFromInt(5), Currency: "VND", State: checkout.StateCreated, CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	enqueue("o4/email/completed", false)
	if got, want := pending(), "[o1/email/share/ab o1/email/completed o2/email/completed o4/email/completed]"; got != want {
		t.Fatalf("pending = %s, want %s", got, want)
	}

	if err := s.MarkSent(ctx, "o3/email/completed", t0); !errors.Is(err, checkout.ErrNotFound) {
		t.Errorf("MarkSent of an ID never enqueued = %v, want ErrNotFound", err)
	}
	if err := s.MarkSent(ctx, "o2/email/completed", time.Time{}); err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"o1/email/share/ab", "o1/email/completed", "o2/email/completed", "o4/email/completed"} {
		if err := s.MarkSent(ctx, id, t0.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatalf("MarkSent(%s): %v", id, err)
		}
		if err := s.MarkSent(ctx, id, t0.Add(10*time.Hour)); err != nil {
			t.Fatalf("MarkSent(%s) again: %v", id, err)
		}
		enqueue(id, false)
	}
	if got := pending(); got != "[]" {
		t.Fatalf("pending = %s, want none", got)
	}
	// Sent at 0h, 1h, 2h, 3h: a cut at 2h prunes the first two.
	if n, err := s.PruneSent(ctx, t0.Add(2*time.Hour)); err != nil || n != 2 {
		t.Fatalf("PruneSent = %d, %v; want 2", n, err)
	}
	if n, err := s.PruneSent(ctx, t0.Add(2*time.Hour)); err != nil || n != 0 {
		t.Fatalf("PruneSent again = %d, %v; want 0", n, err)
	}
	if err := s.MarkSent(ctx, "o1/email/share/ab", t0); !errors.Is(err, checkout.ErrNotFound) {
		t.Errorf("MarkSent of a pruned ID = %v, want ErrNotFound", err)
	}
	enqueue("o2/email/completed", false) // sent at 2h: kept
	enqueue("o1/email/share/ab", true)   // pruned: added again
	enqueue("o1/email/completed", true)
	enqueue("o1/email/completed", false)
	if got, want := pending(), "[o1/email/share/ab o1/email/completed]"; got != want {
		t.Fatalf("pending = %s, want %s", got, want)
	}

	// Invoices: "<order>/invoice" of a stored order is kept with it;
	// others, and those of orders stored later, in the map.
	inv := func(id, order string) checkout.Invoice {
		return checkout.Invoice{ID: id, OrderID: order, Customer: "c", Items: items, Amount: decimal.NewFromInt(5), Currency: "VND"}
	}
	for _, c := range []struct {
		inv  checkout.Invoice
		want bool
	}{
		{inv("o1/invoice", "o1"), true},
		{inv("o1/invoice", "o1"), false},
		{inv("o1/invoice", "o2"), false}, // the same ID through another order
		{inv("o2/invoice.b", "o2"), true},
		{inv("o2/invoice.b", "o2"), false},
		{inv("o5/invoice", "o5"), true},
	} {
		if ok, err := s.AddInvoice(ctx, c.inv); err != nil || ok != c.want {
			t.Fatalf("AddInvoice(%s of %s) = %v, %v; want %v", c.inv.ID, c.inv.OrderID, ok, err, c.want)
		}
	}
	if _, err := s.CreateOrder(ctx, checkout.Order{ID: "o5", Customer: "c", Email: "a@example.com", Items: items,
		Amount: decimal.NewFromInt(5), Currency: "VND", State: checkout.StateCreated, CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.AddInvoice(ctx, inv("o5/invoice", "o5")); err != nil || ok {
		t.Fatalf("AddInvoice of an invoice added before its order = %v, %v; want refused", ok, err)
	}
	page, err := s.Invoices(ctx, "c", checkout.PageQuery{})
	if err != nil || len(page.Invoices) != 3 {
		t.Fatalf("Billing History = %d lines, %v; want 3", len(page.Invoices), err)
	}
	for i, want := range []string{"o1/invoice", "o2/invoice.b", "o5/invoice"} {
		if got := page.Invoices[i]; got.ID != want || got.Seq != int64(i+1) {
			t.Errorf("line %d = %s seq %d, want %s seq %d", i, got.ID, got.Seq, want, i+1)
		}
	}
}

// Orders of one item with 0 to 4 attributes (copied in one allocation up
// to 3) are stored and returned as copies of their own.
func TestMemoryStoreCopiesOneItemOrders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := checkout.NewMemoryStore()
	for n := range 5 {
		var cfg []checkout.Attribute
		for i := range n {
			cfg = append(cfg, checkout.Attribute{Name: fmt.Sprint("k", i), Value: fmt.Sprint("v", i)})
		}
		in := []checkout.LineItem{{Description: "VM", Quantity: 2, Amount: decimal.NewFromInt(7), Config: cfg}}
		id := fmt.Sprint("c", n)
		got, err := s.CreateOrder(ctx, checkout.Order{ID: id, Customer: "c", Email: "a@example.com", Items: in,
			Amount: decimal.NewFromInt(7), Currency: "VND", State: checkout.StateCreated})
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprint(in)
		for i := range cfg {
			cfg[i].Value = "changed by the caller"
			got.Items[0].Config[i].Value = "changed in the result"
		}
		got.Items[0].Description = "changed"
		got.Items[0].Config = append(got.Items[0].Config, checkout.Attribute{Name: "extra"})
		stored, err := s.GetOrder(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if g := fmt.Sprint(stored.Items); g != want || len(stored.Items) != 1 || (n == 0) != (stored.Items[0].Config == nil) {
			t.Errorf("%d attributes: stored %s, want %s", n, g, want)
		}
	}
}

// Sent notifications kept with their orders are pruned by time across
// many of them (the store keeps them in chunks), in any order of sending.
func TestMemoryStorePrunesNotificationsKeptWithOrders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := checkout.NewMemoryStore()
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	items := []checkout.LineItem{{Description: "VM", Quantity: 1, Amount: decimal.NewFromInt(5)}}
	const n = 1300
	id := func(i int) string { return fmt.Sprintf("o%d/email/completed", i) }
	// Order i's email is sent at minute (i*7)%n: the times are not in order.
	sentAt := func(i int) time.Time { return t0.Add(time.Duration(i*7%n) * time.Minute) }
	for i := range n {
		if _, err := s.CreateOrder(ctx, checkout.Order{ID: fmt.Sprint("o", i), Customer: "c", Email: "a@example.com", Items: items,
			Amount: decimal.NewFromInt(5), Currency: "VND", State: checkout.StateCreated, CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.Enqueue(ctx, checkout.Notification{ID: id(i), Kind: checkout.NotifyOrderCompleted}, t0); err != nil || !ok {
			t.Fatal(ok, err)
		}
		if err := s.MarkSent(ctx, id(i), sentAt(i)); err != nil {
			t.Fatal(err)
		}
	}
	prevCut := 0
	for _, cut := range []int{0, 300, 700, 700, n + 1} {
		before := t0.Add(time.Duration(cut) * time.Minute)
		want := 0
		for i := range n {
			if at := sentAt(i); at.Before(before) && !at.Before(t0.Add(time.Duration(prevCut)*time.Minute)) {
				want++
			}
		}
		got, err := s.PruneSent(ctx, before)
		if err != nil || got != want {
			t.Fatalf("PruneSent(minute %d) = %d, %v; want %d", cut, got, err, want)
		}
		prevCut = max(prevCut, cut)
		for i := range n {
			pruned := sentAt(i).Before(before)
			err := s.MarkSent(ctx, id(i), before)
			if pruned != errors.Is(err, checkout.ErrNotFound) {
				t.Fatalf("after the cut at minute %d: MarkSent(%s) = %v; sent at %v", cut, id(i), err, sentAt(i))
			}
		}
	}
}

// Orders whose IDs' hashes collide are kept apart (the store indexes
// orders by a hash of their ID): here every ID hashes alike or to one of
// two values.
func TestMemoryStoreOrderIDHashCollisions(t *testing.T) {
	t.Parallel()
	for name, h := range map[string]func(string) uint64{
		"all alike": func(string) uint64 { return 7 },
		"two":       func(s string) uint64 { return uint64(len(s) % 2) },
	} {
		t.Run(name, func(t *testing.T) {
			checkouttest.TestStore(t, func(t *testing.T) checkout.Store { return checkout.NewMemoryStoreWithHash(h) })
			ctx := context.Background()
			s := checkout.NewMemoryStoreWithHash(h)
			items := []checkout.LineItem{{Description: "VM", Quantity: 1, Amount: decimal.NewFromInt(5)}}
			for i := range 50 {
				id := fmt.Sprint("h", i)
				if _, err := s.CreateOrder(ctx, checkout.Order{ID: id, Customer: id, Email: "a@example.com", Items: items,
					Amount: decimal.NewFromInt(5), Currency: "VND", State: checkout.StateCreated}); err != nil {
					t.Fatal(err)
				}
			}
			for i := range 50 {
				id := fmt.Sprint("h", i)
				o, err := s.GetOrder(ctx, id)
				if err != nil || o.Customer != id {
					t.Fatalf("GetOrder(%s) = %s, %v", id, o.Customer, err)
				}
				if _, err := s.CreateOrder(ctx, o); !errors.Is(err, checkout.ErrDuplicate) {
					t.Fatalf("CreateOrder(%s) again = %v, want ErrDuplicate", id, err)
				}
			}
			if _, err := s.GetOrder(ctx, "h50"); !errors.Is(err, checkout.ErrNotFound) {
				t.Fatalf("GetOrder(h50) = %v, want ErrNotFound", err)
			}
		})
	}
}

// An order's own invoice (its customer, items, amount, currency and
// method) is kept as a pointer to the order: Billing History still shows
// it as it was issued after the order changes, and other invoices of the
// order keep what they were given.
func TestMemoryStoreOwnInvoicesKeepWhatWasIssued(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := checkout.NewMemoryStore()
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	items := func() []checkout.LineItem {
		return []checkout.LineItem{{Description: "VM", Quantity: 1, Amount: decimal.NewFromInt(5), Config: []checkout.Attribute{{Name: "vCPU", Value: "2"}}}}
	}
	var orders []checkout.Order
	for _, id := range []string{"v1", "v2", "v3"} {
		o, err := s.CreateOrder(ctx, checkout.Order{ID: id, Customer: "c", Email: "a@example.com", Items: items(),
			Amount: decimal.NewFromInt(5), Currency: "VND", Method: checkout.MethodCredit, State: checkout.StateCreated, CreatedAt: t0})
		if err != nil {
			t.Fatal(err)
		}
		orders = append(orders, o)
	}
	own := func(o checkout.Order, at time.Time, seq int64) checkout.Invoice {
		return checkout.Invoice{ID: o.ID + "/invoice", OrderID: o.ID, Customer: o.Customer, Items: items(), Amount: o.Amount,
			Currency: o.Currency, Method: o.Method, Time: at, Seq: seq}
	}
	want := []checkout.Invoice{
		own(orders[0], t0.Add(time.Hour), 1), // the order's own
		own(orders[1], t0.Add(2*time.Hour), 2),
		own(orders[2], t0.Add(3*time.Hour), 3),
	}
	want[1].Method = checkout.MethodGateway           // not the order's method
	want[2].Amount = decimal.RequireFromString("5.0") // another representation
	for _, inv := range want {
		in := inv
		in.Seq, in.Items = 0, items()
		if ok, err := s.AddInvoice(ctx, in); err != nil || !ok {
			t.Fatalf("AddInvoice(%s) = %v, %v", inv.ID, ok, err)
		}
		in.Items[0].Config[0].Value = "changed by the caller"
	}
	check := func(when string) {
		t.Helper()
		page, err := s.Invoices(ctx, "c", checkout.PageQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(page.Invoices, want) {
			t.Fatalf("%s: Billing History\n%+v\nwant\n%+v", when, page.Invoices, want)
		}
		for _, inv := range page.Invoices {
			inv.Items[0].Config[0].Value = "changed in the result"
		}
	}
	check("issued")
	// Every field an invoice is built from changes on v1, one at a time;
	// v2 and v3 change too.
	changes := []func(o *checkout.Order){
		func(o *checkout.Order) { o.State = checkout.StateCompleted },
		func(o *checkout.Order) { o.Method = checkout.MethodTopUpAndPay },
		func(o *checkout.Order) { o.Customer = "someone else" },
		func(o *checkout.Order) { o.Currency = "USD" },
		func(o *checkout.Order) { o.Amount = decimal.NewFromInt(6) },
		func(o *checkout.Order) {
			o.Items = append(o.Items, checkout.LineItem{Description: "disk", Quantity: 1})
		},
	}
	for i, change := range changes {
		for j := range orders {
			change(&orders[j])
			o, err := s.UpdateOrder(ctx, orders[j])
			if err != nil {
				t.Fatal(err)
			}
			orders[j] = o
		}
		check(fmt.Sprint("after change ", i))
	}
	if ok, err := s.AddInvoice(ctx, own(orders[0], t0, 0)); err != nil || ok {
		t.Fatalf("AddInvoice of v1's invoice again = %v, %v; want refused", ok, err)
	}
}

// The memory store keeps orders packed (the fields most orders leave empty
// apart, known state, method, currency, language and provisioning values
// as codes): whatever an order holds comes back exactly, through random
// updates between orders that set every field, none or one, and values no
// table knows; zeros that are not the zero value (an amount of 0.00, a
// zero time in a location) and times with monotonic clock readings
// included.
func TestMemoryStoreKeepsEveryFieldExactly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := checkout.NewMemoryStore()
	rng := rand.New(rand.NewPCG(7, 11))
	hanoi := time.FixedZone("ICT", 7*3600)
	pick := func(vals ...string) string { return vals[rng.IntN(len(vals))] }
	tm := func() time.Time {
		switch rng.IntN(5) {
		case 0:
			return time.Time{}
		case 1:
			return time.Time{}.In(hanoi) // zero, but not the zero value
		case 2:
			return time.Now() // with a monotonic reading
		case 3:
			return time.Date(2026, 3, 1, 9, 0, rng.IntN(60), rng.IntN(1e9), hanoi)
		}
		return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int64N(1e15)))
	}
	amount := func() decimal.Decimal {
		switch rng.IntN(4) {
		case 0:
			return decimal.Decimal{}
		case 1:
			return decimal.New(0, -2) // 0.00
		case 2:
			return decimal.New(rng.Int64N(1e12), 0)
		}
		return decimal.New(rng.Int64N(1e9), -2)
	}
	// rare sets the fields most orders leave empty: none, one of them, or
	// each at random (each to a value or to one of the zeros above).
	rare := func(o *checkout.Order) {
		set := []func(){
			func() { o.Gateway = pick("vtcpay", "vinidpay") },
			func() { o.GatewayAmount = amount() },
			func() { o.PaidReference = o.ID + "-1" },
			func() { o.Payer = "payer@example.com" },
			func() { o.ShareExpiresAt = tm() },
			func() { o.GatewayRefund = pick("started", "done") },
			func() { o.Reason = "provisioning failed" },
			func() {
				for range 1 + rng.IntN(2) {
					o.Attempts = append(o.Attempts, checkout.Attempt{Reference: fmt.Sprint(o.ID, "-", len(o.Attempts)+1), Gateway: "vtcpay",
						Amount: amount(), Outcome: checkout.Outcome(pick("", "succeeded", "failed")), Settled: rng.IntN(2) == 0, StartedAt: tm(), QueryAt: tm()})
				}
			},
		}
		switch rng.IntN(3) {
		case 1:
			set[rng.IntN(len(set))]()
		case 2:
			for _, f := range set {
				if rng.IntN(2) == 0 {
					f()
				}
			}
		}
	}
	random := func(id string, version int64) checkout.Order {
		o := checkout.Order{ID: id, Version: version,
			Customer:      pick("c", "customer-2"),
			Email:         pick("", "a@example.com"),
			Language:      checkout.Language(pick("", "vi", "en", "fr")),
			Amount:        amount(),
			Currency:      pick("", "VND", "USD", "EUR"),
			Method:        checkout.Method(pick("", "credit", "topup_and_pay", "gateway", "on_behalf", "cash")),
			State:         checkout.State(pick("", "created", "shared", "awaiting_payment", "paid", "completed", "cancelled", "review", "lost")),
			CreditHeld:    amount(),
			CreditTries:   rng.IntN(3),
			CreditChecked: rng.IntN(3),
			ExpiresAt:     tm(),
			Provision:     checkout.ProvisionStatus(pick("", "done", "failed", "later")),
			Flagged:       rng.IntN(2) == 0,
			CreatedAt:     tm(),
			UpdatedAt:     tm(),
			PaidAt:        tm(),
		}
		if rng.IntN(2) == 0 {
			o.Items = []checkout.LineItem{{Description: "VM", Quantity: 1 + rng.IntN(3), Amount: amount(),
				Config: []checkout.Attribute{{Name: "vCPU", Value: pick("1", "2")}}}}
		}
		rare(&o)
		return o
	}
	for i := range 200 {
		id := fmt.Sprint("x", i)
		want := random(id, 1)
		got, err := s.CreateOrder(ctx, want)
		if err != nil {
			t.Fatal(err)
		}
		for step := range 8 {
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("order %s, step %d: stored\n%+v\nwant\n%+v", id, step, got, want)
			}
			if got, err = s.GetOrder(ctx, id); err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("order %s, step %d: GetOrder = %v\n%+v\nwant\n%+v", id, step, err, got, want)
			}
			next := random(id, got.Version)
			if got, err = s.UpdateOrder(ctx, next); err != nil {
				t.Fatal(err)
			}
			want = next
			want.Version++
		}
	}
}
