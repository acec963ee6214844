package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/stint-dev/stint"
)

// requestMutable are the columns an update rewrites.
const requestMutable = `requester_id, requester_email, flow, resources, reason, duration_ns,
	starts_at, ticket, bundle, break_glass, steps, extends_grant, extend_by_ns,
	state, reviews, auto_approved, review_by, requester_name, cutoff, updated_at`

const requestCols = requestMutable + ", id, created_at, version"

func scanRequest(d *Dialect, s Row) (*stint.Request, error) {
	var r stint.Request
	err := s.Scan(&r.RequesterID, &r.RequesterEmail, &r.Flow, d.ScanJSON(&r.Resources), &r.Reason, (*int64)(&r.Duration),
		d.ScanNullTime(&r.StartsAt), &r.Ticket, &r.Bundle, &r.BreakGlass, d.ScanJSON(&r.Steps), &r.ExtendsGrant,
		(*int64)(&r.ExtendBy), &r.State, d.ScanJSON(&r.Reviews), &r.AutoApproved, d.ScanTime(&r.ReviewBy),
		&r.RequesterName, &r.Cutoff, d.ScanTime(&r.UpdatedAt),
		&r.ID, d.ScanTime(&r.CreatedAt), &r.Version)
	return &r, err
}

// normRequest puts r's times in the form they are stored in.
func normRequest(r *stint.Request) {
	r.StartsAt = normPtr(r.StartsAt)
	r.ReviewBy = Norm(r.ReviewBy)
	r.CreatedAt = Norm(r.CreatedAt)
	r.UpdatedAt = Norm(r.UpdatedAt)
	if r.Reviews != nil {
		r.Reviews = slices.Clone(r.Reviews)
		for i := range r.Reviews {
			r.Reviews[i].At = Norm(r.Reviews[i].At)
		}
	}
}

// requestArgs normalises r and returns the values of requestMutable.
func requestArgs(d *Dialect, r *stint.Request) ([]any, error) {
	normRequest(r)
	resources, err := jsonText("request resources", r.Resources)
	if err != nil {
		return nil, err
	}
	reviews, err := jsonText("request reviews", r.Reviews)
	if err != nil {
		return nil, err
	}
	steps, err := jsonText("request steps", r.Steps)
	if err != nil {
		return nil, err
	}
	return []any{r.RequesterID, r.RequesterEmail, r.Flow, resources, r.Reason, int64(r.Duration),
		d.nullTime(r.StartsAt), r.Ticket, r.Bundle, r.BreakGlass, steps, r.ExtendsGrant, int64(r.ExtendBy),
		string(r.State), reviews, r.AutoApproved, d.Time(r.ReviewBy), r.RequesterName, r.Cutoff, d.Time(r.UpdatedAt)}, nil
}

// RequestGet returns the request, or ENOTFOUND.
func (r Reader) RequestGet(ctx context.Context, id string) (*stint.Request, error) {
	return one(ctx, r, fmt.Sprintf("request %q", id), scanRequest,
		r.d.stmt().requestGet, id)
}

// RequestList lists requests, newest first.
func (r Reader) RequestList(ctx context.Context, p *stint.RequestListParams) ([]*stint.Request, error) {
	if p == nil {
		p = &stint.RequestListParams{}
	}
	w := where{d: r.d}
	if p.RequesterID != "" {
		w.add("requester_id = " + w.arg(p.RequesterID))
	}
	if len(p.States) > 0 {
		w.in("state", strs(p.States))
	}
	query := "SELECT " + requestCols + " FROM requests" + w.sql() +
		" ORDER BY created_at DESC, id DESC LIMIT " + w.arg(limit(p.Limit, 100, 1000))
	return list(ctx, r, "requests", scanRequest, query, w.args...)
}

// RequestCreate inserts r with Version 1. It returns ECONFLICT when the ID
// is taken.
func (t writer) RequestCreate(ctx context.Context, r *stint.Request) error {
	args, err := requestArgs(t.d, r)
	if err != nil {
		return err
	}
	args = append(args, r.ID, t.d.Time(r.CreatedAt), 1)
	if err := t.insert(ctx, requestsTable, r.ID, t.d.stmt().requestInsert, args...); err != nil {
		return err
	}
	if err := t.indexResources(ctx, r); err != nil {
		return err
	}
	r.Version = 1
	return nil
}

// indexResources records which resources and accounts the request names,
// so that audit queries find its events by resource and account. A
// request's resources are fixed when it is submitted.
func (t writer) indexResources(ctx context.Context, r *stint.Request) error {
	if len(r.Resources) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("INSERT INTO request_resources (request_id, resource_id, account_id) VALUES ")
	args := make([]any, 0, 3*len(r.Resources))
	for i, res := range r.Resources {
		if i > 0 {
			b.WriteString(", ")
		}
		n := len(args)
		b.WriteString("(" + t.d.Placeholder(n+1) + ", " + t.d.Placeholder(n+2) + ", " + t.d.Placeholder(n+3) + ")")
		args = append(args, r.ID, res.ID, res.AccountID)
	}
	b.WriteString(" ON CONFLICT DO NOTHING")
	if _, err := t.q.Exec(ctx, b.String(), args...); err != nil {
		return fmt.Errorf("index the resources of request %s: %w", r.ID, t.d.Translate(err))
	}
	return nil
}

// RequestUpdate writes r if the stored version is still r.Version, then
// bumps r.Version. It returns ECONFLICT when the request changed since it
// was read and ENOTFOUND when it does not exist.
func (t writer) RequestUpdate(ctx context.Context, r *stint.Request) error {
	args, err := requestArgs(t.d, r)
	if err != nil {
		return err
	}
	query := t.d.stmt().requestUpdate
	if err := t.cas(ctx, requestsTable, r.ID, query, append(args, r.ID, r.Version)...); err != nil {
		return err
	}
	r.Version++
	return nil
}
