package slack

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
	"github.com/stint-dev/stint/internal/slackfake"
)

type sv = slackfake.Value

func requestValues(resource, duration, reason, ticket string) map[string]map[string]sv {
	return map[string]map[string]sv{
		inputResource: {inputResource: {Option: resource}},
		inputDuration: {inputDuration: {Text: duration}},
		inputReason:   {inputReason: {Text: reason}},
		inputTicket:   {inputTicket: {Text: ticket}},
		inputStart:    {inputStart: {}},
	}
}

const prodAdmin = "aws-sso:111111111111/AdministratorAccess"

// TestRequestAndApproveInSlack: /stint opens the modal, the picker offers
// what alice may request, picking redraws the modal for its flow, the
// submission files the request through the service, approvers get the
// message in the channel and by DM, carol's Approve approves it, every
// message is redrawn, and alice hears of each step, down to the expiry
// warning.
func TestRequestAndApproveInSlack(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()

	status, body := f.send(t, "/slack/commands", slackfake.Command("UALICE", "C0RANDOM", ""))
	require.Equal(t, http.StatusOK, status)
	require.Empty(t, body)
	opened := f.slack.Calls("views.open")
	require.Len(t, opened, 1)
	require.Equal(t, "trigger-UALICE", opened[0].Params["trigger_id"])
	require.Equal(t, testToken, opened[0].Token)

	status, body = f.send(t, "/slack/options", slackfake.Payload(slackfake.Suggestion("UALICE", inputResource, inputResource, "prod admin")))
	require.Equal(t, http.StatusOK, status)
	var opts slackapi.OptionsResponse
	require.NoError(t, json.Unmarshal([]byte(body), &opts))
	require.Len(t, opts.Options, 1)
	require.Equal(t, prodAdmin, opts.Options[0].Value)
	require.Equal(t, "AdministratorAccess · prod-payments (111111111111)", opts.Options[0].Text.Text)
	_, body = f.send(t, "/slack/options", slackfake.Payload(slackfake.Suggestion("UALICE", inputResource, inputResource, "")))
	require.NoError(t, json.Unmarshal([]byte(body), &opts))
	require.Len(t, opts.Options, 2, "no query: everything alice may request")

	values := requestValues(prodAdmin, "2h", "fix the ledger", "INC-42")
	status, _ = f.send(t, "/slack/interactions", slackfake.Payload(slackfake.ViewAction("UALICE", callbackRequest, "", inputResource, inputResource, sv{Option: prodAdmin}, values)))
	require.Equal(t, http.StatusOK, status)
	updated := f.slack.Calls("views.update")
	require.Len(t, updated, 1)
	require.Contains(t, updated[0].Params["view"], `"block_id":"ticket"`, "prod-admin asks for a ticket")
	require.Contains(t, updated[0].Params["view"], "At most 4h through this flow")

	status, body = f.send(t, "/slack/interactions", slackfake.Payload(slackfake.ViewSubmission("UALICE", callbackRequest, "", values)))
	require.Equal(t, http.StatusOK, status)
	require.Empty(t, body, "an empty answer closes the modal")
	reqs, err := f.store.RequestList(ctx, &stint.RequestListParams{})
	require.NoError(t, err)
	require.Len(t, reqs, 1)
	r := reqs[0]
	require.Equal(t, stint.RequestPending, r.State)
	require.Equal(t, "alice@example.com", r.RequesterEmail)
	require.Equal(t, stint.Duration(2*time.Hour), r.Duration)
	require.Equal(t, "INC-42", r.Ticket)
	require.Len(t, f.posts("DALICE"), 1, "alice is told her request waits")

	require.Equal(t, []string{"slack_post"}, f.runJobs(t))
	require.Len(t, f.posts("C0APPROVALS"), 1)
	require.Len(t, f.posts("DCAROL"), 1)
	require.Len(t, f.posts("DBOB"), 1)
	posted, err := f.store.PostedMessageList(ctx, &stint.PostedMessageListParams{Service: service, RequestID: r.ID})
	require.NoError(t, err)
	require.Len(t, posted, 3)
	require.Contains(t, f.posts("C0APPROVALS")[0].Params["blocks"], `"action_id":"approve"`)
	f.runJobs(t)
	require.NoError(t, f.app.post(ctx, r.ID))
	require.Len(t, f.slack.Calls("chat.postMessage"), 4, "posting again posts nothing twice")

	channelMsg := posted[0]
	require.Equal(t, "C0APPROVALS", channelMsg.Channel)
	status, _ = f.send(t, "/slack/interactions", slackfake.Payload(slackfake.ButtonClick("UCAROL", channelMsg.Channel, channelMsg.MessageID, actionApprove, r.ID)))
	require.Equal(t, http.StatusOK, status)
	r, err = f.store.RequestGet(ctx, r.ID)
	require.NoError(t, err)
	require.Equal(t, stint.RequestApproved, r.State)
	require.Equal(t, "carol@example.com", r.Reviews[0].ReviewerEmail)
	require.Empty(t, f.ephemerals("UCAROL"))

	f.slack.Reset()
	f.runJobs(t)
	redrawn := map[string]bool{}
	for _, c := range f.slack.Calls("chat.update") {
		redrawn[c.Params["channel"]] = true
	}
	require.Equal(t, map[string]bool{"C0APPROVALS": true, "DBOB": true, "DCAROL": true}, redrawn, "every approval message is redrawn")
	require.Contains(t, f.slack.Calls("chat.update")[0].Params["blocks"], "Approved by carol@example.com")
	require.NotContains(t, f.slack.Calls("chat.update")[0].Params["blocks"], `"action_id":"approve"`, "no buttons once decided")
	require.Contains(t, f.posts("DALICE")[0].Params["text"], "approved")

	grants, err := f.store.GrantList(ctx, &stint.GrantListParams{RequestID: r.ID})
	require.NoError(t, err)
	require.Len(t, grants, 1)
	require.NoError(t, f.svc.Activate(ctx, grants[0].ID))
	f.slack.Reset()
	f.runJobs(t)
	require.Contains(t, f.slack.Calls("chat.update")[0].Params["blocks"], "is active until")
	require.Len(t, f.posts("DALICE"), 1)
	require.Equal(t, "Your access is active", f.posts("DALICE")[0].Params["text"])

	g, err := f.store.GrantGet(ctx, grants[0].ID)
	require.NoError(t, err)
	warn := WarnArgs{GrantID: g.ID, EndsAt: g.EndsAt}
	var later *snooze
	require.ErrorAs(t, f.app.warn(ctx, warn), &later, "not due yet")
	require.InDelta(t, float64(110*time.Minute), float64(later.d), float64(time.Second))
	f.clock.Add(111 * time.Minute)
	f.slack.Reset()
	require.NoError(t, f.app.warn(ctx, warn))
	require.Len(t, f.posts("DALICE"), 1)
	require.Equal(t, "Your access ends soon", f.posts("DALICE")[0].Params["text"])
	require.Contains(t, f.posts("DALICE")[0].Params["blocks"], `"action_id":"extend"`)
	require.NoError(t, f.app.warn(ctx, WarnArgs{GrantID: g.ID, EndsAt: g.EndsAt.Add(-time.Hour)}))
	require.Len(t, f.posts("DALICE"), 1, "a warning for an end the grant no longer has is dropped")
}

