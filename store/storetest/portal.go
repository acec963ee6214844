package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

// portalScenarios cover what the web portal needs of a store: sessions,
// and the grant and event filters of its admin pages.
var portalScenarios = []scenario{
	{name: "session/put, get, replace, delete", run: testSessions},
	{name: "session/delete expired by absolute end and idle time", run: testSessionsExpired},
	{name: "grant/list by email, resource, with offset", run: testGrantListFilters},
	{name: "event/list by actor, text, until, oldest first, and paged both ways", run: testEventListFilters},
}

func testSessions(t *testing.T, s stint.Store, _ *config) {
	ctx := t.Context()
	_, hash := stint.NewSessionSecret()
	_, err := s.SessionGet(ctx, hash)
	requireCode(t, err, stint.ENOTFOUND, "session")

	pending := &stint.Session{Hash: hash, CSRF: "csrf-1", Data: map[string]string{"state": "s", "nonce": "n ✓"},
		CreatedAt: base, SeenAt: base, ExpiresAt: at(10 * time.Minute)}
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.SessionPut(ctx, pending) })
	got, err := s.SessionGet(ctx, hash)
	require.NoError(t, err)
	require.Equal(t, pending, got)
	require.Equal(t, stored(base), got.CreatedAt)

	signedIn := &stint.Session{Hash: hash, UserEmail: "alice@example.com", Method: stint.SessionOIDC, CSRF: "csrf-2",
		Data: map[string]string{}, CreatedAt: at(time.Hour), SeenAt: at(time.Minute), ExpiresAt: at(12 * time.Hour)}
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.SessionPut(ctx, signedIn) })
	got, err = s.SessionGet(ctx, hash)
	require.NoError(t, err)
	signedIn.CreatedAt = stored(base) // replacing keeps when it was created
	require.Equal(t, signedIn, got)

	inTx(t, s, func(ctx context.Context, tx stint.Tx) error {
		if err := tx.SessionDelete(ctx, hash); err != nil {
			return err
		}
		return tx.SessionDelete(ctx, "missing") // no error
	})
	_, err = s.SessionGet(ctx, hash)
	requireCode(t, err, stint.ENOTFOUND)
	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.SessionPut(ctx, &stint.Session{}) })
	requireCode(t, err, stint.EINVALID, "hash")
}

func testSessionsExpired(t *testing.T, s stint.Store, _ *config) {
	ctx := t.Context()
	mk := func(name string, seen, expires time.Duration) *stint.Session {
		return &stint.Session{Hash: name, UserEmail: name + "@example.com", CreatedAt: at(-24 * time.Hour),
			SeenAt: at(seen), ExpiresAt: at(expires)}
	}
	live := mk("live", -time.Minute, time.Hour)
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error {
		for _, ss := range []*stint.Session{live, mk("past-end", -time.Minute, 0), mk("idle", -2*time.Hour, time.Hour)} {
			if err := tx.SessionPut(ctx, ss); err != nil {
				return err
			}
		}
		return nil
	})
	var n int
	inTx(t, s, func(ctx context.Context, tx stint.Tx) (err error) {
		n, err = tx.SessionDeleteExpired(ctx, base, at(-time.Hour))
		return err
	})
	require.Equal(t, 2, n)
	got, err := s.SessionGet(ctx, "live")
	require.NoError(t, err)
	require.Equal(t, "live@example.com", got.UserEmail)
	for _, gone := range []string{"past-end", "idle"} {
		_, err := s.SessionGet(ctx, gone)
		requireCode(t, err, stint.ENOTFOUND)
	}
}

