package checkout_test

import (
	"context"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/checkout/checkouttest"
)

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	checkouttest.TestStore(t, func(t *testing.T) checkout.Store { return checkout.NewMemoryStore() })
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
