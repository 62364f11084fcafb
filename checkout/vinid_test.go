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
	captured []string // raw queries of delivered notifications
	asked    []string // payers whose token checkout asked for
}

func newVinIDEnv(t *testing.T, threshold int64, payers ...string) *vinidEnv {
	t.Helper()
	keys, err := vinidKeys()
	if err != nil {
		t.Fatal(err)
	}
	e := &vinidEnv{env: &env{t: t, ctx: context.Background(), clock: newClock(), notif: &notifier{},
		prov: &provisioner{results: map[string]error{}}}, users: map[string]string{}, toks: map[string]string{}}
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
		w.WriteHeader(http.StatusOK)
	}))
	return e
}

// lastCallback returns the last notification the fake delivered.
func (e *vinidEnv) lastCallback() url.Values {
	e.t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.captured) == 0 {
		e.t.Fatal("the fake delivered no notification")
	}
	v, err := url.ParseQuery(e.captured[len(e.captured)-1])
	if err != nil {
		e.t.Fatal(err)
	}
	return v
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
	if st := e.deliver(e.lastCallback()); st != http.StatusOK {
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
