package wallet_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/thanhtoan/thanhtoan/wallet"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestCreditErrors(t *testing.T) {
	ctx := context.Background()
	l := wallet.NewMemoryLedger()
	if _, err := wallet.NewCredit(l, "XXX"); !errors.Is(err, wallet.ErrUnknownCurrency) {
		t.Fatalf("unknown currency: %v", err)
	}
	if _, err := wallet.NewCredit(nil, wallet.VND); err == nil {
		t.Fatal("nil ledger accepted")
	}
	if _, err := wallet.NewCredit(l, wallet.VND, wallet.WithSystemAccounts("a", "a")); !errors.Is(err, wallet.ErrInvalidAccount) {
		t.Fatalf("same system accounts: %v", err)
	}
	if _, err := wallet.NewCredit(l, wallet.VND, wallet.WithWalletPrefix("sys/"), wallet.WithSystemAccounts("sys/a", "sys/b")); err == nil {
		t.Fatal("system accounts inside the wallet prefix accepted")
	}
	c, err := wallet.NewCredit(l, wallet.USD, wallet.WithSystemAccounts("clearing", "revenue"), wallet.WithWalletPrefix("cw/"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Account("an") != "cw/an" || c.TopUpSource() != "clearing" || c.Revenue() != "revenue" || c.Currency() != wallet.USD {
		t.Fatal("accessors")
	}
	if _, err := c.Pay(ctx, wallet.PayRequest{ID: "p", Customer: "nobody", Amount: d("1")}); !errors.Is(err, wallet.ErrAccountNotFound) {
		t.Fatalf("pay from a wallet never opened: %v", err)
	}
	if _, err := c.TopUp(ctx, wallet.TopUpRequest{ID: "t", Customer: "an", Amount: d("1.005")}); !errors.Is(err, wallet.ErrInexactAmount) {
		t.Fatalf("inexact USD top-up: %v", err)
	}
	if err := c.Open(ctx, ""); !errors.Is(err, wallet.ErrInvalidAccount) {
		t.Fatalf("empty customer: %v", err)
	}
}

func TestCreditFlow(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)
	l := wallet.NewMemoryLedger(wallet.WithClock(func() time.Time { return now }))
	c, err := wallet.NewCredit(l, wallet.VND)
	if err != nil {
		t.Fatal(err)
	}
	must := func(_ wallet.Result, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.TopUp(ctx, wallet.TopUpRequest{ID: "o1/topup", Customer: "an", Amount: d("500000"), Order: "o1"}))
	must(c.Pay(ctx, wallet.PayRequest{ID: "o2/pay", Customer: "an", Amount: d("120000"), Order: "o2"}))
	_, err = c.Pay(ctx, wallet.PayRequest{ID: "o3/pay", Customer: "an", Amount: d("400000"), Order: "o3"})
	var ie *wallet.InsufficientFundsError
	if !errors.As(err, &ie) || !ie.Shortfall().Equal(d("20000")) {
		t.Fatalf("Pay beyond the balance: %v", err)
	}
	// Top up and pay: hold what there is, up to the price.
	h, err := c.Hold(ctx, wallet.HoldRequest{ID: "o3/hold", Customer: "an", Amount: d("400000"), UpTo: true, Order: "o3"})
	if err != nil || !h.Transfer.Amount.Equal(d("380000")) {
		t.Fatalf("up-to hold: %+v, %v", h, err)
	}
	must(c.TopUp(ctx, wallet.TopUpRequest{ID: "o3/topup", Customer: "an", Amount: d("20000"), Order: "o3"}))
	must(c.Capture(ctx, wallet.CaptureRequest{ID: "o3/capture", HoldID: "o3/hold", Order: "o3"}))
	must(c.Pay(ctx, wallet.PayRequest{ID: "o3/pay-rest", Customer: "an", Amount: d("20000"), Order: "o3"}))
	// Provisioning failed: refund o2.
	must(c.Refund(ctx, wallet.RefundRequest{ID: "o2/refund", Customer: "an", Amount: d("120000"), Order: "o2"}))
	// A hold partly captured, one released.
	must(c.Hold(ctx, wallet.HoldRequest{ID: "o4/hold", Customer: "an", Amount: d("100000"), Order: "o4"}))
	must(c.Capture(ctx, wallet.CaptureRequest{ID: "o4/capture", HoldID: "o4/hold", Amount: d("70000"), Order: "o4"}))
	must(c.Hold(ctx, wallet.HoldRequest{ID: "o5/hold", Customer: "an", Amount: d("10000"), Order: "o5"}))
	must(c.Release(ctx, wallet.ReleaseRequest{ID: "o5/release", HoldID: "o5/hold", Order: "o5"}))

	b, err := c.Balance(ctx, "an")
	if err != nil || !b.Available.Equal(d("50000")) {
		t.Fatalf("balance %+v, %v", b, err)
	}
	p, err := c.History(ctx, "an", wallet.HistoryQuery{})
	if err != nil {
		t.Fatal(err)
	}
	type line struct {
		kind    wallet.CreditKind
		amount  string
		balance string
		order   string
	}
	want := []line{
		{wallet.CreditTopUp, "500000", "500000", "o1"},
		{wallet.CreditPayment, "120000", "380000", "o2"},
		{wallet.CreditHold, "380000", "380000", "o3"},
		{wallet.CreditTopUp, "20000", "400000", "o3"},
		{wallet.CreditPayment, "380000", "20000", "o3"},
		{wallet.CreditPayment, "20000", "0", "o3"},
		{wallet.CreditRefund, "120000", "120000", "o2"},
		{wallet.CreditHold, "100000", "120000", "o4"},
		{wallet.CreditPayment, "70000", "50000", "o4"},
		{wallet.CreditRelease, "30000", "50000", "o4"},
		{wallet.CreditHold, "10000", "50000", "o5"},
		{wallet.CreditRelease, "10000", "50000", "o5"},
	}
	if len(p.Entries) != len(want) {
		t.Fatalf("%d history lines, want %d: %+v", len(p.Entries), len(want), p.Entries)
	}
	for i, w := range want {
		e := p.Entries[i]
		if e.Kind != w.kind || !e.Amount.Equal(d(w.amount)) || !e.Balance.Equal(d(w.balance)) || e.Order != w.order || !e.Time.Equal(now) {
			t.Errorf("line %d: %v %s balance %s order %s; want %+v", i, e.Kind, e.Amount, e.Balance, e.Order, w)
		}
	}
}
