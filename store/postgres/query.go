package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/stint-dev/stint"
)

// querier is what reads and writes run on: the pool or a pgx.Tx.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// scanner is a pgx.Row or pgx.Rows.
type scanner interface{ Scan(dest ...any) error }

// table names a table and its key column, and what its rows are called in
// messages.
type table struct{ noun, name, key string }

var (
	requestsTable = table{noun: "request", name: "requests", key: "id"}
	grantsTable   = table{noun: "grant", name: "grants", key: "id"}
	effectsTable  = table{noun: "effect", name: "effects", key: "key"}
	eventsTable   = table{noun: "event", name: "events", key: "id"}
	tokensTable   = table{noun: "token", name: "tokens", key: "id"}
)

// reader implements stint.Reader on a querier.
type reader struct{ q querier }

// get runs a single-row query and scans its row. desc names the row in
// messages (`grant "01J..."`); get returns ENOTFOUND when there is no row.
func (r reader) get(ctx context.Context, desc string, scan func(scanner) error, query string, args ...any) error {
	err := scan(r.q.QueryRow(ctx, query, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return stint.Errorf(stint.ENOTFOUND, "%s not found", desc)
	}
	if err != nil {
		return fmt.Errorf("get %s: %w", desc, translate(err))
	}
	return nil
}

// list runs a query and scans every row with scan.
func list[T any](ctx context.Context, q querier, what string, scan func(scanner) (*T, error), query string, args ...any) ([]*T, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", what, translate(err))
	}
	defer rows.Close()
	out := []*T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list %s: %w", what, translate(err))
	}
	return out, nil
}

// insert runs an INSERT ... ON CONFLICT DO NOTHING and returns ECONFLICT
// when it inserted nothing. (Failing statements abort a PostgreSQL
// transaction; avoiding the unique violation keeps it usable.)
func (r reader) insert(ctx context.Context, t table, id, query string, args ...any) error {
	if id == "" {
		return stint.Errorf(stint.EINVALID, "%s has no %s; set it before creating", t.noun, t.key)
	}
	tag, err := r.q.Exec(ctx, query+" ON CONFLICT DO NOTHING", args...)
	if err != nil {
		return fmt.Errorf("create %s %s: %w", t.noun, id, translate(err))
	}
	if tag.RowsAffected() == 0 {
		return stint.Errorf(stint.ECONFLICT, "%s %s already exists", t.noun, id)
	}
	return nil
}

// cas runs a compare-and-swap UPDATE or DELETE (one whose WHERE names the
// key and the version read). When it changes no row it returns ENOTFOUND if
// the row is gone and ECONFLICT if it changed.
func (r reader) cas(ctx context.Context, t table, id, query string, args ...any) error {
	tag, err := r.q.Exec(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("write %s %s: %w", t.noun, id, translate(err))
	}
	if tag.RowsAffected() > 0 {
		return nil
	}
	var exists bool
	err = r.q.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+t.name+" WHERE "+t.key+" = $1)", id).Scan(&exists)
	if err != nil {
		return fmt.Errorf("write %s %s: %w", t.noun, id, translate(err))
	}
	if !exists {
		return stint.Errorf(stint.ENOTFOUND, "%s %q not found", t.noun, id)
	}
	return stint.Errorf(stint.ECONFLICT, "%s %s changed since it was read; retry", t.noun, id)
}

// params returns "$from, ..." for n parameters.
func params(from, n int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = "$" + strconv.Itoa(from+i)
	}
	return strings.Join(ps, ", ")
}

// insertSQL returns an INSERT of cols into table.
func insertSQL(table, cols string) string {
	return "INSERT INTO " + table + " (" + cols + ") VALUES (" + params(1, strings.Count(cols, ",")+1) + ")"
}

// updateSQL returns an UPDATE of table setting cols (parameters $1...) and
// bumping version, where key and version match the two parameters after them.
func updateSQL(table, cols, key string) string {
	names := strings.Split(cols, ",")
	for i, c := range names {
		names[i] = strings.TrimSpace(c) + " = $" + strconv.Itoa(i+1)
	}
	n := len(names)
	return "UPDATE " + table + " SET " + strings.Join(names, ", ") + ", version = version + 1 WHERE " +
		key + " = $" + strconv.Itoa(n+1) + " AND version = $" + strconv.Itoa(n+2)
}

// where collects the conditions of a WHERE clause and their arguments.
type where struct {
	conds []string
	args  []any
}

// arg adds an argument and returns its placeholder.
func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

// add adds a condition built with arg.
func (w *where) add(cond string) { w.conds = append(w.conds, cond) }

// sql returns " WHERE a AND b", or "" without conditions.
func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// strs converts named string values to []string for = ANY($n).
func strs[S ~string](vals []S) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = string(v)
	}
	return out
}

// limit returns n, or def when n is not positive, capped at max (0: no cap).
func limit(n, def, max int) int {
	if n <= 0 {
		return def
	}
	if max > 0 && n > max {
		return max
	}
	return n
}
