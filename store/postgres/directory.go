package postgres

import (
	"context"
	"fmt"

	"github.com/stint-dev/stint"
)

// DirectoryGet returns the latest directory snapshot, or ENOTFOUND before
// the first DirectoryPut.
func (r reader) DirectoryGet(ctx context.Context) (*stint.Directory, error) {
	var d stint.Directory
	err := r.get(ctx, "directory snapshot (sync the directory first)", func(s scanner) error {
		return s.Scan(&d)
	}, "SELECT data FROM directory WHERE id = 1")
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// DirectoryPut replaces the directory snapshot.
func (t *tx) DirectoryPut(ctx context.Context, d *stint.Directory) error {
	d.SyncedAt = norm(d.SyncedAt)
	data, err := jsonText("directory", d)
	if err != nil {
		return err
	}
	_, err = t.q.Exec(ctx, `INSERT INTO directory (id, data, synced_at) VALUES (1, $1, $2)
		ON CONFLICT (id) DO UPDATE SET data = excluded.data, synced_at = excluded.synced_at`,
		data, d.SyncedAt)
	if err != nil {
		return fmt.Errorf("store directory: %w", translate(err))
	}
	return nil
}
