package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

var dueScenarios = []scenario{
	{name: "grant/due by state and time", run: testGrantListDue},
	{name: "grant/due follows updates", run: testGrantListDueAfterUpdate},
	{name: "grant/due and list among 10k grants", run: testGrantListDueMany},
}

// dueGrant returns a grant in state that starts and ends at the offsets from base.
func dueGrant(id string, state stint.GrantState, starts, ends time.Duration) *stint.Grant {
	g := newGrant(id)
	g.State, g.StartsAt, g.EndsAt = state, at(starts), at(ends)
	return g
}

func testGrantListDue(t *testing.T, s stint.Store, _ *config) {
	createGrants(t, s,
		dueGrant("scheduled-due", stint.GrantScheduled, -2*time.Hour, time.Hour),
		dueGrant("scheduled-later", stint.GrantScheduled, time.Hour, 2*time.Hour),
		dueGrant("scheduled-at-before", stint.GrantScheduled, 0, time.Hour),
		dueGrant("active-due", stint.GrantActive, -5*time.Hour, -time.Hour),
		dueGrant("active-later", stint.GrantActive, -5*time.Hour, time.Hour),
		dueGrant("activating-due", stint.GrantActivating, -5*time.Hour, -30*time.Minute),
		dueGrant("failed-due", stint.GrantFailed, -5*time.Hour, -3*time.Hour),
		// Ready grants are due at the end of their activation window, whenever they start.
		dueGrant("ready-due", stint.GrantReady, -4*time.Hour, -45*time.Minute),
		dueGrant("ready-later", stint.GrantReady, -time.Hour, 75*time.Minute),
		dueGrant("ready-starts-later", stint.GrantReady, 2*time.Hour, 3*time.Hour),
		dueGrant("revoking-never", stint.GrantRevoking, -9*time.Hour, -8*time.Hour),
		dueGrant("ended-never", stint.GrantEnded, -9*time.Hour, -8*time.Hour),
	)
	dueByBase := []string{"failed-due", "scheduled-due", "active-due", "ready-due", "activating-due"}
	dueBy90m := append(slices.Clone(dueByBase), "scheduled-at-before", "active-later", "scheduled-later", "ready-later")
	tests := []struct {
		name   string
		params *stint.GrantListDueParams
		want   []string
	}{
		{"due before base, by due time; the boundary is not due", &stint.GrantListDueParams{Before: base}, dueByBase},
		{"max", &stint.GrantListDueParams{Before: base, Max: 2}, []string{"failed-due", "scheduled-due"}},
		{"earlier cut-off", &stint.GrantListDueParams{Before: at(-150 * time.Minute)}, []string{"failed-due"}},
		{"later cut-off", &stint.GrantListDueParams{Before: at(90 * time.Minute)}, dueBy90m},
		{"a ready grant is not due at its start", &stint.GrantListDueParams{Before: at(150 * time.Minute)}, dueBy90m},
		{"but at its window's end", &stint.GrantListDueParams{Before: at(3*time.Hour + time.Microsecond)},
			append(slices.Clone(dueBy90m), "ready-starts-later")},
		{"nothing due", &stint.GrantListDueParams{Before: at(-24 * time.Hour)}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.GrantListDue(t.Context(), tt.params)
			require.NoError(t, err)
			require.Equal(t, tt.want, ids(got, grantID))
		})
	}
}

func testGrantListDueAfterUpdate(t *testing.T, s stint.Store, _ *config) {
	g := dueGrant("g-1", stint.GrantReady, -time.Hour, time.Hour) // its window ends an hour from base
	createGrants(t, s, g)
	due := func() []string {
		got, err := s.GrantListDue(t.Context(), &stint.GrantListDueParams{Before: base})
		require.NoError(t, err)
		return ids(got, grantID)
	}
	require.Empty(t, due())

	g.EndsAt = at(-time.Minute)
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.GrantUpdate(ctx, g) })
	require.Equal(t, []string{"g-1"}, due())

	g.State, g.EndsAt = stint.GrantScheduled, at(time.Hour) // due at its start, an hour before base
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.GrantUpdate(ctx, g) })
	require.Equal(t, []string{"g-1"}, due())

	g.State = stint.GrantActive // now due at its end, an hour from base
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.GrantUpdate(ctx, g) })
	require.Empty(t, due())

	g.EndsAt = at(-time.Minute)
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.GrantUpdate(ctx, g) })
	require.Equal(t, []string{"g-1"}, due())

	g.State = stint.GrantEnded
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.GrantUpdate(ctx, g) })
	require.Empty(t, due())
}

// testGrantListDueMany checks the due list and list limits among many
// grants; how fast the store answers is for benchmarks to measure.
func testGrantListDueMany(t *testing.T, s stint.Store, _ *config) {
	const n = 10001
	gs := make([]*stint.Grant, 0, n)
	for i, id := range seq("g", n) {
		g := dueGrant(id, stint.GrantEnded, -48*time.Hour, -24*time.Hour)
		if i%1000 == 0 { // 11 live grants, due from 10 hours before base
			g.State, g.EndsAt = stint.GrantActive, at(time.Duration(i/1000-10)*time.Hour)
		}
		gs = append(gs, g)
	}
	createGrants(t, s, gs...)

	due, err := s.GrantListDue(t.Context(), &stint.GrantListDueParams{Before: base, Max: 3})
	require.NoError(t, err)
	require.Equal(t, []string{"g-00000", "g-01000", "g-02000"}, ids(due, grantID))
	due, err = s.GrantListDue(t.Context(), &stint.GrantListDueParams{Before: base})
	require.NoError(t, err)
	require.Len(t, due, 10)

	all, err := s.GrantList(t.Context(), nil)
	require.NoError(t, err)
	require.Len(t, all, 100, "default limit")
	all, err = s.GrantList(t.Context(), &stint.GrantListParams{Limit: 50000})
	require.NoError(t, err)
	require.Len(t, all, 10000, "at most 10000")
	require.Equal(t, "g-10000", all[0].ID)
}
