package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/stint-dev/stint"
)

// querier is what reads and writes run on: the *sql.DB or a *sql.Tx.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// scanner is a *sql.Row or *sql.Rows.
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
	err := scan(r.q.QueryRowContext(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return stint.Errorf(stint.ENOTFOUND, "%s not found", desc)
	}
	if err != nil {
		return fmt.Errorf("get %s: %w", desc, translate(err))
	}
	return nil
}

// list runs a query and scans every row with scan.
func list[T any](ctx context.Context, q querier, what string, scan func(scanner) (*T, error), query string, args ...any) ([]*T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
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

// insert runs an INSERT, returning ECONFLICT when the key is taken.
func (r reader) insert(ctx context.Context, t table, id, query string, args ...any) error {
	if id == "" {
		return stint.Errorf(stint.EINVALID, "%s has no %s; set it before creating", t.noun, t.key)
	}
	_, err := r.q.ExecContext(ctx, query, args...)
	if isDuplicate(err) {
		return stint.Errorf(stint.ECONFLICT, "%s %s already exists", t.noun, id)
	}
	if err != nil {
		return fmt.Errorf("create %s %s: %w", t.noun, id, translate(err))
	}
	return nil
}

// cas runs a compare-and-swap UPDATE or DELETE (one whose WHERE names the
// key and the version read). When it changes no row it returns ENOTFOUND if
// the row is gone and ECONFLICT if it changed.
func (r reader) cas(ctx context.Context, t table, id, query string, args ...any) error {
	res, err := r.q.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("write %s %s: %w", t.noun, id, translate(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("write %s %s: %w", t.noun, id, translate(err))
	}
	if n > 0 {
		return nil
	}
	var exists bool
	err = r.q.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM "+t.name+" WHERE "+t.key+" = ?)", id).Scan(&exists)
	if err != nil {
		return fmt.Errorf("write %s %s: %w", t.noun, id, translate(err))
	}
	if !exists {
		return stint.Errorf(stint.ENOTFOUND, "%s %q not found", t.noun, id)
	}
	return stint.Errorf(stint.ECONFLICT, "%s %s changed since it was read; retry", t.noun, id)
}

// insertSQL returns an INSERT of cols into table.
func insertSQL(table, cols string) string {
	n := strings.Count(cols, ",") + 1
	return "INSERT INTO " + table + " (" + cols + ") VALUES (" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}

// setSQL returns "a = ?, b = ?" for the comma-separated cols.
func setSQL(cols string) string {
	names := strings.Split(cols, ",")
	for i, c := range names {
		names[i] = strings.TrimSpace(c) + " = ?"
	}
	return strings.Join(names, ", ")
}

// where collects the conditions of a WHERE clause and their arguments.
type where struct {
	conds []string
	args  []any
}

// add adds a condition (with "?" placeholders) and its arguments.
func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// sql returns " WHERE a AND b", or "" without conditions.
func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// inList returns "?, ?, ?" for n values and the values as args.
func inList[S ~string](vals []S) (string, []any) {
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = string(v)
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", "), args
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
