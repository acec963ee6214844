package discovery_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/discovery"
)

var analyzeNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func daysAgo(n int) *time.Time {
	t := analyzeNow.Add(-time.Duration(n) * 24 * time.Hour)
	return &t
}

func analyzeAccounts() []stint.ScanAccount {
	return []stint.ScanAccount{{ID: "111111111111", Name: "prod-core", OUPath: "Workloads/Prod", Scanned: true},
		{ID: "222222222222", Name: "dev-core", OUPath: "Workloads/Dev", Scanned: true}}
}

// TestAnalyzeThresholds checks what is below each threshold is not
// reported, and what is above is.
func TestAnalyzeThresholds(t *testing.T) {
	t.Parallel()
	users := []stint.User{{ID: "u1", UserName: "u1", Email: "u1@x", Groups: []string{"Big"}}, {ID: "u2", UserName: "u2", Email: "u2@x", Groups: []string{"Big"}},
		{ID: "u3", UserName: "u3", Email: "u3@x", Groups: []string{"Big"}}}
	key := func(age, used int) stint.AccessKey {
		k := stint.AccessKey{Slot: 1, Active: true, CreatedAt: daysAgo(age)}
		if used >= 0 {
			k.LastUsed = daysAgo(used)
		}
		return k
	}
	inv := &stint.Inventory{
		Users: users, Groups: []stint.Group{{ID: "g-big", Name: "Big"}},
		Assignments: []stint.InventoryAssignment{
			{AccountID: "222222222222", PermissionSetARN: "ps-ro", PermissionSet: "ReadOnly", PrincipalType: "GROUP", PrincipalID: "g-big", PrincipalName: "Big", Access: stint.AccessRead},
			{AccountID: "222222222222", PermissionSetARN: "ps-new", PermissionSet: "New", PrincipalType: "USER", PrincipalID: "u1", PrincipalName: "u1", Access: stint.AccessRead},
		},
		SSORoles: []stint.SSORole{
			{AccountID: "222222222222", PermissionSet: "ReadOnly", CreatedAt: *daysAgo(400), LastUsed: daysAgo(89)},
			{AccountID: "222222222222", PermissionSet: "New", CreatedAt: *daysAgo(30)}, // never used, but new
		},
		IAMUsers: []stint.IAMUser{
			{AccountID: "222222222222", UserName: "fresh", ARN: "arn:fresh", CreatedAt: *daysAgo(400), AccessKeys: []stint.AccessKey{key(89, 1)}, Access: stint.AccessRead},
			{AccountID: "222222222222", UserName: "old", ARN: "arn:old", CreatedAt: *daysAgo(400), AccessKeys: []stint.AccessKey{key(91, 1)}, Access: stint.AccessRead},
			{AccountID: "222222222222", UserName: "inactive-key", ARN: "arn:ik", CreatedAt: *daysAgo(400),
				AccessKeys: []stint.AccessKey{{Slot: 1, Active: false, CreatedAt: daysAgo(900)}}, Access: stint.AccessRead},
			{AccountID: "222222222222", UserName: "mfa", ARN: "arn:mfa", CreatedAt: *daysAgo(400), Password: true, MFA: true, PasswordLastUsed: daysAgo(2), Access: stint.AccessRead},
			{AccountID: "222222222222", UserName: "nocreds", ARN: "arn:nc", CreatedAt: *daysAgo(900), Access: stint.AccessAdmin, AccessReason: "*"},
		},
		IAMRoles: []stint.IAMRole{
			{AccountID: "222222222222", RoleName: "inside", ARN: "arn:in", Trusts: []stint.TrustedPrincipal{{Principal: "111111111111", AccountID: "111111111111"}}},
			{AccountID: "222222222222", RoleName: "org-only", ARN: "arn:org", Trusts: []stint.TrustedPrincipal{{Principal: "*", Conditions: []string{"aws:PrincipalOrgID"}}}},
		},
	}
	var got []string
	for _, f := range discovery.Analyze(inv, analyzeAccounts(), discovery.Thresholds{}, analyzeNow) {
		got = append(got, short(f))
	}
	require.ElementsMatch(t, []string{
		"long_lived_key iam-user:old dev-core",
		"standing_admin iam-user:nocreds dev-core", // admin-equivalent even without credentials: someone may add them
	}, got, "defaults: 90 days unused, 90-day keys, 10 people")

	got = nil
	for _, f := range discovery.Analyze(inv, analyzeAccounts(), discovery.Thresholds{UnusedDays: 80, KeyAgeDays: 80, WidePeople: 3}, analyzeNow) {
		got = append(got, short(f))
	}
	require.ElementsMatch(t, []string{
		"long_lived_key iam-user:old dev-core", "long_lived_key iam-user:fresh dev-core",
		"standing_admin iam-user:nocreds dev-core", "unused group:Big dev-core", "wide_access  dev-core",
	}, got, "lower thresholds")
}

