package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
	"github.com/stint-dev/stint/audit"
)

// eventFilters are the query parameters that filter events.
var eventFilters = []string{"since", "until", "subject", "actor", "type", "resource", "account", "flow"}

func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	list(s, w, r, s.eventsInput, s.svc.Events, append(eventFilters, "limit")...)
}

// eventsInput reads the event filters: since and until are RFC 3339
// times, dates (2026-11-30, midnight UTC) or durations back from now.
func (s *Server) eventsInput(q url.Values) (access.EventsInput, error) {
	in := access.EventsInput{Subject: q.Get("subject"), Actor: strings.TrimSpace(q.Get("actor")), Type: strings.TrimSpace(q.Get("type")),
		Resource: strings.TrimSpace(q.Get("resource")), Account: strings.TrimSpace(q.Get("account")), Flow: strings.TrimSpace(q.Get("flow"))}
	var err error
	if in.Since, err = s.queryTime(q, "since"); err != nil {
		return in, err
	}
	if in.Until, err = s.queryTime(q, "until"); err != nil {
		return in, err
	}
	in.Limit, err = queryLimit(q)
	return in, err
}

// queryTime reads a time parameter; "" is the zero time.
func (s *Server) queryTime(q url.Values, name string) (time.Time, error) {
	v := strings.TrimSpace(q.Get(name))
	if v == "" {
		return time.Time{}, nil
	}
	t, err := ParseWhen(v, s.now())
	if err != nil {
		return time.Time{}, stint.Errorf(stint.EINVALID, "%s: %s", name, stint.ErrorMessage(err))
	}
	return t, nil
}

// ParseWhen reads a time: RFC 3339 (2026-11-30T09:00:00Z), a date
// (2026-11-30, midnight UTC), a date and time in UTC (2026-11-30T09:00),
// or a duration back from now (1h, 7d).
func ParseWhen(v string, now time.Time) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	if d, err := stint.ParseDuration(v); err == nil {
		return now.Add(-d).UTC(), nil
	}
	return time.Time{}, stint.Errorf(stint.EINVALID, "%q is not a time: give RFC 3339 (2026-11-30T09:00:00Z), a date (2026-11-30) or a duration back from now (7d)", v)
}

