package pgledger_test

// An adversarial review of the ledger on PostgreSQL: two calls at once where
// only one may win, connections killed and contexts cancelled mid-way,
// amounts at the int64 limit, hostile IDs, and the clock holds expire by.
// Each test checks money: what the balances say against what the recorded
// transfers say, double entry, and history.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/internal/pgtest"
	"github.com/thanhtoan/thanhtoan/wallet"
	"github.com/thanhtoan/thanhtoan/wallet/pgledger"
	"github.com/thanhtoan/thanhtoan/wallet/wallettest"
)

const (
	advSrc = "sys/src"
	advRev = "sys/rev"
)

func vndN(n int64) decimal.Decimal { return decimal.NewFromInt(n) }

// advLedger returns a ledger on a fresh schema with the system accounts and
// n NoOverdraft VND wallets w0..w(n-1), and its pool.
func advLedger(t *testing.T, maxConns int32, params map[string]string, n int, opts ...pgledger.Option) (*pgledger.Ledger, *pgxpool.Pool, []string) {
	t.Helper()
	pool := pgtest.Pool(t, "pgledger_adv_", maxConns, params)
	l, err := pgledger.New(context.Background(), pool, opts...)
	if err != nil {
		t.Fatal(err)
	}
	accs := []wallet.Account{{ID: advSrc, Currency: wallet.VND}, {ID: advRev, Currency: wallet.VND}}
	var ws []string
	for i := range n {
		id := fmt.Sprintf("w%d", i)
		ws = append(ws, id)
		accs = append(accs, wallet.Account{ID: id, Currency: wallet.VND, Flags: wallet.NoOverdraft})
	}
	if err := l.CreateAccounts(context.Background(), accs...); err != nil {
		t.Fatal(err)
	}
	return l, pool, ws
}

