package sqlstore

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
)

// Migration is one of stint's schema changes.
type Migration struct {
	Version int    // the number its file name starts with
	Name    string // the file name, "0001_init.sql"
	SQL     string
}

// loadMigrations returns the migrations in fsys's directory "migrations",
// applied in the order of the numbers their names start with, in that
// order.
func loadMigrations(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	ms := make([]Migration, 0, len(names))
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		num, _, _ := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number", base)
		}
		text, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: base, SQL: string(text)})
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("no migrations/*.sql")
	}
	slices.SortFunc(ms, func(a, b Migration) int { return a.Version - b.Version })
	return ms, nil
}

// Migrate applies the migrations in fsys's directory "migrations"
// ("0001_init.sql", ...) that q's database lacks, in order. createTable
// creates the table schema_migrations (version, name, applied_at) if it does
// not exist; apply runs one migration and records it there. Migrate returns
// an error, applying nothing, when the database has a version newer than
// the newest migration.
func Migrate(ctx context.Context, d *Dialect, q Querier, fsys fs.FS, createTable string,
	apply func(context.Context, Migration) error) error {
	ms, err := loadMigrations(fsys)
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	if _, err := q.Exec(ctx, createTable); err != nil {
		return fmt.Errorf("create schema_migrations: %w", d.Translate(err))
	}
	applied, err := appliedVersions(ctx, q)
	if err != nil {
		return fmt.Errorf("read schema version: %w", d.Translate(err))
	}
	if latest := ms[len(ms)-1].Version; len(applied) > 0 && applied[len(applied)-1] > latest {
		return fmt.Errorf("database schema version %d is newer than this stint knows (%d); upgrade stint",
			applied[len(applied)-1], latest)
	}
	for _, m := range ms {
		if slices.Contains(applied, m.Version) {
			continue
		}
		if err := apply(ctx, m); err != nil {
			return fmt.Errorf("apply migration %s: %w", m.Name, d.Translate(err))
		}
	}
	return nil
}

// appliedVersions returns the versions recorded in schema_migrations, in order.
func appliedVersions(ctx context.Context, q Querier) ([]int, error) {
	rows, err := q.Query(ctx, "SELECT version FROM schema_migrations ORDER BY version")
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
