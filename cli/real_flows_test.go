package cli_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/cli"
	"github.com/stint-dev/stint/client"
)

// richRealFlows is one flow with a ticket rule, two approval steps, a
// bundle, break-glass and an activation window.
func richRealFlows() []stint.Flow {
	return []stint.Flow{{
		Name: "prod", Requesters: []string{"group:Engineers"},
		Resources: []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{
			Accounts: []string{"ou:Prod", "ou:Dev"}, PermissionSets: []string{"AdministratorAccess", "ReadOnly"}}}},
		Bundles: []stint.Bundle{{Name: "all-ro", Resources: []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{
			Accounts: []string{"ou:Prod", "ou:Dev"}, PermissionSets: []string{"ReadOnly"}}}}}},
		MaxDuration:      stint.Duration(4 * time.Hour),
		ActivationWindow: stint.Duration(2 * time.Hour),
		Ticket:           &stint.TicketRule{Required: true, Pattern: `^(INC|CHG)-[0-9]+$`},
		ApprovalSteps: []stint.ApprovalStep{
			{Name: "security", Approvers: []string{"group:Security"}},
			{Name: "approvers", Approvers: []string{"group:Approvers"}},
		},
		BreakGlass: &stint.BreakGlass{Groups: []string{"Engineers"}, MaxDuration: stint.Duration(time.Hour)},
	}}
}

func TestFlowsAgainstRealServer(t *testing.T) {
	t.Parallel()
	url, tokens := realServerWith(t, richRealFlows)
	as := func(user string, args ...string) result {
		t.Helper()
		return runCLI(t, cli.Options{}, map[string]string{"STINT_SERVER": url, "STINT_TOKEN": tokens[user]}, args...)
	}
	jsonOf := func(t *testing.T, res result, v any) {
		t.Helper()
		require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
		require.NoError(t, json.Unmarshal([]byte(res.stdout), v), res.stdout)
	}

	t.Run("can", func(t *testing.T) {
		var ex client.Explanation
		jsonOf(t, as("alice", "can", "me", "request", "prod-payments", "AdministratorAccess", "--for", "2h", "-o", "json"), &ex)
		require.True(t, ex.Allowed)
		require.Equal(t, "prod", ex.Flow)
		require.Len(t, ex.Steps, 2)

		res := as("carol", "can", "bob@example.com", "request", "prod-payments", "AdministratorAccess")
		require.Equal(t, 4, res.code, "denied; stderr: %s", res.stderr)
		require.True(t, strings.HasPrefix(res.stdout, "DENY   bob@example.com may not request prod-payments/AdministratorAccess\n"), res.stdout)

		res = as("alice", "can", "bob@example.com", "request", "prod-payments", "AdministratorAccess")
		require.Equal(t, 4, res.code, "forbidden: only admins ask about others")
		require.NotEmpty(t, res.stderr)
	})

	t.Run("who-can and flows", func(t *testing.T) {
		var list []client.WhoCan
		jsonOf(t, as("carol", "who-can", "prod-payments", "AdministratorAccess", "-o", "json"), &list)
		var users []string
		for _, wc := range list {
			users = append(users, wc.User)
		}
		require.Contains(t, users, "alice@example.com")
		require.NotContains(t, users, "bob@example.com")

		var flows []stint.Flow
		jsonOf(t, as("carol", "flows", "-o", "json"), &flows)
		require.Len(t, flows, 1)
		res := as("carol", "flows")
		require.Equal(t, 0, res.code, res.stderr)
		require.Contains(t, res.stdout, "security 1 of group:Security → approvers 1 of group:Approvers; break-glass 1h")
	})

	t.Run("bundle", func(t *testing.T) {
		var r stint.Request
		jsonOf(t, as("alice", "request", "--bundle", "all-ro", "--for", "1h", "--reason", "audit", "--ticket", "CHG-7", "-o", "json"), &r)
		require.Equal(t, "all-ro", r.Bundle)
		require.Len(t, r.Resources, 2)
	})

	t.Run("ticket, two steps, activation", func(t *testing.T) {
		res := as("alice", "request", "prod-payments", "AdministratorAccess", "--for", "1h", "--reason", "deploy", "--ticket", "JIRA-1")
		require.Equal(t, 2, res.code, "the ticket does not match; stderr: %s", res.stderr)

		var r stint.Request
		jsonOf(t, as("alice", "request", "prod-payments", "AdministratorAccess", "--for", "1h", "--reason", "deploy", "--ticket", "CHG-1", "-o", "json"), &r)
		require.Equal(t, "CHG-1", r.Ticket)
		jsonOf(t, as("carol", "approve", r.ID, "-o", "json"), &r)
		require.Equal(t, stint.RequestPending, r.State, "one step of two")
		res = as("carol", "requests", "--pending")
		require.Equal(t, 0, res.code, res.stderr)
		jsonOf(t, as("bob", "approve", r.ID, "-o", "json"), &r)
		require.Equal(t, stint.RequestApproved, r.State)

		var grants []*stint.Grant
		jsonOf(t, as("alice", "grants", "-o", "json"), &grants)
		var ready *stint.Grant
		for _, g := range grants {
			if g.RequestID == r.ID {
				ready = g
			}
		}
		require.NotNil(t, ready)
		require.Equal(t, stint.GrantReady, ready.State)
		res = as("alice", "grants")
		require.Equal(t, 0, res.code, res.stderr)
		require.Contains(t, res.stdout, "activate by")

		var g stint.Grant
		jsonOf(t, as("alice", "activate", ready.ID, "-o", "json"), &g)
		require.NotEqual(t, stint.GrantReady, g.State)
		res = as("alice", "activate", ready.ID)
		require.Equal(t, 6, res.code, "conflict: not ready any more; stderr: %s", res.stderr)
	})

	t.Run("break-glass", func(t *testing.T) {
		res := as("alice", "request", "prod-payments", "AdministratorAccess", "--for", "30m", "--reason", "payments down", "--ticket", "INC-9", "--break-glass")
		require.Equal(t, 0, res.code, res.stderr)
		require.Contains(t, res.stdout, "BREAK-GLASS")
	})

	t.Run("flows test", func(t *testing.T) {
		path := writeCases(t, `- user: alice@example.com
  request: {account: prod-payments, permission_set: AdministratorAccess, duration: 2h}
  expect: allow
  flow: prod
  auto_approve: false
  approvers: [group:Approvers, group:Security]
- {user: bob@example.com, request: {account: prod-payments, permission_set: ReadOnly}, expect: deny}
- {user: alice@example.com, request: {account: prod-payments, permission_set: AdministratorAccess, duration: 5h}, expect: deny}
`)
		res := as("carol", "flows", "test", path)
		require.Equal(t, 0, res.code, "stdout: %s\nstderr: %s", res.stdout, res.stderr)
		require.True(t, strings.HasSuffix(res.stdout, "3 passed, 0 failed, 3 cases\n"), res.stdout)
	})
}
