package checkout_test

import (
	"testing"

	"github.com/thanhtoan/thanhtoan/checkout"
)

// Poison inputs: values the public API takes that a later step (a
// gateway, the ledger, the store, the outbox) would refuse again and
// again, or only after money moved.

// TestVTCPayTakesEveryOrderEmail: every email CreateOrder takes (a display
// name is documented) can be paid through VTC Pay. Its bill_to_email
// refuses spaces, '<', '>' and '|', so an order whose email had a display
// name failed every VTC Pay payment, after its top up and pay hold was
// taken.
func TestVTCPayTakesEveryOrderEmail(t *testing.T) {
	t.Parallel()
	for _, email := range []string{"An <an@example.vn>", "Bình <binh@example.vn>", "a|b@example.vn", `"ab"@example.vn`} {
		t.Run(email, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envConfig{})
			e.topUp("an", 20000)
			o, err := e.c.CreateOrder(e.ctx, checkout.OrderRequest{Customer: "an", Email: email,
				Items: []checkout.LineItem{{Description: "VM", Quantity: 1, Amount: vnd(50000)}}})
			if err != nil {
				t.Fatal(err)
			}
			next, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodTopUpAndPay, Gateway: "vtcpay"})
			if err != nil {
				t.Fatalf("pay: %v (order %s: %s)", err, next.Order.State, next.Order.Reason)
			}
			e.payAtGateway(next, 1)
			e.notify(lastRef(e.get(o.ID)))
			e.wantState(o.ID, checkout.StateCompleted)
		})
	}
}
