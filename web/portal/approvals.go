package portal

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
)

// reviewCard is one request with its context and what the viewer may do.
type reviewCard struct {
	V         *view
	Ctx       *access.ReviewContext
	MayReview bool
	Mine      bool
	Return    string
	Result    string // after an htmx review: "approved" or "denied"
}

// maxInbox bounds the requests the approvals inbox shows.
const maxInbox = 50

func (p *Portal) approvals(w http.ResponseWriter, r *http.Request) {
	c, ctx := callerOf(r), r.Context()
	pending, err := p.svc.Requests(ctx, c, access.RequestsInput{Pending: true, Limit: 500})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v := p.view(r, "approvals", "Approvals", nil)
	var cards []reviewCard
	for _, q := range pending {
		if !p.svc.MayReview(c, q) || len(cards) == maxInbox {
			continue
		}
		rc, err := p.svc.ReviewContext(ctx, c, q.ID)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		cards = append(cards, reviewCard{V: v, Ctx: rc, MayReview: true, Return: "/approvals"})
	}
	v.Data = cards
	p.execute(w, r, http.StatusOK, "approvals", "layout", v)
}

func (p *Portal) requestDetail(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	rc, err := p.svc.ReviewContext(r.Context(), c, chi.URLParam(r, "id"))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v := p.view(r, "request-detail", "Request "+rc.Request.ID, nil)
	v.Data = reviewCard{V: v, Ctx: rc, MayReview: p.svc.MayReview(c, rc.Request), Mine: rc.Request.RequesterID == c.User.ID,
		Return: "/requests/" + rc.Request.ID}
	p.execute(w, r, http.StatusOK, "request-detail", "layout", v)
}

func (p *Portal) approve(w http.ResponseWriter, r *http.Request) {
	p.review(w, r, "approved", func(c *access.Caller, id, comment string) (*stint.Request, error) {
		return p.svc.Approve(r.Context(), c, id, comment)
	})
}

func (p *Portal) deny(w http.ResponseWriter, r *http.Request) {
	p.review(w, r, "denied", func(c *access.Caller, id, comment string) (*stint.Request, error) {
		return p.svc.Deny(r.Context(), c, id, comment)
	})
}

// review approves or denies; the service refuses self-approval, other
// people's requests (404) and reviews of the wrong step.
func (p *Portal) review(w http.ResponseWriter, r *http.Request, key string,
	do func(c *access.Caller, id, comment string) (*stint.Request, error)) {
	c := callerOf(r)
	req, err := do(c, chi.URLParam(r, "id"), r.PostFormValue("comment"))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.afterPost(w, r, key, func() {
		rc, err := p.svc.ReviewContext(r.Context(), c, req.ID)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		v := p.view(r, "approvals", "", nil)
		p.execute(w, r, http.StatusOK, "approvals", "review-card", reviewCard{V: v, Ctx: rc, Result: key,
			MayReview: p.svc.MayReview(c, rc.Request), Return: localPath(r.PostFormValue("return"))})
	})
}
