package iam_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/internal/faultproxy"
	"github.com/stint-dev/stint/provider/iam"
)

func TestDiscover(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	a, b, denied := nextAccount(), nextAccount(), nextAccount()
	const trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`

	e.role(t, a, "deploy", trust, "team", "payments", "env", "prod")
	e.role(t, a, "OrganizationAccountAccessRole", trust) // what stint itself assumes
	e.ssoRole(t, a, "ReadOnly")
	_, err := e.iam(t, a).CreateServiceLinkedRole(ctx, &awsiam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("autoscaling.amazonaws.com")})
	require.NoError(t, err)
	_, err = e.iam(t, a).CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("reader"), Path: aws.String("/teams/data/"), AssumeRolePolicyDocument: aws.String(trust)})
	require.NoError(t, err)
	for i := range 3 {
		e.role(t, b, fmt.Sprintf("app-%d", i), trust)
	}
	_, err = e.iam(t, a).CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: aws.String("deployers"), Path: aws.String("/ops/")})
	require.NoError(t, err)
	e.role(t, denied, "secret", trust)

	e.proxy.Inject(faultproxy.Rule{Op: "AssumeRole", Fault: faultproxy.AccessDenied, BodyContains: denied})
	accounts := []stint.Account{{ID: a, Name: "a"}, {ID: denied, Name: "denied"}, {ID: b, Name: "b"}}

	roles, errs, err := e.p.Discover(ctx, stint.ResourceIAMRole, accounts, stint.DiscoverOptions{Tags: true})
	require.NoError(t, err)
	require.Len(t, errs, 1)
	require.Equal(t, denied, errs[0].AccountID)
	require.Empty(t, errs[0].Type, "the whole account could not be reached")
	require.Contains(t, errs[0].Error, "AssumeRole of arn:aws:iam::"+denied+":role/OrganizationAccountAccessRole was refused")

	require.Equal(t, []stint.Resource{
		{Type: stint.ResourceIAMRole, AccountID: a, Name: "deploy", ARN: "arn:aws:iam::" + a + ":role/deploy",
			Tags: map[string]string{"team": "payments", "env": "prod"}, Attributes: map[string]string{"path": "/"}},
		{Type: stint.ResourceIAMRole, AccountID: a, Name: "reader", ARN: "arn:aws:iam::" + a + ":role/teams/data/reader",
			Attributes: map[string]string{"path": "/teams/data/"}},
		{Type: stint.ResourceIAMRole, AccountID: b, Name: "app-0", ARN: "arn:aws:iam::" + b + ":role/app-0", Attributes: map[string]string{"path": "/"}},
		{Type: stint.ResourceIAMRole, AccountID: b, Name: "app-1", ARN: "arn:aws:iam::" + b + ":role/app-1", Attributes: map[string]string{"path": "/"}},
		{Type: stint.ResourceIAMRole, AccountID: b, Name: "app-2", ARN: "arn:aws:iam::" + b + ":role/app-2", Attributes: map[string]string{"path": "/"}},
	}, roles, "no service-linked, Identity Center or OrganizationAccountAccessRole role")

	groups, errs, err := e.p.Discover(ctx, stint.ResourceIAMGroup, accounts, stint.DiscoverOptions{Tags: true})
	require.NoError(t, err)
	require.Len(t, errs, 1)
	require.Equal(t, []stint.Resource{{Type: stint.ResourceIAMGroup, AccountID: a, Name: "deployers",
		ARN: "arn:aws:iam::" + a + ":group/ops/deployers", Attributes: map[string]string{"path": "/ops/"}}}, groups)

	// A listing IAM refuses is an error of that type in that account only.
	e.proxy.Inject(faultproxy.Rule{Op: "ListRoleTags", Fault: faultproxy.InternalError, BodyContains: "RoleName=deploy"})
	roles, errs, err = e.p.Discover(ctx, stint.ResourceIAMRole, accounts[:1], stint.DiscoverOptions{Tags: true})
	require.NoError(t, err)
	require.Empty(t, roles)
	require.Equal(t, []stint.DiscoveryError{{AccountID: a, Type: stint.ResourceIAMRole,
		Error: "list the tags of IAM role deploy in account " + a + ": InternalServerException: Internal failure injected by faultproxy; IAM answered with a server error after every retry; retry later"}}, errs)

	_, _, err = e.p.Discover(ctx, stint.ResourceS3, accounts, stint.DiscoverOptions{Tags: true})
	require.True(t, stint.IsCode(err, stint.EINVALID), "%v", err)
}

func TestDiscoverSkipsConfiguredRoles(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *iam.Config) { c.SkipRoles = []string{"Terraform"} })
	acct := nextAccount()
	const trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`
	e.role(t, acct, "terraform", trust)
	e.role(t, acct, "OrganizationAccountAccessRole", trust)
	roles, errs, err := e.p.Discover(t.Context(), stint.ResourceIAMRole, []stint.Account{{ID: acct}}, stint.DiscoverOptions{Tags: true})
	require.NoError(t, err)
	require.Empty(t, errs)
	require.Len(t, roles, 1)
	require.Equal(t, "OrganizationAccountAccessRole", roles[0].Name, "SkipRoles replaces the default")
}

func TestDiscoverPages(t *testing.T) {
	t.Parallel()
	e := setup(t)
	acct := nextAccount()
	const trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`
	for i := range 105 { // ListRoles answers 100 a page
		e.role(t, acct, fmt.Sprintf("role-%03d", i), trust)
	}
	roles, errs, err := e.p.Discover(t.Context(), stint.ResourceIAMRole, []stint.Account{{ID: acct}}, stint.DiscoverOptions{Tags: true})
	require.NoError(t, err)
	require.Empty(t, errs)
	require.Len(t, roles, 105)
	require.Equal(t, "role-104", roles[104].Name)
	require.Equal(t, 2, e.proxy.Count("ListRoles"))
}
