// Package wallet is the double-entry ledger under the prepaid credit wallet
// ("Credit Wallet" and "Credit History"), and the credit-wallet operations
// checkout composes with the payment gateways: top up, pay, hold for a
// purchase, capture or release the hold, refund.
//
// # Ledger
//
// [Ledger] is the contract a storage implements: [NewMemoryLedger] is the
// embedded default; wallet/pgledger keeps the ledger in PostgreSQL; the
// conformance suite wallet/wallettest.TestLedger checks any implementation.
// The model is TigerBeetle's: every account has posted and pending debits
// and credits; a [Transfer] moves money from its Debit account to its Credit
// account, at once ([KindPost]) or in two phases ([KindHold], then
// [KindCommit] in full or in part, or [KindVoid], or expiry).
//
// Every transfer carries a caller-chosen ID which is its idempotency key:
// the same ID with the same contents returns the first [Result] (Existed
// set); with other contents it fails with [ErrIdempotencyConflict]; an ID
// that failed stays failed. Batches are atomic. An account with the
// [NoOverdraft] flag (a customer wallet) never has a negative available
// balance, whatever runs concurrently: the ledger enforces it.
//
// Entries are immutable; corrections are new transfers. An account's
// history ([Ledger.History]) lists every entry with the balance after it.
//
// # Money
//
// Amounts are [decimal.Decimal] with a [Currency] at the API (VND in whole
// dong, USD in cents) and int64 minor units inside. An amount that is zero,
// negative, not exact at its currency's scale, or too large is refused
// with an [*AmountError]; nothing is ever rounded and no float64 is used.
//
// # Credit wallet
//
// [Credit] gives each customer a NoOverdraft account per currency, fed from
// a top-up source (gateway clearing) account and paying into a revenue
// account. [Credit.History] reads the wallet's entries as Credit History:
// typed lines ([CreditTopUp], [CreditPayment], [CreditHold],
// [CreditRelease], [CreditRefund]) with amount, balance after, order and time.
//
// Nothing in the package uses global state; time comes from [WithClock].
//
// # Benchmarks
//
// BenchmarkMemoryPost (parallel posts between random pairs of 1024 wallets)
// and BenchmarkMemoryPostHot (every post debits one wallet) report
// transfers/s beside their floors, BenchmarkMemoryPostFloor and
// BenchmarkMemoryPostHotFloor: the same bookkeeping as bare int64 adds under
// per-account mutexes, a sharded ID map and appended history, with none of
// the contract (validation, decimals, idempotency, results):
//
//	go test -run '^$' -bench Memory -benchmem -count 5 ./wallet/
package wallet
