package checkout_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/vtcpay/vtcpaytest"
	"github.com/thanhtoan/thanhtoan/wallet"
)

func TestCreditPays(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	e.topUp("alice", 500000)
	o := e.order("alice", 150000)
	next, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodCredit})
	if err != nil {
		t.Fatal(err)
	}
	if next.Kind != checkout.NextDone || next.Order.State != checkout.StateCompleted {
		t.Fatalf("next = %v, order %s", next.Kind, next.Order.State)
	}
	wantLines(t, "credit history", e.creditLines("alice"), "top-up 500000 bal 500000", "payment 150000 bal 350000")
	wantLines(t, "payment history", e.paymentLines("alice"))
	wantLines(t, "billing history", e.invoiceLines("alice"), o.ID+"/invoice credit 150000 VND")
	if got := e.notif.byKind(checkout.NotifyOrderCompleted); len(got) != 1 || got[0].To != "alice@example.com" ||
		got[0].Order.Items[0].Config[1].Value != "4 GB" {
		t.Errorf("completed emails = %+v", got)
	}
	if e.prov.provisioned() != 1 {
		t.Errorf("provisioned %d", e.prov.provisioned())
	}
	// Paying again changes nothing.
	if next, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodCredit}); err != nil || next.Order.State != checkout.StateCompleted {
		t.Errorf("second Pay: %v %v", next.Order.State, err)
	}
	wantLines(t, "credit history after a second Pay", e.creditLines("alice"), "top-up 500000 bal 500000", "payment 150000 bal 350000")
	e.conserved("alice")
}

func TestCreditInsufficient(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	e.topUp("bob", 100000)
	o := e.order("bob", 150000)
	_, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodCredit})
	var ice *checkout.InsufficientCreditError
	if !errors.Is(err, checkout.ErrInsufficientCredit) || !errors.As(err, &ice) {
		t.Fatalf("err = %v, want an InsufficientCreditError", err)
	}
	if !ice.Shortfall().Equal(vnd(50000)) || !ice.Available.Equal(vnd(100000)) {
		t.Errorf("shortfall %s, available %s", ice.Shortfall(), ice.Available)
	}
	e.wantState(o.ID, checkout.StateCreated)
	wantLines(t, "credit history", e.creditLines("bob"), "top-up 100000 bal 100000")
	if e.prov.provisioned() != 0 || len(e.notif.byKind(checkout.NotifyOrderCompleted)) != 0 {
		t.Error("something was provisioned or sent")
	}
	// After a top-up the same order pays.
	e.topUp("bob", 60000)
	if _, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodCredit}); err != nil {
		t.Fatal(err)
	}
	e.wantState(o.ID, checkout.StateCompleted)
	wantLines(t, "credit history", e.creditLines("bob"), "top-up 100000 bal 100000", "top-up 60000 bal 160000", "payment 150000 bal 10000")
	// A customer without a wallet gets the whole price as shortfall.
	o2 := e.order("nobody", 1000)
	_, err = e.c.Pay(e.ctx, o2.ID, checkout.PayRequest{Method: checkout.MethodCredit})
	if !errors.As(err, &ice) || !ice.Shortfall().Equal(vnd(1000)) {
		t.Errorf("no wallet: err = %v", err)
	}
}

