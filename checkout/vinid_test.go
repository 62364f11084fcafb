package checkout_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/vinidpay"
	"github.com/thanhtoan/thanhtoan/vinidpay/vinidpaytest"
)

// vinidKeys makes the fake's RSA keys once per test binary (slow).
var vinidKeys = sync.OnceValues(vinidpaytest.GenerateKeys)

// recStore is a Store that counts the callbacks recorded.
type recStore struct {
	checkout.Store
	mu        sync.Mutex
	callbacks []string
}

func (s *recStore) RecordCallback(ctx context.Context, c checkout.CallbackRecord) (bool, error) {
	ok, err := s.Store.RecordCallback(ctx, c)
	if ok {
		s.mu.Lock()
		s.callbacks = append(s.callbacks, c.ID)
		s.mu.Unlock()
	}
	return ok, err
}

func (s *recStore) recorded() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.callbacks)
}

// vinidEnv is a Client with VinID Pay on its fake. The fake's payment
// notifications are captured as delivered (in process) and handed to the
// Client's handler when the test says: the fake delivers them before it
// answers the payment call, while checkout holds the order.
type vinidEnv struct {
	*env
	vfake *vinidpaytest.Server
	vc    *vinidpay.Client
	rec   *recStore
	users map[string]string // payer -> the fake's user id
	toks  map[string]string // payer -> linked wallet token

	mu       sync.Mutex
	captured []string      // raw queries of delivered notifications
	sig      chan struct{} // a notification was captured
	asked    []string      // payers whose token checkout asked for
}

func newVinIDEnv(t *testing.T, threshold int64, payers ...string) *vinidEnv {
	t.Helper()
	keys, err := vinidKeys()
	if err != nil {
		t.Fatal(err)
	}
	e := &vinidEnv{env: &env{t: t, ctx: context.Background(), clock: newClock(), notif: &notifier{},
		prov: &provisioner{results: map[string]error{}}}, users: map[string]string{}, toks: map[string]string{},
		sig: make(chan struct{}, 1)}
	e.vfake, err = vinidpaytest.NewServer(vinidpaytest.Config{Keys: keys}, vinidpaytest.WithOTPThreshold(threshold))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.vfake.Close)
	if e.vc, err = e.vfake.NewClient(); err != nil {
		t.Fatal(err)
	}
	for i, p := range payers {
		e.users[p] = e.vfake.AddUser(fmt.Sprintf("09000000%02d", i), 50_000_000)
		link, err := e.vc.LinkWallet(e.ctx, vinidpay.LinkWalletRequest{PartnerUserID: fmt.Sprintf("p%d", i), CallbackURL: "https://shop.example/pay/link"})
		if err != nil {
			t.Fatal(err)
		}
		if e.toks[p], err = e.vfake.ConfirmLink(link.LinkID, e.users[p]); err != nil {
			t.Fatal(err)
		}
	}
	gw, err := checkout.VinIDPay(e.vc, checkout.VinIDPayOptions{StoreCode: "STORE01", POSCode: "POS01",
		UserToken: func(_ context.Context, payer string) (string, error) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.asked = append(e.asked, payer)
			if tok, ok := e.toks[payer]; ok {
				return tok, nil
			}
			return "", errors.New("not linked")
		}})
	if err != nil {
		t.Fatal(err)
	}
	e.rec = &recStore{Store: checkout.NewMemoryStore()}
	e.store = e.rec
	e.c, err = checkout.New(checkout.Config{Store: e.rec, Gateways: []checkout.Gateway{gw}, Provisioner: e.prov, Notifier: e.notif,
		BaseURL: baseURL}, checkout.WithClock(e.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	e.ledger = e.c.Ledger()
	e.h = http.StripPrefix("/pay", e.c.Handler())
	e.vfake.HandlePaymentCallbacks(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.captured = append(e.captured, r.URL.RawQuery)
		e.mu.Unlock()
		select {
		case e.sig <- struct{}{}:
		default:
		}
		w.WriteHeader(http.StatusOK)
	}))
	return e
}

// callback returns the success notification the fake delivered for a
// payment reference, waiting for it: the fake delivers after it answered
// (or dropped) the payment call.
func (e *vinidEnv) callback(ref string) url.Values {
	e.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		e.mu.Lock()
		for i := len(e.captured) - 1; i >= 0; i-- {
			v, err := url.ParseQuery(e.captured[i])
			if err == nil && v.Get("order_id") == ref && v.Get("pay_status") == "SUCCESS" {
				e.mu.Unlock()
				return v
			}
		}
		e.mu.Unlock()
		select {
		case <-e.sig:
		case <-timeout:
			e.t.Fatalf("the fake delivered no notification for %s", ref)
		}
	}
}