// TestShortcutAndList: /stint request files a request in one line; /stint
// list shows it with Cancel, and a live grant with Extend and Revoke.
func TestShortcutAndList(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	status, body := f.send(t, "/slack/commands", slackfake.Command("UDAVE", "C0RANDOM", "request dev-002 ReadOnlyAccess 1h check logs"))
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `"response_type":"ephemeral"`)
	require.Contains(t, body, "approved automatically")
	_, body = f.send(t, "/slack/commands", slackfake.Command("UDAVE", "C0RANDOM", "request "+prodAdmin+" 2h --ticket INC-7 deploy"))
	require.Contains(t, body, "waiting for approval")
	_, body = f.send(t, "/slack/commands", slackfake.Command("UDAVE", "C0RANDOM", "request "+prodAdmin+" 9h deploy"))
	require.Contains(t, body, "Nothing was requested")
	require.Contains(t, body, "4h")
	_, body = f.send(t, "/slack/commands", slackfake.Command("UDAVE", "C0RANDOM", "request "+prodAdmin+" soon deploy"))
	require.Contains(t, body, `\"soon\" is not a duration`)

	reqs, err := f.store.RequestList(ctx, &stint.RequestListParams{})
	require.NoError(t, err)
	require.Len(t, reqs, 2, "refused requests write nothing")
	grants, err := f.store.GrantList(ctx, &stint.GrantListParams{})
	require.NoError(t, err)
	require.NoError(t, f.svc.Activate(ctx, grants[0].ID))

	_, body = f.send(t, "/slack/commands", slackfake.Command("UDAVE", "C0RANDOM", "list"))
	var msg slackapi.Msg
	require.NoError(t, json.Unmarshal([]byte(body), &msg))
	text, _ := json.Marshal(msg.Blocks)
	require.Contains(t, string(text), `"action_id":"cancel"`)
	require.Contains(t, string(text), `"action_id":"extend"`)
	require.Contains(t, string(text), `"action_id":"revoke"`)
	_, body = f.send(t, "/slack/commands", slackfake.Command("UDAVE", "C0RANDOM", "help"))
	require.Contains(t, body, "/stint request")
}