func TestCreateOrderValidates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	item := checkout.LineItem{Description: "VM", Quantity: 1, Amount: vnd(1000)}
	bad := []checkout.OrderRequest{
		{Customer: "", Email: "a@x.vn", Items: []checkout.LineItem{item}},
		{Customer: "a", Email: "", Items: []checkout.LineItem{item}},
		{Customer: "a", Email: "a@x.vn"},
		{Customer: "a", Email: "a@x.vn", Items: []checkout.LineItem{{Description: "VM", Quantity: 1, Amount: vnd(0)}}},
		{Customer: "a", Email: "a@x.vn", Items: []checkout.LineItem{{Description: "VM", Quantity: 1, Amount: vnd(-5)}}},
		{Customer: "a", Email: "a@x.vn", Items: []checkout.LineItem{{Description: "VM", Quantity: 1, Amount: vnd(1).Div(vnd(2))}}},
		{Customer: "a", Email: "a@x.vn", Items: []checkout.LineItem{{Description: "VM", Quantity: 0, Amount: vnd(1)}}},
		{Customer: "a", Email: "a@x.vn", Currency: "EUR", Items: []checkout.LineItem{item}},
		{Customer: "a", Email: "a@x.vn", ID: "has-dash", Items: []checkout.LineItem{item}},
	}
	for i, r := range bad {
		if _, err := e.c.CreateOrder(e.ctx, r); !errors.Is(err, checkout.ErrInvalidOrder) {
			t.Errorf("%d: err = %v, want ErrInvalidOrder", i, err)
		}
	}
	usd := checkout.OrderRequest{Customer: "a", Email: "a@x.vn", Currency: "USD",
		Items: []checkout.LineItem{{Description: "VM", Quantity: 2, Amount: vnd(1250).Shift(-2)}, item}}
	o, err := e.c.CreateOrder(e.ctx, usd)
	if err != nil || o.Amount.String() != "1012.5" || o.State != checkout.StateCreated || o.Version != 1 {
		t.Errorf("USD order: %+v %v", o, err)
	}
	if _, err := e.c.CreateOrder(e.ctx, checkout.OrderRequest{ID: "fixed1", Customer: "a", Email: "a@x.vn", Items: []checkout.LineItem{item}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.CreateOrder(e.ctx, checkout.OrderRequest{ID: "fixed1", Customer: "a", Email: "a@x.vn", Items: []checkout.LineItem{item}}); !errors.Is(err, checkout.ErrDuplicate) {
		t.Errorf("same ID twice: %v", err)
	}
}

// An order's language is English or Vietnamese, read as emails and pages
// read it, so that VTC Pay's page is in the order's language too.
func TestCreateOrderLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	for in, want := range map[checkout.Language]checkout.Language{
		"": checkout.Vietnamese, "vi": checkout.Vietnamese, "vi-VN": checkout.Vietnamese, "fr": checkout.Vietnamese,
		"en": checkout.English, "en-US": checkout.English, "EN": checkout.English, "en_GB": checkout.English,
	} {
		o, err := e.c.CreateOrder(e.ctx, checkout.OrderRequest{Customer: "a", Email: "a@x.vn", Language: in,
			Items: []checkout.LineItem{{Description: "VM", Quantity: 1, Amount: vnd(20000)}}})
		if err != nil || o.Language != want || e.get(o.ID).Language != want {
			t.Errorf("language %q: %q, stored %q, %v; want %q", in, o.Language, e.get(o.ID).Language, err, want)
			continue
		}
		next, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vtcpay"})
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(next.URL)
		if got, wantVTC := u.Query().Get("language"), map[checkout.Language]string{checkout.English: "en", checkout.Vietnamese: "vi"}[want]; got != wantVTC {
			t.Errorf("language %q: VTC Pay's page in %q, want %q", in, got, wantVTC)
		}
	}
}

// Errors of a misconfigured call name what to set.
func TestErrorsNameWhatToSet(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	o := e.order("a", 20000)
	_, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway})
	if !errors.Is(err, checkout.ErrUnknownGateway) || !strings.Contains(err.Error(), "PayRequest.Gateway") || !strings.Contains(err.Error(), "vtcpay") {
		t.Errorf("Pay without a gateway: %v", err)
	}
	_, err = checkout.New(checkout.Config{Provisioner: checkout.ProvisionerFunc(func(context.Context, checkout.ProvisionRequest) error { return nil })})
	if !errors.Is(err, checkout.ErrInvalidConfig) || !strings.Contains(err.Error(), "BaseURL") {
		t.Errorf("New without BaseURL: %v", err)
	}
}

