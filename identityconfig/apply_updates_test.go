package identityconfig_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint/identityconfig"
	"github.com/stint-dev/stint/internal/faultproxy"
)

// permissionSetARN finds a permission set by name, straight in moto.
func (e *applyEnv) permissionSetARN(t *testing.T, name string) string {
	t.Helper()
	ctx := context.Background()
	sso := ssoadmin.NewFromConfig(e.srv.AWSConfig())
	pages := ssoadmin.NewListPermissionSetsPaginator(sso, &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String(e.org.InstanceARN)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		require.NoError(t, err)
		for _, arn := range page.PermissionSets {
			d, err := sso.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: aws.String(e.org.InstanceARN), PermissionSetArn: aws.String(arn)})
			require.NoError(t, err)
			if aws.ToString(d.PermissionSet.Name) == name {
				return arn
			}
		}
	}
	t.Fatalf("no permission set %s", name)
	return ""
}

// behind lists, straight in moto, the accounts that run an older version
// of the permission set.
func (e *applyEnv) behind(t *testing.T, arn string) []string {
	t.Helper()
	out, err := ssoadmin.NewFromConfig(e.srv.AWSConfig()).ListAccountsForProvisionedPermissionSet(context.Background(), &ssoadmin.ListAccountsForProvisionedPermissionSetInput{
		InstanceArn: aws.String(e.org.InstanceARN), PermissionSetArn: aws.String(arn),
		ProvisioningStatus: ssotypes.ProvisioningStatusLatestPermissionSetNotProvisioned,
	})
	require.NoError(t, err)
	return out.AccountIds
}

const provisioningApplyFile = `permission_sets:
  - name: PvSet
    session_duration: 1h
    inline_policy: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:ListBucket", Resource: "*"}]}
assignments:
  - {principal: group:Data, permission_set: PvSet, accounts: [ou:Prod/Data]}
  - {principal: group:Engineers, permission_set: PvSet, accounts: [name:dev-001]}
`

