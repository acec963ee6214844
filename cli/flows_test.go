package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/cli"
	"github.com/stint-dev/stint/client"
)

// Fixtures of the flow features: tickets, approval steps, bundles,
// break-glass, activation, and the policy answers.
var (
	fxTicketed = &stint.Request{
		ID: "01JR00000000000000000TICKET", RequesterID: "u-alice", RequesterEmail: "alice@example.com", Flow: "prod-admin",
		Resources: []stint.ResourceRef{{ID: "aws-sso:111111111111/AdministratorAccess", AccountID: "111111111111",
			AccountName: "prod-payments", PermissionSet: "AdministratorAccess"}},
		Reason: "deploy the ledger fix", Ticket: "CHG-1042", Duration: stint.Duration(time.Hour), State: stint.RequestPending,
		Steps: []stint.RequestStep{
			{Name: "security", Approvers: []string{"group:Security"}, Quorum: 2, Approvals: []string{"carol@example.com"}},
			{Name: "managers", Approvers: []string{"group:Managers", "user:erin@example.com"}, Quorum: 1},
		},
		Reviews:  []stint.Review{{ReviewerID: "u-carol", ReviewerEmail: "carol@example.com", Decision: "approve", At: at(-time.Minute)}},
		ReviewBy: at(23 * time.Hour), CreatedAt: at(-10 * time.Minute), UpdatedAt: at(-time.Minute), Version: 2,
	}
	fxBundle = &stint.Request{
		ID: "01JR00000000000000000BUNDLE", RequesterID: "u-alice", RequesterEmail: "alice@example.com", Flow: "payments",
		Bundle: "payments-ro",
		Resources: []stint.ResourceRef{
			{ID: "aws-sso:111111111111/ReadOnly", AccountID: "111111111111", AccountName: "prod-payments", PermissionSet: "ReadOnly"},
			{ID: "aws-sso:444444444444/ReadOnly", AccountID: "444444444444", AccountName: "prod-ledger", PermissionSet: "ReadOnly"},
		},
		Reason: "reconcile Q2", Duration: stint.Duration(time.Hour), State: stint.RequestApproved,
		Steps:    []stint.RequestStep{{Name: "approval", Approvers: []string{"group:Approvers"}, Quorum: 1, Approvals: []string{"bob@example.com"}}},
		Reviews:  []stint.Review{{ReviewerID: "u-bob", ReviewerEmail: "bob@example.com", Decision: "approve", At: at(-time.Minute)}},
		ReviewBy: at(23 * time.Hour), CreatedAt: at(-2 * time.Minute), UpdatedAt: at(-time.Minute), Version: 2,
	}
	fxBreakGlass = &stint.Request{
		ID: "01JR0000000000000000BRGLASS", RequesterID: "u-alice", RequesterEmail: "alice@example.com", Flow: "prod-admin",
		Resources: []stint.ResourceRef{{ID: "aws-sso:111111111111/AdministratorAccess", AccountID: "111111111111",
			AccountName: "prod-payments", PermissionSet: "AdministratorAccess"}},
		Reason: "payments down", Ticket: "INC-4211", BreakGlass: true, AutoApproved: true,
		Duration: stint.Duration(30 * time.Minute), State: stint.RequestApproved,
		Steps:    []stint.RequestStep{{Name: "security", Approvers: []string{"group:Security"}, Quorum: 2}},
		ReviewBy: at(23 * time.Hour), CreatedAt: at(0), UpdatedAt: at(0), Version: 1,
	}
	fxReady = &stint.Grant{
		ID: "01JG0000000000000000000READY", RequestID: fxTicketed.ID, Flow: "prod-admin", UserID: "u-alice", UserEmail: "alice@example.com",
		ResourceID: "aws-sso:111111111111/AdministratorAccess", AccountID: "111111111111", AccountName: "prod-payments", PermissionSet: "AdministratorAccess",
		State: stint.GrantReady, StartsAt: at(-time.Minute), EndsAt: at(2*time.Hour - time.Minute), Duration: stint.Duration(time.Hour),
		CreatedAt: at(-time.Minute), UpdatedAt: at(-time.Minute), Version: 1,
	}
	fxActivated = &stint.Grant{
		ID: fxReady.ID, RequestID: fxReady.RequestID, Flow: "prod-admin", UserID: "u-alice", UserEmail: "alice@example.com",
		ResourceID: fxReady.ResourceID, AccountID: "111111111111", AccountName: "prod-payments", PermissionSet: "AdministratorAccess",
		State: stint.GrantActivating, StartsAt: now, EndsAt: at(time.Hour), Duration: stint.Duration(time.Hour), BreakGlass: true,
		CreatedAt: at(-time.Minute), UpdatedAt: now, Version: 2,
	}
	fxFlows = []stint.Flow{
		{Name: "prod-admin", Requesters: []string{"group:Engineers"}, Exclude: []string{"group:Contractors"},
			Resources: []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{
				Accounts: []string{"ou:Prod"}, PermissionSets: []string{"AdministratorAccess", "ReadOnly"}}}},
			Bundles:     []stint.Bundle{{Name: "payments-ro"}},
			MaxDuration: stint.Duration(4 * time.Hour),
			ApprovalSteps: []stint.ApprovalStep{
				{Name: "security", Approvers: []string{"group:Security"}, Quorum: 2},
				{Name: "managers", Approvers: []string{"group:Managers"}, PermissionSets: []string{"AdministratorAccess"}},
			},
			BreakGlass: &stint.BreakGlass{Groups: []string{"OnCall"}, MaxDuration: stint.Duration(time.Hour)}},
		{Name: "dev-auto", Requesters: []string{"group:Engineers", "user:intern@example.com"},
			Resources: []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{
				Accounts: []string{"222222222222"}, PermissionSets: []string{"ReadOnly"}}}},
			MaxDuration: stint.Duration(8 * time.Hour), AutoApprove: true},
		{Name: "support", Requesters: []string{"group:Support"},
			Resources: []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{
				Accounts: []string{"tag:env=staging"}, PermissionSets: []string{"ReadOnly"}}}},
			MaxDuration: stint.Duration(2 * time.Hour), Approvers: []string{"group:Approvers"},
			AutoApproveWhen: []stint.AutoApproveRule{{RequesterGroups: []string{"OnCall"}}}},
	}
	fxAllowed = &client.Explanation{
		Allowed: true, User: "alice@example.com", Resource: "aws-sso:111111111111/AdministratorAccess", Flow: "prod-admin",
		BreakGlass: true, MaxDuration: stint.Duration(4 * time.Hour),
		Steps: []stint.RequestStep{
			{Name: "security", Approvers: []string{"group:Security"}, Quorum: 2},
			{Name: "managers", Approvers: []string{"group:Approvers"}, Quorum: 1},
		},
		Reasons: []client.FlowReason{{Flow: "prod-admin", Allowed: true, Reason: "alice@example.com is in group:Engineers"}},
	}
	fxDenied = &client.Explanation{
		User: "dave@example.com", Resource: "aws-sso:111111111111/AdministratorAccess",
		Summary: "no flow lets dave@example.com request AdministratorAccess in account 111111111111 (prod-payments)",
		Reasons: []client.FlowReason{
			{Flow: "prod-admin", Reason: "dave@example.com is not a requester (group:Engineers)"},
			{Flow: "dev-auto", Reason: "does not cover prod-payments/AdministratorAccess"},
		},
	}
	fxWhoCan = []client.WhoCan{
		{User: "alice@example.com", Flow: "prod-admin", BreakGlass: true, MaxDuration: stint.Duration(4 * time.Hour),
			Approvers: []string{"group:Security", "group:Approvers"}},
		{User: "bob@example.com", Flow: "prod-admin", MaxDuration: stint.Duration(4 * time.Hour),
			Approvers: []string{"group:Security", "group:Approvers"}},
		{User: "erin@example.com", Flow: "oncall-auto", AutoApprove: true, MaxDuration: stint.Duration(time.Hour)},
	}
)

