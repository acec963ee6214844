package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/client"
	"github.com/stint-dev/stint/jobs"
)

// TestBreakGlassNotifies: break-glass access is granted without approval,
// capped at the flow's break-glass maximum, loudly flagged in the audit
// trail, and delivered to a webhook signed with the configured secret.
func TestBreakGlassNotifies(t *testing.T) {
	const secretEnv = "STINT_TEST_WEBHOOK_SECRET_BG"
	t.Setenv(secretEnv, "s3cret") // not parallel: Setenv
	var mu sync.Mutex
	var got []jobs.Payload
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("X-Stint-Signature") != stint.SignPayload("s3cret", body) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var p jobs.Payload
		if json.Unmarshal(body, &p) == nil {
			mu.Lock()
			got = append(got, p)
			mu.Unlock()
		}
	}))
	t.Cleanup(hook.Close)

	e := setupEnv(t)
	e.extra = "webhooks:\n  - url: " + hook.URL + "\n    events: [request.break_glass, grant.*]\n    secret_env: " + secretEnv + "\n"
	m := e.start(t, e.moto.URL())
	ctx := context.Background()
	heidi := e.client(t, m, "heidi@example.com") // OnCall
	in := client.SubmitInput{Resources: []client.Resource{{Account: "prod-web", PermissionSet: "AdministratorAccess"}},
		Duration: 2 * time.Hour, BreakGlass: true}
	_, err := heidi.Submit(ctx, in)
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err), "break-glass needs a reason")
	in.Reason = "payments down, INC-1"
	_, err = heidi.Submit(ctx, in)
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err), "2h is above the break-glass maximum of 1h")
	dave := e.client(t, m, "dave@example.com") // not OnCall
	_, err = dave.Submit(ctx, client.SubmitInput{Resources: in.Resources, Duration: 30 * time.Minute, Reason: "x", BreakGlass: true})
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err))

	in.Duration = 30 * time.Minute
	r, err := heidi.Submit(ctx, in)
	require.NoError(t, err)
	require.Equal(t, stint.RequestApproved, r.State)
	require.True(t, r.BreakGlass)
	g := onlyGrant(t, heidi, r.ID)
	require.True(t, g.BreakGlass)
	eventually(t, 15*time.Second, "break-glass grant active", func() bool { return grantState(t, heidi, g.ID) == stint.GrantActive })
	require.True(t, e.assigned(t, "prod-web", "AdministratorAccess", "heidi@example.com"))

	eventually(t, 15*time.Second, "webhook deliveries", func() bool {
		mu.Lock()
		defer mu.Unlock()
		types := map[string]bool{}
		for _, p := range got {
			types[p.Type] = true
		}
		return types[stint.EventBreakGlass] && types[stint.EventGrantActive]
	})
	mu.Lock()
	for _, p := range got {
		if p.Type == stint.EventBreakGlass {
			require.True(t, p.BreakGlass)
			require.Contains(t, p.Text, "BREAK-GLASS")
			require.Equal(t, r.ID, p.Subject)
		}
	}
	mu.Unlock()
	_, err = heidi.Revoke(ctx, g.ID)
	require.NoError(t, err)
	eventually(t, 15*time.Second, "grant ended", func() bool { return grantState(t, heidi, g.ID) == stint.GrantEnded })
}
