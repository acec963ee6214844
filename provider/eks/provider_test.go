package eks_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	eksapi "github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/internal/faultproxy"
	"github.com/stint-dev/stint/internal/motoserver"
	"github.com/stint-dev/stint/provider/account"
	"github.com/stint-dev/stint/provider/eks"
)

const (
	viewPolicy  = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
	editPolicy  = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"
	adminPolicy = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
)

var clusterScope = ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeCluster}

// roleARN is the ARN of the Identity Center role of the effect's
// permission set.
func (f *fixture) roleARN(e *stint.Effect) string {
	return "arn:aws:iam::" + f.account + ":role/aws-reserved/sso.amazonaws.com/" + roleName(f.psName(e))
}

func (f *fixture) psName(e *stint.Effect) string {
	return f.sets.Name(eks.Permission{AccountID: e.AccountID, Kind: stint.ResourceEKS, Target: e.Target})
}

func (f *fixture) exists(t *testing.T, e *stint.Effect) bool {
	t.Helper()
	ok, err := f.p.Exists(t.Context(), e)
	require.NoError(t, err)
	return ok
}

func TestGrantRevokeCleanup(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := t.Context()
	arn := f.admin.cluster(t, "prod", ekstypes.AuthenticationModeApi, nil)
	alice := effect(t, "aws-eks:"+f.account+"/prod:view", arn, "u-alice", "alice")
	role := f.roleARN(alice)
	require.False(t, f.exists(t, alice))

	require.NoError(t, f.p.Grant(ctx, alice))
	require.Equal(t, map[string]map[string]ekstypes.AccessScope{
		f.admin.creator(): {adminPolicy: clusterScope}, // EKS's own entry for the cluster's creator
		role:              {viewPolicy: clusterScope},
	}, f.admin.entries(t, "prod"))
	require.True(t, f.exists(t, alice))

	// The permission set asked for: described, and scoped to the cluster.
	perm := f.sets.perm(f.psName(alice))
	require.Equal(t, "stint: view on EKS cluster prod in "+f.account, perm.Description)
	require.Equal(t, stint.ResourceEKS, perm.Kind)
	require.Equal(t, "prod:view", perm.Target)
	var doc struct {
		Statement []struct {
			Action   []string
			Resource string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(perm.Policy), &doc))
	require.Equal(t, []string{"eks:DescribeCluster", "eks:AccessKubernetesApi"}, doc.Statement[0].Action)
	require.Equal(t, arn, doc.Statement[0].Resource)
	require.Equal(t, []string{"eks:ListClusters"}, doc.Statement[1].Action)
	require.Equal(t, "*", doc.Statement[1].Resource)

	// Revoke removes the assignment; the entry waits for the permission
	// set's garbage collector.
	alice.Spec["cutoff"] = "true"
	require.NoError(t, f.p.Revoke(ctx, alice))
	require.Equal(t, []removal{{name: f.psName(alice), userID: "u-alice", userName: "alice", cutoff: true}}, f.sets.removes)
	require.False(t, f.exists(t, alice))
	require.NoError(t, f.p.Revoke(ctx, alice), "revoking again succeeds")

	require.NoError(t, f.p.Cleanup(ctx, f.account, "prod", f.psName(alice)))
	require.Equal(t, map[string]map[string]ekstypes.AccessScope{f.admin.creator(): {adminPolicy: clusterScope}}, f.admin.entries(t, "prod"))
	require.NoError(t, f.p.Cleanup(ctx, f.account, arn, f.psName(alice)), "cleaning up again succeeds")

	// A later grant makes it all again.
	require.NoError(t, f.p.Grant(ctx, alice))
	require.True(t, f.exists(t, alice))
}

