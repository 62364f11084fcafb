package wallettest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/thanhtoan/thanhtoan/wallet"
)

// TestLedger runs the conformance suite against ledgers made by newLedger,
// which must return a new, empty ledger each time it is called (the suite
// calls it once per subtest, and runs subtests in parallel), reading now as
// its clock. The clock is real time moved forward by the suite, so that
// hold expiry is tested without sleeping and without a deadline a loaded
// machine could miss.
func TestLedger(t *testing.T, newLedger func(t *testing.T, now func() time.Time) wallet.Ledger) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"Accounts", testAccounts},
		{"InvalidTransfers", testInvalid},
		{"PostAndBalance", testPost},
		{"BatchAtomic", testBatch},
		{"Idempotency", testIdempotency},
		{"IdempotencyConcurrent", testIdempotencyConcurrent},
		{"Holds", testHolds},
		{"HoldExpiry", testHoldExpiry},
		{"History", testHistory},
		{"ConcurrentHotWallet", func(t *testing.T, f *fixture) { testConcurrent(t, f, 1) }},
		{"ConcurrentManyWallets", func(t *testing.T, f *fixture) { testConcurrent(t, f, 16) }},
		{"RandomModel", testRandomModel},
		{"FailedCommitReplay", testFailedCommitReplay},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := &fixture{t: t, ctx: context.Background()}
			f.l = newLedger(t, f.now)
			tc.fn(t, f)
			f.checkInvariants()
		})
	}
}

type fixture struct {
	t        *testing.T
	l        wallet.Ledger
	ctx      context.Context
	mu       sync.Mutex
	accounts []string
	skew     atomic.Int64 // how far the ledger's clock is ahead of real time
}

// now is the ledger's clock.
func (f *fixture) now() time.Time { return time.Now().Add(time.Duration(f.skew.Load())) }

// advance moves the ledger's clock forward by d.
func (f *fixture) advance(d time.Duration) { f.skew.Add(int64(d)) }

const (
	src = "sys/topup"   // top-up source, may go negative
	rev = "sys/revenue" // revenue
	usd = "sys/usd"     // a USD system account
)

func vnd(n int64) decimal.Decimal { return decimal.NewFromInt(n) }

// open creates system accounts and n VND wallets w0..w<n-1>.
func (f *fixture) open(n int) []string {
	f.t.Helper()
	acs := []wallet.Account{{ID: src, Currency: wallet.VND}, {ID: rev, Currency: wallet.VND}, {ID: usd, Currency: wallet.USD}}
	var ws []string
	for i := range n {
		id := fmt.Sprintf("w%d", i)
		ws = append(ws, id)
		acs = append(acs, wallet.Account{ID: id, Currency: wallet.VND, Flags: wallet.NoOverdraft})
	}
	f.create(acs...)
	return ws
}

