package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/stint-dev/stint"
)

// requestMutable are the columns an update rewrites.
const requestMutable = `requester_id, requester_email, flow, resources, reason, duration_ns,
	starts_at, state, reviews, auto_approved, review_by, updated_at`

const requestCols = requestMutable + ", id, created_at, version"

func scanRequest(s scanner) (*stint.Request, error) {
	var r stint.Request
	err := s.Scan(&r.RequesterID, &r.RequesterEmail, &r.Flow, &r.Resources, &r.Reason, (*int64)(&r.Duration),
		&r.StartsAt, &r.State, &r.Reviews, &r.AutoApproved, &r.ReviewBy, &r.UpdatedAt,
		&r.ID, &r.CreatedAt, &r.Version)
	return &r, err
}

// normRequest puts r's times in the form they are stored in.
func normRequest(r *stint.Request) {
	r.StartsAt = normPtr(r.StartsAt)
	r.ReviewBy = norm(r.ReviewBy)
	r.CreatedAt = norm(r.CreatedAt)
	r.UpdatedAt = norm(r.UpdatedAt)
	if r.Reviews != nil {
		r.Reviews = slices.Clone(r.Reviews)
		for i := range r.Reviews {
			r.Reviews[i].At = norm(r.Reviews[i].At)
		}
	}
}

// requestArgs normalises r and returns the values of requestMutable.
func requestArgs(r *stint.Request) ([]any, error) {
	normRequest(r)
	resources, err := jsonText("request resources", r.Resources)
	if err != nil {
		return nil, err
	}
	reviews, err := jsonText("request reviews", r.Reviews)
	if err != nil {
		return nil, err
	}
	return []any{r.RequesterID, r.RequesterEmail, r.Flow, resources, r.Reason, int64(r.Duration),
		r.StartsAt, string(r.State), reviews, r.AutoApproved, r.ReviewBy, r.UpdatedAt}, nil
}

// RequestGet returns the request, or ENOTFOUND.
func (r reader) RequestGet(ctx context.Context, id string) (*stint.Request, error) {
	var req *stint.Request
	err := r.get(ctx, fmt.Sprintf("request %q", id), func(s scanner) (err error) {
		req, err = scanRequest(s)
		return err
	}, "SELECT "+requestCols+" FROM requests WHERE id = $1", id)
	return req, err
}

// RequestList lists requests, newest first.
func (r reader) RequestList(ctx context.Context, p *stint.RequestListParams) ([]*stint.Request, error) {
	if p == nil {
		p = &stint.RequestListParams{}
	}
	var w where
	if p.RequesterID != "" {
		w.add("requester_id = " + w.arg(p.RequesterID))
	}
	if len(p.States) > 0 {
		w.add("state = ANY(" + w.arg(strs(p.States)) + ")")
	}
	query := "SELECT " + requestCols + " FROM requests" + w.sql() +
		" ORDER BY created_at DESC, id DESC LIMIT " + w.arg(limit(p.Limit, 100, 1000))
	return list(ctx, r.q, "requests", scanRequest, query, w.args...)
}

// RequestCreate inserts r with Version 1. It returns ECONFLICT when the ID
// is taken.
func (t *tx) RequestCreate(ctx context.Context, r *stint.Request) error {
	args, err := requestArgs(r)
	if err != nil {
		return err
	}
	args = append(args, r.ID, r.CreatedAt, 1)
	if err := t.insert(ctx, requestsTable, r.ID, insertSQL("requests", requestCols), args...); err != nil {
		return err
	}
	r.Version = 1
	return nil
}

// RequestUpdate writes r if the stored version is still r.Version, then
// bumps r.Version. It returns ECONFLICT when the request changed since it
// was read and ENOTFOUND when it does not exist.
func (t *tx) RequestUpdate(ctx context.Context, r *stint.Request) error {
	args, err := requestArgs(r)
	if err != nil {
		return err
	}
	query := updateSQL("requests", requestMutable, "id")
	if err := t.cas(ctx, requestsTable, r.ID, query, append(args, r.ID, r.Version)...); err != nil {
		return err
	}
	r.Version++
	return nil
}
