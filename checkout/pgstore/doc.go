// Package pgstore is the checkout.Store on PostgreSQL, through pgx
// (github.com/jackc/pgx/v5, with a pgxpool.Pool). It keeps orders (with
// compare-and-swap), Payment and Billing History, callback records, share
// links and the notification outbox, and passes the same conformance suite
// (checkout/checkouttest) as checkout's in-memory store.
//
//	pool, err := pgxpool.New(ctx, "postgres://...")
//	if err != nil { ... }
//	store, err := pgstore.New(ctx, pool) // applies the schema migrations
//	if err != nil { ... }
//	ledger, err := pgledger.New(ctx, pool) // the wallets, in the same database
//	if err != nil { ... }
//	client, err := checkout.New(checkout.Config{Store: store, Ledger: ledger, ...})
//
// # Schema
//
// The schema is embedded (migrations/*.sql, numbered) and applied by
// [Migrate], which New calls unless [WithoutMigrate] is given: in one
// transaction holding pg_advisory_xact_lock keyed on the current schema,
// it applies the migrations that checkout_schema_migrations does not list
// and records them, so concurrent starters wait for one another, a failed
// migration leaves nothing behind, and a second run changes nothing.
// Tables live in the connections' current schema (set search_path to give
// a tenant or a test its own) and are prefixed checkout_, so they can share
// a schema with wallet/pgledger's wallet_ tables.
//
// Each record is a row with typed columns for what is queried or
// constrained (ID, customer, state, version, seq, amount as numeric,
// times as timestamptz) and a jsonb body (encoding/json of the Go value),
// which is what is read back: amounts keep every digit (decimal.Decimal's
// string; never a float) and times keep their nanoseconds and offset,
// where timestamptz would keep microseconds. PostgreSQL's text cannot hold
// a NUL byte or invalid UTF-8, and encoding/json would silently replace
// invalid UTF-8; a record holding either is refused with
// checkout.ErrInvalidOrder or checkout.ErrInvalidRequest instead of being
// changed, and a lookup of such an ID finds nothing. IDs are COLLATE "C",
// so ListOrders pages in Go's (byte) order whatever the database's
// collation.
//
// Each order row keeps sweep_at, its checkout.Order.SweepAt (NULL when
// Sweep never has work on it), under a partial index: Sweep's ListOrders
// reads only the orders due, whatever the number of orders paid long ago
// or waiting for a later deadline. Rows written before migration 004 start
// due; ListOrders corrects the column of those its body says are not. The
// outbox's sent rows are indexed by sent_at, which PruneSent deletes by.
//
// # Guarantees
//
// Every method is one SQL statement, atomic on its own, as checkout.Store
// asks:
//   - UpdateOrder is a compare-and-swap: UPDATE ... SET version = version+1
//     WHERE id = $1 AND version = $2, with a read of the row in the same
//     statement to tell checkout.ErrConflict from checkout.ErrNotFound. Of
//     concurrent updaters of one version exactly one wins.
//   - UseShare sets used_at WHERE used_at IS NULL: exactly one of concurrent
//     payers succeeds; the others get checkout.ErrShareUsed.
//   - ListOrders may also write: the sweep_at of a row it leaves out,
//     WHERE version is the one it read. PruneSent is one DELETE.
//   - AddPayment, AddInvoice, RecordCallback and Enqueue are
//     INSERT ... ON CONFLICT (id) DO NOTHING and report whether they
//     inserted; CreateOrder and CreateShare turn a conflict into
//     checkout.ErrDuplicate.
//   - A history line's Seq is its position in its customer's history (1, 2,
//     3...), as in the memory store: the next is the customer's highest plus
//     one, and a unique (customer, seq) makes a concurrent insert of the same
//     position wait for the first and fail, after which it is retried. So
//     positions follow commit order and a reader paging with Seq > After
//     never skips a line that commits later (a bigserial could).
//   - Serialization failures (40001) and deadlocks (40P01), which
//     SERIALIZABLE databases (CockroachDB among them) return often, are
//     retried with jittered backoff ([WithMaxRetries]); PostgreSQL undid the
//     failed statement, so running it again is safe. The tests run the
//     suite at both READ COMMITTED and SERIALIZABLE.
//
// # Tests
//
// The tests run checkout/checkouttest.TestStore, concurrency tests (20
// updaters of one order version, 20 payers of one share link, concurrent
// history lines and duplicates) and an end-to-end checkout (credit, VTC
// Pay on its fake with its notification delivered 20 times at once, top up
// & pay, a cancelled payment, then a restart) with wallet/pgledger as the
// ledger, each in a fresh schema, against a real server. Adversarial
// tests (adversarial_test.go) race two pools (two processes) for one share
// link, callback, invoice, payment and notification at READ COMMITTED and
// SERIALIZABLE, add 50 history lines of one customer at once, add steps to
// one order while connections are killed and contexts cancelled (no step
// lost or doubled), pass hostile text through every call, upgrade from
// every earlier schema with data in it, and start three processes
// migrating store and ledger at once at each isolation level. They read
// THANHTOAN_TEST_POSTGRES (a connection URL) and skip when it is unset,
// unless THANHTOAN_REQUIRE_POSTGRES=1, when they fail. As root on Debian or
// Ubuntu, `source .ci/setup-postgres.sh` installs and starts PostgreSQL if
// needed and sets both:
//
//	source .ci/setup-postgres.sh
//	go test -race ./checkout/pgstore/
//
// # Benchmarks
//
// BenchmarkPgstoreUpdateOrder runs compare-and-swap updates of one order
// (about 1.5 KB of JSON) one after another on one connection; its floor,
// BenchmarkPgstoreUpdateOrderFloor, is a bare pgx UPDATE of the same row's
// version (the round trip and commit every update pays). On the 2-core
// development machine with a local PostgreSQL 15, medians of 6 runs
// (-count=6 -benchtime=2s): 319 µs against a floor of 236 µs, 1.35x; the
// rest is encoding the body and writing it, and the CAS's read.
//
//	go test -run '^$' -bench Pgstore -benchmem -count=6 ./checkout/pgstore/
package pgstore
