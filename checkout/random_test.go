package checkout_test

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/vtcpay/vtcpaytest"
	"github.com/thanhtoan/thanhtoan/wallet"
)

// TestRandomCheckouts drives, for each seed, 6 to 12 orders of 3 customers
// through random methods and gateways (VTC Pay, Ví Việt, VinID Pay: see
// random_gateways_test.go) and random interleavings of the payer's choices,
// duplicated, tampered or missing notifications, returns, Sweeps at random
// clock moves, failing provisioning and injected Store and ledger crashes;
// then lets Sweep converge and checks every order against the fake's
// records and the test's own log: one outcome each, money neither lost
// nor doubled.
//
// THANHTOAN_RANDOM_SEEDS=N runs seeds 1..N instead of the default ones
// (FROM-TO runs FROM..TO);
// THANHTOAN_RANDOM_SEED=S runs seed S alone (to replay a failure);
// THANHTOAN_RANDOM_VTC_ONLY=1 pays every order through VTC Pay, as the
// test did before it drew gateways (seeds then replay as they did).
// TestRandomCheckoutsPostgres (random_pg_test.go) runs the same seeds on
// checkout/pgstore and wallet/pgledger; -run 'TestRandomCheckouts$' runs
// this one alone.
func TestRandomCheckouts(t *testing.T) {
	t.Parallel()
	seeds, vtcOnly := randomSeeds(t, defaultRandomSeeds, true)
	runRandomSeeds(t, seeds, vtcOnly, nil)
}

// randomSeeds returns the seeds to run: THANHTOAN_RANDOM_SEED's,
// THANHTOAN_RANDOM_SEEDS', or else 1..defaults and, with once, the seeds
// that failed once; and which of them run on VTC Pay alone.
func randomSeeds(t *testing.T, defaults int, once bool) ([]uint64, map[uint64]bool) {
	var seeds []uint64
	vtcOnly := map[uint64]bool{}
	switch {
	case os.Getenv("THANHTOAN_RANDOM_SEED") != "":
		s, err := strconv.ParseUint(os.Getenv("THANHTOAN_RANDOM_SEED"), 10, 64)
		if err != nil {
			t.Fatalf("THANHTOAN_RANDOM_SEED: %v", err)
		}
		seeds = []uint64{s}
	case os.Getenv("THANHTOAN_RANDOM_SEEDS") != "":
		v := os.Getenv("THANHTOAN_RANDOM_SEEDS")
		from, to, isRange := strings.Cut(v, "-")
		if !isRange {
			from, to = "1", v
		}
		lo, err1 := strconv.ParseUint(from, 10, 64)
		hi, err2 := strconv.ParseUint(to, 10, 64)
		if err1 != nil || err2 != nil || lo < 1 || hi < lo {
			t.Fatalf("THANHTOAN_RANDOM_SEEDS=%q: want N or FROM-TO, positive and in order", v)
		}
		for s := lo; s <= hi; s++ {
			seeds = append(seeds, s)
		}
	default:
		for s := range uint64(defaults) {
			seeds = append(seeds, s+1)
		}
		if once {
			// Seeds that failed once: 88 and 1344, a top up and pay paid
			// after a cancellation released its hold (the void's answer
			// lost; the cancelled order's write failing). They failed with
			// VTC Pay alone, and run so, to replay the same sequences.
			seeds = append(seeds, 88, 1344)
			vtcOnly[88], vtcOnly[1344] = true, true
			// 26251: a second payer's refund refused by VinID, then
			// credited to the wallet, the answer lost: the order read
			// "refund outcome unknown", the credit unrecorded.
			seeds = append(seeds, 26251)
		}
	}
	if os.Getenv("THANHTOAN_RANDOM_VTC_ONLY") == "1" {
		for _, s := range seeds {
			vtcOnly[s] = true
		}
	}
	return seeds, vtcOnly
}

// runRandomSeeds runs each seed as a parallel subtest, with the Store and
// the Ledger of backend (nil: the in-memory ones).
func runRandomSeeds(t *testing.T, seeds []uint64, vtcOnly map[uint64]bool, backend func(*testing.T, func() time.Time) (checkout.Store, wallet.Ledger)) {
	st := &rmStats{n: map[string]int{}}
	t.Cleanup(func() { t.Logf("%d seeds: %s", len(seeds), st) })
	for _, seed := range seeds {
		name := fmt.Sprint(seed)
		if vtcOnly[seed] {
			name += "-vtc"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runRandomCheckouts(t, seed, vtcOnly[seed], st, backend)
		})
	}
}

// rmStats counts what the seeds covered, so that a run shows it tried
// what it claims to (go test -v).
type rmStats struct {
	mu sync.Mutex
	n  map[string]int
}

func (s *rmStats) add(k string, n int) {
	s.mu.Lock()
	s.n[k] += n
	s.mu.Unlock()
}

func (s *rmStats) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.n))
	for k := range s.n {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s %d; ", k, s.n[k])
	}
	return b.String()
}

const defaultRandomSeeds = 40

// rmOrder is the test's log of one order.
type rmOrder struct {
	id       string
	customer string
	price    int64
	method   checkout.Method
	gateway  string // the requester's gateway (payers on behalf may choose another)
	twoPay   bool   // on behalf: a second payer, or the requester pays too
	together bool   // the two payers pay at once
	provPlan int    // 0 ok, 1 fails, n>1: asks to try again n-1 times
	payers   int    // share links asked for
}

