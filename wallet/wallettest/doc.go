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
// [CheckConservation] and [CheckHistory] are the invariant checks the suite
// uses; they are exported to audit any ledger (for example in a nightly job).
package wallettest
