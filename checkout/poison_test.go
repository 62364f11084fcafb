package checkout_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/vivietpay/vivietpaytest"
	"github.com/thanhtoan/thanhtoan/vtcpay"
	"github.com/thanhtoan/thanhtoan/wallet"
)

// Poison inputs: values the public API takes that a later step (a
// gateway, the ledger, the store, the outbox) would refuse again and
// again, or only after money moved.

// TestVTCPayTakesEveryOrderEmail: every email CreateOrder takes can be
// paid through VTC Pay. Its bill_to_email refuses '|', which an address may
// hold, so such an order failed every VTC Pay payment, after its top up and
// pay hold was taken (display names, which it refuses too, are refused by
// CreateOrder).
func TestVTCPayTakesEveryOrderEmail(t *testing.T) {
	t.Parallel()
	for _, email := range []string{"an@example.vn", "a|b@example.vn", "a|b+c|d@example.vn"} {
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

// refusingNotifier fails every email to one address (a mailbox the SMTP
// server refuses for good, say) and sends the others through notifier.
type refusingNotifier struct {
	*notifier
	refused string
}

func (n refusingNotifier) Send(ctx context.Context, m checkout.Notification) error {
	if m.To == n.refused {
		return errors.New("smtp: 550 mailbox unavailable")
	}
	return n.notifier.Send(ctx, m)
}

// TestSweepSendsPastUnsendableNotifications: notifications that can never
// be sent (an address the server refuses) stay pending, oldest first, and
// Sweep stopped at a page of 100 of them that it could not send, so that
// from the hundredth on no email another order queued after them was ever
// sent again once its first send failed.
func TestSweepSendsPastUnsendableNotifications(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := newClock()
	const refused = "gone@example.vn"
	notif := &notifier{}
	c, err := checkout.New(checkout.Config{Provisioner: &provisioner{results: map[string]error{}},
		Notifier: refusingNotifier{notif, refused}, BaseURL: baseURL}, checkout.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	pay := func(id, email string) {
		t.Helper()
		if _, err := c.Credit("").TopUp(ctx, wallet.TopUpRequest{ID: "seed/" + id, Customer: id, Amount: vnd(1000)}); err != nil {
			t.Fatal(err)
		}
		o, err := c.CreateOrder(ctx, checkout.OrderRequest{ID: id, Customer: id, Email: email,
			Items: []checkout.LineItem{{Description: "VM", Quantity: 1, Amount: vnd(1000)}}})
		if err != nil {
			t.Fatal(err)
		}
		if next, err := c.Pay(ctx, o.ID, checkout.PayRequest{Method: checkout.MethodCredit}); err != nil || next.Order.State != checkout.StateCompleted {
			t.Fatalf("pay %s: %v (%s)", id, err, next.Order.State)
		}
	}
	for i := range 150 {
		pay(fmt.Sprintf("gone%d", i), refused)
	}
	const late = 1200 // more than Sweep reads at once (MaxPageSize)
	notif.mu.Lock()
	notif.failNext = late // their first sends fail: Sweep's to send
	notif.mu.Unlock()
	for i := range late {
		pay(fmt.Sprintf("late%d", i), "late@example.vn")
	}
	clk.Advance(time.Hour) // past the outbox grace
	rep, err := c.Sweep(ctx)
	if err == nil {
		t.Error("Sweep reported no error with 150 notifications it could not send")
	}
	if got := len(notif.byKind(checkout.NotifyOrderCompleted)); got != late || rep.Notifications != late {
		t.Fatalf("emails sent by one Sweep: %d (report %d), want the %d later orders'", got, rep.Notifications, late)
	}
}

// TestCreateOrderRefusesUnstorableText: text PostgreSQL cannot store
// (invalid UTF-8, a NUL byte) is refused by CreateOrder whatever the Store.
// pgstore refused it, but on the memory store the order was taken, and its
// customer's wallet account is named after Customer: a pgledger ledger
// refuses that account, so a gateway payment's refund to the wallet (a
// failed provisioning) or the crediting of a late payment failed at every
// Sweep, after the money was taken.
func TestCreateOrderRefusesUnstorableText(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	item := func(desc, name, value string) []checkout.LineItem {
		return []checkout.LineItem{{Description: desc, Quantity: 1, Amount: vnd(1000), Config: []checkout.Attribute{{Name: name, Value: value}}}}
	}
	for _, tc := range []struct {
		name string
		req  checkout.OrderRequest
	}{
		{"customer NUL", checkout.OrderRequest{Customer: "an\x00", Items: item("VM", "vCPU", "2")}},
		{"customer invalid UTF-8", checkout.OrderRequest{Customer: "\xffan", Items: item("VM", "vCPU", "2")}},
		{"description NUL", checkout.OrderRequest{Customer: "an", Items: item("VM\x00", "vCPU", "2")}},
		{"description invalid UTF-8", checkout.OrderRequest{Customer: "an", Items: item("M\xe1y", "vCPU", "2")}},
		{"attribute name", checkout.OrderRequest{Customer: "an", Items: item("VM", "v\x00CPU", "2")}},
		{"attribute value", checkout.OrderRequest{Customer: "an", Items: item("VM", "vCPU", "\xc0")}},
		{"language", checkout.OrderRequest{Customer: "an", Language: "v\xffi", Items: item("VM", "vCPU", "2")}},
	} {
		tc.req.Email = "an@example.vn"
		if _, err := e.c.CreateOrder(e.ctx, tc.req); !errors.Is(err, checkout.ErrInvalidOrder) {
			t.Errorf("%s: err = %v, want ErrInvalidOrder", tc.name, err)
		}
	}
	if _, err := e.c.CreateOrder(e.ctx, checkout.OrderRequest{Customer: "Bình", Email: "an@example.vn", Items: item("Máy chủ \ufffd", "RAM", "4 GB")}); err != nil {
		t.Errorf("valid UTF-8: %v", err)
	}
}

// TestGatewayAmountItCannotSettle: VTC Pay's client starts a payment of
// up to 10^18 minor units, but reads amounts of at most 14 integer digits
// in its notifications, returns and status answers. An order of 10^15
// dong started on VTC Pay and, paid, could never be settled: every
// notification was refused as malformed, every Sweep's query failed, and
// the top up and pay hold stayed held for ever. Such a payment is now
// refused at its start, before anything is sent: the order is cancelled
// and its hold released.
func TestGatewayAmountItCannotSettle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	e.topUp("an", 1000)
	o, err := e.c.CreateOrder(e.ctx, checkout.OrderRequest{Customer: "an", Email: "an@example.vn",
		Items: []checkout.LineItem{{Description: "VM", Quantity: 1, Amount: vnd(1_000_000_000_000_000)}}})
	if err != nil {
		t.Fatal(err)
	}
	next, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodTopUpAndPay, Gateway: "vtcpay"})
	if !errors.Is(err, checkout.ErrPaymentFailed) {
		if next.Kind == checkout.NextRedirect {
			e.payAtGateway(next, 1)
			e.notify(lastRef(e.get(o.ID)))
			e.clock.Advance(30 * 24 * time.Hour)
			_, err = e.c.Sweep(e.ctx)
		}
		t.Fatalf("Pay of 10^15 dong on VTC Pay: %v, want ErrPaymentFailed; after paying, a month of Sweep: %v", next.Kind, err)
	}
	e.wantState(o.ID, checkout.StateCancelled)
	if b := e.balance("an"); !b.Available.Equal(vnd(1000)) || !b.Pending.IsZero() {
		t.Errorf("balance after the refused start: available %s, pending %s; want the hold released", b.Available, b.Pending)
	}
	// Just below the limit the payment goes through.
	o = e.order("an", 99_999_999_999_999+1000)
	next, err = e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodTopUpAndPay, Gateway: "vtcpay"})
	if err != nil {
		t.Fatal(err)
	}
	e.payAtGateway(next, 1)
	e.notify(lastRef(e.get(o.ID)))
	e.wantState(o.ID, checkout.StateCompleted)
}

