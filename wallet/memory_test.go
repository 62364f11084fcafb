package wallet

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestMemoryHoldExpiryFakeClock(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	l := NewMemoryLedger(WithClock(clk.Now))
	if err := l.CreateAccounts(ctx, Account{ID: "src", Currency: VND}, Account{ID: "w", Currency: VND, Flags: NoOverdraft}); err != nil {
		t.Fatal(err)
	}
	mustPost := func(ts ...Transfer) []Result {
		t.Helper()
		r, err := l.Post(ctx, ts...)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	mustPost(Transfer{ID: "fund", Debit: "src", Credit: "w", Amount: decimal.NewFromInt(100), Currency: VND})
	h := mustPost(Transfer{ID: "h", Kind: KindHold, Debit: "w", Credit: "src", Amount: decimal.NewFromInt(60), Currency: VND, Timeout: 15 * time.Minute})[0]
	if !h.Time.Equal(clk.Now()) || !h.ExpiresAt.Equal(clk.Now().Add(15*time.Minute)) {
		t.Fatalf("hold times %v %v", h.Time, h.ExpiresAt)
	}
	clk.Advance(15*time.Minute - time.Microsecond)
	if n, _ := l.ExpireHolds(ctx, 0); n != 0 {
		t.Fatalf("released %d holds a microsecond before expiry", n)
	}
	if _, err := l.Post(ctx, Transfer{ID: "p", Debit: "w", Credit: "src", Amount: decimal.NewFromInt(41), Currency: VND}); !errors.Is(err, ErrInsufficientFunds) {
		t.Fatalf("hold not enforced before expiry: %v", err)
	}
	clk.Advance(time.Microsecond) // exactly at expiry
	if _, err := l.Post(ctx, Transfer{ID: "c", Kind: KindCommit, HoldID: "h"}); !errors.Is(err, ErrHoldExpired) {
		t.Fatalf("commit at expiry = %v", err)
	}
	if n, _ := l.ExpireHolds(ctx, 0); n != 1 {
		t.Fatalf("ExpireHolds at expiry released %d", n)
	}
	b, _ := l.Balance(ctx, "w")
	if !b.Available.Equal(decimal.NewFromInt(100)) {
		t.Fatalf("available after expiry %s", b.Available)
	}
	p, _ := l.History(ctx, "w", HistoryQuery{})
	last := p.Entries[len(p.Entries)-1]
	if last.Kind != KindExpire || last.TransferID != "h" || !last.Time.Equal(clk.Now()) {
		t.Fatalf("expiry entry %+v", last)
	}
}

func TestMemoryOverflow(t *testing.T) {
	ctx := context.Background()
	l := NewMemoryLedger()
	if err := l.CreateAccounts(ctx, Account{ID: "a", Currency: VND}, Account{ID: "b", Currency: VND}); err != nil {
		t.Fatal(err)
	}
	max := decimal.RequireFromString("9223372036854775807")
	if _, err := l.Post(ctx, Transfer{ID: "1", Debit: "a", Credit: "b", Amount: max, Currency: VND}); err != nil {
		t.Fatal(err)
	}
	_, err := l.Post(ctx, Transfer{ID: "2", Debit: "a", Credit: "b", Amount: decimal.NewFromInt(1), Currency: VND})
	if !errors.Is(err, ErrAmountOverflow) {
		t.Fatalf("overflowing balance: %v", err)
	}
	if _, err := l.Post(ctx, Transfer{ID: "3", Kind: KindHold, Debit: "a", Credit: "b", Amount: decimal.NewFromInt(1), Currency: VND}); !errors.Is(err, ErrAmountOverflow) {
		t.Fatalf("pending on top of max debits: %v", err)
	}
}

func TestMemoryContextCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	l := NewMemoryLedger()
	if _, err := l.Post(ctx, Transfer{ID: "x"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Post on canceled ctx: %v", err)
	}
	if err := l.CreateAccounts(ctx, Account{ID: "a", Currency: VND}); !errors.Is(err, context.Canceled) {
		t.Fatalf("CreateAccounts on canceled ctx: %v", err)
	}
}

func TestEntryLog(t *testing.T) {
	var g entryLog
	for k := range 5000 {
		g.add(memEntry{at: int64(k)})
		if g.len() != k+1 {
			t.Fatalf("len %d after %d adds", g.len(), k+1)
		}
	}
	for k := range 5000 {
		if got := g.at(k).at; got != int64(k) {
			t.Fatalf("at(%d) = %d", k, got)
		}
	}
	if len(g.chunks[0]) != 8 || cap(g.chunks[7]) != 1024 || cap(g.chunks[8]) != 1024 {
		t.Fatalf("chunk sizes %d %d %d", len(g.chunks[0]), cap(g.chunks[7]), cap(g.chunks[8]))
	}
}
