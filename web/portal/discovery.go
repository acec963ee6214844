package portal

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/web"
)

// The discovery page: what `stint discover` found, for admins. The trend
// of the last scans, the chosen scan's summary and what changed since the
// one before it, and its findings filtered, paged and exported as CSV.

// trendScans is how many scans the trend shows.
const trendScans = 12

// diffShown is how many new and resolved findings the page lists.
const diffShown = 10

type discoveryData struct {
	// Filters, as given.
	Scan, Account, Principal, MinScore string
	Kinds                              []stint.FindingKind
	Kind                               string
	Severities                         []string
	Trend                              []trendRow
	// Chosen is the scan shown; nil before the first scan.
	Chosen  *stint.Scan
	Skipped []stint.ScanAccount // accounts whose IAM could not be read
	// Diff compares Chosen with the scan before it; nil for the first.
	Diff              *stint.ScanDiff
	NewShown          []stint.Finding
	ResolvedShown     []stint.Finding
	MoreNew, MoreGone int
	Findings          []stint.Finding
	Page              int
	Prev, Next        string
	Export            string
	Problem           string
}

// trendRow is one scan of the trend, with what moved since the one before.
type trendRow struct {
	S              *stint.Scan
	Chosen         bool
	Link           string
	Critical, High int
	FindingsDelta  int
	ScoreDelta     int
	First          bool // the oldest scan shown: no delta
	MaxScore       int  // of the rows shown, for the bars
}

func (p *Portal) adminDiscovery(w http.ResponseWriter, r *http.Request) {
	c, ctx, q := callerOf(r), r.Context(), r.URL.Query()
	d := &discoveryData{Scan: strings.TrimSpace(q.Get("scan")), Account: strings.TrimSpace(q.Get("account")),
		Principal: strings.TrimSpace(q.Get("principal")), MinScore: strings.TrimSpace(q.Get("min_score")),
		Kind: q.Get("kind"), Kinds: stint.FindingKinds, Severities: stint.Severities}
	d.Page, _ = strconv.Atoi(q.Get("page"))
	d.Page = max(d.Page, 1)

	scans, err := p.svc.Scans(ctx, c, trendScans+1)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if len(scans) == 0 {
		p.render(w, r, http.StatusOK, "admin-discovery", "Discovery", d)
		return
	}
	status := http.StatusOK
	in, err := web.FindingsInput(findingsQuery(q))
	if err != nil { // the rest of the page still shows
		d.Problem, status = stint.ErrorMessage(err), http.StatusBadRequest
	}
	// The chosen scan, and the one before it for the diff.
	chosen, before := 0, -1
	if d.Scan != "" && d.Scan != "latest" {
		chosen = -1
		for i, s := range scans {
			if s.ID == d.Scan {
				chosen = i
			}
		}
		if chosen < 0 { // older than the trend shows: read it alone
			s, err := p.svc.Scan(ctx, c, d.Scan, false)
			if err != nil {
				p.fail(w, r, err)
				return
			}
			scans, chosen = append(scans, s), len(scans)
		}
	}
	d.Chosen = scans[chosen]
	if chosen+1 < len(scans) && scans[chosen+1].StartedAt.Before(d.Chosen.StartedAt) {
		before = chosen + 1
	}
	for _, a := range d.Chosen.Accounts {
		if !a.Scanned {
			d.Skipped = append(d.Skipped, a)
		}
	}
	d.Trend = trend(scans[:min(len(scans), trendScans)], d.Chosen.ID, q)
	if before >= 0 {
		if d.Diff, err = p.svc.ScanDiff(ctx, c, scans[before].ID, d.Chosen.ID); err != nil {
			p.fail(w, r, err)
			return
		}
		d.NewShown, d.MoreNew = firstOf(d.Diff.New, diffShown)
		d.ResolvedShown, d.MoreGone = firstOf(d.Diff.Resolved, diffShown)
	}

	if d.Problem == "" {
		in.Scan, in.Offset, in.Limit = d.Chosen.ID, (d.Page-1)*p.cfg.PageSize, p.cfg.PageSize+1
		page, err := p.svc.Findings(ctx, c, in)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		d.Findings = page.Findings
	}
	link := func(path string, set map[string]string) string {
		v := findingsQuery(q)
		v.Set("scan", d.Chosen.ID)
		for k, s := range set {
			v.Set(k, s)
		}
		return path + "?" + v.Encode()
	}
	if len(d.Findings) > p.cfg.PageSize {
		d.Findings, d.Next = d.Findings[:p.cfg.PageSize], link("/admin/discovery", map[string]string{"page": strconv.Itoa(d.Page + 1)})
	}
	if d.Page > 1 {
		d.Prev = link("/admin/discovery", map[string]string{"page": strconv.Itoa(d.Page - 1)})
	}
	d.Export = link("/admin/discovery/export", nil)
	p.render(w, r, status, "admin-discovery", "Discovery", d)
}

// findingsQuery keeps the filters of q that select findings (not the page).
func findingsQuery(q url.Values) url.Values {
	v := url.Values{}
	for _, k := range []string{"scan", "kind", "min_score", "account", "principal"} {
		if s := strings.TrimSpace(q.Get(k)); s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// trend turns scans (newest first) into rows with the change from the
// scan before each.
func trend(scans []*stint.Scan, chosen string, q url.Values) []trendRow {
	rows := make([]trendRow, len(scans))
	top := 1
	for _, s := range scans {
		top = max(top, s.Summary.TotalScore)
	}
	for i, s := range scans {
		v := findingsQuery(q)
		v.Set("scan", s.ID)
		row := trendRow{S: s, Chosen: s.ID == chosen, Link: "/admin/discovery?" + v.Encode(), MaxScore: top,
			Critical: s.Summary.BySeverity[stint.SeverityCritical], High: s.Summary.BySeverity[stint.SeverityHigh], First: i == len(scans)-1}
		if !row.First {
			older := scans[i+1].Summary
			row.FindingsDelta = s.Summary.Findings - older.Findings
			row.ScoreDelta = s.Summary.TotalScore - older.TotalScore
		}
		rows[i] = row
	}
	return rows
}

func firstOf(fs []stint.Finding, n int) ([]stint.Finding, int) {
	if len(fs) <= n {
		return fs, 0
	}
	return fs[:n], len(fs) - n
}

// exportFindings is the most findings one export holds (the store's page
// limit); the page says so when a scan has more.
const exportFindings = 10000

// adminDiscoveryExport answers the findings matching the filters as CSV.
func (p *Portal) adminDiscoveryExport(w http.ResponseWriter, r *http.Request) {
	in, err := web.FindingsInput(findingsQuery(r.URL.Query()))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	in.Offset, in.Limit = 0, exportFindings
	page, err := p.svc.Findings(r.Context(), callerOf(r), in)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="stint-findings-`+page.ScanID+`.csv"`)
	h.Set("Cache-Control", "no-store")
	if err := stint.WriteFindingsCSV(w, page.ScanID, page.Findings); err != nil {
		p.logger(r).Warn("write findings CSV", "err", err)
	}
}

// signed formats a change with its sign ("+3", "-2", "0").
func signed(n int) string {
	if n > 0 {
		return "+" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