// testApplyProvisioning: an apply whose provisioning fails leaves the
// permission set updated but the accounts on the old version; the next
// plan shows exactly those accounts and applying it provisions them. The
// same when the policy changes outside stint and only some accounts were
// provisioned since.
func testApplyProvisioning(t *testing.T, e *applyEnv) {
	p := e.plan(t, provisioningApplyFile)
	require.Len(t, p.Actions, 4)
	e.apply(t, e.applier(t, e.srv.URL()), p)
	e.requireClean(t, provisioningApplyFile)
	arn := e.permissionSetARN(t, "PvSet")
	acct := e.org.Accounts

	// The file changes the policy; provisioning fails on AWS's side.
	changed := strings.Replace(provisioningApplyFile, `Action: "s3:ListBucket"`, `Action: ["s3:ListBucket", "s3:GetObject"]`, 1)
	p = e.plan(t, changed)
	require.Len(t, p.Actions, 1)
	require.Equal(t, "inline_policy", p.Actions[0].Changes[0].Field)
	failing := faultproxy.Start(t, e.srv.URL())
	failing.RewriteStatus(faultproxy.StatusRule{Kind: faultproxy.Provisioning, FailureReason: "Simulated: provisioning stopped"})
	res, err := e.applier(t, failing.URL()).Apply(context.Background(), p)
	require.NoError(t, err)
	require.Equal(t, 1, res.Failed)
	require.Contains(t, res.Errors[0], "Simulated: provisioning stopped")
	require.Len(t, e.behind(t, arn), 3)

	// The policy is as the file says, but three accounts run the old one.
	p = e.plan(t, changed)
	require.Equal(t, 2, identityconfig.ExitCode(p))
	require.Equal(t, []identityconfig.Action{{Op: identityconfig.OpUpdate, Kind: identityconfig.KindPermissionSet, Name: "PvSet", ID: arn,
		Changes: []identityconfig.Change{{Field: identityconfig.FieldProvisioning, Added: sortedByID(acct, "prod-data", "prod-analytics", "dev-001")}}}}, p.Actions)
	// No account has the latest version: one request for all, waited on.
	slow := faultproxy.Start(t, e.srv.URL())
	slow.RewriteStatus(faultproxy.StatusRule{Kind: faultproxy.Provisioning, InProgressPolls: 2})
	res = e.apply(t, e.applier(t, slow.URL()), p)
	require.Equal(t, 1, res.Calls["ListAccountsForProvisionedPermissionSet"])
	require.Equal(t, 1, res.Calls["ProvisionPermissionSet"])
	require.Equal(t, 3, res.Calls["DescribePermissionSetProvisioningStatus"]) // IN_PROGRESS twice, then SUCCEEDED
	require.Zero(t, res.Calls["PutInlinePolicyToPermissionSet"], "only provisioning")
	require.Empty(t, e.behind(t, arn))
	e.requireClean(t, changed)

	// Outside stint: the policy changes, then one account is provisioned.
	sso := ssoadmin.NewFromConfig(e.srv.AWSConfig())
	again := strings.Replace(changed, `"s3:GetObject"`, `"s3:GetObject", "s3:PutObject"`, 1)
	_, err = sso.PutInlinePolicyToPermissionSet(context.Background(), &ssoadmin.PutInlinePolicyToPermissionSetInput{InstanceArn: aws.String(e.org.InstanceARN), PermissionSetArn: aws.String(arn),
		InlinePolicy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListBucket","s3:GetObject","s3:PutObject"],"Resource":"*"}]}`)})
	require.NoError(t, err)
	_, err = sso.ProvisionPermissionSet(context.Background(), &ssoadmin.ProvisionPermissionSetInput{InstanceArn: aws.String(e.org.InstanceARN), PermissionSetArn: aws.String(arn),
		TargetType: ssotypes.ProvisionTargetTypeAwsAccount, TargetId: aws.String(acct["prod-data"])})
	require.NoError(t, err)
	p = e.plan(t, again)
	require.Len(t, p.Actions, 1)
	require.Equal(t, []identityconfig.Change{{Field: identityconfig.FieldProvisioning, Added: sortedByID(acct, "prod-analytics", "dev-001")}}, p.Actions[0].Changes)
	res = e.apply(t, e.applier(t, e.srv.URL()), p)
	// prod-data is current, so the other two are provisioned one by one;
	// had either been skipped, it would still be behind.
	require.Equal(t, 2, res.Calls["ProvisionPermissionSet"])
	require.Empty(t, e.behind(t, arn))
	e.requireClean(t, again)
}

// sortedByID labels accounts as a plan does: "NAME (ID)", in ID order.
func sortedByID(ids map[string]string, names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n + " (" + ids[n] + ")"
	}
	slices.SortFunc(out, func(a, b string) int {
		return strings.Compare(a[strings.IndexByte(a, '('):], b[strings.IndexByte(b, '('):])
	})
	return out
}

const identityUpdatesFile = `users:
  - {user_name: up-user, given_name: Una, family_name: Update, email: up-user@example.com}
groups:
  - {name: UpTeam, description: Update test team}
`

// testApplyIdentityUpdates: changing and removing user and group fields is
// planned as updates, applied with UpdateUser and UpdateGroup, and plans
// clean afterwards.
func testApplyIdentityUpdates(t *testing.T, e *applyEnv) {
	p := e.plan(t, identityUpdatesFile)
	require.Equal(t, map[identityconfig.Kind]map[identityconfig.Op]int{
		identityconfig.KindUser: {identityconfig.OpCreate: 1}, identityconfig.KindGroup: {identityconfig.OpCreate: 1},
	}, p.Counts())
	e.apply(t, e.applier(t, e.srv.URL()), p)
	e.requireClean(t, identityUpdatesFile)

	for _, step := range []struct {
		name, file string
		user       []identityconfig.Change
		group      identityconfig.Change
	}{
		{
			name: "change names, email and description",
			file: `users:
  - {user_name: up-user, given_name: Ursula, family_name: Update, display_name: Ursula U. Update, email: ursula@example.com}
groups:
  - {name: UpTeam, description: Updated team}
`,
			user: []identityconfig.Change{
				{Field: "display_name", Old: "Una Update", New: "Ursula U. Update"},
				{Field: "given_name", Old: "Una", New: "Ursula"},
				{Field: "email", Old: "up-user@example.com", New: "ursula@example.com"},
			},
			group: identityconfig.Change{Field: "description", Old: "Update test team", New: "Updated team"},
		},
		{
			name: "remove email and description",
			file: `users:
  - {user_name: up-user, given_name: Ursula, family_name: Update, display_name: Ursula U. Update}
groups:
  - {name: UpTeam}
`,
			user:  []identityconfig.Change{{Field: "email", Old: "ursula@example.com"}},
			group: identityconfig.Change{Field: "description", Old: "Updated team"},
		},
	} {
		p := e.plan(t, step.file)
		require.Equal(t, []identityconfig.Action{
			{Op: identityconfig.OpUpdate, Kind: identityconfig.KindUser, Name: "up-user", ID: p.Actions[0].ID, Changes: step.user},
			{Op: identityconfig.OpUpdate, Kind: identityconfig.KindGroup, Name: "UpTeam", ID: p.Actions[1].ID, Changes: []identityconfig.Change{step.group}},
		}, p.Actions, step.name)
		res := e.apply(t, e.applier(t, e.srv.URL()), p)
		require.Equal(t, 1, res.Calls["UpdateUser"], step.name)
		require.Equal(t, 1, res.Calls["UpdateGroup"], step.name)
		e.requireClean(t, step.file)
	}
}

const boundaryFile = `permission_sets:
  - name: BdSet
    session_duration: 1h
    managed_policies: [ReadOnlyAccess]
    permissions_boundary: {managed_policy: PowerUserAccess}
assignments:
  - {principal: group:Data, permission_set: BdSet, accounts: [name:prod-data]}
`

// testApplyBoundary: a permissions boundary is created with its permission
// set, changed to a customer managed policy, then removed; each change is
// provisioned to the account the set is assigned in, and each plan after
// an apply is clean.
func testApplyBoundary(t *testing.T, e *applyEnv) {
	p := e.plan(t, boundaryFile)
	require.Len(t, p.Actions, 2)
	require.Contains(t, p.Actions[0].Changes, identityconfig.Change{Field: "permissions_boundary", New: "arn:aws:iam::aws:policy/PowerUserAccess"})
	res := e.apply(t, e.applier(t, e.srv.URL()), p)
	require.Equal(t, 1, res.Calls["PutPermissionsBoundaryToPermissionSet"])
	e.requireClean(t, boundaryFile)
	arn := e.permissionSetARN(t, "BdSet")

	for _, step := range []struct {
		name, boundary string
		change         identityconfig.Change
		op             string
	}{
		{"to a customer managed policy", "    permissions_boundary: {customer_managed_policy: {name: BdBoundary, path: /team/}}\n",
			identityconfig.Change{Field: "permissions_boundary", Old: "arn:aws:iam::aws:policy/PowerUserAccess", New: "customer managed /team/BdBoundary"},
			"PutPermissionsBoundaryToPermissionSet"},
		{"removed", "",
			identityconfig.Change{Field: "permissions_boundary", Old: "customer managed /team/BdBoundary"},
			"DeletePermissionsBoundaryFromPermissionSet"},
	} {
		file := strings.Replace(boundaryFile, "    permissions_boundary: {managed_policy: PowerUserAccess}\n", step.boundary, 1)
		p := e.plan(t, file)
		require.Equal(t, []identityconfig.Action{{Op: identityconfig.OpUpdate, Kind: identityconfig.KindPermissionSet, Name: "BdSet", ID: arn,
			Changes: []identityconfig.Change{step.change}}}, p.Actions, step.name)
		res := e.apply(t, e.applier(t, e.srv.URL()), p)
		require.Equal(t, 1, res.Calls[step.op], step.name)
		require.Equal(t, 1, res.Calls["ProvisionPermissionSet"], step.name)
		require.Empty(t, e.behind(t, arn), step.name)
		e.requireClean(t, file)
	}
}
