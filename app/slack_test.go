package app_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/app"
	"github.com/stint-dev/stint/client"
	"github.com/stint-dev/stint/internal/slackfake"
)

const slackSecret = "e2e-signing-secret"

// TestSlackEndToEnd: /stint -> modal submission -> approval messages in the
// channel and the approvers' DMs -> Approve by an approver -> assignment in
// AWS (moto) -> the requester is told it was approved, is active, ends
// soon and has ended, while the approval message follows in place; on
// both stores, through River.
func TestSlackEndToEnd(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ store, user, slackID string }{
		{"sqlite", "alice@example.com", "UALICE"},
		{"postgres", "dave@example.com", "UDAVE"},
	} {
		t.Run(tt.store, func(t *testing.T) {
			t.Parallel()
			slackEndToEnd(t, tt.store, tt.user, tt.slackID)
		})
	}
}

func slackEndToEnd(t *testing.T, kind, user, slackID string) {
	e := setupEnv(t)
	e.useStore(t, kind)
	fake := slackfake.New(t,
		slackfake.User{ID: "UALICE", Email: "alice@example.com"}, slackfake.User{ID: "UDAVE", Email: "dave@example.com"},
		slackfake.User{ID: "UCAROL", Email: "carol@example.com"}, slackfake.User{ID: "UGRACE", Email: "grace@example.com"},
		slackfake.User{ID: "UBOB", Email: "bob@example.com"})
	e.extra = "slack:\n  approvals_channel: C0APPROVALS\n  dm_approvers: true\n  api_url: " + fake.APIURL() + "\n"
	e.getenv = func(k string) string {
		return map[string]string{"STINT_SLACK_BOT_TOKEN": "xoxb-e2e", "STINT_SLACK_SIGNING_SECRET": slackSecret}[k]
	}
	m := e.start(t, e.moto.URL())
	require.NotNil(t, m.Slack)
	ctx := context.Background()
	dm := "D" + strings.TrimPrefix(slackID, "U")
	post := func(path, body string) (int, string) {
		t.Helper()
		r := slackfake.Request(m.URL()+path, slackSecret, time.Now(), body)
		r.RequestURI = ""
		resp, err := http.DefaultClient.Do(r)
		require.NoError(t, err)
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(data)
	}
	texts := func(channel string) []string {
		var out []string
		for _, c := range fake.Calls("chat.postMessage") {
			if c.Params["channel"] == channel {
				out = append(out, c.Params["text"])
			}
		}
		return out
	}
	told := func(text string) func() bool {
		return func() bool { return contains(texts(dm), text) }
	}

	status, _ := post("/slack/commands", slackfake.Command(slackID, "C0RANDOM", ""))
	require.Equal(t, http.StatusOK, status)
	require.Len(t, fake.Calls("views.open"), 1)

	resource := "aws-sso:" + e.org.Accounts["prod-data"] + "/AdministratorAccess"
	status, body := post("/slack/interactions", slackfake.Payload(slackfake.ViewSubmission(slackID, "stint_request", "",
		map[string]map[string]slackfake.Value{
			"resource": {"resource": {Option: resource}}, "duration": {"duration": {Text: "16s"}},
			"reason": {"reason": {Text: "INC-77 rotate the keys"}}, "starts_at": {"starts_at": {}},
		})))
	require.Equal(t, http.StatusOK, status)
	require.Empty(t, body, "the modal closes")
	require.Equal(t, []string{"Request submitted"}, texts(dm))
	reqs, err := m.Store.RequestList(ctx, &stint.RequestListParams{})
	require.NoError(t, err)
	var r *stint.Request
	for _, x := range reqs {
		if x.RequesterEmail == user {
			r = x
		}
	}
	require.NotNil(t, r)
	require.Equal(t, stint.RequestPending, r.State)

	var channelTS string
	eventually(t, 10*time.Second, "approval messages posted", func() bool {
		posted, err := m.Store.PostedMessageList(ctx, &stint.PostedMessageListParams{Service: "slack", RequestID: r.ID})
		require.NoError(t, err)
		for _, p := range posted {
			if p.Channel == "C0APPROVALS" {
				channelTS = p.MessageID
			}
		}
		return len(posted) == 3 // the channel, carol and grace (Security)
	})
	require.Len(t, texts("DCAROL"), 1)
	require.Len(t, texts("DGRACE"), 1)
	require.Empty(t, texts("DBOB"), "bob is an admin, not an approver")

	status, _ = post("/slack/interactions", slackfake.Payload(slackfake.ButtonClick("UCAROL", "C0APPROVALS", channelTS, "approve", r.ID)))
	require.Equal(t, http.StatusOK, status)
	eventually(t, 10*time.Second, "assignment in AWS", func() bool { return e.assigned(t, "prod-data", "AdministratorAccess", user) })
	eventually(t, 10*time.Second, "told approved", told("Your request was approved"))
	eventually(t, 10*time.Second, "told active", told("Your access is active"))
	eventually(t, 10*time.Second, "message shows the grant active", func() bool {
		return lastUpdate(fake, "C0APPROVALS", "is active until")
	})
	eventually(t, 20*time.Second, "told it ends soon", told("Your access ends soon"))
	eventually(t, 20*time.Second, "told it ended", told("Your access has ended"))
	require.False(t, e.assigned(t, "prod-data", "AdministratorAccess", user))
	eventually(t, 10*time.Second, "message shows the grant ended", func() bool {
		return lastUpdate(fake, "C0APPROVALS", "ended (expired")
	})
	require.Equal(t, []string{"Request submitted", "Your request was approved", "Your access is active", "Your access ends soon", "Your access has ended"},
		texts(dm), "each once, in order")
	for _, c := range fake.Calls() {
		require.Equal(t, "xoxb-e2e", c.Token, c.Method)
	}
}

