package pgstore_test

import (
	"context"
	"testing"

	"github.com/thanhtoan/thanhtoan/checkout/pgstore"
)

// BenchmarkPgstoreUpdateOrder is one compare-and-swap of an order (the
// sample order of the conformance suite, re-encoded each time) after
// another, on one connection. Its floor, BenchmarkPgstoreUpdateOrderFloor,
// is a bare pgx UPDATE of the same row's version: the round trip and the
// commit every update pays, without the JSON body or the CAS's read.
func BenchmarkPgstoreUpdateOrder(b *testing.B) {
	s := newStore(b, 1)
	ctx := context.Background()
	o, err := s.CreateOrder(ctx, fullOrder("bench"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if o, err = s.UpdateOrder(ctx, o); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPgstoreUpdateOrderFloor(b *testing.B) {
	s := newStore(b, 1)
	ctx := context.Background()
	if _, err := s.CreateOrder(ctx, fullOrder("bench")); err != nil {
		b.Fatal(err)
	}
	pool := pgstore.PoolForTest(s)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := pool.Exec(ctx, `UPDATE checkout_orders SET version = version + 1 WHERE id = $1`, "bench"); err != nil {
			b.Fatal(err)
		}
	}
}
