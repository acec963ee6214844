package review

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/stint-dev/stint"
)

// Report is a campaign's record for auditors: every item with its
// decision, who made it and when, the comment, and what was done in AWS.
type Report struct {
	Campaign *stint.Campaign
	Items    []*stint.ReviewItem
	// Grants are the current state of grant items' grants, by ID.
	Grants      map[string]*stint.Grant
	GeneratedAt time.Time
	GeneratedBy string
}

// CSVHeader names the report's CSV columns.
var CSVHeader = []string{"campaign_id", "campaign", "item_id", "source", "principal_type", "principal", "user_email",
	"resource_id", "account_id", "account_name", "permission_set", "resource_name", "access", "grant_id", "reviewers",
	"reviewer_rule", "state", "decision", "auto_revoked", "decided_by", "decided_at", "comment", "outcome", "aws_error",
	"attempts", "executed_at", "grant_state_now"}

// WriteCSV writes one row per item, after CSVHeader. Cells that a
// spreadsheet would run as a formula (starting with =, +, - or @) are
// prefixed with a quote.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	c := r.Campaign
	for _, it := range r.Items {
		row := []string{c.ID, c.Name, it.ID, string(it.Source), it.PrincipalType, it.Principal, it.UserEmail,
			it.ResourceID, it.AccountID, it.AccountName, it.PermissionSet, it.Name, string(it.Access), it.GrantID,
			strings.Join(it.Reviewers, " "), it.ReviewerRule, string(it.State), string(it.Decision), strconv.FormatBool(it.Auto),
			it.DecidedBy, when(it.DecidedAt), it.Comment, it.Outcome, it.Error, strconv.Itoa(it.Attempts), when(it.ExecutedAt),
			r.grantNow(it)}
		for i, cell := range row {
			row[i] = safeCell(cell)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func when(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// grantNow describes a grant item's grant as it is now.
func (r *Report) grantNow(it *stint.ReviewItem) string {
	g := r.Grants[it.GrantID]
	if g == nil {
		return ""
	}
	if g.State == stint.GrantEnded {
		return "ended (" + g.EndReason + ") " + when(g.EndedAt)
	}
	if g.LastError != "" {
		return string(g.State) + ": " + g.LastError
	}
	return string(g.State)
}

// WriteHTML writes the report as a page to print (or save as PDF).
func (r *Report) WriteHTML(w io.Writer) error {
	counts := r.Campaign.Counts
	if counts == nil {
		counts = stint.CountItems(r.Items)
	}
	return reportPage.Execute(w, map[string]any{"R": r, "C": r.Campaign, "Counts": counts, "CSS": template.CSS(reportCSS)})
}

// reportCSS is the printable report's style sheet, inline so that the file
// stands alone.
const reportCSS = `body { font-family: system-ui, sans-serif; font-size: 12px; margin: 2em; color: #111; }
h1 { font-size: 20px; margin-bottom: 0.2em; }
table { border-collapse: collapse; width: 100%; margin-top: 1em; }
th, td { border: 1px solid #999; padding: 3px 5px; text-align: left; vertical-align: top; }
th { background: #eee; }
dl { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; }
dt { font-weight: 600; }
.revoke, .convert { color: #a00; } .keep { color: #060; }
.small { color: #555; font-size: 11px; }
@media print { body { margin: 0; font-size: 10px; } tr { page-break-inside: avoid; } thead { display: table-header-group; } }
`

// ReportCSP is the Content-Security-Policy to serve the HTML report with:
// nothing but its own inline style sheet (by hash), no script, no framing.
func ReportCSP() string {
	sum := sha256.Sum256([]byte(reportCSS))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
}

var reportPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"when":     when,
	"grantNow": func(r *Report, it *stint.ReviewItem) string { return r.grantNow(it) },
	"join":     strings.Join,
	"utc":      func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Access review: {{.C.Name}}</title>
<style>{{.CSS}}</style>
</head>
<body>
<h1>Access review: {{.C.Name}}</h1>
{{with .C.Description}}<p>{{.}}</p>{{end}}
<dl>
<dt>Campaign</dt><dd>{{.C.ID}}</dd>
<dt>State</dt><dd>{{.C.State}}{{with .C.ClosedAt}}, closed {{when .}}{{end}}{{with .C.ClosedBy}} by {{.}}{{end}}</dd>
<dt>Created</dt><dd>{{utc .C.CreatedAt}} by {{.C.CreatedBy}}</dd>
<dt>Deadline</dt><dd>{{utc .C.Deadline}}{{if .C.AutoRevoke}} (undecided items auto-revoked){{end}}</dd>
<dt>Scope</dt><dd>{{if .C.Scope.Standing}}standing access (scan {{.C.ScanID}}){{end}}{{if and .C.Scope.Standing .C.Scope.JIT}}; {{end}}{{if .C.Scope.JIT}}grants live or held in the last {{.C.Scope.Window}}{{end}}{{with .C.Scope.Accounts}}; accounts {{join . ", "}}{{end}}{{with .C.Scope.PermissionSets}}; permission sets {{join . ", "}}{{end}}</dd>
<dt>Reviewers</dt><dd>{{join .C.Reviewers ", "}}{{if .C.AllowSelfReview}} (self-review allowed){{else}} (no self-review){{end}}</dd>
<dt>Items</dt><dd>{{.Counts.Items}}: {{.Counts.Kept}} kept, {{.Counts.Revoked}} revoked, {{.Counts.Converted}} converted to just-in-time, {{.Counts.Pending}} pending, {{.Counts.Undecided}} undecided, {{.Counts.InProgress}} in progress{{if .Counts.Failing}} ({{.Counts.Failing}} failing){{end}}</dd>
<dt>Generated</dt><dd>{{utc .R.GeneratedAt}}{{with .R.GeneratedBy}} by {{.}}{{end}}</dd>
</dl>
<table>
<thead><tr><th>#</th><th>Who</th><th>Access</th><th>Source</th><th>Reviewers</th><th>Decision</th><th>Decided by, when</th><th>Comment</th><th>Outcome in AWS</th></tr></thead>
<tbody>
{{range $i, $it := .R.Items}}<tr>
<td>{{$i}}</td>
<td>{{$it.Principal}}<div class="small">{{$it.PrincipalType}}</div></td>
<td>{{if $it.PermissionSet}}{{$it.PermissionSet}}{{else}}{{$it.Type}} {{$it.Name}}{{end}} in {{$it.AccountName}} ({{$it.AccountID}}){{with $it.Access}}<div class="small">{{.}} access</div>{{end}}</td>
<td>{{$it.Source}}{{with $it.GrantID}}<div class="small">grant {{.}}</div>{{end}}</td>
<td>{{join $it.Reviewers ", "}}<div class="small">{{$it.ReviewerRule}}</div></td>
<td class="{{$it.Decision}}">{{if $it.Decision}}{{$it.Decision}}{{if $it.Auto}} (auto){{end}}{{else}}{{$it.State}}{{end}}</td>
<td>{{$it.DecidedBy}}<div class="small">{{when $it.DecidedAt}}</div></td>
<td>{{$it.Comment}}</td>
<td>{{$it.Outcome}}{{with $it.Error}}<div class="revoke">error (attempt {{$it.Attempts}}): {{.}}</div>{{end}}{{with grantNow $.R $it}}<div class="small">grant now: {{.}}</div>{{end}}{{with $it.ExecutedAt}}<div class="small">{{when .}}</div>{{end}}</td>
</tr>
{{end}}</tbody>
</table>
</body>
</html>
`))
