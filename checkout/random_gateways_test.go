package checkout_test

import (
	"context"
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

	"github.com/shopspring/decimal"
	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/signing"
	"github.com/thanhtoan/thanhtoan/vinidpay"
	"github.com/thanhtoan/thanhtoan/vinidpay/vinidpaytest"
	"github.com/thanhtoan/thanhtoan/vivietpay"
	"github.com/thanhtoan/thanhtoan/vivietpay/vivietpaytest"
	"github.com/thanhtoan/thanhtoan/vtcpay"
	"github.com/thanhtoan/thanhtoan/vtcpay/vtcpaytest"
)

// TestRandomCheckouts' gateways beside VTC Pay, in the same Client so that
// orders on different gateways interleave: Ví Việt (hosted pages: the
// payer logs in, enters an OTP or cancels; wrong passwords, wrong and
// expired OTPs, expired sessions, accounts that cannot pay) and VinID Pay
// (a linked wallet: charged at once below its OTP threshold, at or above it
// after the OTP the payer enters; wrong and expired OTPs, payers with no
// link or too little money; callbacks whose amount is not signed, so
// checkout queries). VinID's create, OTP confirm and refund answers are
// lost now and then (VinID's knobs), and VTC Pay's and Ví Việt's queries
// and refunds meet network faults (their clients' transports).

const (
	rmVTC   = "vtcpay"
	rmViet  = "vietpay"
	rmVinID = "vinidpay"
)

var rmGatewayNames = []string{rmVTC, rmViet, rmVinID}

// rmVietSuccess is Ví Việt's result code of a payment made.
const rmVietSuccess = string(vivietpay.CodeSuccess)

// rmGateways is one seed's Ví Việt and VinID Pay (VTC Pay's fake is
// env.fake) and what the test knows of their payers.
type rmGateways struct {
	viet      *vivietpaytest.Server
	vinid     *vinidpaytest.Server
	vinidC    *vinidpay.Client
	threshold int64 // VinID's OTP threshold

	// Touched by the test's goroutine only.
	vietAccts  map[string]vivietpaytest.Account // payer -> Ví Việt wallet account
	vinidUsers map[string]string                // payer -> VinID user
	vinidStart map[string]int64                 // VinID user -> what their wallet held at first
	noLink     map[string]bool                  // payers who never link a VinID wallet
	otpAuth    map[string]bool                  // VinID payments whose payer entered the right OTP
	vietPages  []*rmVietPage                    // payers at Ví Việt's pages

	mu         sync.Mutex
	tokens     map[string]string     // payer -> linked VinID wallet token (checkout reads it)
	vietNotes  map[string]url.Values // reference -> Ví Việt's server notification of it
	vinidNotes []url.Values          // VinID's success callbacks, as it delivered them
	vinidSeen  int                   // how many of vinidNotes the test has scheduled

	// The transports of the VTC Pay and Ví Việt clients: each injects a
	// fault into one call once armed (see netFault).
	vtcRT, vietRT *faultRT
}

