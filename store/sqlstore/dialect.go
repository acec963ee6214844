package sqlstore

import (
	"context"
	"sync"
	"time"
)

// Querier is what reads and writes run on: a database, a pool, a connection
// or a transaction, through a store's adapter.
type Querier interface {
	// Exec runs a statement and returns how many rows it changed.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	// QueryRow runs a single-row query; its Scan returns an error that
	// errors.Is sql.ErrNoRows when there is no row.
	QueryRow(ctx context.Context, query string, args ...any) Row
}

// Row is one row of a result.
type Row interface{ Scan(dest ...any) error }

// Rows is the result of a query.
type Rows interface {
	Row
	Next() bool
	Err() error
	Close()
}

// Txn is a database transaction as a Querier.
type Txn interface {
	Querier
	Commit(ctx context.Context) error
	// Rollback rolls the transaction back. It returns nil when the
	// transaction has already ended.
	Rollback(ctx context.Context) error
}

// Dialect is what differs between the SQL databases stint runs on.
type Dialect struct {
	// Placeholder returns the placeholder of the n-th argument, counted
	// from 1: "?" or "$n".
	Placeholder func(n int) string
	// ArrayArgs filters on a list of values with one array argument
	// (col = ANY($n)) instead of one argument per value (col IN (?, ?)).
	ArrayArgs bool
	// Time encodes a normalised time (see Norm) as an argument.
	Time func(t time.Time) any
	// ScanTime, ScanNullTime and ScanJSON return the Scan destination that
	// decodes a time, nullable time or JSON column into p.
	ScanTime     func(p *time.Time) any
	ScanNullTime func(p **time.Time) any
	ScanJSON     func(p any) any
	// TextOf returns the SQL of a column's value as text, for substring
	// searches and for reading JSON as written (a jsonb column needs a
	// cast). Default: the column itself.
	TextOf func(col string) string
	// Translate maps driver errors that mean something to stint's callers
	// to coded errors, and returns others unchanged.
	Translate func(err error) error
	// LockRow is appended to a SELECT that locks the rows it reads until
	// the transaction ends (" FOR UPDATE"); "" where transactions are
	// serial anyway (SQLite).
	LockRow string

	once  sync.Once
	stmts statements
}

// textOf returns the SQL of col as text.
func (d *Dialect) textOf(col string) string {
	if d.TextOf == nil {
		return col
	}
	return d.TextOf(col)
}

// nullTime encodes p for a nullable time column.
func (d *Dialect) nullTime(p *time.Time) any {
	if p == nil {
		return nil
	}
	return d.Time(*p)
}