func (f *fixture) create(acs ...wallet.Account) {
	f.t.Helper()
	if err := f.l.CreateAccounts(f.ctx, acs...); err != nil {
		f.t.Fatalf("CreateAccounts: %v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range acs {
		dup := false
		for _, id := range f.accounts {
			dup = dup || id == a.ID
		}
		if !dup {
			f.accounts = append(f.accounts, a.ID)
		}
	}
}

func (f *fixture) post(ts ...wallet.Transfer) []wallet.Result {
	f.t.Helper()
	res, err := f.l.Post(f.ctx, ts...)
	if err != nil {
		f.t.Fatalf("Post(%+v): %v", ts, err)
	}
	if len(res) != len(ts) {
		f.t.Fatalf("Post: %d results for %d transfers", len(res), len(ts))
	}
	return res
}

// postErr posts and requires an error matching want.
func (f *fixture) postErr(want error, ts ...wallet.Transfer) *wallet.TransferError {
	f.t.Helper()
	res, err := f.l.Post(f.ctx, ts...)
	if !errors.Is(err, want) {
		f.t.Fatalf("Post(%+v) = %v, %v; want error %v", ts, res, err, want)
	}
	var te *wallet.TransferError
	if !errors.As(err, &te) {
		f.t.Fatalf("Post error %v is not a *wallet.TransferError", err)
	}
	return te
}

func (f *fixture) bal(id string) wallet.Balance {
	f.t.Helper()
	b, err := f.l.Balance(f.ctx, id)
	if err != nil {
		f.t.Fatalf("Balance(%q): %v", id, err)
	}
	return b
}

// wantBal checks posted and pending (held) balances in whole dong.
func (f *fixture) wantBal(id string, posted, pending int64) {
	f.t.Helper()
	b := f.bal(id)
	if !b.Posted.Equal(vnd(posted)) || !b.Pending.Equal(vnd(pending)) || !b.Available.Equal(vnd(posted-pending)) {
		f.t.Fatalf("%s: posted %s pending %s available %s; want %d %d %d", id, b.Posted, b.Pending, b.Available,
			posted, pending, posted-pending)
	}
}

func (f *fixture) checkInvariants() {
	f.t.Helper()
	if f.t.Failed() {
		return
	}
	if err := CheckConservation(f.ctx, f.l, f.accounts); err != nil {
		f.t.Errorf("conservation: %v", err)
	}
	for _, id := range f.accounts {
		if err := CheckHistory(f.ctx, f.l, id, 7); err != nil {
			f.t.Errorf("history: %v", err)
		}
	}
}

func topUp(id, w string, n int64) wallet.Transfer {
	return wallet.Transfer{ID: id, Debit: src, Credit: w, Amount: vnd(n), Currency: wallet.VND, Code: "topup"}
}

func pay(id, w string, n int64) wallet.Transfer {
	return wallet.Transfer{ID: id, Debit: w, Credit: rev, Amount: vnd(n), Currency: wallet.VND, Code: "payment"}
}

func hold(id, w string, n int64) wallet.Transfer {
	return wallet.Transfer{ID: id, Kind: wallet.KindHold, Debit: w, Credit: rev, Amount: vnd(n), Currency: wallet.VND}
}

func commit(id, holdID string, n int64) wallet.Transfer {
	t := wallet.Transfer{ID: id, Kind: wallet.KindCommit, HoldID: holdID}
	if n > 0 {
		t.Amount = vnd(n)
	}
	return t
}

func void(id, holdID string) wallet.Transfer {
	return wallet.Transfer{ID: id, Kind: wallet.KindVoid, HoldID: holdID}
}

func testAccounts(t *testing.T, f *fixture) {
	ws := f.open(1)
	// Idempotent creation.
	f.create(wallet.Account{ID: ws[0], Currency: wallet.VND, Flags: wallet.NoOverdraft})
	for _, a := range []wallet.Account{
		{ID: ws[0], Currency: wallet.USD, Flags: wallet.NoOverdraft},
		{ID: ws[0], Currency: wallet.VND},
	} {
		if err := f.l.CreateAccounts(f.ctx, wallet.Account{ID: "new", Currency: wallet.VND}, a); !errors.Is(err, wallet.ErrAccountConflict) {
			t.Fatalf("CreateAccounts(%+v) = %v; want ErrAccountConflict", a, err)
		}
	}
	if _, err := f.l.Balance(f.ctx, "new"); !errors.Is(err, wallet.ErrAccountNotFound) {
		t.Fatalf("a failed CreateAccounts created an account (Balance err %v)", err)
	}
	for _, a := range []wallet.Account{{ID: "", Currency: wallet.VND}, {ID: "x", Currency: "XXX"}, {ID: "x", Currency: wallet.VND, Flags: 1 << 20}} {
		if err := f.l.CreateAccounts(f.ctx, a); err == nil {
			t.Fatalf("CreateAccounts(%+v) succeeded", a)
		}
	}
	b := f.bal(ws[0])
	if b.Currency != wallet.VND || b.Flags != wallet.NoOverdraft || !b.Posted.IsZero() || !b.Available.IsZero() {
		t.Fatalf("new account balance %+v", b)
	}
	if _, err := f.l.Balance(f.ctx, "nope"); !errors.Is(err, wallet.ErrAccountNotFound) {
		t.Fatalf("Balance(nope) = %v", err)
	}
	if _, err := f.l.History(f.ctx, "nope", wallet.HistoryQuery{}); !errors.Is(err, wallet.ErrAccountNotFound) {
		t.Fatalf("History(nope) = %v", err)
	}
}

func testInvalid(t *testing.T, f *fixture) {
	ws := f.open(1)
	w := ws[0]
	f.post(topUp("fund", w, 100))
	bad := []struct {
		t    wallet.Transfer
		want error
	}{
		{topUp("", w, 1), wallet.ErrInvalidTransfer},
		{topUp("z", w, 0), wallet.ErrZeroAmount},
		{topUp("n", w, -5), wallet.ErrNegativeAmount},
		{wallet.Transfer{ID: "i", Debit: src, Credit: w, Amount: decimal.RequireFromString("1.5"), Currency: wallet.VND}, wallet.ErrInexactAmount},
		{wallet.Transfer{ID: "i2", Debit: usd, Credit: "x", Amount: decimal.RequireFromString("0.001"), Currency: wallet.USD}, wallet.ErrInexactAmount},
		{wallet.Transfer{ID: "o", Debit: src, Credit: w, Amount: decimal.RequireFromString("9223372036854775808"), Currency: wallet.VND}, wallet.ErrAmountOverflow},
		{wallet.Transfer{ID: "o2", Debit: usd, Credit: "x", Amount: decimal.RequireFromString("92233720368547758.08"), Currency: wallet.USD}, wallet.ErrAmountOverflow},
		{wallet.Transfer{ID: "c", Debit: src, Credit: w, Amount: vnd(1), Currency: "XXX"}, wallet.ErrUnknownCurrency},
		{wallet.Transfer{ID: "s", Debit: w, Credit: w, Amount: vnd(1), Currency: wallet.VND}, wallet.ErrInvalidTransfer},
		{wallet.Transfer{ID: "k", Kind: 9, Debit: src, Credit: w, Amount: vnd(1), Currency: wallet.VND}, wallet.ErrInvalidTransfer},
		{wallet.Transfer{ID: "e", Kind: wallet.KindExpire, Debit: src, Credit: w, Amount: vnd(1), Currency: wallet.VND}, wallet.ErrInvalidTransfer},
		{wallet.Transfer{ID: "u", Debit: src, Credit: w, Amount: vnd(1), Currency: wallet.VND, UpTo: true}, wallet.ErrInvalidTransfer},
		{wallet.Transfer{ID: "h", Kind: wallet.KindHold, Debit: w, Credit: rev, Amount: vnd(1), Currency: wallet.VND, Timeout: time.Microsecond}, wallet.ErrInvalidTransfer},
		{commit("c1", "", 0), wallet.ErrInvalidTransfer},
		{wallet.Transfer{ID: "c2", Kind: wallet.KindCommit, HoldID: "h", Amount: vnd(-1)}, wallet.ErrNegativeAmount},
		{wallet.Transfer{ID: "v", Kind: wallet.KindVoid, HoldID: "h", Amount: vnd(1)}, wallet.ErrInvalidTransfer},
	}
	for _, b := range bad {
		f.postErr(b.want, b.t)
		if !errors.Is(b.want, wallet.ErrInvalidTransfer) && !errors.Is(b.want, wallet.ErrUnknownCurrency) && !errors.Is(b.want, wallet.ErrInvalidAmount) {
			t.Fatalf("test bug: %v", b.want)
		}
	}
	// A malformed transfer is not recorded: the ID can be used afterwards.
	f.post(topUp("z", w, 1))
	// Errors are lowercase and prefixed.
	_, err := f.l.Post(f.ctx, topUp("z2", w, 0))
	if msg := err.Error(); len(msg) < 8 || msg[:8] != "wallet: " {
		t.Fatalf("error text %q lacks the wallet: prefix", msg)
	}
	// Duplicate ID in one batch.
	f.postErr(wallet.ErrInvalidTransfer, topUp("d", w, 1), topUp("d", w, 1))
	// A commit in the same batch as its hold.
	f.postErr(wallet.ErrInvalidTransfer, hold("hh", w, 1), commit("hc", "hh", 0))
	f.wantBal(w, 101, 0)
	if _, err := f.l.Lookup(f.ctx, "d"); !errors.Is(err, wallet.ErrTransferNotFound) {
		t.Fatalf("Lookup of a refused id = %v; want ErrTransferNotFound", err)
	}
}

func testPost(t *testing.T, f *fixture) {
	ws := f.open(2)
	a, b := ws[0], ws[1]
	res := f.post(topUp("t1", a, 1000))
	if r := res[0]; r.Existed || !r.Transfer.Amount.Equal(vnd(1000)) || r.Transfer.Debit != src || r.Time.IsZero() || r.Status != wallet.StatusNone {
		t.Fatalf("result %+v", r)
	}
	f.post(wallet.Transfer{ID: "p1", Debit: a, Credit: b, Amount: vnd(400), Currency: wallet.VND})
	f.wantBal(a, 600, 0)
	f.wantBal(b, 400, 0)
	f.wantBal(src, -1000, 0) // system accounts may go negative
	te := f.postErr(wallet.ErrInsufficientFunds, pay("p2", a, 601))
	var ie *wallet.InsufficientFundsError
	if !errors.As(te, &ie) || ie.Account != a || !ie.Available.Equal(vnd(600)) || !ie.Requested.Equal(vnd(601)) || !ie.Shortfall().Equal(vnd(1)) {
		t.Fatalf("insufficient funds error %#v", ie)
	}
	f.post(pay("p3", a, 600)) // down to exactly zero
	f.wantBal(a, 0, 0)
	f.postErr(wallet.ErrInsufficientFunds, pay("p4", a, 1))
	f.postErr(wallet.ErrAccountNotFound, pay("p5", "ghost", 1))
	f.postErr(wallet.ErrAccountNotFound, topUp("p6", "ghost", 1))
	f.postErr(wallet.ErrCurrencyMismatch, wallet.Transfer{ID: "p7", Debit: usd, Credit: a, Amount: vnd(1), Currency: wallet.USD})
	f.postErr(wallet.ErrCurrencyMismatch, wallet.Transfer{ID: "p8", Debit: src, Credit: a, Amount: vnd(1), Currency: wallet.USD})
	// USD with cents.
	f.create(wallet.Account{ID: "u", Currency: wallet.USD, Flags: wallet.NoOverdraft})
	r := f.post(wallet.Transfer{ID: "u1", Debit: usd, Credit: "u", Amount: decimal.RequireFromString("12.34"), Currency: wallet.USD})
	if !r[0].Transfer.Amount.Equal(decimal.RequireFromString("12.34")) {
		t.Fatalf("USD amount %s", r[0].Transfer.Amount)
	}
	if got := f.bal("u"); !got.Available.Equal(decimal.RequireFromString("12.34")) {
		t.Fatalf("USD balance %s", got.Available)
	}
	f.postErr(wallet.ErrInsufficientFunds, wallet.Transfer{ID: "u2", Debit: "u", Credit: usd, Amount: decimal.RequireFromString("12.35"), Currency: wallet.USD})
	// Lookup.
	lr, err := f.l.Lookup(f.ctx, "p1")
	if err != nil || !lr.Existed || lr.Transfer.Credit != b || !lr.Transfer.Amount.Equal(vnd(400)) {
		t.Fatalf("Lookup(p1) = %+v, %v", lr, err)
	}
	if _, err := f.l.Lookup(f.ctx, "p2"); !errors.Is(err, wallet.ErrInsufficientFunds) {
		t.Fatalf("Lookup of a failed id = %v; want its error", err)
	}
	if _, err := f.l.Lookup(f.ctx, "nope"); !errors.Is(err, wallet.ErrTransferNotFound) {
		t.Fatalf("Lookup(nope) = %v", err)
	}
}

func testBatch(t *testing.T, f *fixture) {
	ws := f.open(3)
	f.post(topUp("fund", ws[0], 100))
	// Second transfer fails: nothing of the batch is applied, the error names it.
	te := f.postErr(wallet.ErrInsufficientFunds,
		wallet.Transfer{ID: "b1", Debit: ws[0], Credit: ws[1], Amount: vnd(60), Currency: wallet.VND},
		wallet.Transfer{ID: "b2", Debit: ws[0], Credit: ws[2], Amount: vnd(60), Currency: wallet.VND})
	if te.Index != 1 || te.ID != "b2" || te.Existed {
		t.Fatalf("batch error %+v; want index 1, b2", te)
	}
	f.wantBal(ws[0], 100, 0)
	f.wantBal(ws[1], 0, 0)
	// b1 was not recorded and can be used; b2 is failed for good.
	f.post(wallet.Transfer{ID: "b1", Debit: ws[0], Credit: ws[1], Amount: vnd(60), Currency: wallet.VND})
	te = f.postErr(wallet.ErrInsufficientFunds, wallet.Transfer{ID: "b2", Debit: ws[0], Credit: ws[2], Amount: vnd(60), Currency: wallet.VND})
	if !te.Existed {
		t.Fatalf("replayed failure not marked Existed: %+v", te)
	}
	// Balances flow through a batch in order: ws1 can pass on what it just received.
	f.post(
		wallet.Transfer{ID: "c1", Debit: ws[0], Credit: ws[1], Amount: vnd(40), Currency: wallet.VND},
		wallet.Transfer{ID: "c2", Debit: ws[1], Credit: ws[2], Amount: vnd(100), Currency: wallet.VND},
		hold("c3", ws[2], 30),
	)
	f.wantBal(ws[0], 0, 0)
	f.wantBal(ws[1], 0, 0)
	f.wantBal(ws[2], 100, 30)
	// A batch with an earlier conflict and a later failure names the first.
	te = f.postErr(wallet.ErrIdempotencyConflict, topUp("c1", ws[0], 1), pay("c9", ws[0], 1000))
	if te.Index != 0 {
		t.Fatalf("error index %d, want 0", te.Index)
	}
	te = f.postErr(wallet.ErrInsufficientFunds, pay("c8", ws[0], 1000), topUp("c1", ws[0], 1))
	if te.Index != 0 {
		t.Fatalf("error index %d, want 0", te.Index)
	}
	// A large batch.
	var big []wallet.Transfer
	for i := range 250 {
		big = append(big, topUp(fmt.Sprintf("big%d", i), ws[i%3], 2))
	}
	if res := f.post(big...); len(res) != 250 {
		t.Fatalf("%d results", len(res))
	}
	f.wantBal(ws[0], 168, 0)
}

func testIdempotency(t *testing.T, f *fixture) {
	ws := f.open(2)
	w := ws[0]
	first := f.post(topUp("i1", w, 500))[0]
	again := f.post(topUp("i1", w, 500))[0]
	if first.Existed || !again.Existed || !again.Transfer.Amount.Equal(first.Transfer.Amount) || !again.Time.Equal(first.Time) {
		t.Fatalf("replay: first %+v again %+v", first, again)
	}
	f.wantBal(w, 500, 0)
	for _, other := range []wallet.Transfer{topUp("i1", w, 501), topUp("i1", ws[1], 500),
		{ID: "i1", Debit: src, Credit: w, Amount: vnd(500), Currency: wallet.VND, Code: "other"},
		{ID: "i1", Debit: src, Credit: w, Amount: vnd(500), Currency: wallet.VND, Code: "topup", Reference: "x"},
		{ID: "i1", Kind: wallet.KindHold, Debit: src, Credit: w, Amount: vnd(500), Currency: wallet.VND, Code: "topup"}} {
		f.postErr(wallet.ErrIdempotencyConflict, other)
	}
	f.wantBal(w, 500, 0)
	// A replay inside a batch with new transfers.
	res := f.post(topUp("i1", w, 500), topUp("i2", w, 1))
	if !res[0].Existed || res[1].Existed {
		t.Fatalf("mixed batch Existed flags %v %v", res[0].Existed, res[1].Existed)
	}
	f.wantBal(w, 501, 0)
	// A failed ID stays failed even when it would now succeed.
	f.postErr(wallet.ErrInsufficientFunds, pay("f1", w, 600))
	f.post(topUp("i3", w, 1000))
	if te := f.postErr(wallet.ErrInsufficientFunds, pay("f1", w, 600)); !te.Existed {
		t.Fatalf("failed id replay not marked Existed")
	}
	f.postErr(wallet.ErrIdempotencyConflict, pay("f1", w, 1))
	f.postErr(wallet.ErrAccountNotFound, topUp("f2", "later", 5))
	f.create(wallet.Account{ID: "later", Currency: wallet.VND})
	f.postErr(wallet.ErrAccountNotFound, topUp("f2", "later", 5))
	f.wantBal(w, 1501, 0)
	// Holds, commits and voids are idempotent too.
	h := f.post(hold("h1", w, 100))[0]
	if h2 := f.post(hold("h1", w, 100))[0]; !h2.Existed || h2.Status != wallet.StatusPending || !h2.Time.Equal(h.Time) {
		t.Fatalf("hold replay %+v", h2)
	}
	c := f.post(commit("h1c", "h1", 0))[0]
	if c2 := f.post(commit("h1c", "h1", 0))[0]; !c2.Existed || !c2.Transfer.Amount.Equal(c.Transfer.Amount) {
		t.Fatalf("commit replay %+v", c2)
	}
	if r := f.post(hold("h1", w, 100))[0]; r.Status != wallet.StatusCommitted {
		t.Fatalf("hold status after commit %v", r.Status)
	}
	f.postErr(wallet.ErrIdempotencyConflict, commit("h1c", "h1", 50))
	f.post(hold("h2", w, 10))
	f.post(void("h2v", "h2"))
	if r := f.post(void("h2v", "h2"))[0]; !r.Existed {
		t.Fatalf("void replay %+v", r)
	}
	f.wantBal(w, 1401, 0)
}

// testFailedCommitReplay: a commit or void that failed because its hold did
// not exist yet stays refused once the hold exists. Posted again
// unchanged, its contents are filled in from the hold and differ from
// those recorded, so it fails as an idempotency conflict (the exception
// Ledger.Post's contract names); it never commits or voids the hold.
func testFailedCommitReplay(t *testing.T, f *fixture) {
	ws := f.open(1)
	w := ws[0]
	f.post(topUp("fund", w, 100))
	early := []wallet.Transfer{commit("early", "late", 0), commit("early2", "late", 5), void("early3", "late")}
	for _, c := range early {
		f.postErr(wallet.ErrHoldNotFound, c)
	}
	f.post(hold("late", w, 10))
	for _, c := range early {
		f.postErr(wallet.ErrIdempotencyConflict, c)
	}
	f.wantBal(w, 100, 10)
	f.post(void("latev", "late"))
	f.wantBal(w, 100, 0)
}

func testIdempotencyConcurrent(t *testing.T, f *fixture) {
	ws := f.open(2)
	w := ws[0]
	const n = 50
	run := func(mk func(i int) wallet.Transfer) (oks, existed int, errs []error) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				res, err := f.l.Post(f.ctx, mk(i))
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
					return
				}
				oks++
				if res[0].Existed {
					existed++
				}
			})
		}
		close(start)
		wg.Wait()
		return
	}
	oks, existed, errs := run(func(int) wallet.Transfer { return topUp("same", w, 7) })
	if oks != n || existed != n-1 || len(errs) > 0 {
		t.Fatalf("same transfer %d times at once: %d ok, %d existed, errors %v", n, oks, existed, errs)
	}
	f.wantBal(w, 7, 0)
	oks, existed, errs = run(func(int) wallet.Transfer { return hold("sameh", w, 5) })
	if oks != n || existed != n-1 || len(errs) > 0 {
		t.Fatalf("same hold %d times: %d ok, %d existed, errors %v", n, oks, existed, errs)
	}
	f.wantBal(w, 7, 5)
	oks, existed, errs = run(func(int) wallet.Transfer { return commit("samec", "sameh", 3) })
	if oks != n || existed != n-1 || len(errs) > 0 {
		t.Fatalf("same commit %d times: %d ok, %d existed, errors %v", n, oks, existed, errs)
	}
	f.wantBal(w, 4, 0)
	// The same failing transfer: one fresh failure, the rest replays.
	oks, _, errs = run(func(int) wallet.Transfer { return pay("samef", w, 100) })
	fresh := 0
	for _, err := range errs {
		var te *wallet.TransferError
		if !errors.As(err, &te) || !errors.Is(err, wallet.ErrInsufficientFunds) {
			t.Fatalf("unexpected error %v", err)
		}
		if !te.Existed {
			fresh++
		}
	}
	if oks != 0 || fresh != 1 {
		t.Fatalf("same failing transfer: %d ok, %d fresh failures; want 0, 1", oks, fresh)
	}
	// The same ID with different contents (and accounts): one wins.
	oks, _, errs = run(func(i int) wallet.Transfer { return topUp("race", ws[i%2], int64(i+1)) })
	if oks < 1 || oks+len(errs) != n {
		t.Fatalf("racing contents: %d ok, %d errors", oks, len(errs))
	}
	for _, err := range errs {
		if !errors.Is(err, wallet.ErrIdempotencyConflict) {
			t.Fatalf("racing contents: unexpected error %v", err)
		}
	}
	r, err := f.l.Lookup(f.ctx, "race")
	if err != nil {
		t.Fatal(err)
	}
	if got := f.bal(ws[0]).Posted.Add(f.bal(ws[1]).Posted).Sub(vnd(4)); !got.Equal(r.Transfer.Amount) {
		t.Fatalf("racing contents moved %s, the winner is %s", got, r.Transfer.Amount)
	}
}

