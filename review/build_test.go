package review_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/review"
)

var now = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func directory() *stint.Directory {
	return &stint.Directory{
		Users: []stint.User{
			{ID: "u-alice", UserName: "alice", Email: "alice@example.com", Groups: []string{"Engineers"}, ManagerID: "u-carol"},
			{ID: "u-bob", UserName: "bob", Email: "bob@example.com", Groups: []string{"Engineers", "Ops"}},
			{ID: "u-carol", UserName: "carol", Email: "carol@example.com", Groups: []string{"Security"}},
			{ID: "u-solo", UserName: "solo", Email: "solo@example.com", Groups: []string{"Solo"}},
		},
		Accounts: []stint.Account{
			{ID: "111111111111", Name: "prod-payments", OUPath: "Prod/Payments"},
			{ID: "222222222222", Name: "dev-001", OUPath: "Dev"},
		},
		PermissionSets: []stint.PermissionSet{{ARN: "arn:ps-admin", Name: "Admin"}, {ARN: "arn:ps-ro", Name: "ReadOnly"}},
	}
}

func scan() *stint.Scan {
	return &stint.Scan{ID: "scan-1", Inventory: &stint.Inventory{
		Assignments: []stint.InventoryAssignment{
			{AccountID: "111111111111", PermissionSetARN: "arn:ps-admin", PermissionSet: "Admin", PrincipalType: "USER", PrincipalID: "u-alice", PrincipalName: "alice", Access: stint.AccessAdmin},
			{AccountID: "111111111111", PermissionSetARN: "arn:ps-ro", PermissionSet: "ReadOnly", PrincipalType: "GROUP", PrincipalID: "g-eng", PrincipalName: "Engineers", Access: stint.AccessRead},
			{AccountID: "222222222222", PermissionSetARN: "arn:ps-admin", PermissionSet: "Admin", PrincipalType: "USER", PrincipalID: "u-bob", PrincipalName: "bob", Access: stint.AccessAdmin},
			{AccountID: "222222222222", PermissionSetARN: "arn:ps-ro", PermissionSet: "ReadOnly", PrincipalType: "GROUP", PrincipalID: "g-solo", PrincipalName: "Solo"},
		},
		IAMUsers: []stint.IAMUser{{AccountID: "222222222222", UserName: "bob", Groups: []string{"ops-deploy"}, Access: stint.AccessWrite}},
	}}
}

func ids() func() string {
	n := 0
	return func() string { n++; return fmt.Sprintf("id-%03d", n) }
}

func campaign(scope stint.ReviewScope, reviewers ...string) *stint.Campaign {
	c, err := stint.NewCampaign(stint.CampaignSpec{Name: "c", Scope: scope, Reviewers: reviewers, Deadline: now.Add(time.Hour)}, "camp", "admin@example.com", now)
	if err != nil {
		panic(err)
	}
	return c
}

func TestBuildScopeAndReviewers(t *testing.T) {
	t.Parallel()
	ended := now.Add(-48 * time.Hour)
	grants := []*stint.Grant{
		{ID: "g-live", UserID: "u-bob", UserEmail: "bob@example.com", ResourceID: "aws-sso:111111111111/Admin", AccountID: "111111111111",
			PermissionSet: "Admin", PermissionSetARN: "arn:ps-admin", State: stint.GrantActive, EndsAt: now.Add(time.Hour)},
		{ID: "g-recent", UserID: "u-alice", UserEmail: "alice@example.com", ResourceID: "aws-sso:222222222222/ReadOnly", AccountID: "222222222222",
			PermissionSet: "ReadOnly", State: stint.GrantEnded, EndReason: stint.EndExpired, EndedAt: &ended},
		{ID: "g-old", UserID: "u-alice", UserEmail: "alice@example.com", ResourceID: "aws-sso:222222222222/ReadOnly", AccountID: "222222222222",
			PermissionSet: "ReadOnly", State: stint.GrantEnded, EndReason: stint.EndExpired, EndedAt: ptr(now.Add(-60 * 24 * time.Hour))},
		{ID: "g-never", UserID: "u-alice", UserEmail: "alice@example.com", ResourceID: "aws-sso:222222222222/ReadOnly", AccountID: "222222222222",
			PermissionSet: "ReadOnly", State: stint.GrantEnded, EndReason: stint.EndNotActivated, EndedAt: &ended},
	}
	flows := []stint.Flow{
		{Name: "no-owners", Resources: []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{Accounts: []string{"all"}, PermissionSets: []string{"ReadOnly"}}}}},
		{Name: "prod", Owners: []string{"group:Payments"}, Resources: []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{Accounts: []string{"ou:Prod"}, PermissionSets: []string{"Admin", "ReadOnly"}}}}},
	}
	items, err := review.Build(review.BuildInput{Campaign: campaign(stint.ReviewScope{Standing: true, JIT: true}, "owner", "manager", "group:Security"),
		Directory: directory(), Scan: scan(), Grants: grants, Flows: flows, NewID: ids(), Now: now})
	require.NoError(t, err)
	got := map[string]string{}
	for _, it := range items {
		require.Equal(t, stint.ItemPending, it.State)
		require.Equal(t, "camp", it.CampaignID)
		got[it.Principal+" "+it.ResourceID+" "+it.GrantID] = it.ReviewerRule + " " + fmt.Sprint(it.Reviewers)
	}
	require.Equal(t, map[string]string{
		"alice@example.com aws-sso:111111111111/Admin ":            "owner [group:Payments]",
		"Engineers aws-sso:111111111111/ReadOnly ":                 "owner [group:Payments]",
		"bob@example.com aws-sso:222222222222/Admin ":              "group:Security [group:Security]",
		"Solo aws-sso:222222222222/ReadOnly ":                      "group:Security [group:Security]",
		"iam-user:bob aws-iam-group:222222222222/ops-deploy ":      "group:Security [group:Security]",
		"bob@example.com aws-sso:111111111111/Admin g-live":        "owner [group:Payments]",
		"alice@example.com aws-sso:222222222222/ReadOnly g-recent": "manager [user:carol@example.com]",
	}, got, "ended grants beyond the window and never-activated ones are left out")

	// The IAM user is matched to its person by user name.
	for _, it := range items {
		if it.Type == stint.ResourceIAMGroup {
			require.Equal(t, "u-bob", it.UserID)
			require.Equal(t, "aws-iam-group:222222222222|ops-deploy|USER|u-bob", it.Effect().Key, "the key a grant of the group would hold")
			require.Equal(t, "bob", it.Effect().Subject)
		}
	}
}

