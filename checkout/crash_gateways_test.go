package checkout_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

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

// The crash injection of TestCrashAtEveryStepConverges, through VinID Pay
// and Ví Việt: a crash before and after every Store and ledger call, then
// Sweep, converges to exactly one outcome.

const (
	crashVinIDStart = 50_000_000 // the payer's VinID wallet
	crashVinIDOTP   = 1_000_000  // VinID's OTP threshold in these tests
	crashVietPhone  = "0911111111"
	crashVietPass   = "pw123456"
	crashPayer      = "payer@example.com" // the payer of payments on behalf
)

// vietGatewayKey is the Ví Việt fake's RSA key, made once per test binary:
// a 2048-bit key per fake made these tests slow.
var vietGatewayKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

// gwCrashCase is one way of paying through a gateway other than VTC Pay.
type gwCrashCase struct {
	name    string
	gateway string // "vinidpay" or "vietpay"
	method  checkout.Method
	price   int64
	paidBal int64 // the wallet after a completed order (it starts at 100000)
	otp     bool  // VinID asks for an OTP (the price is at its threshold or above)
}

var gwCrashCases = []gwCrashCase{
	{"vinidpay/gateway", "vinidpay", checkout.MethodGateway, 150000, 100000, false},
	{"vinidpay/gateway-otp", "vinidpay", checkout.MethodGateway, 1_200_000, 100000, true},
	{"vinidpay/topup", "vinidpay", checkout.MethodTopUpAndPay, 150000, 0, false},
	// 1_100_000 charged through VinID after 100000 of credit: an OTP.
	{"vinidpay/topup-otp", "vinidpay", checkout.MethodTopUpAndPay, 1_200_000, 0, true},
	// The payer's own linked VinID wallet, confirmed on the share page.
	{"vinidpay/onbehalf", "vinidpay", checkout.MethodOnBehalf, 150000, 100000, false},
	{"vinidpay/onbehalf-otp", "vinidpay", checkout.MethodOnBehalf, 1_200_000, 100000, true},
	{"vietpay/gateway", "vietpay", checkout.MethodGateway, 150000, 100000, false},
	{"vietpay/topup", "vietpay", checkout.MethodTopUpAndPay, 150000, 0, false},
	{"vietpay/onbehalf", "vietpay", checkout.MethodOnBehalf, 150000, 100000, false},
}

// gwCrashEnv is a Client on one gateway's fake, its Store and ledger under
// fault injection, and how the payer and the gateway act once checkout
// answered the payment call.
type gwCrashEnv struct {
	*env
	// afterPay plays the payer (an OTP, the gateway's page) and the
	// gateway's notifications, tolerating the injected crash. token is the
	// payer's share token for a payment on behalf, else "".
	afterPay func(o checkout.Order, next checkout.Next, token string)
	// dropNotifications loses the gateway's notifications and the payer's
	// return: only a query tells checkout the outcome.
	dropNotifications bool
	// charged is what the payer's account at the gateway is down by
	// (payments minus refunds).
	charged func() int64
	// transport wraps the gateway client's HTTP transport (nil: none).
	transport func(http.RoundTripper) http.RoundTripper
	// notifications returns requests replaying the success notifications
	// the gateway sent of o's payments (each call a fresh request).
	notifications func(o checkout.Order) []func() *http.Request
}

// newGWCrashEnv builds the Client of tc's gateway; cfg wraps its Store and
// ledger as in newEnv (e.store and e.ledger stay the unwrapped ones).
func newGWCrashEnv(t *testing.T, tc gwCrashCase, cfg envConfig) *gwCrashEnv {
	t.Helper()
	return newGWEnv(t, tc, cfg, nil)
}

