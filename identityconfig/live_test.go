package identityconfig_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint/identityconfig"
	"github.com/stint-dev/stint/provider/identitycenter"
)

func TestReadLive(t *testing.T) {
	live, err := newReader(t).Read(context.Background(), dir)
	require.NoError(t, err)

	// 10 users + 7 groups is cheaper than 16 accounts x (1 + 6 sets).
	require.Equal(t, identityconfig.StrategyPerPrincipal, live.Strategy)
	require.Equal(t, 17, live.Estimates[identityconfig.StrategyPerPrincipal])
	require.Equal(t, 112, live.Estimates[identityconfig.StrategyPerAccount]) // 16 with the management account
	require.Len(t, live.PermissionSets, 6)
	require.Len(t, live.Assignments, 35) // 30 round-trip + 5 seeded

	ops := findSet(t, live, "RtOps")
	require.Equal(t, "PT4H", ops.SessionDuration.String())
	require.Equal(t, []identityconfig.ManagedPolicy{"arn:aws:iam::aws:policy/ReadOnlyAccess"}, ops.ManagedPolicies)
	require.Equal(t, []identityconfig.PolicyRef{{Name: "OpsExtra", Path: "/team/"}}, ops.CustomerManagedPolicies)
	require.Equal(t, identityconfig.InlinePolicy(`{"Statement":[{"Action":["ecs:UpdateService"],"Effect":"Allow","Resource":"*"}],"Version":"2012-10-17"}`), ops.InlinePolicy)
	// moto 5.2.1 implements neither ListTagsForResource nor
	// GetPermissionsBoundaryForPermissionSet (HTML 500): both are unknown.
	require.False(t, ops.TagsKnown)
	require.False(t, ops.BoundaryKnown)
	require.Len(t, live.Warnings, 2)
	require.Contains(t, strings.Join(live.Warnings, "\n"), "ListTagsForResource")

	c := live.Calls
	require.Equal(t, 1, c["ListPermissionSets"])
	for _, op := range []string{"DescribePermissionSet", "ListManagedPoliciesInPermissionSet", "ListCustomerManagedPolicyReferencesInPermissionSet", "GetInlinePolicyForPermissionSet"} {
		require.Equal(t, 6, c[op], op)
	}
	require.Equal(t, 17, c["ListAccountAssignmentsForPrincipal"])
	// The unimplemented calls are tried (2 attempts each) until the first
	// failure is seen; the parallel ones already in flight also fail.
	for _, op := range []string{"ListTagsForResource", "GetPermissionsBoundaryForPermissionSet"} {
		require.GreaterOrEqual(t, c[op], 2, op)
		require.LessOrEqual(t, c[op], 12, op)
	}
	require.GreaterOrEqual(t, live.TotalCalls(), 1+24+17+4)
	require.LessOrEqual(t, live.TotalCalls(), 1+24+17+24)
}

func TestReadLiveStrategiesAgree(t *testing.T) {
	perPrincipal, err := newReader(t, func(c *identityconfig.ReaderConfig) {
		c.Strategy, c.SkipTags = identityconfig.StrategyPerPrincipal, true
	}).Read(context.Background(), dir)
	require.NoError(t, err)
	perAccount, err := newReader(t, func(c *identityconfig.ReaderConfig) {
		c.Strategy, c.SkipTags = identityconfig.StrategyPerAccount, true
	}).Read(context.Background(), dir)
	require.NoError(t, err)
	require.Equal(t, identityconfig.StrategyPerAccount, perAccount.Strategy)
	require.Equal(t, perPrincipal.Assignments, perAccount.Assignments)
	require.Zero(t, perAccount.Calls["ListTagsForResource"])
	require.Equal(t, 16, perAccount.Calls["ListPermissionSetsProvisionedToAccount"])
	// moto lists every provisioned set for every account (it ignores
	// AccountId), so all 6 sets are listed in all 16 accounts (15 members
	// and the management account).
	require.Equal(t, 96, perAccount.Calls["ListAccountAssignments"])
}

func TestReadIdentities(t *testing.T) {
	live, err := newReader(t, func(c *identityconfig.ReaderConfig) { c.ReadIdentities, c.SkipTags = true, true }).Read(context.Background(), dir)
	require.NoError(t, err)
	require.True(t, live.IdentitiesRead)
	require.Len(t, live.Users, 10)
	require.Equal(t, "alice", live.Users[0].UserName)
	require.Equal(t, "Anders", live.Users[0].FamilyName)
	require.Equal(t, "alice@example.com", live.Users[0].Email)
	require.Len(t, live.Groups, 7)
	require.Equal(t, 7, live.Calls["ListGroupMemberships"])
}

func TestReadGoesThroughSharedLimiter(t *testing.T) {
	var mu sync.Mutex
	waits := 0
	lim := identitycenter.NewLimiter(identitycenter.LimiterConfig{Rate: 1000, Burst: 50, OnWait: func(string) {
		mu.Lock()
		defer mu.Unlock()
		waits++
	}})
	live, err := newReader(t, func(c *identityconfig.ReaderConfig) { c.Limiter, c.SkipTags = lim, true }).Read(context.Background(), dir)
	require.NoError(t, err)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, live.TotalCalls(), waits)
}

func TestEstimateChoosesCheaper(t *testing.T) {
	t.Parallel()
	d := testDirectory() // 5 accounts, 1 user, 2 groups
	est := identityconfig.Estimate(d, 0)
	require.Equal(t, 5, est[identityconfig.StrategyPerAccount])
	require.Equal(t, 3, est[identityconfig.StrategyPerPrincipal])
}

func findSet(t *testing.T, live *identityconfig.Live, name string) identityconfig.LivePermissionSet {
	t.Helper()
	for _, ps := range live.PermissionSets {
		if ps.Name == name {
			return ps
		}
	}
	t.Fatalf("no permission set %s", name)
	return identityconfig.LivePermissionSet{}
}
