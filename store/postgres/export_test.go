package postgres

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"testing/fstest"

	"github.com/jackc/pgx/v5"
)

// MigrateToVersion applies stint's migrations up to version only, and no
// River migrations, to the database dsn names, as an older stint left it.
func MigrateToVersion(ctx context.Context, dsn string, version int) error {
	fsys, err := migrationsUpTo(version)
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	return migrateStint(ctx, conn, fsys)
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
