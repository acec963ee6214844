package broker

import (
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

// TestMerge: statements no longer needed go, a grant's statement replaces
// its earlier one, and past the size bound one statement denies every
// session issued before the latest revocation until the latest expiry.
func TestMerge(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	g := func(id string) *stint.Grant { return &stint.Grant{ID: id} }
	old := grantStatement(g("gold"), now.Add(-2*time.Hour), now.Add(-time.Minute))
	a := grantStatement(g("ga"), now.Add(-10*time.Minute), now.Add(50*time.Minute))
	a2 := grantStatement(g("ga"), now, now.Add(time.Hour))
	b := grantStatement(g("gb"), now, now.Add(30*time.Minute))

	out := merge([]cutoffStatement{old, a}, b, now)
	require.Equal(t, []cutoffStatement{a, b}, out, "the expired statement went")
	out = merge(out, a2, now)
	require.Equal(t, []cutoffStatement{b, a2}, out, "ga's later cut-off replaced its earlier one")
	require.True(t, covers(out, g("ga"), now))
	require.True(t, covers(out, g("ga"), now.Add(-time.Minute)), "an earlier time is covered by a later cut-off")
	require.False(t, covers(out, g("ga"), now.Add(time.Second)))
	require.False(t, covers(out, g("gc"), now))

	var many []cutoffStatement
	collapsed := -1
	for i := range 40 {
		many = merge(many, grantStatement(g(fmt.Sprintf("01JGRANT%018d", i)), now.Add(time.Duration(i)*time.Second), now.Add(time.Hour+time.Duration(i)*time.Minute)), now)
		doc, _ := json.Marshal(cutoffDoc{Version: "2012-10-17", Statement: many})
		require.LessOrEqual(t, len(doc), maxCutoffChars)
		if len(many) == 1 && i > 0 && collapsed < 0 {
			collapsed = i
		}
	}
	require.Positive(t, collapsed, "past the bound: one statement for all sessions")
	many = nil
	for i := range collapsed + 1 {
		many = merge(many, grantStatement(g(fmt.Sprintf("01JGRANT%018d", i)), now.Add(time.Duration(i)*time.Second), now.Add(time.Hour+time.Duration(i)*time.Minute)), now)
	}
	require.Len(t, many, 1)
	all := many[0]
	require.Equal(t, fmt.Sprintf("StintAllSessionsUntil%d", now.Add(time.Hour+time.Duration(collapsed)*time.Minute).Unix()), all.Sid, "until the latest expiry")
	require.Equal(t, map[string]map[string]string{"DateLessThan": {"aws:TokenIssueTime": now.Add(time.Duration(collapsed) * time.Second).Format(time.RFC3339)}}, all.Condition, "before the latest revocation")
	require.True(t, covers(many, g("01JGRANT000000000000000000"), now))
	many = merge(many, grantStatement(g("later"), now.Add(time.Hour), now.Add(2*time.Hour)), now)
	require.Len(t, many, 2, "later grants get their own statements again")

	require.Equal(t, []cutoffStatement{a}, parseCutoff(`%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B`+
		mustEscape(t, a)+`%5D%7D`), "IAM's URL-encoded answer")
	require.Nil(t, parseCutoff("not json"))
}

func mustEscape(t *testing.T, s cutoffStatement) string {
	t.Helper()
	b, err := json.Marshal(s)
	require.NoError(t, err)
	return urlEscape(string(b))
}

func urlEscape(s string) string { return url.QueryEscape(s) }
