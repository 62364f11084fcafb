// Package pgmigrate applies a package's embedded SQL migrations to the
// current schema of a PostgreSQL database. wallet/pgledger and
// checkout/pgstore use it, each with its own migrations and record table.
package pgmigrate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Migration is one schema step: a file NNN_name.sql.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Load returns the migrations dir/*.sql of fsys in version order. Names must
// start with a positive version number followed by '_'; two files may not
// share a version.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	out := make([]Migration, 0, len(names))
	seen := map[int]string{}
	for _, name := range names {
		base := path.Base(name)
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil || v < 1 {
			return nil, fmt.Errorf("bad migration name %q", base)
		}
		if prev, ok := seen[v]; ok {
			return nil, fmt.Errorf("%q and %q share version %d", prev, base, v)
		}
		seen[v] = base
		sql, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: base, SQL: string(sql)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Apply runs the migrations the current schema lacks, in version order, and
// records each in table (created if missing). Everything runs in one
// transaction holding a transaction-level advisory lock keyed on lockName and
// the schema, so concurrent migrators (processes starting at once) wait for
// one another and a failed migration leaves nothing half applied. The
// transaction is READ COMMITTED whatever the server's default, so that a
// migrator that waited for the lock sees what the one before it applied.
// Running it again changes nothing. table is the caller's constant, not input.
func Apply(ctx context.Context, pool *pgxpool.Pool, ms []Migration, table, lockName string) error {
	if pool == nil {
		return errors.New("nil pool")
	}
	if !isIdent(table) {
		return fmt.Errorf("bad table name %q", table)
	}
	// READ COMMITTED whatever the server's default: at REPEATABLE READ or
	// SERIALIZABLE the snapshot would be taken before the lock is granted,
	// and a migrator that waited would not see what the one before it
	// applied and would apply it again (and fail: "already exists").
	return pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || current_schema(), 0))`, lockName); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+table+` (
			version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT version FROM `+table)
		if err != nil {
			return err
		}
		applied, err := pgx.CollectRows(rows, pgx.RowTo[int32])
		if err != nil {
			return err
		}
		done := map[int]bool{}
		for _, v := range applied {
			done[int(v)] = true
		}
		for _, m := range ms {
			if done[m.Version] {
				continue
			}
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("%s: %w", m.Name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO `+table+` (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
				return fmt.Errorf("%s: %w", m.Name, err)
			}
		}
		return nil
	})
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
