package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

// externalScenarios cover the third-party users' table.
var externalScenarios = []scenario{
	{name: "external/create, get by ID, email and invite, update (CAS)", run: testExternals},
	{name: "external/list by org and sponsor, email unique", run: testExternalList},
}

// newExternal returns an external user with every field set.
func newExternal(id, email string) *stint.External {
	return &stint.External{
		ID: id, Email: email, Org: "Acme", Sponsor: "bob@example.com", InvitedBy: "dave@example.com",
		State: stint.ExternalActive, ExpiresAt: at(30 * 24 * time.Hour), InviteHash: "hash-" + id,
		InviteExpiresAt: at(72 * time.Hour), InviteUsedAt: ptr(at(time.Minute)), TOTPSecret: "v1:sealed ✓",
		EnrolledAt: ptr(at(2 * time.Minute)), TOTPStep: 1234567890123, Failures: 2, FailedAt: ptr(at(3 * time.Minute)),
		LockedUntil: ptr(at(18 * time.Minute)), RecoveryHashes: []string{"h1", "h2"},
		DisabledAt: ptr(at(time.Hour)), DisabledBy: "dave@example.com", CreatedAt: base, UpdatedAt: at(time.Second),
	}
}

func testExternals(t *testing.T, s stint.Store, _ *config) {
	ctx := t.Context()
	x := newExternal("ext:01A", "Vera@Acme.example")
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.ExternalCreate(ctx, x) })
	require.Equal(t, int64(1), x.Version)
	require.Equal(t, "vera@acme.example", x.Email, "emails are stored in lower case")

	got, err := s.ExternalGet(ctx, "ext:01A")
	require.NoError(t, err)
	require.Equal(t, x, got)
	require.Equal(t, stored(base), got.CreatedAt)
	byEmail, err := s.ExternalGetByEmail(ctx, "VERA@acme.example")
	require.NoError(t, err)
	require.Equal(t, x, byEmail)
	byInvite, err := s.ExternalGetByInvite(ctx, "hash-ext:01A")
	require.NoError(t, err)
	require.Equal(t, x.ID, byInvite.ID)
	_, err = s.ExternalGetByInvite(ctx, "")
	requireCode(t, err, stint.ENOTFOUND)
	_, err = s.ExternalGet(ctx, "ext:missing")
	requireCode(t, err, stint.ENOTFOUND)

	// Optional fields empty.
	bare := &stint.External{ID: "ext:01B", Email: "w@globex.example", Org: "Globex", Sponsor: "carol@example.com",
		State: stint.ExternalInvited, ExpiresAt: at(time.Hour), InviteHash: "hb", InviteExpiresAt: at(time.Hour), CreatedAt: base, UpdatedAt: base}
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.ExternalCreate(ctx, bare) })
	got, err = s.ExternalGet(ctx, "ext:01B")
	require.NoError(t, err)
	require.Equal(t, bare, got)
	require.Nil(t, got.RecoveryHashes)

	// Update is compare-and-swap.
	next := *got
	next.State, next.TOTPStep, next.RecoveryHashes = stint.ExternalActive, 42, []string{"r"}
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.ExternalUpdate(ctx, &next) })
	require.Equal(t, int64(2), next.Version)
	stale := *got
	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.ExternalUpdate(ctx, &stale) })
	requireCode(t, err, stint.ECONFLICT)
	got, err = s.ExternalGet(ctx, "ext:01B")
	require.NoError(t, err)
	require.Equal(t, &next, got)
	gone := *got
	gone.ID = "ext:gone"
	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.ExternalUpdate(ctx, &gone) })
	requireCode(t, err, stint.ENOTFOUND)

	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error {
		return tx.ExternalCreate(ctx, newExternal("u-not-external", "z@z.example"))
	})
	requireCode(t, err, stint.EINVALID, "ext:")
}

func testExternalList(t *testing.T, s stint.Store, _ *config) {
	ctx := t.Context()
	a, b, c := newExternal("ext:1", "b@acme.example"), newExternal("ext:2", "a@acme.example"), newExternal("ext:3", "c@globex.example")
	c.Org, c.Sponsor = "Globex", "carol@example.com"
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error {
		for _, x := range []*stint.External{a, b, c} {
			if err := tx.ExternalCreate(ctx, x); err != nil {
				return err
			}
		}
		return nil
	})
	emails := func(p *stint.ExternalListParams) []string {
		list, err := s.ExternalList(ctx, p)
		require.NoError(t, err)
		out := []string{}
		for _, x := range list {
			out = append(out, x.Email)
		}
		return out
	}
	require.Equal(t, []string{"a@acme.example", "b@acme.example", "c@globex.example"}, emails(nil))
	require.Equal(t, []string{"a@acme.example", "b@acme.example"}, emails(&stint.ExternalListParams{Org: "ACME"}))
	require.Equal(t, []string{"c@globex.example"}, emails(&stint.ExternalListParams{Sponsor: "Carol@example.com"}))
	require.Equal(t, []string{"a@acme.example"}, emails(&stint.ExternalListParams{Limit: 1}))

	dup := newExternal("ext:4", "A@acme.example")
	err := txErr(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.ExternalCreate(ctx, dup) })
	requireCode(t, err, stint.ECONFLICT)
}
