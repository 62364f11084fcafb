package pgledger_test

import (
	"context"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"
	"github.com/thanhtoan/thanhtoan/wallet"
	"github.com/thanhtoan/thanhtoan/wallet/pgledger"
)

// A credit wallet on PostgreSQL. (Not run by go test: it needs a server;
// the tests run the same code against THANHTOAN_TEST_POSTGRES.)
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		panic(err)
	}
	defer pool.Close()
	ledger, err := pgledger.New(ctx, pool)
	if err != nil {
		panic(err)
	}
	credit, err := wallet.NewCredit(ledger, wallet.VND)
	if err != nil {
		panic(err)
	}
	if _, err := credit.TopUp(ctx, wallet.TopUpRequest{ID: "o1/topup", Customer: "an", Amount: decimal.NewFromInt(200000), Order: "o1"}); err != nil {
		panic(err)
	}
	b, err := credit.Balance(ctx, "an")
	if err != nil {
		panic(err)
	}
	fmt.Println(b.Available)
}
