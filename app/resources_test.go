package app_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/client"
	"github.com/stint-dev/stint/provider/account"
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

	inGroup := func() bool {
		out, err := iamc.GetGroup(ctx, &awsiam.GetGroupInput{GroupName: aws.String("ops-oncall")})
		require.NoError(t, err)
		return len(out.Users) == 1 && aws.ToString(out.Users[0].UserName) == "judy"
	}
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

	// A resource the flow does not offer, and one that does not exist.
	_, err = judy.Submit(ctx, client.SubmitInput{Resources: []client.Resource{{ID: "aws-iam-group:" + acct + "/admins"}}, Reason: "x"})
	require.Equal(t, stint.ENOTFOUND, stint.ErrorCode(err))
	require.ErrorContains(t, err, `unknown aws-iam-group "admins"`)
	_, err = judy.Submit(ctx, client.SubmitInput{Resources: []client.Resource{{ID: "aws-iam-group:" + acct + "/ops-oncall:admin"}}, Reason: "x"})
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
}