func TestUsersShareTheEntry(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := t.Context()
	arn := f.admin.cluster(t, "shared", ekstypes.AuthenticationModeApiAndConfigMap, nil)
	alice := effect(t, "aws-eks:"+f.account+"/shared:edit", arn, "u-alice", "alice")
	bob := effect(t, "aws-eks:"+f.account+"/shared:edit", arn, "u-bob", "bob")
	require.NoError(t, f.p.Grant(ctx, alice))
	require.NoError(t, f.p.Grant(ctx, bob))
	entries := f.admin.entries(t, "shared")
	require.Len(t, entries, 2) // the creator's and one for both
	require.Equal(t, map[string]ekstypes.AccessScope{editPolicy: clusterScope}, entries[f.roleARN(alice)])

	require.NoError(t, f.p.Revoke(ctx, alice))
	require.False(t, f.exists(t, alice))
	require.True(t, f.exists(t, bob))
	require.Equal(t, entries, f.admin.entries(t, "shared"))
}

func TestNamespaceScope(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := t.Context()
	arn := f.admin.cluster(t, "apps", ekstypes.AuthenticationModeApi, nil)
	payments := effect(t, "aws-eks:"+f.account+"/apps/payments:edit", arn, "u-carol", "carol")
	whole := effect(t, "aws-eks:"+f.account+"/apps:view", arn, "u-carol", "carol")
	admin := effect(t, "aws-eks:"+f.account+"/apps/ops:admin", arn, "u-carol", "carol")
	for _, e := range []*stint.Effect{payments, whole, admin} {
		require.NoError(t, f.p.Grant(ctx, e))
	}
	// Each cluster, namespace and level has its own permission set, role
	// and entry.
	require.Equal(t, map[string]map[string]ekstypes.AccessScope{
		f.admin.creator():   {adminPolicy: clusterScope},
		f.roleARN(payments): {editPolicy: {Type: ekstypes.AccessScopeTypeNamespace, Namespaces: []string{"payments"}}},
		f.roleARN(whole):    {viewPolicy: clusterScope},
		f.roleARN(admin):    {adminPolicy: {Type: ekstypes.AccessScopeTypeNamespace, Namespaces: []string{"ops"}}},
	}, f.admin.entries(t, "apps"))
	require.Equal(t, "stint: edit on EKS cluster apps, namespace payments in "+f.account, f.sets.perm(f.psName(payments)).Description)

	// The namespace entry's scope widened by hand: no longer what the grant
	// gives, so Exists says no and a grant again puts it back.
	_, err := f.admin.eks.AssociateAccessPolicy(ctx, &eksapi.AssociateAccessPolicyInput{
		ClusterName: aws.String("apps"), PrincipalArn: aws.String(f.roleARN(payments)), PolicyArn: aws.String(editPolicy), AccessScope: &clusterScope,
	})
	require.NoError(t, err)
	require.False(t, f.exists(t, payments))
	require.NoError(t, f.p.Grant(ctx, payments))
	require.True(t, f.exists(t, payments))
	require.Equal(t, map[string]ekstypes.AccessScope{editPolicy: {Type: ekstypes.AccessScopeTypeNamespace, Namespaces: []string{"payments"}}},
		f.admin.entries(t, "apps")[f.roleARN(payments)])
}

func TestGrantIsIdempotentAndRepairs(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := t.Context()
	arn := f.admin.cluster(t, "repair", ekstypes.AuthenticationModeApi, nil)
	e := effect(t, "aws-eks:"+f.account+"/repair:view", arn, "u-dave", "dave")
	require.NoError(t, f.p.Grant(ctx, e))
	want := f.admin.entries(t, "repair")
	require.NoError(t, f.p.Grant(ctx, e))
	require.Equal(t, want, f.admin.entries(t, "repair"))

	// Someone gives stint's entry more than the grant: a grant again
	// takes it away.
	_, err := f.admin.eks.AssociateAccessPolicy(ctx, &eksapi.AssociateAccessPolicyInput{
		ClusterName: aws.String("repair"), PrincipalArn: aws.String(f.roleARN(e)), PolicyArn: aws.String(adminPolicy), AccessScope: &clusterScope,
	})
	require.NoError(t, err)
	require.NoError(t, f.p.Grant(ctx, e))
	require.Equal(t, want, f.admin.entries(t, "repair"))

	// The entry deleted by hand: Exists says no, a grant makes it again.
	_, err = f.admin.eks.DeleteAccessEntry(ctx, &eksapi.DeleteAccessEntryInput{ClusterName: aws.String("repair"), PrincipalArn: aws.String(f.roleARN(e))})
	require.NoError(t, err)
	require.False(t, f.exists(t, e))
	require.NoError(t, f.p.Grant(ctx, e))
	require.Equal(t, want, f.admin.entries(t, "repair"))
}

