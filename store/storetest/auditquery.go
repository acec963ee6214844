package storetest

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/audit"
)

// auditQueryScenarios cover what audit queries, forwarding and retention
// need of a store.
var auditQueryScenarios = []scenario{
	{name: "event/list by resource, account, flow and type prefix", run: testEventListByRef},
	{name: "event/list in chain order after a seq", run: testEventListChainOrder},
	{name: "grant/list by resource, account, flow and access window", run: testGrantListWindow},
	{name: "forward cursor/create, advance, compare-and-swap", run: testForwardCursors},
	{name: "retention/prune leaves a signed anchor the verify starts from", run: testEventPrune},
}

func testEventListByRef(t *testing.T, s stint.Store, _ *config) {
	// req-1 names Admin in 111111111111 and two resources in 222222222222;
	// req-2 (flow dev-auto) names ReadOnly in 222222222222 only and was
	// denied, so it has no grant.
	r1, r2 := newRequest("req-1"), newRequest("req-2")
	r2.Flow, r2.Resources = "dev-auto", r1.Resources[1:2]
	createRequests(t, s, r1, r2)
	g1 := newGrant("g-1") // Admin in 111111111111, of req-1
	createGrants(t, s, g1)
	ev := func(id string, d time.Duration, typ, subject string) *stint.Event {
		return &stint.Event{ID: id, Time: at(d), Actor: "system", Type: typ, Subject: subject}
	}
	appendEvents(t, s,
		ev("e-1", 0, stint.EventRequestCreated, "req-1"),
		ev("e-2", time.Minute, stint.EventRequestCreated, "req-2"),
		ev("e-3", 2*time.Minute, stint.EventRequestDenied, "req-2"),
		ev("e-4", 3*time.Minute, stint.EventGrantActive, "g-1"),
		ev("e-5", 4*time.Minute, stint.EventGrantEnded, "g-1"),
		ev("e-6", 5*time.Minute, stint.EventConfigLoaded, "config"),
	)
	list := func(p *stint.EventListParams) []string {
		t.Helper()
		got, err := s.EventList(t.Context(), p)
		require.NoError(t, err)
		return ids(got, eventID)
	}
	require.Equal(t, []string{"e-1", "e-4", "e-5"}, list(&stint.EventListParams{Resource: "aws-sso:111111111111/Admin"}),
		"the request naming it and its grant")
	require.Equal(t, []string{"e-1", "e-2", "e-3"}, list(&stint.EventListParams{Resource: "aws-sso:222222222222/ReadOnly"}),
		"requests without grants too")
	require.Empty(t, list(&stint.EventListParams{Resource: "aws-sso:111111111111/admin"}), "exact")
	require.Equal(t, []string{"e-1", "e-4", "e-5"}, list(&stint.EventListParams{Account: "111111111111"}))
	require.Equal(t, []string{"e-1", "e-2", "e-3"}, list(&stint.EventListParams{Account: "222222222222"}))
	require.Equal(t, []string{"e-2", "e-3"}, list(&stint.EventListParams{Flow: "dev-auto"}))
	require.Equal(t, []string{"e-1", "e-4", "e-5"}, list(&stint.EventListParams{Flow: "prod-admin"}))
	require.Equal(t, []string{"e-4", "e-5"}, list(&stint.EventListParams{Type: "grant.*"}))
	require.Equal(t, []string{"e-1", "e-2", "e-3"}, list(&stint.EventListParams{Type: "request.*"}))
	require.Empty(t, list(&stint.EventListParams{Type: "grant_*"}), "_ is no wildcard")
	require.Equal(t, []string{"e-5"}, list(&stint.EventListParams{Type: "grant.*", Account: "111111111111", Since: at(4 * time.Minute)}))
	require.Equal(t, []string{"e-4"}, list(&stint.EventListParams{Resource: "aws-sso:111111111111/Admin", Type: stint.EventGrantActive}))
}