func testHolds(t *testing.T, f *fixture) {
	ws := f.open(1)
	w := ws[0]
	f.post(topUp("fund", w, 1000))
	h := f.post(hold("h1", w, 300))[0]
	if h.Status != wallet.StatusPending || !h.ExpiresAt.IsZero() || !h.Transfer.Amount.Equal(vnd(300)) {
		t.Fatalf("hold result %+v", h)
	}
	f.wantBal(w, 1000, 300)
	if b := f.bal(rev); !b.CreditsPending.Equal(vnd(300)) || !b.Posted.IsZero() {
		t.Fatalf("revenue after hold %+v", b)
	}
	f.postErr(wallet.ErrInsufficientFunds, hold("h2", w, 701))
	f.postErr(wallet.ErrInsufficientFunds, pay("p1", w, 701))
	// Partial commit posts part and returns the rest.
	c := f.post(commit("h1c", "h1", 120))[0]
	if c.Transfer.Debit != w || c.Transfer.Credit != rev || c.Transfer.Currency != wallet.VND || !c.Transfer.Amount.Equal(vnd(120)) {
		t.Fatalf("commit result %+v", c)
	}
	f.wantBal(w, 880, 0)
	f.wantBal(rev, 120, 0)
	// At most once.
	f.postErr(wallet.ErrHoldResolved, commit("h1c2", "h1", 0))
	f.postErr(wallet.ErrHoldResolved, void("h1v", "h1"))
	// Full commit, void.
	f.post(hold("h3", w, 80))
	if c := f.post(commit("h3c", "h3", 0))[0]; !c.Transfer.Amount.Equal(vnd(80)) {
		t.Fatalf("full commit amount %s", c.Transfer.Amount)
	}
	f.post(hold("h4", w, 50))
	if v := f.post(void("h4v", "h4"))[0]; !v.Transfer.Amount.Equal(vnd(50)) {
		t.Fatalf("void amount %s", v.Transfer.Amount)
	}
	f.postErr(wallet.ErrHoldResolved, commit("h4c", "h4", 0))
	f.wantBal(w, 800, 0)
	// Commit more than held, commits of non-holds, mismatched accounts and currency.
	f.post(hold("h5", w, 100))
	f.postErr(wallet.ErrExceedsHold, commit("h5c", "h5", 101))
	f.postErr(wallet.ErrHoldNotFound, commit("x1", "nohold", 0))
	f.postErr(wallet.ErrHoldNotFound, commit("x2", "fund", 0))
	f.postErr(wallet.ErrInvalidTransfer, wallet.Transfer{ID: "x3", Kind: wallet.KindCommit, HoldID: "h5", Debit: src})
	f.postErr(wallet.ErrCurrencyMismatch, wallet.Transfer{ID: "x4", Kind: wallet.KindCommit, HoldID: "h5", Currency: wallet.USD})
	f.postErr(wallet.ErrInexactAmount, wallet.Transfer{ID: "x5", Kind: wallet.KindCommit, HoldID: "h5", Amount: decimal.RequireFromString("0.5")})
	if _, err := f.l.Lookup(f.ctx, "x5"); !errors.Is(err, wallet.ErrTransferNotFound) {
		t.Fatalf("an inexact commit amount was recorded: Lookup = %v", err)
	}
	// Two resolutions of one hold in one batch: the second fails, the batch is undone.
	te := f.postErr(wallet.ErrHoldResolved, commit("h5c1", "h5", 10), void("h5v", "h5"))
	if te.Index != 1 {
		t.Fatalf("index %d", te.Index)
	}
	f.wantBal(w, 800, 100)
	f.post(commit("h5c2", "h5", 100))
	// Up-to holds: all of the available balance, up to the amount.
	f.wantBal(w, 700, 0)
	f.post(hold("h6", w, 200))
	u := f.post(wallet.Transfer{ID: "u1", Kind: wallet.KindHold, Debit: w, Credit: rev, Amount: vnd(999), Currency: wallet.VND, UpTo: true})[0]
	if !u.Transfer.Amount.Equal(vnd(500)) || !u.Transfer.UpTo {
		t.Fatalf("up-to hold took %s, want 500", u.Transfer.Amount)
	}
	f.wantBal(w, 700, 700)
	if again := f.post(wallet.Transfer{ID: "u1", Kind: wallet.KindHold, Debit: w, Credit: rev, Amount: vnd(999), Currency: wallet.VND, UpTo: true})[0]; !again.Existed || !again.Transfer.Amount.Equal(vnd(500)) {
		t.Fatalf("up-to replay %+v", again)
	}
	f.postErr(wallet.ErrInsufficientFunds, wallet.Transfer{ID: "u2", Kind: wallet.KindHold, Debit: w, Credit: rev, Amount: vnd(1), Currency: wallet.VND, UpTo: true})
	f.post(void("h6v", "h6"))
	u3 := f.post(wallet.Transfer{ID: "u3", Kind: wallet.KindHold, Debit: w, Credit: rev, Amount: vnd(150), Currency: wallet.VND, UpTo: true})[0]
	if !u3.Transfer.Amount.Equal(vnd(150)) {
		t.Fatalf("up-to hold below the balance took %s", u3.Transfer.Amount)
	}
	// Up to on a system account takes the whole amount.
	f.create(wallet.Account{ID: "sys/clearing", Currency: wallet.VND})
	if r := f.post(wallet.Transfer{ID: "u4", Kind: wallet.KindHold, Debit: "sys/clearing", Credit: rev, Amount: vnd(10), Currency: wallet.VND, UpTo: true})[0]; !r.Transfer.Amount.Equal(vnd(10)) {
		t.Fatalf("system up-to hold %s", r.Transfer.Amount)
	}
	f.post(commit("u1c", "u1", 0), commit("u3c", "u3", 100))
	f.wantBal(w, 100, 0)
	if r, err := f.l.Lookup(f.ctx, "u3"); err != nil || r.Status != wallet.StatusCommitted {
		t.Fatalf("Lookup(u3) = %+v, %v", r, err)
	}
}

