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

// TestCampaignForm: an admin opens a campaign from the portal's form (a
// refused form comes back with the reason and what was typed), and closes
// it early; others may do neither, and the form needs the CSRF token.
func TestCampaignForm(t *testing.T) {
	e := setup(t)
	ctx := t.Context()
	a := e.signIn(alice)
	g := grantOf(t, e, a.submit(devRead, "1h", "look at the sandbox logs"))
	require.NoError(t, e.svc.Activate(ctx, g.ID))

	c := e.signIn(carol)
	status, body := c.get("/admin/reviews/new")
	require.Equal(t, http.StatusOK, status)
	golden(t, "review-new", body)
	status, _ = e.signIn(bob).get("/admin/reviews/new")
	require.Equal(t, http.StatusForbidden, status, "admins only")

	form := url.Values{"name": {"Sandbox grants"}, "reviewers": {"group:Approvers"}, "deadline": {"7d"},
		"reminders": {"48h, 24h"}, "window": {"30d"}, "accounts": {"all"}, "types": {"aws-sso"}, "return": {"/reviews"}}
	// Nothing ticked to review: refused, the form kept.
	status, body, _ = c.post("/admin/reviews", form)
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, "the scope reviews nothing")
	require.Contains(t, body, `value="Sandbox grants"`)
	// A deadline that is neither a duration nor a time.
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("jit", "on")
	bad.Set("deadline", "soon")
	status, body, _ = c.post("/admin/reviews", bad)
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, "deadline")
	list, err := e.store.CampaignList(ctx, nil)
	require.NoError(t, err)
	require.Empty(t, list, "nothing created")

	form.Set("jit", "on")
	status, _, _ = e.signIn(bob).post("/admin/reviews", form)
	require.Equal(t, http.StatusForbidden, status)
	noToken := url.Values{}
	for k, v := range form {
		if k != "csrf" { // post adds the page's token to the values
			noToken[k] = v
		}
	}
	resp := c.do("POST", "/admin/reviews", strings.NewReader(noToken.Encode()), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "no CSRF token")
	status, _, resp = c.post("/admin/reviews", form)
	require.Equal(t, http.StatusSeeOther, status)
	require.Equal(t, "/reviews?done=campaign", resp.Header.Get("Location"))
	list, err = e.store.CampaignList(ctx, nil)
	require.NoError(t, err)
	require.Len(t, list, 1)
	camp := list[0]
	require.Equal(t, "Sandbox grants", camp.Name)
	require.Equal(t, carol, camp.CreatedBy)
	require.WithinDuration(t, e.now().Add(7*24*time.Hour), camp.Deadline, time.Minute)
	require.Equal(t, []stint.Duration{stint.Duration(48 * time.Hour), stint.Duration(24 * time.Hour)}, camp.Reminders)
	require.Equal(t, []stint.ResourceType{stint.ResourceSSO}, camp.Scope.Types)
	require.Equal(t, []string{"group:Approvers"}, camp.Reviewers)
	status, body = c.get("/reviews?done=campaign")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "Campaign created")
	require.Contains(t, body, `action="/admin/reviews/`+camp.ID+`/close"`)

	status, _, _ = e.signIn(bob).post("/admin/reviews/"+camp.ID+"/close", url.Values{})
	require.Equal(t, http.StatusForbidden, status)
	status, _, resp = c.post("/admin/reviews/"+camp.ID+"/close", url.Values{"return": {"/reviews"}})
	require.Equal(t, http.StatusSeeOther, status)
	require.Equal(t, "/reviews?done=closed", resp.Header.Get("Location"))
	got, err := e.store.CampaignGet(ctx, camp.ID)
	require.NoError(t, err)
	require.Equal(t, stint.CampaignClosed, got.State)
	status, body = c.get("/reviews")
	require.Equal(t, http.StatusOK, status)
	require.NotContains(t, body, `action="/admin/reviews/`+camp.ID+`/close"`, "closed: no button")
}
