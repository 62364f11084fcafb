// Package checkouttest holds the conformance suite every checkout.Store
// implementation runs, in the manner of testing/fstest.TestFS.
//
//	func TestMemoryStore(t *testing.T) {
//		checkouttest.TestStore(t, func(t *testing.T) checkout.Store { return checkout.NewMemoryStore() })
//	}
package checkouttest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/thanhtoan/thanhtoan/checkout"
)

// TestStore checks that the stores newStore returns behave as checkout.Store
// documents. newStore is called once per subtest and must return an empty
// store (or one whose IDs cannot collide with the suite's: the suite prefixes
// its IDs with the subtest's name).
func TestStore(t *testing.T, newStore func(t *testing.T) checkout.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s checkout.Store, p string)
	}{
		{"Orders", testOrders},
		{"CompareAndSwap", testCAS},
		{"ConcurrentCAS", testConcurrentCAS},
		{"ListOrders", testListOrders},
		{"Copies", testCopies},
		{"Payments", testPayments},
		{"Invoices", testInvoices},
		{"Callbacks", testCallbacks},
		{"Shares", testShares},
		{"Outbox", testOutbox},
		{"OutboxPrune", testOutboxPrune},
		{"ExactRoundTrip", testExactRoundTrip},
		{"ByteOrder", testByteOrder},
		{"ListNeedsSweep", testListNeedsSweep},
		{"ListDue", testListDue},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			prefix := fmt.Sprintf("ct%d%s", time.Now().UnixNano()%1e9, tc.name)
			tc.fn(t, s, prefix)
		})
	}
}

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func sampleOrder(id string) checkout.Order {
	return checkout.Order{
		ID: id, Customer: "cust-" + id, Email: "a@example.com", Language: checkout.English,
		Items: []checkout.LineItem{{Description: "Cloud server", Quantity: 1, Amount: decimal.NewFromInt(150000),
			Config: []checkout.Attribute{{Name: "vCPU", Value: "2"}, {Name: "RAM", Value: "4 GB"}}}},
		Amount: decimal.NewFromInt(150000), Currency: "VND", State: checkout.StateCreated,
		CreatedAt: t0, UpdatedAt: t0, ExpiresAt: t0.Add(7 * 24 * time.Hour),
	}
}

func testOrders(t *testing.T, s checkout.Store, p string) {
	ctx := context.Background()
	o := sampleOrder(p + "a")
	got, err := s.CreateOrder(ctx, o)
	if err != nil {
		t.Fatalf("CreateOrder: %v", err)
	}
	if got.Version != 1 {
		t.Errorf("CreateOrder: Version = %d, want 1", got.Version)
	}
	if _, err := s.CreateOrder(ctx, o); !errors.Is(err, checkout.ErrDuplicate) {
		t.Errorf("CreateOrder twice: err = %v, want ErrDuplicate", err)
	}
	r, err := s.GetOrder(ctx, o.ID)
	if err != nil {
		t.Fatalf("GetOrder: %v", err)
	}
	if !sameOrder(r, got) {
		t.Errorf("GetOrder = %+v, want %+v", r, got)
	}
	if _, err := s.GetOrder(ctx, p+"missing"); !errors.Is(err, checkout.ErrNotFound) {
		t.Errorf("GetOrder(missing): err = %v, want ErrNotFound", err)
	}
}

