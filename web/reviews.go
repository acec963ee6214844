package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
	"github.com/stint-dev/stint/review"
)

// The access review endpoints: admins create, close and report on
// campaigns; reviewers list and decide their items.

// reviewRoutes adds the /reviews routes.
func (s *Server) reviewRoutes(r chi.Router) {
	r.Get("/reviews", s.listCampaigns)
	r.Post("/reviews", s.createCampaign)
	r.Get("/reviews/items", s.listReviewItems)
	r.Get("/reviews/items/{id}", s.getReviewItem)
	r.Post("/reviews/items/{id}/decide", s.decideReview)
	r.Get("/reviews/{id}", s.getCampaign)
	r.Post("/reviews/{id}/close", s.closeCampaign)
	r.Get("/reviews/{id}/report", s.campaignReport)
}

// CampaignBody creates a campaign.
type CampaignBody struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Accounts, PermissionSets and Types narrow the scope (stint.ReviewScope).
	Accounts       []string `json:"accounts,omitempty"`
	PermissionSets []string `json:"permission_sets,omitempty"`
	Types          []string `json:"types,omitempty"`
	Standing       bool     `json:"standing,omitempty"`
	// Scan is the discovery scan of standing access; default the latest.
	Scan string `json:"scan,omitempty"`
	JIT  bool   `json:"jit,omitempty"`
	// Window is how far back JIT looks, e.g. "30d".
	Window    string   `json:"window,omitempty"`
	Reviewers []string `json:"reviewers,omitempty"`
	// Deadline is an RFC 3339 time.
	Deadline string `json:"deadline"`
	// Reminders are durations before the deadline, e.g. ["72h", "1d"].
	Reminders       []string `json:"reminders,omitempty"`
	AutoRevoke      bool     `json:"auto_revoke,omitempty"`
	AllowSelfReview bool     `json:"allow_self_review,omitempty"`
}

// Spec checks the body and turns it into a campaign spec (the portal's
// form fills a CampaignBody too).
func (b *CampaignBody) Spec() (stint.CampaignSpec, error) { return b.input() }

func (b *CampaignBody) input() (stint.CampaignSpec, error) {
	spec := stint.CampaignSpec{Name: b.Name, Description: b.Description, Reviewers: b.Reviewers, AutoRevoke: b.AutoRevoke,
		AllowSelfReview: b.AllowSelfReview, Scope: stint.ReviewScope{Accounts: b.Accounts, PermissionSets: b.PermissionSets,
			Standing: b.Standing, Scan: strings.TrimSpace(b.Scan), JIT: b.JIT}}
	for _, t := range b.Types {
		spec.Scope.Types = append(spec.Scope.Types, stint.ResourceType(t))
	}
	if strings.TrimSpace(b.Deadline) == "" {
		return spec, stint.Errorf(stint.EINVALID, "deadline is required, an RFC 3339 time such as 2030-01-31T17:00:00Z")
	}
	var err error
	if spec.Deadline, err = time.Parse(time.RFC3339, strings.TrimSpace(b.Deadline)); err != nil {
		return spec, stint.Errorf(stint.EINVALID, "deadline %q is not an RFC 3339 time such as 2030-01-31T17:00:00Z", b.Deadline)
	}
	if b.Window != "" {
		d, err := stint.ParseDuration(b.Window)
		if err != nil {
			return spec, stint.Errorf(stint.EINVALID, "window: %s", stint.ErrorMessage(err))
		}
		spec.Scope.Window = stint.Duration(d)
	}
	for _, r := range b.Reminders {
		d, err := stint.ParseDuration(r)
		if err != nil {
			return spec, stint.Errorf(stint.EINVALID, "reminders: %s", stint.ErrorMessage(err))
		}
		spec.Reminders = append(spec.Reminders, stint.Duration(d))
	}
	return spec, nil
}

// DecisionBody decides on a review item.
type DecisionBody struct {
	// Decision is keep, revoke or convert.
	Decision string `json:"decision"`
	Comment  string `json:"comment"`
}

func (s *Server) createCampaign(w http.ResponseWriter, r *http.Request) {
	withBody[CampaignBody](s, w, r, http.StatusCreated, s.svc.CreateCampaign)
}

func (s *Server) listCampaigns(w http.ResponseWriter, r *http.Request) {
	if !s.checkQuery(w, r, "state") {
		return
	}
	states, err := access.ParseCampaignStates(listParam(r, "state"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	list, err := s.svc.Campaigns(r.Context(), caller(r), states)
	s.answer(w, r, http.StatusOK, nonNil(list), err)
}

func (s *Server) getCampaign(w http.ResponseWriter, r *http.Request) {
	if !s.checkQuery(w, r) {
		return
	}
	v, err := s.svc.Campaign(r.Context(), caller(r), chi.URLParam(r, "id"))
	if v != nil {
		v.Items = nonNil(v.Items)
	}
	s.answer(w, r, http.StatusOK, v, err)
}

func (s *Server) closeCampaign(w http.ResponseWriter, r *http.Request) {
	act(s, w, r, noBody(s.svc.CloseCampaign))
}

func (s *Server) listReviewItems(w http.ResponseWriter, r *http.Request) {
	if !s.checkQuery(w, r, "campaign", "state", "limit") {
		return
	}
	states, err := access.ParseItemStates(listParam(r, "state"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit, err := queryLimit(r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	list, err := s.svc.ReviewItems(r.Context(), caller(r), access.ReviewItemsInput{
		Campaign: strings.TrimSpace(r.URL.Query().Get("campaign")), States: states, Limit: limit})
	s.answer(w, r, http.StatusOK, nonNil(list), err)
}

func (s *Server) getReviewItem(w http.ResponseWriter, r *http.Request) {
	if !s.checkQuery(w, r) {
		return
	}
	it, err := s.svc.ReviewItem(r.Context(), caller(r), chi.URLParam(r, "id"))
	s.answer(w, r, http.StatusOK, it, err)
}

func (s *Server) decideReview(w http.ResponseWriter, r *http.Request) {
	act(s, w, r, func(ctx context.Context, c *access.Caller, id string, body DecisionBody) (*stint.ReviewItem, error) {
		return s.svc.DecideReview(ctx, c, id, stint.Decision(strings.TrimSpace(body.Decision)), body.Comment)
	})
}

// campaignReport answers the report as JSON, CSV or printable HTML.
func (s *Server) campaignReport(w http.ResponseWriter, r *http.Request) {
	if !s.checkQuery(w, r, "format") {
		return
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "csv" && format != "html" {
		s.writeError(w, r, stint.Errorf(stint.EINVALID, "format=%q must be json, csv or html", format))
		return
	}
	rep, err := s.svc.CampaignReport(r.Context(), caller(r), chi.URLParam(r, "id"))
	if err != nil || format == "" || format == "json" {
		var v any
		if rep != nil {
			v = &access.CampaignView{Campaign: rep.Campaign, Items: nonNil(rep.Items)}
		}
		s.answer(w, r, http.StatusOK, v, err)
		return
	}
	name := "stint-review-" + rep.Campaign.ID + "." + format
	write := rep.WriteCSV
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	if format == "html" {
		write = rep.WriteHTML
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", review.ReportCSP())
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.WriteHeader(http.StatusOK)
	if err := write(w); err != nil {
		s.logger(r).WarnContext(r.Context(), "write review report", "format", format, "err", err)
	}
}

// listParam returns a query parameter's values, comma-separated or
// repeated.
func listParam(r *http.Request, name string) []string {
	var out []string
	for _, v := range r.URL.Query()[name] {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}
