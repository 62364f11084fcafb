package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/wallet"
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
	rec := &recorder{provision: map[string]int{}, sent: map[string]int{}}
	var provErr error
	prov := checkout.ProvisionerFunc(func(context.Context, checkout.ProvisionRequest) error { return provErr })
	c := newPGClient(t, pool, now, checkout.Config{Provisioner: prov, Notifier: rec})
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

// refusingGateway refuses every payment at its start with msg, as a host's
// adapter (or a VinID user token lookup) may.
type refusingGateway struct{ msg string }

func (g refusingGateway) Name() string { return "refusing" }
func (g refusingGateway) Start(context.Context, checkout.Intent) (checkout.Start, error) {
	return checkout.Start{}, fmt.Errorf("%w: %s", checkout.ErrInvalidRequest, g.msg)
}
func (g refusingGateway) SubmitOTP(context.Context, checkout.OTPRequest) (checkout.GatewayResult, error) {
	return checkout.GatewayResult{}, checkout.ErrNotSupported
}
func (g refusingGateway) ParseCallback(*http.Request) (checkout.GatewayResult, error) {
	return checkout.GatewayResult{}, checkout.ErrInvalidCallback
}
func (g refusingGateway) Query(context.Context, string) (checkout.GatewayResult, error) {
	return checkout.GatewayResult{}, checkout.ErrPaymentNotFound
}
func (g refusingGateway) Refund(context.Context, checkout.RefundRequest) error {
	return checkout.ErrNotSupported
}

// TestGatewayRefusalNotStorable: a gateway's refusal goes into the
// cancelled order's Reason. One whose text PostgreSQL cannot store made
// the cancellation's UpdateOrder refuse, after a top up and pay hold was
// released: the order stayed awaiting a payment that had failed.
func TestGatewayRefusalNotStorable(t *testing.T) {
	t.Parallel()
	pool := testPool(t, 4)
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) }
	rec := &recorder{provision: map[string]int{}, sent: map[string]int{}}
	c := newPGClient(t, pool, now, checkout.Config{Provisioner: rec, Notifier: rec,
		Gateways: []checkout.Gateway{refusingGateway{msg: "no wallet linked to \xffan\x00"}}})
	if _, err := c.Credit("VND").TopUp(ctx, wallet.TopUpRequest{ID: "bank-1", Customer: "an", Amount: decimal.NewFromInt(400)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateOrder(ctx, checkout.OrderRequest{ID: "o1", Customer: "an", Email: "an@example.com",
		Items: []checkout.LineItem{{Description: "VM", Quantity: 1, Amount: decimal.NewFromInt(1000)}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pay(ctx, "o1", checkout.PayRequest{Method: checkout.MethodTopUpAndPay, Gateway: "refusing"}); !errors.Is(err, checkout.ErrPaymentFailed) {
		t.Errorf("Pay: %v, want ErrPaymentFailed", err)
	}
	o, err := c.Order(ctx, "o1")
	if err != nil {
		t.Fatal(err)
	}
	if o.State != checkout.StateCancelled {
		t.Errorf("order %s, want cancelled", o.State)
	}
	b, err := c.Credit("VND").Balance(ctx, "an")
	if err != nil {
		t.Fatal(err)
	}
	if !b.Available.Equal(decimal.NewFromInt(400)) {
		t.Errorf("available %s, want the hold released (400)", b.Available)
	}
}

// oddCurrencyGateway pays every payment at its start, in a currency whose
// text PostgreSQL cannot store, as a host's adapter passing on what its
// gateway said may.
type oddCurrencyGateway struct{ refusingGateway }

func (g oddCurrencyGateway) Name() string { return "odd" }
func (g oddCurrencyGateway) Start(_ context.Context, in checkout.Intent) (checkout.Start, error) {
	return checkout.Start{Kind: checkout.StartResult, Result: checkout.GatewayResult{Reference: in.Reference,
		Outcome: checkout.OutcomeSucceeded, Amount: in.Amount, AmountConfirmed: true, Currency: "V\xffN\x00D"}}, nil
}

// TestGatewayMismatchNotStorable: a success that does not match the order
// goes to review with the gateway's currency in its Reason. A currency
// PostgreSQL cannot store made that UpdateOrder refuse: the payment taken
// was recorded nowhere and the order stayed awaiting it.
func TestGatewayMismatchNotStorable(t *testing.T) {
	t.Parallel()
	pool := testPool(t, 4)
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) }
	rec := &recorder{provision: map[string]int{}, sent: map[string]int{}}
	c := newPGClient(t, pool, now, checkout.Config{Provisioner: rec, Notifier: rec, Gateways: []checkout.Gateway{oddCurrencyGateway{}}})
	if _, err := c.CreateOrder(ctx, checkout.OrderRequest{ID: "o1", Customer: "an", Email: "an@example.com",
		Items: []checkout.LineItem{{Description: "VM", Quantity: 1, Amount: decimal.NewFromInt(1000)}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pay(ctx, "o1", checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "odd"}); err != nil {
		t.Errorf("Pay: %v", err)
	}
	o, err := c.Order(ctx, "o1")
	if err != nil {
		t.Fatal(err)
	}
	if o.State != checkout.StateReview || !o.Flagged {
		t.Errorf("order %s, flagged %v, want review and flagged", o.State, o.Flagged)
	}
}
