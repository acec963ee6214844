package postgres

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/stint-dev/stint/store/sqlstore"
)

// dialect is PostgreSQL's SQL: "$n" placeholders, array arguments, times as
// timestamptz and JSON as jsonb, both of which pgx encodes and decodes.
var dialect = &sqlstore.Dialect{
	Placeholder:  func(n int) string { return "$" + strconv.Itoa(n) },
	ArrayArgs:    true,
	Time:         func(t time.Time) any { return t },
	ScanTime:     func(p *time.Time) any { return p },
	ScanNullTime: func(p **time.Time) any { return p },
	ScanJSON:     func(p any) any { return p },
	TextOf:       func(col string) string { return col + "::text" },
	Translate:    translate,
	LockRow:      " FOR UPDATE",
}

// pgxQuerier is what pgx runs statements on: the pool, a connection or a
// pgx.Tx.
type pgxQuerier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// querier adapts a pgxQuerier to sqlstore.Querier.
type querier[Q pgxQuerier] struct{ q Q }

func (q querier[Q]) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	tag, err := q.q.Exec(ctx, sql, args...)
	return tag.RowsAffected(), err
}

func (q querier[Q]) Query(ctx context.Context, sql string, args ...any) (sqlstore.Rows, error) {
	return q.q.Query(ctx, sql, args...)
}

func (q querier[Q]) QueryRow(ctx context.Context, sql string, args ...any) sqlstore.Row {
	return q.q.QueryRow(ctx, sql, args...)
}

// txn adapts a pgx.Tx to sqlstore.Txn.
type txn struct{ querier[pgx.Tx] }

func (t txn) Commit(ctx context.Context) error { return t.q.Commit(ctx) }

func (t txn) Rollback(ctx context.Context) error {
	if err := t.q.Rollback(ctx); !errors.Is(err, pgx.ErrTxClosed) {
		return err
	}
	return nil
}
