package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

var tokenScenarios = []scenario{
	{name: "token/create and get by hash", run: testTokens},
}

var directoryScenarios = []scenario{
	{name: "directory/put replaces the snapshot", run: testDirectory},
}

func testTokens(t *testing.T, s stint.Store, _ *config) {
	ctx := t.Context()
	_, hash1 := stint.NewTokenSecret()
	_, hash2 := stint.NewTokenSecret()
	expiring := &stint.Token{ID: "t-1", Hash: hash1, UserEmail: "alice@example.com", Name: "laptop",
		CreatedAt: base, ExpiresAt: ptr(at(30 * 24 * time.Hour))}
	forever := &stint.Token{ID: "t-2", Hash: hash2, UserEmail: "ci@example.com", Name: "ci", CreatedAt: base}
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error {
		if err := tx.TokenCreate(ctx, expiring); err != nil {
			return err
		}
		return tx.TokenCreate(ctx, forever)
	})
	for _, want := range []*stint.Token{expiring, forever} {
		got, err := s.TokenGetByHash(ctx, want.Hash)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}

	_, err := s.TokenGetByHash(ctx, stint.HashToken("stint_unknown"))
	requireCode(t, err, stint.ENOTFOUND, "token")
	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error {
		return tx.TokenCreate(ctx, &stint.Token{ID: "t-3", Hash: hash1, CreatedAt: base})
	})
	requireCode(t, err, stint.ECONFLICT, "token")
}

func testDirectory(t *testing.T, s stint.Store, _ *config) {
	ctx := t.Context()
	_, err := s.DirectoryGet(ctx)
	requireCode(t, err, stint.ENOTFOUND, "directory")

	first := &stint.Directory{
		InstanceARN: "arn:aws:sso:::instance/ssoins-1", IdentityStoreID: "d-1",
		Users: []stint.User{{ID: "u-alice", UserName: "alice", Email: "alice@example.com", DisplayName: "Alice",
			Groups: []string{"admins", "eng"}}},
		Groups: []stint.Group{{ID: "grp-1", Name: "admins"}, {ID: "grp-2", Name: "eng"}},
		Accounts: []stint.Account{
			{ID: "111111111111", Name: "prod-payments", OUPath: "Prod/Payments", Tags: map[string]string{"env": "prod"}},
			{ID: "222222222222", Name: "sandbox"},
		},
		PermissionSets: []stint.PermissionSet{{ARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-1", Name: "Admin",
			SessionDuration: "PT1H"}},
		SyncedAt: base,
	}
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.DirectoryPut(ctx, first) })
	require.Equal(t, stored(base), first.SyncedAt)
	got, err := s.DirectoryGet(ctx)
	require.NoError(t, err)
	require.Equal(t, first, got)

	second := &stint.Directory{InstanceARN: "arn:aws:sso:::instance/ssoins-2", SyncedAt: at(time.Hour)}
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.DirectoryPut(ctx, second) })
	got, err = s.DirectoryGet(ctx)
	require.NoError(t, err)
	require.Equal(t, second, got)
}

var managedScenarios = []scenario{
	{name: "managed/put, list by kind, put again, delete", run: testManaged},
}

func testManaged(t *testing.T, s stint.Store, _ *config) {
	ctx := t.Context()
	list := func(kind string) []*stint.Managed {
		t.Helper()
		got, err := s.ManagedList(ctx, &stint.ManagedListParams{Kind: kind})
		require.NoError(t, err)
		return got
	}
	require.Empty(t, list(""))
	assignment := &stint.Managed{Kind: "assignment", Key: "111111111111|arn:aws:sso:::permissionSet/ssoins-1/ps-1|g-1",
		Name: "group:Ops → ReadOnly in prod-web (111111111111)", CreatedAt: base}
	ps := &stint.Managed{Kind: "permission_set", Key: "arn:aws:sso:::permissionSet/ssoins-1/ps-1", Name: "ReadOnly", CreatedAt: at(time.Minute)}
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error {
		if err := tx.ManagedPut(ctx, ps); err != nil {
			return err
		}
		return tx.ManagedPut(ctx, assignment)
	})
	require.Equal(t, []*stint.Managed{assignment, ps}, list(""))
	require.Equal(t, []*stint.Managed{ps}, list("permission_set"))

	// Recording again renames but keeps when it was first created.
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error {
		return tx.ManagedPut(ctx, &stint.Managed{Kind: ps.Kind, Key: ps.Key, Name: "ReadOnlyRenamed", CreatedAt: at(time.Hour)})
	})
	require.Equal(t, []*stint.Managed{{Kind: ps.Kind, Key: ps.Key, Name: "ReadOnlyRenamed", CreatedAt: ps.CreatedAt}}, list("permission_set"))

	inTx(t, s, func(ctx context.Context, tx stint.Tx) error {
		if err := tx.ManagedDelete(ctx, "assignment", assignment.Key); err != nil {
			return err
		}
		return tx.ManagedDelete(ctx, "assignment", "gone") // missing: no error
	})
	require.Empty(t, list("assignment"))
	err := txErr(t, s, func(ctx context.Context, tx stint.Tx) error {
		return tx.ManagedPut(ctx, &stint.Managed{Kind: "user"})
	})
	requireCode(t, err, stint.EINVALID, "kind and a key")
}
