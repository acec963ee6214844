package portal

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
	"github.com/stint-dev/stint/policy"
)

// maxChoices bounds the resources the request page lists at once (the
// selected ones first); the search narrows them. It keeps the page light
// on a phone: about 20 KB of HTML.
const maxChoices = 50

// DurationChoices are the durations the request form suggests.
var DurationChoices = []string{"15m", "30m", "1h", "2h", "4h", "8h"}

type requestForm struct {
	Query     string
	Selected  []string
	Duration  string
	Reason    string
	Ticket    string
	StartsAt  string
	BreakGlas bool
}

type requestData struct {
	Form      requestForm
	Choices   []stint.Eligible
	Total     int
	Shown     int
	Durations []string
	Preview   *previewData
	Problem   string
}

type previewData struct {
	Items      []previewItem
	BreakGlass bool
}

type previewItem struct {
	ID     string
	Label  string
	Bundle bool
	Flow   *stint.Flow         // for bundles
	Exp    *policy.Explanation // for resources
	Error  string
}

func readRequestForm(r *http.Request) requestForm {
	var q url.Values
	if r.Method == http.MethodPost {
		q = r.PostForm
	} else {
		q = r.URL.Query()
	}
	f := requestForm{Query: strings.TrimSpace(q.Get("q")), Duration: strings.TrimSpace(q.Get("duration")),
		Reason: q.Get("reason"), Ticket: strings.TrimSpace(q.Get("ticket")), StartsAt: strings.TrimSpace(q.Get("starts_at")),
		BreakGlas: q.Get("break_glass") == "on"}
	for _, id := range q["resource"] {
		if id = strings.TrimSpace(id); id != "" && !contains(f.Selected, id) {
			f.Selected = append(f.Selected, id)
		}
	}
	return f
}

// choices lists what the caller may request that matches the search, with
// the selected ones first.
func (p *Portal) choices(r *http.Request, f requestForm) ([]stint.Eligible, int, error) {
	all, err := p.svc.Resources(r.Context(), callerOf(r))
	if err != nil {
		return nil, 0, err
	}
	q := strings.ToLower(f.Query)
	var sel, rest []stint.Eligible
	for _, e := range all {
		switch {
		case contains(f.Selected, e.ResourceID):
			sel = append(sel, e)
		case q == "" || strings.Contains(strings.ToLower(e.ResourceID+" "+e.AccountName+" "+e.Label+" "+e.Flow+" "+string(e.Type)), q):
			rest = append(rest, e)
		}
	}
	total := len(sel) + len(rest)
	out := append(sel, rest...)
	if len(out) > maxChoices {
		out = out[:maxChoices]
	}
	return out, total, nil
}

func (p *Portal) requestData(r *http.Request, f requestForm) (*requestData, error) {
	choices, total, err := p.choices(r, f)
	if err != nil {
		return nil, err
	}
	d := &requestData{Form: f, Choices: choices, Total: total, Shown: len(choices), Durations: DurationChoices}
	if len(f.Selected) > 0 {
		d.Preview = p.preview(r, f, choices)
	}
	return d, nil
}

func (p *Portal) requestPage(w http.ResponseWriter, r *http.Request) {
	d, err := p.requestData(r, readRequestForm(r))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "request", "Request access", d)
}

// requestPreview is the htmx answer to a change of the form: the list of
// choices for the search and who will approve the selection.
func (p *Portal) requestPreview(w http.ResponseWriter, r *http.Request) {
	d, err := p.requestData(r, readRequestForm(r))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.fragment(w, r, http.StatusOK, "request", "live", d)
}

