// Command checkout runs every payment method of package checkout against
// the in-process gateway fakes (vtcpaytest, vivietpaytest, vinidpaytest)
// and prints the customer's histories after each: credit (paid and
// refused), then on each gateway top up and pay, gateway, payment on behalf
// and a failed payment, and last a provisioning failure refunded to credit.
// VinID Pay charges linked wallets: at or above its threshold the payer
// confirms with an OTP. Nothing leaves the machine.
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
	"github.com/thanhtoan/thanhtoan/signing"
	"github.com/thanhtoan/thanhtoan/vinidpay"
	"github.com/thanhtoan/thanhtoan/vinidpay/vinidpaytest"
	"github.com/thanhtoan/thanhtoan/vivietpay"
	"github.com/thanhtoan/thanhtoan/vivietpay/vivietpaytest"
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

func (m *mailbox) lastShareToken() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.last.ShareURL
	return u[strings.LastIndex(u, "/")+1:]
}

// fakeGateway is one gateway fake and how a payer pays on it.
type fakeGateway struct {
	name, label string
	// amount of the payment on behalf (VinID's at its OTP threshold).
	onBehalf int64
	// complete plays the payer for a payment that asks for a redirect or an
	// OTP (token: the payer's share token, "" for the customer).
	complete func(c *checkout.Client, next checkout.Next, token string) error
	// failNext makes the next payment fail at the gateway; undo ends it.
	failNext, undo func()
	// after delivers what the gateway sends once a payment call returned.
	after func() error
}

const (
	customer = "acme"
	boss     = "boss@parent.example"
)

