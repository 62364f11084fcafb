// Package wallettest checks implementations of wallet.Ledger.
//
// [TestLedger] is the conformance suite, in the manner of testing/fstest.TestFS:
// an implementation's own test calls it with a constructor of empty ledgers
// that read the clock it is given,
//
//	func TestConformance(t *testing.T) {
//		wallettest.TestLedger(t, func(t *testing.T, now func() time.Time) wallet.Ledger {
//			return newEmptyLedger(t, now)
//		})
//	}
//
// and it checks idempotency (also under concurrency), holds and their
// expiry, atomic batches, history replay, conservation of money, the
// never-negative wallet under concurrent load on one hot wallet and on many,
// and a random sequence of operations against a sequential model.
//
// [TestLinearizable] checks concurrent histories: goroutines post and read
// at once on a few wallets, and porcupine (github.com/anishathalye/porcupine)
// searches each history for a linearization against a sequential model of
// the contract; a history without one fails the test with porcupine's
// visualization and a text account of it. Implementations call it beside
// TestLedger with the number of histories to run.
//
// [CheckConservation] and [CheckHistory] are the invariant checks the suite
// uses; they are exported to audit any ledger (for example in a nightly job).
package wallettest
