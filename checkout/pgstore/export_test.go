package pgstore

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thanhtoan/thanhtoan/internal/pgmigrate"
)

// PoolForTest returns the pool s runs on, so the external tests can look at
// the tables.
func PoolForTest(s *Store) *pgxpool.Pool { return s.pool }

// MigrateToForTest applies the first n migrations only, to test the later
// ones on the data of an older schema.
func MigrateToForTest(ctx context.Context, pool *pgxpool.Pool, n int) error {
	ms, err := pgmigrate.Load(migrations, "migrations")
	if err != nil {
		return err
	}
	return pgmigrate.Apply(ctx, pool, ms[:n], "checkout_schema_migrations", "thanhtoan/checkout/pgstore")
}
