package pgledger

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate applies the embedded schema migrations that the database (in the
// connection's current schema) lacks, in order, each in its own transaction.
// An advisory lock keyed on the schema serializes concurrent migrators, and
// the wallet_schema_migrations table records what was applied. New calls it
// unless WithoutMigrate is given.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("pgledger: migrate: %w", err)
	}
	defer conn.Release()
	const lockKey = `hashtextextended('thanhtoan/wallet/pgledger:' || current_schema(), 0)`
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(`+lockKey+`)`); err != nil {
		return fmt.Errorf("pgledger: migrate: lock: %w", err)
	}
	defer func() {
		_, _ = conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+lockKey+`)`)
	}()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS wallet_schema_migrations (
		version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("pgledger: migrate: %w", err)
	}
	applied := map[int]bool{}
	rows, err := conn.Query(ctx, `SELECT version FROM wallet_schema_migrations`)
	if err != nil {
		return fmt.Errorf("pgledger: migrate: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return fmt.Errorf("pgledger: migrate: %w", err)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("pgledger: migrate: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("pgledger: migrate: bad migration name %q", base)
		}
		if applied[v] {
			continue
		}
		sql, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		tx, err := conn.Begin(ctx)
		if err != nil {
			return fmt.Errorf("pgledger: migrate: %w", err)
		}
		if _, err := tx.Exec(ctx, string(sql)); err != nil {
			_ = tx.Rollback(ctx)
			return fmt.Errorf("pgledger: migrate %s: %w", base, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO wallet_schema_migrations (version, name) VALUES ($1, $2)`, v, base); err != nil {
			_ = tx.Rollback(ctx)
			return fmt.Errorf("pgledger: migrate %s: %w", base, err)
		}
		if err := tx.Commit(ctx); err != nil {
			return fmt.Errorf("pgledger: migrate %s: %w", base, err)
		}
	}
	return nil
}