// samePool returns a second pool on pool's schema: another process on the
// same database.
func samePool(t *testing.T, pool *pgxpool.Pool, maxConns int32, params map[string]string) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	var schema string
	if err := pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	cfg, err := pgxpool.ParseConfig(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	for k, v := range params {
		cfg.ConnConfig.RuntimeParams[k] = v
	}
	cfg.MaxConns = maxConns
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

func post(id, debit, credit string, n int64) wallet.Transfer {
	return wallet.Transfer{ID: id, Debit: debit, Credit: credit, Amount: vndN(n), Currency: wallet.VND}
}

func holdT(id, w string, n int64) wallet.Transfer {
	t := post(id, w, advRev, n)
	t.Kind = wallet.KindHold
	return t
}

func commitT(id, hold string, n int64) wallet.Transfer {
	t := wallet.Transfer{ID: id, Kind: wallet.KindCommit, HoldID: hold}
	if n > 0 {
		t.Amount, t.Currency = vndN(n), wallet.VND
	}
	return t
}

// checkBooks checks double entry over accounts and every account's history,
// and that each balance equals what the recorded transfers ids say moved
// (read back with Lookup): money a transfer moved twice, or that moved
// without a recorded transfer, shows here.
func checkBooks(t *testing.T, l wallet.Ledger, accounts, ids []string) {
	t.Helper()
	ctx := context.Background()
	if err := wallettest.CheckConservation(ctx, l, accounts); err != nil {
		t.Fatal(err)
	}
	for _, a := range accounts {
		if err := wallettest.CheckHistory(ctx, l, a, 7); err != nil {
			t.Fatalf("history of %s: %v", a, err)
		}
	}
	posted := map[string]int64{}
	pending := map[string]int64{}
	for _, id := range ids {
		r, err := l.Lookup(ctx, id)
		var te *wallet.TransferError
		if errors.As(err, &te) || errors.Is(err, wallet.ErrTransferNotFound) {
			continue // failed, or never recorded: moved nothing
		}
		if err != nil {
			t.Fatalf("lookup %s: %v", id, err)
		}
		u, err := r.Transfer.Currency.ToMinor(r.Transfer.Amount)
		if err != nil {
			t.Fatal(err)
		}
		switch r.Transfer.Kind {
		case wallet.KindPost, wallet.KindCommit:
			posted[r.Transfer.Debit] -= u
			posted[r.Transfer.Credit] += u
		case wallet.KindHold:
			if r.Status == wallet.StatusPending {
				pending[r.Transfer.Debit] += u
			}
		}
	}
	for _, a := range accounts {
		b, err := l.Balance(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if !b.Posted.Equal(vndN(posted[a])) || !b.Pending.Equal(vndN(pending[a])) {
			t.Errorf("%s: posted %s pending %s; the recorded transfers say %d and %d", a, b.Posted, b.Pending, posted[a], pending[a])
		}
	}
}

// race runs fns at once, n rounds, and returns their errors per round.
func race(n int, fns ...func(round int) error) [][]error {
	out := make([][]error, n)
	for r := range n {
		out[r] = make([]error, len(fns))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, fn := range fns {
			wg.Go(func() {
				<-start
				out[r][i] = fn(r)
			})
		}
		close(start)
		wg.Wait()
	}
	return out
}

// Two captures (a full and a partial commit) and a void of one hold at
// once, from two processes: exactly one resolves it, and the wallet pays
// at most the hold.
func TestAdversarialOneResolutionPerHold(t *testing.T) {
	t.Parallel()
	forIsolations(t, testOneResolutionPerHold)
}

// forIsolations runs test at READ COMMITTED and with the server's default
// isolation set to SERIALIZABLE (as on CockroachDB, or a database so
// configured), where a call may also fail with a serialization failure
// after its retries: then it lost, and the books must still balance.
func forIsolations(t *testing.T, test func(t *testing.T, params map[string]string, serializable bool)) {
	for _, iso := range []string{"read committed", "serializable"} {
		t.Run(iso, func(t *testing.T) {
			t.Parallel()
			test(t, map[string]string{"default_transaction_isolation": iso}, iso == "serializable")
		})
	}
}

// twoProcesses is advLedger (n wallets) and a second Ledger on the same
// schema through a pool of its own, as another process would have.
func twoProcesses(t *testing.T, params map[string]string, n int) (*pgledger.Ledger, *pgledger.Ledger, []string) {
	t.Helper()
	l, pool, ws := advLedger(t, 4, params, n)
	l2, err := pgledger.New(context.Background(), samePool(t, pool, 4, params), pgledger.WithoutMigrate())
	if err != nil {
		t.Fatal(err)
	}
	return l, l2, ws
}

// lostRace reports whether err is a serialization failure, which a call
// may return at SERIALIZABLE once its retries are spent.
func lostRace(err error, serializable bool) bool {
	return serializable && err != nil && strings.Contains(err.Error(), "SQLSTATE 40001")
}

func testOneResolutionPerHold(t *testing.T, params map[string]string, serializable bool) {
	const rounds = 25
	l, l2, ws := twoProcesses(t, params, rounds)
	ctx := context.Background()
	var ids []string
	for r, w := range ws {
		h := fmt.Sprintf("h%d", r)
		if _, err := l.Post(ctx, post("fund/"+w, advSrc, w, 100), holdT(h, w, 100)); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, "fund/"+w, h, "full/"+h, "part/"+h, "void/"+h)
	}
	res := race(rounds,
		func(r int) error {
			_, err := l.Post(ctx, commitT(fmt.Sprintf("full/h%d", r), fmt.Sprintf("h%d", r), 0))
			return err
		},
		func(r int) error {
			_, err := l2.Post(ctx, commitT(fmt.Sprintf("part/h%d", r), fmt.Sprintf("h%d", r), 40))
			return err
		},
		func(r int) error {
			_, err := l2.Post(ctx, wallet.Transfer{ID: fmt.Sprintf("void/h%d", r), Kind: wallet.KindVoid, HoldID: fmt.Sprintf("h%d", r)})
			return err
		},
	)
	for r, errs := range res {
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, wallet.ErrHoldResolved) && !lostRace(err, serializable):
				t.Errorf("round %d: %v", r, err)
			}
		}
		if wins > 1 || wins == 0 && !serializable {
			t.Errorf("round %d: %d of a full commit, a partial commit and a void of one hold succeeded (%v); want 1", r, wins, errs)
		}
		b, err := l.Balance(ctx, ws[r])
		if err != nil {
			t.Fatal(err)
		}
		if !b.Pending.IsZero() || b.Posted.LessThan(vndN(0)) {
			t.Errorf("round %d: wallet %+v after the hold was resolved", r, b)
		}
	}
	checkBooks(t, l, append([]string{advSrc, advRev}, ws...), ids)
}

