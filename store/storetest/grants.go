package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

var grantScenarios = []scenario{
	{name: "grant/round trip of every field", run: testGrantRoundTrip},
	{name: "grant/update is compare-and-swap", run: testGrantCAS},
	{name: "grant/missing is not found", run: testGrantMissing},
	{name: "grant/duplicate ID conflicts", run: testGrantDuplicate},
	{name: "grant/list filters and order", run: testGrantList},
}

func testGrantRoundTrip(t *testing.T, s stint.Store, _ *config) {
	g := newGrant("g-1")
	createGrants(t, s, g)
	require.EqualValues(t, 1, g.Version)
	got, err := s.GrantGet(t.Context(), "g-1")
	require.NoError(t, err)
	require.Equal(t, g, got)
	require.True(t, got.EndedAt.Equal(at(2*time.Hour).Truncate(time.Microsecond)))

	got.State, got.EndReason, got.EndedAt, got.RevokedBy = stint.GrantActive, "", nil, ""
	got.EndsAt, got.Extensions, got.FailedOp, got.LastError = at(5*time.Hour), 3, "", ""
	got.Attempts, got.UpdatedAt = 4, at(4*time.Hour)
	got.Duration, got.BreakGlass = stint.Duration(4*time.Hour), false
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.GrantUpdate(ctx, got) })
	require.EqualValues(t, 2, got.Version)
	again, err := s.GrantGet(t.Context(), "g-1")
	require.NoError(t, err)
	require.Equal(t, got, again)

	empty := &stint.Grant{ID: "g-empty"}
	createGrants(t, s, empty)
	got, err = s.GrantGet(t.Context(), "g-empty")
	require.NoError(t, err)
	require.Equal(t, empty, got)
}

func testGrantCAS(t *testing.T, s stint.Store, _ *config) {
	ctx := t.Context()
	createGrants(t, s, newGrant("g-1"))
	first, err := s.GrantGet(ctx, "g-1")
	require.NoError(t, err)
	second, err := s.GrantGet(ctx, "g-1")
	require.NoError(t, err)

	first.Extensions = 10
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.GrantUpdate(ctx, first) })
	second.Extensions = 20
	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.GrantUpdate(ctx, second) })
	requireCode(t, err, stint.ECONFLICT, "grant g-1 changed since it was read; retry")
	require.EqualValues(t, 1, second.Version)

	got, err := s.GrantGet(ctx, "g-1")
	require.NoError(t, err)
	require.Equal(t, 10, got.Extensions)
	require.EqualValues(t, 2, got.Version)
}

func testGrantMissing(t *testing.T, s stint.Store, _ *config) {
	_, err := s.GrantGet(t.Context(), "g-nope")
	requireCode(t, err, stint.ENOTFOUND, `grant "g-nope" not found`)
	g := newGrant("g-nope")
	g.Version = 3
	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.GrantUpdate(ctx, g) })
	requireCode(t, err, stint.ENOTFOUND, "g-nope")
}

func testGrantDuplicate(t *testing.T, s stint.Store, _ *config) {
	createGrants(t, s, newGrant("g-1"))
	err := txErr(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.GrantCreate(ctx, newGrant("g-1")) })
	requireCode(t, err, stint.ECONFLICT, "g-1")
	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.GrantCreate(ctx, &stint.Grant{}) })
	requireCode(t, err, stint.EINVALID)
}

func testGrantList(t *testing.T, s stint.Store, _ *config) {
	spec := []struct {
		id, user, request string
		state             stint.GrantState
		created           time.Duration
	}{
		{"g-1", "u-alice", "req-1", stint.GrantEnded, 0},
		{"g-2", "u-alice", "req-1", stint.GrantActive, 0},
		{"g-3", "u-bob", "req-2", stint.GrantScheduled, time.Minute},
		{"g-4", "u-alice", "req-3", stint.GrantFailed, 2 * time.Minute},
	}
	for _, sp := range spec {
		g := newGrant(sp.id)
		g.UserID, g.RequestID, g.State, g.CreatedAt = sp.user, sp.request, sp.state, at(sp.created)
		createGrants(t, s, g)
	}
	tests := []struct {
		name   string
		params *stint.GrantListParams
		want   []string
	}{
		{"nil params: all, newest first", nil, []string{"g-4", "g-3", "g-2", "g-1"}},
		{"by user", &stint.GrantListParams{UserID: "u-alice"}, []string{"g-4", "g-2", "g-1"}},
		{"by request", &stint.GrantListParams{RequestID: "req-1"}, []string{"g-2", "g-1"}},
		{"by states", &stint.GrantListParams{States: []stint.GrantState{stint.GrantActive, stint.GrantScheduled}},
			[]string{"g-3", "g-2"}},
		{"by user, request and state", &stint.GrantListParams{UserID: "u-alice", RequestID: "req-1",
			States: []stint.GrantState{stint.GrantEnded}}, []string{"g-1"}},
		{"limit", &stint.GrantListParams{Limit: 1}, []string{"g-4"}},
		{"no match", &stint.GrantListParams{UserID: "u-nobody"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.GrantList(t.Context(), tt.params)
			require.NoError(t, err)
			require.Equal(t, tt.want, ids(got, grantID))
		})
	}
}
