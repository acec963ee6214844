package access

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/audit"
)

// MaxAccessRecords bounds the grants one who-had or reach answer holds.
const MaxAccessRecords = 1000

// AccessInput asks who had access to a resource, or what a user could
// reach, in [From, Until).
type AccessInput struct {
	Resource string // who-had: a resource ID; the account part may be a name
	User     string // reach: an email (or identity store user ID)
	From     time.Time
	Until    time.Time
}

var accountID = regexp.MustCompile(`^\d{12}$`)

func (s *Service) requireAdmin(c *Caller, what string) error {
	if !c.Admin {
		return stint.Errorf(stint.EFORBIDDEN, "only admins can %s", what)
	}
	return nil
}

func checkWindow(from, until time.Time) error {
	if from.IsZero() || until.IsZero() {
		return stint.Errorf(stint.EINVALID, "give the time range: a start (--from) and an end (--to), or a day (--on)")
	}
	if !from.Before(until) {
		return stint.Errorf(stint.EINVALID, "the time range is empty: %s is not before %s", from.UTC().Format(time.RFC3339), until.UTC().Format(time.RFC3339))
	}
	return nil
}

// AuditResourceID normalises a resource ID for audit queries: an account
// name becomes its ID. The resource itself need not exist any more (the
// ledger remembers what was deleted since); an account that is neither a
// known name nor a 12-digit ID is ENOTFOUND.
func (s *Service) AuditResourceID(ctx context.Context, id string) (string, error) {
	ref, err := stint.ParseResourceID(id)
	if err != nil {
		return "", err
	}
	if !accountID.MatchString(ref.AccountID) {
		acct, err := s.AuditAccountID(ctx, ref.AccountID)
		if err != nil {
			return "", err
		}
		ref.AccountID = acct
	}
	return ref.FormatID(), nil
}

// AuditAccountID returns the ID of the account named (by ID or name).
func (s *Service) AuditAccountID(ctx context.Context, idOrName string) (string, error) {
	idOrName = strings.TrimSpace(idOrName)
	if accountID.MatchString(idOrName) {
		return idOrName, nil
	}
	dir, err := s.Directory(ctx)
	if err != nil {
		return "", err
	}
	a, err := dir.Account(idOrName)
	if err != nil {
		return "", err
	}
	return a.ID, nil
}

// WhoHad answers "who had access to the resource in [From, Until)" from
// the ledger: every grant of it whose access overlapped the window
// (extended ones by their extended end, ended ones by when they ended),
// with the request, approvals and reasons behind it. Admins only
// (EFORBIDDEN); EINVALID for a bad resource ID or window.
func (s *Service) WhoHad(ctx context.Context, c *Caller, in AccessInput) (*stint.AccessReport, error) {
	if err := s.requireAdmin(c, "ask who had access"); err != nil {
		return nil, err
	}
	if err := checkWindow(in.From, in.Until); err != nil {
		return nil, err
	}
	id, err := s.AuditResourceID(ctx, in.Resource)
	if err != nil {
		return nil, err
	}
	return s.accessReport(ctx, &stint.AccessReport{Resource: id}, &stint.GrantListParams{ResourceID: id}, in)
}

// Reach answers "what could the user reach in [From, Until)": every grant
// of theirs whose access overlapped the window, with the request,
// approvals and reasons behind it. A user who left the directory is found
// by the email on their grants. Admins only (EFORBIDDEN).
func (s *Service) Reach(ctx context.Context, c *Caller, in AccessInput) (*stint.AccessReport, error) {
	if err := s.requireAdmin(c, "ask what a user could reach"); err != nil {
		return nil, err
	}
	if err := checkWindow(in.From, in.Until); err != nil {
		return nil, err
	}
	user := strings.TrimSpace(in.User)
	if user == "" {
		return nil, stint.Errorf(stint.EINVALID, "name the user by email, e.g. alice@example.com")
	}
	p := &stint.GrantListParams{UserEmail: user}
	if dir, err := s.Directory(ctx); err == nil {
		u, err := dir.UserByEmail(user)
		if err != nil {
			u, err = dir.UserByID(user)
		}
		if err == nil {
			p.UserID, p.UserEmail, user = u.ID, "", u.Email
		}
	}
	return s.accessReport(ctx, &stint.AccessReport{User: user}, p, in)
}

// accessReport lists the grants p matches that overlap in's window, oldest
// access first, with what lies behind each.
func (s *Service) accessReport(ctx context.Context, rep *stint.AccessReport, p *stint.GrantListParams, in AccessInput) (*stint.AccessReport, error) {
	now := s.now()
	rep.From, rep.Until, rep.At, rep.Records = in.From.UTC(), in.Until.UTC(), now, []stint.AccessRecord{}
	p.From, p.Until, p.Limit = in.From, in.Until, MaxAccessRecords+1
	grants, err := s.Store.GrantList(ctx, p)
	if err != nil {
		return nil, err
	}
	requests := map[string]*stint.Request{}
	request := func(id string) *stint.Request {
		if r, ok := requests[id]; ok {
			return r
		}
		r, err := s.Store.RequestGet(ctx, id)
		if err != nil {
			r = nil // gone: the grant still answers
		}
		requests[id] = r
		return r
	}
	for _, g := range grants {
		from, until, ok := stint.AccessInterval(g, now)
		if !ok || !from.Before(rep.Until) || !until.After(rep.From) {
			continue
		}
		if len(rep.Records) == MaxAccessRecords {
			rep.Truncated = true
			break
		}
		rec := stint.AccessRecord{Grant: g, From: from, Until: until, Open: g.State != stint.GrantEnded, Request: request(g.RequestID)}
		if g.Extensions > 0 {
			if rec.Extensions, err = s.extensions(ctx, g, request); err != nil {
				return nil, err
			}
		}
		rep.Records = append(rep.Records, rec)
	}
	slices.SortStableFunc(rep.Records, func(a, b stint.AccessRecord) int {
		if c := a.From.Compare(b.From); c != 0 {
			return c
		}
		return strings.Compare(a.Grant.ID, b.Grant.ID)
	})
	return rep, nil
}

