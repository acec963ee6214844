package identityconfig_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/identityconfig"
	"github.com/stint-dev/stint/internal/faultproxy"
	"github.com/stint-dev/stint/internal/motoserver"
	"github.com/stint-dev/stint/provider/identitycenter"
)

func TestReadLive(t *testing.T) {
	live, err := newReader(t).Read(context.Background(), dir)
	require.NoError(t, err)

	// 10 users + 7 groups is cheaper than 16 accounts x (1 + 6 sets).
	require.Equal(t, identityconfig.StrategyPerPrincipal, live.Strategy)
	require.Equal(t, 17, live.Estimates[identityconfig.StrategyPerPrincipal])
	require.Equal(t, 112, live.Estimates[identityconfig.StrategyPerAccount])       // 16 with the management account
	require.Equal(t, 102, live.Estimates[identityconfig.StrategyPerPermissionSet]) // 6 listings instead of 16
	require.Len(t, live.PermissionSets, 6)
	require.Len(t, live.Assignments, 35) // 30 round-trip + 5 seeded

	ops := findSet(t, live, "RtOps")
	require.Equal(t, "PT4H", ops.SessionDuration.String())
	require.Equal(t, []identityconfig.ManagedPolicy{"arn:aws:iam::aws:policy/ReadOnlyAccess"}, ops.ManagedPolicies)
	require.Equal(t, []identityconfig.PolicyRef{{Name: "OpsExtra", Path: "/team/"}}, ops.CustomerManagedPolicies)
	require.Equal(t, identityconfig.InlinePolicy(`{"Statement":[{"Action":["ecs:UpdateService"],"Effect":"Allow","Resource":"*"}],"Version":"2012-10-17"}`), ops.InlinePolicy)
	require.True(t, ops.TagsKnown)
	require.True(t, ops.BoundaryKnown)
	require.Nil(t, ops.PermissionsBoundary)
	require.Empty(t, live.Warnings)

	c := live.Calls
	require.Equal(t, 1, c["ListPermissionSets"])
	for _, op := range []string{"DescribePermissionSet", "ListManagedPoliciesInPermissionSet", "ListCustomerManagedPolicyReferencesInPermissionSet",
		"GetInlinePolicyForPermissionSet", "GetPermissionsBoundaryForPermissionSet", "ListTagsForResource",
		"ListAccountsForProvisionedPermissionSet"} {
		require.Equal(t, 6, c[op], op)
	}
	require.Equal(t, 17, c["ListAccountAssignmentsForPrincipal"])
	require.Equal(t, 1+6*7+17, live.TotalCalls())
	for _, ps := range live.PermissionSets {
		require.Empty(t, ps.NotProvisioned, "%s: every account runs the latest version", ps.Name)
	}
}

