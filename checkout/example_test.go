package checkout_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/vtcpay"
	"github.com/thanhtoan/thanhtoan/vtcpay/vtcpaytest"
	"github.com/thanhtoan/thanhtoan/wallet"
)

// A credit payment, then a gateway payment through VTC Pay's fake.
func Example() {
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) }
	fake := vtcpaytest.NewServer(vtcpaytest.Config{}, vtcpaytest.WithoutNotify())
	defer fake.Close()
	fc := fake.Config()
	vc, err := vtcpay.New(vtcpay.Config{WebsiteID: fc.WebsiteID, SecretKey: fc.SecretKey, ReceiverAccount: fc.ReceiverAccount,
		KeySign: fc.KeySign}, vtcpay.WithBaseURL(fake.URL()), vtcpay.WithHTTPClient(fake.Client()))
	if err != nil {
		fmt.Println(err)
		return
	}
	vtc, _ := checkout.VTCPay(vc, checkout.VTCPayOptions{})
	provision := checkout.ProvisionerFunc(func(_ context.Context, r checkout.ProvisionRequest) error {
		fmt.Println("provision", r.IdempotencyKey)
		return nil
	})
	c, err := checkout.New(checkout.Config{Gateways: []checkout.Gateway{vtc}, Provisioner: provision,
		BaseURL: "https://shop.example/pay"}, checkout.WithClock(now))
	if err != nil {
		fmt.Println(err)
		return
	}
	handler := http.StripPrefix("/pay", c.Handler())

	// The customer has 200000 VND of credit.
	_, _ = c.Credit("VND").TopUp(ctx, wallet.TopUpRequest{ID: "bank-1", Customer: "an", Amount: decimal.NewFromInt(200000)})
	item := checkout.LineItem{Description: "Cloud server", Quantity: 1, Amount: decimal.NewFromInt(150000),
		Config: []checkout.Attribute{{Name: "vCPU", Value: "2"}, {Name: "RAM", Value: "4 GB"}}}

	o, _ := c.CreateOrder(ctx, checkout.OrderRequest{ID: "o1", Customer: "an", Email: "an@example.com", Items: []checkout.LineItem{item}})
	next, err := c.Pay(ctx, o.ID, checkout.PayRequest{Method: checkout.MethodCredit})
	fmt.Println("credit:", next.Kind, next.Order.State, err)

	o, _ = c.CreateOrder(ctx, checkout.OrderRequest{ID: "o2", Customer: "an", Email: "an@example.com", Items: []checkout.LineItem{item}})
	next, _ = c.Pay(ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vtcpay"})
	fmt.Println("gateway:", next.Kind)
	// The payer pays on VTC Pay's page; VTC Pay notifies the shop.
	_, _ = fake.Pay(ctx, next.URL, vtcpaytest.StatusSuccess)
	_, _ = fake.Deliver(ctx, handler, "o2-1", vtcpaytest.Target("https://shop.example/pay/notify/vtcpay"))
	o, _ = c.Order(ctx, "o2")
	fmt.Println("gateway:", o.State)

	credit, _ := c.CreditHistory(ctx, "an", wallet.HistoryQuery{})
	for _, l := range credit.Entries {
		fmt.Println("credit history:", l.Kind, l.Amount, "balance", l.Balance)
	}
	payments, _ := c.PaymentHistory(ctx, "an", checkout.PageQuery{})
	for _, p := range payments.Payments {
		fmt.Println("payment history:", p.Gateway, p.Reference, p.Amount, p.Currency, p.Outcome)
	}
	bills, _ := c.BillingHistory(ctx, "an", checkout.PageQuery{})
	for _, b := range bills.Invoices {
		fmt.Println("billing history:", b.ID, b.Method, b.Amount, b.Currency)
	}
	// Output:
	// provision o1/provision
	// credit: done completed <nil>
	// gateway: redirect
	// provision o2/provision
	// gateway: completed
	// credit history: top-up 200000 balance 200000
	// credit history: payment 150000 balance 50000
	// payment history: vtcpay o2-1 150000 VND paid
	// billing history: o1/invoice credit 150000 VND
	// billing history: o2/invoice gateway 150000 VND
}

