package checkout_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/vtcpay/vtcpaytest"
	"github.com/thanhtoan/thanhtoan/wallet"
)

// sweepStore counts GetOrder calls per order and fails chosen writes.
type sweepStore struct {
	checkout.Store
	mu          sync.Mutex
	gets        map[string]int
	listed      int
	failUpdate  func(checkout.Order) bool
	failPayment int // AddPayment calls to fail
}

func (s *sweepStore) GetOrder(ctx context.Context, id string) (checkout.Order, error) {
	s.mu.Lock()
	s.gets[id]++
	s.mu.Unlock()
	return s.Store.GetOrder(ctx, id)
}

func (s *sweepStore) ListOrders(ctx context.Context, q checkout.OrderQuery) ([]checkout.Order, error) {
	page, err := s.Store.ListOrders(ctx, q)
	s.mu.Lock()
	s.listed += len(page)
	s.mu.Unlock()
	return page, err
}

func (s *sweepStore) UpdateOrder(ctx context.Context, o checkout.Order) (checkout.Order, error) {
	s.mu.Lock()
	fail := s.failUpdate != nil && s.failUpdate(o)
	s.mu.Unlock()
	if fail {
		return checkout.Order{}, errCrash
	}
	return s.Store.UpdateOrder(ctx, o)
}

func (s *sweepStore) AddPayment(ctx context.Context, p checkout.Payment) (bool, error) {
	s.mu.Lock()
	fail := s.failPayment > 0
	if fail {
		s.failPayment--
	}
	s.mu.Unlock()
	if fail {
		return false, errCrash
	}
	return s.Store.AddPayment(ctx, p)
}

func (s *sweepStore) reset() {
	s.mu.Lock()
	s.gets, s.listed = map[string]int{}, 0
	s.mu.Unlock()
}

func newSweepEnv(t *testing.T) (*env, *sweepStore) {
	ss := &sweepStore{gets: map[string]int{}}
	e := newEnv(t, envConfig{store: func(s checkout.Store) checkout.Store { ss.Store = s; return ss }})
	return e, ss
}

