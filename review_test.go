package stint_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

var reviewNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func TestNewCampaign(t *testing.T) {
	t.Parallel()
	good := stint.CampaignSpec{Name: "Q1 prod", Deadline: reviewNow.Add(14 * 24 * time.Hour), Scope: stint.ReviewScope{Standing: true}}
	c, err := stint.NewCampaign(good, "c1", "bob@example.com", reviewNow)
	require.NoError(t, err)
	require.Equal(t, stint.CampaignOpen, c.State)
	require.Equal(t, []string{stint.ReviewerOwner, stint.ReviewerManager}, c.Reviewers, "default reviewers")
	require.Equal(t, []stint.Duration{stint.Duration(24 * time.Hour)}, c.Reminders, "default reminder")
	require.Equal(t, stint.Duration(stint.DefaultReviewWindow), c.Scope.Window)

	bad := []struct {
		name  string
		edit  func(s *stint.CampaignSpec)
		error string
	}{
		{"no name", func(s *stint.CampaignSpec) { s.Name = " " }, "needs a name"},
		{"no deadline", func(s *stint.CampaignSpec) { s.Deadline = time.Time{} }, "needs a deadline"},
		{"past deadline", func(s *stint.CampaignSpec) { s.Deadline = reviewNow.Add(-time.Hour) }, "not in the future"},
		{"deadline now", func(s *stint.CampaignSpec) { s.Deadline = reviewNow }, "not in the future"},
		{"nothing to review", func(s *stint.CampaignSpec) { s.Scope.Standing = false }, "reviews nothing"},
		{"bad account selector", func(s *stint.CampaignSpec) { s.Scope.Accounts = []string{"prod"} }, `scope account "prod"`},
		{"unknown type", func(s *stint.CampaignSpec) { s.Scope.Types = []stint.ResourceType{"aws-lambda"} }, `unknown resource type "aws-lambda"`},
		{"unknown reviewer", func(s *stint.CampaignSpec) { s.Reviewers = []string{"boss"} }, `unknown reviewer "boss"`},
		{"negative reminder", func(s *stint.CampaignSpec) { s.Reminders = []stint.Duration{-1} }, "reminders are durations"},
		{"negative window", func(s *stint.CampaignSpec) { s.Scope.Window = -1 }, "window must be positive"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			spec := good
			tt.edit(&spec)
			_, err := stint.NewCampaign(spec, "c1", "bob@example.com", reviewNow)
			require.Equal(t, stint.EINVALID, stint.ErrorCode(err), "%v", err)
			require.Contains(t, err.Error(), tt.error)
		})
	}
}

func TestReminderTimes(t *testing.T) {
	t.Parallel()
	day := stint.Duration(24 * time.Hour)
	c := &stint.Campaign{CampaignSpec: stint.CampaignSpec{Deadline: reviewNow.Add(48 * time.Hour), Reminders: []stint.Duration{day, 3 * day, day}}}
	require.Equal(t, []time.Time{reviewNow.Add(24 * time.Hour)}, c.ReminderTimes(reviewNow), "past reminders are left out, repeats merged")
}

func TestInScope(t *testing.T) {
	t.Parallel()
	prod := &stint.Account{ID: "111111111111", Name: "prod-payments", OUPath: "Prod/Payments"}
	dev := &stint.Account{ID: "222222222222", Name: "dev-001", OUPath: "Dev"}
	tests := []struct {
		name  string
		scope stint.ReviewScope
		a     *stint.Account
		t     stint.ResourceType
		ps    string
		want  bool
	}{
		{"everything", stint.ReviewScope{}, dev, stint.ResourceSSO, "ReadOnly", true},
		{"ou matches nested", stint.ReviewScope{Accounts: []string{"ou:Prod"}}, prod, stint.ResourceSSO, "Admin", true},
		{"ou leaves others out", stint.ReviewScope{Accounts: []string{"ou:Prod"}}, dev, stint.ResourceSSO, "Admin", false},
		{"permission set any case", stint.ReviewScope{PermissionSets: []string{"admin"}}, dev, stint.ResourceSSO, "Admin", true},
		{"permission set leaves others out", stint.ReviewScope{PermissionSets: []string{"Admin"}}, dev, stint.ResourceSSO, "ReadOnly", false},
		{"permission sets leave other types out", stint.ReviewScope{PermissionSets: []string{"Admin"}}, dev, stint.ResourceIAMGroup, "", false},
		{"types", stint.ReviewScope{Types: []stint.ResourceType{stint.ResourceIAMGroup}}, dev, stint.ResourceSSO, "Admin", false},
		{"empty type is aws-sso", stint.ReviewScope{Types: []stint.ResourceType{stint.ResourceSSO}}, dev, "", "Admin", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, tt.scope.InScope(tt.a, tt.t, tt.ps))
		})
	}
}

