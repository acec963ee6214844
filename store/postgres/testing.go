package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestServerEnv names the environment variable that points tests at a
// PostgreSQL server: a DSN of a database from which the tests may create and
// drop databases, e.g.
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
// scripts/pgtest.sh starts a throwaway server and prints it.
const TestServerEnv = "STINT_TEST_POSTGRES"

// OpenTest opens a fresh, migrated database (see TestDSN) and closes it when
// t ends.
func OpenTest(t testing.TB) *DB {
	t.Helper()
	db, err := Open(t.Context(), TestDSN(t))
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// TestDSN creates an empty database stint_test_<random> on the server named
// by STINT_TEST_POSTGRES (see TestServer), returns its DSN and drops it when
// t ends.
func TestDSN(t testing.TB) string {
	t.Helper()
	admin := TestServer(t)
	name := "stint_test_" + randomHex(8)
	adminExec(t, admin, "CREATE DATABASE "+name)
	t.Cleanup(func() { adminExec(t, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	return withDatabase(t, admin, name)
}

// TestServer returns the admin DSN in STINT_TEST_POSTGRES. When it is not
// set it skips t, except when the CI variable is true, where it fails t: CI
// must never skip PostgreSQL silently.
func TestServer(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(TestServerEnv)
	if admin != "" {
		return admin
	}
	const how = `start one with: eval "$(scripts/pgtest.sh start /tmp/stint-pg)"`
	if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
		t.Fatalf("%s is not set and CI=true: PostgreSQL tests must run in CI; %s", TestServerEnv, how)
	}
	t.Skipf("PostgreSQL tests skipped: %s is not set; %s", TestServerEnv, how)
	return ""
}

// adminExec runs one statement on the admin database.
func adminExec(t testing.TB, admin, stmt string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to %s: %v", TestServerEnv, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, stmt); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

// withDatabase returns the DSN admin with its database replaced by name.
func withDatabase(t testing.TB, admin, name string) string {
	if !strings.HasPrefix(admin, "postgres://") && !strings.HasPrefix(admin, "postgresql://") {
		return admin + " dbname=" + name // keyword/value form: the last dbname wins
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parse %s: %v", TestServerEnv, err)
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b)
}