// TestVietPayAmountItCannotSettle: Ví Việt's client starts a payment of
// any amount that fits int64, but reads amounts of at most 18 digits in
// its results: a payment of 10^18 dong or more could never be settled.
// It is refused at its start.
func TestVietPayAmountItCannotSettle(t *testing.T) {
	t.Parallel()
	e := newVietEnv(t)
	e.srv.AddAccount(vivietpaytest.Account{Phone: "0922222222", Password: "pw123456", Balance: 2_000_000_000_000_000_000, Limit: 2_000_000_000_000_000_000})
	o := e.order("an", 1_000_000_000_000_000_000)
	next, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vietpay"})
	if !errors.Is(err, checkout.ErrPaymentFailed) {
		if next.Kind == checkout.NextRedirect {
			_, perr := e.srv.Pay(e.ctx, next.URL, "0922222222", "pw123456")
			code := -1
			if perr == nil {
				code = e.deliver(e.lastNotification())
			}
			e.clock.Advance(30 * 24 * time.Hour)
			_, err = e.c.Sweep(e.ctx)
			t.Logf("paid: %v; notification answered %d; order %s", perr, code, e.get(o.ID).State)
		}
		t.Fatalf("Pay of 10^18 dong on Ví Việt: %v, want ErrPaymentFailed; after paying, a month of Sweep: %v", next.Kind, err)
	}
	e.wantState(o.ID, checkout.StateCancelled)
}