// newRandomEnv is newEnv with Ví Việt and VinID Pay configured beside VTC
// Pay, every fake and client on the env's clock; threshold is VinID's OTP
// threshold, vtcOnly leaves VTC Pay's transport without faults. Ví Việt's
// and VinID's notifications are captured as the fakes deliver them; the
// test hands them to the Client's handler when it decides.
func newRandomEnv(t *testing.T, cfg envConfig, threshold int64, vtcOnly bool) (*env, *rmGateways) {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), clock: newClock(), notif: &notifier{}, prov: &provisioner{results: map[string]error{}}}
	g := &rmGateways{threshold: threshold, vietAccts: map[string]vivietpaytest.Account{}, vinidUsers: map[string]string{}, vinidStart: map[string]int64{},
		noLink: map[string]bool{}, otpAuth: map[string]bool{}, tokens: map[string]string{}, vietNotes: map[string]url.Values{}}

	e.fake = vtcpaytest.NewTestServer(t, vtcpaytest.Config{}, vtcpaytest.WithoutNotify(), vtcpaytest.WithClock(e.clock.Now))
	fc := e.fake.Config()
	g.vtcRT = &faultRT{inner: transportOf(e.fake.Client()), match: func(*http.Request) bool { return false }}
	vtcOpts := []vtcpay.Option{vtcpay.WithBaseURL(e.fake.URL()), vtcpay.WithHTTPClient(e.fake.Client()), vtcpay.WithClock(e.clock.Now)}
	if !vtcOnly {
		// Gateway faults (none for a seed on VTC Pay alone, which replays
		// as before): the client's own query retries off, so that a
		// query's fault reaches checkout.
		vtcOpts = append(vtcOpts, vtcpay.WithHTTPClient(&http.Client{Transport: g.vtcRT}), vtcpay.WithQueryRetries(0))
	}
	vc, err := vtcpay.New(vtcpay.Config{WebsiteID: fc.WebsiteID, SecretKey: fc.SecretKey, ReceiverAccount: fc.ReceiverAccount, KeySign: fc.KeySign},
		vtcOpts...)
	if err != nil {
		t.Fatal(err)
	}
	vtc, err := checkout.VTCPay(vc, checkout.VTCPayOptions{})
	if err != nil {
		t.Fatal(err)
	}

	key, err := vietGatewayKey()
	if err != nil {
		t.Fatal(err)
	}
	g.viet, err = vivietpaytest.New(vivietpaytest.Config{MerchantSite: "SHOP01", AccessCode: "ACCESS01", Secret: vietSecret, GatewayKey: key,
		Clock: e.clock.Now, Notify: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := r.ParseForm(); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			g.mu.Lock()
			g.vietNotes[r.PostForm.Get("merch_txn_ref")] = r.PostForm
			g.mu.Unlock()
		})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.viet.Close)
	g.vietRT = &faultRT{inner: transportOf(g.viet.Client()), match: func(*http.Request) bool { return false }}
	vv, err := vivietpay.New(vivietpay.Config{MerchantSite: "SHOP01", AccessCode: "ACCESS01", Secret: signing.NewSecret(vietSecret)},
		vivietpay.WithBaseURL(g.viet.URL), vivietpay.WithHTTPClient(&http.Client{Transport: g.vietRT}), vivietpay.WithClock(e.clock.Now),
		vivietpay.WithQueryRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	viet, err := checkout.VietPay(vv, checkout.VietPayOptions{})
	if err != nil {
		t.Fatal(err)
	}

	keys, err := vinidKeys()
	if err != nil {
		t.Fatal(err)
	}
	g.vinid, err = vinidpaytest.NewServer(vinidpaytest.Config{Keys: keys}, vinidpaytest.WithOTPThreshold(threshold),
		vinidpaytest.WithClock(e.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.vinid.Close)
	// No query retries: a query's fault reaches checkout (and no retry
	// sleeps).
	if g.vinidC, err = g.vinid.NewClient(vinidpay.WithClock(e.clock.Now), vinidpay.WithQueryRetries(0, 0)); err != nil {
		t.Fatal(err)
	}
	g.vinid.HandlePaymentCallbacks(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v, err := url.ParseQuery(r.URL.RawQuery); err == nil {
			g.mu.Lock()
			g.vinidNotes = append(g.vinidNotes, v)
			g.mu.Unlock()
		}
		w.WriteHeader(http.StatusOK)
	}))
	vinid, err := checkout.VinIDPay(g.vinidC, checkout.VinIDPayOptions{StoreCode: "STORE01", POSCode: "POS01",
		UserToken: func(_ context.Context, payer string) (string, error) {
			g.mu.Lock()
			defer g.mu.Unlock()
			if tok, ok := g.tokens[payer]; ok {
				return tok, nil
			}
			return "", errors.New("no linked VinID wallet")
		}})
	if err != nil {
		t.Fatal(err)
	}

	e.start(cfg, vtc, viet, vinid)
	return e, g
}

func transportOf(c *http.Client) http.RoundTripper {
	if c.Transport == nil {
		return http.DefaultTransport
	}
	return c.Transport
}

// netFault makes the next query or refund of VTC Pay or Ví Việt meet a
// fault: not sent, a 503 unprocessed, or processed and its answer lost.
func (r *rm) netFault() {
	rt, gw := r.gw.vtcRT, rmVTC
	if r.coin(0.5) {
		rt, gw = r.gw.vietRT, rmViet
	}
	call := []string{"query", "refund"}[r.rng.IntN(2)]
	nf := netFaults[r.rng.IntN(len(netFaults))]
	rt.mu.Lock()
	rt.armed, rt.fired, rt.fault, rt.match = true, false, nf, gatewayCalls[gw][call]
	rt.mu.Unlock()
	r.logf("%s: the next %s meets %s", gw, call, nf)
	r.st.add("net fault", 1)
}

// payerGateway is the gateway a payer of o uses: the order's, or now and
// then another.
func (r *rm) payerGateway(o *rmOrder) string {
	if r.vtcOnly || r.coin(0.75) {
		return o.gateway
	}
	return rmGatewayNames[r.rng.IntN(len(rmGatewayNames))]
}

// ---- Ví Việt ---------------------------------------------------------------

