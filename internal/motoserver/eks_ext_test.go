package motoserver_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint/internal/motoserver"
)

const (
	member      = "111111111111"
	otherMember = "222222222222"
	viewPolicy  = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
	editPolicy  = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"
	adminPolicy = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
)

// eksAccount is an account's EKS and IAM clients (no retries: a 500 would
// be retried and hide what moto answered).
type eksAccount struct {
	eks *eks.Client
	iam *iam.Client
}

// asMember returns clients acting in the account through AssumeRole of its
// OrganizationAccountAccessRole, as stint reaches member accounts.
func asMember(s *motoserver.Server, account string) eksAccount {
	cfg := s.AWSConfig()
	cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg),
		"arn:aws:iam::"+account+":role/OrganizationAccountAccessRole", func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "test"
		}))
	return eksAccount{
		eks: eks.NewFromConfig(cfg, func(o *eks.Options) { o.RetryMaxAttempts = 1 }),
		iam: iam.NewFromConfig(cfg, func(o *iam.Options) { o.RetryMaxAttempts = 1 }),
	}
}

func (a eksAccount) cluster(t *testing.T, name string, mode ekstypes.AuthenticationMode) *ekstypes.Cluster {
	t.Helper()
	in := &eks.CreateClusterInput{
		Name: aws.String(name), RoleArn: aws.String("arn:aws:iam::" + member + ":role/eks-cluster"),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{},
	}
	if mode != "" {
		in.AccessConfig = &ekstypes.CreateAccessConfigRequest{AuthenticationMode: mode}
	}
	out, err := a.eks.CreateCluster(t.Context(), in)
	require.NoError(t, err)
	return out.Cluster
}