// A hold, a payment and an up-to hold that together ask more than the
// wallet has, at once, from two processes: the wallet never goes below
// zero and the holds and payments that won fit in what it had.
func TestAdversarialHoldAndPaymentOverAvailable(t *testing.T) {
	t.Parallel()
	forIsolations(t, testHoldAndPaymentOverAvailable)
}

func testHoldAndPaymentOverAvailable(t *testing.T, params map[string]string, serializable bool) {
	const rounds = 25
	l, l2, ws := twoProcesses(t, params, rounds)
	ctx := context.Background()
	var ids []string
	for _, w := range ws {
		if _, err := l.Post(ctx, post("fund/"+w, advSrc, w, 100)); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, "fund/"+w, "hold/"+w, "pay/"+w, "upto/"+w, "batch/"+w)
	}
	upTo := func(w string) wallet.Transfer {
		h := holdT("upto/"+w, w, 100)
		h.UpTo = true
		return h
	}
	res := race(rounds,
		func(r int) error { _, err := l.Post(ctx, holdT("hold/"+ws[r], ws[r], 70)); return err },
		func(r int) error { _, err := l2.Post(ctx, post("pay/"+ws[r], ws[r], advRev, 70)); return err },
		func(r int) error { _, err := l.Post(ctx, upTo(ws[r])); return err },
		func(r int) error { // the set-based path: a batch of two posts
			_, err := l2.Post(ctx, post("batch/"+ws[r], ws[r], advRev, 50), post("batch2/"+ws[r], advSrc, advRev, 1))
			return err
		},
	)
	for r, errs := range res {
		for _, err := range errs {
			if err != nil && !errors.Is(err, wallet.ErrInsufficientFunds) && !lostRace(err, serializable) {
				t.Errorf("round %d: %v", r, err)
			}
		}
		b, err := l.Balance(ctx, ws[r])
		if err != nil {
			t.Fatal(err)
		}
		if b.Available.Sign() < 0 || b.DebitsPosted.Add(b.DebitsPending).GreaterThan(vndN(100)) {
			t.Errorf("round %d: wallet of 100 paid and held %s + %s (%v)", r, b.DebitsPosted, b.DebitsPending, errs)
		}
	}
	for _, w := range ws {
		ids = append(ids, "batch2/"+w)
	}
	checkBooks(t, l, append([]string{advSrc, advRev}, ws...), ids)
}

// Connections killed (pg_terminate_backend) and contexts cancelled at
// random points while four workers post, hold, commit and pay, each
// retrying a transfer under its ID until it gets an answer: nothing is
// applied twice or lost, whatever the commit outcome each error hid.
func TestAdversarialKilledConnectionsAndCancelledContexts(t *testing.T) {
	t.Parallel()
	var b [4]byte
	_, _ = rand.Read(b[:])
	app := "pgledger_adv_kill_" + hex.EncodeToString(b[:])
	l, pool, ws := advLedger(t, 6, map[string]string{"application_name": app}, 4)
	ctx := context.Background()
	// The books are read at the end through another pool, whose
	// connections are not killed.
	reader, err := pgledger.New(ctx, samePool(t, pool, 2, nil), pgledger.WithoutMigrate())
	if err != nil {
		t.Fatal(err)
	}
	stopKiller := pgtest.KillConnections(t, app, 2*time.Millisecond, 8*time.Millisecond)

	var mu sync.Mutex
	var ids []string
	var failures atomic.Int64
	// postUntilAnswered posts tr until the ledger answers: a result or a
	// business failure. Errors without an answer (a killed connection, a
	// cancelled context) leave the outcome unknown, so it posts again.
	postUntilAnswered := func(tr wallet.Transfer) (wallet.Result, error) {
		mu.Lock()
		ids = append(ids, tr.ID)
		mu.Unlock()
		for attempt := 0; ; attempt++ {
			cctx, cancel := context.WithTimeout(ctx, time.Duration(mrand.IntN(4000))*time.Microsecond)
			if attempt%3 == 2 || attempt > 30 {
				cctx, cancel = context.WithCancel(ctx)
			}
			res, err := l.Post(cctx, tr)
			cancel()
			var te *wallet.TransferError
			if err == nil {
				return res[0], nil
			}
			if errors.As(err, &te) {
				return wallet.Result{}, err
			}
			failures.Add(1)
			if attempt > 200 {
				t.Errorf("%s: no answer after %d attempts: %v", tr.ID, attempt, err)
				return wallet.Result{}, err
			}
		}
	}
	var wg sync.WaitGroup
	for g, w := range ws {
		wg.Go(func() {
			rng := mrand.New(mrand.NewPCG(uint64(g), 7))
			var holds []string
			for i := range 40 {
				id := fmt.Sprintf("%s/%d", w, i)
				var tr wallet.Transfer
				switch op := rng.IntN(5); {
				case op == 0 || i < 3:
					tr = post(id, advSrc, w, 1+rng.Int64N(100))
				case op == 1:
					tr = post(id, w, advRev, 1+rng.Int64N(60))
				case op == 2 || len(holds) == 0:
					tr = holdT(id, w, 1+rng.Int64N(60))
					tr.UpTo = rng.IntN(2) == 0
				case op == 3:
					tr = commitT(id, holds[0], 0)
					holds = holds[1:]
				default:
					tr = wallet.Transfer{ID: id, Kind: wallet.KindVoid, HoldID: holds[0]}
					holds = holds[1:]
				}
				_, err := postUntilAnswered(tr)
				if err == nil && tr.Kind == wallet.KindHold {
					holds = append(holds, id)
				}
				if err != nil && !errors.Is(err, wallet.ErrInsufficientFunds) {
					t.Errorf("%s: %v", id, err)
				}
			}
		})
	}
	wg.Wait()
	killed := stopKiller()
	t.Logf("%d backends killed, %d posts without an answer retried", killed, failures.Load())
	if killed == 0 || failures.Load() == 0 {
		t.Fatalf("no connection was killed (%d) or no post failed (%d): the test tested nothing", killed, failures.Load())
	}
	checkBooks(t, reader, append([]string{advSrc, advRev}, ws...), ids)
}