// rm is one seed's run.
type rm struct {
	t      *testing.T
	e      *env
	rng    *rand.Rand
	fs, fl *fault
	orders []*rmOrder
	seeds  map[string]int64 // customer -> money seeded
	tasks  []rmTask
	trace  []string
	// successes are the references the test paid successfully at the
	// fake's page, with what the page charged.
	successes map[string]decimal.Decimal
	tryAgain  map[string]int // order -> ErrTryAgain answers left (under the provisioner's lock)
	st        *rmStats
	policy    checkout.RefundPolicy
	gw        *rmGateways
	vtcOnly   bool // every payment through VTC Pay, and no random draw for gateways
}

type rmTask struct {
	name string
	run  func()
}

func (r *rm) logf(format string, args ...any) {
	r.trace = append(r.trace, fmt.Sprintf(format, args...))
}

func (r *rm) push(name string, run func()) { r.tasks = append(r.tasks, rmTask{name, run}) }

func (r *rm) coin(p float64) bool { return r.rng.Float64() < p }

func runRandomCheckouts(t *testing.T, seed uint64, vtcOnly bool, st *rmStats, backend func(*testing.T, func() time.Time) (checkout.Store, wallet.Ledger)) {
	fs, fl := &fault{}, &fault{}
	rng := rand.New(rand.NewPCG(seed, 0x7468616e68746f61))
	policy := checkout.RefundToCredit
	if rng.IntN(2) == 1 {
		policy = checkout.RefundThroughGateway
	}
	// VinID's OTP threshold: among the prices (10000 to 399000), so that
	// both ways of paying come up.
	threshold := int64(1_000_000)
	if !vtcOnly {
		threshold = (50 + rng.Int64N(300)) * 1000
	}
	e, gw := newRandomEnv(t, envConfig{
		store:   func(s checkout.Store) checkout.Store { return faultyStore{s, fs} },
		ledger:  func(l wallet.Ledger) wallet.Ledger { return faultyLedger{l, fl} },
		opts:    []checkout.Option{checkout.WithRefundPolicy(policy)},
		backend: backend,
	}, threshold, vtcOnly)
	r := &rm{t: t, e: e, rng: rng, fs: fs, fl: fl, st: st, policy: policy, gw: gw, vtcOnly: vtcOnly,
		seeds: map[string]int64{}, successes: map[string]decimal.Decimal{}, tryAgain: map[string]int{}}
	r.logf("refund policy %d (0 to credit, 1 through the gateway); VinID's OTP threshold %d; VTC Pay only %v", policy, threshold, vtcOnly)
	defer func() {
		if t.Failed() {
			t.Logf("seed %d (replay: THANHTOAN_RANDOM_SEED=%d; two payers at once run concurrently, so a replay may differ there):\n%s",
				seed, seed, strings.Join(r.trace, "\n"))
		}
	}()
	r.setUp(seed)
	r.play()
	r.converge()
	r.check()
}

var rmCustomers = []string{"c1", "c2", "c3"}

func (r *rm) setUp(seed uint64) {
	for _, c := range rmCustomers {
		n := 50 + r.rng.Int64N(250)
		r.e.topUp(c, n*1000)
		r.seeds[c] += n * 1000
		r.logf("seed wallet %s %d", c, n*1000)
	}
	methods := []checkout.Method{checkout.MethodCredit, checkout.MethodTopUpAndPay, checkout.MethodGateway, checkout.MethodOnBehalf}
	n := 6 + r.rng.IntN(7)
	for i := range n {
		o := &rmOrder{id: fmt.Sprintf("r%do%d", seed, i), customer: rmCustomers[r.rng.IntN(len(rmCustomers))],
			price: (10 + r.rng.Int64N(390)) * 1000, method: methods[r.rng.IntN(len(methods))]}
		if o.method == checkout.MethodOnBehalf && r.coin(0.4) {
			o.twoPay = true
			o.together = r.coin(0.5)
		}
		switch p := r.rng.Float64(); {
		case p < 0.2:
			o.provPlan = 1
		case p < 0.35:
			o.provPlan = 2 + r.rng.IntN(2)
		}
		if o.provPlan > 1 {
			r.tryAgain[o.id] = o.provPlan - 1
		}
		o.gateway = rmVTC
		if !r.vtcOnly {
			o.gateway = rmGatewayNames[r.rng.IntN(len(rmGatewayNames))]
		}
		r.st.add("gateway "+o.gateway, 1)
		r.orders = append(r.orders, o)
		r.logf("order %s %s price %d %s via %s twoPay=%v together=%v prov=%d", o.id, o.customer, o.price, o.method, o.gateway, o.twoPay, o.together, o.provPlan)
		r.push("create "+o.id, func() { r.create(o) })
	}
	plans := map[string]int{}
	for _, o := range r.orders {
		plans[o.id+"/provision"] = o.provPlan
	}
	// Called under the provisioner's lock.
	r.e.prov.fail = func(key string) error {
		switch plans[key] {
		case 0:
			return nil
		case 1:
			return errors.New("no capacity in the region")
		}
		id := strings.TrimSuffix(key, "/provision")
		if r.tryAgain[id] > 0 {
			r.tryAgain[id]--
			return fmt.Errorf("backend busy: %w", checkout.ErrTryAgain)
		}
		return nil
	}
}

