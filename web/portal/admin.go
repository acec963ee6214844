package portal

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
	"github.com/stint-dev/stint/audit"
	"github.com/stint-dev/stint/policy"
)

// GrantStates are the states the admin grants filter offers.
var GrantStates = []stint.GrantState{stint.GrantReady, stint.GrantScheduled, stint.GrantActivating, stint.GrantActive,
	stint.GrantRevoking, stint.GrantEnded, stint.GrantFailed}

type adminGrantsData struct {
	User, State, Resource string
	States                []stint.GrantState
	Rows                  []grantRow
	Page                  int
	Prev, Next            string // URLs, "" when none
}

func (p *Portal) adminGrants(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := &adminGrantsData{User: strings.TrimSpace(q.Get("user")), State: q.Get("state"), Resource: strings.TrimSpace(q.Get("resource")),
		States: GrantStates}
	d.Page, _ = strconv.Atoi(q.Get("page"))
	d.Page = max(d.Page, 1)
	in := access.GrantsInput{All: true, User: d.User, Resource: d.Resource, Offset: (d.Page - 1) * p.cfg.PageSize, Limit: p.cfg.PageSize + 1}
	if d.State != "" {
		if !slices.Contains(GrantStates, stint.GrantState(d.State)) {
			p.errorPage(w, r, http.StatusBadRequest, "Unknown grant state "+strconv.Quote(d.State)+".")
			return
		}
		in.States = []stint.GrantState{stint.GrantState(d.State)}
	}
	grants, err := p.svc.Grants(r.Context(), callerOf(r), in)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	page := func(n int) string {
		v := url.Values{}
		for k, s := range map[string]string{"user": d.User, "state": d.State, "resource": d.Resource} {
			if s != "" {
				v.Set(k, s)
			}
		}
		v.Set("page", strconv.Itoa(n))
		return "/admin/grants?" + v.Encode()
	}
	if len(grants) > p.cfg.PageSize {
		grants, d.Next = grants[:p.cfg.PageSize], page(d.Page+1)
	}
	if d.Page > 1 {
		d.Prev = page(d.Page - 1)
	}
	v := p.view(r, "admin-grants", "All grants", d)
	here := r.URL.RequestURI()
	for _, g := range grants {
		d.Rows = append(d.Rows, grantRow{V: v, G: g, Return: here, Admin: true})
	}
	p.execute(w, r, http.StatusOK, "admin-grants", "layout", v)
}

type adminFlowsData struct {
	Flows    []flowView
	Resource string
	WhoCan   []policy.WhoCan
	Asked    bool
	Problem  string
}

type flowView struct {
	Flow      stint.Flow
	Resources []string // each selector as compact JSON
	Steps     []stint.ApprovalStep
}

func (p *Portal) adminFlows(w http.ResponseWriter, r *http.Request) {
	c, ctx := callerOf(r), r.Context()
	flows, err := p.svc.ListFlows(ctx, c)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d := &adminFlowsData{Resource: strings.TrimSpace(r.URL.Query().Get("resource"))}
	for _, f := range flows {
		fv := flowView{Flow: f, Steps: f.ApprovalSteps}
		if len(fv.Steps) == 0 && len(f.Approvers) > 0 {
			fv.Steps = []stint.ApprovalStep{{Name: "approval", Approvers: f.Approvers, Quorum: 1}}
		}
		for _, res := range f.Resources {
			b, _ := json.Marshal(res)
			fv.Resources = append(fv.Resources, string(b))
		}
		d.Flows = append(d.Flows, fv)
	}
	status := http.StatusOK
	if d.Resource != "" {
		d.Asked = true
		if d.WhoCan, err = p.svc.WhoCan(ctx, c, access.ResourceInput{ID: d.Resource}); err != nil {
			if stint.ErrorCode(err) == stint.EINTERNAL {
				p.fail(w, r, err)
				return
			}
			d.Problem, status = stint.ErrorMessage(err), http.StatusBadRequest
		}
	}
	p.render(w, r, status, "admin-flows", "Flows", d)
}

type auditData struct {
	Actor, Text, Type, Since, Until    string
	Subject, Resource, Account, Flow   string
	Events                             []*stint.Event
	Older                              string
	ExportCSV, ExportJSONL, ExportOCSF string
	Types                              []string
	Problem                            string
}

// EventTypes are the types the audit filter offers.
var EventTypes = []string{
	stint.EventRequestCreated, stint.EventRequestApproved, stint.EventRequestReviewed, stint.EventRequestDenied,
	stint.EventRequestCancelled, stint.EventRequestExpired, stint.EventBreakGlass, stint.EventGrantScheduled, stint.EventGrantReady,
	stint.EventGrantActivating, stint.EventGrantActive, stint.EventGrantExtended, stint.EventGrantRevoking, stint.EventGrantEnded,
	stint.EventGrantFailed, stint.EventGrantRetried, stint.EventEffectCreated, stint.EventEffectAdopted, stint.EventEffectDeleted,
	stint.EventEffectKept, stint.EventReconcileFixed, stint.EventTokenCreated, stint.EventDirectorySynced, stint.EventConfigLoaded,
	stint.EventConfigReloaded, stint.EventConfigRejected, stint.EventIdentityApplied, stint.EventIdentityDrift,
	stint.EventSignedIn, stint.EventSignedOut, stint.EventSignInRefused, stint.EventLocalSignIn, stint.EventLocalSignInFailed,
	stint.EventLocalLockedOut, stint.EventAuditPruned, stint.EventWeeklyReport,
	"request.*", "grant.*", "effect.*", "auth.*", "config.*", "identity.*", "audit.*",
}