func TestBuildSelfReview(t *testing.T) {
	t.Parallel()
	sc := stint.ReviewScope{Standing: true, Accounts: []string{"name:dev-001"}}
	// group:Solo's only member holds Solo's access; bob is in Engineers.
	items, err := review.Build(review.BuildInput{Campaign: campaign(sc, "group:Solo", "group:Engineers", "user:carol@example.com"),
		Directory: directory(), Scan: scan(), NewID: ids(), Now: now})
	require.NoError(t, err)
	for _, it := range items {
		switch it.Principal {
		case "Solo":
			require.Equal(t, []string{"group:Engineers"}, it.Reviewers, "a group of the holder alone is skipped")
		case "bob@example.com", "iam-user:bob":
			require.Equal(t, []string{"group:Solo"}, it.Reviewers)
		}
	}
	// A user rule naming the holder is skipped, unless self-review is on.
	c := campaign(stint.ReviewScope{Standing: true, Accounts: []string{"name:dev-001"}, Types: []stint.ResourceType{stint.ResourceSSO},
		PermissionSets: []string{"admin"}}, "user:bob@example.com", "user:carol@example.com")
	items, err = review.Build(review.BuildInput{Campaign: c, Directory: directory(), Scan: scan(), NewID: ids(), Now: now})
	require.NoError(t, err)
	require.Len(t, items, 1)
	require.Equal(t, []string{"user:carol@example.com"}, items[0].Reviewers)
	require.Equal(t, []string{"Admin"}, c.Scope.PermissionSets, "names are as the directory spells them")
	c.AllowSelfReview = true
	items, err = review.Build(review.BuildInput{Campaign: c, Directory: directory(), Scan: scan(), NewID: ids(), Now: now})
	require.NoError(t, err)
	require.Equal(t, []string{"user:bob@example.com"}, items[0].Reviewers)
}

func TestBuildErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		scope     stint.ReviewScope
		reviewers []string
		scan      *stint.Scan
		code      string
		text      string
	}{
		{"unknown account", stint.ReviewScope{Standing: true, Accounts: []string{"name:nope"}}, nil, scan(), stint.ENOTFOUND, `"name:nope"`},
		{"unknown OU", stint.ReviewScope{Standing: true, Accounts: []string{"ou:Nope"}}, nil, scan(), stint.ENOTFOUND, "known OUs: Dev, Prod/Payments"},
		{"unknown permission set", stint.ReviewScope{Standing: true, PermissionSets: []string{"Root"}}, nil, scan(), stint.ENOTFOUND, "Root"},
		{"no scan", stint.ReviewScope{Standing: true}, nil, nil, stint.ENOTFOUND, "stint discover"},
		{"no access in scope", stint.ReviewScope{JIT: true}, nil, scan(), stint.EINVALID, "matches no access"},
		{"nobody to review", stint.ReviewScope{Standing: true}, []string{"manager"}, scan(), stint.EINVALID, "no reviewer for 4 of 5 items"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := review.Build(review.BuildInput{Campaign: campaign(tt.scope, tt.reviewers...), Directory: directory(), Scan: tt.scan, NewID: ids(), Now: now})
			require.Equal(t, tt.code, stint.ErrorCode(err), "%v", err)
			require.Contains(t, err.Error(), tt.text)
		})
	}
}

func ptr[T any](v T) *T { return &v }
