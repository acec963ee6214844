package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"testing/fstest"
)

// OpenAtVersion creates the database at path with stint's migrations up to
// version only, and no River tables, as an older stint left it.
func OpenAtVersion(ctx context.Context, path string, version int) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	err = func() error {
		fsys, err := migrationsUpTo(version)
		if err != nil {
			return err
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback() }()
		if err := migrateStint(ctx, tx, fsys); err != nil {
			return err
		}
		return tx.Commit()
	}()
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// migrationsUpTo returns migrationFS without the migrations after version.
func migrationsUpTo(version int) (fs.FS, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	out := fstest.MapFS{}
	for _, name := range names {
		var v int
		if _, err := fmt.Sscanf(path.Base(name), "%d_", &v); err != nil || v > version {
			continue
		}
		data, err := fs.ReadFile(migrationFS, name)
		if err != nil {
			return nil, err
		}
		out[name] = &fstest.MapFile{Data: data}
	}
	return out, nil
}