func testCAS(t *testing.T, s checkout.Store, p string) {
	ctx := context.Background()
	o, err := s.CreateOrder(ctx, sampleOrder(p+"a"))
	if err != nil {
		t.Fatal(err)
	}
	o.State = checkout.StateAwaitingPayment
	o.GatewayAmount = decimal.RequireFromString("150000")
	o.Attempts = []checkout.Attempt{{Reference: p + "a-1", Gateway: "vtcpay", Amount: o.GatewayAmount, StartedAt: t0}}
	o2, err := s.UpdateOrder(ctx, o)
	if err != nil {
		t.Fatalf("UpdateOrder: %v", err)
	}
	if o2.Version != o.Version+1 {
		t.Errorf("UpdateOrder: Version = %d, want %d", o2.Version, o.Version+1)
	}
	stale := o
	stale.Reason = "stale write"
	if _, err := s.UpdateOrder(ctx, stale); !errors.Is(err, checkout.ErrConflict) {
		t.Errorf("UpdateOrder with a stale version: err = %v, want ErrConflict", err)
	}
	r, _ := s.GetOrder(ctx, o.ID)
	if r.Reason != "" || r.Version != o2.Version || r.State != checkout.StateAwaitingPayment || len(r.Attempts) != 1 ||
		r.Attempts[0].Reference != p+"a-1" || !r.Attempts[0].Amount.Equal(o.GatewayAmount) {
		t.Errorf("after a lost CAS the order is %+v", r)
	}
	missing := sampleOrder(p + "nope")
	missing.Version = 1
	if _, err := s.UpdateOrder(ctx, missing); !errors.Is(err, checkout.ErrNotFound) {
		t.Errorf("UpdateOrder(missing): err = %v, want ErrNotFound", err)
	}
}

func testConcurrentCAS(t *testing.T, s checkout.Store, p string) {
	ctx := context.Background()
	o, err := s.CreateOrder(ctx, sampleOrder(p+"a"))
	if err != nil {
		t.Fatal(err)
	}
	const n = 16
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := o
			c.Reason = fmt.Sprint(i)
			if _, err := s.UpdateOrder(ctx, c); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			} else if !errors.Is(err, checkout.ErrConflict) {
				t.Errorf("UpdateOrder: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d concurrent updates of one version succeeded, want 1", wins)
	}
}

