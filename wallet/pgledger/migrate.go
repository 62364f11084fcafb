package pgledger

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
// wallet_schema_migrations. It runs in one transaction holding an advisory
// lock keyed on the schema, so concurrent migrators wait for one another and
// a failed migration leaves nothing half applied. Running it again changes
// nothing. New calls it unless WithoutMigrate is given.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := pgmigrate.Load(migrations, "migrations")
	if err == nil {
		err = pgmigrate.Apply(ctx, pool, ms, "wallet_schema_migrations", "thanhtoan/wallet/pgledger")
	}
	if err != nil {
		return fmt.Errorf("pgledger: migrate: %w", err)
	}
	return nil
}