func testHoldExpiry(t *testing.T, f *fixture) {
	ws := f.open(1)
	w := ws[0]
	f.post(topUp("fund", w, 1000))
	long := f.post(wallet.Transfer{ID: "long", Kind: wallet.KindHold, Debit: w, Credit: rev, Amount: vnd(100), Currency: wallet.VND, Timeout: time.Hour})[0]
	if long.ExpiresAt.Sub(long.Time) != time.Hour {
		t.Fatalf("expiry %v after %v", long.ExpiresAt, long.Time)
	}
	var short []string
	var batch []wallet.Transfer // one batch of expiring holds
	for i := range 3 {
		id := fmt.Sprintf("short%d", i)
		short = append(short, id)
		batch = append(batch, wallet.Transfer{ID: id, Kind: wallet.KindHold, Debit: w, Credit: rev, Amount: vnd(10), Currency: wallet.VND, Timeout: 10 * time.Minute})
	}
	for _, r := range f.post(batch...) {
		if r.Status != wallet.StatusPending || r.ExpiresAt.Sub(r.Time) != 10*time.Minute {
			t.Fatalf("batched hold %+v", r)
		}
	}
	f.post(wallet.Transfer{ID: "forever", Kind: wallet.KindHold, Debit: w, Credit: rev, Amount: vnd(1), Currency: wallet.VND})
	// Never released before expiry.
	if n, err := f.l.ExpireHolds(f.ctx, 0); err != nil || n != 0 {
		t.Fatalf("ExpireHolds before expiry = %d, %v", n, err)
	}
	f.wantBal(w, 1000, 131)
	f.post(commit("c0", short[0], 5)) // in time
	f.advance(10*time.Minute + time.Second)
	// Refused after expiry, even before ExpireHolds ran.
	f.postErr(wallet.ErrHoldExpired, commit("c1", short[1], 0))
	f.postErr(wallet.ErrHoldExpired, void("v2", short[2]))
	if n, err := f.l.ExpireHolds(f.ctx, 1); err != nil || n != 1 {
		t.Fatalf("ExpireHolds(limit 1) = %d, %v", n, err)
	}
	if n, err := f.l.ExpireHolds(f.ctx, 0); err != nil || n != 1 {
		t.Fatalf("ExpireHolds = %d, %v; want the other expired hold", n, err)
	}
	if n, err := f.l.ExpireHolds(f.ctx, 0); err != nil || n != 0 {
		t.Fatalf("ExpireHolds again = %d, %v", n, err)
	}
	f.wantBal(w, 995, 101)
	if te := f.postErr(wallet.ErrHoldExpired, commit("c1", short[1], 0)); !te.Existed {
		t.Fatalf("expired commit replay not Existed")
	}
	f.postErr(wallet.ErrHoldExpired, void("v3", short[1]))
	for _, id := range short[1:] {
		if r, err := f.l.Lookup(f.ctx, id); err != nil || r.Status != wallet.StatusExpired {
			t.Fatalf("Lookup(%s) = %+v, %v", id, r, err)
		}
	}
	f.post(commit("cl", "long", 0), void("vf", "forever"))
	f.wantBal(w, 895, 0)
	p, err := f.l.History(f.ctx, w, wallet.HistoryQuery{Limit: wallet.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	expired := 0
	for _, e := range p.Entries {
		if e.Kind == wallet.KindExpire {
			expired++
			if !e.Change.DebitsPending.Equal(vnd(-10)) || !e.Debited {
				t.Fatalf("expire entry %+v", e)
			}
		}
	}
	if expired != 2 {
		t.Fatalf("%d expire entries, want 2", expired)
	}
}

func testHistory(t *testing.T, f *fixture) {
	ws := f.open(2)
	w := ws[0]
	f.post(topUp("t1", w, 100))
	f.post(hold("h1", w, 30))
	f.post(commit("h1c", "h1", 20))
	f.post(wallet.Transfer{ID: "x", Debit: w, Credit: ws[1], Amount: vnd(5), Currency: wallet.VND, Code: "gift", Reference: "order-9"})
	f.postErr(wallet.ErrInsufficientFunds, pay("fail", w, 1000))
	for i := range 20 {
		f.post(topUp(fmt.Sprintf("m%d", i), w, 1))
	}
	p, err := f.l.History(f.ctx, w, wallet.HistoryQuery{Limit: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Entries) != 4 || !p.More || p.Next != 4 {
		t.Fatalf("first page: %d entries, More %v, Next %d", len(p.Entries), p.More, p.Next)
	}
	want := []struct {
		id      string
		kind    wallet.Kind
		debited bool
		avail   int64
	}{{"t1", wallet.KindPost, false, 100}, {"h1", wallet.KindHold, true, 70}, {"h1c", wallet.KindCommit, true, 80}, {"x", wallet.KindPost, true, 75}}
	for i, e := range p.Entries {
		wn := want[i]
		if e.TransferID != wn.id || e.Kind != wn.kind || e.Debited != wn.debited || !e.After.Available.Equal(vnd(wn.avail)) || e.Seq != int64(i+1) {
			t.Fatalf("entry %d: %+v; want %+v", i, e, wn)
		}
	}
	if e := p.Entries[3]; e.Counterparty != ws[1] || e.Code != "gift" || e.Reference != "order-9" || e.Currency != wallet.VND {
		t.Fatalf("entry fields %+v", e)
	}
	if e := p.Entries[2]; !e.Change.DebitsPosted.Equal(vnd(20)) || !e.Change.DebitsPending.Equal(vnd(-30)) {
		t.Fatalf("commit entry change %+v", e.Change)
	}
	rest, err := f.l.History(f.ctx, w, wallet.HistoryQuery{After: p.Next, Limit: 100})
	if err != nil || len(rest.Entries) != 20 || rest.More || rest.Next != 24 {
		t.Fatalf("second page: %d entries, More %v, Next %d, %v", len(rest.Entries), rest.More, rest.Next, err)
	}
	end, err := f.l.History(f.ctx, w, wallet.HistoryQuery{After: 24})
	if err != nil || len(end.Entries) != 0 || end.More || end.Next != 24 {
		t.Fatalf("past the end: %+v, %v", end, err)
	}
	if err := CheckHistory(f.ctx, f.l, w, 3); err != nil {
		t.Fatal(err)
	}
}

// testConcurrent runs goroutines that top up, pay, hold, commit and void on
// nw wallets (one: a hot wallet), then checks every balance against the sum
// of what succeeded and that no error was unexplained.
func testConcurrent(t *testing.T, f *fixture, nw int) {
	ws := f.open(nw)
	const workers, perWorker = 8, 60
	type tally struct{ posted, pending int64 }
	var mu sync.Mutex
	expect := map[string]*tally{}
	for _, w := range ws {
		expect[w] = &tally{}
		f.post(topUp("fund/"+w, w, 300))
		expect[w].posted = 300
	}
	add := func(w string, posted, pending int64) {
		mu.Lock()
		expect[w].posted += posted
		expect[w].pending += pending
		mu.Unlock()
	}
	stop := make(chan struct{})
	var mon sync.WaitGroup
	mon.Go(func() { // watch available balances while the load runs
		for {
			select {
			case <-stop:
				return
			default:
			}
			for _, w := range ws {
				b, err := f.l.Balance(f.ctx, w)
				if err != nil || b.Available.Sign() < 0 {
					t.Errorf("monitor: %s available %s, %v", w, b.Available, err)
					return
				}
			}
			time.Sleep(time.Millisecond)
		}
	})
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 42))
			type held struct {
				id, w string
				amt   int64
			}
			var holds []held
			for i := range perWorker {
				id := fmt.Sprintf("g%d/%d", g, i)
				w := ws[rng.IntN(len(ws))]
				amt := 1 + rng.Int64N(60)
				var tr wallet.Transfer
				op := rng.IntN(6)
				if op >= 3 && len(holds) == 0 {
					op = 2
				}
				var h held
				switch op {
				case 0:
					tr = topUp(id, w, amt)
				case 1:
					tr = pay(id, w, amt)
					if nw > 1 && rng.IntN(2) == 0 { // wallet to wallet
						tr.Credit = ws[rng.IntN(len(ws))]
						if tr.Credit == w {
							tr.Credit = rev
						}
					}
				case 2:
					tr = hold(id, w, amt)
					tr.UpTo = rng.IntN(2) == 0
				case 3, 4:
					k := rng.IntN(len(holds))
					h = holds[k]
					holds = append(holds[:k], holds[k+1:]...)
					part := int64(0)
					if op == 4 {
						part = 1 + rng.Int64N(h.amt)
					}
					tr = commit(id, h.id, part)
				case 5:
					k := rng.IntN(len(holds))
					h = holds[k]
					holds = append(holds[:k], holds[k+1:]...)
					tr = void(id, h.id)
				}
				res, err := f.l.Post(f.ctx, tr)
				if err != nil {
					if (op == 1 || op == 2) && errors.Is(err, wallet.ErrInsufficientFunds) {
						continue
					}
					t.Errorf("%s %+v: unexpected error %v", tr.Kind, tr, err)
					return
				}
				r := res[0]
				got, _ := r.Transfer.Currency.ToMinor(r.Transfer.Amount)
				switch op {
				case 0:
					add(w, got, 0)
				case 1:
					add(w, -got, 0)
					if _, ok := expect[tr.Credit]; ok {
						add(tr.Credit, got, 0)
					}
				case 2:
					if got > amt || (!tr.UpTo && got != amt) {
						t.Errorf("hold %s took %d of %d", id, got, amt)
					}
					holds = append(holds, held{id, w, got})
					add(w, 0, got)
				case 3, 4:
					add(h.w, -got, -h.amt)
				case 5:
					add(h.w, 0, -h.amt)
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	mon.Wait()
	for _, w := range ws {
		e := expect[w]
		f.wantBal(w, e.posted, e.pending)
	}
}