// role creates a role, e.g. as Identity Center does for a permission set:
// path /aws-reserved/sso.amazonaws.com/, name AWSReservedSSO_<PS>_<hash>.
func (a eksAccount) role(t *testing.T, path, name string) string {
	t.Helper()
	out, err := a.iam.CreateRole(t.Context(), &iam.CreateRoleInput{
		RoleName: aws.String(name), Path: aws.String(path), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[]}`),
	})
	require.NoError(t, err)
	return aws.ToString(out.Role.Arn)
}

func (a eksAccount) entries(t *testing.T, cluster string) []string {
	t.Helper()
	var all []string
	pages := eks.NewListAccessEntriesPaginator(a.eks, &eks.ListAccessEntriesInput{ClusterName: aws.String(cluster)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(t.Context())
		require.NoError(t, err)
		all = append(all, page.AccessEntries...)
	}
	return all
}

func (a eksAccount) policies(t *testing.T, cluster, principal string) map[string]ekstypes.AccessScope {
	t.Helper()
	out, err := a.eks.ListAssociatedAccessPolicies(t.Context(), &eks.ListAssociatedAccessPoliciesInput{
		ClusterName: aws.String(cluster), PrincipalArn: aws.String(principal),
	})
	require.NoError(t, err)
	require.Equal(t, cluster, aws.ToString(out.ClusterName))
	require.Equal(t, principal, aws.ToString(out.PrincipalArn))
	m := map[string]ekstypes.AccessScope{}
	for _, p := range out.AssociatedAccessPolicies {
		m[aws.ToString(p.PolicyArn)] = *p.AccessScope
	}
	return m
}

// requireAPIError checks an error's type and HTTP status.
func requireAPIError[T error](t *testing.T, err error, status int) {
	t.Helper()
	var want T
	require.ErrorAs(t, err, &want)
	var resp *awshttp.ResponseError
	require.ErrorAs(t, err, &resp)
	require.Equal(t, status, resp.HTTPStatusCode(), "%v", err)
}

func TestEKSExtensions(t *testing.T) {
	t.Parallel()
	s := motoserver.StartWith(t, motoserver.Options{NoManagedPolicies: true, EKSExtensions: true})
	a := asMember(s, member)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	api := a.cluster(t, "api", ekstypes.AuthenticationModeApi)
	both := a.cluster(t, "both", ekstypes.AuthenticationModeApiAndConfigMap)
	legacy := a.cluster(t, "legacy", "")
	sso := a.role(t, "/aws-reserved/sso.amazonaws.com/", "AWSReservedSSO_stint-eks-view_0123456789abcdef")
	creator := "arn:aws:iam::" + member + ":role/OrganizationAccountAccessRole"

	t.Run("access configuration", func(t *testing.T) {
		// The API's default is CONFIG_MAP, bootstrapping on.
		require.Equal(t, ekstypes.AuthenticationModeConfigMap, legacy.AccessConfig.AuthenticationMode)
		require.True(t, aws.ToBool(legacy.AccessConfig.BootstrapClusterCreatorAdminPermissions))
		require.Equal(t, ekstypes.AuthenticationModeApiAndConfigMap, both.AccessConfig.AuthenticationMode)
		out, err := a.eks.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String("api")})
		require.NoError(t, err)
		require.Equal(t, ekstypes.AuthenticationModeApi, out.Cluster.AccessConfig.AuthenticationMode)
		require.Equal(t, api.Arn, out.Cluster.Arn)
	})

	t.Run("the creator's admin entry", func(t *testing.T) {
		require.Equal(t, []string{creator}, a.entries(t, "api"))
		require.Equal(t, map[string]ekstypes.AccessScope{adminPolicy: {Type: ekstypes.AccessScopeTypeCluster, Namespaces: []string{}}},
			a.policies(t, "api", creator))
		out, err := a.eks.CreateCluster(ctx, &eks.CreateClusterInput{
			Name: aws.String("no-bootstrap"), RoleArn: aws.String("arn:aws:iam::" + member + ":role/eks-cluster"),
			ResourcesVpcConfig: &ekstypes.VpcConfigRequest{},
			AccessConfig: &ekstypes.CreateAccessConfigRequest{
				AuthenticationMode: ekstypes.AuthenticationModeApi, BootstrapClusterCreatorAdminPermissions: aws.Bool(false),
			},
		})
		require.NoError(t, err)
		require.Empty(t, a.entries(t, aws.ToString(out.Cluster.Name)))
	})

	t.Run("CONFIG_MAP clusters have no access entries", func(t *testing.T) {
		name := aws.String("legacy")
		_, err := a.eks.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: name, PrincipalArn: &sso})
		requireAPIError[*ekstypes.InvalidRequestException](t, err, http.StatusBadRequest)
		require.ErrorContains(t, err, "authentication mode must be set to one of [API, API_AND_CONFIG_MAP]")
		_, err = a.eks.ListAccessEntries(ctx, &eks.ListAccessEntriesInput{ClusterName: name})
		requireAPIError[*ekstypes.InvalidRequestException](t, err, http.StatusBadRequest)
		_, err = a.eks.DescribeAccessEntry(ctx, &eks.DescribeAccessEntryInput{ClusterName: name, PrincipalArn: &sso})
		requireAPIError[*ekstypes.InvalidRequestException](t, err, http.StatusBadRequest)
	})

	t.Run("unknown cluster", func(t *testing.T) {
		_, err := a.eks.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: aws.String("nope"), PrincipalArn: &sso})
		requireAPIError[*ekstypes.ResourceNotFoundException](t, err, http.StatusNotFound)
		require.ErrorContains(t, err, "No cluster found for name: nope.")
		_, err = a.eks.ListAssociatedAccessPolicies(ctx, &eks.ListAssociatedAccessPoliciesInput{ClusterName: aws.String("nope"), PrincipalArn: &sso})
		requireAPIError[*ekstypes.ResourceNotFoundException](t, err, http.StatusNotFound)
	})

	t.Run("entry lifecycle", func(t *testing.T) {
		name := aws.String("both")
		created, err := a.eks.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: name, PrincipalArn: &sso, Type: aws.String("STANDARD")})
		require.NoError(t, err)
		e := created.AccessEntry
		require.Equal(t, sso, aws.ToString(e.PrincipalArn))
		require.Equal(t, "STANDARD", aws.ToString(e.Type))
		// EKS's username drops the role's path.
		require.Equal(t, "arn:aws:sts::"+member+":assumed-role/AWSReservedSSO_stint-eks-view_0123456789abcdef/{{SessionName}}", aws.ToString(e.Username))
		require.Regexp(t, `^arn:aws:eks:us-east-1:`+member+`:access-entry/both/role/`+member+`/AWSReservedSSO_stint-eks-view_0123456789abcdef/\w+$`, aws.ToString(e.AccessEntryArn))
		require.NotNil(t, e.CreatedAt)

		_, err = a.eks.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: name, PrincipalArn: &sso})
		requireAPIError[*ekstypes.ResourceInUseException](t, err, http.StatusConflict)
		// A retry of the first call (same client request token) is answered
		// the entry it made.
		again, err := a.eks.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: name, PrincipalArn: &sso, ClientRequestToken: aws.String("token-1")})
		requireAPIError[*ekstypes.ResourceInUseException](t, err, http.StatusConflict)
		require.Nil(t, again)

		described, err := a.eks.DescribeAccessEntry(ctx, &eks.DescribeAccessEntryInput{ClusterName: name, PrincipalArn: &sso})
		require.NoError(t, err)
		require.Equal(t, e.AccessEntryArn, described.AccessEntry.AccessEntryArn)
		require.ElementsMatch(t, []string{creator, sso}, a.entries(t, "both"))

		_, err = a.eks.DeleteAccessEntry(ctx, &eks.DeleteAccessEntryInput{ClusterName: name, PrincipalArn: &sso})
		require.NoError(t, err)
		_, err = a.eks.DescribeAccessEntry(ctx, &eks.DescribeAccessEntryInput{ClusterName: name, PrincipalArn: &sso})
		requireAPIError[*ekstypes.ResourceNotFoundException](t, err, http.StatusNotFound)
		_, err = a.eks.DeleteAccessEntry(ctx, &eks.DeleteAccessEntryInput{ClusterName: name, PrincipalArn: &sso})
		requireAPIError[*ekstypes.ResourceNotFoundException](t, err, http.StatusNotFound)
		require.Equal(t, []string{creator}, a.entries(t, "both"))
	})

	t.Run("idempotent create with the same token", func(t *testing.T) {
		role := a.role(t, "/", "token-role")
		in := &eks.CreateAccessEntryInput{ClusterName: aws.String("both"), PrincipalArn: &role, ClientRequestToken: aws.String("same-token")}
		first, err := a.eks.CreateAccessEntry(ctx, in)
		require.NoError(t, err)
		second, err := a.eks.CreateAccessEntry(ctx, in)
		require.NoError(t, err)
		require.Equal(t, first.AccessEntry.AccessEntryArn, second.AccessEntry.AccessEntryArn)
	})

	t.Run("principals", func(t *testing.T) {
		user, err := a.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")})
		require.NoError(t, err)
		other := asMember(s, otherMember).role(t, "/", "cross-account")
		for _, tc := range []struct {
			name, arn, typ string
			ok             bool
		}{
			{name: "role of another account, node type", arn: other, typ: "EC2_LINUX"},
			{name: "IAM user, username is its ARN", arn: aws.ToString(user.User.Arn), ok: true},
			{name: "role of another account, STANDARD", arn: other, ok: true},
			{name: "missing role", arn: "arn:aws:iam::" + member + ":role/missing"},
			{name: "STS session", arn: "arn:aws:sts::" + member + ":assumed-role/x/session"},
			{name: "not an ARN", arn: "alice"},
			{name: "unknown type", arn: aws.ToString(user.User.Arn), typ: "ROBOT"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := &eks.CreateAccessEntryInput{ClusterName: aws.String("api"), PrincipalArn: aws.String(tc.arn)}
				if tc.typ != "" {
					in.Type = aws.String(tc.typ)
				}
				out, err := a.eks.CreateAccessEntry(ctx, in)
				if !tc.ok {
					requireAPIError[*ekstypes.InvalidParameterException](t, err, http.StatusBadRequest)
					return
				}
				require.NoError(t, err)
				if tc.arn == aws.ToString(user.User.Arn) {
					require.Equal(t, tc.arn, aws.ToString(out.AccessEntry.Username))
				}
			})
		}
		_, err = a.eks.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{
			ClusterName: aws.String("api"), PrincipalArn: aws.String(a.role(t, "/", "reserved-username")), Username: aws.String("system:admin"),
		})
		requireAPIError[*ekstypes.InvalidParameterException](t, err, http.StatusBadRequest)
	})

	t.Run("policies and scopes", func(t *testing.T) {
		name := aws.String("api")
		role := a.role(t, "/aws-reserved/sso.amazonaws.com/eu-west-1/", "AWSReservedSSO_stint-scopes_00000000000000aa")
		_, err := a.eks.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: name, PrincipalArn: &role})
		require.NoError(t, err)
		associate := func(policy string, scope ekstypes.AccessScope) (*eks.AssociateAccessPolicyOutput, error) {
			return a.eks.AssociateAccessPolicy(ctx, &eks.AssociateAccessPolicyInput{
				ClusterName: name, PrincipalArn: &role, PolicyArn: aws.String(policy), AccessScope: &scope,
			})
		}
		ns := ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeNamespace, Namespaces: []string{"payments"}}
		out, err := associate(viewPolicy, ns)
		require.NoError(t, err)
		require.Equal(t, role, aws.ToString(out.PrincipalArn))
		require.Equal(t, viewPolicy, aws.ToString(out.AssociatedAccessPolicy.PolicyArn))
		first := *out.AssociatedAccessPolicy.AssociatedAt

		// Associating again replaces the scope.
		wide := ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeCluster}
		out, err = associate(viewPolicy, wide)
		require.NoError(t, err)
		require.Equal(t, first, *out.AssociatedAccessPolicy.AssociatedAt)
		_, err = associate(editPolicy, ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeNamespace, Namespaces: []string{"dev-*", "ops"}})
		require.NoError(t, err)
		require.Equal(t, map[string]ekstypes.AccessScope{
			viewPolicy: {Type: ekstypes.AccessScopeTypeCluster, Namespaces: []string{}},
			editPolicy: {Type: ekstypes.AccessScopeTypeNamespace, Namespaces: []string{"dev-*", "ops"}},
		}, a.policies(t, "api", role))

		for _, tc := range []struct {
			name   string
			policy string
			scope  ekstypes.AccessScope
		}{
			{"unknown policy", "arn:aws:eks::aws:cluster-access-policy/AmazonEKSGodPolicy", wide},
			{"IAM policy", "arn:aws:iam::aws:policy/AdministratorAccess", wide},
			{"namespace scope without namespaces", viewPolicy, ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeNamespace}},
			{"cluster scope with namespaces", viewPolicy, ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeCluster, Namespaces: []string{"a"}}},
			{"bad namespace", viewPolicy, ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeNamespace, Namespaces: []string{"Payments"}}},
			{"bad scope type", viewPolicy, ekstypes.AccessScope{Type: "account"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := associate(tc.policy, tc.scope)
				requireAPIError[*ekstypes.InvalidParameterException](t, err, http.StatusBadRequest)
			})
		}

		// Filter entries by policy.
		filtered, err := a.eks.ListAccessEntries(ctx, &eks.ListAccessEntriesInput{ClusterName: name, AssociatedPolicyArn: aws.String(editPolicy)})
		require.NoError(t, err)
		require.Equal(t, []string{role}, filtered.AccessEntries)

		_, err = a.eks.DisassociateAccessPolicy(ctx, &eks.DisassociateAccessPolicyInput{ClusterName: name, PrincipalArn: &role, PolicyArn: aws.String(editPolicy)})
		require.NoError(t, err)
		_, err = a.eks.DisassociateAccessPolicy(ctx, &eks.DisassociateAccessPolicyInput{ClusterName: name, PrincipalArn: &role, PolicyArn: aws.String(editPolicy)})
		requireAPIError[*ekstypes.ResourceNotFoundException](t, err, http.StatusNotFound)
		require.Equal(t, []string{viewPolicy}, keys(a.policies(t, "api", role)))

		// A missing entry has no policies.
		_, err = a.eks.AssociateAccessPolicy(ctx, &eks.AssociateAccessPolicyInput{
			ClusterName: name, PrincipalArn: aws.String(a.role(t, "/", "no-entry")), PolicyArn: aws.String(viewPolicy), AccessScope: &wide,
		})
		requireAPIError[*ekstypes.ResourceNotFoundException](t, err, http.StatusNotFound)
	})

	t.Run("pages", func(t *testing.T) {
		name := "paged"
		a.cluster(t, name, ekstypes.AuthenticationModeApi)
		for _, r := range []string{"p1", "p2", "p3", "p4"} {
			_, err := a.eks.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: &name, PrincipalArn: aws.String(a.role(t, "/", r))})
			require.NoError(t, err)
		}
		page, err := a.eks.ListAccessEntries(ctx, &eks.ListAccessEntriesInput{ClusterName: &name, MaxResults: aws.Int32(2)})
		require.NoError(t, err)
		require.Len(t, page.AccessEntries, 2)
		require.NotEmpty(t, page.NextToken)
		var all []string
		pages := eks.NewListAccessEntriesPaginator(a.eks, &eks.ListAccessEntriesInput{ClusterName: &name, MaxResults: aws.Int32(2)})
		for pages.HasMorePages() {
			p, err := pages.NextPage(ctx)
			require.NoError(t, err)
			require.LessOrEqual(t, len(p.AccessEntries), 2)
			all = append(all, p.AccessEntries...)
		}
		require.Len(t, all, 5) // the creator's, and four
		_, err = a.eks.ListAccessEntries(ctx, &eks.ListAccessEntriesInput{ClusterName: &name, MaxResults: aws.Int32(101)})
		requireAPIError[*ekstypes.InvalidParameterException](t, err, http.StatusBadRequest)
		_, err = a.eks.ListAccessEntries(ctx, &eks.ListAccessEntriesInput{ClusterName: &name, NextToken: aws.String("made-up")})
		requireAPIError[*ekstypes.InvalidParameterException](t, err, http.StatusBadRequest)

		var policies []string
		ppages := eks.NewListAccessPoliciesPaginator(a.eks, &eks.ListAccessPoliciesInput{MaxResults: aws.Int32(3)})
		for ppages.HasMorePages() {
			p, err := ppages.NextPage(ctx)
			require.NoError(t, err)
			for _, ap := range p.AccessPolicies {
				require.Equal(t, "arn:aws:eks::aws:cluster-access-policy/"+aws.ToString(ap.Name), aws.ToString(ap.Arn))
				policies = append(policies, aws.ToString(ap.Arn))
			}
		}
		require.Subset(t, policies, []string{viewPolicy, editPolicy, adminPolicy, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy"})
	})

	t.Run("deleting a cluster deletes its entries", func(t *testing.T) {
		name := aws.String("short-lived")
		a.cluster(t, *name, ekstypes.AuthenticationModeApi)
		_, err := a.eks.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: name, PrincipalArn: aws.String(a.role(t, "/", "short-lived-user"))})
		require.NoError(t, err)
		_, err = a.eks.DeleteCluster(ctx, &eks.DeleteClusterInput{Name: name})
		require.NoError(t, err)
		a.cluster(t, *name, ekstypes.AuthenticationModeApi)
		require.Equal(t, []string{creator}, a.entries(t, *name))
	})

	t.Run("enabling access entries", func(t *testing.T) {
		a.cluster(t, "upgrade", "")
		update := func(mode ekstypes.AuthenticationMode) (*eks.UpdateClusterConfigOutput, error) {
			return a.eks.UpdateClusterConfig(ctx, &eks.UpdateClusterConfigInput{
				Name: aws.String("upgrade"), AccessConfig: &ekstypes.UpdateAccessConfigRequest{AuthenticationMode: mode},
			})
		}
		_, err := update(ekstypes.AuthenticationModeApi) // CONFIG_MAP cannot go straight to API
		requireAPIError[*ekstypes.InvalidParameterException](t, err, http.StatusBadRequest)
		out, err := update(ekstypes.AuthenticationModeApiAndConfigMap)
		require.NoError(t, err)
		require.Equal(t, ekstypes.UpdateTypeAccessConfigUpdate, out.Update.Type)
		require.Equal(t, ekstypes.UpdateStatusSuccessful, out.Update.Status)
		require.Empty(t, a.entries(t, "upgrade"))
		_, err = update(ekstypes.AuthenticationModeConfigMap) // never back
		requireAPIError[*ekstypes.InvalidParameterException](t, err, http.StatusBadRequest)
		_, err = update(ekstypes.AuthenticationModeApi)
		require.NoError(t, err)
		d, err := a.eks.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String("upgrade")})
		require.NoError(t, err)
		require.Equal(t, ekstypes.AuthenticationModeApi, d.Cluster.AccessConfig.AuthenticationMode)
	})

	t.Run("accounts are apart", func(t *testing.T) {
		_, err := asMember(s, otherMember).eks.ListAccessEntries(ctx, &eks.ListAccessEntriesInput{ClusterName: aws.String("api")})
		requireAPIError[*ekstypes.ResourceNotFoundException](t, err, http.StatusNotFound)
	})
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestStockMotoLacksAccessEntries(t *testing.T) {
	t.Parallel()
	s := motoserver.StartWith(t, motoserver.Options{NoManagedPolicies: true})
	a := asMember(s, member)
	a.cluster(t, "c", "")
	_, err := a.eks.ListAccessEntries(t.Context(), &eks.ListAccessEntriesInput{ClusterName: aws.String("c")})
	var resp *awshttp.ResponseError
	require.ErrorAs(t, err, &resp)
	require.Equal(t, http.StatusNotFound, resp.HTTPStatusCode())
	var notFound *ekstypes.ResourceNotFoundException
	require.False(t, errors.As(err, &notFound), "stock moto answers an HTML 404 page, not EKS's error: %v", err)
}

// Both patch sets load into one server.
func TestEKSAndSSOAdminExtensions(t *testing.T) {
	t.Parallel()
	s := motoserver.StartWith(t, motoserver.Options{NoManagedPolicies: true, EKSExtensions: true, SSOAdminExtensions: true})
	ctx := t.Context()
	sso := ssoadmin.NewFromConfig(s.AWSConfig(), func(o *ssoadmin.Options) { o.RetryMaxAttempts = 1 })
	instances, err := sso.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	require.NoError(t, err)
	instance := instances.Instances[0].InstanceArn
	ps, err := sso.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: instance, Name: aws.String("p")})
	require.NoError(t, err)
	require.Equal(t, "PT1H", aws.ToString(ps.PermissionSet.SessionDuration)) // ssoadmin_ext's patch 3
	_, err = sso.ListTagsForResource(ctx, &ssoadmin.ListTagsForResourceInput{InstanceArn: instance, ResourceArn: ps.PermissionSet.PermissionSetArn})
	require.NoError(t, err)

	a := asMember(s, member)
	a.cluster(t, "c", ekstypes.AuthenticationModeApi)
	require.Len(t, a.entries(t, "c"), 1)
}
