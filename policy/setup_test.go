package policy

import (
	"testing"
	"time"

	"github.com/stint-dev/stint"
	"github.com/stretchr/testify/require"
)

// A Wednesday, 10:00 in Berlin.
var wednesday = time.Date(2026, 6, 17, 8, 0, 0, 0, time.UTC)

func hours(h float64) stint.Duration { return stint.Duration(time.Duration(h * float64(time.Hour))) }

func ic(accounts []string, pss ...string) stint.FlowResource {
	return stint.FlowResource{IdentityCenter: &stint.IdentityCenterSelector{Accounts: accounts, PermissionSets: pss}}
}

func testDirectory() *stint.Directory {
	return &stint.Directory{
		Users: []stint.User{
			{ID: "u-alice", Email: "alice@example.com", Groups: []string{"Eng"}, Attributes: map[string]string{"department": "eng"}},
			{ID: "u-bob", Email: "bob@example.com", Groups: []string{"sre"}, Attributes: map[string]string{"department": "sre"}},
			{ID: "u-carol", Email: "carol@example.com", Groups: []string{"contractors"}, Attributes: map[string]string{"user_type": "contractor"}},
			{ID: "u-dave", Email: "dave@example.com", Groups: []string{"leads", "security"}},
			{ID: "u-erin", Email: "erin@example.com", Groups: []string{"platform"}, Attributes: map[string]string{"department": "eng"}},
			{ID: "u-frank", Email: "frank@example.com", Attributes: map[string]string{"department": "eng"}},
			{ID: "u-mallory", Email: "mallory@example.com", Groups: []string{"eng"}, Attributes: map[string]string{"department": "eng"}},
			{ID: "u-sec2", Email: "sec2@example.com", Groups: []string{"security"}},
			{ID: "u-sremgr", Email: "sremgr@example.com"},
		},
		Accounts: []stint.Account{
			{ID: "111111111111", Name: "prod-payments", OUPath: "Prod/Payments", Tags: map[string]string{"env": "prod"}},
			{ID: "222222222222", Name: "dev-sandbox", OUPath: "Dev", Tags: map[string]string{"env": "dev"}},
			{ID: "333333333333", Name: "prod-core", OUPath: "Prod", Tags: map[string]string{"env": "prod", "team": "core"}},
			{ID: "444444444444", Name: "Root-Acct", OUPath: ""},
			{ID: "555555555555", Name: "dev-two", OUPath: "Dev/Team", Tags: map[string]string{"env": "dev"}},
		},
		PermissionSets: []stint.PermissionSet{
			{ARN: "arn:ps-admin", Name: "AdministratorAccess"},
			{ARN: "arn:ps-ro", Name: "ReadOnly"},
			{ARN: "arn:ps-pu", Name: "PowerUser"},
		},
	}
}

func testGroups() map[string][]string {
	return map[string][]string{
		"eng":      {"group:platform", "user:frank@example.com"},
		"platform": {"group:eng"}, // a cycle: harmless
		"oncall":   {"user:bob@example.com"},
	}
}

func testFlows() []stint.Flow {
	return []stint.Flow{
		{
			Name: "dev-readonly", Requesters: []string{"group:eng"},
			Resources:   []stint.FlowResource{ic([]string{"ou:Dev"}, "ReadOnly", "PowerUser")},
			MaxDuration: hours(8), AutoApprove: true,
		},
		{
			Name: "prod-admin", Requesters: []string{"group:eng", "group:sre"},
			Exclude:             []string{"user:mallory@example.com"},
			RequesterAttributes: map[string][]string{"department": {"eng", "sre"}},
			Resources:           []stint.FlowResource{ic([]string{"ou:prod"}, "AdministratorAccess")},
			MaxDuration:         hours(4),
			ApprovalSteps: []stint.ApprovalStep{
				{Name: "lead", Approvers: []string{"group:leads"}},
				{Name: "security", Approvers: []string{"group:security"}, Quorum: 2, PermissionSets: []string{"AdministratorAccess"}},
				{Name: "sre-manager", Approvers: []string{"user:sremgr@example.com"}, RequesterGroups: []string{"sre"}},
			},
			BreakGlass: &stint.BreakGlass{Groups: []string{"oncall"}, MaxDuration: hours(1)},
			Extensions: &stint.ExtensionRule{Max: 2, MaxEach: hours(1)},
		},
		{
			Name: "tagged-readonly", Requesters: []string{"group:eng"},
			Resources: []stint.FlowResource{
				ic([]string{"tag:env=prod"}, "ReadOnly"),
				ic([]string{"name:root-acct"}, "ReadOnly"),
			},
			MaxDuration: hours(2), Approvers: []string{"group:leads"},
			AutoApproveWhen: []stint.AutoApproveRule{{Time: &stint.TimeWindow{Days: []string{"mon-fri"}, Hours: "09:00-18:00", Timezone: "Europe/Berlin"}}},
		},
		{
			Name: "contractor", Requesters: []string{"user:Carol@Example.com"},
			Resources:   []stint.FlowResource{ic([]string{"all"}, "PowerUser")},
			MaxDuration: hours(2), Approvers: []string{"group:leads"},
			Bundles: []stint.Bundle{
				{Name: "dev-all", Resources: []stint.FlowResource{ic([]string{"ou:Dev"}, "PowerUser")}},
				{Name: "everything", Resources: []stint.FlowResource{ic([]string{"all"}, "PowerUser")}},
			},
			Cedar: `@reason("contractors never touch prod")
forbid (principal, action == Action::"request", resource)
when { resource.account.tags has "env" && resource.account.tags["env"] == "prod" };`,
		},
		{
			Name: "by-id", Requesters: []string{"group:sre"},
			Resources:   []stint.FlowResource{ic([]string{"444444444444"}, "ReadOnly")},
			MaxDuration: hours(1), AutoApprove: true,
		},
	}
}

func setup(t *testing.T, now time.Time) (*Engine, *stint.Directory) {
	t.Helper()
	e, err := New(Config{Flows: testFlows(), Groups: testGroups(), Now: func() time.Time { return now }})
	require.NoError(t, err)
	return e, testDirectory()
}

func user(t *testing.T, dir *stint.Directory, email string) *stint.User {
	t.Helper()
	u, err := dir.UserByEmail(email)
	require.NoError(t, err)
	return u
}

func account(t *testing.T, dir *stint.Directory, id string) *stint.Account {
	t.Helper()
	a, err := dir.Account(id)
	require.NoError(t, err)
	return a
}