func reviewFixture() (*stint.Campaign, *stint.ReviewItem) {
	c := &stint.Campaign{ID: "c1", State: stint.CampaignOpen, CampaignSpec: stint.CampaignSpec{Name: "Q1", Deadline: reviewNow.Add(time.Hour)}}
	it := &stint.ReviewItem{ID: "i1", CampaignID: "c1", Source: stint.SourceStanding, PrincipalType: "USER", PrincipalID: "u-alice",
		Principal: "alice@example.com", UserID: "u-alice", UserEmail: "alice@example.com", State: stint.ItemPending,
		Reviewers: []string{"group:Security"}, ReviewerRule: "group:Security"}
	return c, it
}

func TestDecideItem(t *testing.T) {
	t.Parallel()
	carol := &stint.User{ID: "u-carol", Email: "carol@example.com", Groups: []string{"Security"}}
	alice := &stint.User{ID: "u-alice", Email: "alice@example.com", Groups: []string{"Security"}}
	dave := &stint.User{ID: "u-dave", Email: "dave@example.com"}
	tests := []struct {
		name    string
		edit    func(c *stint.Campaign, it *stint.ReviewItem)
		by      *stint.User
		d       stint.Decision
		comment string
		code    string
		state   stint.ItemState
	}{
		{name: "keep is done at once", by: carol, d: stint.DecisionKeep, comment: "needed", state: stint.ItemDone},
		{name: "revoke waits for AWS", by: carol, d: stint.DecisionRevoke, comment: "left the team", state: stint.ItemRevoking},
		{name: "convert waits for AWS", by: carol, d: stint.DecisionConvert, comment: "on demand", state: stint.ItemRevoking},
		{name: "not a reviewer", by: dave, d: stint.DecisionKeep, comment: "x", code: stint.EFORBIDDEN},
		{name: "own access", by: alice, d: stint.DecisionKeep, comment: "mine", code: stint.EFORBIDDEN},
		{name: "own access allowed", edit: func(c *stint.Campaign, _ *stint.ReviewItem) { c.AllowSelfReview = true },
			by: alice, d: stint.DecisionKeep, comment: "mine", state: stint.ItemDone},
		{name: "own group's access", edit: func(_ *stint.Campaign, it *stint.ReviewItem) {
			it.PrincipalType, it.Principal, it.UserID, it.UserEmail = "GROUP", "Security", "", ""
		}, by: carol, d: stint.DecisionKeep, comment: "ours", code: stint.EFORBIDDEN},
		{name: "decided twice", edit: func(_ *stint.Campaign, it *stint.ReviewItem) {
			it.State, it.Decision = stint.ItemDone, stint.DecisionKeep
		},
			by: carol, d: stint.DecisionRevoke, comment: "x", code: stint.ECONFLICT},
		{name: "closed campaign", edit: func(c *stint.Campaign, _ *stint.ReviewItem) { c.State = stint.CampaignClosed },
			by: carol, d: stint.DecisionKeep, comment: "x", code: stint.ECONFLICT},
		{name: "unknown decision", by: carol, d: "approve", comment: "x", code: stint.EINVALID},
		{name: "no comment", by: carol, d: stint.DecisionKeep, comment: "  ", code: stint.EINVALID},
		{name: "convert a grant", edit: func(_ *stint.Campaign, it *stint.ReviewItem) { it.Source, it.GrantID = stint.SourceGrant, "g1" },
			by: carol, d: stint.DecisionConvert, comment: "x", code: stint.EINVALID},
		{name: "user reviewer any case", edit: func(_ *stint.Campaign, it *stint.ReviewItem) { it.Reviewers = []string{"user:DAVE@example.com"} },
			by: dave, d: stint.DecisionRevoke, comment: "x", state: stint.ItemRevoking},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, it := reviewFixture()
			if tt.edit != nil {
				tt.edit(c, it)
			}
			before := *it
			next, err := stint.DecideItem(c, it, tt.by, tt.d, tt.comment, reviewNow)
			require.Equal(t, before, *it, "the item read is never changed")
			if tt.code != "" {
				require.Equal(t, tt.code, stint.ErrorCode(err), "%v", err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.state, next.State)
			require.Equal(t, tt.d, next.Decision)
			require.Equal(t, tt.by.Email, next.DecidedBy)
			require.Equal(t, reviewNow, *next.DecidedAt)
			require.Equal(t, tt.comment, next.Comment)
		})
	}
}

