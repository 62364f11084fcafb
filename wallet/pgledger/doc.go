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
// Every Post is one statement (one round trip, one commit) calling a PL/pgSQL
// function, on one of three paths:
//   - wallet_post_one, for a single new post or exact hold: locks its two
//     accounts in ID order, checks, writes;
//   - wallet_post_fast, for a batch of posts and exact holds: inserts the
//     transfers (before any account lock, so locks are held briefly), locks
//     the accounts with SELECT ... ORDER BY id FOR UPDATE, then checks every
//     leg and writes entries and totals in one set-based statement;
//   - wallet_post, the general loop: locks the accounts (holds' included) in
//     ID order, then checks and applies each transfer in order.
//
// The first two are optimistic: an existing ID or a failed check raises
// SQLSTATE WL002, which undoes the statement, and the batch is posted again
// through the loop, which finds the first failing transfer, raises WL001 with
// its details (undoing the batch), after which the client records the
// failing ID with wallet_record_failure. Fixed lock order means batches do
// not deadlock one another; serialization failures (40001) and deadlocks
// (40P01) are still retried with jittered backoff ([WithMaxRetries]), in
// reads (Balance, History, Lookup) as in writes; the
// fallback from a short path to the loop is not a retry, so replays and
// recorded failures work with WithMaxRetries(0). Statements run at the
// server's default isolation, READ COMMITTED unless set otherwise;
// correctness rests on row locks, the primary keys and the CHECK
// constraints, not on the isolation level, so it also suits
// PostgreSQL-compatible databases that support them. At SERIALIZABLE the
// books stay right (the adversarial tests run there too), but under
// contention on one wallet a Post may fail with a serialization failure
// once its retries are spent: an unknown outcome, to post again under the
// same ID. Holds expire by the Ledger's clock ([WithClock]), which sets
// their expiry and judges it in Post and ExpireHolds; processes sharing a
// database should keep their clocks in sync (NTP), as a process whose
// clock runs ahead releases holds early by that much.
//
// IDs, accounts, codes and references are data (bound parameters, never
// formatted into SQL); one holding a NUL byte or invalid UTF-8, which
// PostgreSQL's text cannot keep, is refused as invalid.
//
// A large batch locks many accounts; several at once mostly wait on each
// other, so a Ledger sends at most two batches of [BigBatch] transfers or
// more at a time ([WithBigBatchConcurrency]).
//
// # Tests and benchmarks
//
// The tests run wallet/wallettest.TestLedger against a real server, each
// test in a fresh schema, and adversarial tests (adversarial_test.go):
// concurrent resolutions of one hold and holds and payments over the
// balance from two pools at READ COMMITTED and SERIALIZABLE, posts under
// killed connections and cancelled contexts retried until answered (the
// balances must equal what the recorded transfers moved), int64 limits and
// mixed currencies, hostile IDs, and the expiry clock. They read THANHTOAN_TEST_POSTGRES (a connection
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