func TestFlowFeatureOutput(t *testing.T) {
	t.Parallel()
	f, env := newFakeEnv(t)
	tests := []struct {
		name     string
		args     []string
		wantExit int
		wantCall string // METHOD PATH?QUERY
		wantBody map[string]any
	}{
		{name: "request-ticket", args: []string{"request", "prod-payments", "AdministratorAccess", "--for", "1h", "--reason", "deploy the ledger fix", "--ticket", "CHG-1042"},
			wantCall: "POST /api/v1/requests",
			wantBody: map[string]any{"resources": []any{map[string]any{"account": "prod-payments", "permission_set": "AdministratorAccess"}},
				"duration": "1h", "reason": "deploy the ledger fix", "ticket": "CHG-1042"}},
		{name: "request-bundle", args: []string{"request", "--bundle", "payments-ro", "--for", "1h", "--reason", "reconcile Q2"},
			wantCall: "POST /api/v1/requests", wantBody: map[string]any{"bundle": "payments-ro", "duration": "1h", "reason": "reconcile Q2"}},
		{name: "request-break-glass", args: []string{"request", "prod-payments", "AdministratorAccess", "--for", "30m", "--reason", "payments down",
			"--ticket", "INC-4211", "--break-glass"},
			wantCall: "POST /api/v1/requests",
			wantBody: map[string]any{"resources": []any{map[string]any{"account": "prod-payments", "permission_set": "AdministratorAccess"}},
				"duration": "30m", "reason": "payments down", "ticket": "INC-4211", "break_glass": true}},
		{name: "grants-ready", args: []string{"grants"}, wantCall: "GET /api/v1/grants"},
		{name: "activate", args: []string{"activate", fxReady.ID}, wantCall: "POST /api/v1/grants/" + fxReady.ID + "/activate", wantBody: map[string]any{}},
		{name: "can-allow", args: []string{"can", "alice@example.com", "request", "prod-payments", "AdministratorAccess", "--for", "2h"},
			wantCall: "POST /api/v1/can",
			wantBody: map[string]any{"user": "alice@example.com", "account": "prod-payments", "permission_set": "AdministratorAccess", "duration": "2h"}},
		{name: "can-deny", args: []string{"can", "dave@example.com", "request", "prod-payments", "AdministratorAccess"}, wantExit: 4,
			wantCall: "POST /api/v1/can",
			wantBody: map[string]any{"user": "dave@example.com", "account": "prod-payments", "permission_set": "AdministratorAccess"}},
		{name: "can-me", args: []string{"can", "me", "request", "111111111111", "AdministratorAccess"},
			wantCall: "POST /api/v1/can", wantBody: map[string]any{"account": "111111111111", "permission_set": "AdministratorAccess"}},
		{name: "who-can", args: []string{"who-can", "prod-payments", "AdministratorAccess"},
			wantCall: "GET /api/v1/who-can?account=prod-payments&permission_set=AdministratorAccess"},
		{name: "flows", args: []string{"flows"}, wantCall: "GET /api/v1/flows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.recorded())
			res := runCLI(t, cli.Options{}, env, tt.args...)
			require.Equal(t, tt.wantExit, res.code, "stderr: %s", res.stderr)
			require.Empty(t, res.stderr)
			golden(t, tt.name, res.stdout)

			calls := f.recorded()[before:]
			require.Len(t, calls, 1)
			got := calls[0].Method + " " + calls[0].Path
			if calls[0].Query != "" {
				got += "?" + calls[0].Query
			}
			require.Equal(t, tt.wantCall, got)
			require.Equal(t, tt.wantBody, calls[0].Body)
		})
	}
	t.Run("a deny in JSON exits 4 too", func(t *testing.T) {
		res := runCLI(t, cli.Options{}, env, "can", "dave@example.com", "request", "prod-payments", "AdministratorAccess", "-o", "json")
		require.Equal(t, 4, res.code)
		require.Empty(t, res.stderr)
		require.JSONEq(t, `{"allowed":false,"user":"dave@example.com","resource":"aws-sso:111111111111/AdministratorAccess",
			"summary":"no flow lets dave@example.com request AdministratorAccess in account 111111111111 (prod-payments)",
			"auto_approve":false,"break_glass":false,"reasons":[
			{"flow":"prod-admin","allowed":false,"reason":"dave@example.com is not a requester (group:Engineers)"},
			{"flow":"dev-auto","allowed":false,"reason":"does not cover prod-payments/AdministratorAccess"}]}`, res.stdout)
	})
}