// vietAccount is the payer's Ví Việt wallet account, made the first time
// they pay there: most can pay, some hold too little, have a low limit or
// are locked.
func (r *rm) vietAccount(payer string) vivietpaytest.Account {
	g := r.gw
	if a, ok := g.vietAccts[payer]; ok {
		return a
	}
	n := len(g.vietAccts) + 1
	a := vivietpaytest.Account{Phone: fmt.Sprintf("0912%06d", n), Password: fmt.Sprintf("pw%d", 1000+n), Balance: 20_000_000}
	kind := "rich"
	switch p := r.rng.Float64(); {
	case p < 0.08:
		a.Balance, kind = r.rng.Int64N(200)*1000, "poor"
	case p < 0.13:
		a.Limit, kind = 100_000, "limited"
	case p < 0.16:
		a.Status, kind = vivietpaytest.Locked, "locked"
	}
	g.viet.AddAccount(a)
	g.vietAccts[payer] = a
	r.logf("  %s has Ví Việt account %s (%s, %d)", payer, a.Phone, kind, a.Balance)
	return a
}

// rmVietPage is one payer at Ví Việt's pages.
type rmVietPage struct {
	ref, who string
	acct     vivietpaytest.Account
	p        *vivietpaytest.Payer
	page     *vivietpaytest.Page
	otp      string
	done     bool
}

// vietRef returns the merch_txn_ref of a Ví Việt (v1) checkout URL.
func vietRef(checkoutURL string) string {
	u, err := url.Parse(checkoutURL)
	if err != nil {
		return ""
	}
	return u.Query().Get("merch_txn_ref")
}

// vietOpen sends the payer to Ví Việt's checkout URL, given at given.
func (r *rm) vietOpen(checkoutURL string, given time.Time, who, payer string) {
	ref := vietRef(checkoutURL)
	if age := r.e.clock.Now().Sub(given); age > rmPageLife {
		// Found by seed 59558: a payer paid 13 days on, beyond checkout's
		// late queries, and the result never reached checkout.
		r.logf("  %s: the link is %v old: the payer cannot pay any more", ref, age)
		return
	}
	if r.coin(0.1) {
		r.logf("  %s: the payer never opens Ví Việt's page", ref)
		return
	}
	s := &rmVietPage{ref: ref, who: who, acct: r.vietAccount(payer), p: r.gw.viet.NewPayer()}
	page, err := s.p.Open(r.e.ctx, checkoutURL)
	if err != nil {
		r.t.Errorf("open Ví Việt's page of %s: %v", ref, err)
		return
	}
	if !page.IsLogin() {
		r.logf("  %s: Ví Việt shows %d %q (code %s)", ref, page.Status, page.Error(), page.Code())
		return
	}
	r.logf("  %s: Ví Việt's login page", ref)
	s.page = page
	r.gw.vietPages = append(r.gw.vietPages, s)
	if r.coin(0.6) {
		r.vietLogin(s, false) // at once
		return
	}
	r.push("payer "+who+" logs in at Ví Việt for "+ref, func() { r.vietLogin(s, false) })
}

// vietLeaves: the payer leaves the page now and then; they may come back
// later (and, if not, at the end: see vietComeBack).
func (r *rm) vietLeaves(s *rmVietPage, step string, then func()) bool {
	if !r.coin(0.1) {
		return false
	}
	r.logf("  %s: the payer leaves Ví Việt's %s page", s.ref, step)
	if r.coin(0.5) {
		r.push("payer "+s.who+" comes back to Ví Việt's "+step+" page of "+s.ref, then)
	}
	return true
}

func (r *rm) vietLogin(s *rmVietPage, back bool) {
	if s.done {
		return
	}
	if !back && r.vietLeaves(s, "login", func() { r.vietLogin(s, true) }) {
		return
	}
	v := url.Values{"account": {s.acct.Phone}, "password": {s.acct.Password}, "action": {"pay"}}
	what := "logs in"
	switch p := r.rng.Float64(); {
	case p < 0.1:
		v, what = url.Values{"action": {"cancel"}}, "cancels"
	case p < 0.22:
		v.Set("password", s.acct.Password+"x")
		what = "types a wrong password"
	}
	r.vietSubmit(s, what, v)
}

func (r *rm) vietOTP(s *rmVietPage, back bool) {
	if s.done {
		return
	}
	if !back && r.vietLeaves(s, "otp", func() { r.vietOTP(s, true) }) {
		return
	}
	v := url.Values{"otp": {s.otp}, "action": {"confirm"}}
	what := "enters the OTP"
	switch p := r.rng.Float64(); {
	case p < 0.1:
		v, what = url.Values{"action": {"cancel"}}, "cancels"
	case p < 0.22:
		v.Set("otp", wrongOTP(s.otp))
		what = "enters a wrong OTP"
	}
	r.vietSubmit(s, what, v)
}

func wrongOTP(otp string) string {
	if otp == "000000" {
		return "111111"
	}
	return "000000"
}

