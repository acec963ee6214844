package sqlite

import (
	"context"
	"fmt"
	"slices"

	"github.com/stint-dev/stint"
)

// requestMutable are the columns an update rewrites.
const requestMutable = `requester_id, requester_email, flow, resources, reason, duration_ns,
	starts_at, state, reviews, auto_approved, review_by, updated_at`

const requestCols = "id, created_at, " + requestMutable + ", version"

func scanRequest(s scanner) (*stint.Request, error) {
	var r stint.Request
	err := s.Scan(&r.ID, timeCol{&r.CreatedAt},
		&r.RequesterID, &r.RequesterEmail, &r.Flow, jsonCol{&r.Resources}, &r.Reason, (*int64)(&r.Duration),
		nullTimeCol{&r.StartsAt}, &r.State, jsonCol{&r.Reviews}, &r.AutoApproved, timeCol{&r.ReviewBy}, timeCol{&r.UpdatedAt},
		&r.Version)
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
		nullTimeText(r.StartsAt), string(r.State), reviews, r.AutoApproved, timeText(r.ReviewBy), timeText(r.UpdatedAt)}, nil
}

// RequestGet returns the request, or ENOTFOUND.
func (r reader) RequestGet(ctx context.Context, id string) (*stint.Request, error) {
	var req *stint.Request
	err := r.get(ctx, fmt.Sprintf("request %q", id), func(s scanner) (err error) {
		req, err = scanRequest(s)
		return err
	}, "SELECT "+requestCols+" FROM requests WHERE id = ?", id)
	return req, err
}

// RequestList lists requests, newest first.
func (r reader) RequestList(ctx context.Context, p *stint.RequestListParams) ([]*stint.Request, error) {
	if p == nil {
		p = &stint.RequestListParams{}
	}
	var w where
	if p.RequesterID != "" {
		w.add("requester_id = ?", p.RequesterID)
	}
	if len(p.States) > 0 {
		in, args := inList(p.States)
		w.add("state IN ("+in+")", args...)
	}
	query := "SELECT " + requestCols + " FROM requests" + w.sql() + " ORDER BY created_at DESC, id DESC LIMIT ?"
	return list(ctx, r.q, "requests", scanRequest, query, append(w.args, limit(p.Limit, 100, 1000))...)
}

// RequestCreate inserts r with Version 1. It returns ECONFLICT when the ID
// is taken.
func (t *tx) RequestCreate(ctx context.Context, r *stint.Request) error {
	args, err := requestArgs(r)
	if err != nil {
		return err
	}
	args = append([]any{r.ID, timeText(r.CreatedAt)}, append(args, 1)...)
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
	query := "UPDATE requests SET " + setSQL(requestMutable) + ", version = version + 1 WHERE id = ? AND version = ?"
	if err := t.cas(ctx, requestsTable, r.ID, query, append(args, r.ID, r.Version)...); err != nil {
		return err
	}
	r.Version++
	return nil
}
