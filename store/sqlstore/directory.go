package sqlstore

import (
	"context"
	"fmt"

	"github.com/stint-dev/stint"
)

func scanDirectory(d *Dialect, s Row) (*stint.Directory, error) {
	var dir stint.Directory
	err := s.Scan(d.ScanJSON(&dir))
	return &dir, err
}

// DirectoryGet returns the latest directory snapshot, or ENOTFOUND before
// the first DirectoryPut.
func (r Reader) DirectoryGet(ctx context.Context) (*stint.Directory, error) {
	return one(ctx, r, "directory snapshot (sync the directory first)", scanDirectory,
		"SELECT data FROM directory WHERE id = 1")
}

// DirectoryPut replaces the directory snapshot.
func (t writer) DirectoryPut(ctx context.Context, d *stint.Directory) error {
	d.SyncedAt = Norm(d.SyncedAt)
	data, err := jsonText("directory", d)
	if err != nil {
		return err
	}
	_, err = t.q.Exec(ctx, t.d.stmt().directoryPut, data, t.d.Time(d.SyncedAt))
	if err != nil {
		return fmt.Errorf("store directory: %w", t.d.Translate(err))
	}
	return nil
}
