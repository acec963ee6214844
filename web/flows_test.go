package web

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/policy"
)

// richFlows are flows with the features of issue 3: a ticket rule, two
// approval steps, a bundle, break-glass and an activation window.
func richFlows() []stint.Flow {
	return []stint.Flow{
		{
			Name:       "prod-admin",
			Requesters: []string{"group:Engineers"},
			Resources: []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{
				Accounts: []string{"name:prod-payments", "ou:Dev"}, PermissionSets: []string{"AdministratorAccess", "ReadOnly"},
			}}},
			Bundles: []stint.Bundle{{Name: "payments-ro", Resources: []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{
				Accounts: []string{"name:prod-payments", "ou:Dev"}, PermissionSets: []string{"ReadOnly"},
			}}}}},
			MaxDuration:      stint.Duration(4 * time.Hour),
			ActivationWindow: stint.Duration(2 * time.Hour),
			Ticket:           &stint.TicketRule{Required: true, Pattern: `^(INC|CHG)-[0-9]+$`},
			ApprovalSteps: []stint.ApprovalStep{
				{Name: "security", Approvers: []string{"group:Security"}, Quorum: 1},
				{Name: "managers", Approvers: []string{"group:Approvers"}, Quorum: 1},
			},
			BreakGlass: &stint.BreakGlass{Groups: []string{"Engineers"}, MaxDuration: stint.Duration(time.Hour)},
		},
	}
}

func withFlows(flows func() []stint.Flow) option {
	return func(c *Config) { c.Service.Flows = flows }
}

func TestSubmitFlowFeatures(t *testing.T) {
	t.Parallel()
	e := setup(t, withFlows(richFlows))

	t.Run("ticket and approval steps", func(t *testing.T) {
		w := e.call("POST", "/api/v1/requests", alice, map[string]any{
			"account": "prod-payments", "permission_set": "AdministratorAccess", "duration": "1h", "reason": "deploy", "ticket": "CHG-42",
		})
		r := decode[stint.Request](t, w, http.StatusCreated)
		require.Equal(t, stint.RequestPending, r.State)
		require.Equal(t, "CHG-42", r.Ticket)
		require.False(t, r.BreakGlass)
		require.Len(t, r.Steps, 2)
		require.Equal(t, "security", r.Steps[0].Name)
		require.Equal(t, []string{"group:Security"}, r.Steps[0].Approvers)
		require.Equal(t, 1, r.Steps[0].Quorum)
		require.Empty(t, r.Steps[0].Approvals)
	})

	t.Run("a ticket off the pattern", func(t *testing.T) {
		w := e.call("POST", "/api/v1/requests", alice, map[string]any{
			"account": "prod-payments", "permission_set": "AdministratorAccess", "reason": "deploy", "ticket": "JIRA-1",
		})
		requireAPIError(t, w, http.StatusBadRequest, stint.EINVALID, "JIRA-1")
	})

	t.Run("bundle without resources", func(t *testing.T) {
		w := e.call("POST", "/api/v1/requests", alice, map[string]any{"bundle": "payments-ro", "reason": "audit", "ticket": "INC-7", "duration": "2h"})
		r := decode[stint.Request](t, w, http.StatusCreated)
		require.Equal(t, "payments-ro", r.Bundle)
		ids := make([]string, len(r.Resources))
		for i, res := range r.Resources {
			ids[i] = res.ID
		}
		slices.Sort(ids)
		require.Equal(t, []string{"aws-sso:111111111111/ReadOnly", "aws-sso:222222222222/ReadOnly"}, ids)
	})

	t.Run("break-glass", func(t *testing.T) {
		w := e.call("POST", "/api/v1/requests", alice, map[string]any{
			"account": "prod-payments", "permission_set": "AdministratorAccess", "duration": "30m",
			"reason": "payments down", "ticket": "INC-9", "break_glass": true,
		})
		r := decode[stint.Request](t, w, http.StatusCreated)
		require.True(t, r.BreakGlass)
		require.Equal(t, stint.RequestApproved, r.State)
	})

	t.Run("break-glass past its maximum", func(t *testing.T) {
		w := e.call("POST", "/api/v1/requests", alice, map[string]any{
			"account": "prod-payments", "permission_set": "AdministratorAccess", "duration": "3h",
			"reason": "payments down", "ticket": "INC-9", "break_glass": true,
		})
		require.Contains(t, []int{http.StatusBadRequest, http.StatusForbidden}, w.Code, w.Body.String())
	})
}