func TestGatewayPays(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	e.topUp("carol", 70000)
	o := e.order("carol", 150000)
	next, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vtcpay"})
	if err != nil {
		t.Fatal(err)
	}
	if next.Kind != checkout.NextRedirect || !strings.HasPrefix(next.URL, e.fake.URL()) {
		t.Fatalf("next = %+v", next)
	}
	// Pay again while it is under way: the same redirect.
	again, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vtcpay"})
	if err != nil || again.URL != next.URL {
		t.Errorf("Pay again = %+v, %v", again, err)
	}
	ret := e.payAtGateway(next, vtcpaytest.StatusSuccess)
	if ret.Host+ret.Path != "shop.example/pay/return/vtcpay" {
		t.Errorf("return URL %s", ret)
	}
	ref := lastRef(e.get(o.ID))
	resps := e.notify(ref)
	if resps[0].StatusCode != http.StatusOK {
		t.Fatalf("notification answered %d", resps[0].StatusCode)
	}
	e.wantState(o.ID, checkout.StateCompleted)
	// The browser comes back after the notification: a status page.
	rec := e.browse(ret)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "completed") {
		t.Errorf("return page: %d %s", rec.Code, rec.Body.String())
	}
	wantLines(t, "credit history (untouched)", e.creditLines("carol"), "top-up 70000 bal 70000")
	wantLines(t, "payment history", e.paymentLines("carol"), "vtcpay paid 150000 VND")
	wantLines(t, "billing history", e.invoiceLines("carol"), o.ID+"/invoice gateway 150000 VND")
	if n := len(e.notif.byKind(checkout.NotifyOrderCompleted)); n != 1 || e.prov.provisioned() != 1 {
		t.Errorf("emails %d, provisioned %d", n, e.prov.provisioned())
	}
	e.conserved("carol")
}

func TestGatewayReturnFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{opts: []checkout.Option{checkout.WithResultURL("https://shop.example/orders/result")}})
	o := e.order("dan", 20000)
	next, _ := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vtcpay"})
	ret := e.payAtGateway(next, vtcpaytest.StatusSuccess)
	rec := e.browse(ret) // the browser is faster than the notification
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "https://shop.example/orders/result?order="+o.ID+"&state=completed" {
		t.Errorf("return: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	e.notify(lastRef(e.get(o.ID)))
	e.wantState(o.ID, checkout.StateCompleted)
	wantLines(t, "payment history", e.paymentLines("dan"), "vtcpay paid 20000 VND")
	if e.prov.provisioned() != 1 || len(e.notif.byKind(checkout.NotifyOrderCompleted)) != 1 {
		t.Error("provisioned or emailed more than once")
	}
}

func TestGatewayFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	o := e.order("erin", 150000)
	next, _ := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vtcpay"})
	e.payAtGateway(next, vtcpaytest.StatusCancelled)
	e.notify(lastRef(e.get(o.ID)))
	got := e.wantState(o.ID, checkout.StateCancelled)
	if !strings.Contains(got.Reason, "-9") {
		t.Errorf("reason %q", got.Reason)
	}
	wantLines(t, "credit history", e.creditLines("erin"))
	wantLines(t, "payment history", e.paymentLines("erin"))
	wantLines(t, "billing history", e.invoiceLines("erin"))
	if e.prov.calls != 0 || len(e.notif.sent) != 0 {
		t.Errorf("provisioned %d times, %d emails", e.prov.calls, len(e.notif.sent))
	}
	if _, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodCredit}); !errors.Is(err, checkout.ErrOrderClosed) {
		t.Errorf("Pay on a cancelled order: %v", err)
	}
}