func TestConfigMapClusterRefused(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := t.Context()
	arn := f.admin.cluster(t, "legacy", "", nil) // the API's default: CONFIG_MAP
	e := effect(t, "aws-eks:"+f.account+"/legacy:view", arn, "u-erin", "erin")
	err := f.p.Grant(ctx, e)
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err), "%v", err)
	require.ErrorContains(t, err, "authentication mode CONFIG_MAP")
	require.ErrorContains(t, err, "aws eks update-cluster-config --name legacy --region us-east-1 --access-config authenticationMode=API_AND_CONFIG_MAP")
	require.Zero(t, f.sets.ensureCalls(), "no permission set for a cluster that cannot take it")
	require.False(t, f.exists(t, e))

	// Once access entries are enabled, the grant goes through.
	_, err = f.admin.eks.UpdateClusterConfig(ctx, &eksapi.UpdateClusterConfigInput{
		Name: aws.String("legacy"), AccessConfig: &ekstypes.UpdateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApiAndConfigMap},
	})
	require.NoError(t, err)
	require.NoError(t, f.p.Grant(ctx, e))
	require.True(t, f.exists(t, e))
}

func TestUnknownCluster(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := t.Context()
	f.admin.cluster(t, "real", ekstypes.AuthenticationModeApi, nil)
	e := effect(t, "aws-eks:"+f.account+"/ghost:view", "", "u-frank", "frank")
	err := f.p.Grant(ctx, e)
	require.Equal(t, stint.ENOTFOUND, stint.ErrorCode(err), "%v", err)
	require.ErrorContains(t, err, `EKS cluster "ghost" not found in account `+f.account+", region us-east-1; known: real")
	require.Zero(t, f.sets.ensureCalls())
	require.False(t, f.exists(t, e))
	require.NoError(t, f.p.Revoke(ctx, e), "revoking access to a cluster that is gone succeeds")
	require.NoError(t, f.p.Cleanup(ctx, f.account, "ghost", f.psName(e)), "nothing to clean")
}

func TestUnreachableAccount(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := t.Context()
	arn := f.admin.cluster(t, "far", ekstypes.AuthenticationModeApi, nil)
	e := effect(t, "aws-eks:"+f.account+"/far:view", arn, "u-gina", "gina")
	require.NoError(t, f.p.Grant(ctx, e))

	f.proxy.Inject(faultproxy.Rule{Op: "AssumeRole", Fault: faultproxy.AccessDenied, BodyContains: f.account})
	// A new provider: the first one has the account's credentials cached.
	p, err := eks.New(eks.Config{
		Accounts:       account.New(account.Config{AWS: motoserver.AWSConfig(f.proxy.URL())}),
		PermissionSets: f.sets, Logger: slog.New(slog.DiscardHandler),
	})
	require.NoError(t, err)

	err = p.Grant(ctx, e)
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err), "%v", err)
	require.ErrorContains(t, err, "cannot reach account "+f.account)
	_, err = p.Exists(ctx, e)
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err), "%v", err)
	// Revoking needs nothing of the account.
	require.NoError(t, p.Revoke(ctx, e))
	has, err := f.sets.Has(ctx, eks.Permission{AccountID: f.account, Kind: stint.ResourceEKS, Target: e.Target}, "u-gina")
	require.NoError(t, err)
	require.False(t, has)
	err = p.Cleanup(ctx, f.account, "far", f.psName(e))
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err), "%v", err)
}

