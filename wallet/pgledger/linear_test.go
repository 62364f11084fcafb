package pgledger_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/wallet"
)

// TestPartialCommitRacingItsHold posts a partial commit (an amount, no
// currency) at the same time as its hold. Linearized after the hold, the
// commit posts its part; before it, it fails with ErrHoldNotFound. Found by
// TestLinearizable: Post reads the hold's currency to convert the amount
// before the statement that posts it, and when the hold is not there yet it
// sends zero units, which wallet_post reads as "commit the whole hold" if
// the hold has been created meanwhile, so the whole hold was taken.
func TestPartialCommitRacingItsHold(t *testing.T) {
	t.Parallel()
	l := newLedger(t, 4)
	ctx := t.Context()
	if err := l.CreateAccounts(ctx, wallet.Account{ID: "src", Currency: wallet.VND}, wallet.Account{ID: "rev", Currency: wallet.VND},
		wallet.Account{ID: "w", Currency: wallet.VND, Flags: wallet.NoOverdraft}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Post(ctx, wallet.Transfer{ID: "fund", Debit: "src", Credit: "w", Amount: decimal.NewFromInt(1_000_000), Currency: wallet.VND}); err != nil {
		t.Fatal(err)
	}
	raced := 0
	for i := range 300 {
		hold := wallet.Transfer{ID: fmt.Sprintf("h%d", i), Kind: wallet.KindHold, Debit: "w", Credit: "rev", Amount: decimal.NewFromInt(10), Currency: wallet.VND}
		commit := wallet.Transfer{ID: fmt.Sprintf("c%d", i), Kind: wallet.KindCommit, HoldID: hold.ID, Amount: decimal.NewFromInt(1)}
		var herr, cerr error
		var cres []wallet.Result
		var wg sync.WaitGroup
		start := make(chan struct{})
		wg.Go(func() { <-start; _, herr = l.Post(ctx, hold) })
		wg.Go(func() { <-start; cres, cerr = l.Post(ctx, commit) })
		close(start)
		wg.Wait()
		if herr != nil {
			t.Fatalf("hold %s: %v", hold.ID, herr)
		}
		switch {
		case cerr == nil:
			raced++
			if got := cres[0].Transfer.Amount; !got.Equal(commit.Amount) {
				t.Errorf("commit %s of %s posted at the same time as its hold took %s; want %s", commit.ID, commit.Amount, got, commit.Amount)
			}
		case !errors.Is(cerr, wallet.ErrHoldNotFound):
			t.Fatalf("commit %s: %v", commit.ID, cerr)
		}
		if t.Failed() {
			break
		}
	}
	t.Logf("%d of the commits found their hold", raced)
}