func TestTopUpAndPay(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	e.topUp("fay", 100000)
	o := e.order("fay", 150000)
	next, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodTopUpAndPay, Gateway: "vtcpay"})
	if err != nil {
		t.Fatal(err)
	}
	held := e.get(o.ID)
	if !held.CreditHeld.Equal(vnd(100000)) || !held.GatewayAmount.Equal(vnd(50000)) {
		t.Fatalf("held %s, gateway %s", held.CreditHeld, held.GatewayAmount)
	}
	if b := e.balance("fay"); !b.Available.IsZero() || !b.Pending.Equal(vnd(100000)) {
		t.Errorf("during payment: available %s, pending %s", b.Available, b.Pending)
	}
	e.payAtGateway(next, vtcpaytest.StatusSuccess)
	tx, _ := e.fake.Transaction(lastRef(held))
	if tx.Amount != "50000" {
		t.Errorf("the gateway charged %s, want the price minus the credit held", tx.Amount)
	}
	e.notify(lastRef(held))
	e.wantState(o.ID, checkout.StateCompleted)
	wantLines(t, "credit history", e.creditLines("fay"),
		"top-up 100000 bal 100000", "hold 100000 bal 100000", "top-up 50000 bal 150000", "payment 100000 bal 50000", "payment 50000 bal 0")
	wantLines(t, "payment history", e.paymentLines("fay"), "vtcpay paid 50000 VND")
	wantLines(t, "billing history", e.invoiceLines("fay"), o.ID+"/invoice topup_and_pay 150000 VND")
	if b := e.balance("fay"); !b.Posted.IsZero() || !b.Pending.IsZero() {
		t.Errorf("after: %+v", b)
	}
	e.conserved("fay")
}

func TestTopUpAndPayFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	e.topUp("gus", 100000)
	o := e.order("gus", 150000)
	next, _ := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodTopUpAndPay, Gateway: "vtcpay"})
	e.payAtGateway(next, vtcpaytest.StatusFailed)
	e.notify(lastRef(e.get(o.ID)))
	e.wantState(o.ID, checkout.StateCancelled)
	wantLines(t, "credit history", e.creditLines("gus"), "top-up 100000 bal 100000", "hold 100000 bal 100000", "release 100000 bal 100000")
	if b := e.balance("gus"); !b.Available.Equal(vnd(100000)) || !b.Pending.IsZero() {
		t.Errorf("after: %+v", b)
	}
	wantLines(t, "payment history", e.paymentLines("gus"))
	wantLines(t, "billing history", e.invoiceLines("gus"))
	if e.prov.calls != 0 {
		t.Error("provisioned")
	}
}

func TestTopUpAndPayWithoutCredit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	o := e.order("hal", 30000)
	next, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodTopUpAndPay, Gateway: "vtcpay"})
	if err != nil {
		t.Fatal(err)
	}
	e.payAtGateway(next, vtcpaytest.StatusSuccess)
	e.notify(lastRef(e.get(o.ID)))
	e.wantState(o.ID, checkout.StateCompleted)
	wantLines(t, "credit history", e.creditLines("hal"), "top-up 30000 bal 30000", "payment 30000 bal 0")
	e.conserved("hal")
}

func TestTopUpAndPayCoveredByCredit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	e.topUp("ivy", 200000)
	o := e.order("ivy", 30000)
	next, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodTopUpAndPay, Gateway: "vtcpay"})
	if err != nil || next.Kind != checkout.NextDone || next.Order.State != checkout.StateCompleted {
		t.Fatalf("next %v %v %v", next.Kind, next.Order.State, err)
	}
	wantLines(t, "credit history", e.creditLines("ivy"), "top-up 200000 bal 200000", "hold 30000 bal 200000", "payment 30000 bal 170000")
	if len(e.fake.Transactions()) != 0 {
		t.Error("the gateway was used")
	}
}

