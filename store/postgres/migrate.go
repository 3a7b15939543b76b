package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// embeddedMigrations is the schema's history, oldest first.
var embeddedMigrations = mustLoadMigrations(migrationFiles, "migrations")

// migration is one step of the schema's history, from a file named
// NNNN_description.sql whose number is its version.
type migration struct {
	version int
	name    string
	sql     string
}

func mustLoadMigrations(fsys fs.FS, dir string) []migration {
	ms, err := loadMigrations(fsys, dir)
	if err != nil {
		panic(err)
	}
	return ms
}

// loadMigrations reads the .sql files in dir, which must be numbered 1, 2, 3
// and so on with no gaps.
func loadMigrations(fsys fs.FS, dir string) ([]migration, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	// fs.Glob sorts names, and the numbers are zero-padded.
	var ms []migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name is not NNNN_description.sql", name)
		}
		if v != len(ms)+1 {
			return nil, fmt.Errorf("migration %s: version %d, want %d", name, v, len(ms)+1)
		}
		text, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(text)})
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("no migrations in %s", dir)
	}
	return ms, nil
}

// migrationLock is the pg_advisory_xact_lock key migrations hold, so that
// replicas starting together on a new database migrate it once: the
// others wait, then find the schema migrated.
const migrationLock = 0x63736f63626f74 // "csocbot"

// migrate applies to the database the migrations it has not had yet, each
// in its own transaction with its row in schema_migrations, so that a
// process stopped partway leaves the schema at one version or the next and
// never in between. It logs each migration it applies to log.
func migrate(ctx context.Context, pool *pgxpool.Pool, ms []migration, log *slog.Logger) error {
	for {
		var applied *migration
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			var err error
			applied, err = migrateOne(ctx, tx, ms)
			return err
		})
		if err != nil {
			return err
		}
		if applied == nil {
			return nil
		}
		log.InfoContext(ctx, "store: migrated database schema", "version", applied.version, "migration", applied.name)
	}
}

// migrateOne applies the first migration the database has not had, under
// the migration lock, and returns it, or nil when there is none.
func migrateOne(ctx context.Context, tx pgx.Tx, ms []migration) (*migration, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
		return nil, fmt.Errorf("waiting for the migration lock: %w", err)
	}
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer     PRIMARY KEY,
		name       text        NOT NULL,
		applied_at timestamptz NOT NULL
	)`
	if _, err := tx.Exec(ctx, create); err != nil {
		return nil, fmt.Errorf("creating schema_migrations: %w", err)
	}
	var current int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return nil, fmt.Errorf("reading the schema version: %w", err)
	}
	latest := ms[len(ms)-1].version
	switch {
	case current > latest:
		return nil, fmt.Errorf("the database's schema is at version %d, newer than this csocbot's %d; run a newer csocbot", current, latest)
	case current == latest:
		return nil, nil
	}
	m := ms[current]
	// The simple protocol runs a file of several statements.
	if _, err := tx.Exec(ctx, m.sql, pgx.QueryExecModeSimpleProtocol); err != nil {
		return nil, fmt.Errorf("migration %s: %w", m.name, err)
	}
	_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
		m.version, m.name, time.Now().UTC())
	if err != nil {
		return nil, fmt.Errorf("migration %s: %w", m.name, err)
	}
	return &m, nil
}
