package checkout_test

import (
	"context"
	"testing"
	"time"

	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/checkout/pgstore"
	"github.com/thanhtoan/thanhtoan/internal/pgtest"
	"github.com/thanhtoan/thanhtoan/wallet"
	"github.com/thanhtoan/thanhtoan/wallet/pgledger"
)

// defaultRandomPGSeeds is how many seeds TestRandomCheckoutsPostgres runs
// by default (besides the seeds that once failed, as TestRandomCheckouts):
// each migrates a fresh schema and talks to the server, so fewer than the
// memory run, to keep go test ./checkout/ short.
const defaultRandomPGSeeds = 8

// TestRandomCheckoutsPostgres is TestRandomCheckouts with checkout/pgstore
// as the Store and wallet/pgledger as the Ledger (one fresh schema per
// seed), under the same fault wrappers: the PostgreSQL implementations
// meet the same random flows, crashes included. The same seeds draw the
// same sequences as on memory (two payers at once aside), so a seed that
// fails here and not there points at PostgreSQL's side.
//
// It skips without THANHTOAN_TEST_POSTGRES (fails under
// THANHTOAN_REQUIRE_POSTGRES=1); THANHTOAN_RANDOM_SEEDS,
// THANHTOAN_RANDOM_SEED and THANHTOAN_RANDOM_VTC_ONLY work as for
// TestRandomCheckouts.
func TestRandomCheckoutsPostgres(t *testing.T) {
	t.Parallel()
	pgtest.URL(t)
	seeds, vtcOnly := randomSeeds(t, defaultRandomPGSeeds, true)
	runRandomSeeds(t, seeds, vtcOnly, pgBackend)
}

// pgBackend gives a pgstore Store and a pgledger Ledger on the clock now,
// both on one pool on a fresh schema dropped when t ends.
func pgBackend(t *testing.T, now func() time.Time) (checkout.Store, wallet.Ledger) {
	t.Helper()
	ctx := context.Background()
	// Two payers and a Sweep at once, each with a call or two in flight.
	pool := pgtest.Pool(t, "checkout_random_", 6, nil)
	store, err := pgstore.New(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	ledger, err := pgledger.New(ctx, pool, pgledger.WithClock(now))
	if err != nil {
		t.Fatal(err)
	}
	return store, ledger
}