func TestActivate(t *testing.T) {
	t.Parallel()
	e := setup(t, withFlows(richFlows))
	w := e.call("POST", "/api/v1/requests", alice, map[string]any{
		"account": "prod-payments", "permission_set": "AdministratorAccess", "duration": "1h", "reason": "deploy", "ticket": "CHG-1",
	})
	req := decode[stint.Request](t, w, http.StatusCreated)
	for _, approver := range []string{carol, bob} { // security, then managers
		w := e.call("POST", "/api/v1/requests/"+req.ID+"/approve", approver, nil)
		require.Equal(t, http.StatusOK, w.Code, "%s: %s", approver, w.Body.String())
	}
	ready := e.grantOf(alice, req.ID)
	require.Equal(t, stint.GrantReady, ready.State)
	require.Equal(t, stint.Duration(time.Hour), ready.Duration)

	path := "/api/v1/grants/" + ready.ID + "/activate"
	t.Run("someone else's grant", func(t *testing.T) {
		w := e.call("POST", path, bob, nil)
		require.Contains(t, []int{http.StatusForbidden, http.StatusNotFound}, w.Code, w.Body.String())
	})
	t.Run("with a body field", func(t *testing.T) {
		requireAPIError(t, e.call("POST", path, alice, `{"now":true}`), http.StatusBadRequest, stint.EINVALID, `unknown field "now"`)
	})
	t.Run("activate", func(t *testing.T) {
		g := decode[stint.Grant](t, e.call("POST", path, alice, nil), http.StatusOK)
		require.Equal(t, ready.ID, g.ID)
		require.NotEqual(t, stint.GrantReady, g.State)
		require.True(t, g.State.Live(), "state %s", g.State)
	})
	t.Run("twice", func(t *testing.T) {
		requireAPIError(t, e.call("POST", path, alice, nil), http.StatusConflict, stint.ECONFLICT, "")
	})
}

func TestListFlows(t *testing.T) {
	t.Parallel()
	e := setup(t)
	flows := decode[[]stint.Flow](t, e.call("GET", "/api/v1/flows", carol, nil), http.StatusOK)
	names := make([]string, len(flows))
	for i, f := range flows {
		names[i] = f.Name
	}
	require.Equal(t, []string{"prod-admin", "dev-auto"}, names)
	require.Equal(t, stint.Duration(4*time.Hour), flows[0].MaxDuration)
	requireAPIError(t, e.call("GET", "/api/v1/flows?all=true", carol, nil), http.StatusBadRequest, stint.EINVALID, "takes no query parameters")

	empty := setup(t, withFlows(func() []stint.Flow { return nil }))
	w := empty.call("GET", "/api/v1/flows", carol, nil)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.JSONEq(t, `[]`, w.Body.String())
}

