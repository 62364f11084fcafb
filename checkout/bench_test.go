package checkout_test

import (
	"context"
	"fmt"
	"hash/maphash"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/internal/hashindex"
	"github.com/thanhtoan/thanhtoan/vtcpay"
	"github.com/thanhtoan/thanhtoan/vtcpay/vtcpaytest"
	"github.com/thanhtoan/thanhtoan/wallet"
)

// Benchmarks, each beside its floor (go test -run=^$ -bench=Checkout -benchmem -count=6 ./checkout/).
// Figures are in the package's commit messages and the closing report.

var benchItems = []checkout.LineItem{{Description: "Cloud server", Quantity: 1, Amount: decimal.NewFromInt(1000),
	Config: []checkout.Attribute{{Name: "vCPU", Value: "2"}}}}

func benchClient(b *testing.B, gws []checkout.Gateway, base string) *checkout.Client {
	b.Helper()
	c, err := checkout.New(checkout.Config{Gateways: gws, BaseURL: base,
		Provisioner: checkout.ProvisionerFunc(func(context.Context, checkout.ProvisionRequest) error { return nil })})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkCheckoutCredit: create an order and pay it by credit, in memory:
// the ledger payment, provisioning (a no-op), invoice, outbox and email (the
// discarding LogNotifier).
func BenchmarkCheckoutCredit(b *testing.B) {
	ctx := context.Background()
	c := benchClient(b, nil, "https://shop.example/pay")
	if _, err := c.Credit("").TopUp(ctx, wallet.TopUpRequest{ID: "seed", Customer: "bench", Amount: decimal.NewFromInt(1 << 50)}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		o, err := c.CreateOrder(ctx, checkout.OrderRequest{ID: fmt.Sprintf("b%d", i), Customer: "bench", Email: "b@example.com", Items: benchItems})
		if err != nil {
			b.Fatal(err)
		}
		if next, err := c.Pay(ctx, o.ID, checkout.PayRequest{Method: checkout.MethodCredit}); err != nil || next.Order.State != checkout.StateCompleted {
			b.Fatal(next.Order.State, err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
}

// BenchmarkCheckoutCreditFloor: the ledger transfer a credit checkout makes
// (one wallet payment), called directly on the same in-memory ledger.
func BenchmarkCheckoutCreditFloor(b *testing.B) {
	ctx := context.Background()
	cr, _ := wallet.NewCredit(wallet.NewMemoryLedger(), wallet.VND)
	if _, err := cr.TopUp(ctx, wallet.TopUpRequest{ID: "seed", Customer: "bench", Amount: decimal.NewFromInt(1 << 50)}); err != nil {
		b.Fatal(err)
	}
	amount := decimal.NewFromInt(1000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := cr.Pay(ctx, wallet.PayRequest{ID: fmt.Sprintf("b%d/credit", i), Customer: "bench", Amount: amount, Order: "b"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
}

// BenchmarkCheckoutCreditLeast is not a floor but a reference: the least
// any checkout does for a credit order, written as tightly as this
// package's fastest structure (the open-addressing table MemoryStore uses)
// allows, with none of its generality: no Store interface, no copies
// beyond one of the line items, no recovery. Per order:
//   - create: the request checked (an email, items, an exact total), the
//     items copied once, the order stored under its ID and listed under its
//     customer (for Payment History);
//   - pay: the order found and its credit try saved before the ledger
//     payment (so that a crash leaves a trace to recover), the ledger
//     payment of BenchmarkCheckoutCreditFloor, the Provisioner called with
//     an idempotency key, the order found again and completed, its invoice
//     listed (Billing History) and its email put in the outbox, the email
//     sent (to the discarding LogNotifier) and marked sent.
//
// BenchmarkCheckoutCredit can come no nearer its floor than this does.
func BenchmarkCheckoutCreditLeast(b *testing.B) {
	type record struct {
		id, customer, email string
		items               []checkout.LineItem
		amount              decimal.Decimal
		state               checkout.State
		tries               int
		version             int64
		created, paid       time.Time
	}
	type mail struct {
		n    checkout.Notification
		sent bool
	}
	ctx := context.Background()
	cr, _ := wallet.NewCredit(wallet.NewMemoryLedger(), wallet.VND)
	if _, err := cr.TopUp(ctx, wallet.TopUpRequest{ID: "seed", Customer: "bench", Amount: decimal.NewFromInt(1 << 50)}); err != nil {
		b.Fatal(err)
	}
	var (
		prov     checkout.Provisioner = checkout.ProvisionerFunc(func(context.Context, checkout.ProvisionRequest) error { return nil })
		notifier checkout.Notifier    = checkout.LogNotifier{}

		mu       sync.Mutex
		ids      hashindex.Table
		chunks   [][]record
		orders   = map[string][]uint32{} // by customer
		invoices = map[string][]uint32{} // by customer
		outbox   []mail                  // unsent, from head on
		head     int
		mailed   int
		seed     = maphash.MakeSeed()
	)
	const chunk = 64
	at := func(p uint32) *record { return &chunks[p/chunk][p%chunk] }
	find := func(h uint64, id string) (uint32, bool) {
		return ids.Find(h, func(p uint32) bool { return at(p).id == id })
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		req := checkout.OrderRequest{ID: fmt.Sprintf("b%d", i), Customer: "bench", Email: "b@example.com", Items: benchItems}

		// Create.
		if !strings.Contains(req.Email, "@") || len(req.Items) == 0 {
			b.Fatal("invalid request")
		}
		total := req.Items[0].Amount
		for _, it := range req.Items[1:] {
			total = total.Add(it.Amount)
		}
		if _, err := wallet.VND.ToMinor(total); err != nil {
			b.Fatal(err)
		}
		items := append([]checkout.LineItem(nil), req.Items...)
		h := maphash.String(seed, req.ID)
		now := time.Now()
		mu.Lock()
		if _, dup := find(h, req.ID); dup {
			b.Fatal("duplicate order")
		}
		p := uint32(ids.Len())
		if p%chunk == 0 {
			chunks = append(chunks, make([]record, chunk))
		}
		*at(p) = record{id: req.ID, customer: req.Customer, email: req.Email, items: items, amount: total,
			state: checkout.StateCreated, version: 1, created: now}
		ids.Insert(h, p)
		orders[req.Customer] = append(orders[req.Customer], p)
		mu.Unlock()

		// Pay.
		mu.Lock()
		p, ok := find(h, req.ID)
		r := at(p)
		if !ok || r.state != checkout.StateCreated {
			b.Fatal("order not payable")
		}
		r.tries, r.version = r.tries+1, r.version+1
		o := *r
		mu.Unlock()
		if _, err := cr.Pay(ctx, wallet.PayRequest{ID: o.id + "/credit", Customer: o.customer, Amount: o.amount, Order: o.id}); err != nil {
			b.Fatal(err)
		}
		if err := prov.Provision(ctx, checkout.ProvisionRequest{IdempotencyKey: o.id + "/provision",
			Order: checkout.Order{ID: o.id, Customer: o.customer, Items: o.items, Amount: o.amount, Currency: "VND"}}); err != nil {
			b.Fatal(err)
		}
		n := checkout.Notification{ID: o.id + "/email/completed", Kind: checkout.NotifyOrderCompleted, To: o.email,
			Order: checkout.OrderSummary{ID: o.id, Items: o.items, Amount: o.amount, Currency: "VND", Method: "credit"}}
		now = time.Now()
		mu.Lock()
		p, _ = find(h, o.id)
		r = at(p)
		r.state, r.paid, r.version = checkout.StateCompleted, now, r.version+1
		invoices[r.customer] = append(invoices[r.customer], p)
		outbox = append(outbox, mail{n: n})
		m := len(outbox) - 1
		mu.Unlock()
		if err := notifier.Send(ctx, n); err != nil {
			b.Fatal(err)
		}
		mu.Lock()
		outbox[m].sent, mailed = true, mailed+1
		for head < len(outbox) && outbox[head].sent {
			head++
		}
		if head == len(outbox) {
			clear(outbox)
			outbox, head = outbox[:0], 0
		}
		mu.Unlock()
	}
	if len(invoices["bench"]) != ids.Len() || mailed != ids.Len() || len(outbox) != 0 {
		b.Fatalf("%d invoices and %d emails (%d unsent) for %d orders", len(invoices["bench"]), mailed, len(outbox), ids.Len())
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
}

func benchVTC(b *testing.B, receiving string) (*vtcpaytest.Server, *vtcpay.Client) {
	b.Helper()
	fake := vtcpaytest.NewServer(vtcpaytest.Config{ReceivingURL: receiving})
	b.Cleanup(fake.Close)
	fc := fake.Config()
	vc, err := vtcpay.New(vtcpay.Config{WebsiteID: fc.WebsiteID, SecretKey: fc.SecretKey, ReceiverAccount: fc.ReceiverAccount, KeySign: fc.KeySign},
		vtcpay.WithBaseURL(fake.URL()), vtcpay.WithHTTPClient(fake.Client()))
	if err != nil {
		b.Fatal(err)
	}
	return fake, vc
}

// BenchmarkCheckoutTopUpAndPay: a whole top up and pay over loopback on the
// VTC Pay fake: hold, checkout URL, the payer's page (GET and POST), the
// fake's notification POST to the checkout Handler (verify, settle the
// ledger batch, provision, invoice, email).
func BenchmarkCheckoutTopUpAndPay(b *testing.B) {
	ctx := context.Background()
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	b.Cleanup(srv.Close)
	fake, vc := benchVTC(b, srv.URL+"/pay/notify/vtcpay")
	gw, _ := checkout.VTCPay(vc, checkout.VTCPayOptions{})
	c := benchClient(b, []checkout.Gateway{gw}, srv.URL+"/pay")
	h = http.StripPrefix("/pay", c.Handler())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		cust := fmt.Sprintf("c%d", i)
		if _, err := c.Credit("").TopUp(ctx, wallet.TopUpRequest{ID: cust + "/seed", Customer: cust, Amount: decimal.NewFromInt(400)}); err != nil {
			b.Fatal(err)
		}
		o, err := c.CreateOrder(ctx, checkout.OrderRequest{ID: fmt.Sprintf("t%d", i), Customer: cust, Email: "b@example.com", Items: []checkout.LineItem{
			{Description: "VM", Quantity: 1, Amount: decimal.NewFromInt(10400)}}})
		if err != nil {
			b.Fatal(err)
		}
		next, err := c.Pay(ctx, o.ID, checkout.PayRequest{Method: checkout.MethodTopUpAndPay, Gateway: "vtcpay"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := fake.Pay(ctx, next.URL, vtcpaytest.StatusSuccess); err != nil {
			b.Fatal(err)
		}
		if o, _ := c.Order(ctx, o.ID); o.State != checkout.StateCompleted {
			b.Fatalf("order %s", o.State)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
}

// BenchmarkCheckoutTopUpAndPayFloor: the same HTTP calls with raw net/http:
// a signed checkout URL, the payer's page on the fake (GET and POST) and the
// fake's notification POST, answered "OK" by a bare handler.
func BenchmarkCheckoutTopUpAndPayFloor(b *testing.B) {
	ctx := context.Background()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		_, _ = w.Write([]byte("OK"))
	}))
	b.Cleanup(srv.Close)
	fake, vc := benchVTC(b, srv.URL+"/pay/notify/vtcpay")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		u, err := vc.CheckoutURL(vtcpay.PaymentRequest{Amount: decimal.NewFromInt(10000), Currency: vtcpay.VND,
			ReferenceNumber: fmt.Sprintf("t%d-1", i), ReturnURL: srv.URL + "/pay/return/vtcpay"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := fake.Pay(ctx, u, vtcpaytest.StatusSuccess); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
}
