package portal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/web"
)

// pageTemplate is one page: the layout, the shared partials and the page.
type pageTemplate struct{ t *template.Template }

// view is what every template gets.
type view struct {
	Title      string
	Page       string
	User       *stint.User
	Admin      bool
	BreakGlass bool // signed in with the break-glass login
	External   bool // an external (third-party) user's session
	CSRF       string
	Now        time.Time
	Done       string
	Data       any
}

// done are the confirmations a redirect after a POST may show (?done=);
// fixed texts, so nothing from the URL is echoed.
var done = map[string]string{
	"submitted":   "Request submitted.",
	"approved":    "Approved.",
	"denied":      "Denied.",
	"cancelled":   "Request cancelled.",
	"revoked":     "Revoked: the access is being removed in AWS.",
	"extended":    "Extended.",
	"activated":   "Activated: the access is being set up in AWS.",
	"decided":     "Decision recorded; a revocation is carried out in AWS and audited.",
	"ext-revoked": "Revoked: no new credentials are issued for it, and those issued are cut off.",
	"campaign":    "Campaign created; its reviewers find their items under Reviews.",
	"closed":      "Campaign closed; undecided items are revoked if it auto-revokes.",
}

func parsePages(a *assets) map[string]*pageTemplate {
	funcs := template.FuncMap{
		"asset":         a.url,
		"when":          formatTime,
		"iso":           func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"left":          timeLeft,
		"dur":           func(d stint.Duration) string { return stint.FormatDuration(time.Duration(d)) },
		"join":          strings.Join,
		"lower":         strings.ToLower,
		"add":           func(a, b int) int { return a + b },
		"has":           func(list []string, v string) bool { return contains(list, v) },
		"present":       func(s *string) string { return deref(s) },
		"label":         func(r stint.ResourceRef) string { return r.Label() },
		"steps":         stepSummary,
		"live":          live,
		"extendChoices": func() []string { return ExtendChoices },
		"value":         value,
		"signed":        signed,
	}
	base := template.Must(template.New("base").Funcs(funcs).ParseFS(embedded, "templates/layout.html", "templates/partials.html"))
	names, err := fs.Glob(embedded, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*pageTemplate{}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" || name == "partials" {
			continue
		}
		t := template.Must(template.Must(base.Clone()).ParseFS(embedded, n))
		out[name] = &pageTemplate{t: t}
	}
	return out
}

func (p *Portal) view(r *http.Request, page, title string, data any) *view {
	v := &view{Title: title, Page: page, Now: p.now(), Data: data, Done: done[r.URL.Query().Get("done")]}
	if cur := sessionOf(r); cur != nil {
		v.CSRF = cur.s.CSRF
		v.BreakGlass = cur.s.Method == stint.SessionLocal
		v.External = cur.s.Method == stint.SessionExternal
	}
	if c := callerOf(r); c != nil {
		v.User, v.Admin = c.User, c.Admin
	}
	return v
}

// render answers with a whole page.
func (p *Portal) render(w http.ResponseWriter, r *http.Request, status int, page, title string, data any) {
	p.execute(w, r, status, page, "layout", p.view(r, page, title, data))
}

// fragment answers with one named template of a page (htmx swaps).
func (p *Portal) fragment(w http.ResponseWriter, r *http.Request, status int, page, name string, data any) {
	p.execute(w, r, status, page, name, p.view(r, page, "", data))
}

// execute runs the page's template name on root (a *view, or a fragment's
// own data that carries one).
func (p *Portal) execute(w http.ResponseWriter, r *http.Request, status int, page, name string, root any) {
	pt, ok := p.pages[page]
	if !ok {
		panic("portal: no page template " + page)
	}
	var buf bytes.Buffer
	if err := pt.t.ExecuteTemplate(&buf, name, root); err != nil {
		p.logger(r).Error("render page", slog.String("page", page), slog.Any("err", err))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// errorPage answers with a message: a page, or for htmx an alert swapped
// into the page's message area.
func (p *Portal) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	d := errorData{Status: status, StatusText: http.StatusText(status), Message: msg}
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Retarget", "#messages")
		w.Header().Set("HX-Reswap", "innerHTML")
		p.fragment(w, r, status, "error", "alert", d)
		return
	}
	p.render(w, r, status, "error", d.StatusText, d)
}

type errorData struct {
	Status     int
	StatusText string
	Message    string
}

// fail answers with the error's status (the API's table) and its message;
// internal errors are logged and answered without details.
func (p *Portal) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := stint.ErrorCode(err)
	status := web.StatusOf(code)
	msg := stint.ErrorMessage(err)
	switch code {
	case stint.EINTERNAL:
		p.logger(r).Error("internal error", slog.Any("err", err))
		msg = "Something went wrong on stint's side; the error is in the server's log. Try again, or tell an administrator."
	case stint.EUNAVAILABLE:
		p.logger(r).Warn("unavailable", slog.Any("err", err))
	}
	p.errorPage(w, r, status, msg)
}

func (p *Portal) notFound(w http.ResponseWriter, r *http.Request) {
	p.errorPage(w, r, http.StatusNotFound, "There is nothing at this address.")
}

// formatTime is how times read: "2025-06-02 09:00 UTC".
func formatTime(t any) string {
	switch v := t.(type) {
	case time.Time:
		if v.IsZero() {
			return "—"
		}
		return v.UTC().Format("2006-01-02 15:04 UTC")
	case *time.Time:
		if v == nil {
			return "—"
		}
		return formatTime(*v)
	}
	return fmt.Sprint(t)
}

// timeLeft is "1h 05m" from now to end, or "ended".
func timeLeft(now, end time.Time) string {
	d := end.Sub(now)
	if d <= 0 {
		return "ended"
	}
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	switch {
	case h > 0:
		return fmt.Sprintf("%dh %02dm", h, m)
	case m > 0:
		return fmt.Sprintf("%dm %02ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}

// stepSummary is "2 of: group:Security, group:Admins".
func stepSummary(st stint.RequestStep) string {
	q := max(st.Quorum, 1)
	return fmt.Sprintf("%d of: %s", q, strings.Join(st.Approvers, ", "))
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// value is how an event's data value reads: strings as they are, the rest
// as JSON.
func value(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
