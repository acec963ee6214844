package portal

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
	"github.com/stint-dev/stint/review"
	"github.com/stint-dev/stint/web"
)

// The access reviews pages: the items the signed-in person reviews, with a
// decision form each (keep, revoke, convert to just-in-time, with a
// comment), and for admins the campaigns with their reports.

// maxReviewItems bounds the items the page lists.
const maxReviewItems = 200

type reviewsData struct {
	// Pending are the items waiting for the viewer's decision, by
	// campaign deadline.
	Pending []itemCard
	// Decided are the viewer's items already decided and still being
	// carried out, or done.
	Decided   []itemCard
	Campaigns []*stint.Campaign // admins: every campaign
	Admin     bool
}

// itemCard is one review item and its campaign.
type itemCard struct {
	V        *view
	It       *stint.ReviewItem
	Campaign *stint.Campaign
	Result   string // after an htmx decision
}

func (p *Portal) reviewsPage(w http.ResponseWriter, r *http.Request) {
	c, ctx := callerOf(r), r.Context()
	camps, err := p.svc.Campaigns(ctx, c, nil)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	byID := map[string]*stint.Campaign{}
	for _, camp := range camps {
		byID[camp.ID] = camp
	}
	items, err := p.svc.ReviewItems(ctx, c, access.ReviewItemsInput{Limit: maxReviewItems})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v := p.view(r, "reviews", "Access reviews", nil)
	d := &reviewsData{Admin: c.Admin}
	if c.Admin {
		d.Campaigns = camps
	}
	for _, it := range items {
		card := itemCard{V: v, It: it, Campaign: byID[it.CampaignID]}
		if card.Campaign == nil {
			continue
		}
		if it.State == stint.ItemPending && card.Campaign.State == stint.CampaignOpen {
			d.Pending = append(d.Pending, card)
		} else {
			d.Decided = append(d.Decided, card)
		}
	}
	// Soonest deadline first; the store lists items in creation order.
	slices.SortStableFunc(d.Pending, func(a, b itemCard) int { return a.Campaign.Deadline.Compare(b.Campaign.Deadline) })
	v.Data = d
	p.execute(w, r, http.StatusOK, "reviews", "layout", v)
}

// decideReview records a decision; the service refuses people who are not
// the item's reviewers (404), self-review, a missing comment, a second
// decision and closed campaigns.
func (p *Portal) decideReview(w http.ResponseWriter, r *http.Request) {
	c, ctx := callerOf(r), r.Context()
	decision := stint.Decision(strings.TrimSpace(r.PostFormValue("decision")))
	it, err := p.svc.DecideReview(ctx, c, chi.URLParam(r, "id"), decision, r.PostFormValue("comment"))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.afterPost(w, r, "decided", func() {
		camp, err := p.svc.Campaign(ctx, c, it.CampaignID)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		v := p.view(r, "reviews", "", nil)
		p.execute(w, r, http.StatusOK, "reviews", "item-card", itemCard{V: v, It: it, Campaign: camp.Campaign, Result: string(it.Decision)})
	})
}