// pendingRequest files a prod-admin request for alice and posts its
// messages.
func pendingRequest(t *testing.T, f *fixture, who string) (*stint.Request, *stint.PostedMessage) {
	t.Helper()
	ctx := context.Background()
	r, err := f.svc.Submit(ctx, f.caller(t, who), access.SubmitInput{
		Resources: []access.ResourceInput{{ID: prodAdmin}}, Duration: time.Hour, Reason: "deploy"})
	require.NoError(t, err)
	f.runJobs(t)
	posted, err := f.store.PostedMessageList(ctx, &stint.PostedMessageListParams{Service: service, RequestID: r.ID, Channel: "C0APPROVALS"})
	require.NoError(t, err)
	require.Len(t, posted, 1)
	return r, posted[0]
}

// TestRefusals: requests Slack did not sign, replays, and clicks by people
// who may not act are refused, say why, and change nothing.
func TestRefusals(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	r, msg := pendingRequest(t, f, "alice@example.com")
	other, _ := pendingRequest(t, f, "dave@example.com")
	dev, err := f.svc.Submit(ctx, f.caller(t, "alice@example.com"), access.SubmitInput{
		Resources: []access.ResourceInput{{ID: "aws-sso:222222222222/ReadOnlyAccess"}}, Duration: time.Hour, Reason: "logs"})
	require.NoError(t, err)
	grants, err := f.store.GrantList(ctx, &stint.GrantListParams{RequestID: dev.ID})
	require.NoError(t, err)
	require.NoError(t, f.svc.Activate(ctx, grants[0].ID))
	alicesGrant := grants[0].ID
	f.runJobs(t)
	events := func() int {
		evs, err := f.store.EventList(ctx, &stint.EventListParams{})
		require.NoError(t, err)
		return len(evs)
	}
	before := events()
	click := func(user, action, value string) string {
		return slackfake.Payload(slackfake.ButtonClick(user, msg.Channel, msg.MessageID, action, value))
	}
	now := f.clock.Now()

	transport := []struct {
		name   string
		at     time.Time
		secret string
		body   string
		status int
	}{
		{"bad signature", now, "not-the-secret", click("UCAROL", actionApprove, r.ID), http.StatusUnauthorized},
		{"old timestamp", now.Add(-6 * time.Minute), testSecret, click("UCAROL", actionApprove, r.ID), http.StatusUnauthorized},
		{"timestamp from the future", now.Add(6 * time.Minute), testSecret, click("UCAROL", actionApprove, r.ID), http.StatusUnauthorized},
	}
	for _, tt := range transport {
		status, body := f.sendAt(t, "/slack/interactions", tt.body, tt.at, tt.secret)
		require.Equal(t, tt.status, status, tt.name)
		require.NotEmpty(t, body, tt.name)
	}
	unsigned, err := http.Post(f.srv.URL+"/slack/commands", "application/x-www-form-urlencoded", strings.NewReader(slackfake.Command("UALICE", "C1", "list")))
	require.NoError(t, err)
	require.Equal(t, http.StatusUnauthorized, unsigned.StatusCode)
	require.NoError(t, unsigned.Body.Close())
	huge := strings.Repeat("x", DefaultMaxBodyBytes+1)
	status, _ := f.send(t, "/slack/commands", huge)
	require.Equal(t, http.StatusRequestEntityTooLarge, status)

	// A replay: the same signed request twice. (A click that changes
	// nothing, so that only the replay check can refuse it.)
	help := slackfake.Command("UCAROL", "C1", "help")
	replayed := slackfake.Request(f.srv.URL+"/slack/commands", testSecret, now, help)
	replayed.RequestURI = ""
	resp, err := http.DefaultClient.Do(replayed)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NoError(t, resp.Body.Close())
	replay := slackfake.Request(f.srv.URL+"/slack/commands", testSecret, now, help)
	replay.RequestURI = ""
	resp, err = http.DefaultClient.Do(replay)
	require.NoError(t, err)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "replay")
	require.NoError(t, resp.Body.Close())
	require.Empty(t, f.slack.Calls("chat.postEphemeral"), "nothing unsigned reached the actions")

	clicks := []struct {
		name, user, action, value, want string
	}{
		{"non-approver approves", "UDAVE", actionApprove, r.ID, "You are not an approver for this"},
		{"non-approver denies", "UDAVE", actionDeny, r.ID, "You are not an approver for this"},
		{"requester approves own request", "UALICE", actionApprove, r.ID, "You cannot approve or deny your own request"},
		{"requester denies own request", "UALICE", actionDeny, r.ID, "You cannot approve or deny your own request"},
		{"value names no request", "UCAROL", actionApprove, "01NOSUCHREQUEST", "does not belong"},
		{"value names another request", "UCAROL", actionApprove, other.ID, "does not belong"},
		{"revoke someone else's grant", "UDAVE", actionRevoke, alicesGrant, "not one of yours"},
		{"extend someone else's grant", "UDAVE", actionExtend, alicesGrant, "not one of yours"},
		{"revoke a grant that does not exist", "UALICE", actionRevoke, "01NOSUCHGRANT", "not one of yours"},
		{"cancel someone else's request", "UDAVE", actionCancel, r.ID, "not found"},
		{"Slack user not in Identity Center", "UERIN", actionApprove, r.ID, "not a user of AWS IAM Identity Center"},
		{"bot", "UBOT", actionApprove, r.ID, "cannot read an email"},
	}
	for _, tt := range clicks {
		status, _ := f.send(t, "/slack/interactions", click(tt.user, tt.action, tt.value))
		require.Equal(t, http.StatusOK, status, tt.name)
		got := f.ephemerals(tt.user)
		require.NotEmpty(t, got, tt.name)
		require.Contains(t, got[len(got)-1], tt.want, tt.name)
	}
	require.Empty(t, f.slack.Calls("views.open"), "no deny form for those who may not deny")

	// A click on a message that is not stint's.
	status, _ = f.send(t, "/slack/interactions", slackfake.Payload(slackfake.ButtonClick("UCAROL", "C0APPROVALS", "1699999999.000001", actionApprove, r.ID)))
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, f.ephemerals("UCAROL")[len(f.ephemerals("UCAROL"))-1], "does not belong")

	require.Equal(t, before, events(), "nothing changed")
	got, err := f.store.RequestGet(ctx, r.ID)
	require.NoError(t, err)
	require.Equal(t, stint.RequestPending, got.State)
	require.Empty(t, got.Reviews)
	g, err := f.store.GrantGet(ctx, alicesGrant)
	require.NoError(t, err)
	require.Equal(t, stint.GrantActive, g.State)
	require.Zero(t, g.Extensions)

	// Unmapped users get a clear message, never a modal.
	_, body := f.send(t, "/slack/commands", slackfake.Command("UERIN", "C1", ""))
	require.Contains(t, body, "erin@example.com is not a user of AWS IAM Identity Center")
	require.Empty(t, f.slack.Calls("views.open"))
	_, body = f.send(t, "/slack/options", slackfake.Payload(slackfake.Suggestion("UERIN", inputResource, inputResource, "")))
	require.JSONEq(t, `{}`, body, "no options for them")
}

