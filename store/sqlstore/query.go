package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/stint-dev/stint"
)

// table names a table and its key column, and what its rows are called in
// messages.
type table struct{ noun, name, key string }

var (
	requestsTable = table{noun: "request", name: "requests", key: "id"}
	grantsTable   = table{noun: "grant", name: "grants", key: "id"}
	effectsTable  = table{noun: "effect", name: "effects", key: "key"}
	tokensTable   = table{noun: "token", name: "tokens", key: "id"}
)

// Reader implements stint.Reader on a Querier.
type Reader struct {
	d *Dialect
	q Querier
}

var _ stint.Reader = Reader{}

// one runs a single-row query and scans its row with scan. desc names the
// row in messages (`grant "01J..."`); one returns ENOTFOUND when there is no
// row.
func one[T any](ctx context.Context, r Reader, desc string, scan func(*Dialect, Row) (*T, error), query string, args ...any) (*T, error) {
	v, err := scan(r.d, r.q.QueryRow(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) { // pgx.ErrNoRows is sql.ErrNoRows too
		return nil, stint.Errorf(stint.ENOTFOUND, "%s not found", desc)
	}
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", desc, r.d.Translate(err))
	}
	return v, nil
}

// list runs a query and scans every row with scan.
func list[T any](ctx context.Context, r Reader, what string, scan func(*Dialect, Row) (*T, error), query string, args ...any) ([]*T, error) {
	rows, err := r.q.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", what, r.d.Translate(err))
	}
	defer rows.Close()
	out := []*T{}
	for rows.Next() {
		v, err := scan(r.d, rows)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list %s: %w", what, r.d.Translate(err))
	}
	return out, nil
}

// insert runs an INSERT ... ON CONFLICT DO NOTHING (see insertSQL) and
// returns ECONFLICT when it inserted nothing. (A failing statement aborts a
// PostgreSQL transaction; avoiding the unique violation keeps it usable.)
func (r Reader) insert(ctx context.Context, t table, id, query string, args ...any) error {
	if id == "" {
		return stint.Errorf(stint.EINVALID, "%s has no %s; set it before creating", t.noun, t.key)
	}
	n, err := r.q.Exec(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("create %s %s: %w", t.noun, id, r.d.Translate(err))
	}
	if n == 0 {
		return stint.Errorf(stint.ECONFLICT, "%s %s already exists", t.noun, id)
	}
	return nil
}

// cas runs a compare-and-swap UPDATE or DELETE (one whose WHERE names the
// key and the version read). When it changes no row it returns ENOTFOUND if
// the row is gone and ECONFLICT if it changed.
func (r Reader) cas(ctx context.Context, t table, id, query string, args ...any) error {
	n, err := r.q.Exec(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("write %s %s: %w", t.noun, id, r.d.Translate(err))
	}
	if n > 0 {
		return nil
	}
	var exists bool
	err = r.q.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+t.name+" WHERE "+t.key+" = "+r.d.Placeholder(1)+")", id).Scan(&exists)
	if err != nil {
		return fmt.Errorf("write %s %s: %w", t.noun, id, r.d.Translate(err))
	}
	if !exists {
		return stint.Errorf(stint.ENOTFOUND, "%s %q not found", t.noun, id)
	}
	return stint.Errorf(stint.ECONFLICT, "%s %s changed since it was read; retry", t.noun, id)
}

// where collects the conditions of a WHERE clause and their arguments.
type where struct {
	d     *Dialect
	conds []string
	args  []any
}

// arg adds an argument and returns its placeholder.
func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return w.d.Placeholder(len(w.args))
}

// add adds a condition built with arg.
func (w *where) add(cond string) { w.conds = append(w.conds, cond) }

// in adds the condition that col is one of vals.
func (w *where) in(col string, vals []string) {
	if w.d.ArrayArgs {
		w.add(col + " = ANY(" + w.arg(vals) + ")")
		return
	}
	ps := make([]string, len(vals))
	for i, v := range vals {
		ps[i] = w.arg(v)
	}
	w.add(col + " IN (" + strings.Join(ps, ", ") + ")")
}

// contains adds the condition that the text of sql (a column or an
// expression) contains sub, ignoring case.
func (w *where) contains(sql, sub string) {
	w.add("lower(" + sql + ") LIKE " + w.likeArg(sub) + ` ESCAPE '\'`)
}

// likeArg adds the LIKE pattern that matches text containing sub (in
// lower case; LIKE's wildcards in sub match only themselves) and returns
// its placeholder.
func (w *where) likeArg(sub string) string {
	esc := strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(strings.ToLower(sub))
	return w.arg("%" + esc + "%")
}

// sql returns " WHERE a AND b", or "" without conditions.
func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// strs converts named string values to []string.
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