// campaignReport answers a campaign's report for auditors: printable HTML
// (with a policy that allows its own inline style only) or CSV.
func (p *Portal) campaignReport(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	if format != "html" && format != "csv" {
		p.errorPage(w, r, http.StatusBadRequest, "Choose format=html or format=csv.")
		return
	}
	rep, err := p.svc.CampaignReport(r.Context(), callerOf(r), chi.URLParam(r, "id"))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	write := rep.WriteCSV
	if format == "html" {
		write = rep.WriteHTML
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", review.ReportCSP())
	} else {
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="stint-review-`+rep.Campaign.ID+`.csv"`)
	}
	if err := write(w); err != nil {
		p.logger(r).Warn("write review report", "format", format, "err", err)
	}
}

// campaignForm is the new-campaign form as typed, shown again with the
// problem when the service refuses it.
type campaignForm struct {
	Name, Description                     string
	Standing, JIT, AutoRevoke, SelfReview bool
	Accounts, PermissionSets, Reviewers   string
	Window, Deadline, Reminders           string
	Types                                 []string
	AllTypes                              []stint.ResourceType
	Problem                               string
}

func newCampaignForm() campaignForm {
	return campaignForm{Standing: true, Reviewers: "owner, manager", Window: "30d", Deadline: "14d", Reminders: "72h, 24h",
		AllTypes: stint.ResourceTypes}
}

func readCampaignForm(r *http.Request) campaignForm {
	f := newCampaignForm()
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f.Name, f.Description = v("name"), v("description")
	f.Standing, f.JIT = v("standing") == "on", v("jit") == "on"
	f.AutoRevoke, f.SelfReview = v("auto_revoke") == "on", v("allow_self_review") == "on"
	f.Accounts, f.PermissionSets, f.Reviewers = v("accounts"), v("permission_sets"), v("reviewers")
	f.Window, f.Deadline, f.Reminders = v("window"), v("deadline"), v("reminders")
	f.Types = r.PostForm["types"]
	return f
}

// splitList splits a field of comma- or space-separated values.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

// body turns the form into the API's body: the deadline is a duration from
// now ("14d") or a date and time (the browser's datetime-local, read as
// UTC, or RFC 3339).
func (f campaignForm) body(now time.Time) (*web.CampaignBody, error) {
	b := &web.CampaignBody{Name: f.Name, Description: f.Description, Standing: f.Standing, JIT: f.JIT, Window: f.Window,
		Accounts: splitList(f.Accounts), PermissionSets: splitList(f.PermissionSets), Reviewers: splitList(f.Reviewers),
		Reminders: splitList(f.Reminders), Types: f.Types, AutoRevoke: f.AutoRevoke, AllowSelfReview: f.SelfReview}
	dl := f.Deadline
	if dl == "" {
		return nil, stint.Errorf(stint.EINVALID, "give a deadline: a duration from now such as 14d, or a date and time")
	}
	if d, err := stint.ParseDuration(dl); err == nil {
		b.Deadline = now.Add(d).UTC().Format(time.RFC3339)
	} else if t, err := time.Parse("2006-01-02T15:04", dl); err == nil {
		b.Deadline = t.UTC().Format(time.RFC3339)
	} else {
		b.Deadline = dl // RFC 3339, or the API's error
	}
	return b, nil
}

func (p *Portal) newCampaignPage(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, http.StatusOK, "admin-review-new", "New access review", newCampaignForm())
}

// createCampaign creates a campaign from the admins' form; a refusal (a
// bad field, a scope that matches nothing, items nobody can review, no
// discovery scan) shows the form again with the reason.
func (p *Portal) createCampaign(w http.ResponseWriter, r *http.Request) {
	f := readCampaignForm(r)
	b, err := f.body(p.now())
	var spec stint.CampaignSpec
	if err == nil {
		spec, err = b.Spec()
	}
	if err == nil {
		if _, err = p.svc.CreateCampaign(r.Context(), callerOf(r), spec); err == nil {
			p.afterPost(w, r, "campaign", nil)
			return
		}
	}
	code := stint.ErrorCode(err)
	if code != stint.EINVALID && code != stint.ENOTFOUND {
		p.fail(w, r, err)
		return
	}
	f.Problem = stint.ErrorMessage(err)
	p.render(w, r, http.StatusBadRequest, "admin-review-new", "New access review", f)
}

// closeCampaign closes an open campaign early (admins).
func (p *Portal) closeCampaign(w http.ResponseWriter, r *http.Request) {
	if _, err := p.svc.CloseCampaign(r.Context(), callerOf(r), chi.URLParam(r, "id")); err != nil {
		p.fail(w, r, err)
		return
	}
	p.afterPost(w, r, "closed", nil)
}
