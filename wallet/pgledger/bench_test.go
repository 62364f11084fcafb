package pgledger_test

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/thanhtoan/thanhtoan/wallet"
	"github.com/thanhtoan/thanhtoan/wallet/pgledger"
)

// PostgreSQL benchmarks; the floor is pgbench's TPC-B-like test on the same
// server in the same run: see bench.sh and the package doc.

const (
	benchPosters = 8
	benchWallets = 1024
	benchBatch   = 100
)

func benchSetup(b *testing.B) (*pgledger.Ledger, []string) { return benchSetupT(b) }

func benchSetupT(b testing.TB) (*pgledger.Ledger, []string) {
	b.Helper()
	l := newLedger(b, benchPosters)
	ctx := context.Background()
	ws := make([]string, benchWallets)
	accs := []wallet.Account{{ID: "src", Currency: wallet.VND}, {ID: "rev", Currency: wallet.VND}}
	var fund []wallet.Transfer
	for i := range ws {
		ws[i] = "w" + strconv.Itoa(i)
		accs = append(accs, wallet.Account{ID: ws[i], Currency: wallet.VND, Flags: wallet.NoOverdraft})
		fund = append(fund, wallet.Transfer{ID: "fund/" + ws[i], Debit: "src", Credit: ws[i],
			Amount: decimal.NewFromInt(1 << 50), Currency: wallet.VND})
	}
	if err := l.CreateAccounts(ctx, accs...); err != nil {
		b.Fatal(err)
	}
	for len(fund) > 0 {
		k := min(len(fund), 500)
		if _, err := l.Post(ctx, fund[:k]...); err != nil {
			b.Fatal(err)
		}
		fund = fund[k:]
	}
	return l, ws
}

// runPosters runs benchPosters goroutines (b.SetParallelism), each calling
// post(rng state, counter) until b.N calls are done.
func runPosters(b *testing.B, post func(x, n uint64) error) {
	b.ReportAllocs()
	b.SetParallelism((benchPosters + 1) / max(1, benchProcs()))
	var seq atomic.Uint64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		g := seq.Add(1)
		x := g * 0x9e3779b97f4a7c15
		var n uint64
		for pb.Next() {
			n++
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			if err := post(x, g<<32|n); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func pair(x uint64) (int, int) {
	i, j := int(x%benchWallets), int((x>>20)%(benchWallets-1))
	if j >= i {
		j++
	}
	return i, j
}

func id(n uint64) string { return "t" + strconv.FormatUint(n, 36) }

// BenchmarkPgledgerPost: 8 concurrent posters, one transfer per commit,
// between random pairs of 1024 wallets.
func BenchmarkPgledgerPost(b *testing.B) {
	l, ws := benchSetup(b)
	ctx := context.Background()
	one := decimal.NewFromInt(1)
	runPosters(b, func(x, n uint64) error {
		i, j := pair(x)
		_, err := l.Post(ctx, wallet.Transfer{ID: id(n), Debit: ws[i], Credit: ws[j], Amount: one, Currency: wallet.VND})
		return err
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "transfers/s")
}

// BenchmarkPgledgerPostBatch: 8 concurrent posters, 100 transfers per
// commit. One op is one batch.
func BenchmarkPgledgerPostBatch(b *testing.B) {
	l, ws := benchSetup(b)
	ctx := context.Background()
	one := decimal.NewFromInt(1)
	runPosters(b, func(x, n uint64) error {
		batch := make([]wallet.Transfer, benchBatch)
		for k := range batch {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			i, j := pair(x)
			batch[k] = wallet.Transfer{ID: fmt.Sprintf("t%x/%d", n, k), Debit: ws[i], Credit: ws[j], Amount: one, Currency: wallet.VND}
		}
		_, err := l.Post(ctx, batch...)
		return err
	})
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "transfers/s")
}

// BenchmarkPgledgerPostHot: 8 concurrent posters, one transfer per commit,
// every one debiting the same wallet.
func BenchmarkPgledgerPostHot(b *testing.B) {
	l, ws := benchSetup(b)
	ctx := context.Background()
	one := decimal.NewFromInt(1)
	runPosters(b, func(x, n uint64) error {
		_, err := l.Post(ctx, wallet.Transfer{ID: id(n), Debit: ws[0], Credit: ws[1+int(x%(benchWallets-1))], Amount: one, Currency: wallet.VND})
		return err
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "transfers/s")
}

func benchProcs() int { return runtime.GOMAXPROCS(0) }
