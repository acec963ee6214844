package portal_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

// The core paths are plain forms: no JavaScript, a redirect after each.
func TestPlainForms(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.signIn(alice)
	g := activeGrant(t, e, a)

	status, _, resp := a.post("/grants/"+g+"/extend", url.Values{"by": {"30m"}, "return": {"/"}})
	require.Equal(t, http.StatusSeeOther, status)
	require.Equal(t, "/?done=extended", resp.Header.Get("Location"))
	got, err := e.store.GrantGet(t.Context(), g)
	require.NoError(t, err)
	require.Equal(t, 1, got.Extensions)
	_, body := a.get("/?done=extended")
	require.Contains(t, body, `<p class="notice ok">Extended.</p>`)

	status, body, _ = a.post("/grants/"+g+"/extend", url.Values{"by": {"forever"}})
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, "Choose how much longer")

	status, _, resp = a.post("/grants/"+g+"/revoke", url.Values{"return": {"https://evil.example.com/"}})
	require.Equal(t, http.StatusSeeOther, status)
	require.Equal(t, "/?done=revoked", resp.Header.Get("Location"), "return only ever names a local path")
	require.Contains(t, []stint.GrantState{stint.GrantRevoking, stint.GrantEnded}, grantState(t, e, g))

	// The no-JavaScript Search and Preview buttons post the form and show it again.
	status, body, _ = a.post("/request", url.Values{"intent": {"preview"}, "resource": {prodAdmin}, "q": {"prod"}})
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "needs 1 of: group:Approvers")
	list, err := e.store.RequestList(t.Context(), nil)
	require.NoError(t, err)
	require.Len(t, list, 1, "a preview files nothing")

	// Mistakes come back with the form and an actionable message.
	status, body, _ = a.post("/request", url.Values{"resource": {prodAdmin}, "duration": {"9h"}, "reason": {"x"}})
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, "exceeds")
	require.Contains(t, body, `value="9h"`, "what was typed is kept")
	status, body, _ = a.post("/request", url.Values{"reason": {"x"}})
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, "choose what to request")
	status, body, _ = a.post("/request", url.Values{"resource": {prodAdmin}, "starts_at": {"tomorrow"}})
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, "give a date and time (UTC)")

	// A scheduled start.
	start := e.now().Add(2 * time.Hour).Format("2006-01-02T15:04")
	status, _, resp = a.post("/request", url.Values{"resource": {prodAdmin}, "reason": {"release"}, "starts_at": {start}})
	require.Equal(t, http.StatusSeeOther, status)
	id := resp.Header.Get("Location")[len("/requests/"):]
	id = id[:len(id)-len("?done=submitted")]
	r, err := e.store.RequestGet(t.Context(), id)
	require.NoError(t, err)
	require.Equal(t, start, r.StartsAt.Format("2006-01-02T15:04"))

	// Cancel, and a denial needs a reason.
	b := e.signIn(bob)
	b.get("/approvals")
	status, body, _ = b.post("/requests/"+id+"/deny", url.Values{"comment": {" "}})
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, "a denial needs a reason")
	a.get("/requests/" + id)
	status, _, resp = a.post("/requests/"+id+"/cancel", url.Values{"return": {"/requests/" + id}})
	require.Equal(t, http.StatusSeeOther, status)
	require.Equal(t, "/requests/"+id+"?done=cancelled", resp.Header.Get("Location"))
	require.Equal(t, stint.RequestCancelled, requestState(t, e, id))
}

// The API, probes and metrics keep their paths and answers with the
// portal mounted at /.
func TestAPIBesideThePortal(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.anonymous()
	resp := a.do("GET", "/api/v1/me", nil, nil)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
	resp.Body.Close()
	resp = a.do("GET", "/api/v1/nope", nil, nil)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	require.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
	resp.Body.Close()
	status, body := a.get("/healthz")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "ok\n", body)
}
