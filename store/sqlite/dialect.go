package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/stint-dev/stint/store/sqlstore"
)

// dialect is SQLite's SQL: "?" placeholders, times and JSON as TEXT.
var dialect = &sqlstore.Dialect{
	Placeholder:  func(int) string { return "?" },
	Time:         func(t time.Time) any { return timeText(t) },
	ScanTime:     func(p *time.Time) any { return timeCol{p} },
	ScanNullTime: func(p **time.Time) any { return nullTimeCol{p} },
	ScanJSON:     func(p any) any { return jsonCol{p} },
	Translate:    translate,
}

// sqlQuerier is what database/sql runs statements on: a *sql.DB or *sql.Tx.
type sqlQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// querier adapts a *sql.DB or *sql.Tx to sqlstore.Querier.
type querier[Q sqlQuerier] struct{ q Q }

func (q querier[Q]) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := q.q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (q querier[Q]) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

func (q querier[Q]) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return q.q.QueryRowContext(ctx, query, args...)
}

// sqlRows adapts *sql.Rows to sqlstore.Rows.
type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }

// txn adapts a *sql.Tx to sqlstore.Txn.
type txn struct{ querier[*sql.Tx] }

func (t txn) Commit(context.Context) error { return t.q.Commit() }

func (t txn) Rollback(context.Context) error {
	if err := t.q.Rollback(); !errors.Is(err, sql.ErrTxDone) {
		return err
	}
	return nil
}
