package wallet_test

import (
	"testing"

	"github.com/thanhtoan/thanhtoan/wallet"
	"github.com/thanhtoan/thanhtoan/wallet/wallettest"
)

func TestMemoryLedgerConformance(t *testing.T) {
	wallettest.TestLedger(t, func(t *testing.T) wallet.Ledger { return wallet.NewMemoryLedger() })
}
