// Command checkout runs every payment method of package checkout against
// the in-process VTC Pay fake (vtcpaytest) and prints the customer's
// histories after each: credit, top up and pay, gateway, payment on behalf,
// a failed gateway payment, and a provisioning failure refunded to credit.
// Nothing leaves the machine.
//
//	go run ./examples/checkout
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"
	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/vtcpay"
	"github.com/thanhtoan/thanhtoan/vtcpay/vtcpaytest"
	"github.com/thanhtoan/thanhtoan/wallet"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// mailbox is a Notifier that prints each email.
type mailbox struct {
	mu   sync.Mutex
	w    io.Writer
	last checkout.Notification
}

func (m *mailbox) Send(_ context.Context, n checkout.Notification) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.last = n
	fmt.Fprintf(m.w, "  email %s to %s (order %s)\n", n.Kind, n.To, n.Order.ID)
	return nil
}

func run(ctx context.Context, w io.Writer) error {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }

	// The shop: checkout's Handler under /pay on a loopback server, where
	// the fake VTC Pay POSTs its notifications.
	var handler http.Handler
	shop := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { handler.ServeHTTP(rw, r) }))
	defer shop.Close()
	fake := vtcpaytest.NewServer(vtcpaytest.Config{ReceivingURL: shop.URL + "/pay/notify/vtcpay"}, vtcpaytest.WithClock(clock))
	defer fake.Close()
	fc := fake.Config()
	vc, err := vtcpay.New(vtcpay.Config{WebsiteID: fc.WebsiteID, SecretKey: fc.SecretKey, ReceiverAccount: fc.ReceiverAccount,
		KeySign: fc.KeySign}, vtcpay.WithBaseURL(fake.URL()), vtcpay.WithHTTPClient(fake.Client()))
	if err != nil {
		return err
	}
	vtc, err := checkout.VTCPay(vc, checkout.VTCPayOptions{})
	if err != nil {
		return err
	}
	failNext := false
	provision := checkout.ProvisionerFunc(func(_ context.Context, r checkout.ProvisionRequest) error {
		if failNext {
			fmt.Fprintf(w, "  provision %s: region full\n", r.IdempotencyKey)
			return errors.New("region full")
		}
		fmt.Fprintf(w, "  provision %s: %s\n", r.IdempotencyKey, describe(r.Order.Items))
		return nil
	})
	mail := &mailbox{w: w}
	c, err := checkout.New(checkout.Config{Gateways: []checkout.Gateway{vtc}, Provisioner: provision, Notifier: mail,
		BaseURL: shop.URL + "/pay", Ledger: wallet.NewMemoryLedger(wallet.WithClock(clock))}, checkout.WithClock(clock))
	if err != nil {
		return err
	}
	handler = http.StripPrefix("/pay", c.Handler())

	const customer = "acme"
	if _, err := c.Credit("VND").TopUp(ctx, wallet.TopUpRequest{ID: "bank-transfer-1", Customer: customer, Amount: decimal.NewFromInt(300000)}); err != nil {
		return err
	}
	fmt.Fprintln(w, "acme's credit wallet holds 300000 VND")

	n := 0
	newOrder := func(amount int64) (checkout.Order, error) {
		n++
		return c.CreateOrder(ctx, checkout.OrderRequest{ID: fmt.Sprintf("order%d", n), Customer: customer, Email: "billing@acme.example",
			Language: checkout.English, Items: []checkout.LineItem{{Description: "Cloud server", Quantity: 1, Amount: decimal.NewFromInt(amount),
				Config: []checkout.Attribute{{Name: "vCPU", Value: "2"}, {Name: "RAM", Value: "4 GB"}, {Name: "Disk", Value: "80 GB SSD"}}}}})
	}
	// payAtVTC plays the payer on VTC Pay's page; the fake then POSTs its
	// notification to the shop.
	payAtVTC := func(next checkout.Next, status int) error {
		if next.Kind != checkout.NextRedirect {
			return fmt.Errorf("expected a redirect, got %s", next.Kind)
		}
		fmt.Fprintln(w, "  redirect to VTC Pay; the payer pays")
		_, err := fake.Pay(ctx, next.URL, status)
		return err
	}
	show := func(id string) error {
		o, err := c.Order(ctx, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  order %s: %s", o.ID, o.State)
		if o.Reason != "" {
			fmt.Fprintf(w, " (%s)", o.Reason)
		}
		fmt.Fprintln(w)
		return histories(ctx, w, c, customer)
	}

	fmt.Fprintln(w, "\n1. Credit: 120000 VND from the wallet")
	o, err := newOrder(120000)
	if err != nil {
		return err
	}
	if _, err := c.Pay(ctx, o.ID, checkout.PayRequest{Method: checkout.MethodCredit}); err != nil {
		return err
	}
	if err := show(o.ID); err != nil {
		return err
	}

	fmt.Fprintln(w, "\n2. Credit refused: 250000 VND")
	o, err = newOrder(250000)
	if err != nil {
		return err
	}
	_, err = c.Pay(ctx, o.ID, checkout.PayRequest{Method: checkout.MethodCredit})
	var short *checkout.InsufficientCreditError
	if !errors.As(err, &short) {
		return fmt.Errorf("expected insufficient credit, got %v", err)
	}
	fmt.Fprintf(w, "  refused: short of %s VND\n", short.Shortfall())

	fmt.Fprintln(w, "\n3. Top up & Pay the same order: all the credit plus the rest through VTC Pay")
	next, err := c.Pay(ctx, o.ID, checkout.PayRequest{Method: checkout.MethodTopUpAndPay, Gateway: "vtcpay"})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  held %s VND of credit; %s VND through the gateway\n", next.Order.CreditHeld, next.Order.GatewayAmount)
	if err := payAtVTC(next, vtcpaytest.StatusSuccess); err != nil {
		return err
	}
	if err := show(o.ID); err != nil {
		return err
	}

	fmt.Fprintln(w, "\n4. Gateway: 90000 VND through VTC Pay, the wallet untouched")
	o, err = newOrder(90000)
	if err != nil {
		return err
	}
	if next, err = c.Pay(ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vtcpay"}); err != nil {
		return err
	}
	if err := payAtVTC(next, vtcpaytest.StatusSuccess); err != nil {
		return err
	}
	if err := show(o.ID); err != nil {
		return err
	}

	fmt.Fprintln(w, "\n5. Gateway payment cancelled by the payer")
	o, err = newOrder(50000)
	if err != nil {
		return err
	}
	if next, err = c.Pay(ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vtcpay"}); err != nil {
		return err
	}
	if err := payAtVTC(next, vtcpaytest.StatusCancelled); err != nil {
		return err
	}
	if err := show(o.ID); err != nil {
		return err
	}

	fmt.Fprintln(w, "\n6. Payment on behalf: the boss pays acme's order")
	o, err = newOrder(200000)
	if err != nil {
		return err
	}
	sh, err := c.Share(ctx, o.ID, "boss@parent.example")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  link valid until %s\n", sh.ExpiresAt.Format(time.RFC3339))
	token := mail.last.ShareURL[strings.LastIndex(mail.last.ShareURL, "/")+1:]
	view, err := c.OpenShare(ctx, token)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  the payer sees order %s: %s, %s %s\n", view.OrderID, describe(view.Items), view.Amount, view.Currency)
	if next, err = c.PayShared(ctx, token, "vtcpay"); err != nil {
		return err
	}
	if err := payAtVTC(next, vtcpaytest.StatusSuccess); err != nil {
		return err
	}
	if _, err := c.OpenShare(ctx, token); errors.Is(err, checkout.ErrShareUsed) {
		fmt.Fprintln(w, "  the link is used up")
	}
	if err := show(o.ID); err != nil {
		return err
	}

	fmt.Fprintln(w, "\n7. Provisioning fails after a credit payment: refunded to credit")
	if _, err := c.Credit("VND").TopUp(ctx, wallet.TopUpRequest{ID: "bank-transfer-2", Customer: customer, Amount: decimal.NewFromInt(100000)}); err != nil {
		return err
	}
	o, err = newOrder(80000)
	if err != nil {
		return err
	}
	failNext = true
	if _, err := c.Pay(ctx, o.ID, checkout.PayRequest{Method: checkout.MethodCredit}); err != nil {
		return err
	}
	failNext = false
	if err := show(o.ID); err != nil {
		return err
	}
	rep, err := c.Sweep(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nsweep: %d re-driven, %d queried, %d notifications resent\n", rep.Redriven, rep.Queried, rep.Notifications)
	return nil
}

func describe(items []checkout.LineItem) string {
	var parts []string
	for _, it := range items {
		var cfg []string
		for _, a := range it.Config {
			cfg = append(cfg, a.Name+" "+a.Value)
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", it.Description, strings.Join(cfg, ", ")))
	}
	return strings.Join(parts, "; ")
}

// histories prints the customer's three histories, page by page.
func histories(ctx context.Context, w io.Writer, c *checkout.Client, customer string) error {
	var q wallet.HistoryQuery
	fmt.Fprintln(w, "  Credit History:")
	for {
		p, err := c.CreditHistory(ctx, customer, q)
		if err != nil {
			return err
		}
		for _, e := range p.Entries {
			fmt.Fprintf(w, "    %-8s %7s  balance %7s  %s\n", e.Kind, e.Amount, e.Balance, e.Order)
		}
		if !p.More {
			break
		}
		q.After = p.Next
	}
	fmt.Fprintln(w, "  Payment History:")
	var pq checkout.PageQuery
	for {
		p, err := c.PaymentHistory(ctx, customer, pq)
		if err != nil {
			return err
		}
		for _, e := range p.Payments {
			payer := ""
			if e.Payer != "" {
				payer = " paid by " + e.Payer
			}
			fmt.Fprintf(w, "    %s %s %s %s %s%s\n", e.Gateway, e.Reference, e.Amount, e.Currency, e.Outcome, payer)
		}
		if !p.More {
			break
		}
		pq.After = p.Next
	}
	fmt.Fprintln(w, "  Billing History:")
	pq = checkout.PageQuery{}
	for {
		p, err := c.BillingHistory(ctx, customer, pq)
		if err != nil {
			return err
		}
		for _, e := range p.Invoices {
			fmt.Fprintf(w, "    %s %s %s %s\n", e.ID, e.Method, e.Amount, e.Currency)
		}
		if !p.More {
			break
		}
		pq.After = p.Next
	}
	return nil
}