// Sweep lists, locks and reads only the orders with work due: here one
// credit payment stopped by a crash before its order was saved, beside 250
// orders never paid (due at their expiry, a week later).
func TestSweepReadsOnlyOrdersWithWorkDue(t *testing.T) {
	t.Parallel()
	e, ss := newSweepEnv(t)
	for range 250 {
		e.order("idle", 1000)
	}
	e.topUp("cora", 5000)
	stuck, err := e.c.CreateOrder(e.ctx, checkout.OrderRequest{ID: "zzstuck", Customer: "cora", Email: "cora@example.com",
		Items: []checkout.LineItem{{Description: "VM", Quantity: 1, Amount: vnd(3000)}}})
	if err != nil {
		t.Fatal(err)
	}
	ss.mu.Lock()
	ss.failUpdate = func(o checkout.Order) bool { return o.ID == stuck.ID && o.State != checkout.StateCreated }
	ss.mu.Unlock()
	if _, err := e.c.Pay(e.ctx, stuck.ID, checkout.PayRequest{Method: checkout.MethodCredit}); err == nil {
		t.Fatal("the crash was not reported")
	}
	ss.mu.Lock()
	ss.failUpdate = nil
	ss.mu.Unlock()
	if got := e.get(stuck.ID); got.State != checkout.StateCreated || got.CreditTries != 1 {
		t.Fatalf("stuck order %s tries %d", got.State, got.CreditTries)
	}
	ss.reset()
	rep, err := e.c.Sweep(e.ctx)
	if err != nil || rep.Recovered != 1 {
		t.Fatalf("sweep %+v %v", rep, err)
	}
	e.wantState(stuck.ID, checkout.StateCompleted)
	ss.mu.Lock()
	gets, listed := ss.gets, ss.listed
	ss.mu.Unlock()
	if listed != 1 {
		t.Errorf("sweep listed %d orders, want only the stuck one", listed)
	}
	if len(gets) != 1 || gets[stuck.ID] != 1 {
		t.Errorf("sweep read %d orders (%d times the stuck one), want only the stuck one", len(gets), gets[stuck.ID])
	}
	if e.prov.provisioned() != 1 {
		t.Errorf("provisioned %d", e.prov.provisioned())
	}
	wantLines(t, "credit history", e.creditLines("cora"), "top-up 5000 bal 5000", "payment 3000 bal 2000")
	// Nothing left: the next Sweep reads no order at all.
	ss.reset()
	if rep, err := e.c.Sweep(e.ctx); err != nil || rep.Recovered != 0 || rep.Queried != 0 {
		t.Errorf("second sweep %+v %v", rep, err)
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if len(ss.gets) != 0 {
		t.Errorf("second sweep read %d orders", len(ss.gets))
	}
}

// A second payer paid a completed order and the gateway never notified:
// Sweep queries the payment and refunds it.
func TestSweepSettlesExtraPaymentNeverNotified(t *testing.T) {
	t.Parallel()
	e, _ := newSweepEnv(t)
	o := e.order("uma", 120000)
	t1 := share(t, e, o.ID, "p1@example.com")
	t2 := share(t, e, o.ID, "p2@example.com")
	n1, err := e.c.PayShared(e.ctx, t1, "vtcpay")
	if err != nil {
		t.Fatal(err)
	}
	n2, err := e.c.PayShared(e.ctx, t2, "vtcpay")
	if err != nil {
		t.Fatal(err)
	}
	e.payAtGateway(n1, vtcpaytest.StatusSuccess)
	r1 := e.get(o.ID).Attempts[0].Reference
	e.notify(r1)
	e.wantState(o.ID, checkout.StateCompleted)
	// The second payer pays too; VTC's notification is lost.
	e.payAtGateway(n2, vtcpaytest.StatusSuccess)
	r2 := e.get(o.ID).Attempts[1].Reference
	rep, err := e.c.Sweep(e.ctx)
	if err != nil || rep.Queried != 1 || rep.Settled != 1 {
		t.Fatalf("sweep %+v %v", rep, err)
	}
	got := e.wantState(o.ID, checkout.StateCompleted)
	if !got.Flagged || !got.Attempts[1].Settled {
		t.Errorf("order %+v", got)
	}
	if tx, _ := e.fake.Transaction(r2); tx.Refunded != "120000" {
		t.Errorf("second payment refunded %q at the gateway", tx.Refunded)
	}
	wantLines(t, "payment history", e.paymentLines("uma"), "vtcpay paid 120000 VND", "vtcpay refunded 120000 VND")
	if e.prov.calls != 1 {
		t.Errorf("provisioned %d times", e.prov.calls)
	}
	// Settled: later Sweeps and the late notification change nothing.
	if rep, err := e.c.Sweep(e.ctx); err != nil || rep.Queried != 0 || rep.Settled != 0 {
		t.Errorf("second sweep %+v %v", rep, err)
	}
	e.notify(r2)
	wantLines(t, "payment history after all", e.paymentLines("uma"), "vtcpay paid 120000 VND", "vtcpay refunded 120000 VND")
	if tx, _ := e.fake.Transaction(r2); tx.Refunded != "120000" {
		t.Errorf("refunded twice: %q", tx.Refunded)
	}
}

// A success arrived after the order was cancelled, but settling it stopped
// (the store failed) and the gateway does not send it again: Sweep credits
// it to the wallet, once.
func TestSweepSettlesLateSuccessOnCancelledOrder(t *testing.T) {
	t.Parallel()
	e, ss := newSweepEnv(t)
	o := e.order("quinn", 30000)
	next, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vtcpay"})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(24*time.Hour + time.Second)
	if rep, err := e.c.Sweep(e.ctx); err != nil || rep.Expired != 1 {
		t.Fatalf("sweep %+v %v", rep, err)
	}
	e.wantState(o.ID, checkout.StateCancelled)
	e.payAtGateway(next, vtcpaytest.StatusSuccess)
	ss.mu.Lock()
	ss.failPayment = 1
	ss.mu.Unlock()
	resps := e.notify(lastRef(e.get(o.ID)))
	if len(resps) != 1 || resps[0].StatusCode != 500 {
		t.Fatalf("notification while the store fails: %v", statuses(resps))
	}
	if got := e.get(o.ID); got.Attempts[0].Settled || got.Attempts[0].Outcome != checkout.OutcomeSucceeded {
		t.Fatalf("attempt %+v", got.Attempts[0])
	}
	rep, err := e.c.Sweep(e.ctx)
	if err != nil || rep.Settled != 1 {
		t.Fatalf("sweep %+v %v", rep, err)
	}
	got := e.wantState(o.ID, checkout.StateCancelled)
	if !got.Flagged || !got.Attempts[0].Settled {
		t.Errorf("order %+v", got)
	}
	wantLines(t, "payment history", e.paymentLines("quinn"), "vtcpay credited 30000 VND")
	wantLines(t, "credit history", e.creditLines("quinn"), "top-up 30000 bal 30000")
	if rep, err := e.c.Sweep(e.ctx); err != nil || rep.Settled != 0 {
		t.Errorf("second sweep %+v %v", rep, err)
	}
	wantLines(t, "credit history after a second sweep", e.creditLines("quinn"), "top-up 30000 bal 30000")
	if e.prov.calls != 0 {
		t.Error("provisioned")
	}
	e.conserved("quinn")
}

func statuses(resps []*http.Response) []string {
	var out []string
	for _, r := range resps {
		out = append(out, fmt.Sprint(r.StatusCode))
	}
	return out
}

// The payment failed but the order was not saved cancelled (the store
// failed, and the gateway does not notify again): Sweep cancels it and
// releases the hold.
func TestSweepCancelsOrderWhosePaymentsAllFailed(t *testing.T) {
	t.Parallel()
	e, ss := newSweepEnv(t)
	e.topUp("fay", 20000)
	o := e.order("fay", 50000)
	next, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodTopUpAndPay, Gateway: "vtcpay"})
	if err != nil {
		t.Fatal(err)
	}
	e.payAtGateway(next, vtcpaytest.StatusCancelled)
	ss.mu.Lock()
	ss.failUpdate = func(o checkout.Order) bool { return o.State == checkout.StateCancelled }
	ss.mu.Unlock()
	e.notify(lastRef(e.get(o.ID)))
	ss.mu.Lock()
	ss.failUpdate = nil
	ss.mu.Unlock()
	// Nothing of the failure was saved: the order still awaits payment,
	// with its hold; Sweep's query learns the failure.
	e.wantState(o.ID, checkout.StateAwaitingPayment)
	rep, err := e.c.Sweep(e.ctx)
	if err != nil {
		t.Fatalf("sweep %+v %v", rep, err)
	}
	e.wantState(o.ID, checkout.StateCancelled)
	if b := e.balance("fay"); !b.Available.Equal(vnd(20000)) || !b.Pending.IsZero() {
		t.Errorf("hold left behind: %+v", b)
	}
	if e.prov.calls != 0 {
		t.Error("provisioned")
	}
}