// play runs the tasks in a random order, with Sweeps, clock moves,
// crashes and failing emails in between.
func (r *rm) play() {
	for step := 0; len(r.tasks) > 0 && step < 400; step++ {
		switch p := r.rng.Float64(); {
		case p < 0.08:
			r.sweep()
			continue
		case p < 0.3:
			r.armCrash()
			continue
		case p < 0.33:
			n := 1 + r.rng.IntN(2)
			r.e.notif.mu.Lock()
			r.e.notif.failNext = n
			r.e.notif.mu.Unlock()
			r.logf("notifier: next %d sends fail", n)
			continue
		case !r.vtcOnly && p < 0.35:
			r.vinidFault()
			continue
		case !r.vtcOnly && p < 0.37:
			r.netFault()
			continue
		}
		i := r.rng.IntN(len(r.tasks))
		tk := r.tasks[i]
		r.tasks[i] = r.tasks[len(r.tasks)-1]
		r.tasks = r.tasks[:len(r.tasks)-1]
		r.logf("> %s", tk.name)
		tk.run()
	}
	if len(r.tasks) > 0 {
		r.logf("stopped with %d tasks left", len(r.tasks))
	}
}

var rmAdvances = []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, time.Hour, 3 * time.Hour, 13 * time.Hour, 25 * time.Hour, 50 * time.Hour, 80 * time.Hour, 8 * 24 * time.Hour}

func (r *rm) sweep() {
	// Small moves are the most frequent.
	d := rmAdvances[min(r.rng.IntN(len(rmAdvances)), r.rng.IntN(len(rmAdvances)))]
	r.e.clock.Advance(d)
	rep, err := r.e.c.Sweep(r.e.ctx)
	r.logf("sweep +%v: %+v err=%v", d, rep, errText(err))
}

// armCrash makes the k-th next Store or ledger call (or both) fail, before
// or after it took effect. Nothing runs concurrently here.
func (r *rm) armCrash() {
	arm := func(f *fault, what string) {
		f.armed.Store(false)
		f.failAt = 1 + r.rng.Int64N(6)
		f.after = r.coin(0.5)
		f.calls.Store(0)
		f.armed.Store(true)
		r.logf("crash: %s call %d from now (after=%v)", what, f.failAt, f.after)
	}
	switch r.rng.IntN(3) {
	case 0:
		arm(r.fs, "store")
	case 1:
		arm(r.fl, "ledger")
	default:
		arm(r.fs, "store")
		arm(r.fl, "ledger")
	}
}

func (r *rm) disarm() {
	r.fs.armed.Store(false)
	r.fl.armed.Store(false)
	r.e.notif.mu.Lock()
	r.e.notif.failNext = 0
	r.e.notif.mu.Unlock()
}

func errText(err error) string {
	if err == nil {
		return "ok"
	}
	s := err.Error()
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return s
}

// retry runs an actor's call; when it fails, the actor tries once more or
// gives up.
func (r *rm) retry(what string, fn func() error) error {
	err := fn()
	r.logf("  %s: %s", what, errText(err))
	if errors.Is(err, errCrash) {
		r.st.add("actor saw a crash", 1)
	}
	if err != nil && !closedErr(err) && r.coin(0.6) {
		err = fn()
		r.logf("  %s again: %s", what, errText(err))
	}
	return err
}

// closedErr: errors the actor would not try again.
func closedErr(err error) bool {
	var ice *checkout.InsufficientCreditError
	return errors.As(err, &ice) || errors.Is(err, checkout.ErrOrderClosed) || errors.Is(err, checkout.ErrShareUsed) ||
		errors.Is(err, checkout.ErrShareExpired)
}

func (r *rm) create(o *rmOrder) {
	err := r.retry("create "+o.id, func() error {
		_, err := r.e.c.CreateOrder(r.e.ctx, checkout.OrderRequest{ID: o.id, Customer: o.customer, Email: o.customer + "@example.com",
			Language: checkout.English, Items: []checkout.LineItem{{Description: "Cloud server", Quantity: 1, Amount: vnd(o.price),
				Config: []checkout.Attribute{{Name: "vCPU", Value: "2"}}}}})
		if err != nil {
			if _, gerr := r.e.c.Order(r.e.ctx, o.id); gerr == nil {
				return nil // it was stored before the crash
			}
		}
		return err
	})
	if err != nil {
		return // the customer gives up
	}
	switch o.method {
	case checkout.MethodCredit:
		r.push("pay credit "+o.id, func() { r.payCredit(o) })
	case checkout.MethodTopUpAndPay, checkout.MethodGateway:
		r.push("pay "+string(o.method)+" "+o.id, func() { r.payGateway(o, o.method) })
	case checkout.MethodOnBehalf:
		r.push("share "+o.id, func() { r.share(o) })
	}
}

func (r *rm) payCredit(o *rmOrder) {
	err := r.retry("pay credit "+o.id, func() error {
		_, err := r.e.c.Pay(r.e.ctx, o.id, checkout.PayRequest{Method: checkout.MethodCredit})
		return err
	})
	var ice *checkout.InsufficientCreditError
	if errors.As(err, &ice) && r.coin(0.6) {
		r.push("pay topup_and_pay "+o.id+" (after insufficient credit)", func() { r.payGateway(o, checkout.MethodTopUpAndPay) })
	}
}

