package discovery_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/discovery"
	"github.com/stint-dev/stint/internal/faultproxy"
	"github.com/stint-dev/stint/internal/sampleorg"
)

// short is what the tests compare of a finding: kind, principal, account name.
func short(f stint.Finding) string {
	return fmt.Sprintf("%s %s %s", f.Kind, f.Principal, f.AccountName)
}

// TestScanFindsEverySeededFinding scans the messy organisation with one
// account's AssumeRole denied: every seeded finding is found, in the
// expected order, nothing stint holds for grants is reported, and the
// denied account is reported as not scanned, with why.
func TestScanFindsEverySeededFinding(t *testing.T) {
	t.Parallel()
	var steps []string
	e := setup(t, func(c *discovery.Config) {
		c.Progress = func(done, total int, step string) { steps = append(steps, fmt.Sprintf("%d/%d %s", done, total, step)) }
	})
	denied := org.Accounts[sampleorg.MessyDeniedAccount]
	e.proxy.Inject(faultproxy.Rule{Op: "AssumeRole", Fault: faultproxy.AccessDenied, BodyContains: denied})
	scan, err := e.scanner.Scan(t.Context())
	require.NoError(t, err)

	var got []string
	for _, f := range scan.Findings {
		got = append(got, short(f))
	}
	want := []string{
		"external_trust iam-role:break-glass prod-web",
		"standing_admin iam-user:old-admin prod-web",
		"standing_admin group:Admins prod-payments",
		"standing_admin user:dave@example.com prod-web",
		"no_mfa iam-user:old-admin prod-web",
		"standing_admin user:judy@example.com sandbox-001",
		"long_lived_key iam-user:ci-deploy prod-web",
		"unused iam-user:old-admin prod-web",
		"unused user:judy@example.com sandbox-001",
		"external_trust iam-role:vendor-audit prod-payments",
		"long_lived_key iam-user:svc-report legacy",
		"wide_access  dev-001",
		"unused iam-user:svc-report legacy",
		"unused user:ivan@example.com legacy",
	}
	require.ElementsMatch(t, want, got, "exactly the seeded findings")
	score := map[string]int{}
	for _, f := range scan.Findings {
		score[short(f)] = f.Score
		require.NotEmpty(t, f.Reason, short(f))
		require.NotContains(t, f.Reason, "\n")
	}
	// Scores ordered sensibly: anyone may assume an admin role, then an
	// admin IAM user without MFA, then standing admins by how many people
	// and whether production, then the rest; idle read-only access last.
	order := []string{
		"external_trust iam-role:break-glass prod-web",
		"standing_admin iam-user:old-admin prod-web",
		"standing_admin group:Admins prod-payments",
		"standing_admin user:dave@example.com prod-web",
		"standing_admin user:judy@example.com sandbox-001",
		"unused user:judy@example.com sandbox-001",
		"external_trust iam-role:vendor-audit prod-payments",
		"long_lived_key iam-user:svc-report legacy",
		"wide_access  dev-001",
		"unused iam-user:svc-report legacy",
		"unused user:ivan@example.com legacy",
	}
	for i := 1; i < len(order); i++ {
		require.Greater(t, score[order[i-1]], score[order[i]], "%s should outscore %s", order[i-1], order[i])
	}
	require.Equal(t, 100, score["external_trust iam-role:break-glass prod-web"])
	require.True(t, slices.IsSortedFunc(scan.Findings, func(a, b stint.Finding) int { return b.Score - a.Score }))

	// Nothing stint holds is reported: alice's AdministratorAccess in
	// prod-web (a grant's), bob's stint-s3 permission set, alice's IAM
	// group ops in shared-tooling (a grant's).
	for _, f := range scan.Findings {
		require.False(t, f.Principal == "user:alice@example.com", "alice's access is just in time: %s", f.Reason)
		require.NotContains(t, f.Resource, "stint-s3", f.Reason)
		require.NotContains(t, f.Reason, "shared-tooling", f.Reason)
	}
	inv := scan.Inventory
	var held []string
	for _, a := range inv.Held {
		held = append(held, a.PrincipalName+" "+a.PermissionSet)
	}
	require.ElementsMatch(t, []string{"alice AdministratorAccess", "bob stint-s3-0123456789abcdef"}, held)
	adopted := slices.IndexFunc(inv.Assignments, func(a stint.InventoryAssignment) bool { return a.PrincipalName == "bob" })
	require.GreaterOrEqual(t, adopted, 0, "a standing assignment a grant adopted is still standing")
	require.True(t, inv.Assignments[adopted].HeldByGrant)
	aliceIAM := slices.IndexFunc(inv.IAMUsers, func(u stint.IAMUser) bool { return u.UserName == "alice" })
	require.GreaterOrEqual(t, aliceIAM, 0)
	require.Empty(t, inv.IAMUsers[aliceIAM].Groups, "the grant's group is not alice's standing access")
	require.Equal(t, stint.AccessRead, inv.IAMUsers[aliceIAM].Access)

	// The denied account is not scanned, and says why; the others are.
	for _, a := range scan.Accounts {
		if a.ID == denied {
			require.False(t, a.Scanned)
			require.Contains(t, a.Error, "AssumeRole")
			require.Contains(t, a.Error, "refused")
			require.Contains(t, a.Error, "AccessDenied")
			continue
		}
		require.True(t, a.Scanned, "%s: %s", a.Name, a.Error)
	}
	require.Equal(t, len(scan.Accounts)-1, scan.Summary.AccountsScanned)
	// Its Identity Center assignments are read all the same.
	require.True(t, slices.ContainsFunc(inv.Assignments, func(a stint.InventoryAssignment) bool { return a.AccountID == denied }))

	// What the permission sets allow, and why.
	access := map[string]stint.AccessLevel{}
	for _, ps := range inv.PermissionSets {
		access[ps.Name] = ps.Access
	}
	require.Equal(t, stint.AccessAdmin, access["AdministratorAccess"])
	require.Equal(t, stint.AccessWrite, access["PowerUserAccess"])
	require.Equal(t, stint.AccessRead, access["ReadOnlyAccess"])
	require.Equal(t, stint.AccessRead, access["Billing"])
	for _, a := range inv.Assignments {
		if a.PermissionSet == "Deployer" {
			want := map[string]stint.AccessLevel{"dave": stint.AccessAdmin, "erin": stint.AccessWrite}[a.PrincipalName]
			require.Equal(t, want, a.Access, "customer managed policies are the account's: %s", a.AccessReason)
		}
	}
	cross := slices.IndexFunc(inv.IAMRoles, func(r stint.IAMRole) bool { return r.RoleName == "cross-dev" })
	require.GreaterOrEqual(t, cross, 0, "roles trusting other accounts of the organisation are inventoried")
	require.False(t, inv.IAMRoles[cross].Trusts[0].Outside)

	require.True(t, slices.ContainsFunc(scan.Notes, func(n string) bool { return strings.Contains(n, "service last accessed data is not available") }),
		"moto lacks GenerateServiceLastAccessedDetails: %v", scan.Notes)
	// The calls are the minimum the data needs, but for one probe of service
	// last accessed data (which moto lacks), the provider's ListInstances
	// (made before the scan) and the Reader's listing of the accounts behind
	// on provisioning of each permission set.
	minimum, _ := discovery.MinimumCalls(scan)
	calls := scan.Summary.Calls
	require.Equal(t, minimum["sts"], calls["sts"])
	require.Equal(t, minimum["iam"]+1, calls["iam"])
	require.Equal(t, minimum["organizations"], calls["organizations"])
	require.Equal(t, minimum["identitystore"], calls["identitystore"])
	require.Equal(t, minimum["sso-admin"]-1+len(inv.PermissionSets), calls["sso-admin"])
	require.Equal(t, 14, scan.Summary.Findings)
	require.Equal(t, len(scan.Accounts)+2, len(steps))
	require.Contains(t, steps[len(steps)-1], fmt.Sprintf("%d/%d", len(steps), len(steps)))
}