func testGrantListFilters(t *testing.T, s stint.Store, _ *config) {
	var gs []*stint.Grant
	for i := range 7 {
		g := newGrant(fmt.Sprintf("g-%d", i))
		g.CreatedAt = at(time.Duration(i) * time.Minute)
		if i%2 == 1 {
			g.UserID, g.UserEmail = "u-bob", "Bob@Example.com"
			g.ResourceID, g.AccountName = "aws-s3:222222222222/payments_logs:read", "prod-ledger"
		}
		gs = append(gs, g)
	}
	createGrants(t, s, gs...)
	list := func(p *stint.GrantListParams) []string {
		t.Helper()
		got, err := s.GrantList(t.Context(), p)
		require.NoError(t, err)
		return ids(got, grantID)
	}
	require.Equal(t, []string{"g-5", "g-3", "g-1"}, list(&stint.GrantListParams{UserEmail: "bob@example.com"}))
	require.Equal(t, []string{"g-5", "g-3", "g-1"}, list(&stint.GrantListParams{Resource: "PAYMENTS_LOGS"}))
	require.Equal(t, []string{"g-5", "g-3", "g-1"}, list(&stint.GrantListParams{Resource: "ledger"}), "by account name")
	require.Empty(t, list(&stint.GrantListParams{Resource: "payments%logs"}), "% is no wildcard")
	require.Equal(t, []string{"g-6", "g-4", "g-2", "g-0"}, list(&stint.GrantListParams{Resource: "111111111111/Admin"}))
	require.Equal(t, []string{"g-4", "g-3"}, list(&stint.GrantListParams{Offset: 2, Limit: 2}))
	require.Equal(t, []string{"g-0"}, list(&stint.GrantListParams{Offset: 6, Limit: 2}))
	require.Equal(t, []string{"g-1"}, list(&stint.GrantListParams{UserEmail: "bob@example.com", Offset: 2, Limit: 5}))
}

func testEventListFilters(t *testing.T, s stint.Store, _ *config) {
	ev := func(id string, d time.Duration, actor, subject string, data map[string]any) *stint.Event {
		return &stint.Event{ID: id, Time: at(d), Actor: actor, Type: stint.EventRequestCreated, Subject: subject, Data: data}
	}
	appendEvents(t, s,
		ev("e-1", 0, "alice@example.com", "r-1", map[string]any{"resources": []any{"aws-sso:111111111111/Admin"}}),
		ev("e-2", time.Minute, "Bob@example.com", "r-2", map[string]any{"reason": "100% sure"}),
		ev("e-3", time.Minute, "system", "g-1", map[string]any{"request_id": "r-1"}),
		ev("e-4", 2*time.Minute, "alice@example.com", "r-3", nil),
	)
	list := func(p *stint.EventListParams) []string {
		t.Helper()
		got, err := s.EventList(t.Context(), p)
		require.NoError(t, err)
		return ids(got, func(e *stint.Event) string { return e.ID })
	}
	require.Equal(t, []string{"e-1", "e-4"}, list(&stint.EventListParams{Actor: "ALICE@example.com"}))
	require.Equal(t, []string{"e-2"}, list(&stint.EventListParams{Actor: "bob@example.com"}))
	require.Equal(t, []string{"e-1", "e-3"}, list(&stint.EventListParams{Text: "r-1"}), "subject or data")
	require.Equal(t, []string{"e-1"}, list(&stint.EventListParams{Text: "111111111111/admin"}))
	require.Equal(t, []string{"e-2"}, list(&stint.EventListParams{Text: "100%"}))
	require.Empty(t, list(&stint.EventListParams{Text: "1_0"}), "_ is no wildcard")
	require.Equal(t, []string{"e-1", "e-2", "e-3"}, list(&stint.EventListParams{Until: at(2 * time.Minute)}))
	require.Equal(t, []string{"e-2", "e-3"}, list(&stint.EventListParams{Since: at(time.Minute), Until: at(2 * time.Minute)}))
	// Backwards: the newest two before e-4, then before the oldest of those.
	require.Equal(t, []string{"e-2", "e-3"}, list(&stint.EventListParams{BeforeID: "e-4", Limit: 2}))
	require.Equal(t, []string{"e-1"}, list(&stint.EventListParams{BeforeID: "e-2", Limit: 2}))
	// Forwards: the oldest two after e-1, then after the newest of those.
	require.Equal(t, []string{"e-2", "e-3"}, list(&stint.EventListParams{AfterID: "e-1", Limit: 2}))
	require.Equal(t, []string{"e-4"}, list(&stint.EventListParams{AfterID: "e-3", Limit: 2}))
	require.Empty(t, list(&stint.EventListParams{AfterID: "e-4"}))
	require.Equal(t, []string{"e-1", "e-2"}, list(&stint.EventListParams{Oldest: true, Limit: 2}))
	require.Equal(t, []string{"e-2", "e-3"}, list(&stint.EventListParams{Oldest: true, Since: at(time.Minute), Limit: 2}))
}
