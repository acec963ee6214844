package slack

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

// TestIdentityCache: Slack users map to emails and back through Slack once
// per TTL; unknown emails are remembered too.
func TestIdentityCache(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	ids := newIdentities(f.app.api, time.Minute, f.clock.Now)
	count := func(method string) int { return len(f.slack.Calls(method)) }

	for range 3 {
		email, err := ids.email(ctx, "UCAROL")
		require.NoError(t, err)
		require.Equal(t, "carol@example.com", email)
	}
	require.Equal(t, 1, count("users.info"))
	id, err := ids.userID(ctx, "Carol@Example.com")
	require.NoError(t, err)
	require.Equal(t, "UCAROL", id)
	require.Zero(t, count("users.lookupByEmail"), "learnt from users.info")

	for range 2 {
		_, err = ids.userID(ctx, "nobody@example.com")
		require.Equal(t, stint.ENOTFOUND, stint.ErrorCode(err))
	}
	require.Equal(t, 1, count("users.lookupByEmail"), "a miss is remembered")

	for range 2 {
		ch, err := ids.dm(ctx, "UCAROL")
		require.NoError(t, err)
		require.Equal(t, "DCAROL", ch)
	}
	require.Equal(t, 1, count("conversations.open"))

	f.clock.Add(time.Minute)
	_, err = ids.email(ctx, "UCAROL")
	require.NoError(t, err)
	require.Equal(t, 2, count("users.info"), "asked again after the TTL")

	_, err = ids.email(ctx, "UBOT")
	require.Equal(t, stint.EUNAUTHORIZED, stint.ErrorCode(err))
	require.Contains(t, err.Error(), "users:read.email")
	_, err = ids.email(ctx, "UNOSUCH")
	require.Equal(t, stint.EUNAUTHORIZED, stint.ErrorCode(err))

	f.slack.Fail("users.info", "http:503")
	_, err = ids.email(ctx, "UDAVE")
	require.Equal(t, stint.EUNAVAILABLE, stint.ErrorCode(err), "a Slack outage is not the user's fault")
}

// TestCaller: a mapped user is a caller with groups; an unmapped one gets
// a message saying what to do.
func TestCaller(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	c, err := f.app.caller(ctx, "UCAROL")
	require.NoError(t, err)
	require.Equal(t, "u-carol", c.User.ID)
	require.True(t, c.User.InGroup("Security"))
	_, err = f.app.caller(ctx, "UERIN")
	require.Equal(t, stint.EUNAUTHORIZED, stint.ErrorCode(err))
	require.Contains(t, err.Error(), "erin@example.com is not a user of AWS IAM Identity Center")
}

// TestEventJobs: which events queue which Slack jobs, and when the expiry
// warning is due.
func TestEventJobs(t *testing.T) {
	t.Parallel()
	f := setup(t)
	now := f.clock.Now()
	kinds := func(e *stint.Event) []string {
		var out []string
		for _, j := range f.app.EventJobs(e) {
			out = append(out, j.Args.Kind())
		}
		return out
	}
	ev := func(typ string, data map[string]any) *stint.Event {
		return &stint.Event{Type: typ, Subject: "01X", Data: data}
	}
	require.Equal(t, []string{"slack_post"}, kinds(ev(stint.EventRequestCreated, nil)))
	require.Equal(t, []string{"slack_post", "slack_update"}, kinds(ev(stint.EventRequestReviewed, nil)))
	require.Equal(t, []string{"slack_update", "slack_dm"}, kinds(ev(stint.EventRequestApproved, nil)))
	require.Equal(t, []string{"slack_update"}, kinds(ev(stint.EventRequestCancelled, nil)))
	require.Equal(t, []string{"slack_update", "slack_dm"}, kinds(ev(stint.EventGrantFailed, map[string]any{"attempts": 1})))
	require.Equal(t, []string{"slack_update"}, kinds(ev(stint.EventGrantFailed, map[string]any{"attempts": 2})), "told once")
	require.Empty(t, kinds(ev(stint.EventEffectCreated, nil)))

	jobs := f.app.EventJobs(ev(stint.EventGrantActive, map[string]any{"ends_at": now.Add(time.Hour)}))
	require.Len(t, jobs, 3)
	require.Equal(t, WarnArgs{GrantID: "01X", EndsAt: now.Add(time.Hour)}, jobs[2].Args)
	require.Equal(t, now.Add(50*time.Minute), jobs[2].RunAt)
	jobs = f.app.EventJobs(ev(stint.EventGrantExtended, map[string]any{"ends_at": now.Add(5 * time.Minute).Format(time.RFC3339Nano)}))
	require.True(t, jobs[2].RunAt.IsZero(), "due already: run now, re-checked then")
}
