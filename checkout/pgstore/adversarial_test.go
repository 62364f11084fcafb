package pgstore_test

// An adversarial review of the Store on PostgreSQL: two calls at once
// where only one may win (from two pools, as two processes), orders updated
// while connections are killed and contexts cancelled, hostile text,
// migrations from every earlier schema with data in it, and migrators
// starting at once.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/checkout/pgstore"
	"github.com/thanhtoan/thanhtoan/internal/pgtest"
	"github.com/thanhtoan/thanhtoan/wallet/pgledger"
)

// poolOn returns another pool on pool's schema: another process on the
// same database.
func poolOn(t *testing.T, pool *pgxpool.Pool, maxConns int32, params map[string]string) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	var schema string
	if err := pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	return poolOnSchema(t, schema, maxConns, params)
}

func poolOnSchema(t *testing.T, schema string, maxConns int32, params map[string]string) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	for k, v := range params {
		cfg.ConnConfig.RuntimeParams[k] = v
	}
	cfg.MaxConns = maxConns
	p, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// twoStores returns two Stores on one fresh schema, through two pools.
func twoStores(t *testing.T, maxConns int32, params map[string]string, opts ...pgstore.Option) (*pgstore.Store, *pgstore.Store) {
	t.Helper()
	pool := pgtest.Pool(t, "pgstore_adv_", maxConns, params)
	a, err := pgstore.New(context.Background(), pool, opts...)
	if err != nil {
		t.Fatal(err)
	}
	b, err := pgstore.New(context.Background(), poolOn(t, pool, maxConns, params), append(opts, pgstore.WithoutMigrate())...)
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

// at runs a and b at once, rounds times, and returns their errors.
func at(rounds int, a, b func(r int) error) [][2]error {
	out := make([][2]error, rounds)
	for r := range rounds {
		start := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() { <-start; out[r][0] = a(r) })
		wg.Go(func() { <-start; out[r][1] = b(r) })
		close(start)
		wg.Wait()
	}
	return out
}

func advOrder(id string) checkout.Order {
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	return checkout.Order{ID: id, Customer: "c", Amount: decimal.NewFromInt(150000), Currency: "VND",
		State: checkout.StateCreated, CreatedAt: t0, UpdatedAt: t0}
}

