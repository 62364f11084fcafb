package pgstore

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thanhtoan/thanhtoan/internal/pgmigrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate applies the embedded schema migrations (migrations/*.sql) that the
// connections' current schema lacks, in version order, and records each in
// checkout_schema_migrations. It all runs in one transaction holding a
// transaction-level advisory lock keyed on the schema, so concurrent
// migrators (several processes starting at once) wait for one another and
// a failed migration leaves nothing half applied. Running it again changes
// nothing. New calls it unless WithoutMigrate is given.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := pgmigrate.Load(migrations, "migrations")
	if err == nil {
		err = pgmigrate.Apply(ctx, pool, ms, "checkout_schema_migrations", "thanhtoan/checkout/pgstore")
	}
	if err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	return nil
}
