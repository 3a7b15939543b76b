package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/csocbot/csocbot/store/internal/migrations"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// embeddedMigrations is the schema's history, oldest first.
var embeddedMigrations = migrations.MustLoad(migrationFiles, "migrations")

// migrate applies to db the migrations it has not had yet, each in its own
// transaction with its row in schema_migrations, so that a process stopped
// partway, or two processes opening the same new database, leave the schema
// at one version or the next and never in between. It logs each migration
// it applies to log.
func migrate(ctx context.Context, db *sql.DB, ms []migrations.Migration, log *slog.Logger) error {
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL
	)`
	if _, err := db.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("creating schema_migrations: %w", err)
	}
	var current int
	if err := db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("reading the schema version: %w", err)
	}
	if latest := ms[len(ms)-1].Version; current > latest {
		return fmt.Errorf("the database's schema is at version %d, newer than this csocbot's %d; run a newer csocbot", current, latest)
	}
	for _, m := range ms[current:] {
		applied, err := apply(ctx, db, m)
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if applied {
			log.InfoContext(ctx, "store: migrated database schema", "version", m.Version, "migration", m.Name)
		}
	}
	return nil
}

// apply applies m unless another process got there first.
func apply(ctx context.Context, db *sql.DB, m migrations.Migration) (applied bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	err = tx.QueryRowContext(ctx, `SELECT 1 FROM schema_migrations WHERE version = ?`, m.Version).Scan(new(int))
	switch {
	case err == nil:
		return false, nil
	case !errors.Is(err, sql.ErrNoRows):
		return false, err
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.Version, m.Name, formatTime(time.Now()))
	if err != nil {
		return false, err
	}
	return true, tx.Commit()
}
