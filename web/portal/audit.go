package portal

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
	"github.com/stint-dev/stint/audit"
)

// accessData is the access history page: who had a resource, or what a
// user could reach, in a window.
type accessData struct {
	Resource, User, On, From, To string
	Asked, ByResource            bool
	Report                       *stint.AccessReport
	Rows                         []accessRow
	Problem                      string
}

// accessRow is one grant of an answer, ready to show.
type accessRow struct {
	Who         string // the user (who-had) or the resource (reach)
	Grant       *stint.Grant
	From, Until time.Time
	Open        bool
	Request     *stint.Request
	Approvals   []stint.Review
	Extensions  []stint.GrantExtension
	Ended       string
}

func (p *Portal) adminAccess(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := &accessData{Resource: strings.TrimSpace(q.Get("resource")), User: strings.TrimSpace(q.Get("user")),
		On: strings.TrimSpace(q.Get("on")), From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to"))}
	if d.Resource == "" && d.User == "" {
		p.render(w, r, http.StatusOK, "admin-access", "Access history", d)
		return
	}
	d.Asked, d.ByResource = true, d.Resource != ""
	rep, err := p.askAccess(r, d)
	switch {
	case stint.IsCode(err, stint.EINVALID) || stint.IsCode(err, stint.ENOTFOUND):
		d.Problem = stint.ErrorMessage(err)
		p.render(w, r, http.StatusBadRequest, "admin-access", "Access history", d)
		return
	case err != nil:
		p.fail(w, r, err)
		return
	}
	d.Report = rep
	for _, rec := range rep.Records {
		row := accessRow{Who: rec.Grant.ResourceID, Grant: rec.Grant, From: rec.From, Until: rec.Until, Open: rec.Open,
			Request: rec.Request, Extensions: rec.Extensions, Ended: endedHow(rec.Grant)}
		if d.ByResource {
			row.Who = rec.Grant.UserEmail
		}
		if rec.Request != nil {
			for _, rv := range rec.Request.Reviews {
				if rv.Decision == "approve" {
					row.Approvals = append(row.Approvals, rv)
				}
			}
		}
		d.Rows = append(d.Rows, row)
	}
	p.render(w, r, http.StatusOK, "admin-access", "Access history", d)
}

// askAccess asks the service the page's question.
func (p *Portal) askAccess(r *http.Request, d *accessData) (*stint.AccessReport, error) {
	in := access.AccessInput{Resource: d.Resource, User: d.User}
	if d.Resource != "" && d.User != "" {
		return nil, stint.Errorf(stint.EINVALID, "ask about a resource or a user, not both")
	}
	if d.On != "" {
		if d.From != "" || d.To != "" {
			return nil, stint.Errorf(stint.EINVALID, "give a day, or a start and an end, not both")
		}
		day, err := time.Parse("2006-01-02", d.On)
		if err != nil {
			return nil, stint.Errorf(stint.EINVALID, "day %q: give a date such as 2025-06-02", d.On)
		}
		in.From, in.Until = day, day.AddDate(0, 0, 1)
	} else {
		var err error
		if in.From, err = parseWhen(d.From); err != nil {
			return nil, err
		}
		if in.Until, err = parseWhen(d.To); err != nil {
			return nil, err
		}
	}
	if d.ByResource {
		return p.svc.WhoHad(r.Context(), callerOf(r), in)
	}
	return p.svc.Reach(r.Context(), callerOf(r), in)
}

func endedHow(g *stint.Grant) string {
	switch {
	case g.State != stint.GrantEnded:
		return string(g.State)
	case g.RevokedBy != "":
		return "revoked by " + g.RevokedBy
	}
	return g.EndReason
}

// reportData is the audit report page.
type reportData struct {
	Week, WeekEnd   string // the week's Monday and the next, as dates
	Prev, Next      string
	S               *stint.Summary
	ExportCSV, JSON string
	Problem         string
	Requests        []reportCount
	FlowsWithGrants int
}

type reportCount struct {
	Name  string
	Count int
}

// reportWeek reads ?week=DATE (its week), default the last whole week.
func (p *Portal) reportWeek(q url.Values) (from, until time.Time, err error) {
	if v := strings.TrimSpace(q.Get("week")); v != "" {
		day, err := time.Parse("2006-01-02", v)
		if err != nil {
			return from, until, stint.Errorf(stint.EINVALID, "week %q: give a date such as 2025-06-02", v)
		}
		from, until = audit.Week(day)
		return from, until, nil
	}
	from, until = audit.LastWeek(p.now())
	return from, until, nil
}

func (p *Portal) adminReport(w http.ResponseWriter, r *http.Request) {
	d := &reportData{}
	from, until, err := p.reportWeek(r.URL.Query())
	if err != nil {
		d.Problem = stint.ErrorMessage(err)
		p.render(w, r, http.StatusBadRequest, "admin-report", "Audit report", d)
		return
	}
	s, err := p.svc.Report(r.Context(), callerOf(r), from, until)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	week := from.Format("2006-01-02")
	d.Week, d.WeekEnd, d.S = week, until.Format("2006-01-02"), s
	d.Prev = "/admin/report?week=" + from.AddDate(0, 0, -7).Format("2006-01-02")
	if !until.After(p.now()) {
		d.Next = "/admin/report?week=" + until.Format("2006-01-02")
	}
	d.ExportCSV, d.JSON = "/admin/report/export?format=csv&week="+week, "/admin/report/export?format=json&week="+week
	rc := s.Requests
	d.Requests = []reportCount{{"submitted", rc.Submitted}, {"approved", rc.Approved}, {"denied", rc.Denied},
		{"expired", rc.Expired}, {"cancelled", rc.Cancelled}, {"break-glass", rc.BreakGlass}}
	p.render(w, r, http.StatusOK, "admin-report", "Audit report", d)
}

// adminReportExport downloads the report as CSV or JSON.
func (p *Portal) adminReportExport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	format := q.Get("format")
	if format != "csv" && format != "json" {
		p.errorPage(w, r, http.StatusBadRequest, "Choose format=csv or format=json.")
		return
	}
	from, until, err := p.reportWeek(q)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	s, err := p.svc.Report(r.Context(), callerOf(r), from, until)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Disposition", `attachment; filename="stint-report-`+from.Format("2006-01-02")+`.`+format+`"`)
	h.Set("Cache-Control", "no-store")
	if format == "csv" {
		h.Set("Content-Type", "text/csv; charset=utf-8")
		_ = audit.WriteReportCSV(w, s)
		return
	}
	h.Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(s)
}
