package pgledger_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/internal/pgtest"
	"github.com/thanhtoan/thanhtoan/wallet"
	"github.com/thanhtoan/thanhtoan/wallet/pgledger"
	"github.com/thanhtoan/thanhtoan/wallet/wallettest"
)

// testPool returns a pool on a fresh schema (see internal/pgtest).
func testPool(tb testing.TB, maxConns int32) *pgxpool.Pool {
	tb.Helper()
	return pgtest.Pool(tb, "pgledger_test_", maxConns, nil)
}

func newLedger(tb testing.TB, maxConns int32, opts ...pgledger.Option) *pgledger.Ledger {
	tb.Helper()
	l, err := pgledger.New(context.Background(), testPool(tb, maxConns), opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

func TestConformance(t *testing.T) {
	wallettest.TestLedger(t, func(t *testing.T, now func() time.Time) wallet.Ledger {
		return newLedger(t, 6, pgledger.WithClock(now))
	})
}

func TestMigrateIdempotentAndConcurrent(t *testing.T) {
	t.Parallel()
	pgtest.MigrateConcurrently(t, testPool(t, 8), pgledger.Migrate, "wallet_schema_migrations", "migrations/*.sql")
}

func TestDatabaseEnforces(t *testing.T) {
	t.Parallel()
	pool := testPool(t, 2)
	ctx := context.Background()
	l, err := pgledger.New(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.CreateAccounts(ctx, wallet.Account{ID: "src", Currency: wallet.VND},
		wallet.Account{ID: "w", Currency: wallet.VND, Flags: wallet.NoOverdraft}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Post(ctx, wallet.Transfer{ID: "t", Debit: "src", Credit: "w", Amount: decimal.NewFromInt(10), Currency: wallet.VND}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ sql, want string }{
		{`UPDATE wallet_entries SET credits_posted = 1000`, "immutable"},
		{`DELETE FROM wallet_entries`, "immutable"},
		{`TRUNCATE wallet_entries CASCADE`, "immutable"},
		{`UPDATE wallet_transfers SET amount = 1000`, "immutable"},
		{`DELETE FROM wallet_transfers WHERE id = 't'`, "immutable"},
		// A wallet cannot be overdrawn even by hand.
		{`UPDATE wallet_accounts SET debits_posted = 11 WHERE id = 'w'`, "wallet_accounts_no_overdraft"},
		{`UPDATE wallet_accounts SET debits_pending = 11 WHERE id = 'w'`, "wallet_accounts_no_overdraft"},
		// An ID is unique from the first migration on.
		{`INSERT INTO wallet_transfers (id, kind, debit_account, credit_account, currency, hold_id, units, up_to,
			timeout_ms, code, reference, amount, created_at) VALUES ('t', 0, 'src', 'w', 'VND', '', 1, false, 0, '', '', 1, now())`, "wallet_transfers_pkey"},
		{`INSERT INTO wallet_hold_resolutions VALUES ('t', 'x', 2, now()), ('t', 'y', 3, now())`, "wallet_hold_resolutions_pkey"},
	} {
		_, err := pool.Exec(ctx, tc.sql)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v; want it to mention %q", tc.sql, err, tc.want)
		}
	}
}

func TestNewOptions(t *testing.T) {
	if _, err := pgledger.New(context.Background(), nil); err == nil {
		t.Fatal("nil pool accepted")
	}
	pool := testPool(t, 2)
	if _, err := pgledger.New(context.Background(), pool, pgledger.WithClock(nil)); err == nil {
		t.Fatal("nil clock accepted")
	}
	if _, err := pgledger.New(context.Background(), pool, pgledger.WithMaxRetries(-1)); err == nil {
		t.Fatal("negative retries accepted")
	}
}

func TestLinearizable(t *testing.T) {
	t.Parallel()
	wallettest.TestLinearizable(t, 50, func(t *testing.T, now func() time.Time) wallet.Ledger {
		return newLedger(t, 8, pgledger.WithClock(now))
	})
}
