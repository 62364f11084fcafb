package checkout_test

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/thanhtoan/thanhtoan/checkout"
)

// unsendable are addresses refused for an order or a payer: the email
// renderer could never send to them (the outbox would retry for ever), or
// they are not an address alone, which gateways refuse (VTC Pay's
// bill_to_email) after the order was made.
var unsendable = []string{
	"", " ", "x@", "@x.vn", "a..b@x.vn", ".a@x.vn", "a.@x.vn", "a@x..vn", "a@@x.vn", "a@x.vn@y.vn",
	"ñ@x.vn",                                                                   // non-ASCII: needs SMTPUTF8
	"a@x.vn\r\nBcc: e@evil.vn",                                                 // header injection
	strings.Repeat("a", 65) + "@x.vn", "a@" + strings.Repeat("x", 250) + ".vn", // over SMTP's limits
	"An <a@x.vn>", "Bình <b@x.vn>", " a@x.vn", "a@x.vn ", `"a"@x.vn`, // not an address alone
	"a@x.vn\n", "a\x00@x.vn", "a b@x.vn", `"a b"@x.vn`, "<a@x.vn", "a@x.vn>", "An <a@x.vn", "\xff@x.vn",
}

func TestCreateOrderRefusesUnsendableEmail(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	items := []checkout.LineItem{{Description: "VM", Quantity: 1, Amount: vnd(1000)}}
	for _, addr := range unsendable {
		_, err := e.c.CreateOrder(e.ctx, checkout.OrderRequest{Customer: "a", Email: addr, Items: items})
		if !errors.Is(err, checkout.ErrInvalidOrder) {
			t.Errorf("email %q: err = %v, want ErrInvalidOrder", addr, err)
		}
	}
	for _, addr := range []string{"a@x.vn", "a.b+tag@mail.example.vn", "o'brien@x.vn", "a@x", "A@X.VN", strings.Repeat("a", 64) + "@x.vn"} {
		if _, err := e.c.CreateOrder(e.ctx, checkout.OrderRequest{Customer: "a", Email: addr, Items: items}); err != nil {
			t.Errorf("email %q: %v", addr, err)
		}
	}
}

func TestShareRefusesUnsendableEmail(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	o := e.order("an", 50000)
	for _, addr := range unsendable {
		if _, err := e.c.Share(e.ctx, o.ID, addr); !errors.Is(err, checkout.ErrInvalidRequest) {
			t.Errorf("payer %q: err = %v, want ErrInvalidRequest", addr, err)
		}
	}
	if got := e.get(o.ID); got.State != checkout.StateCreated {
		t.Errorf("order after refused shares: %s, want created", got.State)
	}
	if _, err := e.c.Share(e.ctx, o.ID, "payer+1@x.vn"); err != nil {
		t.Errorf("plain payer address: %v", err)
	}
}

// Every address an order takes can pay through VTC Pay, one too long for
// its bill_to_email (100 characters) too: the field is left out.
func TestOrderEmailPaysThroughVTCPay(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	for _, addr := range []string{"a@x.vn", "o'brien+tag@mail.example.vn", strings.Repeat("a", 64) + "@" + strings.Repeat("x", 60) + ".vn"} {
		o, err := e.c.CreateOrder(e.ctx, checkout.OrderRequest{Customer: "a", Email: addr,
			Items: []checkout.LineItem{{Description: "VM", Quantity: 1, Amount: vnd(20000)}}})
		if err != nil {
			t.Fatalf("email %q: %v", addr, err)
		}
		next, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vtcpay"})
		if err != nil || next.Kind != checkout.NextRedirect {
			t.Errorf("email %q: Pay = %+v, %v", addr, next, err)
		}
	}
}

// FuzzOrderEmail: whatever email CreateOrder takes, the renderer can send
// the completed order's email to (the outbox never holds an email that
// can't be sent); and an address taken on the fast path is one net/mail
// reads as itself.
func FuzzOrderEmail(f *testing.F) {
	for _, s := range append(unsendable, "a@x.vn", "An <a@x.vn>", "a+b@x-y.vn", `"a"@x`) {
		f.Add(s)
	}
	c, err := checkout.New(checkout.Config{BaseURL: "https://shop.example/pay", Provisioner: checkout.ProvisionerFunc(func(context.Context, checkout.ProvisionRequest) error { return nil })})
	if err != nil {
		f.Fatal(err)
	}
	r, err := checkout.NewEmailRenderer("no-reply@thanhtoan.example")
	if err != nil {
		f.Fatal(err)
	}
	items := []checkout.LineItem{{Description: "VM", Quantity: 1, Amount: vnd(1000)}}
	f.Fuzz(func(t *testing.T, addr string) {
		o, err := c.CreateOrder(context.Background(), checkout.OrderRequest{Customer: "a", Email: addr, Items: items})
		if err != nil {
			if !errors.Is(err, checkout.ErrInvalidOrder) {
				t.Fatalf("email %q: err = %v, want ErrInvalidOrder", addr, err)
			}
			return
		}
		n := checkout.Notification{ID: o.ID + "/email/completed", Kind: checkout.NotifyOrderCompleted, To: o.Email,
			Order: checkout.OrderSummary{ID: o.ID, Items: o.Items, Amount: decimal.NewFromInt(1000), Currency: "VND", Method: "credit"}}
		if _, err := r.Render(n); err != nil {
			t.Fatalf("email %q taken by CreateOrder but not rendered: %v", addr, err)
		}
		if checkout.PlainAddress(addr) {
			if a, err := mail.ParseAddress(addr); err != nil || a.Address != addr {
				t.Fatalf("fast path took %q; net/mail reads %v, %v", addr, a, err)
			}
		}
	})
}