func run(ctx context.Context, w io.Writer) error {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }

	// The shop: checkout's Handler under /pay on a loopback server, where
	// the fake VTC Pay POSTs its notifications and payers' browsers return.
	var handler http.Handler
	shop := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { handler.ServeHTTP(rw, r) }))
	defer shop.Close()

	gws, fakes, cleanup, err := setUpGateways(ctx, w, shop, clock, &handler)
	defer cleanup()
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
	c, err := checkout.New(checkout.Config{Gateways: gws, Provisioner: provision, Notifier: mail,
		BaseURL: shop.URL + "/pay", Ledger: wallet.NewMemoryLedger(wallet.WithClock(clock))}, checkout.WithClock(clock))
	if err != nil {
		return err
	}
	handler = http.StripPrefix("/pay", c.Handler())

	transfers := 0
	topUp := func(amount int64) error {
		transfers++
		_, err := c.Credit("VND").TopUp(ctx, wallet.TopUpRequest{ID: fmt.Sprintf("bank-transfer-%d", transfers), Customer: customer,
			Amount: decimal.NewFromInt(amount)})
		if err == nil {
			fmt.Fprintf(w, "  acme tops up %d VND by bank transfer\n", amount)
		}
		return err
	}
	n := 0
	newOrder := func(amount int64) (checkout.Order, error) {
		n++
		return c.CreateOrder(ctx, checkout.OrderRequest{ID: fmt.Sprintf("order%d", n), Customer: customer, Email: "billing@acme.example",
			Language: checkout.English, Items: []checkout.LineItem{{Description: "Cloud server", Quantity: 1, Amount: decimal.NewFromInt(amount),
				Config: []checkout.Attribute{{Name: "vCPU", Value: "2"}, {Name: "RAM", Value: "4 GB"}, {Name: "Disk", Value: "80 GB SSD"}}}}})
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
	step := 0
	title := func(format string, args ...any) {
		step++
		fmt.Fprintf(w, "\n%d. %s\n", step, fmt.Sprintf(format, args...))
	}
	// finish plays the payer and the gateway after a payment call.
	finish := func(g fakeGateway, next checkout.Next, err error, token string) error {
		switch {
		case errors.Is(err, checkout.ErrPaymentFailed):
			fmt.Fprintf(w, "  %s refused the payment\n", g.label)
		case err != nil:
			return err
		case next.Kind != checkout.NextDone:
			if err := g.complete(c, next, token); err != nil {
				return err
			}
		}
		return g.after()
	}

	if err := topUp(300000); err != nil {
		return err
	}

	title("Credit: 120000 VND from the wallet")
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

	title("Credit refused: 250000 VND")
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
	if err := show(o.ID); err != nil {
		return err
	}
	pending := o.ID // paid by top up and pay on the first gateway

	for i, g := range fakes {
		title("Top up & Pay through %s: all the credit plus the rest", g.label)
		if i == 0 {
			o, err = c.Order(ctx, pending)
		} else {
			if err = topUp(50000); err == nil {
				o, err = newOrder(130000)
			}
		}
		if err != nil {
			return err
		}
		next, err := c.Pay(ctx, o.ID, checkout.PayRequest{Method: checkout.MethodTopUpAndPay, Gateway: g.name})
		if err == nil {
			fmt.Fprintf(w, "  held %s VND of credit; %s VND through the gateway\n", next.Order.CreditHeld, next.Order.GatewayAmount)
		}
		if err := finish(g, next, err, ""); err != nil {
			return err
		}
		if err := show(o.ID); err != nil {
			return err
		}

		title("Gateway: 90000 VND through %s, the wallet untouched", g.label)
		if o, err = newOrder(90000); err != nil {
			return err
		}
		next, err = c.Pay(ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: g.name})
		if err := finish(g, next, err, ""); err != nil {
			return err
		}
		if err := show(o.ID); err != nil {
			return err
		}

		title("Payment on behalf through %s: the boss pays acme's order", g.label)
		if o, err = newOrder(g.onBehalf); err != nil {
			return err
		}
		sh, err := c.Share(ctx, o.ID, boss)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  link valid until %s\n", sh.ExpiresAt.Format(time.RFC3339))
		token := mail.lastShareToken()
		view, err := c.OpenShare(ctx, token)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  the payer sees order %s: %s, %s %s\n", view.OrderID, describe(view.Items), view.Amount, view.Currency)
		next, err = c.PayShared(ctx, token, g.name)
		if err := finish(g, next, err, token); err != nil {
			return err
		}
		if _, err := c.OpenShare(ctx, token); errors.Is(err, checkout.ErrShareUsed) {
			fmt.Fprintln(w, "  the link is used up")
		}
		if err := show(o.ID); err != nil {
			return err
		}

		title("A payment through %s that fails", g.label)
		if o, err = newOrder(50000); err != nil {
			return err
		}
		g.failNext()
		next, err = c.Pay(ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: g.name})
		err = finish(g, next, err, "")
		g.undo()
		if err != nil {
			return err
		}
		if err := show(o.ID); err != nil {
			return err
		}
	}

	title("Provisioning fails after a credit payment: refunded to credit")
	if err := topUp(100000); err != nil {
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

// setUpGateways starts the three fakes and their checkout adapters.
func setUpGateways(ctx context.Context, w io.Writer, shop *httptest.Server, clock func() time.Time, handler *http.Handler) (
	[]checkout.Gateway, []fakeGateway, func(), error) {
	var closers []func()
	cleanup := func() {
		for _, f := range closers {
			f()
		}
	}
	serve := func(rw http.ResponseWriter, r *http.Request) { (*handler).ServeHTTP(rw, r) }
	// browse sends the payer's browser to a return URL on the shop.
	browse := func(u string) error {
		resp, err := shop.Client().Get(u)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		fmt.Fprintf(w, "  the payer's browser returns to the shop: %d\n", resp.StatusCode)
		return nil
	}
	nothing := func() error { return nil }

	// VTC Pay: redirect; the fake POSTs its notification to the shop.
	vtcFake := vtcpaytest.NewServer(vtcpaytest.Config{ReceivingURL: shop.URL + "/pay/notify/vtcpay"}, vtcpaytest.WithClock(clock))
	closers = append(closers, vtcFake.Close)
	fc := vtcFake.Config()
	vc, err := vtcpay.New(vtcpay.Config{WebsiteID: fc.WebsiteID, SecretKey: fc.SecretKey, ReceiverAccount: fc.ReceiverAccount,
		KeySign: fc.KeySign}, vtcpay.WithBaseURL(vtcFake.URL()), vtcpay.WithHTTPClient(vtcFake.Client()))
	if err != nil {
		return nil, nil, cleanup, err
	}
	vtc, err := checkout.VTCPay(vc, checkout.VTCPayOptions{})
	if err != nil {
		return nil, nil, cleanup, err
	}
	vtcStatus := vtcpaytest.StatusSuccess
	vtcG := fakeGateway{name: "vtcpay", label: "VTC Pay", onBehalf: 200000,
		complete: func(_ *checkout.Client, next checkout.Next, _ string) error {
			if next.Kind != checkout.NextRedirect {
				return fmt.Errorf("expected a redirect, got %s", next.Kind)
			}
			fmt.Fprintln(w, "  redirect to VTC Pay; the payer pays (or cancels)")
			_, err := vtcFake.Pay(ctx, next.URL, vtcStatus)
			return err
		},
		failNext: func() { vtcStatus = vtcpaytest.StatusCancelled },
		undo:     func() { vtcStatus = vtcpaytest.StatusSuccess },
		after:    nothing}

	// Ví Việt: redirect, login and OTP on its pages; the fake POSTs its
	// notification in process to the shop's notify route.
	const vietSecret = "vivietSecret2026"
	vietNotify := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		r.URL.Path = "/pay/notify/vietpay"
		serve(rw, r)
	})
	viet, err := vivietpaytest.New(vivietpaytest.Config{MerchantSite: "SHOP01", AccessCode: "ACCESS01", Secret: vietSecret,
		Clock: clock, Notify: vietNotify})
	if err != nil {
		return nil, nil, cleanup, err
	}
	closers = append(closers, viet.Close)
	for _, phone := range []string{"0911111111", "0922222222"} {
		viet.AddAccount(vivietpaytest.Account{Phone: phone, Password: "pw123456", Balance: 5_000_000, Limit: 5_000_000})
	}
	vvc, err := vivietpay.New(vivietpay.Config{MerchantSite: "SHOP01", AccessCode: "ACCESS01", Secret: signing.NewSecret(vietSecret)},
		vivietpay.WithBaseURL(viet.URL), vivietpay.WithHTTPClient(viet.Client()))
	if err != nil {
		return nil, nil, cleanup, err
	}
	vietGW, err := checkout.VietPay(vvc, checkout.VietPayOptions{})
	if err != nil {
		return nil, nil, cleanup, err
	}
	vietG := fakeGateway{name: "vietpay", label: "Ví Việt", onBehalf: 200000,
		complete: func(c *checkout.Client, next checkout.Next, token string) error {
			if next.Kind != checkout.NextRedirect {
				return fmt.Errorf("expected a redirect, got %s", next.Kind)
			}
			phone := "0911111111"
			if token != "" {
				phone = "0922222222" // the boss's wallet
			}
			fmt.Fprintf(w, "  redirect to Ví Việt; %s logs in and confirms with the OTP\n", phone)
			page, err := viet.Pay(ctx, next.URL, phone, "pw123456")
			if err != nil {
				return err
			}
			u, err := page.ReturnURL()
			if err != nil {
				return err
			}
			return browse(u.String())
		},
		failNext: func() { viet.SetScenario(vivietpaytest.ScenarioInsufficientFund) },
		undo:     func() { viet.SetScenario(vivietpaytest.ScenarioNone) },
		after:    nothing}

	// VinID Pay: charges a linked wallet at once; at or above the threshold
	// the payer confirms with the OTP VinID sent. VinID notifies before it
	// answers; the shop handles the notification after the call returns.
	vinid, err := vinidpaytest.NewServer(vinidpaytest.Config{}, vinidpaytest.WithClock(clock))
	if err != nil {
		return nil, nil, cleanup, err
	}
	closers = append(closers, vinid.Close)
	var mu sync.Mutex
	var queued []string
	vinid.HandlePaymentCallbacks(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queued = append(queued, r.URL.RawQuery)
		mu.Unlock()
		rw.WriteHeader(http.StatusAccepted)
	}))
	ivc, err := vinid.NewClient(vinidpay.WithClock(clock))
	if err != nil {
		return nil, nil, cleanup, err
	}
	users, tokens := map[string]string{}, map[string]string{}
	unlinked := false
	for i, who := range []string{customer, boss} {
		users[who] = vinid.AddUser(fmt.Sprintf("090000000%d", i+1), 5_000_000)
		link, err := ivc.LinkWallet(ctx, vinidpay.LinkWalletRequest{PartnerUserID: fmt.Sprintf("user%d", i+1), CallbackURL: shop.URL + "/link"})
		if err != nil {
			return nil, nil, cleanup, err
		}
		if tokens[who], err = vinid.ConfirmLink(link.LinkID, users[who]); err != nil {
			return nil, nil, cleanup, err
		}
	}
	vinidGW, err := checkout.VinIDPay(ivc, checkout.VinIDPayOptions{StoreCode: "STORE01", POSCode: "POS01",
		UserToken: func(_ context.Context, payer string) (string, error) {
			if t, ok := tokens[payer]; ok && !(unlinked && payer == customer) {
				return t, nil
			}
			return "", fmt.Errorf("%s has no linked VinID wallet", payer)
		}})
	if err != nil {
		return nil, nil, cleanup, err
	}
	vinidG := fakeGateway{name: "vinidpay", label: "VinID Pay", onBehalf: 1_000_000,
		complete: func(c *checkout.Client, next checkout.Next, token string) error {
			if next.Kind != checkout.NextOTP {
				return fmt.Errorf("expected an otp, got %s", next.Kind)
			}
			a := next.Order.Attempts[len(next.Order.Attempts)-1]
			otp, ok := vinid.OTP(a.GatewayTxnID)
			if !ok {
				return errors.New("VinID sent no otp")
			}
			fmt.Fprintf(w, "  VinID sends %s an OTP; the payer enters it\n", a.Payer)
			if token != "" {
				_, err := c.SubmitSharedOTP(ctx, token, otp)
				return err
			}
			_, err := c.SubmitOTP(ctx, next.Order.ID, otp)
			return err
		},
		// acme unlinks its wallet: checkout refuses before anything is sent.
		// (A payment VinID refuses at creation fails at once too; see
		// TestVinIDDeclinedAtCreate.)
		failNext: func() { unlinked = true },
		undo:     func() { unlinked = false },
		after: func() error {
			mu.Lock()
			qs := queued
			queued = nil
			mu.Unlock()
			for _, q := range qs {
				rec := httptest.NewRecorder()
				(*handler).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, shop.URL+"/pay/notify/vinidpay?"+q, nil))
				fmt.Fprintf(w, "  VinID's notification: %d\n", rec.Code)
			}
			return nil
		}}
	fakes := []fakeGateway{vtcG, vietG, vinidG}
	gws := []checkout.Gateway{vtc, vietGW, vinidGW}
	return gws, fakes, cleanup, nil
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
