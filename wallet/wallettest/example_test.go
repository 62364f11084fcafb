package wallettest_test

import (
	"context"
	"fmt"

	"github.com/shopspring/decimal"
	"github.com/thanhtoan/thanhtoan/wallet"
	"github.com/thanhtoan/thanhtoan/wallet/wallettest"
)

// Audit a ledger: money is conserved and every wallet's history replays to
// its balance.
func ExampleCheckConservation() {
	ctx := context.Background()
	l := wallet.NewMemoryLedger()
	_ = l.CreateAccounts(ctx, wallet.Account{ID: "clearing", Currency: wallet.VND},
		wallet.Account{ID: "an", Currency: wallet.VND, Flags: wallet.NoOverdraft})
	_, _ = l.Post(ctx, wallet.Transfer{ID: "t1", Debit: "clearing", Credit: "an", Amount: decimal.NewFromInt(5000), Currency: wallet.VND})
	_, _ = l.Post(ctx, wallet.Transfer{ID: "h1", Kind: wallet.KindHold, Debit: "an", Credit: "clearing", Amount: decimal.NewFromInt(2000), Currency: wallet.VND})

	fmt.Println(wallettest.CheckConservation(ctx, l, []string{"clearing", "an"}))
	fmt.Println(wallettest.CheckHistory(ctx, l, "an", 0))
	// Leaving an account out breaks the sums:
	fmt.Println(wallettest.CheckConservation(ctx, l, []string{"an"}))
	// Output:
	// <nil>
	// <nil>
	// VND: posted debits 0 != posted credits 5000
	// VND: pending debits 2000 != pending credits 0
}
