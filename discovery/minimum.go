package discovery

import (
	"strings"

	"github.com/stint-dev/stint"
)

// Page sizes of the listings a scan reads (the most AWS returns at once).
const (
	ssoPage      = 100  // sso-admin and identitystore listings
	orgPage      = 20   // organizations ListAccountsForParent
	iamItemsPage = 1000 // GetAccountAuthorizationDetails MaxItems
)

// MinimumCalls returns, by service, the fewest AWS requests that reading a
// scan's data needs, counted from what the scan found, and how each is made
// up. It is the yardstick of the scan's calls (bench prints the ratio):
//
//   - sts: GetCallerIdentity once, and one AssumeRole per member account
//     (those that refuse included: they are asked).
//   - organizations: ListRoots, and per node (the root and every OU that
//     holds accounts, with its parents) one ListOrganizationalUnitsForParent
//     and a ListAccountsForParent page per 20 accounts.
//   - identitystore: a page of ListUsers and of ListGroups per 100, and a
//     ListGroupMemberships page per group and 100 members.
//   - sso-admin: ListInstances; a ListPermissionSets page per 100; six
//     reads per permission set (DescribePermissionSet, its managed policies,
//     customer managed references, inline policy, permissions boundary and
//     tags, which say stint:managed); and the assignments by the cheaper of listing them per
//     principal (a page per principal and 100 assignments) or per account (a
//     provisioned listing per account, and a page per permission set and 100
//     assignments there).
//   - iam: per scanned account, one GetAccountAuthorizationDetails page per
//     1,000 items and the credential report (GenerateCredentialReport,
//     GetCredentialReport; AWS may need more Generate calls while it writes
//     the report).
//
// What a scan reads beyond that, and why: the accounts behind on
// provisioning of each permission set (one call each; the identity file
// Reader's, which Propose's plan shares), and service last accessed data
// (two calls and more per admin-equivalent user or role others may assume;
// one probe where the endpoint lacks it).
func MinimumCalls(scan *stint.Scan) (map[string]int, map[string]string) {
	inv := scan.Inventory
	if inv == nil {
		inv = &stint.Inventory{}
	}
	pages := func(n, size int) int { return max(1, (n+size-1)/size) }
	out := map[string]int{}
	why := map[string]string{}
	// The management account is read with stint's own credentials: no
	// AssumeRole there.
	out["sts"] = 1 + max(0, len(scan.Accounts)-1)
	why["sts"] = "GetCallerIdentity + AssumeRole per member account"

	nodes := map[string]int{"": 0} // OU path -> accounts directly in it
	for _, a := range scan.Accounts {
		nodes[a.OUPath]++
		parts := strings.Split(a.OUPath, "/")
		for i := 1; i < len(parts); i++ { // the OUs above it
			if p := strings.Join(parts[:i], "/"); !hasKey(nodes, p) {
				nodes[p] = 0
			}
		}
	}
	org := 1
	for _, n := range nodes {
		org += 1 + pages(n, orgPage)
	}
	out["organizations"] = org
	why["organizations"] = "ListRoots + per root and OU: ListOrganizationalUnitsForParent + ListAccountsForParent pages"

	groupMembers := map[string]int{}
	for _, u := range inv.Users {
		for _, g := range u.Groups {
			groupMembers[strings.ToLower(g)]++
		}
	}
	ids := pages(len(inv.Users), ssoPage) + pages(len(inv.Groups), ssoPage)
	for _, g := range inv.Groups {
		ids += pages(groupMembers[strings.ToLower(g.Name)], ssoPage)
	}
	out["identitystore"] = ids
	why["identitystore"] = "ListUsers and ListGroups pages + ListGroupMemberships per group"

	all := append(append([]stint.InventoryAssignment{}, inv.Assignments...), inv.Held...)
	perPrincipal := map[string]int{}
	perPair := map[string]int{}
	for _, a := range all {
		perPrincipal[a.PrincipalType+a.PrincipalID]++
		perPair[a.AccountID+"|"+a.PermissionSetARN]++
	}
	byPrincipal := 0
	for _, u := range inv.Users {
		byPrincipal += pages(perPrincipal["USER"+u.ID], ssoPage)
	}
	for _, g := range inv.Groups {
		byPrincipal += pages(perPrincipal["GROUP"+g.ID], ssoPage)
	}
	byAccount := len(scan.Accounts)
	for _, n := range perPair {
		byAccount += pages(n, ssoPage)
	}
	sso := 1 + pages(len(inv.PermissionSets), ssoPage) + 6*len(inv.PermissionSets) + min(byPrincipal, byAccount)
	out["sso-admin"] = sso
	why["sso-admin"] = "ListInstances + ListPermissionSets + 6 reads per permission set + assignments by the cheaper listing"

	items := map[string]int{}
	for _, u := range inv.IAMUsers {
		items[u.AccountID]++
	}
	for _, r := range inv.IAMRoles {
		items[r.AccountID]++
	}
	for _, r := range inv.SSORoles {
		items[r.AccountID]++
	}
	iam := 0
	for _, a := range scan.Accounts {
		if a.Scanned {
			iam += pages(items[a.ID], iamItemsPage) + 2
		}
	}
	out["iam"] = iam
	why["iam"] = "per scanned account: GetAccountAuthorizationDetails pages + GenerateCredentialReport + GetCredentialReport"
	return out, why
}

func hasKey(m map[string]int, k string) bool {
	_, ok := m[k]
	return ok
}