// vietSubmit posts the payer's form and follows where Ví Việt sends them.
func (r *rm) vietSubmit(s *rmVietPage, what string, v url.Values) {
	page, err := s.p.Submit(r.e.ctx, s.page, v)
	if err != nil {
		r.t.Errorf("Ví Việt's page of %s: %v", s.ref, err)
		s.done = true
		return
	}
	s.page = page
	switch {
	case page.IsResult():
		r.logf("  %s: payer %s at Ví Việt: result %s", s.ref, what, page.Code())
		r.st.add("vietpay result "+page.Code(), 1)
		r.vietResult(s)
	case page.IsOTP():
		if s.otp == "" {
			s.otp = r.gw.viet.OTP(s.acct.Phone) // read at once: another payment may send the phone another
		}
		r.logf("  %s: payer %s at Ví Việt: the OTP page (%s)", s.ref, what, page.Error())
		if r.coin(0.5) {
			r.vietOTP(s, false) // at once
			return
		}
		r.push("payer "+s.who+" at Ví Việt's otp page of "+s.ref, func() { r.vietOTP(s, false) })
	case page.IsLogin():
		r.logf("  %s: payer %s at Ví Việt: the login page again (%s)", s.ref, what, page.Error())
		r.push("payer "+s.who+" logs in at Ví Việt for "+s.ref+" again", func() { r.vietLogin(s, false) })
	default:
		r.logf("  %s: payer %s at Ví Việt: page %d %q", s.ref, what, page.Status, page.Error())
		s.done = true
	}
}

// vietResult: the payment is final at Ví Việt, which sent its
// notification (captured); the notification comes 0 to 3 times, the payer
// may follow the link back.
func (r *rm) vietResult(s *rmVietPage) {
	s.done = true
	if s.page.Code() == string(vivietpay.CodeSuccess) {
		r.recordVietSuccess(s.ref)
	}
	ret, err := s.page.ReturnURL()
	if err != nil {
		r.t.Errorf("Ví Việt's result page of %s: %v", s.ref, err)
		ret = nil
	}
	ref := s.ref
	for range r.rng.IntN(4) {
		r.push("notify "+ref+" (Ví Việt)", func() { r.deliverViet(ref, true) })
	}
	if r.coin(0.2) {
		r.push("notify "+ref+" (Ví Việt, tampered)", func() { r.deliverVietTampered(ref) })
	}
	if ret != nil && r.coin(0.6) {
		r.push("return "+ref, func() { r.browseReturn(ref, ret, true) })
	}
}

func (r *rm) recordVietSuccess(ref string) {
	p, ok := r.gw.viet.Payment(ref)
	if !ok || p.Code != vivietpay.CodeSuccess {
		r.t.Errorf("Ví Việt showed success for %s but has %+v", ref, p)
		return
	}
	r.successes[ref] = decimal.NewFromInt(p.Amount)
}

func (r *rm) vietNotification(ref string) url.Values {
	r.gw.mu.Lock()
	defer r.gw.mu.Unlock()
	return cloneValues(r.gw.vietNotes[ref])
}

func (r *rm) deliverViet(ref string, mayRetry bool) {
	form := r.vietNotification(ref)
	if len(form) == 0 {
		r.noVietNotification(ref)
		return
	}
	codes, failed := r.serveSome(func() *http.Request { return notifyRequest(form) })
	r.logf("  %s: Ví Việt notification x%d: %v", ref, len(codes), codes)
	if failed && mayRetry && r.coin(0.7) {
		r.push("notify "+ref+" (Ví Việt retries)", func() { r.deliverViet(ref, false) })
	}
}

// noVietNotification checks that Ví Việt had no notification of ref to
// deliver because none was due: a payment whose page session a query found
// over (the payer left; the fake delivers nothing from a query).
func (r *rm) noVietNotification(ref string) {
	if p, ok := r.gw.viet.Payment(ref); ok && p.Code == vivietpay.CodeSessionExpired {
		r.logf("  %s: no Ví Việt notification (the session expired with the payer away)", ref)
		return
	}
	r.t.Errorf("Ví Việt delivered no notification of %s", ref)
}

// serveSome sends one or two requests made by mk to the checkout Handler,
// the two at once half the time, and returns their HTTP statuses and
// whether any was not 200.
func (r *rm) serveSome(mk func() *http.Request) (codes []int, failed bool) {
	codes = make([]int, 1+r.rng.IntN(2))
	if len(codes) > 1 && r.coin(0.5) {
		var wg sync.WaitGroup
		for i := range codes {
			wg.Go(func() { codes[i] = serveCode(r.e.h, mk()) })
		}
		wg.Wait()
	} else {
		for i := range codes {
			codes[i] = serveCode(r.e.h, mk())
		}
	}
	for _, c := range codes {
		failed = failed || c != http.StatusOK
	}
	return codes, failed
}