func (r *rm) payGateway(o *rmOrder, m checkout.Method) {
	if o.gateway == rmVinID {
		r.vinidLink(o.customer)
	}
	var next checkout.Next
	_ = r.retry("pay "+string(m)+" "+o.id+" through "+o.gateway, func() error {
		var err error
		next, err = r.e.c.Pay(r.e.ctx, o.id, checkout.PayRequest{Method: m, Gateway: o.gateway})
		return err
	})
	r.redirected(o, o.gateway, next, "requester", "", "")
}

// redirected sends the payer to the gateway's page, if there is one, or
// asks them for VinID's OTP. token and payer are the payer's share token
// and email on behalf ("" for the requester).
func (r *rm) redirected(o *rmOrder, gw string, next checkout.Next, who, token, payer string) {
	switch gw {
	case rmVinID:
		r.vinidAfter(o, next, who, token, payer)
		return
	case rmViet:
		if next.Kind == checkout.NextRedirect {
			u := next.URL
			if payer == "" {
				payer = o.customer
			}
			opened := r.e.clock.Now()
			r.push("payer "+who+" of "+o.id+" at Ví Việt", func() { r.vietOpen(u, opened, who, payer) })
		}
		return
	}
	if next.Kind != checkout.NextRedirect {
		return
	}
	u := next.URL
	opened := r.e.clock.Now()
	r.push("payer "+who+" of "+o.id+" at the gateway", func() { r.payerAct(o, u, opened, false) })
}

// rmShare is a share link a payer on behalf was given.
type rmShare struct {
	tok, payer, gw string
}

func (r *rm) share(o *rmOrder) {
	payers := 1
	if o.twoPay {
		payers = 2
	}
	var shares []rmShare
	for range payers {
		o.payers++
		payer := fmt.Sprintf("payer%d.%s@example.com", o.payers, o.id)
		var res checkout.ShareResult
		err := r.retry("share "+o.id+" with "+payer, func() error {
			var err error
			res, err = r.e.c.Share(r.e.ctx, o.id, payer)
			return err
		})
		tok := ""
		if err == nil {
			tok = tokenOf(res.URL)
		} else if l := r.shareEmail(o.id, payer); l != "" {
			tok = tokenOf(l) // the link was mailed before the crash
			r.logf("  the payer has the link from the email")
		}
		if tok != "" {
			shares = append(shares, rmShare{tok, payer, r.payerGateway(o)})
		}
	}
	if o.together && len(shares) == 2 {
		r.push("two payers of "+o.id+" at once", func() { r.payTogether(o, shares) })
		return
	}
	for i, sh := range shares {
		r.push(fmt.Sprintf("payer%d of %s pays shared through %s", i+1, o.id, sh.gw), func() { r.payShared(o, sh, fmt.Sprintf("payer%d", i+1)) })
	}
	if o.twoPay && len(shares) < 2 || o.twoPay && !o.together && r.coin(0.3) {
		// The requester pays as well.
		r.push("requester pays "+o.id+" too", func() { r.payGateway(o, checkout.MethodGateway) })
	}
}

func (r *rm) shareEmail(id, payer string) string {
	for _, m := range r.e.notif.byKind(checkout.NotifyShareLink) {
		if m.Order.ID == id && m.To == payer {
			return m.ShareURL
		}
	}
	return ""
}

func (r *rm) payShared(o *rmOrder, sh rmShare, who string) {
	if sh.gw == rmVinID {
		r.vinidLink(sh.payer)
	}
	var next checkout.Next
	_ = r.retry("pay shared "+o.id+" by "+who+" through "+sh.gw, func() error {
		var err error
		next, err = r.e.c.PayShared(r.e.ctx, sh.tok, sh.gw)
		return err
	})
	r.redirected(o, sh.gw, next, who, sh.tok, sh.payer)
}

// refOf returns the reference_number of a VTC Pay checkout URL.
func refOf(checkoutURL string) string {
	u, err := url.Parse(checkoutURL)
	if err != nil {
		return ""
	}
	return u.Query().Get("reference_number")
}

var rmOutcomes = []struct {
	name   string
	status int
}{
	{"success", vtcpaytest.StatusSuccess}, {"success", vtcpaytest.StatusSuccess}, {"success", vtcpaytest.StatusSuccess},
	{"cancel", vtcpaytest.StatusCancelled}, {"insufficient", vtcpaytest.StatusInsufficientFunds}, {"abandon", 0},
}

// rmPageLife is how long the payer may still pay on the gateway's page
// (VTC Pay's and Ví Việt's alike: the URL is built and signed by checkout,
// so the gateway does not know how old it is).
// Checkout's queries of an expired payment end WithLatePaymentWindow (7
// days) after the payment timeout (24 hours): a success later than that
// whose notification is lost is for a person to find, so the modelled
// gateway's page does not live that long.
const rmPageLife = 7 * 24 * time.Hour