// deliver hands a notification to the Client's handler and returns the
// status it answered.
func (e *vinidEnv) deliver(q url.Values) int {
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, baseURL+"/notify/vinidpay?"+q.Encode(), nil))
	return rec.Code
}

func (e *vinidEnv) walletBalance(payer string) int64 {
	e.t.Helper()
	b, err := e.vfake.Balance(e.users[payer])
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

func (e *vinidEnv) askedFor() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.asked...)
}

func postShare(e *env, token string, form url.Values) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, baseURL+"/share/"+token, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

// Payment on behalf through the payer's linked VinID wallet: below the OTP
// threshold it is final at once; at and above it the payer gets an OTP,
// which only the payer's link can submit.
func TestVinIDOnBehalf(t *testing.T) {
	t.Parallel()
	const boss = "boss@parent.example"
	e := newVinIDEnv(t, 1_000_000, boss)
	e.topUp("req", 5000)

	// Below the threshold.
	o := e.order("req", 150000)
	token := share(t, e.env, o.ID, boss)
	next, err := e.c.PayShared(e.ctx, token, "vinidpay")
	if err != nil || next.Kind != checkout.NextDone || next.Order.State != checkout.StateCompleted {
		t.Fatalf("below threshold: %v %v %v (%s)", next.Kind, next.Order.State, err, next.Order.Reason)
	}
	if got := e.askedFor(); len(got) != 1 || got[0] != boss {
		t.Errorf("linked wallet looked up for %q, want the payer %q", got, boss)
	}
	if b := e.walletBalance(boss); b != 50_000_000-150000 {
		t.Errorf("payer's VinID wallet: %d", b)
	}
	got := e.wantState(o.ID, checkout.StateCompleted)
	if got.Payer != boss || got.Method != checkout.MethodOnBehalf {
		t.Errorf("order payer %q method %s", got.Payer, got.Method)
	}
	if _, err := e.c.OpenShare(e.ctx, token); !errors.Is(err, checkout.ErrShareUsed) {
		t.Errorf("open a used link: %v", err)
	}
	if _, err := e.c.PayShared(e.ctx, token, "vinidpay"); !errors.Is(err, checkout.ErrShareUsed) {
		t.Errorf("pay through a used link: %v", err)
	}
	// VinID's notification of it, delivered afterwards, changes nothing.
	if st := e.deliver(e.callback(lastRef(got))); st != http.StatusOK {
		t.Errorf("late notification: %d", st)
	}
	if v := e.get(o.ID).Version; v != got.Version {
		t.Errorf("late notification changed the order: version %d -> %d", got.Version, v)
	}

	// At the threshold, through the share routes of the Handler.
	ids := []string{o.ID}
	o = e.order("req", 1_000_000)
	ids = append(ids, o.ID)
	token = share(t, e.env, o.ID, boss)
	rec := postShare(e.env, token, url.Values{"gateway": {"vinidpay"}})
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `name="otp"`) {
		t.Fatalf("confirm at the threshold: %d %s", rec.Code, rec.Body.String())
	}
	waiting := e.wantState(o.ID, checkout.StateAwaitingPayment)
	a := waiting.Attempts[len(waiting.Attempts)-1]
	if !a.OTP || a.Payer != boss || a.Share == "" {
		t.Fatalf("attempt %+v", a)
	}
	otp, ok := e.vfake.OTP(a.GatewayTxnID)
	if !ok {
		t.Fatal("the fake sent no otp")
	}
	if b := e.walletBalance(boss); b != 50_000_000-150000 {
		t.Errorf("debited before the otp: %d", b)
	}
	// The requester's SubmitOTP does not confirm the payer's payment, nor
	// does a token of no link.
	if _, err := e.c.SubmitOTP(e.ctx, o.ID, otp); !errors.Is(err, checkout.ErrInvalidRequest) {
		t.Errorf("requester's SubmitOTP of the payer's payment: %v", err)
	}
	if _, err := e.c.SubmitSharedOTP(e.ctx, "not-a-token", otp); !errors.Is(err, checkout.ErrShareNotFound) {
		t.Errorf("unknown token: %v", err)
	}
	wrong := "000000"
	if otp == wrong {
		wrong = "111111"
	}
	rec = postShare(e.env, token, url.Values{"otp": {wrong}})
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "not accepted") || !strings.Contains(rec.Body.String(), `name="otp"`) {
		t.Errorf("wrong otp: %d %s", rec.Code, rec.Body.String())
	}
	e.wantState(o.ID, checkout.StateAwaitingPayment)
	rec = postShare(e.env, token, url.Values{"otp": {otp}})
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "completed") {
		t.Fatalf("otp: %d %s", rec.Code, rec.Body.String())
	}
	e.wantState(o.ID, checkout.StateCompleted)
	if b := e.walletBalance(boss); b != 50_000_000-1_150_000 {
		t.Errorf("payer's VinID wallet after the otp: %d", b)
	}
	if _, err := e.c.SubmitSharedOTP(e.ctx, token, otp); !errors.Is(err, checkout.ErrShareUsed) {
		t.Errorf("otp again: %v", err)
	}

	// Above the threshold, through the API.
	o = e.order("req", 2_500_000)
	token = share(t, e.env, o.ID, boss)
	next, err = e.c.PayShared(e.ctx, token, "vinidpay")
	if err != nil || next.Kind != checkout.NextOTP {
		t.Fatalf("above threshold: %v %v", next.Kind, err)
	}
	otp, _ = e.vfake.OTP(next.Order.Attempts[len(next.Order.Attempts)-1].GatewayTxnID)
	next, err = e.c.SubmitSharedOTP(e.ctx, token, otp)
	if err != nil || next.Kind != checkout.NextDone || next.Order.State != checkout.StateCompleted {
		t.Fatalf("above threshold otp: %v %v %v", next.Kind, next.Order.State, err)
	}

	if e.prov.provisioned() != 3 {
		t.Errorf("provisioned %d, want 3", e.prov.provisioned())
	}
	wantLines(t, "requester's payment history", e.paymentLines("req"),
		"vinidpay paid 150000 VND", "vinidpay paid 1000000 VND", "vinidpay paid 2500000 VND")
	wantLines(t, "requester's billing history", e.invoiceLines("req"), ids[0]+"/invoice on_behalf 150000 VND",
		ids[1]+"/invoice on_behalf 1000000 VND", o.ID+"/invoice on_behalf 2500000 VND")
	wantLines(t, "requester's credit history (untouched)", e.creditLines("req"), "top-up 5000 bal 5000")
	p, _ := e.c.PaymentHistory(e.ctx, "req", checkout.PageQuery{})
	for _, l := range p.Payments {
		if l.Payer != boss {
			t.Errorf("payment %s: payer %q", l.ID, l.Payer)
		}
	}
}