func TestProvisioningFailsRefundsToCredit(t *testing.T) {
	t.Parallel()
	for _, m := range []checkout.Method{checkout.MethodCredit, checkout.MethodGateway, checkout.MethodTopUpAndPay} {
		t.Run(string(m), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envConfig{})
			e.prov.fail = func(string) error { return errors.New("quota exceeded") }
			e.topUp("jo", 100000)
			o := e.order("jo", 150000)
			if m == checkout.MethodCredit {
				e.topUp("jo", 100000)
			}
			gw := "vtcpay"
			if m == checkout.MethodCredit {
				gw = ""
			}
			next, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: m, Gateway: gw})
			if err != nil {
				t.Fatal(err)
			}
			if m != checkout.MethodCredit {
				e.payAtGateway(next, vtcpaytest.StatusSuccess)
				e.notify(lastRef(e.get(o.ID)))
			}
			got := e.wantState(o.ID, checkout.StateCancelled)
			if got.Provision != checkout.ProvisionFailed || !strings.Contains(got.Reason, "quota exceeded") {
				t.Errorf("provision %q, reason %q", got.Provision, got.Reason)
			}
			lines := e.creditLines("jo")
			if last := lines[len(lines)-1]; !strings.HasPrefix(last, "refund 150000") {
				t.Errorf("credit history ends with %q, want the refund (%q)", last, lines)
			}
			want := map[checkout.Method]int64{checkout.MethodCredit: 200000, checkout.MethodGateway: 250000, checkout.MethodTopUpAndPay: 150000}[m]
			if b := e.balance("jo"); !b.Available.Equal(vnd(want)) || !b.Pending.IsZero() {
				t.Errorf("balance %s (pending %s), want %d", b.Available, b.Pending, want)
			}
			wantLines(t, "billing history", e.invoiceLines("jo"))
			refunds := e.notif.byKind(checkout.NotifyRefunded)
			if len(refunds) != 1 || !refunds[0].RefundAmount.Equal(vnd(150000)) || len(e.notif.byKind(checkout.NotifyOrderCompleted)) != 0 {
				t.Errorf("refund emails %+v", refunds)
			}
			e.conserved("jo")
		})
	}
}

func TestProvisioningFailsRefundsThroughGateway(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{opts: []checkout.Option{checkout.WithRefundPolicy(checkout.RefundThroughGateway)}})
	e.prov.fail = func(string) error { return errors.New("region full") }
	e.topUp("kim", 100000)
	o := e.order("kim", 150000)
	next, _ := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodTopUpAndPay, Gateway: "vtcpay"})
	e.payAtGateway(next, vtcpaytest.StatusSuccess)
	ref := lastRef(e.get(o.ID))
	e.notify(ref)
	e.wantState(o.ID, checkout.StateCancelled)
	tx, _ := e.fake.Transaction(ref)
	if tx.Refunded != "50000" {
		t.Errorf("gateway refunded %q, want 50000", tx.Refunded)
	}
	wantLines(t, "payment history", e.paymentLines("kim"), "vtcpay paid 50000 VND", "vtcpay refunded 50000 VND")
	lines := e.creditLines("kim")
	if last := lines[len(lines)-1]; last != "refund 100000 bal 100000" {
		t.Errorf("credit history %q: want the credit part refunded to the wallet", lines)
	}
	e.conserved("kim")
}

func TestProvisioningTryAgain(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	tries := 0
	e.prov.fail = func(string) error {
		tries++
		if tries == 1 {
			return checkout.ErrTryAgain
		}
		return nil
	}
	e.topUp("lee", 10000)
	o := e.order("lee", 10000)
	if _, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodCredit}); !errors.Is(err, checkout.ErrTryAgain) {
		t.Fatalf("err = %v", err)
	}
	e.wantState(o.ID, checkout.StatePaid)
	rep, err := e.c.Sweep(e.ctx)
	if err != nil || rep.Redriven != 1 {
		t.Fatalf("sweep %+v %v", rep, err)
	}
	e.wantState(o.ID, checkout.StateCompleted)
}

func TestDuplicateNotificationsProvisionOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	e.topUp("max", 40000)
	o := e.order("max", 100000)
	next, _ := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodTopUpAndPay, Gateway: "vtcpay"})
	e.payAtGateway(next, vtcpaytest.StatusSuccess)
	ref := lastRef(e.get(o.ID))
	for i, r := range e.notify(ref, vtcpaytest.Times(20), vtcpaytest.Concurrently()) {
		if r.StatusCode != http.StatusOK {
			t.Errorf("delivery %d answered %d", i, r.StatusCode)
		}
	}
	e.wantState(o.ID, checkout.StateCompleted)
	if e.prov.calls != 1 {
		t.Errorf("Provision called %d times, want 1", e.prov.calls)
	}
	if n := len(e.notif.sent); n != 1 {
		t.Errorf("%d emails sent, want 1", n)
	}
	wantLines(t, "payment history", e.paymentLines("max"), "vtcpay paid 60000 VND")
	wantLines(t, "billing history", e.invoiceLines("max"), o.ID+"/invoice topup_and_pay 100000 VND")
	wantLines(t, "credit history", e.creditLines("max"),
		"top-up 40000 bal 40000", "hold 40000 bal 40000", "top-up 60000 bal 100000", "payment 40000 bal 60000", "payment 60000 bal 0")

	// A failure after the success changes nothing.
	if err := e.fake.SetStatus(ref, vtcpaytest.StatusFailed); err != nil {
		t.Fatal(err)
	}
	v := e.get(o.ID).Version
	e.notify(ref)
	if got := e.wantState(o.ID, checkout.StateCompleted); got.Version != v {
		t.Errorf("a failure after success changed the order (version %d -> %d)", v, got.Version)
	}
	wantLines(t, "payment history after a late failure", e.paymentLines("max"), "vtcpay paid 60000 VND")
	e.conserved("max")
}

func TestWrongAmountGoesToReview(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	e.topUp("ned", 50000)
	o := e.order("ned", 150000)
	next, _ := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodTopUpAndPay, Gateway: "vtcpay"})
	e.payAtGateway(next, vtcpaytest.StatusSuccess)
	ref := lastRef(e.get(o.ID))
	// A correctly signed notification claiming the full price, not the
	// 100000 charged through the gateway.
	form := signedIPN(e, "150000", ref, 1)
	rec := postForm(e, "/pay/notify/vtcpay", form)
	if rec.Code != http.StatusOK {
		t.Fatalf("answered %d", rec.Code)
	}
	got := e.wantState(o.ID, checkout.StateReview)
	if !got.Flagged || !strings.Contains(got.Reason, "expected 100000") {
		t.Errorf("reason %q", got.Reason)
	}
	if e.prov.calls != 0 || len(e.notif.sent) != 0 {
		t.Error("provisioned or emailed")
	}
	wantLines(t, "billing history", e.invoiceLines("ned"))
	wantLines(t, "payment history", e.paymentLines("ned"))
	if b := e.balance("ned"); !b.Available.Equal(vnd(50000)) {
		t.Errorf("the hold was not released: %+v", b)
	}
	// The genuine notification now changes nothing: the order is in review.
	e.notify(ref)
	e.wantState(o.ID, checkout.StateReview)
	if e.prov.calls != 0 {
		t.Error("provisioned after review")
	}
}

func TestForgedCallbackRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	o := e.order("ola", 80000)
	next, _ := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vtcpay"})
	ref := lastRef(e.get(o.ID))
	e.payAtGateway(next, vtcpaytest.StatusSuccess)
	resps := e.notify(ref, vtcpaytest.Tamper(func(f url.Values) {
		f["data"] = []string{strings.Replace(f["data"][0], "80000", "8000", 1)}
	}))
	if resps[0].StatusCode != http.StatusBadRequest {
		t.Errorf("forged notification answered %d", resps[0].StatusCode)
	}
	// A notification signed with another key.
	forged := signedIPNWith(e, "wrongSecretKey2026Xy", "80000", ref, 1)
	if rec := postForm(e, "/pay/notify/vtcpay", forged); rec.Code != http.StatusBadRequest {
		t.Errorf("wrong key answered %d", rec.Code)
	}
	got := e.wantState(o.ID, checkout.StateAwaitingPayment)
	if got.Attempts[0].Outcome != checkout.OutcomeUnknown || e.prov.calls != 0 {
		t.Errorf("a forged callback changed the order: %+v", got.Attempts[0])
	}
	// Nothing was recorded: the genuine notification still works.
	e.notify(ref)
	e.wantState(o.ID, checkout.StateCompleted)
	// A callback for another website is refused too.
	if rec := postForm(e, "/pay/notify/nope", forged); rec.Code != http.StatusNotFound {
		t.Errorf("unknown gateway answered %d", rec.Code)
	}
}

func TestUnknownOutcomeSettledByQuery(t *testing.T) {
	t.Parallel()
	for _, st := range []int{vtcpaytest.StatusUndefined, vtcpaytest.StatusReview} {
		e := newEnv(t, envConfig{})
		o := e.order("pia", 90000)
		next, _ := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vtcpay"})
		e.payAtGateway(next, st)
		ref := lastRef(e.get(o.ID))
		e.notify(ref)
		got := e.wantState(o.ID, checkout.StateAwaitingPayment)
		if got.Attempts[0].Outcome.String() == "succeeded" {
			t.Fatalf("status %d: treated as success", st)
		}
		if err := e.fake.SetStatus(ref, vtcpaytest.StatusSuccess); err != nil {
			t.Fatal(err)
		}
		rep, err := e.c.Sweep(e.ctx)
		if err != nil || rep.Queried != 1 || rep.Settled != 1 {
			t.Fatalf("status %d: sweep %+v %v", st, rep, err)
		}
		e.wantState(o.ID, checkout.StateCompleted)
		wantLines(t, "payment history", e.paymentLines("pia"), "vtcpay paid 90000 VND")
	}
}

func TestPaymentNeverReachedGatewayExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	e.topUp("quinn", 20000)
	o := e.order("quinn", 50000)
	next, _ := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodTopUpAndPay, Gateway: "vtcpay"})
	if rep, _ := e.c.Sweep(e.ctx); rep.Expired != 0 {
		t.Fatal("expired too early")
	}
	e.clock.Advance(24*time.Hour + time.Second)
	rep, err := e.c.Sweep(e.ctx)
	if err != nil || rep.Expired != 1 {
		t.Fatalf("sweep %+v %v", rep, err)
	}
	e.wantState(o.ID, checkout.StateCancelled)
	if b := e.balance("quinn"); !b.Available.Equal(vnd(20000)) || !b.Pending.IsZero() {
		t.Errorf("hold left behind: %+v", b)
	}
	// The payer pays anyway, late: the money is credited to the wallet and
	// the order flagged, never lost.
	e.payAtGateway(next, vtcpaytest.StatusSuccess)
	e.notify(lastRef(e.get(o.ID)))
	got := e.wantState(o.ID, checkout.StateCancelled)
	if !got.Flagged {
		t.Error("not flagged")
	}
	if b := e.balance("quinn"); !b.Available.Equal(vnd(50000)) {
		t.Errorf("late payment not credited: %+v", b)
	}
	wantLines(t, "payment history", e.paymentLines("quinn"), "vtcpay credited 30000 VND")
	if e.prov.calls != 0 {
		t.Error("provisioned")
	}
	e.conserved("quinn")
}