func TestEntriesStintDidNotMakeAreUntouched(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := t.Context()
	arn := f.admin.cluster(t, "mixed", ekstypes.AuthenticationModeApi, nil)
	e := effect(t, "aws-eks:"+f.account+"/mixed:view", arn, "u-hank", "hank")
	require.NoError(t, f.p.Grant(ctx, e))

	// An Identity Center role of a permission set stint does not manage,
	// a role named like a stint one with a path other than Identity
	// Center's, and the role of another stint permission set whose name
	// begins like this one's.
	psName := f.psName(e)
	others := []struct{ path, name string }{
		{"/aws-reserved/sso.amazonaws.com/", "AWSReservedSSO_AdministratorAccess_0123456789abcdef"},
		{"/teams/", "AWSReservedSSO_stint-other_0123456789abcdef"},
		{"/aws-reserved/sso.amazonaws.com/eu-west-1/", "AWSReservedSSO_" + psName + "_x_0123456789abcdef"},
	}
	for _, o := range others {
		role := createRole(t, f.admin, o.path, o.name)
		_, err := f.admin.eks.CreateAccessEntry(ctx, &eksapi.CreateAccessEntryInput{ClusterName: aws.String("mixed"), PrincipalArn: aws.String(role)})
		require.NoError(t, err)
		_, err = f.admin.eks.AssociateAccessPolicy(ctx, &eksapi.AssociateAccessPolicyInput{
			ClusterName: aws.String("mixed"), PrincipalArn: aws.String(role), PolicyArn: aws.String(editPolicy), AccessScope: &clusterScope,
		})
		require.NoError(t, err)
	}
	before := f.admin.entries(t, "mixed")
	require.Len(t, before, 5)

	require.NoError(t, f.p.Grant(ctx, e))
	require.NoError(t, f.p.Revoke(ctx, e))
	require.NoError(t, f.p.Cleanup(ctx, f.account, "mixed", psName))
	require.NoError(t, f.p.Cleanup(ctx, f.account, "mixed", "stint-other")) // its role is not Identity Center's
	after := f.admin.entries(t, "mixed")
	delete(before, f.roleARN(e))
	require.Equal(t, before, after)

	err := f.p.Cleanup(ctx, f.account, "mixed", "AdministratorAccess")
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err), "%v", err)
	require.Equal(t, before, f.admin.entries(t, "mixed"))
}

func TestRoleAppearsLate(t *testing.T) {
	t.Parallel()
	ctx := t.Context()

	t.Run("within the wait", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		arn := f.admin.cluster(t, "slow", ekstypes.AuthenticationModeApi, nil)
		// Identity Center makes the role only after stint has looked twice.
		done := make(chan error, 1)
		f.sets.MakeRole = func(a admin, name string) {
			go func() {
				deadline := time.Now().Add(10 * time.Second)
				for f.proxy.Count("ListRoles") < 2 && time.Now().Before(deadline) {
					<-time.After(time.Millisecond)
				}
				done <- makeRole(ctx, a, name)
			}()
		}
		e := effect(t, "aws-eks:"+f.account+"/slow:view", arn, "u-ivy", "ivy")
		require.NoError(t, f.p.Grant(ctx, e))
		require.NoError(t, <-done)
		require.GreaterOrEqual(t, f.proxy.Count("ListRoles"), 3)
		require.True(t, f.exists(t, e))
	})

	t.Run("not within the wait", func(t *testing.T) {
		t.Parallel()
		f := setup(t, func(c *eks.Config) { c.RoleWait = 50 * time.Millisecond })
		arn := f.admin.cluster(t, "never", ekstypes.AuthenticationModeApi, nil)
		f.sets.MakeRole = func(admin, string) {}
		e := effect(t, "aws-eks:"+f.account+"/never:view", arn, "u-jack", "jack")
		err := f.p.Grant(ctx, e)
		require.Equal(t, stint.EUNAVAILABLE, stint.ErrorCode(err), "%v", err)
		require.ErrorContains(t, err, "Identity Center has not made the role AWSReservedSSO_"+f.psName(e)+"_*")
		require.Equal(t, map[string]map[string]ekstypes.AccessScope{f.admin.creator(): {adminPolicy: clusterScope}}, f.admin.entries(t, "never"))
	})
}

