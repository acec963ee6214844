package portal_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
)

const (
	prodAdmin = "aws-sso:111111111111/AdministratorAccess"
	devRead   = "aws-sso:222222222222/ReadOnly"
)

// TestPages renders every page of a small scenario and compares it with
// its golden file: alice requests production access (pending) and
// development access (approved at once, then active); bob reviews; carol,
// an admin, looks at the admin pages.
func TestPages(t *testing.T) {
	e := setup(t)
	anon := e.anonymous()
	status, body := anon.get("/login")
	require.Equal(t, http.StatusOK, status)
	golden(t, "login", body)

	resp := anon.do("GET", "/", nil, nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "sent to sign in")
	require.Equal(t, "/login?next=%2F", resp.Header.Get("Location"))
	status, body = anon.get("/login/local")
	require.Equal(t, http.StatusOK, status)
	golden(t, "local", body)

	a := e.signIn(alice)
	status, body = a.get("/")
	require.Equal(t, http.StatusOK, status)
	golden(t, "access-empty", body)

	prodReq := a.submit(prodAdmin, "2h", "INC-4211: payments are failing")
	e.advance(time.Minute)
	devReq := a.submit(devRead, "1h", "look at the sandbox logs")
	r, err := e.svc.Request(t.Context(), mustCaller(t, e, alice), devReq)
	require.NoError(t, err)
	require.Equal(t, stint.RequestApproved, r.State)
	g := grantOf(t, e, devReq)
	require.NoError(t, e.svc.Activate(t.Context(), g.ID))
	e.advance(10 * time.Minute)

	status, body = a.get("/")
	require.Equal(t, http.StatusOK, status)
	golden(t, "access", body)
	status, body = a.get("/requests/" + prodReq + "?done=submitted")
	require.Equal(t, http.StatusOK, status)
	golden(t, "request-detail-mine", body)

	status, body = a.get("/request")
	require.Equal(t, http.StatusOK, status)
	golden(t, "request", body)
	status, body = a.get("/request?q=prod&resource=" + url.QueryEscape(prodAdmin) + "&duration=2h")
	require.Equal(t, http.StatusOK, status)
	golden(t, "request-preview", body)
	resp = a.do("GET", "/request/preview?q=prod&resource="+url.QueryEscape(prodAdmin)+"&duration=9h", nil, http.Header{"Hx-Request": {"true"}})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	golden(t, "request-preview-fragment", a.read(resp))

	b := e.signIn(bob)
	status, body = b.get("/approvals")
	require.Equal(t, http.StatusOK, status)
	golden(t, "approvals", body)
	status, body = b.get("/requests/" + prodReq)
	require.Equal(t, http.StatusOK, status)
	golden(t, "request-detail-review", body)

	status, _, resp = b.post("/requests/"+prodReq+"/approve", url.Values{"comment": {"ok, go ahead"}, "return": {"/approvals"}})
	require.Equal(t, http.StatusSeeOther, status)
	require.Equal(t, "/approvals?done=approved", resp.Header.Get("Location"))
	status, body = b.get("/approvals?done=approved")
	require.Equal(t, http.StatusOK, status)
	golden(t, "approvals-done", body)

	// The scheduled plan of the identity file found drift (as app.CheckDrift records it).
	require.NoError(t, e.store.Tx(t.Context(), func(tx stint.Tx) error {
		return tx.EventAppend(t.Context(), &stint.Event{ID: "01TESTDRIFT", Time: e.now(), Actor: "system", Type: stint.EventIdentityDrift,
			Subject: "arn:aws:sso:::instance/ssoins-1111111111111111", Data: map[string]any{
				"file": "identity.yaml", "digest": "abc", "drift": true, "total": 2, "calls": 14,
				"counts":  map[string]any{"create assignment": 1, "delete membership": 1},
				"actions": []any{"create assignment group:Ops → ReadOnly in prod-web", "delete membership frank in Admins"}}})
	}))
	c := e.signIn(carol)
	for _, page := range []struct{ name, path string }{
		{"admin-grants", "/admin/grants"},
		{"admin-grants-filtered", "/admin/grants?user=alice%40example.com&state=active&resource=dev-sandbox"},
		{"admin-flows", "/admin/flows?resource=" + url.QueryEscape("aws-sso:prod-payments/AdministratorAccess")},
		{"admin-audit", "/admin/audit"},
		{"admin-audit-filtered", "/admin/audit?actor=alice%40example.com&text=" + url.QueryEscape(prodAdmin)},
		{"admin-health", "/admin/health"},
		{"admin-audit-resource", "/admin/audit?resource=" + url.QueryEscape("aws-sso:dev-sandbox/ReadOnly") + "&type=grant.*"},
		{"admin-access", "/admin/access"},
		{"admin-access-resource", "/admin/access?resource=" + url.QueryEscape("aws-sso:dev-sandbox/ReadOnly") + "&from=2025-06-02T08:00&to=2025-06-02T10:00"},
		{"admin-access-user", "/admin/access?user=alice%40example.com&on=2025-06-02"},
		{"admin-report", "/admin/report?week=2025-06-02"},
	} {
		status, body = c.get(page.path)
		require.Equal(t, http.StatusOK, status, page.path)
		golden(t, page.name, body)
	}

	status, body = c.get("/no/such/page")
	require.Equal(t, http.StatusNotFound, status)
	golden(t, "not-found", body)

	unknown := e.anonymous()
	status, body = unknown.signIn(eve)
	require.Equal(t, http.StatusForbidden, status)
	golden(t, "unknown-user", body)
}

func mustCaller(t *testing.T, e *env, email string) *access.Caller {
	t.Helper()
	c, err := e.svc.CallerByEmail(t.Context(), email)
	require.NoError(t, err)
	return c
}

// grantOf returns the only grant of the request.
func grantOf(t *testing.T, e *env, requestID string) *stint.Grant {
	t.Helper()
	list, err := e.store.GrantList(t.Context(), &stint.GrantListParams{RequestID: requestID})
	require.NoError(t, err)
	require.Len(t, list, 1)
	return list[0]
}

// grantState reads the grant's state from the store.
func grantState(t *testing.T, e *env, id string) stint.GrantState {
	t.Helper()
	g, err := e.store.GrantGet(t.Context(), id)
	require.NoError(t, err)
	return g.State
}

func requestState(t *testing.T, e *env, id string) stint.RequestState {
	t.Helper()
	r, err := e.store.RequestGet(t.Context(), id)
	require.NoError(t, err)
	return r.State
}

func eventCount(t *testing.T, e *env, typ string) int {
	t.Helper()
	evs, err := e.store.EventList(t.Context(), &stint.EventListParams{Type: typ})
	require.NoError(t, err)
	return len(evs)
}

var _ = strings.Contains
