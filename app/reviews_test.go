package app_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/app"
	"github.com/stint-dev/stint/client"
	"github.com/stint-dev/stint/discovery"
	"github.com/stint-dev/stint/internal/motoserver"
	"github.com/stint-dev/stint/internal/sampleorg"
	"github.com/stint-dev/stint/internal/slackfake"
	"github.com/stint-dev/stint/jobs"
	"github.com/stint-dev/stint/provider/identitycenter"
	"github.com/stint-dev/stint/review"
)

// TestReviewCampaign is an access review end to end against moto: standing
// assignments found by `stint discover` and grants are reviewed; revoke
// decisions remove the access in AWS (but not an assignment another grant
// still holds), a conversion removes standing access that a flow now
// offers on demand, the deadline auto-revokes what nobody decided,
// reminders reach reviewers by Slack DM and webhook, everything is in the
// audit trail and in the report; bad input changes nothing.
func TestReviewCampaign(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// This test removes standing assignments: its own moto.
	m, err := motoserver.Run(ctx, motoserver.Options{NoManagedPolicies: true, SSOAdminExtensions: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })
	org, err := sampleorg.Seed(ctx, m.AWSConfig(), sampleorg.DefaultSpec())
	require.NoError(t, err)
	e := &env{moto: m, org: org, dir: t.TempDir()}

	fake := slackfake.New(t, slackfake.User{ID: "UCAROL", Email: "carol@example.com"}, slackfake.User{ID: "UGRACE", Email: "grace@example.com"})
	var mu sync.Mutex
	var hooked []jobs.Payload
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p jobs.Payload
		if body, _ := io.ReadAll(r.Body); json.Unmarshal(body, &p) == nil {
			mu.Lock()
			hooked = append(hooked, p)
			mu.Unlock()
		}
	}))
	t.Cleanup(hook.Close)
	// Managers: the identity store's enterprise extension is not served
	// by moto, so the config's mapping names them.
	e.extra = "slack:\n  approvals_channel: C0APPROVALS\n  api_url: " + fake.APIURL() + "\n" +
		"webhooks:\n  - url: " + hook.URL + "\n    events: [review.*]\n" +
		"reviews:\n  managers:\n    heidi@example.com: carol@example.com\n    judy@example.com: frank@example.com\n"
	e.getenv = func(k string) string {
		return map[string]string{"STINT_SLACK_BOT_TOKEN": "xoxb-e2e", "STINT_SLACK_SIGNING_SECRET": slackSecret}[k]
	}
	main := e.start(t, m.URL())
	bob := e.client(t, main, "bob@example.com") // admin
	heidi, dave := e.client(t, main, "heidi@example.com"), e.client(t, main, "dave@example.com")
	carol, frank, alice := e.client(t, main, "carol@example.com"), e.client(t, main, "frank@example.com"), e.client(t, main, "alice@example.com")

	// Grants: heidi holds sandbox-002 ReadOnly twice (one assignment for
	// two grants), dave holds dev-002 ReadOnly.
	grant := func(c *client.Client, account string) *stint.Grant {
		r, err := c.Submit(ctx, client.SubmitInput{Resources: []client.Resource{{Account: account, PermissionSet: "ReadOnlyAccess"}},
			Duration: time.Hour, Reason: "review test"})
		require.NoError(t, err)
		g := onlyGrant(t, c, r.ID)
		eventually(t, 15*time.Second, "grant active", func() bool { return grantState(t, c, g.ID) == stint.GrantActive })
		return g
	}
	heidi1, heidi2, daves := grant(heidi, "sandbox-002"), grant(heidi, "sandbox-002"), grant(dave, "dev-002")

	// Standing access comes from a discovery scan into the server's store.
	ac := motoserver.AWSConfig(m.URL())
	scan, err := app.Discover(ctx, app.DiscoverOptions{
		IdentityOptions: app.IdentityOptions{ConfigPath: main.ConfigPath, AWS: &ac, ProviderConfig: func(c *identitycenter.Config) {
			c.RateLimit, c.OrganizationsRateLimit, c.Burst, c.PollInterval = 1000, 1000, 50, 20*time.Millisecond
		}},
		Scanner: func(c *discovery.Config) { c.Poll, c.MaxAttempts = 10*time.Millisecond, 2 }})
	require.NoError(t, err)
	require.Positive(t, scan.Scan.Summary.StandingAssignments)

	deadline := time.Now().Add(14 * 24 * time.Hour)
	spec := client.CampaignInput{Name: "Q1 sandbox and prod", Standing: true, JIT: true, Types: []string{"aws-sso"},
		Accounts: []string{"ou:Sandbox", "ou:Prod", "name:dev-002"}, Reviewers: []string{"manager", "group:Engineers", "user:bob@example.com"},
		Deadline: deadline, Reminders: []string{(14*24*time.Hour - 2*time.Second).String()}}

	// Bad input of every kind is refused and writes nothing.
	bad := []struct {
		name string
		by   *client.Client
		edit func(in *client.CampaignInput)
		code string
		text string
	}{
		{"not an admin", heidi, nil, stint.EFORBIDDEN, "only admins"},
		{"unknown account", bob, func(in *client.CampaignInput) { in.Accounts = []string{"name:prod-nope"} }, stint.ENOTFOUND, "prod-nope"},
		{"unknown OU", bob, func(in *client.CampaignInput) { in.Accounts = []string{"ou:Nowhere"} }, stint.ENOTFOUND, "known OUs"},
		{"unknown permission set", bob, func(in *client.CampaignInput) { in.PermissionSets = []string{"Root"} }, stint.ENOTFOUND, "Root"},
		{"unknown type", bob, func(in *client.CampaignInput) { in.Types = []string{"aws-lambda"} }, stint.EINVALID, "aws-lambda"},
		{"past deadline", bob, func(in *client.CampaignInput) { in.Deadline = time.Now().Add(-time.Hour) }, stint.EINVALID, "not in the future"},
		{"nothing to review", bob, func(in *client.CampaignInput) { in.Standing, in.JIT = false, false }, stint.EINVALID, "reviews nothing"},
		{"unknown reviewer rule", bob, func(in *client.CampaignInput) { in.Reviewers = []string{"boss"} }, stint.EINVALID, "boss"},
		{"nobody to review", bob, func(in *client.CampaignInput) { in.Reviewers = []string{"manager"} }, stint.EINVALID, "no reviewer for"},
	}
	for _, tt := range bad {
		in := spec
		if tt.edit != nil {
			tt.edit(&in)
		}
		_, err := tt.by.CreateCampaign(ctx, in)
		require.Equal(t, tt.code, stint.ErrorCode(err), "%s: %v", tt.name, err)
		require.Contains(t, err.Error(), tt.text, tt.name)
	}
	list, err := bob.Campaigns(ctx)
	require.NoError(t, err)
	require.Empty(t, list, "refused campaigns write nothing")

	camp, err := bob.CreateCampaign(ctx, spec)
	require.NoError(t, err)
	require.Equal(t, scan.Scan.ID, camp.ScanID)
	byWho := map[string]*stint.ReviewItem{}
	for _, it := range camp.Items {
		key := it.Principal + "|" + it.AccountName + "|" + it.PermissionSet + "|" + it.GrantID
		byWho[key] = it
	}
	item := func(principal, account, ps, grantID string) *stint.ReviewItem {
		it := byWho[principal+"|"+account+"|"+ps+"|"+grantID]
		require.NotNil(t, it, "no item for %s %s %s %s among %v", principal, account, ps, grantID, keys(byWho))
		return it
	}
	require.Len(t, camp.Items, 5, "%v", keys(byWho))
	h1, h2 := item("heidi@example.com", "sandbox-002", "ReadOnlyAccess", heidi1.ID), item("heidi@example.com", "sandbox-002", "ReadOnlyAccess", heidi2.ID)
	dv := item("dave@example.com", "dev-002", "ReadOnlyAccess", daves.ID)
	judy := item("judy@example.com", "sandbox-001", "AdministratorAccess", "")
	frankItem := item("frank@example.com", "prod-payments", "AdministratorAccess", "")
	require.Equal(t, []string{"user:carol@example.com"}, h1.Reviewers, "heidi's manager")
	require.Equal(t, []string{"user:frank@example.com"}, judy.Reviewers, "judy's manager")
	require.Equal(t, []string{"group:Engineers"}, dv.Reviewers, "no manager: the group")
	require.Equal(t, stint.SourceStanding, judy.Source)

	// Reminders reach the reviewers with items left, by DM and webhook.
	eventually(t, 20*time.Second, "carol reminded by Slack DM", func() bool {
		for _, c := range fake.Calls("chat.postMessage") {
			if c.Params["channel"] == "DCAROL" && strings.Contains(c.Params["text"], "Q1 sandbox and prod") {
				return true
			}
		}
		return false
	})
	eventually(t, 10*time.Second, "reminders delivered to the webhook", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range hooked {
			if p.Type == stint.EventReviewReminder {
				return true
			}
		}
		return false
	})

	// Decisions that are not allowed change nothing.
	_, err = alice.Decide(ctx, h1.ID, stint.DecisionKeep, "fine")
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err), "alice is not heidi's reviewer")
	_, err = dave.Decide(ctx, dv.ID, stint.DecisionKeep, "mine, needed")
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err), "no self-review: %v", err)
	require.Contains(t, err.Error(), "own access")
	_, err = carol.Decide(ctx, h1.ID, "approve", "x")
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
	_, err = carol.Decide(ctx, h1.ID, stint.DecisionRevoke, " ")
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err), "a comment is required")
	_, err = carol.Decide(ctx, h1.ID, stint.DecisionConvert, "x")
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err), "a grant is already just in time")
	_, err = carol.Decide(ctx, "nope", stint.DecisionKeep, "x")
	require.Equal(t, stint.ENOTFOUND, stint.ErrorCode(err))

	// Revoke one of heidi's grants (the other still needs the assignment),
	// dave's grant, frank's standing admin; convert judy's standing admin.
	decided, err := carol.Decide(ctx, h1.ID, stint.DecisionRevoke, "one grant is enough")
	require.NoError(t, err)
	require.Equal(t, stint.ItemRevoking, decided.State)
	_, err = carol.Decide(ctx, h1.ID, stint.DecisionKeep, "changed my mind")
	require.Equal(t, stint.ECONFLICT, stint.ErrorCode(err), "decided twice")
	_, err = heidi.Decide(ctx, dv.ID, stint.DecisionRevoke, "dev-002 is done")
	require.NoError(t, err)
	_, err = alice.Decide(ctx, frankItem.ID, stint.DecisionRevoke, "no standing admin in prod")
	require.NoError(t, err)
	_, err = frank.Decide(ctx, judy.ID, stint.DecisionConvert, "request it when needed")
	require.NoError(t, err)
	_, err = carol.Decide(ctx, h2.ID, stint.DecisionKeep, "on call this week")
	require.NoError(t, err)

	done := func() bool {
		v, err := bob.Campaign(ctx, camp.ID)
		require.NoError(t, err)
		return v.Counts.Pending == 0 && v.Counts.InProgress == 0
	}
	eventually(t, 30*time.Second, "revocations carried out", done)
	require.False(t, e.assigned(t, "dev-002", "ReadOnlyAccess", "dave@example.com"), "dave's grant is revoked in AWS")
	require.True(t, e.assigned(t, "sandbox-002", "ReadOnlyAccess", "heidi@example.com"), "heidi's other grant still holds the assignment")
	require.False(t, e.assigned(t, "prod-payments", "AdministratorAccess", "frank@example.com"), "frank's standing admin is gone")
	require.False(t, e.assigned(t, "sandbox-001", "AdministratorAccess", "judy@example.com"), "judy's standing admin is gone")
	require.Equal(t, stint.GrantEnded, grantState(t, heidi, heidi1.ID))
	require.Equal(t, stint.GrantActive, grantState(t, heidi, heidi2.ID))
	g, err := dave.Grant(ctx, daves.ID)
	require.NoError(t, err)
	require.Equal(t, "heidi@example.com", g.RevokedBy, "the reviewer revoked it")

	v, err := bob.Campaign(ctx, camp.ID)
	require.NoError(t, err)
	outcomes := map[string]string{}
	for _, it := range v.Items {
		outcomes[it.ID] = it.Outcome
	}
	require.Contains(t, outcomes[h1.ID], "grants "+heidi2.ID+" still hold it")
	require.Contains(t, outcomes[judy.ID], "through flow sandbox-admin")
	require.Contains(t, outcomes[frankItem.ID], "deleted (Identity Center confirmed)")
	require.Equal(t, "kept", outcomes[h2.ID])
	require.Equal(t, &stint.CampaignCounts{Items: 5, Kept: 1, Revoked: 3, Converted: 1}, v.Counts)

	// The audit trail has it all.
	require.True(t, contains(eventTypes(t, bob, camp.ID), stint.EventReviewCreated, stint.EventReviewReminder))
	require.True(t, contains(eventTypes(t, bob, frankItem.ID), stint.EventReviewDecided, stint.EventReviewRevoked))
	require.True(t, contains(eventTypes(t, bob, heidi1.ID), stint.EventGrantRevoking, stint.EventEffectKept, stint.EventGrantEnded))
	require.True(t, contains(eventTypes(t, bob, daves.ID), stint.EventGrantRevoking, stint.EventEffectDeleted, stint.EventGrantEnded))

	// The report: one CSV row per item, who decided, when, why, the outcome.
	_, text, err := bob.CampaignReport(ctx, camp.ID, "csv")
	require.NoError(t, err)
	rows, err := csv.NewReader(strings.NewReader(string(text))).ReadAll()
	require.NoError(t, err)
	require.Equal(t, review.CSVHeader, rows[0])
	require.Len(t, rows, 6)
	col := func(name string) int {
		for i, h := range rows[0] {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	for _, row := range rows[1:] {
		require.NotEmpty(t, row[col("decided_by")])
		require.NotEmpty(t, row[col("decided_at")])
		require.NotEmpty(t, row[col("comment")])
		if row[col("item_id")] == frankItem.ID {
			require.Equal(t, "alice@example.com", row[col("decided_by")])
			require.Equal(t, "revoke", row[col("decision")])
			require.Equal(t, "no standing admin in prod", row[col("comment")])
			require.Contains(t, row[col("outcome")], "deleted")
		}
	}
	_, page, err := bob.CampaignReport(ctx, camp.ID, "html")
	require.NoError(t, err)
	require.Contains(t, string(page), "Access review: Q1 sandbox and prod")
	require.Contains(t, string(page), "no standing admin in prod")
	_, _, err = heidi.CampaignReport(ctx, camp.ID, "csv")
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err), "reports are for admins")

	// A campaign nobody decides: at its deadline the item is revoked.
	short, err := bob.CreateCampaign(ctx, client.CampaignInput{Name: "dev-001 power users", Standing: true,
		Accounts: []string{"name:dev-001"}, PermissionSets: []string{"PowerUserAccess"}, Reviewers: []string{"group:Security"},
		Deadline: time.Now().Add(4 * time.Second), Reminders: []string{}, AutoRevoke: true})
	require.NoError(t, err)
	require.Len(t, short.Items, 1)
	require.Equal(t, "GROUP", short.Items[0].PrincipalType)
	require.True(t, groupAssigned(t, e, "dev-001", "PowerUserAccess", "Engineers"))
	eventually(t, 30*time.Second, "undecided item auto-revoked at the deadline", func() bool {
		v, err := bob.Campaign(ctx, short.ID)
		require.NoError(t, err)
		return v.State == stint.CampaignClosed && v.Counts.Revoked == 1
	})
	require.False(t, groupAssigned(t, e, "dev-001", "PowerUserAccess", "Engineers"), "the group's standing assignment is gone")
	v, err = bob.Campaign(ctx, short.ID)
	require.NoError(t, err)
	require.True(t, v.Items[0].Auto)
	require.Equal(t, "system", v.Items[0].DecidedBy)
	require.True(t, contains(eventTypes(t, bob, short.ID), stint.EventReviewCreated, stint.EventReviewClosed))
	_, err = e.client(t, main, "grace@example.com").Decide(ctx, v.Items[0].ID, stint.DecisionKeep, "too late")
	require.Equal(t, stint.ECONFLICT, stint.ErrorCode(err), "a closed campaign takes no decisions")
	_, err = bob.CloseCampaign(ctx, short.ID)
	require.Equal(t, stint.ECONFLICT, stint.ErrorCode(err), "closed already")
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// groupAssigned reports whether the group holds the permission set in the
// account, asking moto.
func groupAssigned(t *testing.T, e *env, account, permissionSet, group string) bool {
	t.Helper()
	sso := ssoadmin.NewFromConfig(e.moto.AWSConfig())
	out, err := sso.ListAccountAssignments(context.Background(), &ssoadmin.ListAccountAssignmentsInput{InstanceArn: aws.String(e.org.InstanceARN),
		AccountId: aws.String(e.org.Accounts[account]), PermissionSetArn: aws.String(e.org.PermissionSets[permissionSet])})
	require.NoError(t, err)
	for _, a := range out.AccountAssignments {
		if string(a.PrincipalType) == "GROUP" && aws.ToString(a.PrincipalId) == e.org.Groups[group] {
			return true
		}
	}
	return false
}

