// Package pgtest gives the PostgreSQL tests of this module a pool on a fresh
// schema of the server named by THANHTOAN_TEST_POSTGRES, dropped when the
// test ends, so that tests run in parallel and re-run cleanly.
//
// Without THANHTOAN_TEST_POSTGRES the test is skipped with a message saying
// how to run it; with THANHTOAN_REQUIRE_POSTGRES=1 (as .ci/run sets) it fails
// instead, so CI cannot pass with the PostgreSQL tests skipped.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// URL returns THANHTOAN_TEST_POSTGRES, skipping or failing tb when it is unset.
func URL(tb testing.TB) string {
	tb.Helper()
	url := os.Getenv("THANHTOAN_TEST_POSTGRES")
	if url == "" {
		if os.Getenv("THANHTOAN_REQUIRE_POSTGRES") == "1" {
			tb.Fatal("THANHTOAN_REQUIRE_POSTGRES=1 but THANHTOAN_TEST_POSTGRES is unset: the PostgreSQL tests must not be skipped")
		}
		tb.Skip("PostgreSQL tests skipped: set THANHTOAN_TEST_POSTGRES=postgres://user:pass@127.0.0.1:5432/db?sslmode=disable " +
			"(or run `source .ci/setup-postgres.sh` as root, which starts a local server and sets it)")
	}
	return url
}

// Pool returns a pool of at most maxConns connections whose search_path is a
// new schema named prefix plus random hex; params are more run-time
// parameters for its connections. The schema is dropped at cleanup.
func Pool(tb testing.TB, prefix string, maxConns int32, params map[string]string) *pgxpool.Pool {
	tb.Helper()
	url := URL(tb)
	ctx := context.Background()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := prefix + hex.EncodeToString(b[:])
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Fatalf("connect to THANHTOAN_TEST_POSTGRES: %v", err)
	}
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatal(err)
	}
	_ = admin.Close(ctx)
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		tb.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	for k, v := range params {
		cfg.ConnConfig.RuntimeParams[k] = v
	}
	cfg.MaxConns = maxConns
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		pool.Close()
		admin, err := pgx.Connect(ctx, url)
		if err != nil {
			tb.Errorf("cleanup: %v", err)
			return
		}
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("cleanup: %v", err)
		}
	})
	return pool
}

// MigrateConcurrently runs migrate on pool from 6 goroutines at once, then
// once more, and checks that every run succeeded and that table records
// one row per migration file matching glob (the package's embedded
// migrations, relative to its directory).
func MigrateConcurrently(tb testing.TB, pool *pgxpool.Pool, migrate func(context.Context, *pgxpool.Pool) error, table, glob string) {
	tb.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for range 6 {
		wg.Go(func() { errs <- migrate(ctx, pool) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			tb.Fatal(err)
		}
	}
	if err := migrate(ctx, pool); err != nil {
		tb.Fatalf("migrating again: %v", err)
	}
	files, err := filepath.Glob(glob)
	if err != nil || len(files) == 0 {
		tb.Fatalf("migration files %v, %v", files, err)
	}
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize()).Scan(&n); err != nil || n != len(files) {
		tb.Fatalf("%s rows = %d, %v; want %d (one per embedded migration)", table, n, err, len(files))
	}
}

// KillConnections terminates, every few milliseconds (min to min+spread),
// about half of the server's backends whose application_name is app, from
// a connection of its own, until the returned stop is called; stop returns
// how many it killed. Tests use it to check what survives connections dying
// mid-call.
func KillConnections(tb testing.TB, app string, min, spread time.Duration) (stop func() int64) {
	tb.Helper()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, URL(tb))
	if err != nil {
		tb.Fatal(err)
	}
	done := make(chan struct{})
	var killed atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(min + mrand.N(spread)):
			}
			var n int64
			if err := admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
				WHERE application_name = $1 AND pid <> pg_backend_pid() AND random() < 0.5`, app).Scan(&n); err != nil {
				tb.Errorf("killer: %v", err)
				return
			}
			killed.Add(n)
		}
	})
	return func() int64 {
		close(done)
		wg.Wait()
		_ = admin.Close(ctx)
		return killed.Load()
	}
}
