package pgstore_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/checkout/checkouttest"
	"github.com/thanhtoan/thanhtoan/checkout/pgstore"
	"github.com/thanhtoan/thanhtoan/internal/pgtest"
)

// testPool returns a pool on a fresh schema (see internal/pgtest).
func testPool(tb testing.TB, maxConns int32) *pgxpool.Pool {
	tb.Helper()
	return pgtest.Pool(tb, "pgstore_test_", maxConns, nil)
}

// testPoolWith is testPool with more run-time parameters for its connections.
func testPoolWith(tb testing.TB, maxConns int32, params map[string]string) *pgxpool.Pool {
	tb.Helper()
	return pgtest.Pool(tb, "pgstore_test_", maxConns, params)
}

func newStore(tb testing.TB, maxConns int32, opts ...pgstore.Option) *pgstore.Store {
	tb.Helper()
	s, err := pgstore.New(context.Background(), testPool(tb, maxConns), opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// At SERIALIZABLE (the only level of CockroachDB, and what some deployments
// set by default) concurrent writers get serialization failures (40001),
// which the Store retries: the outcomes are the same as at READ COMMITTED.
func TestSerializable(t *testing.T) {
	serializable := func(t *testing.T) checkout.Store {
		pool := testPoolWith(t, 20, map[string]string{"default_transaction_isolation": "serializable"})
		var level string
		if err := pool.QueryRow(context.Background(), `SHOW transaction_isolation`).Scan(&level); err != nil || level != "serializable" {
			t.Fatalf("isolation %q, %v", level, err)
		}
		s, err := pgstore.New(context.Background(), pool, pgstore.WithMaxRetries(200))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	t.Run("Conformance", func(t *testing.T) { checkouttest.TestStore(t, serializable) })
	t.Run("UpdateOrderConcurrent", func(t *testing.T) { t.Parallel(); testUpdateOrderConcurrent(t, serializable(t).(*pgstore.Store)) })
	t.Run("UseShareConcurrent", func(t *testing.T) { t.Parallel(); testUseShareConcurrent(t, serializable(t).(*pgstore.Store)) })
	t.Run("HistoryConcurrent", func(t *testing.T) { t.Parallel(); testHistoryConcurrent(t, serializable(t).(*pgstore.Store)) })
}

func TestStoreConformance(t *testing.T) {
	checkouttest.TestStore(t, func(t *testing.T) checkout.Store { return newStore(t, 4) })
}

// TestStoreModel compares the store, step by step, with the reference
// model of the Store contract (see checkouttest.TestStoreModel).
func TestStoreModel(t *testing.T) {
	t.Parallel()
	checkouttest.TestStoreModel(t, func(t *testing.T) checkout.Store { return newStore(t, 2) })
}

func TestMigrateIdempotentAndConcurrent(t *testing.T) {
	t.Parallel()
	pool := testPool(t, 8)
	pgtest.MigrateConcurrently(t, pool, pgstore.Migrate, "checkout_schema_migrations", "migrations/*.sql")
	if _, err := pgstore.New(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
}

func TestNewOptions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if _, err := pgstore.New(ctx, nil); err == nil {
		t.Fatal("nil pool accepted")
	}
	pool := testPool(t, 2)
	if _, err := pgstore.New(ctx, pool, pgstore.WithMaxRetries(-1)); err == nil {
		t.Fatal("negative retries accepted")
	}
	if _, err := pgstore.New(ctx, pool, nil); err == nil {
		t.Fatal("nil option accepted")
	}
	// Without migrations the tables are not there.
	s, err := pgstore.New(ctx, pool, pgstore.WithoutMigrate())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetOrder(ctx, "x"); err == nil || errors.Is(err, checkout.ErrNotFound) {
		t.Fatalf("GetOrder before any migration: %v; want a missing-table error", err)
	}
	if err := pgstore.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetOrder(ctx, "x"); !errors.Is(err, checkout.ErrNotFound) {
		t.Fatalf("GetOrder after Migrate: %v; want ErrNotFound", err)
	}
}

// fullOrder sets every field of an order, with times to the nanosecond in
// two zones and amounts with fractions and more digits than an int64 holds.
func fullOrder(id string) checkout.Order {
	hcm := time.FixedZone("ICT", 7*3600)
	t := time.Date(2026, 3, 1, 9, 0, 0, 123456789, time.UTC)
	return checkout.Order{
		ID: id, Customer: "khách-" + id, Email: "an@example.com", Language: checkout.Vietnamese,
		Items: []checkout.LineItem{
			{Description: "Máy chủ đám mây", Quantity: 2, Amount: decimal.RequireFromString("12.34"),
				Config: []checkout.Attribute{{Name: "vCPU", Value: "2"}, {Name: "note", Value: `a "quoted" \u0000 text, <b>&</b>, ` + "\uFFFD"}}},
			{Description: "Big", Quantity: 1, Amount: decimal.RequireFromString("123456789012345678901234567890.000000001")},
		},
		Amount: decimal.RequireFromString("123456789012345678901234567902.340000001"), Currency: "USD",
		Method: checkout.MethodTopUpAndPay, Gateway: "vtcpay", State: checkout.StateAwaitingPayment,
		CreditHeld: decimal.RequireFromString("0.01"), GatewayAmount: decimal.RequireFromString("-0.50"), CreditTries: 3,
		Attempts: []checkout.Attempt{{Reference: id + "-1", Gateway: "vtcpay", Amount: decimal.RequireFromString("9.99"),
			Payer: "p@example.com", URL: "https://pay.example/?a=1&b=2", OTP: true, Outcome: checkout.OutcomePending,
			GatewayTxnID: "txn", Settled: true, Review: true, Share: "ab", StartedAt: t.Add(time.Nanosecond).In(hcm)}},
		PaidReference: id + "-1", Payer: "p@example.com", ShareExpiresAt: t.Add(72 * time.Hour).In(hcm),
		Provision: checkout.ProvisionFailed, GatewayRefund: "started", Reason: "why", Flagged: true,
		CreatedAt: t, UpdatedAt: t.Add(time.Microsecond + time.Nanosecond), PaidAt: t.Add(time.Second).In(hcm),
	}
}

// jsonOf is a comparable rendering of v: decimals as their exact strings,
// times with their nanoseconds and offsets.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRoundTripExact(t *testing.T) {
	t.Parallel()
	s := newStore(t, 2)
	ctx := context.Background()
	o := fullOrder("rt")
	created, err := s.CreateOrder(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.GetOrder(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := o
	want.Version = 1
	if jsonOf(t, got) != jsonOf(t, want) || jsonOf(t, created) != jsonOf(t, want) {
		t.Fatalf("order changed on the way:\n got %s\nwant %s", jsonOf(t, got), jsonOf(t, want))
	}
	if !got.Amount.Equal(o.Amount) || got.Amount.String() != "123456789012345678901234567902.340000001" ||
		!got.CreatedAt.Equal(o.CreatedAt) || got.CreatedAt.Nanosecond() != 123456789 || !got.PaidAt.Equal(o.PaidAt) {
		t.Errorf("amount or times not exact: %s %v %v", got.Amount, got.CreatedAt, got.PaidAt)
	}
	// An update keeps everything exactly too.
	got.Attempts = append(got.Attempts, checkout.Attempt{Reference: "rt-2", Amount: decimal.RequireFromString("0.001"),
		StartedAt: time.Date(2027, 1, 1, 0, 0, 0, 999999999, time.UTC)})
	got.State = checkout.StatePaid
	upd, err := s.UpdateOrder(ctx, got)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.GetOrder(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if upd.Version != 2 || again.Version != 2 || jsonOf(t, again) != jsonOf(t, upd) {
		t.Fatalf("after update:\n got %s\nwant %s", jsonOf(t, again), jsonOf(t, upd))
	}
	// The typed columns agree with the body; money is numeric, not float.
	var amount, state, typ string
	if err := testPoolOf(t, s).QueryRow(ctx, `SELECT amount::text, state, pg_typeof(amount)::text FROM checkout_orders WHERE id = 'rt'`).
		Scan(&amount, &state, &typ); err != nil {
		t.Fatal(err)
	}
	if amount != o.Amount.String() || state != "paid" || typ != "numeric" {
		t.Errorf("columns: amount %s (%s), state %s", amount, typ, state)
	}

	// History lines and outbox items too.
	pay := checkout.Payment{ID: "rt-1/payment", OrderID: "rt", Customer: "c", Payer: "p", Gateway: "vtcpay",
		Amount: decimal.RequireFromString("12.34"), Currency: "USD", Reference: "rt-1", GatewayTxnID: "t",
		Outcome: checkout.PaymentCredited, Time: o.CreatedAt.In(time.FixedZone("X", -3600))}
	if ok, err := s.AddPayment(ctx, pay); err != nil || !ok {
		t.Fatal(ok, err)
	}
	pp, err := s.Payments(ctx, "c", checkout.PageQuery{})
	if err != nil || len(pp.Payments) != 1 {
		t.Fatal(pp, err)
	}
	pay.Seq = 1
	if jsonOf(t, pp.Payments[0]) != jsonOf(t, pay) {
		t.Errorf("payment:\n got %s\nwant %s", jsonOf(t, pp.Payments[0]), jsonOf(t, pay))
	}
	inv := checkout.Invoice{ID: "rt/invoice", OrderID: "rt", Customer: "c", Items: o.Items, Amount: o.Amount,
		Currency: "USD", Method: checkout.MethodTopUpAndPay, Time: o.UpdatedAt}
	if ok, err := s.AddInvoice(ctx, inv); err != nil || !ok {
		t.Fatal(ok, err)
	}
	ip, err := s.Invoices(ctx, "c", checkout.PageQuery{})
	if err != nil || len(ip.Invoices) != 1 {
		t.Fatal(ip, err)
	}
	inv.Seq = 1
	if jsonOf(t, ip.Invoices[0]) != jsonOf(t, inv) {
		t.Errorf("invoice:\n got %s\nwant %s", jsonOf(t, ip.Invoices[0]), jsonOf(t, inv))
	}
	n := checkout.Notification{ID: "rt/email/refunded", Kind: checkout.NotifyRefunded, To: "an@example.com",
		Language: checkout.English, Order: o.Summary(), ShareURL: "https://x", ExpiresAt: o.ShareExpiresAt,
		RequesterEmail: "r@example.com", RefundAmount: decimal.RequireFromString("0.10"), Reason: "failed"}
	if ok, err := s.Enqueue(ctx, n, o.UpdatedAt); err != nil || !ok {
		t.Fatal(ok, err)
	}
	pend, err := s.PendingNotifications(ctx, 10)
	if err != nil || len(pend) != 1 {
		t.Fatal(pend, err)
	}
	if w := (checkout.OutboxItem{Notification: n, EnqueuedAt: o.UpdatedAt}); jsonOf(t, pend[0]) != jsonOf(t, w) {
		t.Errorf("outbox item:\n got %s\nwant %s", jsonOf(t, pend[0]), jsonOf(t, w))
	}
	// A zero time leaves the item pending, as in the memory store; a real one sends it.
	if err := s.MarkSent(ctx, n.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if pend, _ := s.PendingNotifications(ctx, 10); len(pend) != 1 {
		t.Errorf("MarkSent(zero time) sent the item")
	}
	if err := s.MarkSent(ctx, n.ID, o.UpdatedAt); err != nil {
		t.Fatal(err)
	}
	if pend, _ := s.PendingNotifications(ctx, 10); len(pend) != 0 {
		t.Errorf("MarkSent left the item pending")
	}
}

// testPoolOf is the pool s runs on (export_test.go).
func testPoolOf(t *testing.T, s *pgstore.Store) *pgxpool.Pool {
	t.Helper()
	return pgstore.PoolForTest(s)
}

func TestRefusesTextPostgreSQLWouldChange(t *testing.T) {
	t.Parallel()
	s := newStore(t, 2)
	ctx := context.Background()
	for name, mut := range map[string]func(*checkout.Order){
		"invalid UTF-8 in the body": func(o *checkout.Order) { o.Reason = "bad \xff byte" },
		"NUL in the body":           func(o *checkout.Order) { o.Items[0].Config[0].Value = "a\x00b" },
		"NUL in a column":           func(o *checkout.Order) { o.Customer = "c\x00" },
		"invalid UTF-8 in the ID":   func(o *checkout.Order) { o.ID = "id\xc3" },
	} {
		o := fullOrder("bad")
		mut(&o)
		if _, err := s.CreateOrder(ctx, o); !errors.Is(err, checkout.ErrInvalidOrder) {
			t.Errorf("CreateOrder with %s: %v; want ErrInvalidOrder", name, err)
		}
	}
	if _, err := s.GetOrder(ctx, "bad"); !errors.Is(err, checkout.ErrNotFound) {
		t.Errorf("a refused order was stored: %v", err)
	}
	// Lookups of IDs no row can hold are not found, not database errors.
	if _, err := s.GetOrder(ctx, "a\x00"); !errors.Is(err, checkout.ErrNotFound) {
		t.Errorf("GetOrder(NUL): %v", err)
	}
	if err := s.MarkSent(ctx, "\xff", time.Now()); !errors.Is(err, checkout.ErrNotFound) {
		t.Errorf("MarkSent(invalid UTF-8): %v", err)
	}
	if seen, err := s.CallbackSeen(ctx, "\x00"); err != nil || seen {
		t.Errorf("CallbackSeen(NUL): %v %v", seen, err)
	}
	if pg, err := s.Payments(ctx, "\xff", checkout.PageQuery{After: 3}); err != nil || len(pg.Payments) != 0 || pg.Next != 3 {
		t.Errorf("Payments(invalid UTF-8) = %+v, %v", pg, err)
	}
	if _, err := s.AddPayment(ctx, checkout.Payment{ID: "p", Customer: "c", Reference: "\xfe"}); !errors.Is(err, checkout.ErrInvalidRequest) {
		t.Errorf("AddPayment with invalid UTF-8: %v", err)
	}
	if _, err := s.Enqueue(ctx, checkout.Notification{ID: "n", To: "\x00"}, time.Now()); !errors.Is(err, checkout.ErrInvalidRequest) {
		t.Errorf("Enqueue with NUL: %v", err)
	}
	// A valid U+FFFD and the text `\u0000` are ordinary text (fullOrder holds both).
	if _, err := s.CreateOrder(ctx, fullOrder("ok")); err != nil {
		t.Errorf("CreateOrder with U+FFFD and a literal \\u0000: %v", err)
	}
}

func TestListOrdersByteOrder(t *testing.T) {
	t.Parallel()
	s := newStore(t, 2)
	ctx := context.Background()
	// Under most collations "a" < "B" and "é" sorts beside "e"; Go (and
	// Sweep's cursor) compares bytes.
	ids := []string{"B", "a", "_x", "é", "e", "Z9", "a-b", "a_b", "ab", "10", "9"}
	for _, id := range ids {
		if _, err := s.CreateOrder(ctx, checkout.Order{ID: id, Customer: "c", Currency: "VND", State: checkout.StateCreated,
			ExpiresAt: time.Unix(1e9, 0)}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	after := ""
	for {
		page, err := s.ListOrders(ctx, checkout.OrderQuery{State: checkout.StateCreated, After: after, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, o := range page {
			got = append(got, o.ID)
		}
		after = page[len(page)-1].ID
	}
	want := slices.Clone(ids)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("ListOrders paged through %q; want %q", got, want)
	}
	// The database here may sort as C.UTF-8 anyway: check the column too.
	var coll string
	if err := testPoolOf(t, s).QueryRow(ctx, `SELECT collation_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = 'checkout_orders' AND column_name = 'id'`).Scan(&coll); err != nil || coll != "C" {
		t.Errorf("checkout_orders.id collation %q, %v; want C", coll, err)
	}
}

// 20 updaters race on each version: exactly one wins per version, the
// losers get ErrConflict, and the stored order is the winner's.
func TestUpdateOrderConcurrent(t *testing.T) {
	t.Parallel()
	testUpdateOrderConcurrent(t, newStore(t, 20))
}

func testUpdateOrderConcurrent(t *testing.T, s *pgstore.Store) {
	ctx := context.Background()
	o, err := s.CreateOrder(ctx, checkout.Order{ID: "cas", Customer: "c", Currency: "VND", State: checkout.StateCreated})
	if err != nil {
		t.Fatal(err)
	}
	const updaters, rounds = 20, 5
	for round := range rounds {
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			winners []checkout.Order
		)
		start := make(chan struct{})
		for i := range updaters {
			wg.Go(func() {
				c := o
				c.Reason = fmt.Sprintf("round %d updater %d", round, i)
				<-start
				got, err := s.UpdateOrder(ctx, c)
				switch {
				case err == nil:
					mu.Lock()
					winners = append(winners, got)
					mu.Unlock()
				case !errors.Is(err, checkout.ErrConflict):
					t.Errorf("UpdateOrder: %v; want nil or ErrConflict", err)
				}
			})
		}
		close(start)
		wg.Wait()
		if len(winners) != 1 {
			t.Fatalf("round %d: %d of %d updaters of version %d won; want 1", round, len(winners), updaters, o.Version)
		}
		cur, err := s.GetOrder(ctx, "cas")
		if err != nil {
			t.Fatal(err)
		}
		if cur.Version != o.Version+1 || winners[0].Version != cur.Version || cur.Reason != winners[0].Reason {
			t.Fatalf("round %d: stored version %d reason %q; winner version %d reason %q", round,
				cur.Version, cur.Reason, winners[0].Version, winners[0].Reason)
		}
		o = cur
	}
}

// 20 payers use one share link at once, each at its own time: exactly one
// succeeds, and the stored UsedAt is the winner's, to the nanosecond.
func TestUseShareConcurrent(t *testing.T) {
	t.Parallel()
	testUseShareConcurrent(t, newStore(t, 20))
}

func testUseShareConcurrent(t *testing.T, s *pgstore.Store) {
	ctx := context.Background()
	h := sha256.Sum256([]byte("token"))
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	if err := s.CreateShare(ctx, checkout.ShareLink{Hash: h, OrderID: "o", Payer: "p@example.com", CreatedAt: t0, ExpiresAt: t0.Add(72 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins []time.Time
	)
	start := make(chan struct{})
	for i := range 20 {
		wg.Go(func() {
			at := t0.Add(time.Hour + time.Duration(i)*time.Nanosecond)
			<-start
			err := s.UseShare(ctx, h, at)
			switch {
			case err == nil:
				mu.Lock()
				wins = append(wins, at)
				mu.Unlock()
			case !errors.Is(err, checkout.ErrShareUsed):
				t.Errorf("UseShare: %v; want nil or ErrShareUsed", err)
			}
		})
	}
	close(start)
	wg.Wait()
	if len(wins) != 1 {
		t.Fatalf("UseShare succeeded %d times; want once", len(wins))
	}
	l, err := s.GetShare(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	if !l.UsedAt.Equal(wins[0]) || !l.CreatedAt.Equal(t0) || !l.ExpiresAt.Equal(t0.Add(72*time.Hour)) || l.OrderID != "o" {
		t.Errorf("link = %+v; want UsedAt %v", l, wins[0])
	}
	if err := s.UseShare(ctx, h, t0); !errors.Is(err, checkout.ErrShareUsed) {
		t.Errorf("UseShare after: %v", err)
	}
}

// Concurrent history lines of one customer take the positions 1..n with
// no gap, and a line added 10 times at once is inserted once.
func TestHistoryConcurrent(t *testing.T) {
	t.Parallel()
	testHistoryConcurrent(t, newStore(t, 20))
}

func testHistoryConcurrent(t *testing.T, s *pgstore.Store) {
	ctx := context.Background()
	const n = 30
	var wg sync.WaitGroup
	var mu sync.Mutex
	inserted := 0
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			ok, err := s.AddPayment(ctx, checkout.Payment{ID: fmt.Sprintf("p%02d", i), Customer: "c",
				Amount: decimal.NewFromInt(int64(i + 1)), Currency: "VND"})
			if err != nil || !ok {
				t.Errorf("AddPayment %d: %v %v", i, ok, err)
			}
		})
		wg.Go(func() {
			<-start
			ok, err := s.AddInvoice(ctx, checkout.Invoice{ID: "dup/invoice", Customer: "c", Amount: decimal.NewFromInt(1), Currency: "VND"})
			if err != nil {
				t.Errorf("AddInvoice: %v", err)
			}
			if ok {
				mu.Lock()
				inserted++
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	if inserted != 1 {
		t.Errorf("one invoice added %d times at once was inserted %d times; want 1", n, inserted)
	}
	var seqs []int64
	amounts := map[string]bool{}
	q := checkout.PageQuery{Limit: 7}
	for {
		pg, err := s.Payments(ctx, "c", q)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pg.Payments {
			seqs = append(seqs, p.Seq)
			amounts[p.Amount.String()] = true
		}
		if !pg.More {
			break
		}
		q.After = pg.Next
	}
	if len(seqs) != n || len(amounts) != n {
		t.Fatalf("paged through %d payments (%d distinct); want %d", len(seqs), len(amounts), n)
	}
	for i, seq := range seqs {
		if seq != int64(i+1) {
			t.Fatalf("Seqs = %v; want 1..%d", seqs, n)
		}
	}
	ip, err := s.Invoices(ctx, "c", checkout.PageQuery{})
	if err != nil || len(ip.Invoices) != 1 || ip.Invoices[0].Seq != 1 || ip.More || ip.Next != 1 {
		t.Errorf("Invoices = %+v, %v", ip, err)
	}
}

// The tables refuse what the Store never writes, whatever the SQL.
func TestDatabaseConstraints(t *testing.T) {
	t.Parallel()
	pool := testPool(t, 2)
	ctx := context.Background()
	if _, err := pgstore.New(ctx, pool); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ sql, want string }{
		{`INSERT INTO checkout_share_links (hash, order_id, payer, created_at, expires_at, body) VALUES ('\x01', 'o', 'p', now(), now(), '{}')`, "checkout_share_links_hash_check"},
		{`INSERT INTO checkout_payments (id, customer, seq, order_id, amount, currency, outcome, at, body) VALUES ('a', 'c', 1, '', 1, 'VND', '', now(), '{}'), ('b', 'c', 1, '', 1, 'VND', '', now(), '{}')`, "checkout_payments_customer_seq"},
		{`INSERT INTO checkout_orders (id, customer, state, version, amount, currency, created_at, updated_at, body) VALUES ('o', 'c', 'created', 0, 1, 'VND', now(), now(), '{}')`, "checkout_orders_version_check"},
	} {
		_, err := pool.Exec(ctx, tc.sql)
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tc.want)) {
			t.Errorf("%s: err %v; want it to mention %q", tc.sql, err, tc.want)
		}
	}
}

// Sweep's listing skips settled final orders (the partial index of migration
// 002), so its cost does not grow with the order history.
func TestListOrdersSkipsSettledFinalOrders(t *testing.T) {
	t.Parallel()
	s := newStore(t, 2)
	ctx := context.Background()
	o, err := s.CreateOrder(ctx, checkout.Order{ID: "done", Customer: "c", Amount: decimal.NewFromInt(1000), Currency: "VND",
		State: checkout.StateCreated, CreatedAt: time.Unix(0, 0), UpdatedAt: time.Unix(0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	o.State = checkout.StateCompleted
	if _, err := s.UpdateOrder(ctx, o); err != nil {
		t.Fatal(err)
	}
	page, err := s.ListOrders(ctx, checkout.OrderQuery{State: checkout.StateCompleted})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 0 {
		t.Fatalf("ListOrders(completed) lists a settled order: %+v", page)
	}
}

// Migration 004 on the data of schema 003: orders that needed Sweep are due
// at once; ListOrders lists those whose body says so and corrects the
// column of the others (here an order never paid that never expires, and
// one that expires later), which later listings then leave out.
func TestMigrateSweepAt(t *testing.T) {
	t.Parallel()
	pool := testPool(t, 2)
	ctx := context.Background()
	if err := pgstore.MigrateToForTest(ctx, pool, 3); err != nil {
		t.Fatal(err)
	}
	later := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	old := []checkout.Order{
		{ID: "idle", State: checkout.StateCreated},
		{ID: "expiring", State: checkout.StateCreated, ExpiresAt: later},
		{ID: "paid", State: checkout.StatePaid, Method: checkout.MethodCredit},
		{ID: "done", State: checkout.StateCompleted, Method: checkout.MethodCredit},
	}
	for _, o := range old {
		o.Customer, o.Currency, o.Amount, o.Version = "c", "VND", decimal.NewFromInt(1000), 1
		body, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(ctx, `INSERT INTO checkout_orders (id, customer, state, version, amount, currency, created_at, updated_at, body, needs_sweep)
			VALUES ($1, 'c', $2, 1, 1000, 'VND', now(), now(), $3, $4)`, o.ID, string(o.State), body, !o.State.Final()); err != nil {
			t.Fatal(err)
		}
	}
	s, err := pgstore.New(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(q checkout.OrderQuery) []string {
		t.Helper()
		page, err := s.ListOrders(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, o := range page {
			out = append(out, o.ID)
		}
		return out
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	if got := ids(checkout.OrderQuery{Due: now, Limit: 1}); !slices.Equal(got, []string{"paid"}) {
		t.Errorf("due now (a page of 1) = %v, want [paid]", got)
	}
	var scheduled []string
	rows, err := pool.Query(ctx, `SELECT id FROM checkout_orders WHERE sweep_at IS NOT NULL ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	scheduled, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(scheduled, []string{"expiring", "paid"}) {
		t.Errorf("rows with a sweep_at after the listing: %v, want [expiring paid]", scheduled)
	}
	if got := ids(checkout.OrderQuery{Due: later}); !slices.Equal(got, []string{"expiring", "paid"}) {
		t.Errorf("due at the expiry = %v", got)
	}
}
