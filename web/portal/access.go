package portal

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
)

// grantRow is a grant with what its row needs from the page.
type grantRow struct {
	V      *view
	G      *stint.Grant
	Return string
	Admin  bool // the admin listing shows the user
}

type myAccessData struct {
	Grants   []grantRow
	Requests []*stint.Request
	Inbox    int
}

// ExtendChoices are the extensions the My access page offers.
var ExtendChoices = []string{"15m", "30m", "1h", "2h", "4h"}

func (p *Portal) myAccess(w http.ResponseWriter, r *http.Request) {
	c, ctx := callerOf(r), r.Context()
	// Admins are listed everyone's grants: this page is about the caller's.
	grants, err := p.svc.Grants(ctx, c, access.GrantsInput{User: c.User.Email, Limit: 200})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	reqs, err := p.svc.Requests(ctx, c, access.RequestsInput{Limit: 100})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d := &myAccessData{}
	for _, q := range reqs {
		if q.RequesterID == c.User.ID && len(d.Requests) < 20 {
			d.Requests = append(d.Requests, q)
		}
		if p.svc.MayReview(c, q) {
			d.Inbox++
		}
	}
	v := p.view(r, "access", "My access", d)
	for _, g := range grants {
		d.Grants = append(d.Grants, grantRow{V: v, G: g, Return: "/"})
	}
	p.execute(w, r, http.StatusOK, "access", "layout", v)
}

// afterPost answers a successful form: htmx gets the fragment, a plain
// form a redirect to where it came from with the confirmation.
func (p *Portal) afterPost(w http.ResponseWriter, r *http.Request, doneKey string, htmx func()) {
	if r.Header.Get("HX-Request") == "true" && htmx != nil {
		htmx()
		return
	}
	back := localPath(r.PostFormValue("return"))
	sep := "?"
	if strings.Contains(back, "?") {
		sep = "&"
	}
	http.Redirect(w, r, back+sep+"done="+url.QueryEscape(doneKey), http.StatusSeeOther)
}

func (p *Portal) grantFragment(w http.ResponseWriter, r *http.Request, g *stint.Grant) {
	v := p.view(r, "access", "", nil)
	p.execute(w, r, http.StatusOK, "access", "grant-row", grantRow{V: v, G: g, Return: localPath(r.PostFormValue("return")),
		Admin: r.PostFormValue("admin") == "1"})
}

func (p *Portal) revoke(w http.ResponseWriter, r *http.Request) {
	g, err := p.svc.Revoke(r.Context(), callerOf(r), chi.URLParam(r, "id"))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.afterPost(w, r, "revoked", func() { p.grantFragment(w, r, g) })
}

func (p *Portal) activate(w http.ResponseWriter, r *http.Request) {
	g, err := p.svc.ActivateReady(r.Context(), callerOf(r), chi.URLParam(r, "id"))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.afterPost(w, r, "activated", func() { p.grantFragment(w, r, g) })
}

// extend moves the grant's end; for flows whose extensions need approval
// it files the extension request instead (with the form's reason).
func (p *Portal) extend(w http.ResponseWriter, r *http.Request) {
	c, ctx, id := callerOf(r), r.Context(), chi.URLParam(r, "id")
	d, err := stint.ParseDuration(r.PostFormValue("by"))
	if err != nil || d <= 0 {
		p.errorPage(w, r, http.StatusBadRequest, "Choose how much longer, e.g. 30m or 1h.")
		return
	}
	g, err := p.svc.Grant(ctx, c, id)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if p.needsReapproval(r, g.Flow) {
		req, err := p.svc.Submit(ctx, c, access.SubmitInput{ExtendsGrant: id, Duration: d, Reason: r.PostFormValue("reason")})
		if err != nil {
			p.fail(w, r, err)
			return
		}
		if r.Header.Get("HX-Request") == "true" {
			w.Header().Set("HX-Redirect", "/requests/"+req.ID+"?done=submitted")
			return
		}
		http.Redirect(w, r, "/requests/"+url.PathEscape(req.ID)+"?done=submitted", http.StatusSeeOther)
		return
	}
	next, err := p.svc.Extend(ctx, c, id, d)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.afterPost(w, r, "extended", func() { p.grantFragment(w, r, next) })
}

func (p *Portal) needsReapproval(r *http.Request, flow string) bool {
	flows, err := p.svc.ListFlows(r.Context(), callerOf(r))
	if err != nil {
		return false
	}
	for _, f := range flows {
		if f.Name == flow {
			return f.Extensions != nil && f.Extensions.Reapproval
		}
	}
	return false
}

func (p *Portal) cancel(w http.ResponseWriter, r *http.Request) {
	if _, err := p.svc.Cancel(r.Context(), callerOf(r), chi.URLParam(r, "id")); err != nil {
		p.fail(w, r, err)
		return
	}
	p.afterPost(w, r, "cancelled", nil)
}

// live reports whether the grant may still be revoked.
func live(g *stint.Grant) bool { return g.State.Live() || g.State == stint.GrantFailed }