// writeCases writes a cases file and returns its path.
func writeCases(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cases.yaml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	return path
}

func TestFlowsTest(t *testing.T) {
	t.Parallel()
	f, env := newFakeEnv(t)

	t.Run("report", func(t *testing.T) {
		path := writeCases(t, `# prod access
- user: alice@example.com
  request: {account: prod-payments, permission_set: AdministratorAccess, duration: 2h}
  expect: allow
  flow: prod-admin
  auto_approve: false
  approvers: [group:Approvers, group:Security]
- {user: dave@example.com, request: {account: prod-payments, permission_set: AdministratorAccess}, expect: deny}
- name: alice goes through dev-auto
  user: alice@example.com
  request: {account: prod-payments, permission_set: AdministratorAccess}
  expect: allow
  flow: dev-auto
  auto_approve: true
  approvers: [group:Security]
- {user: dave@example.com, request: {account: prod-payments, permission_set: AdministratorAccess}, expect: allow}
`)
		before := len(f.recorded())
		res := runCLI(t, cli.Options{}, env, "flows", "test", path)
		require.Equal(t, 1, res.code, "stderr: %s", res.stderr)
		require.Empty(t, res.stderr)
		golden(t, "flows-test", strings.ReplaceAll(res.stdout, path, "cases.yaml"))
		calls := f.recorded()[before:]
		require.Len(t, calls, 4)
		require.Equal(t, map[string]any{"user": "alice@example.com", "account": "prod-payments", "permission_set": "AdministratorAccess", "duration": "2h"}, calls[0].Body)
	})

	t.Run("all pass", func(t *testing.T) {
		path := writeCases(t, `- {user: alice@example.com, request: {account: prod-payments, permission_set: AdministratorAccess}, expect: allow}
- {user: dave@example.com, request: {account: prod-payments, permission_set: AdministratorAccess}, expect: deny}
`)
		res := runCLI(t, cli.Options{}, env, "flows", "test", path)
		require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
		require.True(t, strings.HasSuffix(res.stdout, "2 passed, 0 failed, 2 cases\n"), res.stdout)
	})

	tests := []struct {
		name    string
		file    string
		wantErr string
	}{
		{name: "unknown field", file: "- user: a@example.com\n  request: {account: a, permission_set: b}\n  expect: allow\n  flows: x\n",
			wantErr: `cases.yaml:4: unknown field "flows"`},
		{name: "bad expect", file: "- {user: a@example.com, request: {account: a, permission_set: b}, expect: maybe}\n",
			wantErr: `cases.yaml:1: case 1: expect must be allow or deny, not "maybe"`},
		{name: "no user", file: "- {request: {account: a, permission_set: b}, expect: deny}\n", wantErr: "user is required"},
		{name: "bad duration", file: "- {user: a@example.com, request: {account: a, permission_set: b, duration: soon}, expect: deny}\n",
			wantErr: `request.duration: invalid duration "soon"`},
		{name: "a flow on a deny", file: "- {user: a@example.com, request: {account: a, permission_set: b}, expect: deny, flow: x}\n",
			wantErr: "describe an allow"},
		{name: "not a list", file: "user: a@example.com\n", wantErr: "holds no cases"},
		{name: "syntax error", file: "- {user: a@example.com\n", wantErr: "cases.yaml:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeCases(t, tt.file)
			before := len(f.recorded())
			res := runCLI(t, cli.Options{}, env, "flows", "test", path)
			require.Equal(t, 2, res.code, "stderr: %s", res.stderr)
			require.Empty(t, res.stdout)
			require.Equal(t, 1, strings.Count(res.stderr, "\n"), "one line: %q", res.stderr)
			require.Contains(t, strings.ReplaceAll(res.stderr, path, "cases.yaml"), tt.wantErr)
			require.Len(t, f.recorded(), before, "nothing was sent to the server")
		})
	}
	t.Run("missing file", func(t *testing.T) {
		res := runCLI(t, cli.Options{}, env, "flows", "test", filepath.Join(t.TempDir(), "nope.yaml"))
		require.Equal(t, 2, res.code)
		require.Contains(t, res.stderr, "no such file")
	})
	t.Run("a server error ends the run", func(t *testing.T) {
		path := writeCases(t, "- {user: a@example.com, request: {account: a, permission_set: b}, expect: deny}\n")
		f2, env2 := newFakeEnv(t)
		f2.failStatus, f2.failCode = 403, stint.EFORBIDDEN
		res := runCLI(t, cli.Options{}, env2, "flows", "test", path)
		require.Equal(t, 4, res.code)
		require.Contains(t, res.stderr, "cases.yaml:1: the server says no")
	})
}