// payerAct plays the payer on the gateway's page, opened at opened.
func (r *rm) payerAct(o *rmOrder, checkoutURL string, opened time.Time, late bool) {
	if age := r.e.clock.Now().Sub(opened); age > rmPageLife {
		r.logf("  %s: the page is %v old: the payer cannot pay any more", refOf(checkoutURL), age)
		return
	}
	oc := rmOutcomes[r.rng.IntN(len(rmOutcomes))]
	if late && oc.status == 0 {
		oc = rmOutcomes[0]
	}
	ref := refOf(checkoutURL)
	if oc.status == 0 {
		r.logf("  %s: the payer leaves the page", ref)
		if r.coin(0.5) {
			r.push("payer of "+ref+" comes back late", func() { r.payerAct(o, checkoutURL, opened, true) })
		}
		return
	}
	ret, err := r.e.fake.Pay(r.e.ctx, checkoutURL, oc.status)
	r.logf("  %s: payer %s at the fake: %s", ref, oc.name, errText(err))
	if err != nil {
		return
	}
	if oc.status == vtcpaytest.StatusSuccess {
		r.recordSuccess(ref)
	}
	r.afterPage(ref, ret)
}

func (r *rm) recordSuccess(ref string) {
	if txn, ok := r.e.fake.Transaction(ref); ok {
		amt, err := decimal.NewFromString(txn.Amount)
		if err != nil {
			r.t.Errorf("fake transaction %s amount %q: %v", ref, txn.Amount, err)
		}
		r.successes[ref] = amt
	} else {
		r.t.Errorf("the fake has no transaction %s after a payment", ref)
	}
}

// afterPage queues what follows the page: 0 to 3 notifications and the
// payer's return.
func (r *rm) afterPage(ref string, ret *url.URL) {
	for range r.rng.IntN(4) {
		r.push("notify "+ref, func() { r.deliver(ref, true) })
	}
	if r.coin(0.2) {
		r.push("notify "+ref+" (tampered)", func() { r.deliverTampered(ref) })
	}
	if ret != nil && r.coin(0.6) {
		r.push("return "+ref, func() { r.browseReturn(ref, ret, true) })
	}
}

func (r *rm) deliver(ref string, mayRetry bool) {
	opts := []vtcpaytest.DeliveryOption{vtcpaytest.Target(baseURL + "/notify/vtcpay")}
	times := 1 + r.rng.IntN(2)
	if times > 1 {
		opts = append(opts, vtcpaytest.Times(times))
		if r.coin(0.5) {
			opts = append(opts, vtcpaytest.Concurrently())
		}
	}
	resps, err := r.e.fake.Deliver(r.e.ctx, r.e.h, ref, opts...)
	if err != nil {
		r.t.Errorf("deliver %s: %v", ref, err)
		return
	}
	var codes []int
	failed := false
	for _, resp := range resps {
		codes = append(codes, resp.StatusCode)
		failed = failed || resp.StatusCode != http.StatusOK
	}
	r.logf("  %s: notification x%d: %v", ref, times, codes)
	if failed && mayRetry && r.coin(0.7) {
		r.push("notify "+ref+" (the gateway retries)", func() { r.deliver(ref, false) })
	}
}

// deliverTampered sends a forged notification: it must change nothing.
func (r *rm) deliverTampered(ref string) {
	id := ref[:strings.LastIndex(ref, "-")]
	before, berr := r.e.store.GetOrder(r.e.ctx, id)
	tamper := vtcpaytest.Tamper(func(form url.Values) {
		f := strings.Split(form.Get("data"), "|")
		if len(f) > 4 && r.coin(0.5) {
			f[0] += "0" // ten times the amount
			form.Set("data", strings.Join(f, "|"))
			return
		}
		form.Set("signature", strings.Repeat("A", 64))
	})
	resps, err := r.e.fake.Deliver(r.e.ctx, r.e.h, ref, vtcpaytest.Target(baseURL+"/notify/vtcpay"), tamper)
	if err != nil {
		r.t.Errorf("deliver %s: %v", ref, err)
		return
	}
	r.logf("  %s: forged notification: %d", ref, resps[0].StatusCode)
	if resps[0].StatusCode == http.StatusOK {
		r.t.Errorf("a forged notification of %s was accepted", ref)
	}
	after, aerr := r.e.store.GetOrder(r.e.ctx, id)
	if berr == nil && aerr == nil && after.Version != before.Version {
		r.t.Errorf("a forged notification changed order %s (version %d -> %d, %s -> %s)", id, before.Version, after.Version, before.State, after.State)
	}
}

func (r *rm) browseReturn(ref string, ret *url.URL, mayRetry bool) {
	rec := r.e.browse(ret)
	r.logf("  %s: return page %d", ref, rec.Code)
	if rec.Code >= 500 && mayRetry && r.coin(0.6) {
		r.push("return "+ref+" (reload)", func() { r.browseReturn(ref, ret, false) })
	}
}