// fanOut hands the same request to the handler n times at once and returns
// the statuses.
func fanOut(h http.Handler, n int, req func() *http.Request) []int {
	statuses := make([]int, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := req()
			<-start
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			statuses[i] = rec.Code
		}()
	}
	close(start)
	wg.Wait()
	return statuses
}

// checkFanOut wants every status 200, or 503 (the order was busy for longer
// than a callback waits: the gateway sends it again), and at least one 200.
func checkFanOut(t *testing.T, statuses []int) {
	t.Helper()
	ok := 0
	for _, st := range statuses {
		switch st {
		case http.StatusOK:
			ok++
		case http.StatusServiceUnavailable:
		default:
			t.Errorf("a duplicate notification answered %d", st)
		}
	}
	if ok == 0 {
		t.Errorf("no delivery was accepted: %v", statuses)
	}
}

// VinID Pay under the callback rules: duplicates at once, failure after
// success, forged and tampered notifications, and the unsigned amount
// settled by a query.
func TestVinIDCallbackRules(t *testing.T) {
	t.Parallel()
	e := newVinIDEnv(t, 1_000_000, "vic")
	pay := func(o checkout.Order) {
		t.Helper()
		// VinID pays and notifies, but its answer is lost: checkout does not
		// know the outcome until the notification (or Sweep's query).
		e.vfake.DropResponseNext(vinidpay.PathCreateTransaction)
		if _, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vinidpay"}); err == nil {
			t.Fatal("a lost answer was not an error")
		}
		e.wantState(o.ID, checkout.StateAwaitingPayment)
	}

	// The same success notification 20 times at once: provisioned once.
	a := e.order("vic", 150000)
	pay(a)
	cb := e.callback(lastRef(e.get(a.ID)))
	checkFanOut(t, fanOut(e.h, 20, func() *http.Request {
		return httptest.NewRequest(http.MethodGet, baseURL+"/notify/vinidpay?"+cb.Encode(), nil)
	}))
	done := e.wantState(a.ID, checkout.StateCompleted)
	if st := e.deliver(cb); st != http.StatusOK {
		t.Errorf("the 21st delivery: %d", st)
	}
	if e.prov.provisioned() != 1 || e.prov.calls != 1 {
		t.Errorf("provisioned %d in %d calls, want once", e.prov.provisioned(), e.prov.calls)
	}
	wantLines(t, "payment history", e.paymentLines("vic"), "vinidpay paid 150000 VND")
	wantLines(t, "billing history", e.invoiceLines("vic"), a.ID+"/invoice gateway 150000 VND")
	if n := len(e.notif.byKind(checkout.NotifyOrderCompleted)); n != 1 {
		t.Errorf("%d completed emails", n)
	}

	// A failure after the success (genuine: signed with VinID's key)
	// changes nothing.
	fail, err := url.ParseQuery(e.vfake.PaymentCallbackQuery("FAIL", cb.Get("transaction_id"), cb.Get("order_id"), nil))
	if err != nil {
		t.Fatal(err)
	}
	if st := e.deliver(fail); st != http.StatusOK {
		t.Errorf("failure after success: %d", st)
	}
	if got := e.get(a.ID); got.State != checkout.StateCompleted || got.Version != done.Version {
		t.Errorf("failure after success: %s, version %d -> %d", got.State, done.Version, got.Version)
	}

	// Forged and tampered notifications are refused and not recorded: a
	// waiting order (its payer at the OTP step) is untouched.
	b := e.order("vic", 1_200_000)
	if next, err := e.c.Pay(e.ctx, b.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vinidpay"}); err != nil || next.Kind != checkout.NextOTP {
		t.Fatalf("pay b: %v %v", next.Kind, err)
	}
	waiting := e.get(b.ID)
	recorded := e.rec.recorded()
	bRef := lastRef(waiting)
	forged := map[string]url.Values{}
	v := cloneValues(cb)
	v.Set("order_id", bRef) // a's success moved onto b
	forged["order moved"] = v
	v = cloneValues(fail)
	v.Set("pay_status", "SUCCESS") // a failure turned into a success
	forged["status flipped"] = v
	v = cloneValues(cb)
	v.Del("signature")
	forged["unsigned"] = v
	forged["signed by another key"], err = url.ParseQuery(otherVinID(t).PaymentCallbackQuery("SUCCESS", "T999", bRef, nil))
	if err != nil {
		t.Fatal(err)
	}
	for name, q := range forged {
		if st := e.deliver(q); st != http.StatusBadRequest {
			t.Errorf("%s: answered %d, want 400", name, st)
		}
	}
	if got := e.get(b.ID); got.Version != waiting.Version || got.State != checkout.StateAwaitingPayment {
		t.Errorf("a forged notification changed order b: %s version %d -> %d", got.State, waiting.Version, got.Version)
	}
	if n := e.rec.recorded(); n != recorded {
		t.Errorf("forged notifications recorded: %d -> %d", recorded, n)
	}
	if e.prov.provisioned() != 1 {
		t.Errorf("provisioned %d after forgeries", e.prov.provisioned())
	}

	// The notification's amount is not signed: a genuine notification with
	// vnd_amount changed is settled by what a query says.
	c := e.order("vic", 150000)
	pay(c)
	v = e.callback(lastRef(e.get(c.ID)))
	if v.Get("vnd_amount") != "150000" {
		t.Fatalf("captured notification %v", v)
	}
	v.Set("vnd_amount", "1")
	if st := e.deliver(v); st != http.StatusOK {
		t.Errorf("unsigned amount changed: %d", st)
	}
	e.wantState(c.ID, checkout.StateCompleted)
	wantLines(t, "payment history", e.paymentLines("vic"), "vinidpay paid 150000 VND", "vinidpay paid 150000 VND")

	// VinID charged another amount than the order's (the query says so):
	// review, nothing provisioned, no invoice.
	d := e.order("vic", 150000)
	e.vfake.FailNext(vinidpay.PathCreateTransaction, http.StatusInternalServerError, vinidpaytest.CodeSystemError)
	if _, err := e.c.Pay(e.ctx, d.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vinidpay"}); err == nil {
		t.Fatal("a failed start was not an error")
	}
	dRef := lastRef(e.wantState(d.ID, checkout.StateAwaitingPayment))
	if _, err := e.vc.CreateTransaction(e.ctx, vinidpay.CreateTransactionRequest{UserToken: e.toks["vic"], InvoiceNo: dRef,
		Amount: vnd(100000), StoreCode: "STORE01", POSCode: "POS01"}); err != nil {
		t.Fatal(err)
	}
	v = e.callback(dRef)
	v.Set("vnd_amount", "150000") // what the order expects, unsigned
	if st := e.deliver(v); st != http.StatusOK {
		t.Errorf("wrong amount: %d", st)
	}
	got := e.wantState(d.ID, checkout.StateReview)
	if !got.Flagged || !strings.Contains(got.Reason, "100000") {
		t.Errorf("review reason %q flagged %v", got.Reason, got.Flagged)
	}
	if e.prov.provisioned() != 2 {
		t.Errorf("provisioned %d, want 2 (a and c)", e.prov.provisioned())
	}
	wantLines(t, "billing history", e.invoiceLines("vic"), a.ID+"/invoice gateway 150000 VND", c.ID+"/invoice gateway 150000 VND")
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vals := range v {
		out[k] = append([]string(nil), vals...)
	}
	return out
}