// TestStaleButtons: Approve on a request decided or cancelled since the
// message was drawn changes nothing and says why.
func TestStaleButtons(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	r, msg := pendingRequest(t, f, "alice@example.com")
	_, err := f.svc.Approve(ctx, f.caller(t, "carol@example.com"), r.ID, "")
	require.NoError(t, err)
	status, _ := f.send(t, "/slack/interactions", slackfake.Payload(slackfake.ButtonClick("UBOB", msg.Channel, msg.MessageID, actionApprove, r.ID)))
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, f.ephemerals("UBOB")[0], "Nothing changed: request "+r.ID+" is approved, not pending")
	got, err := f.store.RequestGet(ctx, r.ID)
	require.NoError(t, err)
	require.Len(t, got.Reviews, 1)

	c, msg2 := pendingRequest(t, f, "dave@example.com")
	_, err = f.svc.Cancel(ctx, f.caller(t, "dave@example.com"), c.ID)
	require.NoError(t, err)
	f.send(t, "/slack/interactions", slackfake.Payload(slackfake.ButtonClick("UBOB", msg2.Channel, msg2.MessageID, actionDeny, c.ID)))
	require.Contains(t, f.ephemerals("UBOB")[1], "is cancelled, not pending")
	require.Empty(t, f.slack.Calls("views.open"))
}