// preview explains each selected resource: whether the caller may request
// it, through which flow, and who approves (the policy engine's
// explanation); for a bundle, its flow's approvers.
func (p *Portal) preview(r *http.Request, f requestForm, choices []stint.Eligible) *previewData {
	c, ctx := callerOf(r), r.Context()
	d, _ := stint.ParseDuration(f.Duration)
	out := &previewData{}
	var flows []stint.Flow
	for _, id := range f.Selected {
		it := previewItem{ID: id, Label: id}
		for _, e := range choices {
			if e.ResourceID == id && e.AccountName != "" {
				it.Label = e.Label + " in " + e.AccountName
			}
		}
		if rest, ok := strings.CutPrefix(id, "bundle:"); ok {
			it.Bundle, it.Label = true, "bundle "+rest
			if flows == nil {
				flows, _ = p.svc.ListFlows(ctx, c)
			}
			flowName, _, _ := strings.Cut(rest, "/")
			for i := range flows {
				if flows[i].Name == flowName {
					it.Flow = &flows[i]
				}
			}
			out.Items = append(out.Items, it)
			continue
		}
		exp, err := p.svc.Can(ctx, c, access.CanInput{Resource: id, Duration: d})
		if err != nil {
			it.Error = stint.ErrorMessage(err)
		} else {
			it.Exp = exp
			out.BreakGlass = out.BreakGlass || exp.BreakGlass
		}
		out.Items = append(out.Items, it)
	}
	return out
}

// requestSubmit files the request, or for the Search and Preview buttons
// of a page without JavaScript shows the form again with what they ask.
func (p *Portal) requestSubmit(w http.ResponseWriter, r *http.Request) {
	f := readRequestForm(r)
	if intent := r.PostFormValue("intent"); intent == "search" || intent == "preview" {
		d, err := p.requestData(r, f)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		p.render(w, r, http.StatusOK, "request", "Request access", d)
		return
	}
	in, err := submitInput(f, p.now())
	if err == nil {
		var req *stint.Request
		if req, err = p.svc.Submit(r.Context(), callerOf(r), in); err == nil {
			if r.Header.Get("HX-Request") == "true" {
				w.Header().Set("HX-Redirect", "/requests/"+req.ID+"?done=submitted")
				return
			}
			http.Redirect(w, r, "/requests/"+url.PathEscape(req.ID)+"?done=submitted", http.StatusSeeOther)
			return
		}
	}
	code := stint.ErrorCode(err)
	if code == stint.EINTERNAL || code == stint.EUNAVAILABLE {
		p.fail(w, r, err)
		return
	}
	d, derr := p.requestData(r, f)
	if derr != nil {
		p.fail(w, r, derr)
		return
	}
	d.Problem = stint.ErrorMessage(err)
	status := http.StatusBadRequest
	if code == stint.EFORBIDDEN {
		status = http.StatusForbidden
	}
	p.render(w, r, status, "request", "Request access", d)
}

// submitInput turns the form into a submission. Start times are entered
// in UTC (the form says so).
func submitInput(f requestForm, now time.Time) (access.SubmitInput, error) {
	in := access.SubmitInput{Reason: f.Reason, Ticket: f.Ticket, BreakGlass: f.BreakGlas}
	if len(f.Selected) == 0 {
		return in, stint.Errorf(stint.EINVALID, "choose what to request: tick a resource or a bundle in the list")
	}
	for _, id := range f.Selected {
		if b, ok := strings.CutPrefix(id, "bundle:"); ok {
			if in.Bundle != "" || len(f.Selected) > 1 {
				return in, stint.Errorf(stint.EINVALID, "a bundle is requested on its own; untick the other choices")
			}
			in.Bundle = b
			continue
		}
		in.Resources = append(in.Resources, access.ResourceInput{ID: id})
	}
	if f.Duration != "" {
		d, err := stint.ParseDuration(f.Duration)
		if err != nil {
			return in, stint.Errorf(stint.EINVALID, "duration %q: use e.g. 30m, 1h or 4h", f.Duration)
		}
		in.Duration = d
	}
	if f.StartsAt != "" {
		t, err := time.Parse("2006-01-02T15:04", f.StartsAt)
		if err != nil {
			return in, stint.Errorf(stint.EINVALID, "start %q: give a date and time (UTC), e.g. %s", f.StartsAt, now.UTC().Add(time.Hour).Format("2006-01-02T15:04"))
		}
		in.StartsAt = &t
	}
	return in, nil
}