// TestReviewSchedules: a schedule opens its first campaign once the
// discovery scan it needs is there, none more until its period has
// passed, then the next one; a schedule whose scope matches nothing opens
// nothing and says why in the log.
func TestReviewSchedules(t *testing.T) {
	t.Parallel()
	ie := setupIdentity(t, false)
	e := &env{moto: ie.moto, org: ie.org, dir: ie.dir, extra: `discovery:
  interval: 24h
reviews:
  schedules:
    - name: dev-001 power users
      every: 30d
      open_for: 7d
      scope: {standing: true, accounts: ["name:dev-001"], permission_sets: [PowerUserAccess]}
      reviewers: ["group:Security"]
      reminders: [48h, 24h]
      auto_revoke: true
    - name: nothing
      every: 30d
      scope: {jit: true, accounts: ["name:dev-001"]}
      reviewers: ["group:Security"]
`}
	m := e.start(t, ie.moto.URL())
	ctx := context.Background()
	eventually(t, 60*time.Second, "the scan at start", func() bool {
		scans, err := m.Store.ScanList(ctx, nil)
		require.NoError(t, err)
		return len(scans) == 1
	})
	actor := app.ScheduleActor("dev-001 power users")
	mine := func() []*stint.Campaign {
		list, err := m.Store.CampaignList(ctx, nil)
		require.NoError(t, err)
		var out []*stint.Campaign
		for _, c := range list {
			if c.CreatedBy == actor {
				out = append(out, c)
			}
		}
		return out
	}
	// The task at start may have come before the scan (and waits for the
	// next tick) or after it (and opened the campaign): either way one
	// campaign after this run.
	now := time.Now()
	_, err := m.RunReviewSchedules(ctx, now)
	require.NoError(t, err)
	camps := mine()
	require.Len(t, camps, 1)
	first := camps[0]
	require.Equal(t, "dev-001 power users "+first.CreatedAt.UTC().Format(time.DateOnly), first.Name)
	require.WithinDuration(t, first.CreatedAt.Add(7*24*time.Hour), first.Deadline, time.Hour)
	require.True(t, first.AutoRevoke)
	require.Equal(t, []string{"group:Security"}, first.Reviewers)
	v, err := e.client(t, m, "bob@example.com").Campaign(ctx, first.ID)
	require.NoError(t, err)
	require.Len(t, v.Items, 1)
	evs, err := m.Store.EventList(ctx, &stint.EventListParams{Type: stint.EventReviewCreated, Subject: first.ID})
	require.NoError(t, err)
	require.Len(t, evs, 1)
	require.Equal(t, actor, evs[0].Actor)

	// Not due again before its period is over.
	opened, err := m.RunReviewSchedules(ctx, now.Add(29*24*time.Hour))
	require.NoError(t, err)
	require.Empty(t, opened)
	require.Len(t, mine(), 1)

	// Due a period later: the next campaign, named for its day.
	later := now.Add(30 * 24 * time.Hour)
	opened, err = m.RunReviewSchedules(ctx, later)
	require.NoError(t, err)
	require.Len(t, opened, 1)
	require.Equal(t, "dev-001 power users "+later.UTC().Format(time.DateOnly), opened[0].Name)
	require.WithinDuration(t, later.Add(7*24*time.Hour), opened[0].Deadline, time.Second)
	require.Len(t, mine(), 2)

	// The schedule whose scope matches nothing opened nothing, and said so.
	list, err := m.Store.CampaignList(ctx, nil)
	require.NoError(t, err)
	for _, c := range list {
		require.NotEqual(t, app.ScheduleActor("nothing"), c.CreatedBy)
	}
	log, err := os.ReadFile(filepath.Join(e.dir, "main.log"))
	require.NoError(t, err)
	require.Contains(t, string(log), `msg="review schedule: campaign not opened; trying again later" schedule=nothing retry_in=1h0m0s`)
	require.Contains(t, string(log), "the scope matches no access")
}