// Sweep deletes sent notifications after the outbox retention, and only
// those: a pending one stays until it is sent.
func TestSweepPrunesSentNotifications(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{opts: []checkout.Option{checkout.WithOutboxRetention(time.Hour)}})
	e.topUp("olga", 5000)
	o := e.order("olga", 1000)
	if _, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodCredit}); err != nil {
		t.Fatal(err)
	}
	if len(e.notif.byKind(checkout.NotifyOrderCompleted)) != 1 {
		t.Fatal("no completion email")
	}
	// A pending notification (enqueued, never sent).
	pending := checkout.Notification{ID: "other/email/completed", Kind: checkout.NotifyOrderCompleted, To: "x@example.com", Order: o.Summary()}
	if ok, err := e.store.Enqueue(e.ctx, pending, e.clock.Now()); err != nil || !ok {
		t.Fatal(ok, err)
	}
	e.notif.mu.Lock()
	e.notif.failNext = 1 << 20
	e.notif.mu.Unlock()
	e.clock.Advance(30 * time.Minute)
	if rep, _ := e.c.Sweep(e.ctx); rep.Pruned != 0 {
		t.Errorf("pruned %d within the retention", rep.Pruned)
	}
	e.clock.Advance(time.Hour)
	if rep, _ := e.c.Sweep(e.ctx); rep.Pruned != 1 {
		t.Errorf("pruned %d after the retention, want the sent one", rep.Pruned)
	}
	if pend, _ := e.store.PendingNotifications(e.ctx, 10); len(pend) != 1 || pend[0].Notification.ID != pending.ID {
		t.Errorf("pending %+v", pend)
	}
	// Pruned: the ID may be enqueued again.
	if ok, err := e.store.Enqueue(e.ctx, checkout.Notification{ID: o.ID + "/email/completed", Kind: checkout.NotifyOrderCompleted}, e.clock.Now()); err != nil || !ok {
		t.Errorf("enqueue after prune: %v %v", ok, err)
	}
}