// lastUpdate reports whether the latest drawing of the channel's message
// (posted or redrawn) contains text.
func lastUpdate(fake *slackfake.Server, channel, text string) bool {
	var last string
	for _, c := range fake.Calls("chat.postMessage", "chat.update") {
		if c.Params["channel"] == channel && c.Params["blocks"] != "" {
			last = c.Params["blocks"]
		}
	}
	return strings.Contains(last, text)
}

// TestSlackNeedsItsSecrets: a slack section without its secrets in the
// environment stops the start, naming the variable.
func TestSlackNeedsItsSecrets(t *testing.T) {
	t.Parallel()
	e := setupEnv(t)
	e.extra = "slack:\n  approvals_channel: C0APPROVALS\n"
	e.getenv = func(k string) string { return map[string]string{"STINT_SLACK_BOT_TOKEN": "xoxb-1"}[k] }
	path := e.writeConfig(t, e.moto.URL(), "127.0.0.1:0")
	ac := e.moto.AWSConfig()
	m := &app.Main{ConfigPath: path, Addr: "127.0.0.1:0", AWS: &ac, Getenv: e.getenv}
	err := m.Run(context.Background())
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
	require.ErrorContains(t, err, "STINT_SLACK_SIGNING_SECRET (slack.signing_secret_env) is not set")
	require.NotContains(t, err.Error(), "xoxb-1")
}

// TestSlackOutageDoesNotBlockGrants: with Slack down, a request is still
// approved, granted and revoked; the messages follow once Slack is back,
// from the durable jobs' retries.
func TestSlackOutageDoesNotBlockGrants(t *testing.T) {
	t.Parallel()
	e := setupEnv(t)
	fake := slackfake.New(t, slackfake.User{ID: "UBOB", Email: "bob@example.com"}, slackfake.User{ID: "UCAROL", Email: "carol@example.com"})
	e.extra = "slack:\n  approvals_channel: C0APPROVALS\n  api_url: " + fake.APIURL() + "\n"
	e.getenv = func(k string) string {
		return map[string]string{"STINT_SLACK_BOT_TOKEN": "xoxb-e2e", "STINT_SLACK_SIGNING_SECRET": slackSecret}[k]
	}
	down := []string{"chat.postMessage", "chat.update", "conversations.open", "users.lookupByEmail"}
	for _, method := range down {
		fake.Fail(method, "http:503")
	}
	m := e.start(t, e.moto.URL())
	ctx := context.Background()
	bob, carol := e.client(t, m, "bob@example.com"), e.client(t, m, "carol@example.com")
	r, err := bob.Submit(ctx, client.SubmitInput{Resources: []client.Resource{{Account: "prod-data", PermissionSet: "AdministratorAccess"}},
		Duration: time.Hour, Reason: "outage drill"})
	require.NoError(t, err)
	_, err = carol.Approve(ctx, r.ID, "")
	require.NoError(t, err)
	g := onlyGrant(t, bob, r.ID)
	eventually(t, 10*time.Second, "granted while Slack is down", func() bool { return grantState(t, bob, g.ID) == stint.GrantActive })
	require.True(t, e.assigned(t, "prod-data", "AdministratorAccess", "bob@example.com"))
	_, err = bob.Revoke(ctx, g.ID)
	require.NoError(t, err)
	eventually(t, 10*time.Second, "revoked while Slack is down", func() bool { return grantState(t, bob, g.ID) == stint.GrantEnded })
	require.False(t, e.assigned(t, "prod-data", "AdministratorAccess", "bob@example.com"))
	require.NotEmpty(t, fake.Calls("chat.postMessage"), "stint tried")

	for _, method := range down {
		fake.Fail(method, "")
	}
	eventually(t, 30*time.Second, "the approval message, once Slack is back", func() bool {
		posted, err := m.Store.PostedMessageList(ctx, &stint.PostedMessageListParams{Service: "slack", RequestID: r.ID})
		require.NoError(t, err)
		return len(posted) == 1 && lastUpdate(fake, "C0APPROVALS", "ended (revoked by bob@example.com")
	})
	eventually(t, 30*time.Second, "bob told it ended", func() bool {
		for _, c := range fake.Calls("chat.postMessage") {
			if c.Params["channel"] == "DBOB" && c.Params["text"] == "Your access has ended" {
				return true
			}
		}
		return false
	})
}
