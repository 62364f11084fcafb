package checkouttest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/checkout"
)

// testExactRoundTrip: amounts keep every digit and times keep their
// nanoseconds (compared as instants), whatever the storage's native types.
func testExactRoundTrip(t *testing.T, s checkout.Store, p string) {
	ctx := context.Background()
	at := time.Date(2026, 11, 23, 17, 4, 5, 123456789, time.FixedZone("ICT", 7*3600))
	o := sampleOrder(p + "x")
	o.Currency = "USD"
	o.Amount = decimal.RequireFromString("1234567890123.45")
	o.Items[0].Amount = o.Amount
	o.CreatedAt, o.UpdatedAt = at, at
	if _, err := s.CreateOrder(ctx, o); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetOrder(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Amount.Equal(o.Amount) || !got.Items[0].Amount.Equal(o.Amount) {
		t.Errorf("amount %s came back as %s", o.Amount, got.Amount)
	}
	if !got.CreatedAt.Equal(at) || !got.UpdatedAt.Equal(at) {
		t.Errorf("time %s came back as %s / %s", at, got.CreatedAt, got.UpdatedAt)
	}
	pay := checkout.Payment{ID: p + "x/payment", OrderID: o.ID, Customer: o.Customer, Gateway: "vtcpay", Amount: o.Amount, Currency: "USD", Time: at}
	if _, err := s.AddPayment(ctx, pay); err != nil {
		t.Fatal(err)
	}
	page, err := s.Payments(ctx, o.Customer, checkout.PageQuery{})
	if err != nil || len(page.Payments) != 1 {
		t.Fatalf("Payments = %+v, %v", page, err)
	}
	if l := page.Payments[0]; !l.Amount.Equal(pay.Amount) || !l.Time.Equal(at) {
		t.Errorf("payment line %+v, want amount %s at %s", l, pay.Amount, at)
	}
}

// testByteOrder: ListOrders pages in byte order of IDs (uppercase before
// lowercase), whatever the storage's collation.
func testByteOrder(t *testing.T, s checkout.Store, p string) {
	ctx := context.Background()
	for _, suffix := range []string{"a", "B", "_", "0"} {
		o := sampleOrder(p + suffix)
		o.State = checkout.StatePaid
		created, err := s.CreateOrder(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		if created.State != checkout.StatePaid {
			created.State = checkout.StatePaid
			if _, err := s.UpdateOrder(ctx, created); err != nil {
				t.Fatal(err)
			}
		}
	}
	page, err := s.ListOrders(ctx, checkout.OrderQuery{State: checkout.StatePaid, After: p, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range page {
		if len(o.ID) == len(p)+1 && o.ID[:len(p)] == p {
			got = append(got, o.ID[len(p):])
		}
	}
	want := []string{"0", "B", "_", "a"}
	if len(got) != len(want) {
		t.Fatalf("ListOrders listed %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("ListOrders order %v, want byte order %v", got, want)
		}
	}
}

// testListNeedsSweep: a final order with a payment still to settle (a late
// success on a cancelled order) must be listed for Sweep; once it is settled
// the Store may leave it out.
func testListNeedsSweep(t *testing.T, s checkout.Store, p string) {
	ctx := context.Background()
	o, err := s.CreateOrder(ctx, sampleOrder(p+"late"))
	if err != nil {
		t.Fatal(err)
	}
	o.State = checkout.StateCancelled
	o.Attempts = []checkout.Attempt{{Reference: p + "late-1", Gateway: "vtcpay", Amount: o.Amount,
		Outcome: checkout.OutcomeSucceeded, StartedAt: t0}}
	if !o.NeedsSweep() {
		t.Fatal("a cancelled order with an unsettled success does not need Sweep")
	}
	if o, err = s.UpdateOrder(ctx, o); err != nil {
		t.Fatal(err)
	}
	listed := func() bool {
		page, err := s.ListOrders(ctx, checkout.OrderQuery{State: checkout.StateCancelled, After: p, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range page {
			if x.ID == o.ID {
				return true
			}
		}
		return false
	}
	if !listed() {
		t.Fatal("ListOrders(cancelled) leaves out an order whose payment is still to settle")
	}
	o.Attempts[0].Settled = true
	if o.NeedsSweep() {
		t.Fatal("a settled cancelled order still needs Sweep")
	}
	if _, err := s.UpdateOrder(ctx, o); err != nil {
		t.Fatal(err)
	}
	_ = listed() // allowed either way
}

// testListDue: ListOrders with Due lists the orders whose SweepAt is not
// after it, in every state (or one), and leaves out those Sweep never has
// work on; the index follows every update.
func testListDue(t *testing.T, s checkout.Store, p string) {
	ctx := context.Background()
	day := 24 * time.Hour
	mk := func(suffix string, change func(o *checkout.Order)) checkout.Order {
		t.Helper()
		o, err := s.CreateOrder(ctx, sampleOrder(p+suffix))
		if err != nil {
			t.Fatal(err)
		}
		change(&o)
		if o, err = s.UpdateOrder(ctx, o); err != nil {
			t.Fatal(err)
		}
		return o
	}
	// Expires in a week; never expires; a credit payment may have run;
	// a share link that expires in 3 days; paid; completed and settled.
	expiring := mk("a", func(o *checkout.Order) {})
	mk("b", func(o *checkout.Order) { o.ExpiresAt = time.Time{} })
	credit := mk("c", func(o *checkout.Order) { o.Method, o.CreditTries = checkout.MethodCredit, 1 })
	shared := mk("d", func(o *checkout.Order) {
		o.State, o.Method, o.ShareExpiresAt = checkout.StateShared, checkout.MethodOnBehalf, t0.Add(3*day)
	})
	paid := mk("e", func(o *checkout.Order) { o.State, o.Method = checkout.StatePaid, checkout.MethodCredit })
	mk("f", func(o *checkout.Order) { o.State, o.Method = checkout.StateCompleted, checkout.MethodCredit })

	list := func(q checkout.OrderQuery) []string {
		t.Helper()
		var ids []string
		q.After, q.Limit = p, 2
		for range 20 {
			page, err := s.ListOrders(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range page {
				if len(o.ID) > len(p) && o.ID[:len(p)] == p {
					ids = append(ids, o.ID)
				}
				q.After = o.ID
			}
			if len(page) < 2 {
				break
			}
		}
		return ids
	}
	want := func(what string, got []string, orders ...checkout.Order) {
		t.Helper()
		var ids []string
		for _, o := range orders {
			ids = append(ids, o.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(ids) {
			t.Errorf("%s: listed %v, want %v", what, got, ids)
		}
	}
	want("due now", list(checkout.OrderQuery{Due: t0}), credit, paid)
	want("due in 4 days", list(checkout.OrderQuery{Due: t0.Add(4 * day)}), credit, shared, paid)
	want("due in 8 days", list(checkout.OrderQuery{Due: t0.Add(8 * day)}), expiring, credit, shared, paid)
	want("any time", list(checkout.OrderQuery{}), expiring, credit, shared, paid)
	want("created, due in 8 days", list(checkout.OrderQuery{Due: t0.Add(8 * day), State: checkout.StateCreated}), expiring, credit)
	// The index follows updates: the paid order completes, the shared one
	// is paid on behalf and awaits the gateway.
	paid.State = checkout.StateCompleted
	if _, err := s.UpdateOrder(ctx, paid); err != nil {
		t.Fatal(err)
	}
	shared.State = checkout.StateAwaitingPayment
	shared.Attempts = []checkout.Attempt{{Reference: shared.ID + "-1", Gateway: "vtcpay", Amount: shared.Amount, Outcome: checkout.OutcomePending, StartedAt: t0}}
	if _, err := s.UpdateOrder(ctx, shared); err != nil {
		t.Fatal(err)
	}
	want("due now after updates", list(checkout.OrderQuery{Due: t0}), credit, shared)
}