// exportEvents streams the events the filters match, oldest first, as
// CSV, JSON lines or OCSF JSON lines, a page at a time. An error after
// the first bytes aborts the response, so a client never takes a cut
// export for a whole one.
func (s *Server) exportEvents(w http.ResponseWriter, r *http.Request) {
	if !s.checkQuery(w, r, append(eventFilters, "format")...) {
		return
	}
	q := r.URL.Query()
	format, err := audit.ParseFormat(q.Get("format"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	in, err := s.eventsInput(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx, c := r.Context(), caller(r)
	in.Oldest, in.Limit = true, audit.ExportPage
	first, err := s.svc.Events(ctx, c, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", format.ContentType())
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="stint-audit-%s.%s"`, s.now().UTC().Format("20060102T150405Z"), format.Ext()))
	w.WriteHeader(http.StatusOK)
	enc := audit.NewEncoder(w, format, s.svc.EventSubjects())
	rc := http.NewResponseController(w)
	_, err = audit.Export(ctx, enc, func(after string) ([]*stint.Event, error) {
		if after == "" {
			return first, nil
		}
		in.AfterID = after
		return s.svc.Events(ctx, c, in)
	}, func() { _ = rc.Flush() })
	if err != nil {
		s.logger(r).ErrorContext(ctx, "audit export stopped", "err", err)
		panic(http.ErrAbortHandler)
	}
}

func (s *Server) whoHad(w http.ResponseWriter, r *http.Request) {
	list1(s, w, r, func(q url.Values) (access.AccessInput, error) {
		in := access.AccessInput{Resource: strings.TrimSpace(q.Get("resource"))}
		if in.Resource == "" {
			return in, stint.Errorf(stint.EINVALID, "name the resource, e.g. ?resource=aws-sso:prod-payments/AdministratorAccess&from=2026-11-01&to=2026-12-01")
		}
		var err error
		in.From, in.Until, err = s.window(q)
		return in, err
	}, s.svc.WhoHad, "resource", "from", "to", "on")
}

func (s *Server) reach(w http.ResponseWriter, r *http.Request) {
	list1(s, w, r, func(q url.Values) (access.AccessInput, error) {
		in := access.AccessInput{User: strings.TrimSpace(q.Get("user"))}
		if in.User == "" {
			return in, stint.Errorf(stint.EINVALID, "name the user by email, e.g. ?user=alice@example.com&on=2026-11-30")
		}
		var err error
		in.From, in.Until, err = s.window(q)
		return in, err
	}, s.svc.Reach, "user", "from", "to", "on")
}

// window reads ?on=DATE (that UTC day) or ?from=&to=.
func (s *Server) window(q url.Values) (from, until time.Time, err error) {
	if on := strings.TrimSpace(q.Get("on")); on != "" {
		if q.Get("from") != "" || q.Get("to") != "" {
			return from, until, stint.Errorf(stint.EINVALID, "give on (a day) or from and to, not both")
		}
		d, err := time.Parse("2006-01-02", on)
		if err != nil {
			return from, until, stint.Errorf(stint.EINVALID, "on=%q is not a date such as 2026-11-30", on)
		}
		return d, d.AddDate(0, 0, 1), nil
	}
	if from, err = s.queryTime(q, "from"); err != nil {
		return from, until, err
	}
	if until, err = s.queryTime(q, "to"); err != nil {
		return from, until, err
	}
	return from, until, nil
}

// list1 answers a GET whose query parse reads into the service's input
// and whose answer is one value.
func list1[In, T any](s *Server, w http.ResponseWriter, r *http.Request, parse func(url.Values) (In, error),
	do func(ctx context.Context, c *access.Caller, in In) (T, error), params ...string) {
	if !s.checkQuery(w, r, params...) {
		return
	}
	in, err := parse(r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := do(r.Context(), caller(r), in)
	s.answer(w, r, http.StatusOK, v, err)
}

func (s *Server) report(w http.ResponseWriter, r *http.Request) {
	if !s.checkQuery(w, r, "week", "from", "to", "format") {
		return
	}
	q := r.URL.Query()
	from, until, err := s.reportPeriod(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	format := strings.TrimSpace(q.Get("format"))
	if format != "" && format != "json" && format != "csv" {
		s.writeError(w, r, stint.Errorf(stint.EINVALID, "format=%q: use json or csv", format))
		return
	}
	sum, err := s.svc.Report(r.Context(), caller(r), from, until)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if format != "csv" {
		writeJSON(w, http.StatusOK, sum)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="stint-report-%s.csv"`, sum.From.Format("2006-01-02")))
	w.WriteHeader(http.StatusOK)
	_ = audit.WriteReportCSV(w, sum)
}

// reportPeriod reads ?week=DATE (the week, Monday to Monday UTC, holding
// that day) or ?from=&to=; neither means the last whole week.
func (s *Server) reportPeriod(q url.Values) (from, until time.Time, err error) {
	week := strings.TrimSpace(q.Get("week"))
	switch {
	case week != "" && (q.Get("from") != "" || q.Get("to") != ""):
		return from, until, stint.Errorf(stint.EINVALID, "give week or from and to, not both")
	case week != "":
		d, err := time.Parse("2006-01-02", week)
		if err != nil {
			return from, until, stint.Errorf(stint.EINVALID, "week=%q is not a date such as 2026-11-30", week)
		}
		from, until = audit.Week(d)
		return from, until, nil
	case q.Get("from") == "" && q.Get("to") == "":
		from, until = audit.LastWeek(s.now())
		return from, until, nil
	}
	if from, err = s.queryTime(q, "from"); err != nil {
		return from, until, err
	}
	if until, err = s.queryTime(q, "to"); err != nil {
		return from, until, err
	}
	if from.IsZero() || until.IsZero() {
		return from, until, stint.Errorf(stint.EINVALID, "give both from and to, e.g. ?from=2026-11-01&to=2026-12-01")
	}
	return from, until, nil
}

func (s *Server) forwarding(w http.ResponseWriter, r *http.Request) {
	plainList(s, w, r, s.svc.Forwarding)
}
