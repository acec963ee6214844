package audit

import (
	"cmp"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stint-dev/stint"
)

// reportGrants bounds the grants a report reads; reportTop the rows of its
// top lists.
const (
	reportGrants = 10000
	reportTop    = 10
)

// Week returns the week (Monday 00:00 UTC to the next Monday) that holds t.
func Week(t time.Time) (from, until time.Time) {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	from = day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	return from, from.AddDate(0, 0, 7)
}

// LastWeek returns the last whole week before now.
func LastWeek(now time.Time) (from, until time.Time) {
	from, _ = Week(now)
	return from.AddDate(0, 0, -7), from
}

// Summarize makes the report of [from, until) from the store: request
// counts, grants by flow, break-glass uses, denied requests, top
// requesters and the longest grants. It reads the period's request events
// a page at a time and at most 10,000 grants. now ends access still open.
func Summarize(ctx context.Context, r stint.Reader, from, until, now time.Time) (*stint.Summary, error) {
	if !from.Before(until) {
		return nil, stint.Errorf(stint.EINVALID, "the report's period is empty: %s is not before %s", from.Format(time.RFC3339), until.Format(time.RFC3339))
	}
	s := &stint.Summary{From: from.UTC(), Until: until.UTC(), GeneratedAt: now.UTC(),
		GrantsByFlow: []stint.FlowCount{}, BreakGlass: []stint.BreakGlassUse{}, Denied: []stint.DeniedRequest{},
		TopRequesters: []stint.RequesterCount{}, LongestGrants: []stint.GrantSpan{}}
	requests := map[string]int{}
	err := eachEvent(ctx, r, &stint.EventListParams{Type: "request.*", Since: from, Until: until}, func(e *stint.Event) error {
		switch e.Type {
		case stint.EventRequestCreated:
			s.Requests.Submitted++
			requests[strings.ToLower(e.Actor)]++
		case stint.EventRequestApproved:
			s.Requests.Approved++
		case stint.EventRequestExpired:
			s.Requests.Expired++
		case stint.EventRequestCancelled:
			s.Requests.Cancelled++
		case stint.EventBreakGlass:
			s.Requests.BreakGlass++
			s.BreakGlass = append(s.BreakGlass, stint.BreakGlassUse{At: e.Time, RequestID: e.Subject, User: e.Actor,
				Flow: str(e.Data["flow"]), Resources: strs(e.Data["resources"]), Reason: str(e.Data["reason"])})
		case stint.EventRequestDenied:
			s.Requests.Denied++
			d := stint.DeniedRequest{At: e.Time, RequestID: e.Subject, DeniedBy: e.Actor, Flow: str(e.Data["flow"]), Reason: str(e.Data["comment"])}
			if req, err := r.RequestGet(ctx, e.Subject); err == nil {
				d.Requester, d.Flow = req.RequesterEmail, cmp.Or(d.Flow, req.Flow)
			}
			s.Denied = append(s.Denied, d)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	grants, err := r.GrantList(ctx, &stint.GrantListParams{From: from, Until: until, Limit: reportGrants + 1})
	if err != nil {
		return nil, err
	}
	if len(grants) > reportGrants {
		grants, s.Truncated = grants[:reportGrants], true
	}
	summarizeGrants(s, grants, requests, now)
	return s, nil
}

func summarizeGrants(s *stint.Summary, grants []*stint.Grant, requests map[string]int, now time.Time) {
	flows := map[string]*stint.FlowCount{}
	users := map[string]map[string]bool{}
	held := map[string]int{}
	for _, g := range grants {
		start, end, ok := stint.AccessInterval(g, now)
		if !ok || !start.Before(s.Until) || !end.After(s.From) {
			continue
		}
		fc := flows[g.Flow]
		if fc == nil {
			fc = &stint.FlowCount{Flow: g.Flow}
			flows[g.Flow], users[g.Flow] = fc, map[string]bool{}
		}
		fc.Grants++
		if !start.Before(s.From) {
			fc.Started++
		}
		if g.BreakGlass {
			fc.BreakGlass++
		}
		user := strings.ToLower(g.UserEmail)
		users[g.Flow][user] = true
		held[user]++
		open := g.State != stint.GrantEnded
		s.LongestGrants = append(s.LongestGrants, stint.GrantSpan{GrantID: g.ID, User: g.UserEmail, Resource: g.ResourceID, Flow: g.Flow,
			From: start, Until: end, Duration: stint.Duration(end.Sub(start)), Extensions: g.Extensions, Open: open})
	}
	for name, fc := range flows {
		fc.Users = len(users[name])
		s.GrantsByFlow = append(s.GrantsByFlow, *fc)
	}
	slices.SortFunc(s.GrantsByFlow, func(a, b stint.FlowCount) int { return cmp.Or(b.Grants-a.Grants, strings.Compare(a.Flow, b.Flow)) })
	slices.SortFunc(s.LongestGrants, func(a, b stint.GrantSpan) int {
		return cmp.Or(cmp.Compare(b.Duration, a.Duration), strings.Compare(a.GrantID, b.GrantID))
	})
	s.LongestGrants = s.LongestGrants[:min(len(s.LongestGrants), reportTop)]
	for user, n := range requests {
		s.TopRequesters = append(s.TopRequesters, stint.RequesterCount{User: user, Requests: n, Grants: held[user]})
	}
	slices.SortFunc(s.TopRequesters, func(a, b stint.RequesterCount) int {
		return cmp.Or(b.Requests-a.Requests, b.Grants-a.Grants, strings.Compare(a.User, b.User))
	})
	s.TopRequesters = s.TopRequesters[:min(len(s.TopRequesters), reportTop)]
}

// eachEvent calls fn with every event p matches, oldest first, a page at a
// time.
func eachEvent(ctx context.Context, r stint.Reader, p *stint.EventListParams, fn func(*stint.Event) error) error {
	q := *p
	q.Oldest, q.Limit = true, ExportPage
	for {
		page, err := r.EventList(ctx, &q)
		if err != nil {
			return err
		}
		for _, e := range page {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(page) < ExportPage {
			return nil
		}
		q.AfterID = page[len(page)-1].ID
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func strs(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

// ReportCSVHeader is the header of a report as CSV: one row per figure,
// in sections; each section fills the columns that apply to it.
var ReportCSVHeader = []string{"section", "flow", "user", "request_id", "grant_id", "resource", "from", "until", "count", "detail"}

// WriteReportCSV writes the report as CSV (see ReportCSVHeader).
func WriteReportCSV(w io.Writer, s *stint.Summary) error {
	cw := csv.NewWriter(w)
	ts := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	n := strconv.Itoa
	rows := [][]string{ReportCSVHeader,
		{"period", "", "", "", "", "", ts(s.From), ts(s.Until), "", "generated " + ts(s.GeneratedAt)}}
	rc := s.Requests
	for _, c := range []struct {
		name string
		v    int
	}{{"submitted", rc.Submitted}, {"approved", rc.Approved}, {"denied", rc.Denied}, {"expired", rc.Expired},
		{"cancelled", rc.Cancelled}, {"break_glass", rc.BreakGlass}} {
		rows = append(rows, []string{"requests", "", "", "", "", "", "", "", n(c.v), c.name})
	}
	for _, f := range s.GrantsByFlow {
		rows = append(rows, []string{"grants_by_flow", Cell(f.Flow), "", "", "", "", "", "", n(f.Grants),
			fmt.Sprintf("started %d, users %d, break-glass %d", f.Started, f.Users, f.BreakGlass)})
	}
	for _, b := range s.BreakGlass {
		rows = append(rows, []string{"break_glass", Cell(b.Flow), Cell(b.User), b.RequestID, "", Cell(strings.Join(b.Resources, " ")), ts(b.At), "", "", Cell(b.Reason)})
	}
	for _, d := range s.Denied {
		rows = append(rows, []string{"denied", Cell(d.Flow), Cell(d.Requester), d.RequestID, "", "", ts(d.At), "", "", Cell("by " + d.DeniedBy + ": " + d.Reason)})
	}
	for _, t := range s.TopRequesters {
		rows = append(rows, []string{"top_requesters", "", Cell(t.User), "", "", "", "", "", n(t.Requests), fmt.Sprintf("grants %d", t.Grants)})
	}
	for _, g := range s.LongestGrants {
		detail := fmt.Sprintf("%s, extensions %d", g.Duration, g.Extensions)
		if g.Open {
			detail += ", still open"
		}
		rows = append(rows, []string{"longest_grants", Cell(g.Flow), Cell(g.User), "", g.GrantID, Cell(g.Resource), ts(g.From), ts(g.Until), "", detail})
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}
