package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/checkout/pgstore"
	"github.com/thanhtoan/thanhtoan/wallet"
	"github.com/thanhtoan/thanhtoan/wallet/pgledger"
)

// TestProvisioningErrorNotStorable: the Provisioner's error goes into the
// order's Reason. An error text that PostgreSQL cannot store (invalid
// UTF-8, a NUL byte: a host's error quoting raw bytes) made every
// UpdateOrder of the failed provisioning refuse, after the credit payment
// was taken: the order stayed paid, unrefunded, and every Sweep provisioned
// it again and failed the same way.
func TestProvisioningErrorNotStorable(t *testing.T) {
	t.Parallel()
	pool := testPool(t, 4)
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) }
	store, err := pgstore.New(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	ledger, err := pgledger.New(ctx, pool, pgledger.WithClock(now))
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{provision: map[string]int{}, sent: map[string]int{}}
	var provErr error
	prov := checkout.ProvisionerFunc(func(context.Context, checkout.ProvisionRequest) error { return provErr })
	c, err := checkout.New(checkout.Config{Ledger: ledger, Store: store, Provisioner: prov, Notifier: rec,
		BaseURL: "https://shop.example/pay"}, checkout.WithClock(now))
	if err != nil {
		t.Fatal(err)
	}
	for i, msg := range []string{"quota \xff\xfe exceeded", "name \x00 refused", "ok \u00e9 \ufffd"} {
		provErr = errors.New(msg)
		id := fmt.Sprintf("o%d", i)
		if _, err := c.Credit("VND").TopUp(ctx, wallet.TopUpRequest{ID: "bank-" + id, Customer: "an", Amount: decimal.NewFromInt(1000)}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateOrder(ctx, checkout.OrderRequest{ID: id, Customer: "an", Email: "an@example.com",
			Items: []checkout.LineItem{{Description: "VM", Quantity: 1, Amount: decimal.NewFromInt(1000)}}}); err != nil {
			t.Fatal(err)
		}
		next, err := c.Pay(ctx, id, checkout.PayRequest{Method: checkout.MethodCredit})
		if err != nil {
			t.Errorf("provisioning error %q: Pay: %v", msg, err)
		}
		if _, err := c.Sweep(ctx); err != nil {
			t.Errorf("provisioning error %q: Sweep: %v", msg, err)
		}
		o, err := c.Order(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if o.State != checkout.StateCancelled || o.Provision != checkout.ProvisionFailed {
			t.Errorf("provisioning error %q: order %s, provision %q (Pay said %s), want cancelled and refunded", msg, o.State, o.Provision, next.Order.State)
		}
	}
	b, err := c.Credit("VND").Balance(ctx, "an")
	if err != nil {
		t.Fatal(err)
	}
	if !b.Available.Equal(decimal.NewFromInt(3000)) {
		t.Errorf("balance %s, want the 3 refunds (3000)", b.Available)
	}
}
