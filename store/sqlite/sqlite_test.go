package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/store/sqlite"
	"github.com/stint-dev/stint/store/storetest"
)

func TestStore(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, func(t *testing.T) stint.Store { return sqlite.OpenTest(t) }, storetest.WithJobs(listJobs))
}

func TestScans(t *testing.T) {
	t.Parallel()
	storetest.ExerciseScans(t, func(t *testing.T) stint.Store { return sqlite.OpenTest(t) })
}

func TestReviews(t *testing.T) {
	t.Parallel()
	storetest.ExerciseReviews(t, func(t *testing.T) stint.Store { return sqlite.OpenTest(t) })
}

// listJobs lists the jobs River holds in the store's database.
func listJobs(t *testing.T, s stint.Store) []*rivertype.JobRow {
	t.Helper()
	client, err := river.NewClient(riversqlite.New(s.(*sqlite.DB).SQL()), &river.Config{})
	require.NoError(t, err)
	res, err := client.JobList(t.Context(), river.NewJobListParams().First(10000))
	require.NoError(t, err)
	return res.Jobs
}

func TestReopenKeepsData(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "dir with space?#%", "stint.db")
	require.Error(t, func() error { _, err := sqlite.Open(ctx, path); return err }(), "the directory does not exist")

	path = filepath.Join(t.TempDir(), "odd ?#% name.db")
	db, err := sqlite.Open(ctx, path)
	require.NoError(t, err)
	err = db.Tx(ctx, func(tx stint.Tx) error {
		if err := tx.RequestCreate(ctx, &stint.Request{ID: "req-1", Reason: "kept"}); err != nil {
			return err
		}
		return tx.Enqueue(ctx, stint.Job{Args: stint.ReconcileArgs{}})
	})
	require.NoError(t, err)
	require.NoError(t, db.Close())

	db, err = sqlite.Open(ctx, path) // migrations are not applied twice
	require.NoError(t, err)
	defer db.Close()
	got, err := db.RequestGet(ctx, "req-1")
	require.NoError(t, err)
	require.Equal(t, "kept", got.Reason)
	require.Len(t, listJobs(t, db), 1)
	require.FileExists(t, path)
}

// TestUpgradeKeepsData opens a database that an older stint migrated to
// schema version 1 and filled: the later migrations keep its rows.
func TestUpgradeKeepsData(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "stint.db")
	old, err := sqlite.OpenAtVersion(ctx, path, 1)
	require.NoError(t, err)
	_, err = old.ExecContext(ctx, storetest.V1Rows+storetest.V1Events)
	require.NoError(t, err)
	require.NoError(t, old.Close())

	db, err := sqlite.Open(ctx, path)
	require.NoError(t, err)
	defer db.Close()
	var version int
	require.NoError(t, db.SQL().QueryRowContext(ctx, "SELECT max(version) FROM schema_migrations").Scan(&version))
	require.Equal(t, storetest.SchemaVersion, version)
	storetest.CheckV1Rows(t, db)
}

func TestPragmas(t *testing.T) {
	t.Parallel()
	db := sqlite.OpenTest(t)
	tests := []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
	}
	for _, tt := range tests {
		var got string
		require.NoError(t, db.SQL().QueryRowContext(t.Context(), "PRAGMA "+tt.pragma).Scan(&got))
		require.Equal(t, tt.want, got, tt.pragma)
	}
	require.Equal(t, 1, db.SQL().Stats().MaxOpenConnections)
}

func TestGrantListDueUsesIndex(t *testing.T) {
	t.Parallel()
	db := sqlite.OpenTest(t)
	// Like GrantListDue's query, which reads every column, not just the index.
	plan := queryPlan(t, db.SQL(), "SELECT * FROM grants WHERE due_at < ? ORDER BY due_at, id LIMIT 10", "2030")
	require.Contains(t, plan, "USING INDEX grants_due")
	require.NotContains(t, plan, "TEMP B-TREE", "the index gives the order")
}

func queryPlan(t *testing.T, db *sql.DB, query string, args ...any) string {
	rows, err := db.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+query, args...)
	require.NoError(t, err)
	defer rows.Close()
	var plan string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
		plan += detail + "\n"
	}
	require.NoError(t, rows.Err())
	return plan
}

func TestOpenConcurrently(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "stint.db")
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			db, err := sqlite.Open(context.Background(), path)
			if err == nil {
				err = db.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		require.NoError(t, <-errs)
	}
}

func TestTamper(t *testing.T) {
	t.Parallel()
	storetest.ExerciseTamper(t, func(t *testing.T) (stint.Store, func(string) error) {
		db := sqlite.OpenTest(t)
		return db, func(q string) error {
			_, err := db.SQL().ExecContext(t.Context(), q)
			return err
		}
	})
}

func TestRetentionTamper(t *testing.T) {
	t.Parallel()
	storetest.ExerciseRetentionTamper(t, func(t *testing.T) (stint.Store, func(string) error) {
		db := sqlite.OpenTest(t)
		return db, func(q string) error {
			_, err := db.SQL().ExecContext(t.Context(), q)
			return err
		}
	})
}