// otherVinID is a second fake with its own keys: what it signs is forged
// for the first.
func otherVinID(t *testing.T) *vinidpaytest.Server {
	t.Helper()
	keys, err := vinidKeys()
	if err != nil {
		t.Fatal(err)
	}
	// The same merchant key, another VinID key: a forger's.
	forger := &vinidpaytest.Keys{Merchant: keys.Merchant, VinID: keys.Merchant}
	s, err := vinidpaytest.NewServer(vinidpaytest.Config{Keys: forger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// A payment VinID refuses at creation (the linked wallet cannot pay) fails at
// once: the order is cancelled and nothing is provisioned, instead of waiting
// for Sweep to time an unknown outcome out.
func TestVinIDDeclinedAtCreate(t *testing.T) {
	t.Parallel()
	e := newVinIDEnv(t, 1_000_000, "req")
	if err := e.vfake.SetBalance(e.users["req"], 1000); err != nil {
		t.Fatal(err)
	}
	o := e.order("req", 150000)
	next, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vinidpay"})
	if !errors.Is(err, checkout.ErrPaymentFailed) {
		t.Fatalf("Pay = %v, %v; want ErrPaymentFailed", next.Kind, err)
	}
	got := e.wantState(o.ID, checkout.StateCancelled)
	if len(got.Attempts) != 1 || got.Attempts[0].Outcome != checkout.OutcomeFailed {
		t.Fatalf("attempts = %+v", got.Attempts)
	}
	if b := e.walletBalance("req"); b != 1000 {
		t.Fatalf("payer's VinID wallet: %d", b)
	}
	if n := e.prov.provisioned(); n != 0 {
		t.Fatalf("provisioned %d times", n)
	}
}

// VinID fails a payment at its last wrong OTP but answers with the same code
// as a wrong OTP that may be retried: SubmitOTP asks the gateway, so the
// third wrong OTP cancels the order at once instead of asking for another.
func TestVinIDWrongOTPsFailThePayment(t *testing.T) {
	t.Parallel()
	e := newVinIDEnv(t, 100_000, "req")
	before := e.walletBalance("req")
	o := e.order("req", 150000)
	next, err := e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vinidpay"})
	if err != nil || next.Kind != checkout.NextOTP {
		t.Fatalf("Pay = %v, %v; want an OTP", next.Kind, err)
	}
	for try := 1; try <= 2; try++ {
		next, err = e.c.SubmitOTP(e.ctx, o.ID, "000000x")
		if err == nil || next.Kind != checkout.NextOTP {
			t.Fatalf("wrong OTP %d: %v, %v; want an error and another OTP", try, next.Kind, err)
		}
		e.wantState(o.ID, checkout.StateAwaitingPayment)
	}
	next, err = e.c.SubmitOTP(e.ctx, o.ID, "000000x")
	if !errors.Is(err, checkout.ErrPaymentFailed) || next.Kind != checkout.NextDone {
		t.Fatalf("last wrong OTP: %v, %v; want done with ErrPaymentFailed", next.Kind, err)
	}
	got := e.wantState(o.ID, checkout.StateCancelled)
	if len(got.Attempts) != 1 || got.Attempts[0].Outcome != checkout.OutcomeFailed {
		t.Fatalf("attempts = %+v", got.Attempts)
	}
	if b := e.walletBalance("req"); b != before {
		t.Fatalf("payer's VinID wallet: %d, want %d", b, before)
	}
	if n := e.prov.provisioned(); n != 0 {
		t.Fatalf("provisioned %d times", n)
	}
}