// newGWEnv is newGWCrashEnv with the gateway client's transport wrapped by
// transport (when not nil; its queries are then not retried, so that a
// fault reaches checkout) and cfg.opts given to checkout.New.
func newGWEnv(t *testing.T, tc gwCrashCase, cfg envConfig, transport func(http.RoundTripper) http.RoundTripper) *gwCrashEnv {
	t.Helper()
	e := &gwCrashEnv{env: &env{t: t, ctx: context.Background(), clock: newClock(), notif: &notifier{},
		prov: &provisioner{results: map[string]error{}}}, transport: transport}
	var gw checkout.Gateway
	switch tc.gateway {
	case "vinidpay":
		gw = e.vinid(tc)
	case "vietpay":
		gw = e.viet()
	case "vtcpay":
		gw = e.vtc()
	default:
		t.Fatalf("unknown gateway %q", tc.gateway)
	}
	e.start(cfg, gw)
	return e
}

// httpClient returns a client on base's transport wrapped by e.transport,
// or nil when there is nothing to wrap.
func (e *gwCrashEnv) httpClient(base *http.Client) *http.Client {
	if e.transport == nil {
		return nil
	}
	rt := base.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	return &http.Client{Transport: e.transport(rt)}
}

// vtc sets up VTC Pay's fake (notifications delivered by afterPay) and
// returns the adapter.
func (e *gwCrashEnv) vtc() checkout.Gateway {
	t := e.t
	e.fake = vtcpaytest.NewTestServer(t, vtcpaytest.Config{}, vtcpaytest.WithoutNotify(), vtcpaytest.WithClock(e.clock.Now))
	fc := e.fake.Config()
	opts := []vtcpay.Option{vtcpay.WithBaseURL(e.fake.URL()), vtcpay.WithHTTPClient(e.fake.Client()), vtcpay.WithClock(e.clock.Now)}
	if hc := e.httpClient(e.fake.Client()); hc != nil {
		opts = append(opts, vtcpay.WithHTTPClient(hc), vtcpay.WithQueryRetries(0))
	}
	vc, err := vtcpay.New(vtcpay.Config{WebsiteID: fc.WebsiteID, SecretKey: fc.SecretKey, ReceiverAccount: fc.ReceiverAccount, KeySign: fc.KeySign}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	gw, err := checkout.VTCPay(vc, checkout.VTCPayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e.charged = func() int64 {
		var n int64
		for _, tx := range e.fake.Transactions() {
			if tx.Status == vtcpaytest.StatusSuccess {
				n += mustInt(t, tx.Amount) - mustInt(t, tx.Refunded)
			}
		}
		return n
	}
	e.notifications = func(o checkout.Order) []func() *http.Request {
		var out []func() *http.Request
		for _, a := range e.get(o.ID).Attempts {
			if tx, ok := e.fake.Transaction(a.Reference); !ok || tx.Status != vtcpaytest.StatusSuccess {
				continue
			}
			form, err := e.fake.Notification(a.Reference)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, func() *http.Request {
				req := httptest.NewRequest(http.MethodPost, baseURL+"/notify/vtcpay", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				return req
			})
		}
		return out
	}
	e.afterPay = func(o checkout.Order, next checkout.Next, _ string) {
		if next.Kind != checkout.NextRedirect {
			return
		}
		if _, err := e.fake.Pay(e.ctx, next.URL, vtcpaytest.StatusSuccess); err != nil || e.dropNotifications {
			return
		}
		for _, a := range e.get(o.ID).Attempts {
			if a.URL != next.URL {
				continue
			}
			resps, _ := e.fake.Deliver(e.ctx, e.h, a.Reference, vtcpaytest.Target(baseURL+"/notify/vtcpay"))
			if len(resps) == 1 && resps[0].StatusCode != http.StatusOK {
				_, _ = e.fake.Deliver(e.ctx, e.h, a.Reference, vtcpaytest.Target(baseURL+"/notify/vtcpay"))
			}
		}
	}
	return gw
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("amount %q: %v", s, err)
	}
	return n
}

// vinid sets up VinID Pay's fake with the customer "zed" linked, its
// payment notifications captured, and returns the adapter.
func (e *gwCrashEnv) vinid(tc gwCrashCase) checkout.Gateway {
	t := e.t
	keys, err := vinidKeys()
	if err != nil {
		t.Fatal(err)
	}
	fake, err := vinidpaytest.NewServer(vinidpaytest.Config{Keys: keys}, vinidpaytest.WithOTPThreshold(crashVinIDOTP))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	var copts []vinidpay.Option
	if hc := e.httpClient(fake.Client()); hc != nil {
		copts = append(copts, vinidpay.WithHTTPClient(hc), vinidpay.WithQueryRetries(0, 0))
	}
	vc, err := fake.NewClient(copts...)
	if err != nil {
		t.Fatal(err)
	}
	// The requester "zed" pays with their own linked wallet, the payer
	// on behalf with theirs.
	payer := "zed"
	if tc.method == checkout.MethodOnBehalf {
		payer = crashPayer
	}
	user := fake.AddUser("0900000001", crashVinIDStart)
	link, err := vc.LinkWallet(e.ctx, vinidpay.LinkWalletRequest{PartnerUserID: "p1", CallbackURL: "https://shop.example/pay/link"})
	if err != nil {
		t.Fatal(err)
	}
	token, err := fake.ConfirmLink(link.LinkID, user)
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu       sync.Mutex
		captured []url.Values
		sig      = make(chan struct{}, 1)
	)
	fake.HandlePaymentCallbacks(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v, err := url.ParseQuery(r.URL.RawQuery); err == nil && v.Get("pay_status") == "SUCCESS" {
			mu.Lock()
			captured = append(captured, v)
			mu.Unlock()
			select {
			case sig <- struct{}{}:
			default:
			}
		}
		w.WriteHeader(http.StatusOK)
	}))
	gw, err := checkout.VinIDPay(vc, checkout.VinIDPayOptions{StoreCode: "STORE01", POSCode: "POS01",
		UserToken: func(_ context.Context, p string) (string, error) {
			if p != payer {
				return "", errors.New("not linked")
			}
			return token, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	e.charged = func() int64 {
		b, err := fake.Balance(user)
		if err != nil {
			t.Fatal(err)
		}
		return crashVinIDStart - b
	}
	// waitCaptured returns VinID's success notifications once it charged
	// the payer: they come after the fake answered the call (the wait is
	// for liveness only). None when nothing was charged.
	waitCaptured := func() []url.Values {
		b := crashVinIDStart - e.charged()
		if b == crashVinIDStart {
			return nil
		}
		timeout := time.After(10 * time.Second)
		for {
			mu.Lock()
			got := append([]url.Values(nil), captured...)
			mu.Unlock()
			if len(got) > 0 {
				return got
			}
			select {
			case <-sig:
			case <-timeout:
				t.Fatalf("VinID debited the payer (%d) but delivered no notification", b)
			}
		}
	}
	e.afterPay = func(o checkout.Order, next checkout.Next, share string) {
		if next.Kind == checkout.NextOTP && len(next.Order.Attempts) > 0 {
			a := next.Order.Attempts[len(next.Order.Attempts)-1]
			if otp, ok := fake.OTP(a.GatewayTxnID); ok {
				for range 2 {
					if share != "" {
						// The payer's OTP, on the share page.
						postShare(e.env, share, url.Values{"otp": {otp}})
						if got := e.get(o.ID); got.State != checkout.StateAwaitingPayment || got.Attempts[len(got.Attempts)-1].Outcome != checkout.OutcomePending {
							break
						}
					} else if _, err := e.c.SubmitOTP(e.ctx, o.ID, otp); err == nil {
						break
					}
				}
			}
		}
		if e.dropNotifications {
			return
		}
		for _, v := range waitCaptured() {
			if e.deliverVinID(v) != http.StatusOK {
				_ = e.deliverVinID(v)
			}
		}
	}
	e.notifications = func(checkout.Order) []func() *http.Request {
		var out []func() *http.Request
		for _, v := range waitCaptured() {
			out = append(out, func() *http.Request {
				return httptest.NewRequest(http.MethodGet, baseURL+"/notify/vinidpay?"+v.Encode(), nil)
			})
		}
		return out
	}
	if tc.otp && tc.price < crashVinIDOTP || !tc.otp && tc.price >= crashVinIDOTP {
		t.Fatalf("case %s: price %d against the OTP threshold %d", tc.name, tc.price, crashVinIDOTP)
	}
	return gw
}

func (e *gwCrashEnv) deliverVinID(q url.Values) int {
	return (&vinidEnv{env: e.env}).deliver(q)
}

// viet sets up Ví Việt's fake with the payer's account, its server
// notifications captured, and returns the adapter.
func (e *gwCrashEnv) viet() checkout.Gateway {
	t := e.t
	var (
		mu       sync.Mutex
		captured []url.Values
	)
	key, err := vietGatewayKey()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := vivietpaytest.New(vivietpaytest.Config{MerchantSite: "SHOP01", AccessCode: "ACCESS01", Secret: vietSecret, GatewayKey: key,
		Notify: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := r.ParseForm(); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			mu.Lock()
			captured = append(captured, r.PostForm)
			mu.Unlock()
		})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	srv.AddAccount(vivietpaytest.Account{Phone: crashVietPhone, Password: crashVietPass, Balance: 5_000_000, Limit: 5_000_000})
	copts := []vivietpay.Option{vivietpay.WithBaseURL(srv.URL), vivietpay.WithHTTPClient(srv.Client())}
	if hc := e.httpClient(srv.Client()); hc != nil {
		copts = append(copts, vivietpay.WithHTTPClient(hc), vivietpay.WithQueryRetries(0))
	}
	vc, err := vivietpay.New(vivietpay.Config{MerchantSite: "SHOP01", AccessCode: "ACCESS01", Secret: signing.NewSecret(vietSecret)}, copts...)
	if err != nil {
		t.Fatal(err)
	}
	gw, err := checkout.VietPay(vc, checkout.VietPayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e.charged = func() int64 {
		a, ok := srv.Account(crashVietPhone)
		if !ok {
			t.Fatal("no payer account")
		}
		return 5_000_000 - a.Balance
	}
	e.notifications = func(checkout.Order) []func() *http.Request {
		mu.Lock()
		defer mu.Unlock()
		var out []func() *http.Request
		for _, v := range captured {
			out = append(out, func() *http.Request { return notifyRequest(v) })
		}
		return out
	}
	e.afterPay = func(_ checkout.Order, next checkout.Next, _ string) {
		if next.Kind != checkout.NextRedirect {
			return
		}
		page, err := srv.Pay(e.ctx, next.URL, crashVietPhone, crashVietPass)
		if err != nil || e.dropNotifications {
			return
		}
		// The server notification (delivered in process while the payer
		// paid), then the payer's browser back on the return URL.
		mu.Lock()
		got := append([]url.Values(nil), captured...)
		mu.Unlock()
		for _, v := range got {
			ve := &vietEnv{env: e.env}
			if ve.deliver(v) != http.StatusOK {
				_ = ve.deliver(v)
			}
		}
		if back, err := page.ReturnURL(); err == nil {
			if rec := e.browse(back); rec.Code != http.StatusOK {
				_ = e.browse(back)
			}
		}
	}
	return gw
}

// runGWCrashFlow drives one order as a user and the gateway would,
// tolerating the injected crash (each actor tries again once), then lets
// Sweep converge, and checks there is exactly one outcome.
func runGWCrashFlow(t *testing.T, e *gwCrashEnv, tc gwCrashCase, arm, disarm func()) {
	t.Helper()
	e.topUp("zed", 100000)
	o := e.order("zed", tc.price)
	arm()
	var next checkout.Next
	token := ""
	for range 2 {
		var err error
		if tc.method == checkout.MethodOnBehalf {
			// The requester shares; the payer opens the link from the
			// email and confirms on the share page.
			if token, err = e.shareLink(o.ID); err != nil {
				continue
			}
			next, err = e.c.PayShared(e.ctx, token, tc.gateway)
		} else {
			next, err = e.c.Pay(e.ctx, o.ID, checkout.PayRequest{Method: tc.method, Gateway: tc.gateway})
		}
		if err == nil {
			break
		}
	}
	e.afterPay(o, next, token)
	for range 2 {
		_, _ = e.c.Sweep(e.ctx)
	}
	disarm()
	sweepAndCheckConverged(t, e.env, o.ID, tc.paidBal, true)
}

// shareLink shares order id with the payer (unless it was shared already)
// and returns the token of the link the payer was mailed (Sweep sends an
// email left in the outbox).
func (e *gwCrashEnv) shareLink(id string) (string, error) {
	if cur, err := e.c.Order(e.ctx, id); err == nil && cur.State == checkout.StateCreated {
		if _, err := e.c.Share(e.ctx, id, crashPayer); err != nil {
			return "", err
		}
	}
	ms := e.notif.byKind(checkout.NotifyShareLink)
	if len(ms) == 0 {
		_, _ = e.c.Sweep(e.ctx)
		ms = e.notif.byKind(checkout.NotifyShareLink)
	}
	if len(ms) == 0 {
		return "", errors.New("no share link mailed yet")
	}
	return tokenOf(ms[len(ms)-1].ShareURL), nil
}

// knownStuck lists crashes that leave an order stuck, by case and subtest,
// to be skipped rather than passed while a bug is open. It is empty: the
// VinID OTP crash it held (a lost createTransaction answer left the order
// awaiting payment forever) is fixed, and that subtest now runs.
var knownStuck = map[string]string{}

func TestCrashAtEveryStepConvergesOtherGateways(t *testing.T) {
	t.Parallel()
	for _, tc := range gwCrashCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// Count the calls of a clean run.
			fs, fl := &fault{}, &fault{}
			e := newGWCrashEnv(t, tc, envConfig{
				store:  func(s checkout.Store) checkout.Store { return faultyStore{s, fs} },
				ledger: func(l wallet.Ledger) wallet.Ledger { return faultyLedger{l, fl} },
			})
			runGWCrashFlow(t, e, tc, func() { fs.armed.Store(true); fl.armed.Store(true) },
				func() { fs.armed.Store(false); fl.armed.Store(false) })
			if got := e.get(e.last); got.State != checkout.StateCompleted {
				t.Fatalf("the clean run did not complete: %s (%s)", got.State, got.Reason)
			}
			ns, nl := fs.calls.Load(), fl.calls.Load()
			if ns < 5 || (tc.method == checkout.MethodTopUpAndPay && nl < 1) {
				t.Fatalf("counted %d store and %d ledger calls", ns, nl)
			}
			for _, after := range []bool{false, true} {
				for k := int64(1); k <= ns; k++ {
					name := fmt.Sprintf("store%d/after=%v", k, after)
					t.Run(name, func(t *testing.T) {
						if knownStuck[tc.name] == name {
							t.Skip("known bug: the order stays awaiting_payment (see knownStuck)")
						}
						f := &fault{failAt: k, after: after}
						e := newGWCrashEnv(t, tc, envConfig{store: func(s checkout.Store) checkout.Store { return faultyStore{s, f} }})
						runGWCrashFlow(t, e, tc, func() { f.armed.Store(true) }, func() { f.armed.Store(false) })
					})
				}
				for k := int64(1); k <= nl; k++ {
					t.Run(fmt.Sprintf("ledger%d/after=%v", k, after), func(t *testing.T) {
						f := &fault{failAt: k, after: after}
						e := newGWCrashEnv(t, tc, envConfig{ledger: func(l wallet.Ledger) wallet.Ledger { return faultyLedger{l, f} }})
						runGWCrashFlow(t, e, tc, func() { f.armed.Store(true) }, func() { f.armed.Store(false) })
					})
				}
			}
			t.Run("notifier", func(t *testing.T) {
				e := newGWCrashEnv(t, tc, envConfig{})
				runGWCrashFlow(t, e, tc, func() { e.notif.failNext = 1 }, func() {})
			})
			t.Run("provisioner", func(t *testing.T) {
				e := newGWCrashEnv(t, tc, envConfig{})
				n := 0
				e.prov.fail = func(string) error {
					n++
					if n == 1 {
						return fmt.Errorf("backend down: %w", checkout.ErrTryAgain)
					}
					return nil
				}
				runGWCrashFlow(t, e, tc, func() {}, func() {})
			})
		})
	}
}