// TestDeny: Deny asks for a reason in a modal; the submission denies, the
// messages say so and the requester is told.
func TestDeny(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	r, msg := pendingRequest(t, f, "alice@example.com")
	f.send(t, "/slack/interactions", slackfake.Payload(slackfake.ButtonClick("UCAROL", msg.Channel, msg.MessageID, actionDeny, r.ID)))
	opened := f.slack.Calls("views.open")
	require.Len(t, opened, 1)
	require.Contains(t, opened[0].Params["view"], callbackDeny)

	status, body := f.send(t, "/slack/interactions", slackfake.Payload(slackfake.ViewSubmission("UCAROL", callbackDeny, r.ID,
		map[string]map[string]sv{inputReason: {inputReason: {Text: " "}}})))
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `"response_action":"errors"`)
	require.Contains(t, body, "needs a reason")
	status, body = f.send(t, "/slack/interactions", slackfake.Payload(slackfake.ViewSubmission("UDAVE", callbackDeny, r.ID,
		map[string]map[string]sv{inputReason: {inputReason: {Text: "no"}}})))
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "not an approver", "a forged submission by a non-approver")

	_, body = f.send(t, "/slack/interactions", slackfake.Payload(slackfake.ViewSubmission("UCAROL", callbackDeny, r.ID,
		map[string]map[string]sv{inputReason: {inputReason: {Text: "use the read-only role"}}})))
	require.Empty(t, body)
	got, err := f.store.RequestGet(ctx, r.ID)
	require.NoError(t, err)
	require.Equal(t, stint.RequestDenied, got.State)
	f.slack.Reset()
	f.runJobs(t)
	require.Contains(t, f.slack.Calls("chat.update")[0].Params["blocks"], "Denied by carol@example.com: use the read-only role")
	require.Equal(t, "Your request was denied", f.posts("DALICE")[0].Params["text"])
}