// TestReadAlong: the directory is read alongside the permission sets; one
// read without permission sets gets them from the read, before any
// assignment is listed; an error from bind ends the read there.
func TestReadAlong(t *testing.T) {
	proxy := faultproxy.Start(t, moto.URL())
	reader := func(p *faultproxy.Proxy) *identityconfig.Reader {
		return newReader(t, func(c *identityconfig.ReaderConfig) { c.AWS = motoserver.AWSConfig(p.URL()) })
	}
	withoutSets := func(context.Context) (*stint.Directory, error) {
		d := *dir
		d.PermissionSets = nil
		return &d, nil
	}
	var bound []stint.PermissionSet
	live, got, err := reader(proxy).ReadAlong(context.Background(), withoutSets, func(d *stint.Directory) error {
		bound = slices.Clone(d.PermissionSets)
		require.Zero(t, proxy.Count("ListAccountAssignmentsForPrincipal")+proxy.Count("ListAccountAssignments"), "nothing listed before bind")
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, bound, got.PermissionSets)
	require.Len(t, bound, len(live.PermissionSets))
	for _, ps := range live.PermissionSets {
		require.Contains(t, bound, stint.PermissionSet{ARN: ps.ARN, Name: ps.Name, SessionDuration: ps.SessionDuration.String()})
	}
	require.Equal(t, 1, proxy.Count("ListPermissionSets"))
	require.Len(t, live.Assignments, 35)

	// A name that does not bind: the error as it is, and no listing.
	proxy2 := faultproxy.Start(t, moto.URL())
	bad := stint.Errorf(stint.EINVALID, "no permission set Nope")
	_, _, err = reader(proxy2).ReadAlong(context.Background(), withoutSets, func(*stint.Directory) error { return bad })
	require.Equal(t, bad, err)
	require.Zero(t, proxy2.Count("ListAccountAssignmentsForPrincipal")+proxy2.Count("ListAccountAssignments"))

	// The directory's error, as it is.
	dirErr := stint.Errorf(stint.EUNAVAILABLE, "organizations down")
	_, _, err = reader(proxy2).ReadAlong(context.Background(), func(context.Context) (*stint.Directory, error) { return nil, dirErr }, nil)
	require.Equal(t, dirErr, err)
}

// TestReadLiveUnansweredOptionalReads: an endpoint that answers the tag and
// boundary reads with an HTML 500 (as stock moto 5.2.1 does) leaves them
// unknown, with one warning each, and Diff notes that they were not
// compared.
func TestReadLiveUnansweredOptionalReads(t *testing.T) {
	target, err := url.Parse(moto.URL())
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch op := r.Header.Get("X-Amz-Target"); {
		case strings.HasSuffix(op, ".ListTagsForResource"), strings.HasSuffix(op, ".GetPermissionsBoundaryForPermissionSet"):
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, "<!doctype html>\n<title>500 Internal Server Error</title>\n")
		default:
			proxy.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	live, err := newReader(t, func(c *identityconfig.ReaderConfig) { c.AWS = motoserver.AWSConfig(srv.URL) }).Read(context.Background(), dir)
	require.NoError(t, err)
	ops := findSet(t, live, "RtOps")
	require.False(t, ops.TagsKnown)
	require.False(t, ops.BoundaryKnown)
	require.Len(t, live.Warnings, 2)
	require.Contains(t, strings.Join(live.Warnings, "\n"), "ListTagsForResource")
	// The unanswered calls are tried (2 attempts each) until the first
	// failure is seen; the parallel ones already in flight also fail.
	for _, op := range []string{"ListTagsForResource", "GetPermissionsBoundaryForPermissionSet"} {
		require.GreaterOrEqual(t, live.Calls[op], 2, op)
		require.LessOrEqual(t, live.Calls[op], 12, op)
	}

	d, err := identityconfig.Parse(map[string][]byte{"identity.yaml": []byte(roundTripFile)})
	require.NoError(t, err)
	r, err := identityconfig.Resolve(d, dir)
	require.NoError(t, err)
	p := identityconfig.Diff(r, live, identityconfig.DiffOptions{})
	require.Empty(t, p.Actions)
	require.Contains(t, p.Notes, "GetPermissionsBoundaryForPermissionSet is not answered by this endpoint (a server error without an AWS error body); what it reads is unknown and not compared")
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
	// One listing per (account, permission set) provisioned there, that is
	// per pair with an assignment: 32 of the 96 pairs.
	pairs := map[[2]string]bool{}
	for _, a := range perAccount.Assignments {
		pairs[[2]string{a.AccountID, a.PermissionSetARN}] = true
	}
	require.Len(t, pairs, 32)
	require.Equal(t, 32, perAccount.Calls["ListAccountAssignments"])

	// Per permission set: the same assignments, the accounts of each set
	// listed once (6 calls, plus 6 for those behind on provisioning) where
	// per account asked each of the 16 accounts.
	perSet, err := newReader(t, func(c *identityconfig.ReaderConfig) {
		c.Strategy, c.SkipTags = identityconfig.StrategyPerPermissionSet, true
	}).Read(context.Background(), dir)
	require.NoError(t, err)
	require.Equal(t, identityconfig.StrategyPerPermissionSet, perSet.Strategy)
	require.Equal(t, perAccount.Assignments, perSet.Assignments)
	require.Zero(t, perSet.Calls["ListPermissionSetsProvisionedToAccount"])
	require.Equal(t, 12, perSet.Calls["ListAccountsForProvisionedPermissionSet"])
	require.Equal(t, 32, perSet.Calls["ListAccountAssignments"])
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
	require.Equal(t, 0, est[identityconfig.StrategyPerPermissionSet])
	require.Equal(t, 3, est[identityconfig.StrategyPerPrincipal])

	// 500 assignments of 50 groups in 10 accounts with one set: per set
	// lists the set's accounts once instead of each account.
	d.Accounts = d.Accounts[:0]
	for i := range 10 {
		d.Accounts = append(d.Accounts, stint.Account{ID: fmt.Sprintf("1000000000%02d", i)})
	}
	d.Groups = make([]stint.Group, 50)
	est = identityconfig.Estimate(d, 1)
	require.Equal(t, map[identityconfig.Strategy]int{identityconfig.StrategyPerAccount: 20, identityconfig.StrategyPerPermissionSet: 11,
		identityconfig.StrategyPerPrincipal: 51}, est)
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
