package wallet_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/shopspring/decimal"
	"github.com/thanhtoan/thanhtoan/wallet"
)

// Top up and pay: hold all available credit up to the price, charge the
// rest through a gateway, top up by the charged part, then capture.
func ExampleCredit() {
	ctx := context.Background()
	credit, err := wallet.NewCredit(wallet.NewMemoryLedger(), wallet.VND)
	if err != nil {
		panic(err)
	}
	price := decimal.NewFromInt(250000)
	if _, err := credit.TopUp(ctx, wallet.TopUpRequest{ID: "o1/topup", Customer: "an", Amount: decimal.NewFromInt(100000), Order: "o1"}); err != nil {
		panic(err)
	}
	hold, err := credit.Hold(ctx, wallet.HoldRequest{ID: "o2/hold", Customer: "an", Amount: price, UpTo: true, Order: "o2"})
	if err != nil {
		panic(err)
	}
	rest := price.Sub(hold.Transfer.Amount)
	fmt.Println("held", hold.Transfer.Amount, "charge the gateway", rest)
	// ... the gateway charged `rest` ...
	if _, err := credit.TopUp(ctx, wallet.TopUpRequest{ID: "o2/topup", Customer: "an", Amount: rest, Order: "o2"}); err != nil {
		panic(err)
	}
	if _, err := credit.Capture(ctx, wallet.CaptureRequest{ID: "o2/capture", HoldID: "o2/hold", Order: "o2"}); err != nil {
		panic(err)
	}
	if _, err := credit.Pay(ctx, wallet.PayRequest{ID: "o2/pay", Customer: "an", Amount: rest, Order: "o2"}); err != nil {
		panic(err)
	}
	page, err := credit.History(ctx, "an", wallet.HistoryQuery{})
	if err != nil {
		panic(err)
	}
	for _, e := range page.Entries {
		fmt.Printf("%-8s %7s  balance %6s  %s\n", e.Kind, e.Amount, e.Balance, e.Order)
	}
	// Output:
	// held 100000 charge the gateway 150000
	// top-up    100000  balance 100000  o1
	// hold      100000  balance 100000  o2
	// top-up    150000  balance 250000  o2
	// payment   100000  balance 150000  o2
	// payment   150000  balance      0  o2
}

func ExampleMemoryLedger_Post() {
	ctx := context.Background()
	l := wallet.NewMemoryLedger()
	err := l.CreateAccounts(ctx,
		wallet.Account{ID: "clearing", Currency: wallet.USD},
		wallet.Account{ID: "wallet/an", Currency: wallet.USD, Flags: wallet.NoOverdraft})
	if err != nil {
		panic(err)
	}
	t := wallet.Transfer{ID: "pay-1", Debit: "clearing", Credit: "wallet/an",
		Amount: decimal.RequireFromString("12.50"), Currency: wallet.USD}
	res, _ := l.Post(ctx, t)
	again, _ := l.Post(ctx, t) // same ID, same contents: the first result
	fmt.Println(res[0].Existed, again[0].Existed)

	t.Amount = decimal.RequireFromString("13")
	_, err = l.Post(ctx, t)
	fmt.Println(errors.Is(err, wallet.ErrIdempotencyConflict))

	_, err = l.Post(ctx, wallet.Transfer{ID: "pay-2", Debit: "clearing", Credit: "wallet/an",
		Amount: decimal.RequireFromString("0.125"), Currency: wallet.USD})
	fmt.Println(err)

	_, err = l.Post(ctx, wallet.Transfer{ID: "spend", Debit: "wallet/an", Credit: "clearing",
		Amount: decimal.RequireFromString("20"), Currency: wallet.USD})
	fmt.Println(err)

	b, _ := l.Balance(ctx, "wallet/an")
	fmt.Println(b.Available)
	// Output:
	// false true
	// true
	// wallet: transfer "pay-2" (index 0): amount 0.125 USD: invalid amount: not exact at the currency's scale
	// wallet: transfer "spend" (index 0): insufficient funds in account "wallet/an": available 12.5 USD, requested 20, short 7.5
	// 12.5
}
