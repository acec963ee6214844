package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// OpenTest opens a fresh database in a temporary directory of t and closes
// it when t ends. It fails t when the database cannot be opened.
//
// The database starts as a copy of one migrated once per process, which
// keeps tests that open many databases fast.
func OpenTest(t testing.TB) *DB {
	t.Helper()
	image, err := migratedImage()
	if err != nil {
		t.Fatalf("prepare test database: %v", err)
	}
	path := filepath.Join(t.TempDir(), "stint.db")
	if err := os.WriteFile(path, image, 0o600); err != nil {
		t.Fatalf("write test database: %v", err)
	}
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close test database: %v", err)
		}
	})
	return db
}

// migratedImage returns the bytes of a freshly migrated database file.
var migratedImage = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "stint-sqlite-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "stint.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		return nil, err
	}
	// Move everything from the WAL into the file, which is all we copy.
	_, err = db.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	if closeErr := db.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return os.ReadFile(path)
})