// TestOrderEmailWithinSMTPLimits: whatever email CreateOrder takes, SMTP
// can carry: an address of at most 254 octets with a local part of at
// most 64 (RFC 5321; servers answer longer ones with a permanent 5xx at
// RCPT, which the outbox retried for ever), and a message whose lines
// (the To header, display name included) stay within 998 octets (RFC
// 5322). CreateOrder took an address or a display name of any length.
func TestOrderEmailWithinSMTPLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	r, err := checkout.NewEmailRenderer("no-reply@thanhtoan.example")
	if err != nil {
		t.Fatal(err)
	}
	items := []checkout.LineItem{{Description: "VM", Quantity: 1, Amount: vnd(1000)}}
	label := strings.Repeat("d", 63)
	domain := strings.Join([]string{label, label, label, label[:57]}, ".") + ".vn" // 250 octets
	for _, tc := range []struct {
		email string
		take  bool
	}{
		{strings.Repeat("a", 64) + "@x.vn", true},
		{strings.Repeat("a", 65) + "@x.vn", false},
		{"a@" + domain, true}, // 252 octets
		{"abcde@" + domain, false},
		{"An <" + strings.Repeat("a", 64) + "@x.vn>", false}, // not an address alone
		{strings.Repeat("é", 120) + " <a@x.vn>", false},
		{strings.Repeat("é", 400) + " <a@x.vn>", false},
		{strings.Repeat("A", 1200) + " <a@x.vn>", false},
	} {
		o, err := e.c.CreateOrder(e.ctx, checkout.OrderRequest{Customer: "a", Email: tc.email, Items: items})
		if err != nil {
			if !errors.Is(err, checkout.ErrInvalidOrder) {
				t.Errorf("email of %d octets: err = %v, want ErrInvalidOrder", len(tc.email), err)
			}
			if tc.take {
				t.Errorf("email of %d octets refused: %v", len(tc.email), err)
			}
			continue
		}
		m, err := r.Render(checkout.Notification{ID: o.ID + "/email/completed", Kind: checkout.NotifyOrderCompleted, To: o.Email,
			Order: checkout.OrderSummary{ID: o.ID, Items: o.Items, Amount: vnd(1000), Currency: "VND", Method: "credit"}})
		if err != nil {
			t.Fatalf("email of %d octets taken, not rendered: %v", len(tc.email), err)
		}
		raw, err := m.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		at := strings.LastIndexByte(m.To.Address, '@')
		if len(m.To.Address) > 254 || at > 64 {
			t.Errorf("email of %d octets taken: address of %d octets, local part %d", len(tc.email), len(m.To.Address), at)
		}
		for _, line := range strings.Split(string(raw), "\r\n") {
			if len(line) > 998 {
				t.Errorf("email of %d octets taken: a line of %d octets: %.40q", len(tc.email), len(line), line)
			}
		}
	}
}