// TestExtendAndRevoke: the expiry warning's Extend asks how long and
// extends; Revoke ends the grant; the user is told of both.
func TestExtendAndRevoke(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	r, err := f.svc.Submit(ctx, f.caller(t, "alice@example.com"), access.SubmitInput{
		Resources: []access.ResourceInput{{ID: "aws-sso:222222222222/ReadOnlyAccess"}}, Duration: time.Hour, Reason: "logs"})
	require.NoError(t, err)
	grants, err := f.store.GrantList(ctx, &stint.GrantListParams{RequestID: r.ID})
	require.NoError(t, err)
	g := grants[0]
	require.NoError(t, f.svc.Activate(ctx, g.ID))
	f.runJobs(t)

	f.send(t, "/slack/interactions", slackfake.Payload(slackfake.ButtonClick("UALICE", "DALICE", "1700000000.000009", actionExtend, g.ID)))
	opened := f.slack.Calls("views.open")
	require.Len(t, opened, 1)
	require.Contains(t, opened[0].Params["view"], callbackExtend)
	_, body := f.send(t, "/slack/interactions", slackfake.Payload(slackfake.ViewSubmission("UALICE", callbackExtend, g.ID,
		map[string]map[string]sv{inputDuration: {inputDuration: {Text: "30m"}}})))
	require.Empty(t, body)
	ext, err := f.store.GrantGet(ctx, g.ID)
	require.NoError(t, err)
	require.Equal(t, 1, ext.Extensions)
	f.slack.Reset()
	kinds := f.runJobs(t)
	require.Contains(t, kinds, "slack_expiry_warning", "the new end gets its own warning")
	require.Equal(t, "Your access was extended", f.posts("DALICE")[0].Params["text"])

	f.send(t, "/slack/interactions", slackfake.Payload(slackfake.ButtonClick("UALICE", "DALICE", "1700000000.000009", actionExtend, g.ID)))
	require.Contains(t, f.ephemerals("UALICE")[0], "allows no more extensions")

	f.send(t, "/slack/interactions", slackfake.Payload(slackfake.ButtonClick("UALICE", "DALICE", "1700000000.000009", actionRevoke, g.ID)))
	require.Contains(t, f.ephemerals("UALICE")[1], "Revoking it now")
	f.svc.Wait()
	ended, err := f.store.GrantGet(ctx, g.ID)
	require.NoError(t, err)
	require.Equal(t, stint.GrantEnded, ended.State)
	f.slack.Reset()
	f.runJobs(t)
	require.Equal(t, "Your access has ended", f.posts("DALICE")[len(f.posts("DALICE"))-1].Params["text"])
}

// TestStepsReachTheirApprovers: with two approval steps, the second step's
// approvers get the message by DM once the first step is done.
func TestStepsReachTheirApprovers(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	flows := testFlows()
	flows[0].Approvers = nil
	flows[0].ApprovalSteps = []stint.ApprovalStep{
		{Name: "lead", Approvers: []string{"user:bob@example.com"}},
		{Name: "security", Approvers: []string{"user:carol@example.com"}},
	}
	f.svc.Flows = func() []stint.Flow { return flows }
	f.svc.Policy = nil
	r, err := f.svc.Submit(ctx, f.caller(t, "alice@example.com"), access.SubmitInput{
		Resources: []access.ResourceInput{{ID: prodAdmin}}, Duration: time.Hour, Reason: "deploy"})
	require.NoError(t, err)
	f.runJobs(t)
	require.Len(t, f.posts("DBOB"), 1)
	require.Empty(t, f.posts("DCAROL"), "not carol's turn yet")
	_, err = f.svc.Approve(ctx, f.caller(t, "bob@example.com"), r.ID, "")
	require.NoError(t, err)
	f.runJobs(t)
	require.Len(t, f.posts("DCAROL"), 1, "carol's turn")
	require.Contains(t, f.slack.Calls("chat.update")[0].Params["blocks"], "Waiting for *security*")
}
