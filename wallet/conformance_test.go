package wallet_test

import (
	"testing"
	"time"

	"github.com/thanhtoan/thanhtoan/wallet"
	"github.com/thanhtoan/thanhtoan/wallet/wallettest"
)

func TestMemoryLedgerConformance(t *testing.T) {
	wallettest.TestLedger(t, func(t *testing.T, now func() time.Time) wallet.Ledger {
		return wallet.NewMemoryLedger(wallet.WithClock(now))
	})
}

func TestMemoryLedgerLinearizable(t *testing.T) {
	t.Parallel()
	wallettest.TestLinearizable(t, 200, func(t *testing.T, now func() time.Time) wallet.Ledger {
		return wallet.NewMemoryLedger(wallet.WithClock(now))
	})
}