// extensions reads a grant's extensions from its grant.extended events.
func (s *Service) extensions(ctx context.Context, g *stint.Grant, request func(string) *stint.Request) ([]stint.GrantExtension, error) {
	evs, err := s.Store.EventList(ctx, &stint.EventListParams{Subject: g.ID, Type: stint.EventGrantExtended})
	if err != nil {
		return nil, err
	}
	out := make([]stint.GrantExtension, 0, len(evs))
	for _, e := range evs {
		x := stint.GrantExtension{At: e.Time, Actor: e.Actor}
		x.By, _ = e.Data["by"].(string)
		x.EndsAt, _ = stint.DataTime(e.Data["ends_at"])
		if id, ok := e.Data["request_id"].(string); ok && id != "" {
			x.RequestID = id
			if r := request(id); r != nil {
				x.Requester, x.Reason, x.Reviews = r.RequesterEmail, r.Reason, r.Reviews
			}
		}
		out = append(out, x)
	}
	return out, nil
}

// Report makes the audit report of [from, until) (see audit.Summarize).
// Admins only (EFORBIDDEN).
func (s *Service) Report(ctx context.Context, c *Caller, from, until time.Time) (*stint.Summary, error) {
	if err := s.requireAdmin(c, "see the audit report"); err != nil {
		return nil, err
	}
	return audit.Summarize(ctx, s.Store, from, until, s.now())
}

// ForwardStatus is how far one forwarding destination has the trail.
type ForwardStatus struct {
	stint.ForwardCursor
	// Behind is how many places of the chain it lacks.
	Behind int64 `json:"behind"`
}

// Forwarding lists the forwarding cursors with how far behind the chain's
// head each is. Admins only (EFORBIDDEN).
func (s *Service) Forwarding(ctx context.Context, c *Caller) ([]ForwardStatus, error) {
	if err := s.requireAdmin(c, "see the audit forwarding"); err != nil {
		return nil, err
	}
	head, err := s.Store.ChainHead(ctx)
	if err != nil {
		return nil, err
	}
	cursors, err := s.Store.ForwardCursorList(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ForwardStatus, 0, len(cursors))
	for _, cur := range cursors {
		out = append(out, ForwardStatus{ForwardCursor: *cur, Behind: max(head.Seq-cur.Seq, 0)})
	}
	return out, nil
}

// RecordWeeklyReport makes the report of the last whole week and records
// it as an audit.weekly_report event, unless that week was recorded
// already. It returns the report, or nil when there was nothing to do.
func (s *Service) RecordWeeklyReport(ctx context.Context) (*stint.Summary, error) {
	now := s.now()
	from, until := audit.LastWeek(now)
	last, err := s.Store.EventList(ctx, &stint.EventListParams{Type: stint.EventWeeklyReport, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(last) > 0 && last[0].Data["from"] == from.Format(time.RFC3339) {
		return nil, nil
	}
	sum, err := audit.Summarize(ctx, s.Store, from, until, now)
	if err != nil {
		return nil, err
	}
	flows := map[string]any{}
	for _, f := range sum.GrantsByFlow {
		flows[f.Flow] = f.Grants
	}
	top := []any{}
	for _, t := range sum.TopRequesters {
		top = append(top, map[string]any{"user": t.User, "requests": t.Requests})
	}
	data := map[string]any{"from": from.Format(time.RFC3339), "until": until.Format(time.RFC3339),
		"requests": map[string]any{"submitted": sum.Requests.Submitted, "approved": sum.Requests.Approved, "denied": sum.Requests.Denied,
			"expired": sum.Requests.Expired, "cancelled": sum.Requests.Cancelled, "break_glass": sum.Requests.BreakGlass},
		"grants_by_flow": flows, "top_requesters": top, "break_glass": len(sum.BreakGlass), "denied": len(sum.Denied)}
	err = s.Store.Tx(ctx, func(tx stint.Tx) error {
		return s.append(ctx, tx, s.event("system", stint.EventWeeklyReport, "week-"+from.Format("2006-01-02"), data))
	})
	if err != nil {
		return nil, err
	}
	return sum, nil
}

// EventSubjects returns what maps events to OCSF with the grants they are
// about (see audit.Subjects), for one export or forwarding run.
func (s *Service) EventSubjects() *audit.Subjects { return &audit.Subjects{Reader: s.Store} }