// WithMaxRetries(0) turns off retrying serialization failures and
// deadlocks, not the ledger's contract: a posted ID posted again returns
// its first result, and a failed transfer is refused with its business
// error, both of which go through the general path after the short one.
func TestAdversarialNoRetriesKeepsIdempotency(t *testing.T) {
	t.Parallel()
	l, _, ws := advLedger(t, 2, nil, 1, pgledger.WithMaxRetries(0))
	ctx := context.Background()
	w := ws[0]
	if _, err := l.Post(ctx, post("fund", advSrc, w, 100)); err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // a single post, then a batch (the set-based path)
		res, err := l.Post(ctx, post("fund", advSrc, w, 100))
		if err != nil || !res[0].Existed {
			t.Fatalf("posting an ID again with WithMaxRetries(0): %+v, %v; want its first result, Existed", res, err)
		}
		res, err = l.Post(ctx, post("fund", advSrc, w, 100), post(fmt.Sprintf("other%d", i), advSrc, advRev, 1))
		if err != nil || !res[0].Existed || res[1].Existed {
			t.Fatalf("a batch with a posted ID with WithMaxRetries(0): %+v, %v", res, err)
		}
	}
	if _, err := l.Post(ctx, post("too-much", w, advRev, 1000)); !errors.Is(err, wallet.ErrInsufficientFunds) {
		t.Fatalf("overdraft with WithMaxRetries(0): %v; want ErrInsufficientFunds", err)
	}
	if _, err := l.Lookup(ctx, "too-much"); !errors.Is(err, wallet.ErrInsufficientFunds) {
		t.Fatalf("the failed ID is not recorded: %v", err)
	}
	checkBooks(t, l, []string{advSrc, advRev, w}, []string{"fund", "other0", "other1", "too-much"})
}

