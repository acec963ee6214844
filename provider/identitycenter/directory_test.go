package identitycenter_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/internal/faultproxy"
	"github.com/stint-dev/stint/internal/motoserver"
	"github.com/stint-dev/stint/internal/sampleorg"
	"github.com/stint-dev/stint/provider/identitycenter"
)

func TestDirectoryReadsTheSeededOrganisation(t *testing.T) {
	t.Parallel()
	p, proxy := setup(t)
	identitycenter.SetPageSize(p, 2) // 10 users, 7 groups, 16 accounts: many pages

	before := time.Now()
	d, err := p.Directory(context.Background())
	require.NoError(t, err)

	require.WithinRange(t, d.SyncedAt, before, time.Now())
	d.SyncedAt = time.Time{}
	require.Equal(t, expectedDirectory(), d)

	// Every listing followed its pages.
	for op, atLeast := range map[string]int{
		"ListUsers":                        5, // 10 users, 2 a page
		"ListGroups":                       4,
		"ListGroupMemberships":             7, // once per group at least
		"ListAccountsForParent":            9, // root and 8 OUs
		"ListOrganizationalUnitsForParent": 9,
		"ListPermissionSets":               2,
		"DescribePermissionSet":            3,
		"ListTagsForResource":              16,
	} {
		require.GreaterOrEqual(t, proxy.Count(op), atLeast, op)
	}
	t.Logf("directory: %d calls with pages of 2", proxy.Count(""))

	// What a plan needs: no memberships, no account tags; the rest equal.
	proxy.ResetCounts()
	lean, err := p.DirectoryWith(context.Background(), identitycenter.DirectoryOptions{NoAccountTags: true, NoMemberships: true})
	require.NoError(t, err)
	require.Zero(t, proxy.Count("ListGroupMemberships"))
	require.Zero(t, proxy.Count("ListTagsForResource"))
	want := expectedDirectory()
	for i := range want.Users {
		want.Users[i].Groups = nil
	}
	for i := range want.Accounts {
		want.Accounts[i].Tags = nil
	}
	lean.SyncedAt = time.Time{}
	require.Equal(t, want, lean)
}

func TestDirectoryNamesUsersAndPermissionSetsInErrors(t *testing.T) {
	t.Parallel()
	p, proxy := setup(t)
	_, err := p.Directory(context.Background())
	require.NoError(t, err)

	e := effect("dev-002", "ReadOnlyAccess", org.Users["erin@example.com"])
	proxy.RewriteStatus(faultproxy.StatusRule{Kind: faultproxy.Creation, FailureReason: "Internal failure", PrincipalID: e.PrincipalID})
	err = p.Grant(context.Background(), e)
	require.ErrorContains(t, err, "create assignment of ReadOnlyAccess in "+e.AccountID+" for user erin ("+e.PrincipalID+"): AWS reports FAILED: Internal failure")
	require.True(t, stint.IsCode(err, stint.EUNAVAILABLE), "%v", err)
}

// expectedDirectory is the directory sampleorg.DefaultSpec should give.
func expectedDirectory() *stint.Directory {
	spec := sampleorg.DefaultSpec()
	d := &stint.Directory{InstanceARN: org.InstanceARN, IdentityStoreID: org.IdentityStoreID}
	for _, u := range spec.Users {
		var groups []string
		if len(u.Groups) > 0 {
			groups = slices.Sorted(slices.Values(u.Groups))
		}
		d.Users = append(d.Users, stint.User{
			ID: org.Users[u.EmailAddress()], UserName: u.UserName, Email: u.EmailAddress(),
			DisplayName: u.GivenName + " " + u.FamilyName, Groups: groups,
		})
	}
	for _, g := range spec.Groups {
		d.Groups = append(d.Groups, stint.Group{ID: org.Groups[g.Name], Name: g.Name})
	}
	// moto names the management account "master"; it sits under the root.
	d.Accounts = append(d.Accounts, stint.Account{ID: motoserver.AccountID, Name: "master"})
	for _, a := range spec.Accounts {
		var tags map[string]string
		if len(a.Tags) > 0 {
			tags = a.Tags
		}
		d.Accounts = append(d.Accounts, stint.Account{ID: org.Accounts[a.Name], Name: a.Name, OUPath: a.OU, Tags: tags})
	}
	for _, ps := range spec.PermissionSets {
		d.PermissionSets = append(d.PermissionSets, stint.PermissionSet{ARN: org.PermissionSets[ps.Name], Name: ps.Name, SessionDuration: ps.SessionDuration})
	}
	slices.SortFunc(d.Users, func(a, b stint.User) int { return strings.Compare(a.UserName, b.UserName) })
	slices.SortFunc(d.Groups, func(a, b stint.Group) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(d.Accounts, func(a, b stint.Account) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(d.PermissionSets, func(a, b stint.PermissionSet) int { return strings.Compare(a.Name, b.Name) })
	return d
}