func TestPermissionSetFailure(t *testing.T) {
	t.Parallel()
	f := setup(t)
	arn := f.admin.cluster(t, "ps-fails", ekstypes.AuthenticationModeApi, nil)
	f.sets.EnsureFunc = func(context.Context, eks.Permission, string) error {
		return stint.Errorf(stint.EUNAVAILABLE, "Identity Center is throttling")
	}
	e := effect(t, "aws-eks:"+f.account+"/ps-fails:view", arn, "u-kim", "kim")
	err := f.p.Grant(t.Context(), e)
	require.Equal(t, stint.EUNAVAILABLE, stint.ErrorCode(err), "%v", err)
	require.ErrorContains(t, err, "grant view on EKS cluster ps-fails in "+f.account+" to user kim (u-kim): Identity Center is throttling")
	require.Len(t, f.admin.entries(t, "ps-fails"), 1)
}

func TestNoPermissionSets(t *testing.T) {
	t.Parallel()
	f := setup(t, func(c *eks.Config) { c.PermissionSets = nil })
	arn := f.admin.cluster(t, "lonely", ekstypes.AuthenticationModeApi, nil)
	err := f.p.Grant(t.Context(), effect(t, "aws-eks:"+f.account+"/lonely:view", arn, "u-lee", "lee"))
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err), "%v", err)
	_, err = eks.New(eks.Config{})
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
}

func TestMalformedEffects(t *testing.T) {
	t.Parallel()
	p, err := eks.New(eks.Config{Accounts: failingAccounts{}, PermissionSets: newFakeSets(nil), Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	good := func() *stint.Effect {
		return effect(t, "aws-eks:111111111111/prod/payments:edit", "arn:aws:eks:eu-west-1:111111111111:cluster/prod", "u-1", "one")
	}
	for _, tc := range []struct {
		name   string
		change func(e *stint.Effect)
		want   string
	}{
		{"another kind", func(e *stint.Effect) { e.Kind = "aws-s3" }, `is of kind "aws-s3"`},
		{"bad account", func(e *stint.Effect) { e.AccountID = "1234" }, "is not 12 digits"},
		{"no user", func(e *stint.Effect) { e.PrincipalID = "" }, "has no principal ID"},
		{"unknown level", func(e *stint.Effect) { e.Target = "prod:owner" }, `level "owner" is not offered`},
		{"bad namespace", func(e *stint.Effect) { e.Target = "prod/Payments:view" }, "not a valid Kubernetes namespace"},
		{"spec disagrees", func(e *stint.Effect) { e.Spec["level"] = "admin" }, `spec level "admin" disagrees`},
		{"ARN of another cluster", func(e *stint.Effect) { e.Spec["arn"] = "arn:aws:eks:eu-west-1:111111111111:cluster/dev" }, "is not the ARN of EKS cluster prod"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := good()
			tc.change(e)
			for _, call := range []func() error{
				func() error { return p.Grant(t.Context(), e) },
				func() error { return p.Revoke(t.Context(), e) },
				func() error { _, err := p.Exists(t.Context(), e); return err },
			} {
				err := call()
				require.Equal(t, stint.EINVALID, stint.ErrorCode(err), "%v", err)
				require.ErrorContains(t, err, tc.want)
			}
		})
	}
	// The good one reaches the account (which fails here), and a revoke,
	// whose region is in the ARN, needs no account at all.
	err = p.Grant(t.Context(), good())
	require.Equal(t, stint.EUNAVAILABLE, stint.ErrorCode(err), "%v", err)
	require.NoError(t, p.Revoke(t.Context(), good()))
}

type failingAccounts struct{}

func (failingAccounts) For(context.Context, string) (aws.Config, error) {
	return aws.Config{}, stint.Errorf(stint.EUNAVAILABLE, "no network")
}

func createRole(t *testing.T, a admin, path, name string) string {
	t.Helper()
	out, err := a.iam.CreateRole(t.Context(), &iam.CreateRoleInput{
		RoleName: aws.String(name), Path: aws.String(path), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[]}`),
	})
	require.NoError(t, err)
	return aws.ToString(out.Role.Arn)
}
