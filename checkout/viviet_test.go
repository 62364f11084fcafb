package checkout_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/signing"
	"github.com/thanhtoan/thanhtoan/vivietpay"
	"github.com/thanhtoan/thanhtoan/vivietpay/vivietpaytest"
)

const vietSecret = "vivietSecret2026"

// vietEnv is a Client with Ví Việt on its fake. The fake's server
// notifications are captured as delivered (in process) and handed to the
// Client's handler when the test says.
type vietEnv struct {
	*env
	srv *vivietpaytest.Server
	rec *recStore

	mu       sync.Mutex
	captured []string // form bodies of delivered notifications
}

func newVietEnv(t *testing.T) *vietEnv {
	t.Helper()
	e := &vietEnv{env: &env{t: t, ctx: context.Background(), clock: newClock(), notif: &notifier{},
		prov: &provisioner{results: map[string]error{}}}}
	var err error
	e.srv, err = vivietpaytest.New(vivietpaytest.Config{MerchantSite: "SHOP01", AccessCode: "ACCESS01", Secret: vietSecret,
		Notify: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := r.ParseForm(); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			e.mu.Lock()
			e.captured = append(e.captured, r.PostForm.Encode())
			e.mu.Unlock()
		})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.srv.Close)
	e.srv.AddAccount(vivietpaytest.Account{Phone: "0911111111", Password: "pw123456", Balance: 5_000_000, Limit: 5_000_000})
	vc, err := vivietpay.New(vivietpay.Config{MerchantSite: "SHOP01", AccessCode: "ACCESS01", Secret: signing.NewSecret(vietSecret)},
		vivietpay.WithBaseURL(e.srv.URL), vivietpay.WithHTTPClient(e.srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	gw, err := checkout.VietPay(vc, checkout.VietPayOptions{})
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
	return e
}

func (e *vietEnv) lastNotification() url.Values {
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

func notifyRequest(form url.Values) *http.Request {
	req := httptest.NewRequest(http.MethodPost, baseURL+"/notify/vietpay", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

func (e *vietEnv) deliver(form url.Values) int {
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, notifyRequest(form))
	return rec.Code
}

// payAtVietPay plays the payer on the fake's pages; the fake then delivers
// its notification (captured).
func (e *vietEnv) payAtVietPay(next checkout.Next) {
	e.t.Helper()
	if next.Kind != checkout.NextRedirect {
		e.t.Fatalf("next %v, want a redirect", next.Kind)
	}
	if _, err := e.srv.Pay(e.ctx, next.URL, "0911111111", "pw123456"); err != nil {
		e.t.Fatal(err)
	}
}

// signV1 signs a v1 result as Ví Việt does (the secret and the values in
// parameter-name order, joined with "|", SHA-256, lowercase hex).
func signV1(v url.Values, secret string) url.Values {
	out := cloneValues(v)
	out.Del("secure_hash")
	var params []signing.Param
	for k := range out {
		params = append(params, signing.Param{Key: k, Value: out.Get(k)})
	}
	sum := sha256.Sum256([]byte(vivietpay.V1Canonical(secret, params)))
	out.Set("secure_hash", hex.EncodeToString(sum[:]))
	return out
}

// Ví Việt under the callback rules: duplicates at once, failure after
// success, forged and tampered notifications.
func TestVietPayCallbackRules(t *testing.T) {
	t.Parallel()
	e := newVietEnv(t)
	a := e.order("wu", 150000)
	next, err := e.c.Pay(e.ctx, a.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vietpay"})
	if err != nil {
		t.Fatal(err)
	}
	e.payAtVietPay(next)
	e.wantState(a.ID, checkout.StateAwaitingPayment) // captured, not yet delivered
	n := e.lastNotification()
	if n.Get("merch_txn_ref") != lastRef(e.get(a.ID)) {
		t.Fatalf("captured notification %v", n)
	}
	// Our re-signing matches the gateway's: the genuine notification is a
	// fixed point (else the failure below would prove nothing).
	if got := signV1(n, vietSecret); got.Get("secure_hash") != n.Get("secure_hash") {
		t.Fatalf("signV1 does not reproduce the fake's secure_hash")
	}

	// The same success notification 20 times at once: provisioned once.
	checkFanOut(t, fanOut(e.h, 20, func() *http.Request { return notifyRequest(n) }))
	done := e.wantState(a.ID, checkout.StateCompleted)
	if st := e.deliver(n); st != http.StatusOK {
		t.Errorf("the 21st delivery: %d", st)
	}
	if e.prov.provisioned() != 1 || e.prov.calls != 1 {
		t.Errorf("provisioned %d in %d calls, want once", e.prov.provisioned(), e.prov.calls)
	}
	wantLines(t, "payment history", e.paymentLines("wu"), "vietpay paid 150000 VND")
	wantLines(t, "billing history", e.invoiceLines("wu"), a.ID+"/invoice gateway 150000 VND")
	if n := len(e.notif.byKind(checkout.NotifyOrderCompleted)); n != 1 {
		t.Errorf("%d completed emails", n)
	}

	// A failure after the success, correctly signed: changes nothing.
	fail := cloneValues(n)
	fail.Set("response_code", string(vivietpay.CodeInsufficientBalance))
	fail = signV1(fail, vietSecret)
	if st := e.deliver(fail); st != http.StatusOK {
		t.Errorf("failure after success: %d", st)
	}
	if got := e.get(a.ID); got.State != checkout.StateCompleted || got.Version != done.Version {
		t.Errorf("failure after success: %s, version %d -> %d", got.State, done.Version, got.Version)
	}

	// Forged and tampered notifications for a waiting order are refused and
	// not recorded.
	b := e.order("wu", 200000)
	next, err = e.c.Pay(e.ctx, b.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: "vietpay"})
	if err != nil {
		t.Fatal(err)
	}
	waiting := e.get(b.ID)
	bRef := lastRef(waiting)
	recorded := e.rec.recorded()
	forged := map[string]url.Values{}
	v := cloneValues(n)
	v.Set("merch_txn_ref", bRef) // a's success moved onto b, hash kept
	forged["reference moved"] = v
	v = cloneValues(v)
	v.Set("total_amount", "200000")
	v.Set("order_no", b.ID)
	forged["signed with another secret"] = signV1(v, "not-the-secret")
	v = cloneValues(n)
	v.Del("secure_hash")
	forged["unsigned"] = v
	for name, q := range forged {
		if st := e.deliver(q); st != http.StatusBadRequest {
			t.Errorf("%s: answered %d, want 400", name, st)
		}
	}
	// The genuine notification of b, tampered in flight (amount changed
	// after signing).
	e.payAtVietPay(next)
	tampered := e.lastNotification()
	if tampered.Get("merch_txn_ref") != bRef {
		t.Fatalf("captured %v", tampered)
	}
	genuine := cloneValues(tampered)
	tampered.Set("total_amount", "2000")
	if st := e.deliver(tampered); st != http.StatusBadRequest {
		t.Errorf("tampered amount: answered %d, want 400", st)
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
	// Nothing was remembered of them: the genuine one still applies.
	if st := e.deliver(genuine); st != http.StatusOK {
		t.Errorf("genuine after forgeries: %d", st)
	}
	e.wantState(b.ID, checkout.StateCompleted)
	if n := e.rec.recorded(); n != recorded+1 {
		t.Errorf("genuine notification recorded %d times", n-recorded)
	}
}