func testEventListChainOrder(t *testing.T, s stint.Store, _ *config) {
	// Appended out of time order: chain order is commit order.
	appendEvents(t, s, &stint.Event{ID: "e-b", Time: at(time.Hour), Type: "t"}, &stint.Event{ID: "e-a", Time: base, Type: "t"})
	appendEvents(t, s, &stint.Event{ID: "e-c", Time: at(-time.Hour), Type: "u"})
	list := func(p *stint.EventListParams) []string {
		t.Helper()
		got, err := s.EventList(t.Context(), p)
		require.NoError(t, err)
		return ids(got, eventID)
	}
	require.Equal(t, []string{"e-b", "e-a", "e-c"}, list(&stint.EventListParams{ChainOrder: true}))
	require.Equal(t, []string{"e-a"}, list(&stint.EventListParams{ChainOrder: true, AfterSeq: 1, Limit: 1}))
	require.Equal(t, []string{"e-c"}, list(&stint.EventListParams{ChainOrder: true, AfterSeq: 2}))
	require.Empty(t, list(&stint.EventListParams{ChainOrder: true, AfterSeq: 3}))
	require.Equal(t, []string{"e-c"}, list(&stint.EventListParams{ChainOrder: true, Type: "u", BeforeID: "e-a"}), "time paging is ignored")
}

// accessHistory is a scripted history of grants to one resource, times
// from base: overlapping, extended, revoked early, never started.
func accessHistory() []*stint.Grant {
	const res = "aws-sso:111111111111/Admin"
	mk := func(id, user string, state stint.GrantState, start, end time.Duration) *stint.Grant {
		g := newGrant(id)
		g.UserID, g.UserEmail, g.ResourceID, g.State = "u-"+user, user+"@example.com", res, state
		g.StartsAt, g.EndsAt, g.EndedAt, g.EndReason, g.RevokedBy, g.Extensions = at(start), at(end), nil, "", "", 0
		g.CreatedAt = at(start - time.Minute)
		return g
	}
	ended := func(g *stint.Grant, reason string, at time.Time) *stint.Grant {
		g.EndReason, g.EndedAt = reason, &at
		return g
	}
	extended := mk("g-carol", "carol", stint.GrantActive, 3*time.Hour, 6*time.Hour) // was 3h-4h, extended by 2h
	extended.Extensions = 1
	other := mk("g-other", "alice", stint.GrantActive, 0, 8*time.Hour)
	other.ResourceID, other.AccountID, other.Flow = "aws-sso:222222222222/ReadOnly", "222222222222", "dev-auto"
	return []*stint.Grant{
		ended(mk("g-alice", "alice", stint.GrantEnded, 0, 2*time.Hour), stint.EndExpired, at(2*time.Hour)),
		ended(mk("g-bob", "bob", stint.GrantEnded, time.Hour, 5*time.Hour), stint.EndRevoked, at(90*time.Minute)),
		extended,
		mk("g-dave", "dave", stint.GrantScheduled, 10*time.Hour, 11*time.Hour),
		mk("g-erin", "erin", stint.GrantReady, 0, time.Hour),
		ended(mk("g-frank", "frank", stint.GrantEnded, 0, time.Hour), stint.EndNotActivated, at(time.Hour)),
		ended(mk("g-grace", "grace", stint.GrantEnded, 8*time.Hour, 9*time.Hour), stint.EndRevoked, at(time.Hour)), // revoked while scheduled
		other,
	}
}

func testGrantListWindow(t *testing.T, s stint.Store, _ *config) {
	createGrants(t, s, accessHistory()...)
	const res = "aws-sso:111111111111/Admin"
	now := at(5 * time.Hour)
	tests := []struct {
		name        string
		from, until time.Duration
		want        []string // by the store, newest first
		exact       []string // after AccessOverlaps at now
	}{
		{"alice alone", 100 * time.Minute, 150 * time.Minute, []string{"g-alice"}, []string{"g-alice"}},
		{"overlapping and extended", 80 * time.Minute, 200 * time.Minute, []string{"g-carol", "g-bob", "g-alice"}, []string{"g-carol", "g-bob", "g-alice"}},
		{"the extension", 4*time.Hour + time.Minute, 5 * time.Hour, []string{"g-carol"}, []string{"g-carol"}},
		{"after the extended end", 7 * time.Hour, 9 * time.Hour, []string{"g-carol"}, []string{}},
		{"before anything", -2 * time.Hour, -time.Hour, []string{}, []string{}},
		{"all day", -time.Hour, 24 * time.Hour, []string{"g-carol", "g-bob", "g-alice"}, []string{"g-carol", "g-bob", "g-alice"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.GrantList(t.Context(), &stint.GrantListParams{ResourceID: res, From: at(tt.from), Until: at(tt.until)})
			require.NoError(t, err)
			require.Equal(t, tt.want, ids(got, grantID))
			exact := []string{}
			for _, g := range got {
				if stint.AccessOverlaps(g, now, at(tt.from), at(tt.until)) {
					exact = append(exact, g.ID)
				}
			}
			require.Equal(t, tt.exact, exact)
		})
	}
	got, err := s.GrantList(t.Context(), &stint.GrantListParams{AccountID: "222222222222"})
	require.NoError(t, err)
	require.Equal(t, []string{"g-other"}, ids(got, grantID))
	got, err = s.GrantList(t.Context(), &stint.GrantListParams{Flow: "dev-auto", From: at(time.Hour), Until: at(2 * time.Hour)})
	require.NoError(t, err)
	require.Equal(t, []string{"g-other"}, ids(got, grantID))
	got, err = s.GrantList(t.Context(), &stint.GrantListParams{UserID: "u-alice", From: at(3 * time.Hour), Until: at(4 * time.Hour)})
	require.NoError(t, err)
	require.Equal(t, []string{"g-other"}, ids(got, grantID), "what alice could reach then")
}