// payTogether: two payers of one order each open their link and pay at
// the same moment; each notification comes at once. On VinID Pay both
// start their payment at once (and enter the OTP, when VinID asks).
func (r *rm) payTogether(o *rmOrder, shares []rmShare) {
	urls := make([]string, len(shares))
	for i, sh := range shares {
		switch sh.gw {
		case rmVinID:
			r.vinidLink(sh.payer)
			continue // VinID charges inside PayShared: below, at once
		case rmViet:
			r.vietAccount(sh.payer)
		}
		var next checkout.Next
		_ = r.retry(fmt.Sprintf("pay shared %s by payer%d", o.id, i+1), func() error {
			var err error
			next, err = r.e.c.PayShared(r.e.ctx, sh.tok, sh.gw)
			return err
		})
		if next.Kind == checkout.NextRedirect {
			urls[i] = next.URL
		}
	}
	res := make([]rmAtOnce, len(shares))
	var wg sync.WaitGroup
	for i, sh := range shares {
		u := urls[i]
		switch {
		case sh.gw == rmVinID:
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[i] = r.vinidAtOnce(sh)
			}()
		case u == "":
		case sh.gw == rmViet:
			acct := r.gw.vietAccts[sh.payer]
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[i] = r.vietAtOnce(u, acct)
			}()
		default:
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[i].ret, res[i].err = r.e.fake.Pay(r.e.ctx, u, vtcpaytest.StatusSuccess)
				if res[i].err != nil {
					return
				}
				resps, err := r.e.fake.Deliver(r.e.ctx, r.e.h, refOf(u), vtcpaytest.Target(baseURL+"/notify/vtcpay"))
				if err != nil {
					res[i].err = err
					return
				}
				for _, resp := range resps {
					res[i].codes = append(res[i].codes, resp.StatusCode)
				}
			}()
		}
	}
	var sweepRep checkout.SweepReport
	var sweepErr error
	sweepToo := r.coin(0.5)
	if sweepToo { // and Sweep runs meanwhile
		wg.Add(1)
		go func() {
			defer wg.Done()
			sweepRep, sweepErr = r.e.c.Sweep(r.e.ctx)
		}()
	}
	wg.Wait()
	if sweepToo {
		r.logf("  sweep meanwhile: %+v err=%v", sweepRep, errText(sweepErr))
	}
	for i, sh := range shares {
		u := urls[i]
		switch {
		case sh.gw == rmVinID:
			r.logf("  %s: payer%d at VinID at once (%s): %s, notification %v", res[i].ref, i+1, res[i].code, errText(res[i].err), res[i].codes)
			if res[i].ok {
				r.gw.otpAuth[res[i].ref] = true
			}
			continue
		case u == "":
			continue
		case sh.gw == rmViet:
			ref := vietRef(u)
			r.logf("  %s: payer%d at Ví Việt at once: code %s %s, notification %v", ref, i+1, res[i].code, errText(res[i].err), res[i].codes)
			if res[i].err != nil {
				continue
			}
			if res[i].code == rmVietSuccess {
				r.recordVietSuccess(ref)
			}
			if r.coin(0.5) {
				r.push("notify "+ref+" (Ví Việt)", func() { r.deliverViet(ref, true) })
			}
			if ret := res[i].ret; ret != nil && r.coin(0.5) {
				r.push("return "+ref, func() { r.browseReturn(ref, ret, true) })
			}
			continue
		}
		ref := refOf(u)
		r.logf("  %s: payer%d success at once: %s, notification %v", ref, i+1, errText(res[i].err), res[i].codes)
		if res[i].err == nil {
			r.recordSuccess(ref)
			if r.coin(0.5) {
				r.push("notify "+ref, func() { r.deliver(ref, true) })
			}
			if r.coin(0.5) {
				ret := res[i].ret
				r.push("return "+ref, func() { r.browseReturn(ref, ret, true) })
			}
		}
	}
	r.vinidCallbacks()
}

// converge disarms every fault, moves the clock past every timeout and
// sweeps until Sweep has nothing left to do.
func (r *rm) converge() {
	r.disarm()
	for i, d := range []time.Duration{73 * time.Hour, 8 * 24 * time.Hour} {
		r.e.clock.Advance(d)
		if i == 0 {
			r.vietComeBack()
		}
		quiet := false
		for i := 0; i < 5 && !quiet; i++ {
			rep, err := r.e.c.Sweep(r.e.ctx)
			r.logf("final sweep +%v #%d: %+v err=%v", d, i+1, rep, errText(err))
			// An error here (a provisioning asked to try again) is work
			// left: the next Sweep must do it.
			quiet = err == nil && rep == checkout.SweepReport{}
		}
		if !quiet {
			r.t.Errorf("Sweep still had work after 5 runs")
		}
	}
}

func (r *rm) payments(customer string) []checkout.Payment {
	var out []checkout.Payment
	q := checkout.PageQuery{Limit: 20}
	for {
		p, err := r.e.c.PaymentHistory(r.e.ctx, customer, q)
		if err != nil {
			r.t.Fatal(err)
		}
		out = append(out, p.Payments...)
		if !p.More {
			return out
		}
		q.After = p.Next
	}
}

func (r *rm) invoices(customer string) []checkout.Invoice {
	var out []checkout.Invoice
	q := checkout.PageQuery{Limit: 20}
	for {
		p, err := r.e.c.BillingHistory(r.e.ctx, customer, q)
		if err != nil {
			r.t.Fatal(err)
		}
		out = append(out, p.Invoices...)
		if !p.More {
			return out
		}
		q.After = p.Next
	}
}

func orderOfRef(ref string) string {
	i := strings.LastIndex(ref, "-")
	if i < 0 {
		return ""
	}
	return ref[:i]
}