// auditInput reads the audit filters; times are dates or date-times in UTC.
func auditInput(q url.Values) (access.EventsInput, *auditData, error) {
	d := &auditData{Actor: strings.TrimSpace(q.Get("actor")), Text: strings.TrimSpace(q.Get("text")), Type: q.Get("type"),
		Since: strings.TrimSpace(q.Get("since")), Until: strings.TrimSpace(q.Get("until")), Types: EventTypes,
		Subject: strings.TrimSpace(q.Get("subject")), Resource: strings.TrimSpace(q.Get("resource")),
		Account: strings.TrimSpace(q.Get("account")), Flow: strings.TrimSpace(q.Get("flow"))}
	in := access.EventsInput{Actor: d.Actor, Text: d.Text, Type: d.Type, BeforeID: q.Get("before"),
		Subject: d.Subject, Resource: d.Resource, Account: d.Account, Flow: d.Flow}
	var err error
	if in.Since, err = parseWhen(d.Since); err != nil {
		return in, d, err
	}
	if in.Until, err = parseWhen(d.Until); err != nil {
		return in, d, err
	}
	return in, d, nil
}

func parseWhen(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, stint.Errorf(stint.EINVALID, "time %q: give a date (2025-06-02) or a date and time in UTC (2025-06-02T09:30)", s)
}

func (p *Portal) adminAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	in, d, err := auditInput(q)
	if err != nil {
		d.Problem = stint.ErrorMessage(err)
		p.render(w, r, http.StatusBadRequest, "admin-audit", "Audit log", d)
		return
	}
	in.Limit = p.cfg.PageSize + 1
	evs, err := p.svc.Events(r.Context(), callerOf(r), in)
	if stint.IsCode(err, stint.EINVALID) || stint.IsCode(err, stint.ENOTFOUND) {
		d.Problem = stint.ErrorMessage(err) // a bad resource ID, an unknown account
		p.render(w, r, http.StatusBadRequest, "admin-audit", "Audit log", d)
		return
	}
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if len(evs) > p.cfg.PageSize {
		evs = evs[1:]
		older := cloneValues(q)
		older.Set("before", evs[0].ID)
		d.Older = "/admin/audit?" + older.Encode()
	}
	slices.Reverse(evs)
	d.Events = evs
	exp := cloneValues(q)
	exp.Del("before")
	exp.Set("format", "csv")
	d.ExportCSV = "/admin/audit/export?" + exp.Encode()
	exp.Set("format", "jsonl")
	d.ExportJSONL = "/admin/audit/export?" + exp.Encode()
	exp.Set("format", "ocsf")
	d.ExportOCSF = "/admin/audit/export?" + exp.Encode()
	p.render(w, r, http.StatusOK, "admin-audit", "Audit log", d)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		if k != "done" {
			out[k] = slices.Clone(vs)
		}
	}
	return out
}

// adminAuditExport streams the events matching the filters, oldest first,
// as CSV, JSON lines or OCSF JSON lines, a page at a time: memory stays
// flat whatever the log's size.
func (p *Portal) adminAuditExport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	in, _, err := auditInput(q)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	format, err := audit.ParseFormat(q.Get("format"))
	if err != nil || q.Get("format") == "" {
		p.errorPage(w, r, http.StatusBadRequest, "Choose format=csv, format=jsonl or format=ocsf.")
		return
	}
	in.BeforeID, in.Oldest, in.Limit = "", true, audit.ExportPage
	c, ctx := callerOf(r), r.Context()
	first, err := p.svc.Events(ctx, c, in)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	name := "stint-audit-" + p.now().UTC().Format("20060102T150405Z") + "." + format.Ext()
	h := w.Header()
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", format.ContentType())
	rc := http.NewResponseController(w)
	_, err = audit.Export(ctx, audit.NewEncoder(w, format, p.svc.EventSubjects()), func(after string) ([]*stint.Event, error) {
		if after == "" {
			return first, nil
		}
		in.AfterID = after
		return p.svc.Events(ctx, c, in)
	}, func() { _ = rc.Flush() })
	if err != nil {
		p.logger(r).Error("audit export stopped", "err", err)
		panic(http.ErrAbortHandler) // a cut download must not look whole
	}
}

type healthData struct {
	H           *access.Health
	DriftCounts map[string]any
	DriftActs   []any
	DriftNotes  []any
	Drift       bool
}

func (p *Portal) adminHealth(w http.ResponseWriter, r *http.Request) {
	h, err := p.svc.Health(r.Context(), callerOf(r))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d := &healthData{H: h}
	if h.Drift != nil {
		d.Drift, _ = h.Drift.Data["drift"].(bool)
		d.DriftCounts, _ = h.Drift.Data["counts"].(map[string]any)
		d.DriftActs, _ = h.Drift.Data["actions"].([]any)
		d.DriftNotes, _ = h.Drift.Data["notes"].([]any)
	}
	p.render(w, r, http.StatusOK, "admin-health", "Health and drift", d)
}
