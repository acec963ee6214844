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