// TestNewRefusesBaseURLGatewaysRefuse: return URLs are BaseURL +
// "/return/<gateway>", and VTC Pay takes a url_return of at most 1000
// characters (Ví Việt 1024): with a longer BaseURL every VTC Pay payment
// failed at its start, after a top up and pay hold was taken. New refuses
// it.
func TestNewRefusesBaseURLGatewaysRefuse(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	fc := e.fake.Config()
	vc, err := vtcpay.New(vtcpay.Config{WebsiteID: fc.WebsiteID, SecretKey: fc.SecretKey, ReceiverAccount: fc.ReceiverAccount, KeySign: fc.KeySign},
		vtcpay.WithBaseURL(e.fake.URL()), vtcpay.WithHTTPClient(e.fake.Client()))
	if err != nil {
		t.Fatal(err)
	}
	gw, err := checkout.VTCPay(vc, checkout.VTCPayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{900, 980} {
		base := "https://shop.example/" + strings.Repeat("p", n)
		c, err := checkout.New(checkout.Config{Provisioner: e.prov, BaseURL: base, Gateways: []checkout.Gateway{gw}})
		if n == 900 {
			if err != nil {
				t.Fatalf("BaseURL of %d octets: %v", len(base), err)
			}
			gw, err = checkout.VTCPay(vc, checkout.VTCPayOptions{}) // a fresh adapter for the next Client
			if err != nil {
				t.Fatal(err)
			}
		} else if !errors.Is(err, checkout.ErrInvalidConfig) {
			t.Errorf("BaseURL of %d octets: err = %v, want ErrInvalidConfig", len(base), err)
		}
		if err != nil {
			continue
		}
		o, err := c.CreateOrder(e.ctx, checkout.OrderRequest{Customer: "an", Email: "an@example.vn",
			Items: []checkout.LineItem{{Description: "VM", Quantity: 1, Amount: vnd(1000)}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vtcpay"}); err != nil {
			t.Errorf("BaseURL of %d octets taken, VTC Pay payment: %v", len(base), err)
		}
	}
}

// TestSweepDropsNotificationItCannotRender: a notification the email
// renderer refuses (ErrInvalidNotification, ErrHeaderInjection: an
// address CreateOrder took before de4cc27, say) can never be sent. Sweep
// retried it at every run for ever, and it held a place at the head of the
// outbox; it is now dropped (marked sent, logged) the first time.
func TestSweepDropsNotificationItCannotRender(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := newClock()
	smtp, err := checkout.NewSMTPNotifier(checkout.SMTPConfig{Addr: "127.0.0.1:1", From: "no-reply@thanhtoan.example",
		StartTLS: checkout.StartTLSLoopbackPlaintext})
	if err != nil {
		t.Fatal(err)
	}
	store := checkout.NewMemoryStore()
	c, err := checkout.New(checkout.Config{Store: store, Provisioner: &provisioner{results: map[string]error{}}, Notifier: smtp,
		BaseURL: baseURL}, checkout.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	sum := checkout.OrderSummary{ID: "o1", Items: []checkout.LineItem{{Description: "VM", Quantity: 1, Amount: vnd(1000)}},
		Amount: vnd(1000), Currency: "VND", Method: "credit"}
	for _, n := range []checkout.Notification{
		{ID: "o1/email/completed", Kind: checkout.NotifyOrderCompleted, To: "x@", Order: sum},
		{ID: "o2/email/completed", Kind: checkout.NotifyOrderCompleted, To: "a@x.vn\r\nBcc: b@x.vn", Order: sum},
	} {
		if _, err := store.Enqueue(ctx, n, clk.Now()); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(time.Hour)
	if _, err := c.Sweep(ctx); err == nil {
		t.Error("first Sweep: no error for two notifications it dropped")
	}
	pending, err := store.PendingNotifications(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 0 {
		t.Errorf("after Sweep, %d notifications that can never be rendered are still pending", len(pending))
	}
	if _, err := c.Sweep(ctx); err != nil {
		t.Errorf("second Sweep: %v", err)
	}
}