// Amounts at the int64 limit of minor units, in VND and USD, on both paths
// (a single post, a batch): the last unit fits, one more is refused with
// ErrAmountOverflow and changes nothing; currencies never mix.
func TestAdversarialAmountLimitsAndCurrencies(t *testing.T) {
	t.Parallel()
	l, _, ws := advLedger(t, 2, nil, 2)
	ctx := context.Background()
	if err := l.CreateAccounts(ctx, wallet.Account{ID: "usd/src", Currency: wallet.USD},
		wallet.Account{ID: "usd/w", Currency: wallet.USD, Flags: wallet.NoOverdraft}); err != nil {
		t.Fatal(err)
	}
	maxVND := vndN(math.MaxInt64)
	if _, err := l.Post(ctx, wallet.Transfer{ID: "max", Debit: advSrc, Credit: ws[0], Amount: maxVND, Currency: wallet.VND}); err != nil {
		t.Fatal(err)
	}
	for _, batch := range [][]wallet.Transfer{
		{post("one-more", advSrc, ws[0], 1)},
		{post("b1", advSrc, ws[1], 1), post("b2", advSrc, ws[0], 1)},
		{holdT("hold-more", advSrc, 1)}, // the source's debits are at the limit too
	} {
		if batch[0].ID == "hold-more" {
			batch[0].Credit = ws[1]
		}
		_, err := l.Post(ctx, batch...)
		if !errors.Is(err, wallet.ErrAmountOverflow) {
			t.Errorf("%s: %v; want ErrAmountOverflow", batch[0].ID, err)
		}
	}
	max, _ := decimal.NewFromString("92233720368547758.07")
	if _, err := l.Post(ctx, wallet.Transfer{ID: "usd-max", Debit: "usd/src", Credit: "usd/w", Amount: max, Currency: wallet.USD}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		amount string
		want   error
	}{{"92233720368547758.08", wallet.ErrAmountOverflow}, {"0.001", wallet.ErrInexactAmount}, {"0.01", wallet.ErrAmountOverflow}} {
		a, _ := decimal.NewFromString(tc.amount)
		if _, err := l.Post(ctx, wallet.Transfer{ID: "usd/" + tc.amount, Debit: "usd/src", Credit: "usd/w", Amount: a, Currency: wallet.USD}); !errors.Is(err, tc.want) {
			t.Errorf("USD %s: %v; want %v", tc.amount, err, tc.want)
		}
	}
	// Currencies never mix: a VND transfer to a USD wallet, alone and in a
	// batch, and a USD commit of a VND hold.
	if _, err := l.Post(ctx, post("fund1", advRev, ws[1], 500), holdT("h", ws[1], 100)); err != nil {
		t.Fatal(err)
	}
	for _, batch := range [][]wallet.Transfer{
		{post("mix1", advRev, "usd/w", 1)},
		{post("mix2", advRev, ws[1], 1), post("mix3", advRev, "usd/w", 1)},
		{{ID: "mix4", Kind: wallet.KindCommit, HoldID: "h", Amount: vndN(1), Currency: wallet.USD}},
	} {
		if _, err := l.Post(ctx, batch...); !errors.Is(err, wallet.ErrCurrencyMismatch) {
			t.Errorf("%s: %v; want ErrCurrencyMismatch", batch[0].ID, err)
		}
	}
	ids := []string{"max", "one-more", "b1", "b2", "hold-more", "fund1", "h", "mix1", "mix2", "mix3", "mix4"}
	checkBooks(t, l, []string{advSrc, advRev, ws[0], ws[1]}, ids)
	b, err := l.Balance(ctx, ws[0])
	if err != nil || !b.Posted.Equal(maxVND) {
		t.Errorf("wallet at the limit: %+v, %v", b, err)
	}
	if b, err := l.Balance(ctx, "usd/w"); err != nil || !b.Posted.Equal(max) {
		t.Errorf("USD wallet at the limit: %+v, %v", b, err)
	}
}