func TestCloseCampaignAndItems(t *testing.T) {
	t.Parallel()
	c, it := reviewFixture()
	closed, err := stint.CloseCampaign(c, "system", reviewNow)
	require.NoError(t, err)
	require.Equal(t, stint.CampaignClosed, closed.State)
	_, err = stint.CloseCampaign(closed, "system", reviewNow)
	require.Equal(t, stint.ECONFLICT, stint.ErrorCode(err))

	left := stint.CloseItem(closed, it, reviewNow)
	require.Equal(t, stint.ItemUndecided, left.State)
	require.Empty(t, left.Decision)

	closed.AutoRevoke = true
	auto := stint.CloseItem(closed, it, reviewNow)
	require.Equal(t, stint.ItemRevoking, auto.State)
	require.Equal(t, stint.DecisionRevoke, auto.Decision)
	require.True(t, auto.Auto)
	require.Equal(t, "system", auto.DecidedBy)
	require.Contains(t, auto.Comment, "auto-revoked")

	kept := *it
	kept.State = stint.ItemDone
	require.Same(t, &kept, stint.CloseItem(closed, &kept, reviewNow), "decided items are left alone")
}

func TestItemExecution(t *testing.T) {
	t.Parallel()
	c, it := reviewFixture()
	_, err := stint.ItemRevoked(it, "gone", reviewNow)
	require.Equal(t, stint.ECONFLICT, stint.ErrorCode(err), "a pending item is not being revoked")
	carol := &stint.User{ID: "u-carol", Email: "carol@example.com", Groups: []string{"Security"}}
	rev, err := stint.DecideItem(c, it, carol, stint.DecisionConvert, "on demand", reviewNow)
	require.NoError(t, err)
	failed, err := stint.ItemFailed(rev, "throttled", reviewNow)
	require.NoError(t, err)
	require.Equal(t, stint.ItemRevoking, failed.State)
	require.Equal(t, 1, failed.Attempts)
	require.Equal(t, 1, stint.CountItems([]*stint.ReviewItem{failed}).Failing)
	waiting, err := stint.ItemAwaiting(failed, "flows: []", reviewNow)
	require.NoError(t, err)
	require.Equal(t, stint.ItemAwaitingFlow, waiting.State)
	done, err := stint.ItemRevoked(waiting, "assignment deleted", reviewNow)
	require.NoError(t, err)
	require.Equal(t, stint.ItemDone, done.State)
	require.Empty(t, done.Error)
	require.Equal(t, &stint.CampaignCounts{Items: 2, Pending: 1, Converted: 1}, stint.CountItems([]*stint.ReviewItem{it, done}))
	_, err = stint.ItemAwaiting(done, "", reviewNow)
	require.Equal(t, stint.ECONFLICT, stint.ErrorCode(err))
}