func serveCode(h http.Handler, req *http.Request) int {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

// deliverVietTampered sends Ví Việt's notification changed after signing:
// it must change nothing.
func (r *rm) deliverVietTampered(ref string) {
	form := r.vietNotification(ref)
	if len(form) == 0 {
		r.noVietNotification(ref)
		return
	}
	if r.coin(0.5) {
		form.Set("total_amount", form.Get("total_amount")+"0")
	} else {
		form.Set("secure_hash", strings.Repeat("a", 64))
	}
	r.forged(ref, "Ví Việt", func() int { return serveCode(r.e.h, notifyRequest(form)) })
}

// forged sends a forged notification of ref and checks it was refused and
// changed nothing.
func (r *rm) forged(ref, gw string, send func() int) {
	id := orderOfRef(ref)
	before, berr := r.e.store.GetOrder(r.e.ctx, id)
	code := send()
	r.logf("  %s: forged %s notification: %d", ref, gw, code)
	if code == http.StatusOK {
		r.t.Errorf("a forged %s notification of %s was accepted", gw, ref)
	}
	after, aerr := r.e.store.GetOrder(r.e.ctx, id)
	if berr == nil && aerr == nil && after.Version != before.Version {
		r.t.Errorf("a forged %s notification changed order %s (version %d -> %d, %s -> %s)", gw, id, before.Version, after.Version, before.State, after.State)
	}
}

// vietComeBack: payers who left Ví Việt's pages come back to them at the
// end. The fake ends a payment page only when its payer posts to it (the
// session's and the OTP's expiry are checked then), so a page left open
// would stay pending there for ever, and checkout, which waits for the
// gateway on a redirect payment, with it.
func (r *rm) vietComeBack() {
	for _, s := range r.gw.vietPages {
		if s.done {
			continue
		}
		switch {
		case s.page.IsOTP():
			r.vietSubmit(s, "comes back and enters the OTP", url.Values{"otp": {s.otp}, "action": {"confirm"}})
		case s.page.IsLogin():
			r.vietSubmit(s, "comes back and logs in", url.Values{"account": {s.acct.Phone}, "password": {s.acct.Password}, "action": {"pay"}})
		}
	}
}

// ---- VinID Pay ---------------------------------------------------------------

// vinidLink links the payer's VinID wallet the first time they pay with
// VinID; some payers never do, some wallets hold too little.
func (r *rm) vinidLink(payer string) {
	g := r.gw
	if _, ok := g.vinidUsers[payer]; ok || g.noLink[payer] {
		return
	}
	if r.coin(0.08) {
		g.noLink[payer] = true
		r.logf("  %s has no linked VinID wallet", payer)
		return
	}
	balance := int64(20_000_000)
	if r.coin(0.12) {
		balance = r.rng.Int64N(200) * 1000
	}
	n := len(g.vinidUsers) + 1
	user := g.vinid.AddUser(fmt.Sprintf("0913%06d", n), balance)
	g.vinidUsers[payer] = user
	g.vinidStart[user] = balance
	link, err := g.vinidC.LinkWallet(r.e.ctx, vinidpay.LinkWalletRequest{PartnerUserID: fmt.Sprintf("u%d", n), CallbackURL: "https://shop.example/pay/link"})
	if err != nil {
		r.t.Errorf("link %s's VinID wallet: %v", payer, err)
		return
	}
	tok, err := g.vinid.ConfirmLink(link.LinkID, user)
	if err != nil {
		r.t.Errorf("confirm %s's VinID link: %v", payer, err)
		return
	}
	g.mu.Lock()
	g.tokens[payer] = tok
	g.mu.Unlock()
	r.logf("  %s linked VinID wallet %s holding %d", payer, user, balance)
}

// vinidFault makes VinID's next answer on one of the paths checkout calls
// fail: processed and its answer lost (the connection closed), or a 500
// before anything was processed.
func (r *rm) vinidFault() {
	paths := []string{vinidpay.PathCreateTransaction, vinidpay.PathConfirmTransaction, vinidpay.PathRefund}
	path := paths[r.rng.IntN(len(paths))]
	if r.coin(0.5) {
		r.gw.vinid.DropResponseNext(path)
		r.logf("VinID: the next answer on %s is lost after processing", path)
	} else {
		r.gw.vinid.FailNext(path, http.StatusInternalServerError, vinidpaytest.CodeSystemError)
		r.logf("VinID: the next call on %s fails unprocessed (500)", path)
	}
	r.st.add("vinidpay fault", 1)
}

// vinidWaiting returns the reference of o's VinID payment by payer ("" for
// the requester's own) that waits for an OTP.
func vinidWaiting(o checkout.Order, payer string) string {
	for i := len(o.Attempts) - 1; i >= 0; i-- {
		a := o.Attempts[i]
		if a.Gateway == rmVinID && a.OTP && a.Outcome != checkout.OutcomeSucceeded && a.Outcome != checkout.OutcomeFailed && a.Payer == payer {
			return a.Reference
		}
	}
	return ""
}

// vinidSMS is the OTP VinID sent for the payment ref ("" if none).
func (r *rm) vinidSMS(ref string) string {
	for _, m := range r.gw.vinid.SentSMS() {
		if m.InvoiceNo == ref {
			return m.OTP
		}
	}
	return ""
}

// vinidAfter follows a VinID payment call: the callbacks VinID sent, and
// the OTP the payer is asked for. token is the payer's share token ("" for
// the requester), payer their email ("" for the requester).
func (r *rm) vinidAfter(o *rmOrder, next checkout.Next, who, token, payer string) {
	r.vinidCallbacks()
	if next.Kind != checkout.NextOTP {
		return
	}
	ref := vinidWaiting(next.Order, payer)
	if ref == "" {
		r.logf("  VinID asks %s of %s for an OTP, of no payment waiting for one", who, o.id)
		return
	}
	r.st.add("vinidpay otp asked", 1)
	r.push("payer "+who+" enters VinID's OTP for "+ref, func() { r.vinidOTP(o, ref, who, token) })
}

// vinidOTP: the payer enters the OTP VinID sent for ref, a wrong one (and
// then another try), or never.
func (r *rm) vinidOTP(o *rmOrder, ref, who, token string) {
	otp := r.vinidSMS(ref)
	if otp == "" {
		r.t.Errorf("VinID sent no OTP for %s", ref)
		return
	}
	wrong := false
	switch p := r.rng.Float64(); {
	case p < 0.12:
		r.logf("  %s: the payer never enters VinID's OTP", ref)
		r.st.add("vinidpay otp never entered", 1)
		return
	case p < 0.3:
		otp, wrong = wrongOTP(otp), true
		r.st.add("vinidpay otp wrong", 1)
	default:
		r.gw.otpAuth[ref] = true
		r.st.add("vinidpay otp right", 1)
	}
	var next checkout.Next
	_ = r.retry(fmt.Sprintf("%s enters %s OTP for %s", who, map[bool]string{true: "a wrong", false: "the"}[wrong], ref), func() error {
		var err error
		if token != "" {
			next, err = r.e.c.SubmitSharedOTP(r.e.ctx, token, otp)
		} else {
			next, err = r.e.c.SubmitOTP(r.e.ctx, o.id, otp)
		}
		return err
	})
	r.vinidCallbacks()
	if next.Kind == checkout.NextOTP && (wrong || r.coin(0.5)) {
		r.push("payer "+who+" tries VinID's OTP for "+ref+" again", func() { r.vinidOTP(o, ref, who, token) })
	}
}

// vinidCallbacks schedules the success callbacks VinID sent since the last
// call: 0 to 3 deliveries each, now and then a forged one or one whose
// unsigned amount was changed.
func (r *rm) vinidCallbacks() {
	g := r.gw
	g.mu.Lock()
	news := append([]url.Values(nil), g.vinidNotes[g.vinidSeen:]...)
	g.vinidSeen = len(g.vinidNotes)
	g.mu.Unlock()
	for _, v := range news {
		ref := v.Get("order_id")
		for range r.rng.IntN(4) {
			r.push("notify "+ref+" (VinID)", func() { r.deliverVinID(ref, v, true) })
		}
		if r.coin(0.2) {
			r.push("notify "+ref+" (VinID, forged)", func() { r.deliverVinIDForged(ref, v) })
		}
		if r.coin(0.3) {
			// The amount is not signed: a changed one is not a forgery that
			// can be refused. Checkout must query and use VinID's amount.
			w := cloneValues(v)
			w.Set("vnd_amount", "1000")
			r.push("notify "+ref+" (VinID, unsigned amount changed)", func() { r.deliverVinID(ref, w, false) })
		}
	}
}

func vinidRequest(v url.Values) *http.Request {
	return httptest.NewRequest(http.MethodGet, baseURL+"/notify/vinidpay?"+v.Encode(), nil)
}

func (r *rm) deliverVinID(ref string, v url.Values, mayRetry bool) {
	codes, failed := r.serveSome(func() *http.Request { return vinidRequest(v) })
	r.logf("  %s: VinID callback (vnd_amount %s) x%d: %v", ref, v.Get("vnd_amount"), len(codes), codes)
	if failed && mayRetry && r.coin(0.7) {
		r.push("notify "+ref+" (VinID retries)", func() { r.deliverVinID(ref, v, false) })
	}
}

// deliverVinIDForged sends a VinID callback that VinID did not sign: a
// failure turned into a success, a success moved to another payment, or a
// signature from another key.
func (r *rm) deliverVinIDForged(ref string, v url.Values) {
	w := cloneValues(v)
	switch r.rng.IntN(3) {
	case 0:
		// VinID's own FAIL callback of this payment, its status flipped.
		f, err := url.ParseQuery(r.gw.vinid.PaymentCallbackQuery("FAIL", v.Get("transaction_id"), ref, nil))
		if err != nil {
			r.t.Fatal(err)
		}
		w = f
		w.Set("pay_status", "SUCCESS")
	case 1:
		n, _ := strconv.Atoi(ref[strings.LastIndex(ref, "-")+1:])
		w.Set("order_id", fmt.Sprintf("%s-%d", orderOfRef(ref), n+1))
	default:
		w.Set("signature", w.Get("signature")[:8]+strings.Repeat("A", len(w.Get("signature"))-8))
	}
	r.forged(w.Get("order_id"), "VinID", func() int { return serveCode(r.e.h, vinidRequest(w)) })
}

// ---- the fakes' records ----------------------------------------------------

// rmSuccess is a payment a fake records as successful.
type rmSuccess struct {
	gateway          string
	amount, refunded decimal.Decimal
}

// fakeSuccesses returns the successes of the three fakes by reference,
// read from each fake's own records, and checks each fake's money against
// them: what the merchant holds there, what its payers hold, nothing held.
func (r *rm) fakeSuccesses() map[string]rmSuccess {
	t, g := r.t, r.gw
	out := map[string]rmSuccess{}
	for _, txn := range r.e.fake.Transactions() {
		if txn.Status != vtcpaytest.StatusSuccess {
			continue
		}
		amt, err := decimal.NewFromString(txn.Amount)
		if err != nil {
			t.Errorf("VTC Pay transaction %s amount %q: %v", txn.Reference, txn.Amount, err)
		}
		refunded, err := decimal.NewFromString(txn.Refunded)
		if err != nil {
			t.Errorf("VTC Pay transaction %s refunded %q: %v", txn.Reference, txn.Refunded, err)
		}
		out[txn.Reference] = rmSuccess{rmVTC, amt, refunded}
	}

	// Ví Việt notifies every payment it ends; the payments it knows are
	// those and the ones still open.
	var net int64
	paid := map[string]int64{} // phone -> net paid
	for _, d := range g.viet.Deliveries() {
		p, ok := g.viet.Payment(d.MerchTxnRef)
		if !ok {
			t.Errorf("Ví Việt notified %s, which it does not know", d.MerchTxnRef)
			continue
		}
		if _, dup := out[p.MerchTxnRef]; dup || p.Code != vivietpay.CodeSuccess {
			continue
		}
		net += p.Amount - p.Refunded
		paid[p.Payer] += p.Amount - p.Refunded
		out[p.MerchTxnRef] = rmSuccess{rmViet, decimal.NewFromInt(p.Amount), decimal.NewFromInt(p.Refunded)}
	}
	if c := g.viet.CollectionBalance(); c != net {
		t.Errorf("Ví Việt's collection account holds %d, its successes less refunds %d", c, net)
	}
	for payer, a := range g.vietAccts {
		if b, _ := g.viet.Account(a.Phone); b.Balance != a.Balance-paid[a.Phone] {
			t.Errorf("%s's Ví Việt account holds %d, want %d (%d less %d paid)", payer, b.Balance, a.Balance-paid[a.Phone], a.Balance, paid[a.Phone])
		}
	}

	// VinID calls back every success (and only successes), naming the
	// user it charged (unsigned, but the fake's own record).
	payerOf := map[string]string{}
	for p, u := range g.vinidUsers {
		payerOf[u] = p
	}
	net = 0
	paid = map[string]int64{} // user -> net paid
	for _, d := range g.vinid.Deliveries() {
		if d.Kind != "payment" {
			continue
		}
		u, err := url.Parse(d.URL)
		if err != nil {
			t.Errorf("VinID callback URL %q: %v", d.URL, err)
			continue
		}
		id, user := u.Query().Get("transaction_id"), u.Query().Get("user_id")
		txn, ok := g.vinid.Transaction(id)
		if !ok || txn.Status != "SUCCESS" {
			t.Errorf("VinID called back a success of %s, which it has as %+v", id, txn)
			continue
		}
		ref := txn.InvoiceNo
		if _, dup := out[ref]; dup {
			continue
		}
		net += txn.Amount - txn.Refunded
		paid[user] += txn.Amount - txn.Refunded
		out[ref] = rmSuccess{rmVinID, decimal.NewFromInt(txn.Amount), decimal.NewFromInt(txn.Refunded)}
		if txn.Amount >= g.threshold && !g.otpAuth[ref] {
			t.Errorf("VinID charged %s %d (at or above its OTP threshold %d) but the payer never entered its OTP", ref, txn.Amount, g.threshold)
		}
		// The wallet charged is the payer's.
		if o, err := r.e.store.GetOrder(r.e.ctx, orderOfRef(ref)); err == nil {
			for _, a := range o.Attempts {
				if a.Reference != ref {
					continue
				}
				want := a.Payer
				if want == "" {
					want = o.Customer
				}
				if payerOf[user] != want {
					t.Errorf("VinID charged %q's wallet for %s, a payment by %q", payerOf[user], ref, want)
				}
			}
		}
	}
	if m := g.vinid.MerchantBalance(); m != net {
		t.Errorf("VinID's merchant balance %d, its successes less refunds %d", m, net)
	}
	if h := g.vinid.HeldBalance(); h != 0 {
		t.Errorf("VinID holds %d", h)
	}
	for user, start := range g.vinidStart {
		b, err := g.vinid.Balance(user)
		if err != nil || b != start-paid[user] {
			t.Errorf("%s's VinID wallet holds %d, want %d (%d less %d paid) (%v)", payerOf[user], b, start-paid[user], start, paid[user], err)
		}
	}
	return out
}

// rmAtOnce is what one of two payers paying at once got. It is filled in
// the payer's goroutine: no random draw, no log there.
type rmAtOnce struct {
	ret   *url.URL
	err   error
	codes []int  // the statuses of the notification delivered at once
	ref   string // VinID: the payer's payment
	code  string // Ví Việt's result code; VinID: what checkout said next
	ok    bool   // VinID: the payer entered the right OTP
}

// vietAtOnce plays a payer who pays at once at Ví Việt's pages with their
// account; Ví Việt's notification is then delivered once.
func (r *rm) vietAtOnce(checkoutURL string, acct vivietpaytest.Account) (res rmAtOnce) {
	page, err := payAtViet(r.e.ctx, r.gw.viet, checkoutURL, acct)
	if err != nil {
		res.err = err
		return res
	}
	res.code = page.Code()
	res.ret, res.err = page.ReturnURL()
	r.gw.mu.Lock()
	form := cloneValues(r.gw.vietNotes[vietRef(checkoutURL)])
	r.gw.mu.Unlock()
	if len(form) > 0 {
		res.codes = append(res.codes, serveCode(r.e.h, notifyRequest(form)))
	}
	return res
}

// payAtViet walks Ví Việt's pages as a payer who pays at once with acct
// (logs in, enters the OTP) and returns the result page.
func payAtViet(ctx context.Context, viet *vivietpaytest.Server, checkoutURL string, acct vivietpaytest.Account) (*vivietpaytest.Page, error) {
	p := viet.NewPayer()
	page, err := p.Open(ctx, checkoutURL)
	if err == nil && page.IsLogin() {
		page, err = p.Submit(ctx, page, url.Values{"account": {acct.Phone}, "password": {acct.Password}, "action": {"pay"}})
	}
	if err == nil && page.IsOTP() {
		page, err = p.Submit(ctx, page, url.Values{"otp": {viet.OTP(acct.Phone)}, "action": {"confirm"}})
	}
	if err == nil && !page.IsResult() {
		err = fmt.Errorf("Ví Việt shows %d %q", page.Status, page.Error())
	}
	return page, err
}

// vinidAtOnce plays a payer who confirms on the share page with VinID and,
// if VinID asks, enters the OTP at once; VinID's callback of the payment
// is then delivered once.
func (r *rm) vinidAtOnce(sh rmShare) (res rmAtOnce) {
	ctx := r.e.ctx
	next, err := r.e.c.PayShared(ctx, sh.tok, rmVinID)
	if err == nil && next.Kind == checkout.NextOTP {
		res.ref = vinidWaiting(next.Order, sh.payer)
		if otp := r.vinidSMS(res.ref); otp != "" {
			res.ok = true
			next, err = r.e.c.SubmitSharedOTP(ctx, sh.tok, otp)
		}
	}
	res.err, res.code = err, next.Kind.String()
	if res.ref == "" {
		for _, a := range next.Order.Attempts {
			if a.Payer == sh.payer && a.Gateway == rmVinID {
				res.ref = a.Reference
			}
		}
	}
	if res.ref == "" {
		return res
	}
	r.gw.mu.Lock()
	var cbs []url.Values
	for _, v := range r.gw.vinidNotes {
		if v.Get("order_id") == res.ref {
			cbs = append(cbs, cloneValues(v))
		}
	}
	r.gw.mu.Unlock()
	for _, v := range cbs {
		res.codes = append(res.codes, serveCode(r.e.h, vinidRequest(v)))
	}
	return res
}
