package portal

import (
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
	"github.com/stint-dev/stint/review"
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