func testListOrders(t *testing.T, s checkout.Store, p string) {
	ctx := context.Background()
	want := map[string]bool{}
	for i := range 7 {
		o, err := s.CreateOrder(ctx, sampleOrder(fmt.Sprintf("%s%02d", p, i)))
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			o.State = checkout.StatePaid
			if _, err := s.UpdateOrder(ctx, o); err != nil {
				t.Fatal(err)
			}
			want[o.ID] = true
		}
	}
	var got []string
	after := p
	for range 10 {
		page, err := s.ListOrders(ctx, checkout.OrderQuery{State: checkout.StatePaid, After: after, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > 3 {
			t.Fatalf("ListOrders returned %d orders, limit 3", len(page))
		}
		if len(page) == 0 {
			break
		}
		for _, o := range page {
			if o.State != checkout.StatePaid {
				t.Errorf("ListOrders(paid) returned %s in state %s", o.ID, o.State)
			}
			if o.ID <= after {
				t.Errorf("ListOrders: %s not after cursor %s (not ascending)", o.ID, after)
			}
			after = o.ID
			got = append(got, o.ID)
		}
	}
	n := 0
	for _, id := range got {
		if len(id) > len(p) && id[:len(p)] == p {
			if !want[id] {
				t.Errorf("ListOrders(paid) returned %s", id)
			}
			n++
		}
	}
	if n != len(want) {
		t.Errorf("ListOrders(paid) found %d of the suite's orders (%v), want %d", n, got, len(want))
	}
	created, err := s.ListOrders(ctx, checkout.OrderQuery{State: checkout.StateCreated, After: p, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	n = 0
	for _, o := range created {
		if want[o.ID] {
			t.Errorf("ListOrders(created) still lists %s, which moved to paid", o.ID)
		}
		if len(o.ID) > len(p) && o.ID[:len(p)] == p {
			n++
		}
	}
	if n != 3 {
		t.Errorf("ListOrders(created) found %d of the suite's orders, want 3", n)
	}
}

func testCopies(t *testing.T, s checkout.Store, p string) {
	ctx := context.Background()
	o := sampleOrder(p + "a")
	if _, err := s.CreateOrder(ctx, o); err != nil {
		t.Fatal(err)
	}
	o.Items[0].Config[0].Value = "changed by the caller"
	r, _ := s.GetOrder(ctx, o.ID)
	if r.Items[0].Config[0].Value != "2" {
		t.Errorf("the stored order shares memory with the caller's: %q", r.Items[0].Config[0].Value)
	}
	r.Items[0].Description = "changed"
	r2, _ := s.GetOrder(ctx, o.ID)
	if r2.Items[0].Description != "Cloud server" {
		t.Errorf("a returned order shares memory with the stored one")
	}
}

func testPayments(t *testing.T, s checkout.Store, p string) {
	ctx := context.Background()
	cust := p + "cust"
	for i := range 5 {
		pay := checkout.Payment{ID: fmt.Sprintf("%s-%d/payment", p, i), OrderID: p, Customer: cust, Gateway: "vtcpay",
			Amount: decimal.NewFromInt(int64(1000 * (i + 1))), Currency: "VND", Reference: fmt.Sprintf("%s-%d", p, i),
			Outcome: checkout.PaymentPaid, Time: t0.Add(time.Duration(i) * time.Minute)}
		ok, err := s.AddPayment(ctx, pay)
		if err != nil || !ok {
			t.Fatalf("AddPayment %d: %v, %v", i, ok, err)
		}
		pay.Amount = decimal.NewFromInt(1)
		ok, err = s.AddPayment(ctx, pay)
		if err != nil || ok {
			t.Fatalf("AddPayment %d again: inserted=%v, err=%v; want not inserted", i, ok, err)
		}
	}
	if _, err := s.AddPayment(ctx, checkout.Payment{ID: p + "other/payment", Customer: p + "other", Amount: decimal.NewFromInt(5), Currency: "VND"}); err != nil {
		t.Fatal(err)
	}
	var all []checkout.Payment
	q := checkout.PageQuery{Limit: 2}
	for range 10 {
		pg, err := s.Payments(ctx, cust, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(pg.Payments) > 2 {
			t.Fatalf("page of %d, limit 2", len(pg.Payments))
		}
		all = append(all, pg.Payments...)
		if !pg.More {
			break
		}
		q.After = pg.Next
	}
	if len(all) != 5 {
		t.Fatalf("paged through %d payments, want 5", len(all))
	}
	for i, pay := range all {
		if !pay.Amount.Equal(decimal.NewFromInt(int64(1000*(i+1)))) || pay.Customer != cust || pay.Outcome != checkout.PaymentPaid {
			t.Errorf("payment %d = %+v (order, amount or contents wrong; a duplicate must not overwrite)", i, pay)
		}
		if i > 0 && pay.Seq <= all[i-1].Seq {
			t.Errorf("Seq not increasing: %d after %d", pay.Seq, all[i-1].Seq)
		}
	}
	pg, err := s.Payments(ctx, p+"nobody", checkout.PageQuery{})
	if err != nil || len(pg.Payments) != 0 || pg.More {
		t.Errorf("Payments(nobody) = %+v, %v", pg, err)
	}
}

func testInvoices(t *testing.T, s checkout.Store, p string) {
	ctx := context.Background()
	cust := p + "cust"
	o := sampleOrder(p)
	for i := range 3 {
		inv := checkout.Invoice{ID: fmt.Sprintf("%s%d/invoice", p, i), OrderID: fmt.Sprint(p, i), Customer: cust, Items: o.Items,
			Amount: o.Amount, Currency: "VND", Method: checkout.MethodCredit, Time: t0}
		if ok, err := s.AddInvoice(ctx, inv); err != nil || !ok {
			t.Fatalf("AddInvoice: %v %v", ok, err)
		}
		if ok, err := s.AddInvoice(ctx, inv); err != nil || ok {
			t.Fatalf("AddInvoice again: inserted=%v err=%v", ok, err)
		}
	}
	pg, err := s.Invoices(ctx, cust, checkout.PageQuery{Limit: 2})
	if err != nil || len(pg.Invoices) != 2 || !pg.More {
		t.Fatalf("Invoices page 1 = %d invoices, more=%v, %v", len(pg.Invoices), pg.More, err)
	}
	pg2, err := s.Invoices(ctx, cust, checkout.PageQuery{After: pg.Next, Limit: 2})
	if err != nil || len(pg2.Invoices) != 1 || pg2.More {
		t.Fatalf("Invoices page 2 = %d invoices, more=%v, %v", len(pg2.Invoices), pg2.More, err)
	}
	if pg2.Invoices[0].ID != p+"2/invoice" || len(pg2.Invoices[0].Items) != 1 || pg2.Invoices[0].Items[0].Config[1].Value != "4 GB" {
		t.Errorf("last invoice = %+v", pg2.Invoices[0])
	}
}

func testCallbacks(t *testing.T, s checkout.Store, p string) {
	ctx := context.Background()
	id := p + "vtcpay/ref-1/succeeded/9"
	if seen, err := s.CallbackSeen(ctx, id); err != nil || seen {
		t.Fatalf("CallbackSeen before: %v %v", seen, err)
	}
	rec := checkout.CallbackRecord{ID: id, OrderID: p, Gateway: "vtcpay", Reference: "ref-1", Outcome: checkout.OutcomeSucceeded, Time: t0}
	if ok, err := s.RecordCallback(ctx, rec); err != nil || !ok {
		t.Fatalf("RecordCallback: %v %v", ok, err)
	}
	if ok, err := s.RecordCallback(ctx, rec); err != nil || ok {
		t.Fatalf("RecordCallback again: first=%v err=%v, want a duplicate", ok, err)
	}
	if seen, err := s.CallbackSeen(ctx, id); err != nil || !seen {
		t.Fatalf("CallbackSeen after: %v %v", seen, err)
	}
}

func testShares(t *testing.T, s checkout.Store, p string) {
	ctx := context.Background()
	h := sha256.Sum256([]byte(p + "token"))
	l := checkout.ShareLink{Hash: h, OrderID: p, Payer: "payer@example.com", CreatedAt: t0, ExpiresAt: t0.Add(72 * time.Hour)}
	if err := s.CreateShare(ctx, l); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateShare(ctx, l); !errors.Is(err, checkout.ErrDuplicate) {
		t.Errorf("CreateShare twice: %v, want ErrDuplicate", err)
	}
	got, err := s.GetShare(ctx, h)
	if err != nil || got.OrderID != p || got.Payer != l.Payer || !got.ExpiresAt.Equal(l.ExpiresAt) || !got.UsedAt.IsZero() {
		t.Fatalf("GetShare = %+v, %v", got, err)
	}
	if _, err := s.GetShare(ctx, sha256.Sum256([]byte(p+"other"))); !errors.Is(err, checkout.ErrNotFound) {
		t.Errorf("GetShare(unknown) = %v, want ErrNotFound", err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.UseShare(ctx, h, t0.Add(time.Hour))
			switch {
			case err == nil:
				mu.Lock()
				wins++
				mu.Unlock()
			case !errors.Is(err, checkout.ErrShareUsed):
				t.Errorf("UseShare: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("UseShare succeeded %d times, want once", wins)
	}
	got, _ = s.GetShare(ctx, h)
	if !got.UsedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("UsedAt = %v", got.UsedAt)
	}
	if err := s.UseShare(ctx, sha256.Sum256([]byte(p+"other")), t0); !errors.Is(err, checkout.ErrNotFound) {
		t.Errorf("UseShare(unknown) = %v, want ErrNotFound", err)
	}
}

func testOutbox(t *testing.T, s checkout.Store, p string) {
	ctx := context.Background()
	var ids []string
	for i := range 4 {
		n := checkout.Notification{ID: fmt.Sprintf("%s%d/email/completed", p, i), Kind: checkout.NotifyOrderCompleted,
			To: "a@example.com", Language: checkout.Vietnamese, Order: sampleOrder(p).Summary()}
		ok, err := s.Enqueue(ctx, n, t0.Add(time.Duration(i)*time.Second))
		if err != nil || !ok {
			t.Fatalf("Enqueue: %v %v", ok, err)
		}
		n.To = "other@example.com"
		if ok, err := s.Enqueue(ctx, n, t0); err != nil || ok {
			t.Fatalf("Enqueue again: inserted=%v err=%v", ok, err)
		}
		ids = append(ids, n.ID)
	}
	if err := s.MarkSent(ctx, ids[1], t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(ctx, ids[1], t0.Add(2*time.Minute)); err != nil {
		t.Fatalf("MarkSent twice: %v", err)
	}
	if err := s.MarkSent(ctx, p+"missing", t0); !errors.Is(err, checkout.ErrNotFound) {
		t.Errorf("MarkSent(missing) = %v, want ErrNotFound", err)
	}
	pend, err := s.PendingNotifications(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	var mine []string
	for _, it := range pend {
		if len(it.Notification.ID) > len(p) && it.Notification.ID[:len(p)] == p {
			mine = append(mine, it.Notification.ID)
			if it.Notification.To != "a@example.com" || len(it.Notification.Order.Items) != 1 || !it.SentAt.IsZero() {
				t.Errorf("pending item = %+v", it)
			}
		}
	}
	if fmt.Sprint(mine) != fmt.Sprint([]string{ids[0], ids[2], ids[3]}) {
		t.Errorf("pending = %v, want %v in order", mine, []string{ids[0], ids[2], ids[3]})
	}
	pend, err = s.PendingNotifications(ctx, 1)
	if err != nil || len(pend) != 1 {
		t.Errorf("PendingNotifications(1) = %d items, %v", len(pend), err)
	}
}

// testOutboxPrune: PruneSent deletes only notifications sent before its
// time; Enqueue stays idempotent for the others and adds a pruned ID again.
func testOutboxPrune(t *testing.T, s checkout.Store, p string) {
	ctx := context.Background()
	n := func(i int) checkout.Notification {
		return checkout.Notification{ID: fmt.Sprintf("%s%d/email/completed", p, i), Kind: checkout.NotifyOrderCompleted,
			To: "a@example.com", Language: checkout.Vietnamese, Order: sampleOrder(p).Summary()}
	}
	for i := range 3 {
		if ok, err := s.Enqueue(ctx, n(i), t0); err != nil || !ok {
			t.Fatalf("Enqueue: %v %v", ok, err)
		}
	}
	// 0 sent long ago, 1 sent recently, 2 never sent.
	if err := s.MarkSent(ctx, n(0).ID, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(ctx, n(1).ID, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := s.PruneSent(ctx, t0.Add(time.Hour))
	if err != nil || got != 1 {
		t.Fatalf("PruneSent = %d, %v; want 1 (the one sent before the cut)", got, err)
	}
	if got, err := s.PruneSent(ctx, t0.Add(time.Hour)); err != nil || got != 0 {
		t.Errorf("PruneSent again = %d, %v; want 0", got, err)
	}
	if ok, err := s.Enqueue(ctx, n(1), t0); err != nil || ok {
		t.Errorf("Enqueue of a sent, kept ID: inserted=%v err=%v; want refused", ok, err)
	}
	if ok, err := s.Enqueue(ctx, n(2), t0); err != nil || ok {
		t.Errorf("Enqueue of a pending ID: inserted=%v err=%v; want refused", ok, err)
	}
	pend, err := s.PendingNotifications(ctx, 100)
	if err != nil || len(pend) != 1 || pend[0].Notification.ID != n(2).ID {
		t.Fatalf("pending after prune = %+v, %v; want only %s", pend, err, n(2).ID)
	}
	if err := s.MarkSent(ctx, n(0).ID, t0.Add(2*time.Hour)); !errors.Is(err, checkout.ErrNotFound) {
		t.Errorf("MarkSent of a pruned ID = %v, want ErrNotFound", err)
	}
	if ok, err := s.Enqueue(ctx, n(0), t0.Add(2*time.Hour)); err != nil || !ok {
		t.Errorf("Enqueue of a pruned ID: inserted=%v err=%v; want added again", ok, err)
	}
	if pend, _ := s.PendingNotifications(ctx, 100); len(pend) != 2 {
		t.Errorf("pending = %d items, want 2", len(pend))
	}
}

func sameOrder(a, b checkout.Order) bool {
	if a.ID != b.ID || a.Customer != b.Customer || a.Email != b.Email || a.Language != b.Language ||
		!a.Amount.Equal(b.Amount) || a.Currency != b.Currency || a.State != b.State || a.Version != b.Version ||
		!a.CreatedAt.Equal(b.CreatedAt) || len(a.Items) != len(b.Items) {
		return false
	}
	for i := range a.Items {
		x, y := a.Items[i], b.Items[i]
		if x.Description != y.Description || x.Quantity != y.Quantity || !x.Amount.Equal(y.Amount) || len(x.Config) != len(y.Config) {
			return false
		}
		for j := range x.Config {
			if x.Config[j] != y.Config[j] {
				return false
			}
		}
	}
	return true
}
