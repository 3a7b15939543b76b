package postgres

import (
	"context"
	"embed"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/csocbot/csocbot/store/internal/migrations"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// embeddedMigrations is the schema's history, oldest first.
var embeddedMigrations = migrations.MustLoad(migrationFiles, "migrations")

// migrationLock is the pg_advisory_xact_lock key migrations hold, so that
// replicas starting together on a new database migrate it once: the
// others wait, then find the schema migrated.
const migrationLock = 0x63736f63626f74 // "csocbot"

// migrate applies to the database the migrations it has not had yet, each
// in its own transaction with its row in schema_migrations, so that a
// process stopped partway leaves the schema at one version or the next and
// never in between. It logs each migration it applies to log.
func migrate(ctx context.Context, pool *pgxpool.Pool, ms []migrations.Migration, log *slog.Logger) error {
	for {
		var applied *migrations.Migration
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
		log.InfoContext(ctx, "store: migrated database schema", "version", applied.Version, "migration", applied.Name)
	}
}

// migrateOne applies the first migration the database has not had, under
// the migration lock, and returns it, or nil when there is none.
func migrateOne(ctx context.Context, tx pgx.Tx, ms []migrations.Migration) (*migrations.Migration, error) {
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
	latest := ms[len(ms)-1].Version
	switch {
	case current > latest:
		return nil, fmt.Errorf("the database's schema is at version %d, newer than this csocbot's %d; run a newer csocbot", current, latest)
	case current == latest:
		return nil, nil
	}
	m := ms[current]
	// The simple protocol runs a file of several statements.
	if _, err := tx.Exec(ctx, m.SQL, pgx.QueryExecModeSimpleProtocol); err != nil {
		return nil, fmt.Errorf("migration %s: %w", m.Name, err)
	}
	_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
		m.Version, m.Name, time.Now().UTC())
	if err != nil {
		return nil, fmt.Errorf("migration %s: %w", m.Name, err)
	}
	return &m, nil
}
