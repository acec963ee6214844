package sqlstore

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

var (
	questionMarks = &Dialect{Placeholder: func(int) string { return "?" }}
	numbered      = &Dialect{Placeholder: func(n int) string { return "$" + strconv.Itoa(n) }, ArrayArgs: true}
)

func TestStatements(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"insert with ?", questionMarks.insertSQL(tokensTable, "id, hash,\n\tname"),
			"INSERT INTO tokens (id, hash,\n\tname) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"},
		{"insert with $n", numbered.insertSQL(tokensTable, "id, hash, name"),
			"INSERT INTO tokens (id, hash, name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"},
		{"update with ?", questionMarks.updateSQL(effectsTable, "kind,\n\tstate"),
			"UPDATE effects SET kind = ?, state = ?, version = version + 1 WHERE key = ? AND version = ?"},
		{"update with $n", numbered.updateSQL(grantsTable, "state, ends_at"),
			"UPDATE grants SET state = $1, ends_at = $2, version = version + 1 WHERE id = $3 AND version = $4"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.got, tt.name)
	}
}

func TestWhere(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		d        *Dialect
		states   []string
		wantSQL  string
		wantArgs []any
	}{
		{"no conditions", questionMarks, nil, " LIMIT ?", []any{10}},
		{"one argument per value", questionMarks, []string{"a", "b"},
			" WHERE user_id = ? AND state IN (?, ?) LIMIT ?", []any{"u", "a", "b", 10}},
		{"one array argument", numbered, []string{"a", "b"},
			" WHERE user_id = $1 AND state = ANY($2) LIMIT $3", []any{"u", []string{"a", "b"}, 10}},
	}
	for _, tt := range tests {
		w := where{d: tt.d}
		if tt.states != nil {
			w.add("user_id = " + w.arg("u"))
			w.in("state", tt.states)
		}
		got := w.sql() + " LIMIT " + w.arg(10)
		require.Equal(t, tt.wantSQL, got, tt.name)
		require.Equal(t, tt.wantArgs, w.args, tt.name)
	}
}

func TestLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		n, def, max, out int
	}{
		{"unset takes the default", 0, 100, 1000, 100},
		{"negative takes the default", -1, 100, 1000, 100},
		{"within the cap", 7, 100, 1000, 7},
		{"capped", 5000, 100, 1000, 1000},
		{"no cap", 5000, 100, 0, 5000},
	}
	for _, tt := range tests {
		require.Equal(t, tt.out, limit(tt.n, tt.def, tt.max), tt.name)
	}
}