// Two processes use one share link, record one callback, add one invoice
// and one payment, enqueue one notification, at the same moment: each
// time exactly one wins, and history positions stay 1, 2, 3...
func TestAdversarialOneWinnerFromTwoProcesses(t *testing.T) {
	t.Parallel()
	for _, iso := range []string{"read committed", "serializable"} {
		t.Run(iso, func(t *testing.T) {
			t.Parallel()
			a, b := twoStores(t, 4, map[string]string{"default_transaction_isolation": iso})
			ctx := context.Background()
			const rounds = 20
			t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
			hash := func(r int) [32]byte { return sha256.Sum256(fmt.Appendf(nil, "token-%d", r)) }
			for r := range rounds {
				if err := a.CreateShare(ctx, checkout.ShareLink{Hash: hash(r), OrderID: fmt.Sprint("o", r), Payer: "p@example.com",
					CreatedAt: t0, ExpiresAt: t0.Add(72 * time.Hour)}); err != nil {
					t.Fatal(err)
				}
			}
			oneWinner := func(what string, res [][2]error, won func(r, i int) bool, lost func(err error) bool) {
				t.Helper()
				for r, errs := range res {
					wins := 0
					for i, err := range errs {
						switch {
						case err != nil && !lost(err):
							t.Errorf("%s, round %d: %v", what, r, err)
						case err == nil && won(r, i):
							wins++
						}
					}
					if wins != 1 {
						t.Errorf("%s, round %d: %d winners (%v); want 1", what, r, wins, errs)
					}
				}
			}
			useTime := func(i int) time.Time { return t0.Add(time.Duration(i+1) * time.Minute) }
			res := at(rounds,
				func(r int) error { return a.UseShare(ctx, hash(r), useTime(0)) },
				func(r int) error { return b.UseShare(ctx, hash(r), useTime(1)) })
			oneWinner("UseShare", res, func(int, int) bool { return true }, func(err error) bool { return errors.Is(err, checkout.ErrShareUsed) })
			for r, errs := range res {
				l, err := a.GetShare(ctx, hash(r))
				winner := slices.Index(errs[:], nil)
				if err != nil || winner < 0 || !l.UsedAt.Equal(useTime(winner)) {
					t.Errorf("round %d: link used at %v, %v; the winner used it at %v", r, l.UsedAt, err, useTime(winner))
				}
			}

			var won [rounds][2]bool
			flag := func(r, i int, ok bool, err error) error { won[r][i] = ok; return err }
			winners := func(r, i int) bool { return won[r][i] }
			never := func(error) bool { return false }
			res = at(rounds,
				func(r int) error {
					ok, err := a.RecordCallback(ctx, checkout.CallbackRecord{ID: fmt.Sprint("cb", r), OrderID: "o", Time: t0})
					return flag(r, 0, ok, err)
				},
				func(r int) error {
					ok, err := b.RecordCallback(ctx, checkout.CallbackRecord{ID: fmt.Sprint("cb", r), OrderID: "o", Time: t0})
					return flag(r, 1, ok, err)
				})
			oneWinner("RecordCallback", res, winners, never)

			won = [rounds][2]bool{}
			inv := func(r int, customer string) checkout.Invoice {
				return checkout.Invoice{ID: fmt.Sprintf("o%d/invoice", r), OrderID: fmt.Sprint("o", r), Customer: customer,
					Amount: decimal.NewFromInt(int64(r + 1)), Currency: "VND", Method: checkout.MethodCredit, Time: t0}
			}
			res = at(rounds,
				func(r int) error { ok, err := a.AddInvoice(ctx, inv(r, "c")); return flag(r, 0, ok, err) },
				// the same ID for another customer: still one invoice
				func(r int) error {
					ok, err := b.AddInvoice(ctx, inv(r, []string{"c", "d"}[r%2]))
					return flag(r, 1, ok, err)
				})
			oneWinner("AddInvoice", res, winners, never)

			won = [rounds][2]bool{}
			pay := func(r int) checkout.Payment {
				return checkout.Payment{ID: fmt.Sprintf("o%d-1/payment", r), OrderID: fmt.Sprint("o", r), Customer: "c",
					Amount: decimal.NewFromInt(int64(r + 1)), Currency: "VND", Outcome: checkout.PaymentPaid, Time: t0}
			}
			res = at(rounds,
				func(r int) error { ok, err := a.AddPayment(ctx, pay(r)); return flag(r, 0, ok, err) },
				func(r int) error { ok, err := b.AddPayment(ctx, pay(r)); return flag(r, 1, ok, err) })
			oneWinner("AddPayment", res, winners, never)

			won = [rounds][2]bool{}
			note := func(r int) checkout.Notification {
				return checkout.Notification{ID: fmt.Sprintf("o%d/completed", r), Kind: checkout.NotifyOrderCompleted, To: "c@example.com"}
			}
			res = at(rounds,
				func(r int) error { ok, err := a.Enqueue(ctx, note(r), t0); return flag(r, 0, ok, err) },
				func(r int) error { ok, err := b.Enqueue(ctx, note(r), t0); return flag(r, 1, ok, err) })
			oneWinner("Enqueue", res, winners, never)
			pending, err := a.PendingNotifications(ctx, 100)
			if err != nil || len(pending) != rounds {
				t.Errorf("outbox holds %d notifications, %v; want %d", len(pending), err, rounds)
			}

			// History: every line once, positions 1..n per customer.
			seqs := map[string][]int64{}
			ids := map[string]bool{}
			for _, c := range []string{"c", "d"} {
				invs, err := a.Invoices(ctx, c, checkout.PageQuery{Limit: 100})
				if err != nil {
					t.Fatal(err)
				}
				for _, in := range invs.Invoices {
					seqs["invoices/"+c] = append(seqs["invoices/"+c], in.Seq)
					if ids[in.ID] {
						t.Errorf("invoice %s listed twice", in.ID)
					}
					ids[in.ID] = true
				}
			}
			pays, err := a.Payments(ctx, "c", checkout.PageQuery{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range pays.Payments {
				seqs["payments/c"] = append(seqs["payments/c"], p.Seq)
			}
			if len(ids) != rounds || len(pays.Payments) != rounds {
				t.Errorf("%d invoices and %d payments; want %d of each", len(ids), len(pays.Payments), rounds)
			}
			for k, s := range seqs {
				for i, seq := range s {
					if seq != int64(i+1) {
						t.Errorf("%s: positions %v; want 1..%d", k, s, len(s))
						break
					}
				}
			}
		})
	}
}

// Many processes add Payment History lines for one customer at once (a
// busy customer, a burst of callbacks), at READ COMMITTED and at
// SERIALIZABLE: with the default retries every line is added, in
// positions 1..n.
func TestAdversarialHistoryOneCustomerManyWriters(t *testing.T) {
	t.Parallel()
	for _, iso := range []string{"read committed", "serializable"} {
		t.Run(iso, func(t *testing.T) {
			t.Parallel()
			testHistoryOneCustomerManyWriters(t, map[string]string{"default_transaction_isolation": iso})
		})
	}
}

func testHistoryOneCustomerManyWriters(t *testing.T, params map[string]string) {
	a, b := twoStores(t, 25, params)
	ctx := context.Background()
	const n = 50
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		s := []*pgstore.Store{a, b}[i%2]
		wg.Go(func() {
			<-start
			ok, err := s.AddPayment(ctx, checkout.Payment{ID: fmt.Sprintf("p%02d", i), Customer: "busy",
				Amount: decimal.NewFromInt(int64(i + 1)), Currency: "VND", Outcome: checkout.PaymentPaid})
			if err != nil || !ok {
				t.Errorf("AddPayment %d: %v, %v", i, ok, err)
			}
		})
	}
	close(start)
	wg.Wait()
	page, err := a.Payments(ctx, "busy", checkout.PageQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range page.Payments {
		if p.Seq != int64(i+1) {
			t.Fatalf("payment %s at position %d; want %d", p.ID, p.Seq, i+1)
		}
	}
	if len(page.Payments) != n {
		t.Fatalf("%d payments; want %d", len(page.Payments), n)
	}
}

// Eight workers in two processes each add their own steps to one order
// (read, append, compare-and-swap, again on conflict) while connections are
// killed and contexts cancelled. A worker that got no answer reads the
// order to learn whether its step is in: no step is lost or doubled, and
// the version counts the updates that won.
func TestAdversarialOrderStepsUnderKilledConnections(t *testing.T) {
	t.Parallel()
	var rb [4]byte
	_, _ = rand.Read(rb[:])
	app := "pgstore_adv_kill_" + hex.EncodeToString(rb[:])
	params := map[string]string{"application_name": app}
	a, b := twoStores(t, 4, params)
	ctx := context.Background()
	if _, err := a.CreateOrder(ctx, advOrder("o")); err != nil {
		t.Fatal(err)
	}
	// The books are read at the end through a fresh pool: the killed
	// connections are gone.
	reader, err := pgstore.New(ctx, poolOn(t, pgstore.PoolForTest(a), 1, nil), pgstore.WithoutMigrate())
	if err != nil {
		t.Fatal(err)
	}
	stopKiller := pgtest.KillConnections(t, app, 3*time.Millisecond, 10*time.Millisecond)
	var unanswered atomic.Int64
	const workers, steps = 8, 12
	has := func(o checkout.Order, ref string) int {
		n := 0
		for _, at := range o.Attempts {
			if at.Reference == ref {
				n++
			}
		}
		return n
	}
	var wg sync.WaitGroup
	for g := range workers {
		s := []*pgstore.Store{a, b}[g%2]
		wg.Go(func() {
			for i := range steps {
				ref := fmt.Sprintf("o-%d-%d", g, i)
				for tries := 0; ; tries++ {
					if tries > 500 {
						t.Errorf("%s: not in after %d tries", ref, tries)
						return
					}
					cctx, cancel := context.WithTimeout(ctx, time.Duration(mrand.IntN(5000))*time.Microsecond)
					if tries%3 == 2 {
						cctx, cancel = context.WithCancel(ctx)
					}
					o, err := s.GetOrder(cctx, "o")
					if err == nil && has(o, ref) > 0 {
						cancel()
						break // an update whose answer was lost went in
					}
					if err == nil {
						o.Attempts = append(o.Attempts, checkout.Attempt{Reference: ref, Outcome: checkout.OutcomeFailed, Amount: decimal.NewFromInt(1)})
						o.CreditTries++
						_, err = s.UpdateOrder(cctx, o)
						if err == nil {
							cancel()
							break
						}
					}
					cancel()
					if !errors.Is(err, checkout.ErrConflict) {
						unanswered.Add(1)
					}
				}
			}
		})
	}
	wg.Wait()
	killed := stopKiller()
	t.Logf("%d backends killed, %d calls without an answer", killed, unanswered.Load())
	if killed == 0 || unanswered.Load() == 0 {
		t.Fatalf("nothing was killed (%d) or every call was answered (%d): the test tested nothing", killed, unanswered.Load())
	}
	o, err := reader.GetOrder(ctx, "o")
	if err != nil {
		t.Fatal(err)
	}
	for g := range workers {
		for i := range steps {
			if n := has(o, fmt.Sprintf("o-%d-%d", g, i)); n != 1 {
				t.Errorf("step o-%d-%d is in the order %d times; want 1", g, i, n)
			}
		}
	}
	if len(o.Attempts) != workers*steps || o.CreditTries != workers*steps || o.Version != workers*steps+1 {
		t.Errorf("order has %d steps, CreditTries %d, version %d; want %d, %d, %d",
			len(o.Attempts), o.CreditTries, o.Version, workers*steps, workers*steps, workers*steps+1)
	}
}

// Text that would break SQL built by formatting (quotes, comment markers,
// placeholders) goes through every call as data and comes back as it went.
func TestAdversarialHostileText(t *testing.T) {
	t.Parallel()
	s, _ := twoStores(t, 2, nil)
	ctx := context.Background()
	pool := pgstore.PoolForTest(s)
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for i, h := range []string{
		`o'; DROP TABLE checkout_orders; --`,
		`o"); DELETE FROM checkout_payments; --`,
		`o\' OR '1'='1`,
		`%s %d $1 $$ $q$`,
		`Nguyễn Văn A ₫ 🧾`,
	} {
		o := advOrder(h)
		o.Customer, o.Email, o.Gateway, o.Reason = h, h, h, h
		o.State = checkout.StatePaid
		if _, err := s.CreateOrder(ctx, o); err != nil {
			t.Fatalf("%q: %v", h, err)
		}
		got, err := s.GetOrder(ctx, h)
		if err != nil || got.Customer != h || got.Reason != h {
			t.Fatalf("%q: %+v, %v", h, got, err)
		}
		got.State = checkout.StateCompleted
		if _, err := s.UpdateOrder(ctx, got); err != nil {
			t.Fatalf("%q: %v", h, err)
		}
		if ok, err := s.AddPayment(ctx, checkout.Payment{ID: h, OrderID: h, Customer: h, Reference: h, Gateway: h,
			Amount: decimal.NewFromInt(1), Currency: "VND", Time: t0}); err != nil || !ok {
			t.Fatalf("%q: %v, %v", h, ok, err)
		}
		if ok, err := s.AddInvoice(ctx, checkout.Invoice{ID: h, OrderID: h, Customer: h, Amount: decimal.NewFromInt(1), Currency: "VND", Time: t0}); err != nil || !ok {
			t.Fatalf("%q: %v, %v", h, ok, err)
		}
		if ok, err := s.RecordCallback(ctx, checkout.CallbackRecord{ID: h, OrderID: h, Gateway: h, Reference: h, Time: t0}); err != nil || !ok {
			t.Fatalf("%q: %v, %v", h, ok, err)
		}
		if seen, err := s.CallbackSeen(ctx, h); err != nil || !seen {
			t.Fatalf("%q: %v, %v", h, seen, err)
		}
		hash := sha256.Sum256([]byte(h))
		if err := s.CreateShare(ctx, checkout.ShareLink{Hash: hash, OrderID: h, Payer: h, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil {
			t.Fatalf("%q: %v", h, err)
		}
		if l, err := s.GetShare(ctx, hash); err != nil || l.OrderID != h || l.Payer != h {
			t.Fatalf("%q: %+v, %v", h, l, err)
		}
		if ok, err := s.Enqueue(ctx, checkout.Notification{ID: h, Kind: checkout.NotificationKind(h), To: h}, t0.Add(time.Duration(i))); err != nil || !ok {
			t.Fatalf("%q: %v, %v", h, ok, err)
		}
		if err := s.MarkSent(ctx, h, t0); err != nil {
			t.Fatalf("%q: %v", h, err)
		}
		ps, err := s.Payments(ctx, h, checkout.PageQuery{})
		if err != nil || len(ps.Payments) != 1 || ps.Payments[0].Reference != h || ps.Payments[0].Seq != 1 {
			t.Fatalf("%q: %+v, %v", h, ps, err)
		}
		if list, err := s.ListOrders(ctx, checkout.OrderQuery{State: checkout.State(h), After: h}); err != nil || len(list) != 0 {
			t.Fatalf("%q: %+v, %v", h, list, err)
		}
	}
	for table, want := range map[string]int{"checkout_orders": 5, "checkout_payments": 5, "checkout_invoices": 5,
		"checkout_callbacks": 5, "checkout_share_links": 5, "checkout_outbox": 5} {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{table}.Sanitize()).Scan(&n); err != nil || n != want {
			t.Errorf("%s: %d rows, %v; want %d", table, n, err, want)
		}
	}
}

// A schema at each earlier version, with data in every table, is upgraded
// by New: every record reads back, history positions go on from the last,
// a used share link stays used, a sent notification stays sent, an order
// that needs Sweep is listed.
func TestAdversarialUpgradeFromEveryVersion(t *testing.T) {
	t.Parallel()
	for from := 1; from <= 3; from++ {
		t.Run(fmt.Sprint("from", from), func(t *testing.T) {
			t.Parallel()
			pool := pgtest.Pool(t, "pgstore_adv_up_", 2, nil)
			ctx := context.Background()
			if err := pgstore.MigrateToForTest(ctx, pool, from); err != nil {
				t.Fatal(err)
			}
			t0 := time.Date(2026, 11, 1, 10, 0, 0, 123456789, time.UTC)
			exec := func(sql string, args ...any) {
				t.Helper()
				if _, err := pool.Exec(ctx, sql, args...); err != nil {
					t.Fatalf("%s: %v", sql, err)
				}
			}
			body := func(v any) []byte {
				b, err := json.Marshal(v)
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
			paid, done := advOrder("paid"), advOrder("done")
			paid.State, paid.Method, paid.Version = checkout.StatePaid, checkout.MethodCredit, 3
			done.State, done.Method, done.Version = checkout.StateCompleted, checkout.MethodCredit, 5
			cols, vals := "", ""
			if from >= 2 {
				cols, vals = ", needs_sweep", ", $5"
			}
			for _, o := range []checkout.Order{paid, done} {
				args := []any{o.ID, string(o.State), o.Version, body(o)}
				if from >= 2 {
					args = append(args, !o.State.Final())
				}
				exec(`INSERT INTO checkout_orders (id, customer, state, version, amount, currency, created_at, updated_at, body`+cols+`)
					VALUES ($1, 'c', $2, $3, 150000, 'VND', now(), now(), $4`+vals+`)`, args...)
			}
			for i := 1; i <= 2; i++ {
				p := checkout.Payment{ID: fmt.Sprint("old-p", i), OrderID: "done", Customer: "c", Amount: decimal.NewFromInt(150000),
					Currency: "VND", Outcome: checkout.PaymentPaid, Time: t0}
				exec(`INSERT INTO checkout_payments (id, customer, seq, order_id, amount, currency, outcome, at, body)
					VALUES ($1, 'c', $2, 'done', 150000, 'VND', 'paid', $3, $4)`, p.ID, i, t0, body(p))
				in := checkout.Invoice{ID: fmt.Sprint("old-i", i), OrderID: "done", Customer: "c", Amount: decimal.NewFromInt(150000),
					Currency: "VND", Method: checkout.MethodCredit, Time: t0}
				exec(`INSERT INTO checkout_invoices (id, customer, seq, order_id, amount, currency, method, at, body)
					VALUES ($1, 'c', $2, 'done', 150000, 'VND', 'credit', $3, $4)`, in.ID, i, t0, body(in))
			}
			exec(`INSERT INTO checkout_callbacks (id, order_id, gateway, reference, outcome, at) VALUES ('old-cb', 'done', 'vtcpay', 'done-1', 'succeeded', $1)`, t0)
			used, fresh := sha256.Sum256([]byte("used")), sha256.Sum256([]byte("fresh"))
			for _, l := range []struct {
				hash [32]byte
				used *time.Time
			}{{used, &t0}, {fresh, nil}} {
				b := map[string]any{"CreatedAt": t0, "ExpiresAt": t0.Add(72 * time.Hour), "UsedAt": time.Time{}}
				if l.used != nil {
					b["UsedAt"] = *l.used
				}
				exec(`INSERT INTO checkout_share_links (hash, order_id, payer, created_at, expires_at, used_at, body)
					VALUES ($1, 'paid', 'p@example.com', $2, $3, $4, $5)`, l.hash[:], t0, t0.Add(72*time.Hour), l.used, body(b))
			}
			for i, sent := range []*time.Time{&t0, nil} {
				it := checkout.OutboxItem{Notification: checkout.Notification{ID: fmt.Sprint("old-n", i), Kind: checkout.NotifyOrderCompleted}, EnqueuedAt: t0}
				exec(`INSERT INTO checkout_outbox (id, kind, enqueued_at, sent_at, body) VALUES ($1, 'order_completed', $2, $3, $4)`,
					it.Notification.ID, t0, sent, body(it))
			}

			s, err := pgstore.New(ctx, pool)
			if err != nil {
				t.Fatalf("upgrade from %d: %v", from, err)
			}
			for _, want := range []checkout.Order{paid, done} {
				got, err := s.GetOrder(ctx, want.ID)
				if err != nil || got.Version != want.Version || got.State != want.State || !got.Amount.Equal(want.Amount) {
					t.Errorf("order %s after the upgrade: %+v, %v", want.ID, got, err)
				}
			}
			list, err := s.ListOrders(ctx, checkout.OrderQuery{Due: t0})
			if err != nil || len(list) != 1 || list[0].ID != "paid" {
				t.Errorf("due after the upgrade: %+v, %v; want the paid order", list, err)
			}
			if ok, err := s.AddPayment(ctx, checkout.Payment{ID: "new-p", OrderID: "paid", Customer: "c", Amount: decimal.NewFromInt(1), Currency: "VND"}); err != nil || !ok {
				t.Fatal(ok, err)
			}
			if ok, err := s.AddPayment(ctx, checkout.Payment{ID: "old-p1", Customer: "c", Amount: decimal.NewFromInt(1), Currency: "VND"}); err != nil || ok {
				t.Errorf("an old payment added again: %v, %v", ok, err)
			}
			ps, err := s.Payments(ctx, "c", checkout.PageQuery{})
			if err != nil || len(ps.Payments) != 3 || ps.Payments[2].ID != "new-p" || ps.Payments[2].Seq != 3 || !ps.Payments[0].Time.Equal(t0) {
				t.Errorf("payments after the upgrade: %+v, %v", ps, err)
			}
			if ok, err := s.AddInvoice(ctx, checkout.Invoice{ID: "new-i", Customer: "c", Amount: decimal.NewFromInt(1), Currency: "VND"}); err != nil || !ok {
				t.Fatal(ok, err)
			}
			is, err := s.Invoices(ctx, "c", checkout.PageQuery{After: 2})
			if err != nil || len(is.Invoices) != 1 || is.Invoices[0].ID != "new-i" || is.Invoices[0].Seq != 3 {
				t.Errorf("invoices after the upgrade: %+v, %v", is, err)
			}
			if ok, err := s.RecordCallback(ctx, checkout.CallbackRecord{ID: "old-cb"}); err != nil || ok {
				t.Errorf("an old callback recorded again: %v, %v", ok, err)
			}
			if err := s.UseShare(ctx, used, t0.Add(time.Hour)); !errors.Is(err, checkout.ErrShareUsed) {
				t.Errorf("an old used link used again: %v", err)
			}
			if err := s.UseShare(ctx, fresh, t0.Add(time.Hour)); err != nil {
				t.Errorf("an old fresh link: %v", err)
			}
			pending, err := s.PendingNotifications(ctx, 10)
			if err != nil || len(pending) != 1 || pending[0].Notification.ID != "old-n1" {
				t.Errorf("pending after the upgrade: %+v, %v", pending, err)
			}
			if n, err := s.PruneSent(ctx, t0.Add(time.Second)); err != nil || n != 1 {
				t.Errorf("PruneSent after the upgrade: %d, %v; want the old sent one", n, err)
			}
		})
	}
}

// Three processes running both packages' New at once on a fresh schema
// (the deployment the package doc shows: store and ledger in one schema):
// every migration is applied once, and each process gets a working store
// and ledger, whatever the server's default isolation.
func TestAdversarialMigratorsStartingAtOnce(t *testing.T) {
	t.Parallel()
	for _, iso := range []string{"read committed", "repeatable read", "serializable"} {
		t.Run(iso, func(t *testing.T) {
			t.Parallel()
			testMigratorsStartingAtOnce(t, map[string]string{"default_transaction_isolation": iso})
		})
	}
}

func testMigratorsStartingAtOnce(t *testing.T, params map[string]string) {
	first := pgtest.Pool(t, "pgstore_adv_mig_", 2, params)
	ctx := context.Background()
	var schema string
	if err := first.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	pools := []*pgxpool.Pool{first, poolOnSchema(t, schema, 2, params), poolOnSchema(t, schema, 2, params)}
	start := make(chan struct{})
	var wg sync.WaitGroup
	stores := make([]*pgstore.Store, len(pools))
	for i, p := range pools {
		wg.Go(func() {
			<-start
			if _, err := pgledger.New(ctx, p); err != nil {
				t.Errorf("process %d: ledger: %v", i, err)
			}
		})
		wg.Go(func() {
			<-start
			s, err := pgstore.New(ctx, p)
			if err != nil {
				t.Errorf("process %d: store: %v", i, err)
			}
			stores[i] = s
		})
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		return
	}
	for table, glob := range map[string]string{"checkout_schema_migrations": "migrations/*.sql", "wallet_schema_migrations": "../../wallet/pgledger/migrations/*.sql"} {
		var n, distinct int
		if err := first.QueryRow(ctx, `SELECT count(*), count(DISTINCT version) FROM `+pgx.Identifier{table}.Sanitize()).Scan(&n, &distinct); err != nil {
			t.Fatal(err)
		}
		files := mustGlob(t, glob)
		if n != files || distinct != files {
			t.Errorf("%s: %d rows (%d versions); want %d", table, n, distinct, files)
		}
	}
	for i, s := range stores {
		if _, err := s.CreateOrder(ctx, advOrder(fmt.Sprint("o", i))); err != nil {
			t.Errorf("process %d: %v", i, err)
		}
	}
}

func mustGlob(t *testing.T, glob string) int {
	t.Helper()
	files, err := filepath.Glob(glob)
	if err != nil || len(files) == 0 {
		t.Fatalf("%s: %v, %v", glob, files, err)
	}
	return len(files)
}