// check compares the end state with the fake's records and the test's log.
func (r *rm) check() {
	t, e := r.t, r.e
	ctx := e.ctx

	// The fakes' successes are the ones the test made (on the gateway's
	// pages; VinID's: see fakeSuccesses).
	fakeOK := r.fakeSuccesses()
	for ref, s := range fakeOK {
		if _, ok := r.successes[ref]; !ok && s.gateway != rmVinID {
			t.Errorf("%s has a success %s the test did not make", s.gateway, ref)
		}
	}
	for ref := range r.successes {
		if _, ok := fakeOK[ref]; !ok {
			t.Errorf("the test paid %s but the fake has no success for it", ref)
		}
	}

	// The Notifier's record, by order.
	completedMail := map[string]int{}
	for _, m := range e.notif.byKind(checkout.NotifyOrderCompleted) {
		completedMail[m.Order.ID]++
	}
	refundedMail := map[string]int{}
	for _, m := range e.notif.byKind(checkout.NotifyRefunded) {
		refundedMail[m.Order.ID]++
	}
	provisioned := func(id string) (done, failed bool) {
		e.prov.mu.Lock()
		defer e.prov.mu.Unlock()
		err, ok := e.prov.results[id+"/provision"]
		return ok && err == nil, ok && err != nil
	}

	// Payment History and Billing History, by reference and by order.
	payLines := map[string][]checkout.Payment{}
	invoices := map[string]int{}
	for _, c := range rmCustomers {
		for _, p := range r.payments(c) {
			payLines[p.Reference] = append(payLines[p.Reference], p)
			if p.Customer != c {
				t.Errorf("payment %s of %s in %s's history", p.ID, p.Customer, c)
			}
		}
		for _, inv := range r.invoices(c) {
			invoices[inv.OrderID]++
			if inv.Customer != c {
				t.Errorf("invoice %s of %s in %s's history", inv.ID, inv.Customer, c)
			}
		}
	}
	for ref := range payLines {
		if _, ok := fakeOK[ref]; !ok {
			t.Errorf("Payment History has %s, which the fake has no success for", ref)
		}
	}

	wantWallet := map[string]decimal.Decimal{}
	for c, n := range r.seeds {
		wantWallet[c] = vnd(n)
	}
	revenue := decimal.Zero
	orders := map[string]checkout.Order{}
	for _, ro := range r.orders {
		o, err := e.store.GetOrder(ctx, ro.id)
		if errors.Is(err, checkout.ErrNotFound) {
			continue // never created: the customer gave up
		}
		if err != nil {
			t.Fatal(err)
		}
		orders[o.ID] = o
		done, failed := provisioned(o.ID)
		r.logf("end: %s %s method %s paid by %q provisioned %v failed %v flagged %v refund %q: %s", o.ID, o.State, o.Method, o.PaidReference, done, failed, o.Flagged, o.GatewayRefund, o.Reason)
		r.st.add(fmt.Sprintf("order %s %s", o.Method, o.State), 1)
		if failed {
			r.st.add("provisioning failed", 1)
			if ro.provPlan != 1 {
				t.Errorf("order %s: provisioning failed, but the provisioner refuses only orders planned to fail", o.ID)
			}
		}
		// The gateway part of the order's payment, from the fake.
		g := decimal.Zero
		if o.PaidReference != "" {
			s, ok := fakeOK[o.PaidReference]
			if !ok {
				t.Errorf("order %s paid by %s, which the fake has no success for", o.ID, o.PaidReference)
			} else {
				g = s.amount
			}
		}
		price := vnd(ro.price)
		switch o.State {
		case checkout.StateCompleted:
			revenue = revenue.Add(price)
			wantWallet[o.Customer] = wantWallet[o.Customer].Sub(price.Sub(g))
			if !done {
				t.Errorf("order %s completed but not provisioned", o.ID)
			}
			if invoices[o.ID] != 1 || completedMail[o.ID] != 1 {
				t.Errorf("order %s completed with %d invoices and %d completion emails, want 1 and 1", o.ID, invoices[o.ID], completedMail[o.ID])
			}
			if refundedMail[o.ID] != 0 {
				t.Errorf("order %s completed and refunded", o.ID)
			}
			if ro.provPlan == 1 {
				t.Errorf("order %s completed, but its provisioning always fails", o.ID)
			}
		case checkout.StateCancelled:
			if done {
				t.Errorf("order %s cancelled but provisioned", o.ID)
			}
			if invoices[o.ID] != 0 || completedMail[o.ID] != 0 {
				t.Errorf("order %s cancelled with %d invoices and %d completion emails", o.ID, invoices[o.ID], completedMail[o.ID])
			}
			if failed {
				// Paid, then refunded: the credit part to the wallet (net
				// nothing), the gateway part below.
				if refundedMail[o.ID] != 1 {
					t.Errorf("order %s refunded with %d refund emails", o.ID, refundedMail[o.ID])
				}
			} else if refundedMail[o.ID] != 0 {
				t.Errorf("order %s refund email without a failed provisioning", o.ID)
			}
		default:
			t.Errorf("order %s ended %s (%s), want completed or cancelled", o.ID, o.State, o.Reason)
		}
		if o.State != checkout.StateCompleted && invoices[o.ID] != 0 {
			t.Errorf("order %s is %s with an invoice", o.ID, o.State)
		}
	}

	// The provisioner saw only these orders' keys.
	e.prov.mu.Lock()
	for key := range e.prov.results {
		if _, ok := orders[strings.TrimSuffix(key, "/provision")]; !ok {
			t.Errorf("provisioned %q, no order of this run", key)
		}
	}
	e.prov.mu.Unlock()

	// Every success at the fake paid its order (and, if provisioning
	// failed, went back to the payer at the gateway or to the wallet), or
	// was refunded there, or was credited to the requester: one of these.
	for ref, s := range fakeOK {
		o, ok := orders[orderOfRef(ref)]
		if !ok {
			t.Errorf("success %s for an order the store does not have", ref)
			continue
		}
		amt, refunded := s.amount, s.refunded
		if !refunded.IsZero() && !refunded.Equal(amt) {
			t.Errorf("%s: %s of %s refunded at the gateway", ref, refunded, amt)
		}
		refundedGW := refunded.Equal(amt)
		lines := map[checkout.PaymentOutcome]int{}
		for _, p := range payLines[ref] {
			lines[p.Outcome]++
			if !p.Amount.Equal(amt) || p.Gateway != s.gateway {
				t.Errorf("Payment History %s: %s through %s, %s charged %s", p.ID, p.Amount, p.Gateway, s.gateway, amt)
			}
		}
		credited := lines[checkout.PaymentCredited] > 0
		done, failed := provisioned(o.ID)
		paidIt := o.PaidReference == ref && (done && o.State == checkout.StateCompleted || failed && o.State == checkout.StateCancelled)
		var a checkout.Attempt
		for _, x := range o.Attempts {
			if x.Reference == ref {
				a = x
			}
		}
		var want map[checkout.PaymentOutcome]int
		way := ""
		switch {
		case paidIt && failed && refundedGW && !credited:
			way, want = "paid, refunded at the gateway", map[checkout.PaymentOutcome]int{checkout.PaymentPaid: 1, checkout.PaymentRefunded: 1}
		case paidIt && failed && !credited && (o.GatewayRefund == "unknown" || o.GatewayRefund == "started") && o.Flagged:
			way, want = "paid, gateway refund left to a person", map[checkout.PaymentOutcome]int{checkout.PaymentPaid: 1, checkout.PaymentRefunded: 1}
			r.st.add("left to a person", 1)
		case paidIt && failed && !refundedGW && !credited:
			way, want = "paid, refunded to the wallet", map[checkout.PaymentOutcome]int{checkout.PaymentPaid: 1}
			wantWallet[o.Customer] = wantWallet[o.Customer].Add(amt)
		case paidIt && !refundedGW && !credited:
			way, want = "paid", map[checkout.PaymentOutcome]int{checkout.PaymentPaid: 1}
		case !paidIt && refundedGW && !credited && a.Refund == "unknown" && o.Flagged:
			// The refund went through, its answer was lost: checkout
			// leaves it to a person and records nothing.
			// (Its Payment History line is there when the crash came after it.)
			way, want = "refunded at the gateway, outcome unknown to checkout", map[checkout.PaymentOutcome]int{}
			if lines[checkout.PaymentRefunded] == 1 {
				want = map[checkout.PaymentOutcome]int{checkout.PaymentRefunded: 1}
			}
			r.st.add("left to a person", 1)
		case !paidIt && refundedGW && !credited:
			way, want = "refunded at the gateway", map[checkout.PaymentOutcome]int{checkout.PaymentRefunded: 1}
		case !paidIt && !refundedGW && credited:
			way, want = "credited", map[checkout.PaymentOutcome]int{checkout.PaymentCredited: 1}
			wantWallet[o.Customer] = wantWallet[o.Customer].Add(amt)
		case !paidIt && !refundedGW && !credited && a.Refund == "unknown" && o.Flagged:
			way, want = "refund left to a person", map[checkout.PaymentOutcome]int{}
			r.st.add("left to a person", 1)
		default:
			t.Errorf("success %s of %s (%s) not accounted for once: paid %v, refunded at the gateway %v, Payment History %v; order %s %s paid by %q flagged %v reason %q; attempt %+v",
				ref, amt, o.Customer, paidIt, refundedGW, lines, o.ID, o.State, o.PaidReference, o.Flagged, o.Reason, a)
			continue
		}
		r.st.add("success "+s.gateway+": "+way, 1)
		r.logf("%s: %s", ref, way)
		if !maps.Equal(lines, want) {
			t.Errorf("%s was %s but Payment History says %v", ref, way, lines)
		}
	}

	// Wallets, holds, revenue, the outbox, the ledger.
	for _, c := range rmCustomers {
		b := e.balance(c)
		if !b.Posted.Equal(wantWallet[c]) {
			t.Errorf("wallet %s holds %s, want %s", c, b.Posted, wantWallet[c])
		}
		if !b.Pending.IsZero() {
			t.Errorf("wallet %s: %s still held", c, b.Pending)
		}
	}
	rev, err := e.ledger.Balance(ctx, e.c.Credit("").Revenue())
	switch {
	case errors.Is(err, wallet.ErrAccountNotFound):
		rev.Posted = decimal.Zero
	case err != nil:
		t.Fatal(err)
	}
	if !rev.Posted.Equal(revenue) {
		t.Errorf("revenue %s, want %s (the completed orders)", rev.Posted, revenue)
	}
	if pend, err := e.store.PendingNotifications(ctx, 1000); err != nil || len(pend) != 0 {
		t.Errorf("%d notifications never sent (%v)", len(pend), err)
	}
	e.conserved(rmCustomers...)
	for id, n := range completedMail {
		if o, ok := orders[id]; !ok || o.State != checkout.StateCompleted {
			t.Errorf("a completion email for order %s, which is not completed (%d)", id, n)
		}
	}
}