// IDs, references and codes that would break SQL built by formatting go
// through every call as data; IDs PostgreSQL cannot store (a NUL byte,
// invalid UTF-8) are refused as invalid, with nothing recorded.
func TestAdversarialHostileIDs(t *testing.T) {
	t.Parallel()
	l, pool, _ := advLedger(t, 2, nil, 0)
	ctx := context.Background()
	hostile := []string{
		`w'; DROP TABLE wallet_accounts; --`,
		`w"); DELETE FROM wallet_entries; --`,
		`w\' OR '1'='1`,
		`%s %d %v $1 $$ $tag$`,
		`ví Việt/đơn-hàng ₫ 🧾`,
	}
	var ids []string
	for i, w := range hostile {
		if err := l.CreateAccounts(ctx, wallet.Account{ID: w, Currency: wallet.VND, Flags: wallet.NoOverdraft}); err != nil {
			t.Fatalf("%q: %v", w, err)
		}
		fund := post(w+"/fund'--", advSrc, w, int64(100+i))
		fund.Reference, fund.Code = `ref'); TRUNCATE wallet_transfers; --`, `code"\`
		hold := holdT(w+"/hold%s", w, 10)
		pay := post(w+"/pay", w, advRev, 1000) // fails: insufficient funds, recorded with its hostile ID
		if _, err := l.Post(ctx, fund, hold); err != nil {
			t.Fatalf("%q: %v", w, err)
		}
		if _, err := l.Post(ctx, commitT(w+"/commit", w+"/hold%s", 5)); err != nil {
			t.Fatalf("%q: %v", w, err)
		}
		if _, err := l.Post(ctx, pay); !errors.Is(err, wallet.ErrInsufficientFunds) {
			t.Fatalf("%q: %v", w, err)
		}
		r, err := l.Lookup(ctx, fund.ID)
		if err != nil || r.Transfer.ID != fund.ID || r.Transfer.Reference != fund.Reference || r.Transfer.Code != fund.Code || r.Transfer.Credit != w {
			t.Errorf("lookup %q: %+v, %v", fund.ID, r, err)
		}
		page, err := l.History(ctx, w, wallet.HistoryQuery{})
		if err != nil || len(page.Entries) != 3 || page.Entries[0].Reference != fund.Reference || page.Entries[2].TransferID != w+"/commit" {
			t.Errorf("history of %q: %+v, %v", w, page, err)
		}
		ids = append(ids, fund.ID, hold.ID, w+"/commit", pay.ID)
	}
	checkBooks(t, l, append([]string{advSrc, advRev}, hostile...), ids)
	var tables int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'wallet_%'`).Scan(&tables); err != nil || tables != 6 {
		t.Errorf("wallet tables: %d, %v; want 6", tables, err)
	}

	for _, bad := range []string{"nul\x00byte", "bad\xffutf8"} {
		if err := l.CreateAccounts(ctx, wallet.Account{ID: bad, Currency: wallet.VND}); !errors.Is(err, wallet.ErrInvalidAccount) {
			t.Errorf("account %q: %v; want ErrInvalidAccount", bad, err)
		}
		if _, err := l.Balance(ctx, bad); !errors.Is(err, wallet.ErrAccountNotFound) {
			t.Errorf("balance of %q: %v; want ErrAccountNotFound", bad, err)
		}
		if _, err := l.History(ctx, bad, wallet.HistoryQuery{}); !errors.Is(err, wallet.ErrAccountNotFound) {
			t.Errorf("history of %q: %v; want ErrAccountNotFound", bad, err)
		}
		if _, err := l.Lookup(ctx, bad); !errors.Is(err, wallet.ErrTransferNotFound) {
			t.Errorf("lookup of %q: %v; want ErrTransferNotFound", bad, err)
		}
		for _, tr := range []wallet.Transfer{
			post(bad, advSrc, advRev, 1),
			{ID: "ref/" + hex.EncodeToString([]byte(bad)), Debit: advSrc, Credit: advRev, Amount: vndN(1), Currency: wallet.VND, Reference: bad},
			post("acc/"+hex.EncodeToString([]byte(bad)), advSrc, bad, 1),
		} {
			_, err := l.Post(ctx, tr)
			var te *wallet.TransferError
			if !errors.As(err, &te) || !errors.Is(err, wallet.ErrInvalidTransfer) {
				t.Errorf("transfer %q (reference %q, credit %q): %v; want a TransferError wrapping ErrInvalidTransfer", tr.ID, tr.Reference, tr.Credit, err)
			}
		}
	}
}

