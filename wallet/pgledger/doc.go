// Package pgledger is the wallet.Ledger on PostgreSQL, through pgx
// (github.com/jackc/pgx/v5, with a pgxpool.Pool).
//
//	pool, err := pgxpool.New(ctx, "postgres://...")
//	ledger, err := pgledger.New(ctx, pool) // applies the schema migrations
//
// # Schema and guarantees
//
// The schema is embedded (migrations/*.sql) and applied by [Migrate] (New
// calls it): each migration runs once, in a transaction, under an advisory
// lock keyed on the current schema, recorded in wallet_schema_migrations.
// Tables live in the connections' current schema, so a search_path gives a
// tenant or a test its own ledger.
//
// The database itself enforces what the wallet.Ledger contract promises:
//   - idempotency: wallet_transfers has the transfer ID as primary key from
//     the first migration; a succeeded or failed ID is a row, and is final;
//   - never-negative wallets: a CHECK constraint on wallet_accounts refuses
//     debits (posted + pending) above posted credits on a NoOverdraft account,
//     whatever the SQL that tries;
//   - a hold is resolved at most once: wallet_hold_resolutions is keyed by hold;
//   - entries are immutable: triggers refuse UPDATE, DELETE and TRUNCATE on
//     wallet_entries, wallet_transfers and wallet_hold_resolutions (a role
//     that owns the tables could drop the triggers; run the application as a
//     role that does not own them, or REVOKE UPDATE, DELETE, TRUNCATE from it,
//     if that matters to you). The only mutable rows are account totals and
//     wallet_pending_holds, the queue ExpireHolds works from.
//
// A batch is one call of the PL/pgSQL function wallet_post: one round trip
// and one commit whatever its size. It locks the accounts it touches with
// SELECT ... ORDER BY id FOR UPDATE (a fixed order, so batches do not
// deadlock one another), checks and applies each transfer in order, and on
// a failure rolls the batch back to a savepoint and records only the failing
// ID as failed. Serialization failures (40001) and deadlocks (40P01) are
// retried with jittered backoff ([WithMaxRetries]). It runs at READ
// COMMITTED; correctness rests on the row locks and constraints, so it also
// suits PostgreSQL-compatible databases that support them.
//
// # Tests and benchmarks
//
// The tests run wallet/wallettest.TestLedger against a real server, each
// test in a fresh schema. They read THANHTOAN_TEST_POSTGRES (a connection
// URL) and skip when it is unset, unless THANHTOAN_REQUIRE_POSTGRES=1, when
// they fail. As root on Debian or Ubuntu, `source .ci/setup-postgres.sh`
// installs and starts PostgreSQL if needed and sets both variables:
//
//	source .ci/setup-postgres.sh
//	go test -race ./wallet/...
//
// The benchmarks (BenchmarkPgledgerPost: 8 concurrent posters, one transfer
// per commit; BenchmarkPgledgerPostBatch: 100 transfers per commit;
// BenchmarkPgledgerPostHot: every transfer on one wallet) report
// transfers/s. Their floor is pgbench's TPC-B-like test on the same server
// in the same run; bench.sh runs both and prints the ratios:
//
//	source .ci/setup-postgres.sh
//	wallet/pgledger/bench.sh            # RUNS=5 BENCHTIME=5s by default
package pgledger