func TestCan(t *testing.T) {
	t.Parallel()
	e := setup(t, withFlows(richFlows))

	t.Run("an admin asks about a requester", func(t *testing.T) {
		ex := decode[policy.Explanation](t, e.call("POST", "/api/v1/can", carol, map[string]any{
			"user": alice, "account": "prod-payments", "permission_set": "AdministratorAccess", "duration": "2h",
		}), http.StatusOK)
		require.True(t, ex.Allowed, "%+v", ex)
		require.Equal(t, alice, ex.User)
		require.Equal(t, "prod-admin", ex.Flow)
		require.False(t, ex.AutoApprove)
		require.True(t, ex.BreakGlass)
		require.Equal(t, stint.Duration(4*time.Hour), ex.MaxDuration)
		require.Len(t, ex.Steps, 2)
		require.Equal(t, "managers", ex.Steps[1].Name)
	})
	t.Run("a deny is an answer, with reasons", func(t *testing.T) {
		ex := decode[policy.Explanation](t, e.call("POST", "/api/v1/can", carol, map[string]any{
			"user": dave, "account": "prod-payments", "permission_set": "AdministratorAccess",
		}), http.StatusOK)
		require.False(t, ex.Allowed)
		require.NotEmpty(t, ex.Reasons)
		require.Equal(t, "prod-admin", ex.Reasons[0].Flow)
		require.NotEmpty(t, ex.Reasons[0].Reason)
	})
	t.Run("too long is a deny", func(t *testing.T) {
		ex := decode[policy.Explanation](t, e.call("POST", "/api/v1/can", alice, map[string]any{
			"account": "prod-payments", "permission_set": "AdministratorAccess", "duration": "5h",
		}), http.StatusOK)
		require.False(t, ex.Allowed)
	})
	t.Run("the caller by default", func(t *testing.T) {
		ex := decode[policy.Explanation](t, e.call("POST", "/api/v1/can", alice, map[string]any{
			"account": "111111111111", "permission_set": "AdministratorAccess",
		}), http.StatusOK)
		require.True(t, ex.Allowed)
		require.Equal(t, alice, ex.User)
	})

	tests := []struct {
		name       string
		who        string
		body       any
		wantStatus int
		wantCode   string
		wantMsg    string
	}{
		{name: "someone else, not an admin", who: alice, body: map[string]any{"user": bob, "account": "prod-payments", "permission_set": "ReadOnly"},
			wantStatus: 403, wantCode: stint.EFORBIDDEN},
		{name: "no account", who: carol, body: map[string]any{"permission_set": "ReadOnly"}, wantStatus: 400, wantCode: stint.EINVALID, wantMsg: "or account and permission_set"},
		{name: "bad duration", who: carol, body: map[string]any{"account": "prod-payments", "permission_set": "ReadOnly", "duration": "soon"},
			wantStatus: 400, wantCode: stint.EINVALID, wantMsg: `invalid duration "soon"`},
		{name: "unknown field", who: carol, body: `{"account":"prod-payments","permission_set":"ReadOnly","for":"1h"}`,
			wantStatus: 400, wantCode: stint.EINVALID, wantMsg: `unknown field "for"`},
		{name: "unknown account", who: carol, body: map[string]any{"account": "prod-nope", "permission_set": "ReadOnly"},
			wantStatus: 404, wantCode: stint.ENOTFOUND, wantMsg: "prod-nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requireAPIError(t, e.call("POST", "/api/v1/can", tt.who, tt.body), tt.wantStatus, tt.wantCode, tt.wantMsg)
		})
	}
}

func TestWhoCan(t *testing.T) {
	t.Parallel()
	e := setup(t, withFlows(richFlows))

	list := decode[[]policy.WhoCan](t, e.call("GET", "/api/v1/who-can?account=prod-payments&permission_set=AdministratorAccess", carol, nil), http.StatusOK)
	users := map[string]policy.WhoCan{}
	for _, wc := range list {
		users[wc.User] = wc
	}
	require.Contains(t, users, alice)
	require.Contains(t, users, bob)
	require.NotContains(t, users, dave)
	require.Equal(t, "prod-admin", users[alice].Flow)
	require.True(t, users[alice].BreakGlass)
	require.Equal(t, []string{"group:Security", "group:Approvers"}, users[alice].Approvers)

	nobody := e.call("GET", "/api/v1/who-can?account=prod-payments&permission_set=PowerUser", carol, nil)
	if nobody.Code == http.StatusOK {
		require.JSONEq(t, `[]`, nobody.Body.String())
	} else {
		requireAPIError(t, nobody, http.StatusNotFound, stint.ENOTFOUND, "PowerUser")
	}

	tests := []struct {
		name       string
		path       string
		who        string
		wantStatus int
		wantCode   string
		wantMsg    string
	}{
		{name: "not an admin", path: "/api/v1/who-can?account=prod-payments&permission_set=ReadOnly", who: alice, wantStatus: 403, wantCode: stint.EFORBIDDEN},
		{name: "no permission set", path: "/api/v1/who-can?account=prod-payments", who: carol, wantStatus: 400, wantCode: stint.EINVALID, wantMsg: "or account and permission_set"},
		{name: "typo in a parameter", path: "/api/v1/who-can?acount=prod-payments&permission_set=ReadOnly", who: carol,
			wantStatus: 400, wantCode: stint.EINVALID, wantMsg: `unknown query parameter "acount"; known: account, permission_set`},
		{name: "unknown account", path: "/api/v1/who-can?account=prod-nope&permission_set=ReadOnly", who: carol, wantStatus: 404, wantCode: stint.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requireAPIError(t, e.call("GET", tt.path, tt.who, nil), tt.wantStatus, tt.wantCode, tt.wantMsg)
		})
	}
}
