package scoped

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestCutoffStatementsRoundTrip(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, c := range []cutoff{
		{users: []string{"alice"}, at: at},
		{users: []string{"alice@example.com", "bob"}, at: at},
		{users: []string{"we*ird?na$me"}, at: at},
		{at: at}, // everyone
	} {
		raw := c.statement("StintCutoff1")
		got, ok := parseCutoff(raw)
		require.True(t, ok, "%s", raw)
		require.Equal(t, c, got)
	}
	require.Contains(t, string(cutoff{users: []string{"a*b"}, at: at}.statement("S")), `"*:a${*}b"`)
}

func TestCutoffsInThePolicy(t *testing.T) {
	t.Parallel()
	base := S3Policy("aws", "b", "read")
	now := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
	doc, err := parsePolicy(base, false)
	require.NoError(t, err)
	doc.cutoffs = []cutoff{
		{users: []string{"old"}, at: now.Add(-61 * time.Minute)},   // can match no session: dropped
		{users: []string{"alice"}, at: now.Add(-30 * time.Minute)}, // superseded by alice's later one
		{users: []string{"alice"}, at: now.Add(-5 * time.Minute)},
		{users: []string{"bob"}, at: now.Add(-10 * time.Minute)},
	}
	out, err := doc.policy(now)
	require.NoError(t, err)
	back, err := parsePolicy(out, true)
	require.NoError(t, err)
	require.True(t, sameBase(doc, back))
	require.Equal(t, []cutoff{
		{users: []string{"bob"}, at: now.Add(-10 * time.Minute)},
		{users: []string{"alice"}, at: now.Add(-5 * time.Minute)},
	}, back.cutoffs)
	require.Contains(t, out, `"Sid":"StintCutoff1"`)
	require.Contains(t, out, `"Sid":"StintCutoff2"`)

	// A policy given to Ensure may not hold cut-offs; one read from AWS
	// keeps the ones it cannot read.
	_, err = parsePolicy(out, false)
	require.ErrorContains(t, err, "cut-off statements")
	odd := strings.Replace(out, `]}`, `,{"Sid":"StintCutoffByHand","Effect":"Deny","Action":"s3:*","Resource":"*"}]}`, 1)
	back, err = parsePolicy(odd, true)
	require.NoError(t, err)
	require.Len(t, back.foreign, 1)
	out, err = back.policy(now)
	require.NoError(t, err)
	require.Contains(t, out, "StintCutoffByHand")
}

func TestCutoffsFoldWhenTheyDoNotFit(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
	// A base policy that leaves little more than PolicyReserve free.
	var stmts []string
	for i := 0; ; i++ {
		stmts = append(stmts, fmt.Sprintf(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket-%04d/*"}`, i))
		if CheckPolicy(`{"Version":"2012-10-17","Statement":[`+strings.Join(stmts, ",")+`,`+stmts[0]+`]}`) != nil {
			break
		}
	}
	base := `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
	require.NoError(t, CheckPolicy(base))
	doc, err := parsePolicy(base, false)
	require.NoError(t, err)

	// Ten users: too many statements; one statement for all of them fits.
	for i := range 10 {
		doc.cutoffs = append(doc.cutoffs, cutoff{users: []string{fmt.Sprintf("u%d", i)}, at: now.Add(time.Duration(-i) * time.Minute)})
	}
	out, err := doc.policy(now)
	require.NoError(t, err)
	require.True(t, fits(out))
	back, err := parsePolicy(out, true)
	require.NoError(t, err)
	require.Len(t, back.cutoffs, 1)
	require.Equal(t, now, back.cutoffs[0].at, "the latest time, for all of them")
	require.Len(t, back.cutoffs[0].users, 10)

	// Many long names: even one statement does not fit, so it is for
	// everyone.
	doc.cutoffs = nil
	for i := range 40 {
		doc.cutoffs = append(doc.cutoffs, cutoff{users: []string{fmt.Sprintf("a-rather-long-user-name-%02d@example.com", i)}, at: now})
	}
	out, err = doc.policy(now)
	require.NoError(t, err)
	back, err = parsePolicy(out, true)
	require.NoError(t, err)
	require.Equal(t, []cutoff{{at: now}}, back.cutoffs)
}

func TestCutoffTime(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 4, 12, 0, 0, 400_000_000, time.UTC)
	require.Equal(t, time.Date(2026, 3, 4, 12, 0, 11, 0, time.UTC), cutoffTime(now), "next second, plus the margin")
}