// TestAnalyzeScores checks the modifiers: more people, production, admin
// access, no MFA, key age and disuse raise a score, an external ID lowers it.
func TestAnalyzeScores(t *testing.T) {
	t.Parallel()
	var users []stint.User
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		users = append(users, stint.User{ID: id, UserName: id, Email: id + "@x", Groups: []string{"Five"}})
	}
	users = append(users, stint.User{ID: "solo", UserName: "solo", Email: "solo@x"})
	admin := func(account, principalType, id, name string) stint.InventoryAssignment {
		return stint.InventoryAssignment{AccountID: account, PermissionSetARN: "ps-admin", PermissionSet: "Admin", PrincipalType: principalType,
			PrincipalID: id, PrincipalName: name, Access: stint.AccessAdmin, AccessReason: "AdministratorAccess"}
	}
	inv := &stint.Inventory{Users: users, Groups: []stint.Group{{ID: "g5", Name: "Five"}},
		Assignments: []stint.InventoryAssignment{
			admin("111111111111", "GROUP", "g5", "Five"), admin("222222222222", "GROUP", "g5", "Five"),
			admin("111111111111", "USER", "solo", "solo"), admin("222222222222", "USER", "solo", "solo"),
		},
		IAMUsers: []stint.IAMUser{
			{AccountID: "222222222222", UserName: "admin-nomfa", ARN: "arn:a", CreatedAt: *daysAgo(10), Password: true, Access: stint.AccessAdmin, AccessReason: "*"},
			{AccountID: "222222222222", UserName: "read-nomfa", ARN: "arn:r", CreatedAt: *daysAgo(10), Password: true, Access: stint.AccessRead},
			{AccountID: "222222222222", UserName: "k400", ARN: "arn:k400", CreatedAt: *daysAgo(500), AccessKeys: []stint.AccessKey{{Slot: 1, Active: true, CreatedAt: daysAgo(400), LastUsed: daysAgo(1)}}, Access: stint.AccessRead},
			{AccountID: "222222222222", UserName: "k100", ARN: "arn:k100", CreatedAt: *daysAgo(500), AccessKeys: []stint.AccessKey{{Slot: 1, Active: true, CreatedAt: daysAgo(100), LastUsed: daysAgo(1)}}, Access: stint.AccessRead},
		},
		IAMRoles: []stint.IAMRole{
			{AccountID: "222222222222", RoleName: "extid", ARN: "arn:x", Access: stint.AccessRead,
				Trusts: []stint.TrustedPrincipal{{Principal: "999999999999", AccountID: "999999999999", Outside: true, Conditions: []string{"sts:ExternalId"}}}},
			{AccountID: "222222222222", RoleName: "open", ARN: "arn:o", Access: stint.AccessRead,
				Trusts: []stint.TrustedPrincipal{{Principal: "999999999999", AccountID: "999999999999", Outside: true}}},
		},
	}
	score := map[string]int{}
	for _, f := range discovery.Analyze(inv, analyzeAccounts(), discovery.Thresholds{}, analyzeNow) {
		score[short(f)] = f.Score
		require.Equal(t, stint.Severity(f.Score), f.Severity)
	}
	gt := func(a, b string) {
		t.Helper()
		require.Greater(t, score[a], score[b], "%s (%d) over %s (%d)", a, score[a], b, score[b])
	}
	gt("standing_admin group:Five prod-core", "standing_admin group:Five dev-core")           // production
	gt("standing_admin group:Five dev-core", "standing_admin user:solo@x dev-core")           // more people
	gt("standing_admin user:solo@x prod-core", "standing_admin user:solo@x dev-core")         // production
	gt("no_mfa iam-user:admin-nomfa dev-core", "no_mfa iam-user:read-nomfa dev-core")         // admin
	gt("long_lived_key iam-user:k400 dev-core", "long_lived_key iam-user:k100 dev-core")      // older
	gt("external_trust iam-role:open dev-core", "external_trust iam-role:extid dev-core")     // no external ID
	gt("standing_admin iam-user:admin-nomfa dev-core", "standing_admin user:solo@x dev-core") // no MFA on an admin IAM user
	require.Equal(t, 70+4+5, score["standing_admin group:Five prod-core"], "base 70, +1 a person beyond the first, +5 production")
}