// An order never paid is cancelled by the Sweep after its expiry (7 days by
// default), not before; Pay refuses it once expired. Orders waiting for a
// later deadline (the expiry, a share link's) are not even listed before it.
func TestSweepExpiresOrdersNeverPaid(t *testing.T) {
	t.Parallel()
	e, ss := newSweepEnv(t)
	idle := e.order("ivy", 1000)
	shared := e.order("ivy", 2000)
	share(t, e, shared.ID, "payer@example.com")
	listed := func() int {
		ss.mu.Lock()
		defer ss.mu.Unlock()
		return ss.listed
	}
	sweep := func(what string, expired, listedWant int) {
		t.Helper()
		ss.reset()
		if rep, err := e.c.Sweep(e.ctx); err != nil || rep.Expired != expired {
			t.Fatalf("%s: sweep %+v %v, want %d expired", what, rep, err, expired)
		}
		if n := listed(); n != listedWant {
			t.Errorf("%s: sweep listed %d orders, want %d", what, n, listedWant)
		}
	}
	e.clock.Advance(72*time.Hour - time.Minute)
	sweep("before the link expires", 0, 0)
	e.clock.Advance(time.Minute)
	sweep("when the link expires", 1, 1)
	if got := e.get(shared.ID); got.State != checkout.StateCancelled || got.Reason != "share link expired" {
		t.Errorf("shared order %s %q", got.State, got.Reason)
	}
	e.clock.Advance(4*24*time.Hour - time.Minute)
	sweep("before the order expires", 0, 0)
	e.wantState(idle.ID, checkout.StateCreated)
	e.clock.Advance(time.Minute)
	if _, err := e.c.Pay(e.ctx, idle.ID, checkout.PayRequest{Method: checkout.MethodCredit}); !errors.Is(err, checkout.ErrOrderClosed) {
		t.Errorf("Pay of an expired order: %v, want ErrOrderClosed", err)
	}
	sweep("when the order expires", 1, 1)
	if got := e.wantState(idle.ID, checkout.StateCancelled); got.Reason != "order expired unpaid" {
		t.Errorf("reason %q", got.Reason)
	}
	sweep("after", 0, 0)
}

// WithOrderTTL(0): orders never expire, and Sweep never lists them.
func TestSweepOrderTTLZero(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{opts: []checkout.Option{checkout.WithOrderTTL(0)}})
	o := e.order("zed", 1000)
	if !o.ExpiresAt.IsZero() || o.NeedsSweep() {
		t.Fatalf("order %+v", o)
	}
	e.clock.Advance(365 * 24 * time.Hour)
	if rep, err := e.c.Sweep(e.ctx); err != nil || rep.Expired != 0 {
		t.Fatalf("sweep %+v %v", rep, err)
	}
	e.topUp("zed", 1000)
	if next, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodCredit}); err != nil || next.Order.State != checkout.StateCompleted {
		t.Fatalf("pay a year later: %v %v", next.Order.State, err)
	}
	if _, err := checkout.New(checkout.Config{BaseURL: baseURL, Provisioner: e.prov}, checkout.WithOrderTTL(-time.Second)); !errors.Is(err, checkout.ErrInvalidConfig) {
		t.Errorf("negative ttl: %v", err)
	}
}