// The Handler mounted under /billing/ on the host's ServeMux: VTC Pay's fake
// POSTs its notification to BaseURL+"/notify/vtcpay" and the payer's
// browser comes back to BaseURL+"/return/vtcpay".
func ExampleClient_Handler() {
	ctx := context.Background()
	mux := http.NewServeMux()
	site := httptest.NewServer(mux) // the host's site, on loopback
	defer site.Close()
	baseURL := site.URL + "/billing"

	fake := vtcpaytest.NewServer(vtcpaytest.Config{ReceivingURL: baseURL + "/notify/vtcpay"})
	defer fake.Close()
	fc := fake.Config()
	vc, err := vtcpay.New(vtcpay.Config{WebsiteID: fc.WebsiteID, SecretKey: fc.SecretKey, ReceiverAccount: fc.ReceiverAccount,
		KeySign: fc.KeySign}, vtcpay.WithBaseURL(fake.URL()), vtcpay.WithHTTPClient(fake.Client()))
	if err != nil {
		fmt.Println(err)
		return
	}
	vtc, _ := checkout.VTCPay(vc, checkout.VTCPayOptions{})
	provision := checkout.ProvisionerFunc(func(context.Context, checkout.ProvisionRequest) error { return nil })
	c, err := checkout.New(checkout.Config{Gateways: []checkout.Gateway{vtc}, Provisioner: provision, BaseURL: baseURL})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Strip "/billing", not "/billing/": the routes start with "/".
	mux.Handle("/billing/", http.StripPrefix("/billing", c.Handler()))

	o, _ := c.CreateOrder(ctx, checkout.OrderRequest{ID: "o1", Customer: "an", Email: "an@example.com",
		Items: []checkout.LineItem{{Description: "Cloud server", Quantity: 1, Amount: decimal.NewFromInt(150000)}}})
	next, _ := c.Pay(ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vtcpay"})
	fmt.Println("pay:", next.Kind)
	// The payer pays on VTC Pay's page; the fake POSTs the notification to
	// the site, then sends the payer's browser back.
	back, _ := fake.Pay(ctx, next.URL, vtcpaytest.StatusSuccess)
	fmt.Println("return to:", strings.TrimPrefix(back.Path, "/billing"))
	resp, err := http.Get(back.String())
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println("return page:", resp.StatusCode)
	o, _ = c.Order(ctx, "o1")
	fmt.Println("order:", o.State)
	// Output:
	// pay: redirect
	// return to: /return/vtcpay
	// return page: 200
	// order: completed
}

// Payment on behalf: the requester shares the order, the payer opens the
// link and pays through VTC Pay; then each history is read page by page.
func ExampleClient_Share() {
	ctx := context.Background()
	fake := vtcpaytest.NewServer(vtcpaytest.Config{}, vtcpaytest.WithoutNotify())
	defer fake.Close()
	fc := fake.Config()
	vc, err := vtcpay.New(vtcpay.Config{WebsiteID: fc.WebsiteID, SecretKey: fc.SecretKey, ReceiverAccount: fc.ReceiverAccount,
		KeySign: fc.KeySign}, vtcpay.WithBaseURL(fake.URL()), vtcpay.WithHTTPClient(fake.Client()))
	if err != nil {
		fmt.Println(err)
		return
	}
	vtc, _ := checkout.VTCPay(vc, checkout.VTCPayOptions{})
	provision := checkout.ProvisionerFunc(func(context.Context, checkout.ProvisionRequest) error { return nil })
	// The default Notifier sends nothing: the Mailbox keeps the emails.
	mailbox, _ := checkout.NewMailbox("Cloud <billing@cloud.example.vn>")
	c, err := checkout.New(checkout.Config{Gateways: []checkout.Gateway{vtc}, Provisioner: provision, Notifier: mailbox,
		BaseURL: "https://cloud.example.vn/billing"})
	if err != nil {
		fmt.Println(err)
		return
	}
	handler := http.StripPrefix("/billing", c.Handler())

	for _, id := range []string{"o1", "o2", "o3"} {
		o, _ := c.CreateOrder(ctx, checkout.OrderRequest{ID: id, Customer: "an", Email: "an@example.com", Language: checkout.English,
			Items: []checkout.LineItem{{Description: "Cloud server", Quantity: 1, Amount: decimal.NewFromInt(150000)}}})
		share, err := c.Share(ctx, o.ID, "boss@parent.example")
		if err != nil {
			fmt.Println(err)
			return
		}
		// The payer follows the link in their email, views the order
		// (OpenShare) and pays (PayShared): what the share pages do.
		token := share.URL[strings.LastIndex(share.URL, "/")+1:]
		view, _ := c.OpenShare(ctx, token)
		next, _ := c.PayShared(ctx, token, view.Gateways[0])
		_, _ = fake.Pay(ctx, next.URL, vtcpaytest.StatusSuccess)
		_, _ = fake.Deliver(ctx, handler, id+"-1", vtcpaytest.Target("https://cloud.example.vn/billing/notify/vtcpay"))
	}
	for _, m := range mailbox.Messages() {
		if m.Kind == checkout.NotifyShareLink {
			fmt.Println("email to", m.To.Address+":", m.Subject)
		}
	}

	// Payment History, two lines a page: pass Next as After while More.
	q := checkout.PageQuery{Limit: 2}
	for {
		page, err := c.PaymentHistory(ctx, "an", q)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, p := range page.Payments {
			fmt.Println("payment:", p.Reference, p.Amount, p.Payer, p.Outcome)
		}
		if !page.More {
			break
		}
		q.After = page.Next
	}
	// Output:
	// email to boss@parent.example: an@example.com asks you to pay order o1
	// email to boss@parent.example: an@example.com asks you to pay order o2
	// email to boss@parent.example: an@example.com asks you to pay order o3
	// payment: o1-1 150000 boss@parent.example paid
	// payment: o2-1 150000 boss@parent.example paid
	// payment: o3-1 150000 boss@parent.example paid
}
