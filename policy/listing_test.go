package policy

import (
	"context"
	"testing"
	"time"

	"github.com/stint-dev/stint"
	"github.com/stretchr/testify/require"
)

func TestWhoCan(t *testing.T) {
	t.Parallel()
	e, dir := setup(t, wednesday)
	got := e.WhoCan(dir, account(t, dir, "prod-core"), "AdministratorAccess")
	require.Equal(t, []WhoCan{
		{User: "alice@example.com", Flow: "prod-admin", MaxDuration: hours(4), Approvers: []string{"group:leads", "group:security"}},
		{User: "bob@example.com", Flow: "prod-admin", MaxDuration: hours(4), BreakGlass: true, Approvers: []string{"group:leads", "group:security", "user:sremgr@example.com"}},
		{User: "erin@example.com", Flow: "prod-admin", MaxDuration: hours(4), Approvers: []string{"group:leads", "group:security"}},
		{User: "frank@example.com", Flow: "prod-admin", MaxDuration: hours(4), Approvers: []string{"group:leads", "group:security"}},
	}, got)

	got = e.WhoCan(dir, account(t, dir, "dev-sandbox"), "PowerUser")
	var users []string
	for _, w := range got {
		users = append(users, w.User+"/"+w.Flow)
	}
	require.Equal(t, []string{"alice@example.com/dev-readonly", "carol@example.com/contractor", "erin@example.com/dev-readonly",
		"frank@example.com/dev-readonly", "mallory@example.com/dev-readonly"}, users)
	require.True(t, got[0].AutoApprove)

	require.Empty(t, e.WhoCan(dir, account(t, dir, "prod-core"), "PowerUser"[:3]))
}

// TestWhoCanAgreesWithDecide checks the grouped evaluation against one
// decision per user.
func TestWhoCanAgreesWithDecide(t *testing.T) {
	t.Parallel()
	e, dir := setup(t, wednesday)
	for _, a := range dir.Accounts {
		for _, ps := range dir.PermissionSets {
			want := map[string]bool{}
			for i := range dir.Users {
				for _, r := range e.Explain(context.Background(), RequestInput{User: &dir.Users[i], Account: &a, PermissionSet: ps.Name}).Reasons {
					if r.Allowed {
						want[dir.Users[i].Email+"/"+r.Flow] = true
					}
				}
			}
			got := map[string]bool{}
			for _, w := range e.WhoCan(dir, &a, ps.Name) {
				got[w.User+"/"+w.Flow] = true
			}
			require.Equal(t, want, got, "%s %s", a.Name, ps.Name)
		}
	}
}

func TestEligible(t *testing.T) {
	t.Parallel()
	e, dir := setup(t, wednesday)
	rows := func(email string) []string {
		var out []string
		for _, r := range e.Eligible(dir, user(t, dir, email)) {
			out = append(out, r.Flow+" "+r.ResourceID)
		}
		return out
	}
	require.Equal(t, []string{
		"contractor aws-sso:222222222222/PowerUser",
		"contractor aws-sso:444444444444/PowerUser",
		"contractor aws-sso:555555555555/PowerUser",
		"contractor bundle:contractor/dev-all",
	}, rows("carol@example.com"), "the cedar block removes prod accounts, and the bundle that includes them")
	require.Equal(t, []string{
		"prod-admin aws-sso:111111111111/AdministratorAccess",
		"prod-admin aws-sso:333333333333/AdministratorAccess",
		"by-id aws-sso:444444444444/ReadOnly",
	}, rows("bob@example.com"))
	require.Empty(t, rows("dave@example.com"))
	require.Len(t, rows("mallory@example.com"), 4+3, "excluded from prod-admin only")

	// Without cedar blocks, Eligible agrees with the root package's own rules.
	flows := testFlows()[:3]
	plain, err := New(Config{Flows: flows, Groups: testGroups(), Now: func() time.Time { return wednesday }})
	require.NoError(t, err)
	for i := range dir.Users {
		u := plain.Expand(&dir.Users[i])
		want := stint.EligibleResources(flows, dir, u)
		got := plain.Eligible(dir, &dir.Users[i])
		for j := range want {
			want[j].AutoApprove = got[j].AutoApprove // the root ignores auto_approve_when
		}
		require.Equal(t, want, got, u.Email)
	}
}

func TestBundles(t *testing.T) {
	t.Parallel()
	e, dir := setup(t, wednesday)
	carol := user(t, dir, "carol@example.com")
	refs, err := e.BundleResources(dir, carol, "contractor", "DEV-ALL")
	require.NoError(t, err)
	require.Equal(t, []stint.ResourceRef{
		{ID: "aws-sso:222222222222/PowerUser", Type: stint.ResourceSSO, AccountID: "222222222222", AccountName: "dev-sandbox", PermissionSet: "PowerUser", PermissionSetARN: "arn:ps-pu"},
		{ID: "aws-sso:555555555555/PowerUser", Type: stint.ResourceSSO, AccountID: "555555555555", AccountName: "dev-two", PermissionSet: "PowerUser", PermissionSetARN: "arn:ps-pu"},
	}, refs)

	d, err := e.DecideBundle(context.Background(), dir, BundleInput{User: carol, Flow: "contractor", Bundle: "dev-all", Duration: time.Hour})
	require.NoError(t, err)
	require.Equal(t, "contractor", d.Flow.Name)
	require.Len(t, d.Resources, 2)
	require.Equal(t, "approval", d.Steps[0].Name)

	tests := []struct {
		name, user, flow, bundle string
		code, msg                string
	}{
		{name: "a resource of the bundle is forbidden", user: "carol@example.com", flow: "contractor", bundle: "everything", code: stint.EFORBIDDEN, msg: "PowerUser in 111111111111 (prod-payments): contractors never touch prod"},
		{name: "not a requester", user: "alice@example.com", flow: "contractor", bundle: "dev-all", code: stint.EFORBIDDEN, msg: "alice@example.com is not one of its requesters"},
		{name: "unknown bundle", user: "carol@example.com", flow: "contractor", bundle: "nope", code: stint.ENOTFOUND, msg: `flow "contractor" has no bundle "nope"; its bundles: dev-all, everything`},
		{name: "unknown flow", user: "carol@example.com", flow: "nope", bundle: "dev-all", code: stint.ENOTFOUND, msg: `unknown flow "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.BundleResources(dir, user(t, dir, tt.user), tt.flow, tt.bundle)
			require.Equal(t, tt.code, stint.ErrorCode(err), "err: %v", err)
			require.Contains(t, err.Error(), tt.msg)
		})
	}
}