// The gateway did not know the payment when it timed out (the payer never
// reached its page), so Sweep failed it and cancelled the order. The payer
// then pays on the gateway's page and its notification never reaches us:
// Sweep's late query (an hour after the timeout) finds the success and
// credits the money to the requester, once, and flags the order.
func TestSweepQueriesExpiredPaymentLate(t *testing.T) {
	t.Parallel()
	e, ss := newSweepEnv(t)
	o := e.order("lena", 30000)
	next, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vtcpay"})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(24*time.Hour + time.Second)
	if rep, err := e.c.Sweep(e.ctx); err != nil || rep.Expired != 1 {
		t.Fatalf("sweep at the timeout %+v %v", rep, err)
	}
	got := e.wantState(o.ID, checkout.StateCancelled)
	if a := got.Attempts[0]; a.Outcome != checkout.OutcomeFailed || !a.ExpiredAt.Equal(e.clock.Now()) || !a.RecheckAt.Equal(e.clock.Now().Add(time.Hour)) {
		t.Fatalf("expired attempt %+v", a)
	}
	e.payAtGateway(next, vtcpaytest.StatusSuccess) // late; no notification
	ss.reset()
	if rep, err := e.c.Sweep(e.ctx); err != nil || rep.Queried != 0 {
		t.Errorf("sweep before the late query %+v %v", rep, err)
	}
	e.clock.Advance(time.Hour)
	rep, err := e.c.Sweep(e.ctx)
	if err != nil || rep.Queried != 1 || rep.Settled != 1 {
		t.Fatalf("late sweep %+v %v", rep, err)
	}
	got = e.wantState(o.ID, checkout.StateCancelled)
	if a := got.Attempts[0]; !got.Flagged || a.Outcome != checkout.OutcomeSucceeded || !a.Settled || !a.RecheckAt.IsZero() || got.NeedsSweep() {
		t.Errorf("order after the late success %+v", got)
	}
	wantLines(t, "payment history", e.paymentLines("lena"), "vtcpay credited 30000 VND")
	wantLines(t, "credit history", e.creditLines("lena"), "top-up 30000 bal 30000")
	e.clock.Advance(48 * time.Hour)
	ss.reset()
	if rep, err := e.c.Sweep(e.ctx); err != nil || rep.Queried != 0 || rep.Settled != 0 {
		t.Errorf("later sweep %+v %v", rep, err)
	}
	ss.mu.Lock()
	listed := ss.listed
	ss.mu.Unlock()
	if listed != 0 {
		t.Errorf("later sweep listed %d orders", listed)
	}
	wantLines(t, "credit history after all", e.creditLines("lena"), "top-up 30000 bal 30000")
	if e.prov.calls != 0 {
		t.Error("provisioned a cancelled order")
	}
	e.conserved("lena")
}

// A payment that timed out and is never paid is queried late on the
// documented schedule (an hour after the timeout, then doubling up to a
// day, a last one at the end of the 7-day window), then never again.
func TestSweepLateQueriesStopAfterTheWindow(t *testing.T) {
	t.Parallel()
	e, _ := newSweepEnv(t)
	o := e.order("mia", 30000)
	if _, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vtcpay"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(24*time.Hour + time.Second)
	if rep, err := e.c.Sweep(e.ctx); err != nil || rep.Expired != 1 {
		t.Fatalf("sweep at the timeout %+v %v", rep, err)
	}
	// Hourly sweeps for 9 days; queries at +1, 2, 4, 8, 16, 32 hours, then
	// daily (+56, 80, 104, 128, 152) and at the window's end (+168).
	var at []int
	for h := 1; h <= 9*24; h++ {
		e.clock.Advance(time.Hour)
		rep, err := e.c.Sweep(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Queried > 0 {
			at = append(at, h)
		}
	}
	if want := []int{1, 2, 4, 8, 16, 32, 56, 80, 104, 128, 152, 168}; fmt.Sprint(at) != fmt.Sprint(want) {
		t.Errorf("late queries at +%v hours, want +%v", at, want)
	}
	if got := e.get(o.ID); got.NeedsSweep() || got.State != checkout.StateCancelled || got.Flagged {
		t.Errorf("order after the window %+v", got)
	}
}

// WithLatePaymentWindow(0): a timed-out payment is not queried again.
func TestSweepLateQueriesOff(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{opts: []checkout.Option{checkout.WithLatePaymentWindow(0)}})
	o := e.order("ned", 30000)
	if _, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vtcpay"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(24*time.Hour + time.Second)
	if rep, err := e.c.Sweep(e.ctx); err != nil || rep.Expired != 1 {
		t.Fatalf("sweep at the timeout %+v %v", rep, err)
	}
	if got := e.get(o.ID); !got.Attempts[0].RecheckAt.IsZero() || got.NeedsSweep() {
		t.Errorf("order %+v", got)
	}
}

// failingLedger fails Post while fail is set (a crash of the ledger call:
// nothing posted).
type failingLedger struct {
	wallet.Ledger
	mu   sync.Mutex
	fail bool
}

func (l *failingLedger) Post(ctx context.Context, ts ...wallet.Transfer) ([]wallet.Result, error) {
	l.mu.Lock()
	fail := l.fail
	l.mu.Unlock()
	if fail {
		return nil, errCrash
	}
	return l.Ledger.Post(ctx, ts...)
}

