package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/store/sqlstore"
)

// DB is a stint.Store on one SQLite file. Its reads and Tx are
// sqlstore.Store's, in SQLite's dialect.
type DB struct {
	store
	db *sql.DB
}

// store implements DB's reads and transactions.
type store = sqlstore.Store[*sql.Tx]

var _ stint.Store = (*DB)(nil)

// Open opens the SQLite database at path, creating the file when it does not
// exist, and applies stint's and River's migrations.
func Open(ctx context.Context, path string) (*DB, error) {
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("open sqlite database %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	s, err := open(ctx, db)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open sqlite database %s: %w", path, err)
	}
	return s, nil
}

// dsn returns the driver's data source name for the file at path: a 10 s
// busy timeout (first, so that switching to WAL waits for other processes
// too), WAL journal, foreign keys on, and BEGIN IMMEDIATE transactions (a
// transaction takes the write lock when it starts, so it never fails
// half-way when it first writes).
func dsn(path string) string {
	// SQLite reads a "file:" DSN as a URI: escape what URIs give meaning to.
	path = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(1)&_txlock=immediate"
}

func open(ctx context.Context, db *sql.DB) (*DB, error) {
	if err := db.PingContext(ctx); err != nil {
		return nil, translate(err)
	}
	driver := riversqlite.New(db)
	migrator, err := rivermigrate.New(driver, nil)
	if err != nil {
		return nil, fmt.Errorf("create river migrator: %w", err)
	}
	if err := migrate(ctx, db, migrator); err != nil {
		return nil, err
	}
	client, err := river.NewClient(driver, &river.Config{}) // insert-only: Tx.Enqueue uses it
	if err != nil {
		return nil, fmt.Errorf("create river client: %w", err)
	}
	begin := func(ctx context.Context) (*sql.Tx, sqlstore.Txn, error) {
		tx, err := db.BeginTx(ctx, nil)
		return tx, txn{querier[*sql.Tx]{tx}}, err
	}
	s := &DB{store: sqlstore.NewStore(dialect, querier[*sql.DB]{db}, client, begin), db: db}
	if _, err := s.SealLegacy(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// SQL returns the database handle, on which the jobs package runs River's
// working client. It has one connection: do not use it inside Tx.
func (s *DB) SQL() *sql.DB { return s.db }

// Close closes the database.
func (s *DB) Close() error { return s.db.Close() }

// Ping checks that the database answers.
func (s *DB) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping sqlite: %w", translate(err))
	}
	return nil
}
