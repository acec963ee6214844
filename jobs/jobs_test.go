package jobs_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
	"github.com/stint-dev/stint/jobs"
	"github.com/stint-dev/stint/provider/providertest"
	"github.com/stint-dev/stint/store/sqlite"
)

func directory() *stint.Directory {
	return &stint.Directory{
		Users:          []stint.User{{ID: "u-alice", Email: "alice@example.com", Groups: []string{"Engineers"}}},
		Accounts:       []stint.Account{{ID: "111111111111", Name: "sandbox-001", OUPath: "Sandbox"}},
		PermissionSets: []stint.PermissionSet{{ARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-ro", Name: "ReadOnlyAccess"}},
	}
}

func flows() []stint.Flow {
	return []stint.Flow{{Name: "sandbox", Requesters: []string{"group:Engineers"}, MaxDuration: stint.Duration(8 * time.Hour), AutoApprove: true,
		Resources: []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{Accounts: []string{"ou:Sandbox"}, PermissionSets: []string{"ReadOnlyAccess"}}}}}}
}

type fixture struct {
	db    *sqlite.DB
	svc   *access.Service
	prov  *providertest.Fake
	mu    sync.Mutex
	start map[string]time.Duration // grant ID -> lateness of its revocation
}

func setup(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{db: sqlite.OpenTest(t), start: map[string]time.Duration{}}
	f.prov = &providertest.Fake{DirectoryFunc: func(context.Context) (*stint.Directory, error) { return directory(), nil }}
	f.svc = &access.Service{Store: f.db, Provider: f.prov, Flows: flows,
		OnRevokeStart: func(g *stint.Grant, at time.Time) {
			f.mu.Lock()
			f.start[g.ID] = at.Sub(g.EndsAt)
			f.mu.Unlock()
		}}
	_, err := f.svc.SyncDirectory(context.Background())
	require.NoError(t, err)
	return f
}

func (f *fixture) submit(t *testing.T, d time.Duration) *stint.Grant {
	t.Helper()
	ctx := context.Background()
	c := &access.Caller{User: &directory().Users[0]}
	r, err := f.svc.Submit(ctx, c, access.SubmitInput{Resources: []access.ResourceInput{{Account: "sandbox-001", PermissionSet: "ReadOnlyAccess"}}, Duration: d, Reason: "test"})
	require.NoError(t, err)
	gs, err := f.db.GrantList(ctx, &stint.GrantListParams{RequestID: r.ID})
	require.NoError(t, err)
	require.Len(t, gs, 1)
	return gs[0]
}

func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		require.False(t, time.Now().After(deadline), "timed out waiting for %s", what)
		time.Sleep(20 * time.Millisecond)
	}
}

func (f *fixture) state(t *testing.T, id string) stint.GrantState {
	g, err := f.db.GrantGet(context.Background(), id)
	require.NoError(t, err)
	return g.State
}

// TestExpirerEndsGrantsWithoutRiver: the in-process timer alone ends grants
// at their end (River is not running here), and an extension moves it.
func TestExpirerEndsGrantsWithoutRiver(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	short := f.submit(t, 2*time.Second)
	extended := f.submit(t, 2*time.Second)
	for _, g := range []*stint.Grant{short, extended} {
		require.NoError(t, f.svc.Activate(ctx, g.ID))
	}
	x := &jobs.Expirer{Service: f.svc, Store: f.db, Interval: 100 * time.Millisecond}
	f.svc.Kick = x.Kick
	x.Start(ctx)
	t.Cleanup(x.Stop)
	_, err := f.svc.Extend(ctx, &access.Caller{User: &directory().Users[0]}, extended.ID, time.Hour)
	require.NoError(t, err)

	waitFor(t, 10*time.Second, "short grant ended", func() bool { return f.state(t, short.ID) == stint.GrantEnded })
	f.mu.Lock()
	late, ok := f.start[short.ID]
	f.mu.Unlock()
	require.True(t, ok)
	require.GreaterOrEqual(t, late, time.Duration(0), "never before the end")
	require.Equal(t, stint.GrantActive, f.state(t, extended.ID), "the extended grant keeps its access")
	require.True(t, f.prov.Has(extended.EffectKey()))
}

// TestRiverActivatesAndExpires: with River's workers and no Expirer, the
// durable jobs alone activate and expire a grant.
func TestRiverActivatesAndExpires(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	client, err := jobs.NewClient(riversqlite.New(f.db.SQL()), jobs.Config{Service: f.svc, FetchPollInterval: 20 * time.Millisecond})
	require.NoError(t, err)
	require.NoError(t, client.Start(ctx))
	t.Cleanup(func() { _ = client.Stop(context.Background()) })
	g := f.submit(t, 2*time.Second)
	waitFor(t, 10*time.Second, "grant active", func() bool { return f.state(t, g.ID) == stint.GrantActive })
	require.True(t, f.prov.Has(g.EffectKey()))
	waitFor(t, 20*time.Second, "grant ended by its River job", func() bool { return f.state(t, g.ID) == stint.GrantEnded })
	require.False(t, f.prov.Has(g.EffectKey()))
}
