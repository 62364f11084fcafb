package checkout_test

import (
	"context"
	"fmt"
	"hash/maphash"
	"net/http"
	"net/http/httptest"
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

// BenchmarkCheckoutCreditBareStore is not a floor but a reference: the
// ledger payment of BenchmarkCheckoutCreditFloor plus the least any store
// of orders does for a credit checkout, with none of checkout's work
// (validation, copies for the caller and the Provisioner, outbox,
// notification). The order, its ID and one copy of its items are stored,
// found again by ID (the open-addressing table MemoryStore uses), marked
// completed, and its invoice line appended. BenchmarkCheckoutCredit can
// come no nearer its floor than this does.
func BenchmarkCheckoutCreditBareStore(b *testing.B) {
	type record struct {
		id, customer string
		items        []checkout.LineItem
		amount       decimal.Decimal
		state        checkout.State
		version      int64
		created      time.Time
	}
	ctx := context.Background()
	cr, _ := wallet.NewCredit(wallet.NewMemoryLedger(), wallet.VND)
	if _, err := cr.TopUp(ctx, wallet.TopUpRequest{ID: "seed", Customer: "bench", Amount: decimal.NewFromInt(1 << 50)}); err != nil {
		b.Fatal(err)
	}
	var (
		mu       sync.Mutex
		ids      hashindex.Table
		chunks   [][]record
		invoices []uint32
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
		id := fmt.Sprintf("b%d", i)
		h := maphash.String(seed, id)
		items := append([]checkout.LineItem(nil), benchItems...)
		now := time.Now()
		mu.Lock()
		if _, dup := find(h, id); dup {
			b.Fatal("duplicate order")
		}
		p := uint32(ids.Len())
		if p%chunk == 0 {
			chunks = append(chunks, make([]record, chunk))
		}
		*at(p) = record{id: id, customer: "bench", items: items, amount: benchItems[0].Amount, state: checkout.StateCreated, version: 1, created: now}
		ids.Insert(h, p)
		mu.Unlock()
		if _, err := cr.Pay(ctx, wallet.PayRequest{ID: id + "/credit", Customer: "bench", Amount: benchItems[0].Amount, Order: id}); err != nil {
			b.Fatal(err)
		}
		mu.Lock()
		p, _ = find(h, id)
		r := at(p)
		r.state, r.version = checkout.StateCompleted, r.version+1
		invoices = append(invoices, p)
		mu.Unlock()
	}
	if len(invoices) != ids.Len() {
		b.Fatalf("%d invoices for %d orders", len(invoices), ids.Len())
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
