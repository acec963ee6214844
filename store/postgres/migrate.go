package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/stint-dev/stint/store/sqlstore"
)

// migrationFS holds stint's schema changes, applied in the order of the
// numbers their names start with ("0001_init.sql").
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// migrationLock is the key of the session advisory lock held while
// migrating ("stint" in ASCII).
const migrationLock = 0x7374696e74

// migrate applies stint's and then River's migrations while holding an
// advisory lock on a dedicated connection (outside the pool, so a pool of one
// connection still works). Replicas opening one new database at once take
// turns: without the lock two River migrations race and one fails.
func migrate(ctx context.Context, pool *pgxpool.Pool, driver *riverpgxv5.Driver) error {
	conn, err := pgx.ConnectConfig(ctx, pool.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("connect to migrate: %w", translate(err))
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }() // also releases the lock
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
		return fmt.Errorf("wait for the migration lock: %w", translate(err))
	}
	if err := migrateStint(ctx, conn, migrationFS); err != nil {
		return err
	}
	migrator, err := rivermigrate.New(driver, nil)
	if err != nil {
		return fmt.Errorf("create river migrator: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("apply river migrations: %w", translate(err))
	}
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", migrationLock); err != nil {
		return fmt.Errorf("release the migration lock: %w", translate(err))
	}
	return nil
}

// createMigrationsTable creates the table that records stint's migrations.
const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    integer PRIMARY KEY,
	name       text NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now()
)`

// migrateStint applies the migrations in fsys (migrationFS but in tests)
// that the database lacks, each in its own transaction.
func migrateStint(ctx context.Context, conn *pgx.Conn, fsys fs.FS) error {
	return sqlstore.Migrate(ctx, dialect, querier[*pgx.Conn]{conn}, fsys, createMigrationsTable,
		func(ctx context.Context, m sqlstore.Migration) error {
			return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, m.SQL); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.Version, m.Name)
				return err
			})
		})
}
