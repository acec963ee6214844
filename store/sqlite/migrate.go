package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"github.com/riverqueue/river/rivermigrate"

	"github.com/stint-dev/stint/store/sqlstore"
)

// migrationFS holds stint's schema changes, applied in the order of the
// numbers their names start with ("0001_init.sql").
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// migrate applies the stint and River migrations the database lacks, all in
// one transaction. It begins IMMEDIATE, taking SQLite's write lock first, so
// processes opening one new file at once take turns: the first migrates, the
// others then find nothing to do. (River's Migrate runs each version in its
// own transaction after reading which are applied, so two processes both
// apply the same version and one fails; MigrateTx inside our locked
// transaction does not race. River deprecates MigrateTx because some
// PostgreSQL migrations cannot share a transaction; its SQLite ones can.)
func migrate(ctx context.Context, db *sql.DB, river *rivermigrate.Migrator[*sql.Tx]) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin migration: %w", translate(err))
	}
	defer func() { _ = tx.Rollback() }()
	if err := migrateStint(ctx, tx, migrationFS); err != nil {
		return err
	}
	//lint:ignore SA1019 MigrateTx is what serialises migrating processes; see above
	if _, err := river.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("apply river migrations: %w", translate(err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit migrations: %w", translate(err))
	}
	return nil
}

// createMigrationsTable creates the table that records stint's migrations.
const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at TEXT NOT NULL
) STRICT`

// migrateStint applies the migrations in fsys (migrationFS but in tests)
// that tx's database lacks.
func migrateStint(ctx context.Context, tx *sql.Tx, fsys fs.FS) error {
	return sqlstore.Migrate(ctx, dialect, querier[*sql.Tx]{tx}, fsys, createMigrationsTable,
		func(ctx context.Context, m sqlstore.Migration) error {
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.Version, m.Name, timeText(time.Now()))
			return err
		})
}