// Holds expire by the Ledger's clock (WithClock), never the database's:
// with a clock years away from the server's, a hold is neither released
// early nor committable late, and ExpireHolds and a commit agree.
func TestAdversarialExpiryByTheLedgerClock(t *testing.T) {
	t.Parallel()
	for _, base := range []time.Time{
		time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC), // behind the server
		time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), // ahead of it
	} {
		var skew atomic.Int64
		clock := func() time.Time { return base.Add(time.Duration(skew.Load())) }
		l, _, ws := advLedger(t, 2, nil, 1, pgledger.WithClock(clock))
		ctx := context.Background()
		w := ws[0]
		h1, h2 := holdT("h1", w, 30), holdT("h2", w, 30)
		h1.Timeout, h2.Timeout = time.Minute, time.Minute
		res, err := l.Post(ctx, post("fund", advSrc, w, 100), h1, h2)
		if err != nil {
			t.Fatal(err)
		}
		if !res[1].ExpiresAt.Equal(base.Add(time.Minute)) {
			t.Fatalf("%v: hold expires at %v; want the ledger's clock plus its timeout", base, res[1].ExpiresAt)
		}
		skew.Store(int64(time.Minute - time.Millisecond))
		if n, err := l.ExpireHolds(ctx, 0); err != nil || n != 0 {
			t.Fatalf("%v: ExpireHolds a millisecond before the expiry released %d, %v", base, n, err)
		}
		if _, err := l.Post(ctx, commitT("c2", "h2", 10)); err != nil {
			t.Fatalf("%v: commit before the expiry: %v", base, err)
		}
		skew.Store(int64(time.Minute))
		if _, err := l.Post(ctx, commitT("c1", "h1", 0)); !errors.Is(err, wallet.ErrHoldExpired) {
			t.Fatalf("%v: commit at the expiry: %v; want ErrHoldExpired", base, err)
		}
		if n, err := l.ExpireHolds(ctx, 0); err != nil || n != 1 {
			t.Fatalf("%v: ExpireHolds at the expiry released %d, %v; want 1", base, n, err)
		}
		b, err := l.Balance(ctx, w)
		if err != nil || !b.Posted.Equal(vndN(90)) || !b.Pending.IsZero() {
			t.Fatalf("%v: wallet %+v, %v; want 90 posted, nothing pending", base, b, err)
		}
		checkBooks(t, l, []string{advSrc, advRev, w}, []string{"fund", "h1", "h2", "c1", "c2"})
	}
}

// At SERIALIZABLE (the server's default so set), reads run beside posts,
// holds, commits and voids on 16 wallets: a Balance, History or Lookup
// must answer, not fail with a serialization failure it could have retried
// (a caller showing a balance, or checking after a lost answer whether a
// payment went through, would see an error instead).
func TestAdversarialReadsAtSerializable(t *testing.T) {
	t.Parallel()
	params := map[string]string{"default_transaction_isolation": "serializable"}
	l, _, ws := advLedger(t, 12, params, 16)
	ctx := context.Background()
	for _, w := range ws {
		if _, err := l.Post(ctx, post("fund/"+w, advSrc, w, 300)); err != nil {
			t.Fatal(err)
		}
	}
	stop := make(chan struct{})
	var writers sync.WaitGroup
	for g := range 8 {
		writers.Go(func() {
			rng := mrand.New(mrand.NewPCG(uint64(g), 3))
			var holds []string
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("g%d/%d", g, i)
				w := ws[rng.IntN(len(ws))]
				var tr wallet.Transfer
				switch op := rng.IntN(5); {
				case op == 0:
					tr = post(id, advSrc, w, 1+rng.Int64N(50))
				case op == 1:
					tr = post(id, w, ws[rng.IntN(len(ws))], 1+rng.Int64N(50))
					if tr.Credit == w {
						tr.Credit = advRev
					}
				case op == 2 || len(holds) == 0:
					tr = holdT(id, w, 1+rng.Int64N(50))
					tr.UpTo = rng.IntN(2) == 0
				case op == 3:
					tr = commitT(id, holds[0], 0)
					holds = holds[1:]
				default:
					tr = wallet.Transfer{ID: id, Kind: wallet.KindVoid, HoldID: holds[0]}
					holds = holds[1:]
				}
				_, err := l.Post(ctx, tr)
				if err == nil && tr.Kind == wallet.KindHold {
					holds = append(holds, id)
				}
				if err != nil && !lostRace(err, true) && !errors.Is(err, wallet.ErrInsufficientFunds) {
					t.Errorf("post %s: %v", id, err)
					return
				}
			}
		})
	}
	var readers sync.WaitGroup
	for g := range 3 {
		readers.Go(func() {
			for i := range 40 {
				for k, w := range ws {
					var err error
					switch (i + k + g) % 4 {
					case 0, 1:
						_, err = l.Balance(ctx, w)
					case 2:
						_, err = l.History(ctx, w, wallet.HistoryQuery{After: int64(i), Limit: 5})
					default:
						_, err = l.Lookup(ctx, fmt.Sprintf("g%d/%d", k%8, i))
						if errors.Is(err, wallet.ErrTransferNotFound) || errors.As(err, new(*wallet.TransferError)) {
							err = nil
						}
					}
					if err != nil {
						t.Errorf("read %d of %s: %v", i, w, err)
						return
					}
				}
				time.Sleep(time.Millisecond)
			}
		})
	}
	readers.Wait()
	close(stop)
	writers.Wait()
}
