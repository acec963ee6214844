package portal_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

// TestReviewPages: bob reviews alice's grant in a campaign carol made: the
// page lists it with a decision form; a decision needs a comment, is
// recorded once, and only by a reviewer, with a CSRF token; carol sees the
// campaign and its reports (HTML with its own policy, CSV); others do not.
func TestReviewPages(t *testing.T) {
	e := setup(t)
	ctx := t.Context()
	a := e.signIn(alice)
	req := a.submit(devRead, "1h", "look at the sandbox logs")
	g := grantOf(t, e, req)
	require.NoError(t, e.svc.Activate(ctx, g.ID))
	e.advance(10 * time.Minute)

	view, err := e.svc.CreateCampaign(ctx, mustCaller(t, e, carol), stint.CampaignSpec{Name: "Q2 sandbox",
		Scope: stint.ReviewScope{JIT: true}, Reviewers: []string{"group:Approvers"}, Deadline: e.now().Add(7 * 24 * time.Hour)})
	require.NoError(t, err)
	require.Len(t, view.Items, 1)
	item := view.Items[0]

	b := e.signIn(bob)
	status, body := b.get("/reviews")
	require.Equal(t, http.StatusOK, status)
	golden(t, "reviews", body)
	require.Contains(t, body, `action="/reviews/items/`+item.ID+`"`)
	require.NotContains(t, body, `value="convert"`, "a grant is just in time already")

	// No comment: refused, nothing recorded.
	status, body, _ = b.post("/reviews/items/"+item.ID, url.Values{"decision": {"revoke"}, "return": {"/reviews"}})
	require.Equal(t, http.StatusBadRequest, status, body)
	// Not a reviewer.
	status, _, _ = e.signIn(dave).post("/reviews/items/"+item.ID, url.Values{"decision": {"keep"}, "comment": {"fine"}})
	require.Equal(t, http.StatusForbidden, status)
	// Without the CSRF token.
	resp := b.do("POST", "/reviews/items/"+item.ID, strings.NewReader(url.Values{"decision": {"keep"}, "comment": {"fine"}}.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	it, err := e.store.ReviewItemGet(ctx, item.ID)
	require.NoError(t, err)
	require.Equal(t, stint.ItemPending, it.State)

	status, _, resp = b.post("/reviews/items/"+item.ID, url.Values{"decision": {"revoke"}, "comment": {"not needed any more"}, "return": {"/reviews"}})
	require.Equal(t, http.StatusSeeOther, status)
	require.Equal(t, "/reviews?done=decided", resp.Header.Get("Location"))
	it, err = e.store.ReviewItemGet(ctx, item.ID)
	require.NoError(t, err)
	require.Equal(t, stint.DecisionRevoke, it.Decision)
	require.Equal(t, bob, it.DecidedBy)
	status, body = b.get("/reviews?done=decided")
	require.Equal(t, http.StatusOK, status)
	golden(t, "reviews-decided", body)
	// Twice: refused.
	status, _, _ = b.post("/reviews/items/"+item.ID, url.Values{"decision": {"keep"}, "comment": {"changed my mind"}})
	require.Equal(t, http.StatusConflict, status)

	// Carol: the campaign and its reports.
	c := e.signIn(carol)
	status, body = c.get("/reviews")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "Q2 sandbox")
	require.Contains(t, body, "/admin/reviews/"+view.ID+"/report?format=html")
	resp = c.do("GET", "/admin/reviews/"+view.ID+"/report?format=html", nil, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, resp.Header.Get("Content-Security-Policy"), "style-src 'sha256-")
	require.NotContains(t, resp.Header.Get("Content-Security-Policy"), "script-src")
	require.Contains(t, c.read(resp), "not needed any more")
	resp = c.do("GET", "/admin/reviews/"+view.ID+"/report?format=csv", nil, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	rows, err := csv.NewReader(strings.NewReader(c.read(resp))).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 2)
	status, _ = c.get("/admin/reviews/" + view.ID + "/report?format=pdf")
	require.Equal(t, http.StatusBadRequest, status)
	status, _ = b.get("/admin/reviews/" + view.ID + "/report?format=html")
	require.Equal(t, http.StatusForbidden, status, "reports are for admins")
}