func TestNotificationRetriedBySweep(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	e.notif.failNext = 1
	e.topUp("ray", 10000)
	o := e.order("ray", 10000)
	if _, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodCredit}); err != nil {
		t.Fatal(err)
	}
	e.wantState(o.ID, checkout.StateCompleted)
	if len(e.notif.sent) != 0 {
		t.Fatal("sent despite the failure")
	}
	// Within the outbox grace (2 minutes) the email is left to the Client
	// that queued it; after it, Sweep sends it.
	e.clock.Advance(2*time.Minute - time.Second)
	if rep, err := e.c.Sweep(e.ctx); err != nil || rep.Notifications != 0 || len(e.notif.sent) != 0 {
		t.Fatalf("sweep within the grace %+v %v, sent %d", rep, err, len(e.notif.sent))
	}
	e.clock.Advance(time.Second)
	rep, err := e.c.Sweep(e.ctx)
	if err != nil || rep.Notifications != 1 || len(e.notif.sent) != 1 {
		t.Fatalf("sweep %+v %v, sent %d", rep, err, len(e.notif.sent))
	}
	if rep, _ := e.c.Sweep(e.ctx); rep.Notifications != 0 {
		t.Error("sent twice")
	}
}

// gatedNotifier holds the first order-completed email at its gate until
// the gate opens, and records every send.
type gatedNotifier struct {
	started chan struct{}
	gate    chan struct{}
	held    atomic.Bool
	mu      sync.Mutex
	sent    []string
}

func (g *gatedNotifier) Send(_ context.Context, n checkout.Notification) error {
	if n.Kind == checkout.NotifyOrderCompleted && g.held.CompareAndSwap(false, true) {
		close(g.started)
		<-g.gate
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sent = append(g.sent, n.ID)
	return nil
}

// A Sweep that runs while a payment's email is being sent (another
// process's Sweep, in production) leaves it to the Client sending it, so
// the customer gets it once; with no grace it sends it a second time.
func TestSweepLeavesAnEmailBeingSent(t *testing.T) {
	t.Parallel()
	if _, err := checkout.New(checkout.Config{BaseURL: baseURL,
		Provisioner: checkout.ProvisionerFunc(func(context.Context, checkout.ProvisionRequest) error { return nil })},
		checkout.WithOutboxGrace(-time.Second)); !errors.Is(err, checkout.ErrInvalidConfig) {
		t.Errorf("negative outbox grace: %v, want ErrInvalidConfig", err)
	}
	for _, tc := range []struct {
		grace time.Duration
		sends int
	}{{2 * time.Minute, 1}, {0, 2}} {
		ctx, clk := context.Background(), newClock()
		g := &gatedNotifier{started: make(chan struct{}), gate: make(chan struct{})}
		c, err := checkout.New(checkout.Config{BaseURL: baseURL, Notifier: g,
			Provisioner: checkout.ProvisionerFunc(func(context.Context, checkout.ProvisionRequest) error { return nil })},
			checkout.WithClock(clk.Now), checkout.WithOutboxGrace(tc.grace))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Credit("").TopUp(ctx, wallet.TopUpRequest{ID: "t", Customer: "sam", Amount: vnd(5000)}); err != nil {
			t.Fatal(err)
		}
		o, err := c.CreateOrder(ctx, checkout.OrderRequest{Customer: "sam", Email: "sam@x.vn",
			Items: []checkout.LineItem{{Description: "VM", Quantity: 1, Amount: vnd(5000)}}})
		if err != nil {
			t.Fatal(err)
		}
		paid := make(chan error, 1)
		go func() {
			_, err := c.Pay(ctx, o.ID, checkout.PayRequest{Method: checkout.MethodCredit})
			paid <- err
		}()
		<-g.started // the email is queued and on its way
		clk.Advance(time.Second)
		if _, err := c.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		close(g.gate)
		if err := <-paid; err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Hour)
		if _, err := c.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		if len(g.sent) != tc.sends {
			t.Errorf("grace %v: sent %q, want %d sends", tc.grace, g.sent, tc.sends)
		}
	}
}
