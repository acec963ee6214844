package postgres_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/store/postgres"
	"github.com/stint-dev/stint/store/storetest"
)

func TestStore(t *testing.T) {
	t.Parallel()
	postgres.TestServer(t) // skip (or fail in CI) once, not in every scenario
	storetest.Exercise(t, func(t *testing.T) stint.Store { return postgres.OpenTest(t) }, storetest.WithJobs(listJobs))
}

func TestScans(t *testing.T) {
	t.Parallel()
	postgres.TestServer(t)
	storetest.ExerciseScans(t, func(t *testing.T) stint.Store { return postgres.OpenTest(t) })
}

func TestReviews(t *testing.T) {
	t.Parallel()
	postgres.TestServer(t)
	storetest.ExerciseReviews(t, func(t *testing.T) stint.Store { return postgres.OpenTest(t) })
}

// listJobs lists the jobs River holds in the store's database.
func listJobs(t *testing.T, s stint.Store) []*rivertype.JobRow {
	t.Helper()
	client, err := river.NewClient(riverpgxv5.New(s.(*postgres.DB).Pool()), &river.Config{})
	require.NoError(t, err)
	res, err := client.JobList(t.Context(), river.NewJobListParams().First(10000))
	require.NoError(t, err)
	return res.Jobs
}

// TestOpenConcurrently opens one new database from several replicas at once:
// every one migrates or waits, none fails.
func TestOpenConcurrently(t *testing.T) {
	t.Parallel()
	dsn := postgres.TestDSN(t)
	const replicas = 4
	var (
		wg   sync.WaitGroup
		errs = make(chan error, replicas)
	)
	for range replicas {
		wg.Go(func() {
			db, err := postgres.Open(context.Background(), dsn)
			if err == nil {
				err = db.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	db, err := postgres.Open(t.Context(), dsn) // and again, on a migrated database
	require.NoError(t, err)
	defer db.Close()
	var stint, river int
	require.NoError(t, db.Pool().QueryRow(t.Context(), "SELECT count(*) FROM schema_migrations").Scan(&stint))
	require.NoError(t, db.Pool().QueryRow(t.Context(), "SELECT count(*) FROM river_migration").Scan(&river))
	migrations, err := filepath.Glob("migrations/*.sql")
	require.NoError(t, err)
	require.Len(t, migrations, stint, "each stint migration applied once")
	require.Positive(t, river)
}

func TestReopenKeepsData(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dsn := postgres.TestDSN(t)
	db, err := postgres.Open(ctx, dsn)
	require.NoError(t, err)
	require.NoError(t, db.Tx(ctx, func(tx stint.Tx) error {
		return tx.RequestCreate(ctx, &stint.Request{ID: "req-1", Reason: "kept"})
	}))
	require.NoError(t, db.Close())

	db, err = postgres.Open(ctx, dsn)
	require.NoError(t, err)
	defer db.Close()
	got, err := db.RequestGet(ctx, "req-1")
	require.NoError(t, err)
	require.Equal(t, "kept", got.Reason)
}

// TestUpgradeKeepsData opens a database that an older stint migrated to
// schema version 1 and filled: the later migrations keep its rows.
func TestUpgradeKeepsData(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dsn := postgres.TestDSN(t)
	require.NoError(t, postgres.MigrateToVersion(ctx, dsn, 1))
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, storetest.V1Rows+storetest.V1Events)
	require.NoError(t, err)
	require.NoError(t, conn.Close(ctx))

	db, err := postgres.Open(ctx, dsn)
	require.NoError(t, err)
	defer db.Close()
	var version int
	require.NoError(t, db.Pool().QueryRow(ctx, "SELECT max(version) FROM schema_migrations").Scan(&version))
	require.Equal(t, storetest.SchemaVersion, version)
	storetest.CheckV1Rows(t, db)
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, dsn, code, msg string
	}{
		{"bad DSN", "postgres://%zz", stint.EINVALID, "invalid PostgreSQL DSN"},
		{"no server", "postgres://nobody@127.0.0.1:1/stint?sslmode=disable&connect_timeout=5", stint.EUNAVAILABLE,
			"check the DSN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := postgres.Open(t.Context(), tt.dsn)
			require.Error(t, err)
			require.Equal(t, tt.code, stint.ErrorCode(err), "error: %v", err)
			require.Contains(t, err.Error(), tt.msg)
		})
	}
}

func TestGrantListDueUsesIndex(t *testing.T) {
	t.Parallel()
	db := postgres.OpenTest(t)
	ctx := t.Context()
	conn, err := db.Pool().Acquire(ctx)
	require.NoError(t, err)
	defer conn.Release()
	_, err = conn.Exec(ctx, "SET enable_seqscan = off") // a tiny table is scanned otherwise
	require.NoError(t, err)
	defer conn.Exec(context.Background(), "RESET enable_seqscan")
	var plan string
	// Like GrantListDue's query, which reads every column, not just the index.
	rows, err := conn.Query(ctx, "EXPLAIN SELECT * FROM grants WHERE due_at < now() ORDER BY due_at, id LIMIT 10")
	require.NoError(t, err)
	for rows.Next() {
		var line string
		require.NoError(t, rows.Scan(&line))
		plan += line + "\n"
	}
	require.NoError(t, rows.Err())
	require.Contains(t, plan, "grants_due")
	require.NotContains(t, plan, "Sort", "the index gives the order")
}

func TestTamper(t *testing.T) {
	t.Parallel()
	postgres.TestServer(t)
	storetest.ExerciseTamper(t, func(t *testing.T) (stint.Store, func(string) error) {
		db := postgres.OpenTest(t)
		return db, func(q string) error {
			_, err := db.Pool().Exec(t.Context(), q)
			return err
		}
	})
}

func TestRetentionTamper(t *testing.T) {
	t.Parallel()
	postgres.TestServer(t)
	storetest.ExerciseRetentionTamper(t, func(t *testing.T) (stint.Store, func(string) error) {
		db := postgres.OpenTest(t)
		return db, func(q string) error {
			_, err := db.Pool().Exec(t.Context(), q)
			return err
		}
	})
}
