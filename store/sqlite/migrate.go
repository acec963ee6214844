package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river/rivermigrate"
)

// migrationFS holds stint's schema changes, applied in the order of the
// numbers their names start with ("0001_init.sql").
//
//go:embed migrations/*.sql
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations returns the embedded migrations in version order.
func loadMigrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	ms := make([]migration, 0, len(names))
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		num, _, _ := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number", base)
		}
		text, err := migrationFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(text)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	return ms, nil
}

// migrate applies the stint and River migrations the database lacks, all in
// one transaction. It begins IMMEDIATE, taking SQLite's write lock first, so
// processes opening one new file at once take turns: the first migrates, the
// others then find nothing to do. (River's Migrate runs each version in its
// own transaction after reading which are applied, so two processes both
// apply the same version and one fails; MigrateTx inside our locked
// transaction does not race. River deprecates MigrateTx because some
// PostgreSQL migrations cannot share a transaction; its SQLite ones can.)
func migrate(ctx context.Context, db *sql.DB, river *rivermigrate.Migrator[*sql.Tx]) error {
	ms, err := loadMigrations()
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin migration: %w", translate(err))
	}
	defer func() { _ = tx.Rollback() }()
	if err := migrateStint(ctx, tx, ms); err != nil {
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

// migrateStint applies stint's migrations that tx's database lacks.
func migrateStint(ctx context.Context, tx *sql.Tx, ms []migration) error {
	_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL
	) STRICT`)
	if err != nil {
		return fmt.Errorf("create schema_migrations: %w", translate(err))
	}
	applied, err := appliedVersions(ctx, tx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", translate(err))
	}
	if latest := ms[len(ms)-1].version; len(applied) > 0 && applied[len(applied)-1] > latest {
		return fmt.Errorf("database schema version %d is newer than this stint knows (%d); upgrade stint",
			applied[len(applied)-1], latest)
	}
	for _, m := range ms {
		if slices.Contains(applied, m.version) {
			continue
		}
		if err := applyMigration(ctx, tx, m); err != nil {
			return fmt.Errorf("apply migration %s: %w", m.name, translate(err))
		}
	}
	return nil
}

// appliedVersions returns the versions recorded in schema_migrations, in order.
func appliedVersions(ctx context.Context, tx *sql.Tx) ([]int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, rows.Err()
}

func applyMigration(ctx context.Context, tx *sql.Tx, m migration) error {
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.version, m.name, timeText(time.Now()))
	return err
}
