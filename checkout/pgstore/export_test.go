package pgstore

import "github.com/jackc/pgx/v5/pgxpool"

// PoolForTest returns the pool s runs on, so the external tests can look at
// the tables.
func PoolForTest(s *Store) *pgxpool.Pool { return s.pool }