func testForwardCursors(t *testing.T, s stint.Store, _ *config) {
	ctx := t.Context()
	list := func() []*stint.ForwardCursor {
		t.Helper()
		got, err := s.ForwardCursorList(ctx)
		require.NoError(t, err)
		return got
	}
	require.Empty(t, list())
	c := &stint.ForwardCursor{Name: "siem", Seq: 5, ForwardedAt: base, AttemptedAt: base}
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.ForwardCursorPut(ctx, c) })
	require.EqualValues(t, 1, c.Version)
	stale := *c
	c.Seq, c.AttemptedAt, c.LastError = 9, at(time.Minute), "503 from the collector ✓"
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.ForwardCursorPut(ctx, c) })
	require.EqualValues(t, 2, c.Version)
	err := txErr(t, s, func(ctx context.Context, tx stint.Tx) error { stale.Seq = 7; return tx.ForwardCursorPut(ctx, &stale) })
	requireCode(t, err, stint.ECONFLICT, "siem")
	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error {
		return tx.ForwardCursorPut(ctx, &stint.ForwardCursor{Name: "siem", ForwardedAt: base, AttemptedAt: base})
	})
	requireCode(t, err, stint.ECONFLICT, "already exists")
	archive := &stint.ForwardCursor{Name: "archive", ForwardedAt: base, AttemptedAt: base}
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.ForwardCursorPut(ctx, archive) })
	require.Equal(t, []*stint.ForwardCursor{archive, c}, list())
	require.Equal(t, stored(at(time.Minute)), c.AttemptedAt)
	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.ForwardCursorPut(ctx, &stint.ForwardCursor{}) })
	requireCode(t, err, stint.EINVALID, "name")
}

func testEventPrune(t *testing.T, s stint.Store, _ *config) {
	ctx := t.Context()
	_, priv, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	signer := &audit.Signer{Key: priv, Now: func() time.Time { return at(time.Hour) }}
	var evs []*stint.Event
	for i := range 5 {
		evs = append(evs, &stint.Event{ID: fmt.Sprintf("e-%d", i+1), Time: at(time.Duration(i) * time.Minute), Type: "t"})
	}
	appendEvents(t, s, evs...)
	_, err = signer.Checkpoint(ctx, s)
	require.NoError(t, err)

	wrong := signer.SignAnchor(3, evs[1].Hash)
	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error { _, err := tx.EventPrune(ctx, wrong); return err })
	requireCode(t, err, stint.ECONFLICT, "another hash")
	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error {
		_, err := tx.EventPrune(ctx, signer.SignAnchor(9, "x"))
		return err
	})
	requireCode(t, err, stint.ECONFLICT, "not in the store")

	a := signer.SignAnchor(3, evs[2].Hash)
	var n int64
	inTx(t, s, func(ctx context.Context, tx stint.Tx) (err error) { n, err = tx.EventPrune(ctx, a); return err })
	require.EqualValues(t, 3, n)
	require.EqualValues(t, 3, a.Pruned)
	anchors, err := s.AnchorList(ctx)
	require.NoError(t, err)
	require.Equal(t, []*stint.Anchor{a}, anchors)
	left, err := s.EventList(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, []string{"e-4", "e-5"}, ids(left, eventID))

	rep, err := audit.Verify(ctx, s, []ed25519.PublicKey{signer.PublicKey()})
	require.NoError(t, err)
	require.True(t, rep.OK(), "retention is no truncation: %v", rep.Broken)
	require.Equal(t, 2, rep.Events)
	require.Equal(t, a, rep.Anchor)
}