// A credit payment the ledger refused (not enough credit) leaves nothing
// for Sweep to recover: the order is not listed until its expiry. One
// whose ledger call failed without a trace is checked by Sweep (a Pay may
// still be posting it) and, an hour after the try, left to its expiry too;
// at the expiry both are cancelled.
func TestSweepCreditTriesChecked(t *testing.T) {
	t.Parallel()
	fl := &failingLedger{}
	ss := &sweepStore{gets: map[string]int{}}
	e := newEnv(t, envConfig{
		store:  func(s checkout.Store) checkout.Store { ss.Store = s; return ss },
		ledger: func(l wallet.Ledger) wallet.Ledger { fl.Ledger = l; return fl },
	})
	e.topUp("poor", 500)
	refused := e.order("poor", 1000)
	var ice *checkout.InsufficientCreditError
	if _, err := e.c.Pay(e.ctx, refused.ID, checkout.PayRequest{Method: checkout.MethodCredit}); !errors.As(err, &ice) {
		t.Fatalf("Pay: %v, want InsufficientCreditError", err)
	}
	got := e.get(refused.ID)
	if at, ok := got.SweepAt(); got.CreditTries != 1 || got.CreditChecked != 1 || !ok || !at.Equal(got.ExpiresAt) {
		t.Fatalf("refused order %+v: sweep at %v", got, at)
	}
	lost := e.order("poor", 100)
	fl.mu.Lock()
	fl.fail = true
	fl.mu.Unlock()
	if _, err := e.c.Pay(e.ctx, lost.ID, checkout.PayRequest{Method: checkout.MethodCredit}); err == nil {
		t.Fatal("the ledger's failure was not reported")
	}
	fl.mu.Lock()
	fl.fail = false
	fl.mu.Unlock()
	sweep := func(what string, wantListed int) checkout.SweepReport {
		t.Helper()
		ss.reset()
		rep, err := e.c.Sweep(e.ctx)
		if err != nil {
			t.Fatalf("%s: sweep %+v %v", what, rep, err)
		}
		ss.mu.Lock()
		defer ss.mu.Unlock()
		if ss.listed != wantListed {
			t.Errorf("%s: listed %d orders, want %d", what, ss.listed, wantListed)
		}
		return rep
	}
	sweep("at once: the lost try may still be posting", 1)
	e.clock.Advance(30 * time.Minute)
	sweep("half an hour later", 1)
	e.clock.Advance(30 * time.Minute)
	sweep("an hour after the try: checked", 1)
	if got = e.get(lost.ID); got.CreditChecked != 1 || got.State != checkout.StateCreated {
		t.Errorf("lost order %+v", got)
	}
	sweep("then", 0)
	e.clock.Advance(7 * 24 * time.Hour)
	if rep := sweep("at the expiry", 2); rep.Expired != 2 {
		t.Errorf("expired %d, want 2", rep.Expired)
	}
	e.wantState(refused.ID, checkout.StateCancelled)
	e.wantState(lost.ID, checkout.StateCancelled)
	wantLines(t, "credit history", e.creditLines("poor"), "top-up 500 bal 500")
}

// A redirect payment the payer abandoned on the gateway's page is queried a
// few times, spaced out (a minute, then doubling up to an hour), not once
// per Sweep: Sweep running every minute for a day asks VTC Pay about 30
// times, and still cancels the order at the payment timeout.
func TestSweepSpacesQueriesOfAnOpenPayment(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{opts: []checkout.Option{checkout.WithLatePaymentWindow(0)}})
	o := e.order("zed", 150000)
	start := e.clock.Now()
	next, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vtcpay"})
	if err != nil || next.Kind != checkout.NextRedirect {
		t.Fatalf("Pay = %v, %v; want a redirect", next.Kind, err)
	}
	queries, cancelledAt := 0, time.Time{}
	for range 25 * 60 {
		rep, err := e.c.Sweep(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		queries += rep.Queried
		if cancelledAt.IsZero() && e.get(o.ID).State == checkout.StateCancelled {
			cancelledAt = e.clock.Now()
		}
		e.clock.Advance(time.Minute)
	}
	if queries < 20 || queries > 40 {
		t.Errorf("%d gateway queries in 25 hours of Sweeps every minute, want about 30", queries)
	}
	if want := start.Add(24 * time.Hour); cancelledAt.Before(want) || cancelledAt.After(want.Add(time.Minute)) {
		t.Errorf("cancelled at %v, want at the 24-hour payment timeout %v", cancelledAt, want)
	}
}
