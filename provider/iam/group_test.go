package iam_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/internal/faultproxy"
)

// groupAccount makes an account with IAM users alice and bob and groups
// deployers and auditors.
func groupAccount(t *testing.T, e *env) string {
	t.Helper()
	acct := nextAccount()
	c := e.iam(t, acct)
	for _, u := range []string{"alice", "bob"} {
		_, err := c.CreateUser(t.Context(), &awsiam.CreateUserInput{UserName: aws.String(u)})
		require.NoError(t, err)
	}
	for _, g := range []string{"deployers", "auditors"} {
		_, err := c.CreateGroup(t.Context(), &awsiam.CreateGroupInput{GroupName: aws.String(g)})
		require.NoError(t, err)
	}
	return acct
}

// groupsOf returns the user's groups as IAM lists them.
func (e *env) groupsOf(t *testing.T, accountID, user string) []string {
	t.Helper()
	out, err := e.iam(t, accountID).ListGroupsForUser(t.Context(), &awsiam.ListGroupsForUserInput{UserName: aws.String(user)})
	require.NoError(t, err)
	var names []string
	for _, g := range out.Groups {
		names = append(names, aws.ToString(g.GroupName))
	}
	return names
}

func TestGroupGrantAndRevoke(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	acct := groupAccount(t, e)
	eff := groupEffect(acct, "deployers", "u-alice", "alice")

	ok, err := e.p.Exists(ctx, eff)
	require.NoError(t, err)
	require.False(t, ok)

	require.NoError(t, e.p.Grant(ctx, eff))
	require.Equal(t, []string{"deployers"}, e.groupsOf(t, acct, "alice"))
	ok, err = e.p.Exists(ctx, eff)
	require.NoError(t, err)
	require.True(t, ok)

	require.NoError(t, e.p.Grant(ctx, eff), "granting again is success")
	require.Equal(t, []string{"deployers"}, e.groupsOf(t, acct, "alice"))

	require.NoError(t, e.p.Revoke(ctx, eff))
	require.Empty(t, e.groupsOf(t, acct, "alice"))
	ok, err = e.p.Exists(ctx, eff)
	require.NoError(t, err)
	require.False(t, ok)

	calls := e.proxy.Count("RemoveUserFromGroup")
	require.NoError(t, e.p.Revoke(ctx, eff), "revoking again is success")
	require.Equal(t, calls+1, e.proxy.Count("RemoveUserFromGroup"))
}

func TestGroupStandingMembershipIsFound(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	acct := groupAccount(t, e)
	// An administrator put bob in auditors long before stint.
	_, err := e.iam(t, acct).AddUserToGroup(ctx, &awsiam.AddUserToGroupInput{GroupName: aws.String("auditors"), UserName: aws.String("bob")})
	require.NoError(t, err)

	ok, err := e.p.Exists(ctx, groupEffect(acct, "auditors", "u-bob", "bob"))
	require.NoError(t, err)
	require.True(t, ok, "a membership made outside stint is found, so the ledger adopts it as standing")
	ok, err = e.p.Exists(ctx, groupEffect(acct, "AUDITORS", "u-bob", "bob"))
	require.NoError(t, err)
	require.True(t, ok, "IAM group names ignore case")
	ok, err = e.p.Exists(ctx, groupEffect(acct, "deployers", "u-bob", "bob"))
	require.NoError(t, err)
	require.False(t, ok)
	ok, err = e.p.Exists(ctx, groupEffect(acct, "auditors", "u-carol", "carol"))
	require.NoError(t, err)
	require.False(t, ok, "a user who does not exist is in no group")
}

func TestGroupBadInput(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	acct := groupAccount(t, e)

	for _, tc := range []struct {
		name  string
		eff   *stint.Effect
		code  string
		parts []string
	}{
		{"unknown group", groupEffect(acct, "nope", "u-alice", "alice"), stint.ENOTFOUND,
			[]string{`IAM group "nope" does not exist in account ` + acct}},
		{"missing IAM user", groupEffect(acct, "deployers", "u-carol", "carol"), stint.EINVALID,
			[]string{`the IAM user named "carol" must exist in account ` + acct, "create it"}},
		{"user name IAM cannot carry", groupEffect(acct, "deployers", "u-x", "carol smith"), stint.EINVALID,
			[]string{`"carol smith" is not a valid IAM user name`}},
		{"no user name", groupEffect(acct, "deployers", "u-x", ""), stint.EINVALID, []string{"has no user name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireCode(t, e.p.Grant(ctx, tc.eff), tc.code, tc.parts...)
		})
	}
	require.Empty(t, e.groupsOf(t, acct, "alice"), "nothing half-made")
	require.NoError(t, e.p.Revoke(ctx, groupEffect(acct, "nope", "u-alice", "alice")), "a group that is gone has no member")
	require.NoError(t, e.p.Revoke(ctx, groupEffect(acct, "deployers", "u-carol", "carol")), "nor does a user that is gone")
}

func TestGroupAccountUnreachable(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	acct := groupAccount(t, e)
	e.proxy.Inject(faultproxy.Rule{Op: "AssumeRole", Fault: faultproxy.AccessDenied, BodyContains: acct})

	eff := groupEffect(acct, "deployers", "u-alice", "alice")
	requireCode(t, e.p.Grant(ctx, eff), stint.EFORBIDDEN, "cannot reach account "+acct, "OrganizationAccountAccessRole")
	_, err := e.p.Exists(ctx, eff)
	requireCode(t, err, stint.EFORBIDDEN, acct)
	require.Zero(t, e.proxy.Count("AddUserToGroup"))
	require.Empty(t, e.groupsOf(t, acct, "alice"))

	e.proxy.Clear()
	require.NoError(t, e.p.Grant(ctx, eff), "reachable again")
	require.Equal(t, []string{"deployers"}, e.groupsOf(t, acct, "alice"))
}

func TestGroupThrottlingIsRetried(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	acct := groupAccount(t, e)
	eff := groupEffect(acct, "deployers", "u-alice", "alice")
	e.proxy.Inject(faultproxy.Rule{Op: "AddUserToGroup", Fault: faultproxy.Throttle, Times: 2})
	require.NoError(t, e.p.Grant(ctx, eff))
	require.Equal(t, 3, e.proxy.Count("AddUserToGroup"))

	e.proxy.Inject(faultproxy.Rule{Op: "RemoveUserFromGroup", Fault: faultproxy.Throttle})
	requireCode(t, e.p.Revoke(ctx, eff), stint.EUNAVAILABLE, "throttling")
	require.Equal(t, 3, e.proxy.Count("RemoveUserFromGroup"), "MaxAttempts in all")
}
