package app_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/client"
	"github.com/stint-dev/stint/provider/account"
	"github.com/stint-dev/stint/provider/scoped"
)

// memberIAM returns an IAM client acting in a member account of the
// sample organisation, through AssumeRole as stint does.
func memberIAM(t *testing.T, e *env, accountName string) (*awsiam.Client, string) {
	t.Helper()
	id := e.org.Accounts[accountName]
	require.NotEmpty(t, id)
	cfg, err := account.New(account.Config{AWS: e.moto.AWSConfig()}).For(context.Background(), id)
	require.NoError(t, err)
	return awsiam.NewFromConfig(cfg), id
}

// TestIAMResources: a group membership and a role's trust statement are
// discovered, requested by resource ID, granted in the member account and
// removed again, with the role's sessions cut off at revocation.
func TestIAMResources(t *testing.T) {
	t.Parallel()
	e := setupEnv(t)
	ctx := context.Background()
	iamc, acct := memberIAM(t, e, "shared-tooling")
	_, err := iamc.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: aws.String("ops-oncall")})
	require.NoError(t, err)
	_, err = iamc.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("judy")})
	require.NoError(t, err)
	trust := `{"Version":"2012-10-17","Statement":[{"Sid":"CI","Effect":"Allow","Principal":{"Service":"codebuild.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	_, err = iamc.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("Deployer"), AssumeRolePolicyDocument: aws.String(trust)})
	require.NoError(t, err)
	// Identity Center makes this role when ReadOnlyAccess is provisioned to
	// the account; moto does not, so the test makes it as AWS would.
	_, err = iamc.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("AWSReservedSSO_ReadOnlyAccess_0123456789abcdef"),
		Path: aws.String("/aws-reserved/sso.amazonaws.com/"), AssumeRolePolicyDocument: aws.String(trust)})
	require.NoError(t, err)

	// bob is in the group already, by hand: standing access.
	_, err = iamc.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("bob")})
	require.NoError(t, err)
	_, err = iamc.AddUserToGroup(ctx, &awsiam.AddUserToGroupInput{GroupName: aws.String("ops-oncall"), UserName: aws.String("bob")})
	require.NoError(t, err)

	m := e.start(t, e.moto.URL())
	judy := e.client(t, m, "judy@example.com") // Engineers
	list, err := judy.Resources(ctx)
	require.NoError(t, err)
	groupID, roleID := "aws-iam-group:"+acct+"/ops-oncall", "aws-iam-role:"+acct+"/Deployer"
	var ids []string
	for _, el := range list {
		ids = append(ids, el.ResourceID)
	}
	require.Contains(t, ids, groupID)
	require.Contains(t, ids, roleID)

	member := func(user string) bool {
		out, err := iamc.GetGroup(ctx, &awsiam.GetGroupInput{GroupName: aws.String("ops-oncall")})
		require.NoError(t, err)
		for _, u := range out.Users {
			if aws.ToString(u.UserName) == user {
				return true
			}
		}
		return false
	}
	inGroup := func() bool { return member("judy") }
	trustDoc := func() string {
		out, err := iamc.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("Deployer")})
		require.NoError(t, err)
		doc, err := url.QueryUnescape(aws.ToString(out.Role.AssumeRolePolicyDocument))
		require.NoError(t, err)
		return doc
	}

	// The account is named, not numbered: the ID resolves it.
	r, err := judy.Submit(ctx, client.SubmitInput{Resources: []client.Resource{{ID: "aws-iam-group:shared-tooling/ops-oncall"}, {ID: roleID}},
		Duration: time.Hour, Reason: "deploy the fix"})
	require.NoError(t, err)
	require.Equal(t, stint.RequestApproved, r.State)
	require.Equal(t, []string{groupID, roleID}, []string{r.Resources[0].ID, r.Resources[1].ID})
	grants, err := judy.Grants(ctx, client.GrantsParams{})
	require.NoError(t, err)
	byID := map[string]*stint.Grant{}
	for _, g := range grants {
		byID[g.ResourceID] = g
	}
	for _, id := range []string{groupID, roleID} {
		eventually(t, 15*time.Second, id+" active", func() bool { return grantState(t, judy, byID[id].ID) == stint.GrantActive })
	}
	require.True(t, inGroup())
	doc := trustDoc()
	require.Contains(t, doc, `"Sid":"CI"`, "other statements are kept")
	require.Contains(t, doc, "AWSReservedSSO_ReadOnlyAccess_0123456789abcdef")
	require.Contains(t, doc, "*:judy")
	require.Contains(t, doc, "aws:CurrentTime")

	for _, id := range []string{groupID, roleID} {
		_, err := judy.Revoke(ctx, byID[id].ID)
		require.NoError(t, err)
		eventually(t, 15*time.Second, id+" ended", func() bool { return grantState(t, judy, byID[id].ID) == stint.GrantEnded })
	}
	require.False(t, inGroup())
	doc = trustDoc()
	require.NotContains(t, doc, "*:judy")
	require.Contains(t, doc, `"Sid":"CI"`)
	// immediate_cutoff: the role denies sessions issued before the revocation.
	pol, err := iamc.GetRolePolicy(ctx, &awsiam.GetRolePolicyInput{RoleName: aws.String("Deployer"), PolicyName: aws.String("stint-cutoff")})
	require.NoError(t, err)
	cut, err := url.QueryUnescape(aws.ToString(pol.PolicyDocument))
	require.NoError(t, err)
	var parsed map[string]any
	require.NoError(t, json.Unmarshal([]byte(cut), &parsed))
	require.True(t, strings.Contains(cut, "aws:TokenIssueTime"), cut)

	// bob's standing membership is adopted by his grant and kept after it.
	bob := e.client(t, m, "bob@example.com")
	r, err = bob.Submit(ctx, client.SubmitInput{Resources: []client.Resource{{ID: groupID}}, Duration: time.Hour, Reason: "on call"})
	require.NoError(t, err)
	g := onlyGrant(t, bob, r.ID)
	eventually(t, 15*time.Second, "bob's grant active", func() bool { return grantState(t, bob, g.ID) == stint.GrantActive })
	_, err = bob.Revoke(ctx, g.ID)
	require.NoError(t, err)
	eventually(t, 15*time.Second, "bob's grant ended", func() bool { return grantState(t, bob, g.ID) == stint.GrantEnded })
	require.True(t, member("bob"), "standing membership kept")
	require.True(t, contains(eventTypes(t, bob, g.ID), stint.EventEffectAdopted))

	// A resource the flow does not offer, and one that does not exist.
	_, err = judy.Submit(ctx, client.SubmitInput{Resources: []client.Resource{{ID: "aws-iam-group:" + acct + "/admins"}}, Reason: "x"})
	require.Equal(t, stint.ENOTFOUND, stint.ErrorCode(err))
	require.ErrorContains(t, err, `unknown aws-iam-group "admins"`)
	_, err = judy.Submit(ctx, client.SubmitInput{Resources: []client.Resource{{ID: "aws-iam-group:" + acct + "/ops-oncall:admin"}}, Reason: "x"})
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
}

// TestScopedResources: a bucket, an instance, a database and an EKS
// namespace are discovered, requested in one request, granted through
// stint's own permission sets (and, for EKS, an access entry for their
// role), and revoked with the users' sessions cut off.
func TestScopedResources(t *testing.T) {
	t.Parallel()
	e := setupEnv(t)
	ctx := context.Background()
	acct := e.org.Accounts["dev-001"]
	cfg, err := account.New(account.Config{AWS: e.moto.AWSConfig()}).For(ctx, acct)
	require.NoError(t, err)
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	_, err = s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("app-logs")})
	require.NoError(t, err)
	run, err := ec2.NewFromConfig(cfg).RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12345678"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance, Tags: []ec2types.Tag{{Key: aws.String("Role"), Value: aws.String("bastion")}}}}})
	require.NoError(t, err)
	instance := aws.ToString(run.Instances[0].InstanceId)
	db, err := rds.NewFromConfig(cfg).CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: aws.String("orders"), Engine: aws.String("postgres"),
		DBInstanceClass: aws.String("db.t3.micro"), AllocatedStorage: aws.Int32(20), MasterUsername: aws.String("root"), MasterUserPassword: aws.String("not-a-real-secret-1"),
		EnableIAMDatabaseAuthentication: aws.Bool(true)})
	require.NoError(t, err)
	iamc := awsiam.NewFromConfig(cfg)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"eks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	clusterRole, err := iamc.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("eks-cluster"), AssumeRolePolicyDocument: aws.String(trust)})
	require.NoError(t, err)
	_, err = eks.NewFromConfig(cfg).CreateCluster(ctx, &eks.CreateClusterInput{Name: aws.String("core"), RoleArn: clusterRole.Role.Arn,
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-1"}},
		AccessConfig:       &ekstypes.CreateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApi}})
	require.NoError(t, err)
	// Identity Center makes a role for each permission set it provisions;
	// moto does not, so the test makes the one the EKS grant's permission
	// set will have, as AWS would.
	eksPS := scoped.PermissionSetName(scoped.Permission{AccountID: acct, Kind: stint.ResourceEKS, Target: "core/payments:view"})
	_, err = iamc.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("AWSReservedSSO_" + eksPS + "_0123456789abcdef"),
		Path: aws.String("/aws-reserved/sso.amazonaws.com/"), AssumeRolePolicyDocument: aws.String(trust)})
	require.NoError(t, err)

	m := e.start(t, e.moto.URL())
	judy := e.client(t, m, "judy@example.com")
	ids := []string{
		"aws-s3:" + acct + "/app-logs:write",
		"aws-ec2:" + acct + "/" + instance,
		"aws-rds:" + acct + "/orders:readonly",
		"aws-eks:" + acct + "/core/payments:view",
	}
	var res []client.Resource
	for _, id := range ids {
		res = append(res, client.Resource{ID: id})
	}
	r, err := judy.Submit(ctx, client.SubmitInput{Resources: res, Duration: time.Hour, Reason: "debug the orders service"})
	require.NoError(t, err)
	require.Equal(t, stint.RequestApproved, r.State)
	require.Equal(t, aws.ToString(db.DBInstance.DbiResourceId), r.Resources[2].Attributes["dbi_resource_id"])
	grants, err := judy.Grants(ctx, client.GrantsParams{})
	require.NoError(t, err)
	var mine []*stint.Grant
	for _, g := range grants {
		if g.RequestID == r.ID {
			mine = append(mine, g)
		}
	}
	require.Len(t, mine, 4)
	for _, g := range mine {
		eventually(t, 30*time.Second, g.ResourceID+" active", func() bool {
			st := grantState(t, judy, g.ID)
			require.NotEqual(t, stint.GrantFailed, st, "grant %s failed", g.ResourceID)
			return st == stint.GrantActive
		})
	}

	sso := ssoadmin.NewFromConfig(e.moto.AWSConfig())
	judyID := e.org.Users["judy@example.com"]
	policyOf := func(id string) (string, bool) {
		ref, err := stint.ParseResourceID(id)
		require.NoError(t, err)
		perm := scoped.Permission{AccountID: acct, Kind: ref.Type, Target: strings.SplitN(id, "/", 2)[1]}
		name := scoped.PermissionSetName(perm)
		arn := permissionSetARN(t, e, name)
		if arn == "" {
			return "", false
		}
		pol, err := sso.GetInlinePolicyForPermissionSet(ctx, &ssoadmin.GetInlinePolicyForPermissionSetInput{InstanceArn: aws.String(e.org.InstanceARN), PermissionSetArn: aws.String(arn)})
		require.NoError(t, err)
		list, err := sso.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: aws.String(e.org.InstanceARN), AccountId: aws.String(acct), PermissionSetArn: aws.String(arn)})
		require.NoError(t, err)
		assigned := false
		for _, a := range list.AccountAssignments {
			assigned = assigned || aws.ToString(a.PrincipalId) == judyID
		}
		return aws.ToString(pol.InlinePolicy), assigned
	}
	for i, want := range []string{"arn:aws:s3:::app-logs", instance, "dbuser:" + aws.ToString(db.DBInstance.DbiResourceId) + "/readonly", "eks:DescribeCluster"} {
		pol, assigned := policyOf(ids[i])
		require.True(t, assigned, "%s assigned", ids[i])
		require.Contains(t, pol, want, ids[i])
	}
	entries, err := eks.NewFromConfig(cfg).ListAccessEntries(ctx, &eks.ListAccessEntriesInput{ClusterName: aws.String("core")})
	require.NoError(t, err)
	require.Contains(t, strings.Join(entries.AccessEntries, " "), "AWSReservedSSO_"+eksPS)

	for _, g := range mine {
		_, err := judy.Revoke(ctx, g.ID)
		require.NoError(t, err)
	}
	for _, g := range mine {
		eventually(t, 30*time.Second, g.ResourceID+" ended", func() bool { return grantState(t, judy, g.ID) == stint.GrantEnded })
	}
	for _, id := range ids {
		pol, assigned := policyOf(id)
		require.False(t, assigned, "%s unassigned", id)
		require.Contains(t, pol, "aws:TokenIssueTime", "%s: judy's sessions cut off", id)
		require.Contains(t, pol, "*:judy", id)
	}
}

// permissionSetARN finds a permission set by name in moto, or "".
func permissionSetARN(t *testing.T, e *env, name string) string {
	t.Helper()
	sso := ssoadmin.NewFromConfig(e.moto.AWSConfig())
	pages := ssoadmin.NewListPermissionSetsPaginator(sso, &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String(e.org.InstanceARN)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(context.Background())
		require.NoError(t, err)
		for _, arn := range page.PermissionSets {
			out, err := sso.DescribePermissionSet(context.Background(), &ssoadmin.DescribePermissionSetInput{InstanceArn: aws.String(e.org.InstanceARN), PermissionSetArn: aws.String(arn)})
			require.NoError(t, err)
			if aws.ToString(out.PermissionSet.Name) == name {
				return arn
			}
		}
	}
	return ""
}
