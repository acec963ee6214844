package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/stint-dev/stint"
)

// Profile is the caller as the server knows them (GET /api/v1/me).
type Profile struct {
	User        string   `json:"user"` // identity store user name
	UserID      string   `json:"user_id"`
	Email       string   `json:"email"`
	DisplayName string   `json:"display_name"`
	Groups      []string `json:"groups"`
	Admin       bool     `json:"admin"`
}

// Resource names one resource of a request.
type Resource struct {
	Account       string `json:"account"`        // account ID or name
	PermissionSet string `json:"permission_set"` // permission set name
}

// SubmitInput is a request for access.
type SubmitInput struct {
	Resources []Resource
	Duration  time.Duration // 0 means the flow's default
	Reason    string
	StartsAt  *time.Time // nil means on approval
}

type submitBody struct {
	Resources []Resource `json:"resources"`
	Duration  string     `json:"duration,omitempty"`
	Reason    string     `json:"reason,omitempty"`
	StartsAt  string     `json:"starts_at,omitempty"`
}

// RequestsParams filters Requests.
type RequestsParams struct {
	Pending bool // only pending requests: mine and those I may review
	Limit   int  // 0 means the server's default
}

// GrantsParams filters Grants.
type GrantsParams struct {
	All   bool // include ended grants
	Limit int
}

// EventsParams filters Events.
type EventsParams struct {
	// Since is an RFC 3339 time or a duration back from now ("1h", "7d"),
	// resolved by the server; "" means from the beginning.
	Since   string
	Subject string // a request or grant ID; "" means all
	Limit   int
}

// Me returns the caller's profile.
func (c *Client) Me(ctx context.Context) (*Profile, error) {
	var p Profile
	return one(&p, c.do(ctx, http.MethodGet, "/api/v1/me", nil, nil, &p))
}

// Resources lists what the caller may request.
func (c *Client) Resources(ctx context.Context) ([]stint.Eligible, error) {
	var out []stint.Eligible
	return out, c.do(ctx, http.MethodGet, "/api/v1/resources", nil, nil, &out)
}

// Submit files a request. It returns the request, approved already when
// its flow auto-approves.
func (c *Client) Submit(ctx context.Context, in SubmitInput) (*stint.Request, error) {
	body := submitBody{Resources: in.Resources, Reason: in.Reason}
	if in.Duration > 0 {
		body.Duration = stint.FormatDuration(in.Duration)
	}
	if in.StartsAt != nil {
		body.StartsAt = in.StartsAt.UTC().Format(time.RFC3339Nano)
	}
	var r stint.Request
	return one(&r, c.do(ctx, http.MethodPost, "/api/v1/requests", nil, body, &r))
}

// Requests lists the requests visible to the caller, newest first.
func (c *Client) Requests(ctx context.Context, p RequestsParams) ([]*stint.Request, error) {
	q := url.Values{}
	if p.Pending {
		q.Set("pending", "true")
	}
	setLimit(q, p.Limit)
	var out []*stint.Request
	return out, c.do(ctx, http.MethodGet, "/api/v1/requests", q, nil, &out)
}

// Request returns one request.
func (c *Client) Request(ctx context.Context, id string) (*stint.Request, error) {
	var r stint.Request
	return one(&r, c.do(ctx, http.MethodGet, "/api/v1/requests/"+url.PathEscape(id), nil, nil, &r))
}

// Approve approves a pending request.
func (c *Client) Approve(ctx context.Context, id, comment string) (*stint.Request, error) {
	body := struct {
		Comment string `json:"comment,omitempty"`
	}{comment}
	var r stint.Request
	return one(&r, c.do(ctx, http.MethodPost, "/api/v1/requests/"+url.PathEscape(id)+"/approve", nil, body, &r))
}

// Deny denies a pending request.
func (c *Client) Deny(ctx context.Context, id, reason string) (*stint.Request, error) {
	body := struct {
		Reason string `json:"reason"`
	}{reason}
	var r stint.Request
	return one(&r, c.do(ctx, http.MethodPost, "/api/v1/requests/"+url.PathEscape(id)+"/deny", nil, body, &r))
}

// Cancel withdraws the caller's own pending request.
func (c *Client) Cancel(ctx context.Context, id string) (*stint.Request, error) {
	var r stint.Request
	return one(&r, c.do(ctx, http.MethodPost, "/api/v1/requests/"+url.PathEscape(id)+"/cancel", nil, struct{}{}, &r))
}

// Grants lists the caller's grants (every user's for admins), newest first.
func (c *Client) Grants(ctx context.Context, p GrantsParams) ([]*stint.Grant, error) {
	q := url.Values{}
	if p.All {
		q.Set("all", "true")
	}
	setLimit(q, p.Limit)
	var out []*stint.Grant
	return out, c.do(ctx, http.MethodGet, "/api/v1/grants", q, nil, &out)
}

// Grant returns one grant.
func (c *Client) Grant(ctx context.Context, id string) (*stint.Grant, error) {
	var g stint.Grant
	return one(&g, c.do(ctx, http.MethodGet, "/api/v1/grants/"+url.PathEscape(id), nil, nil, &g))
}

// Revoke ends a grant early.
func (c *Client) Revoke(ctx context.Context, id string) (*stint.Grant, error) {
	var g stint.Grant
	return one(&g, c.do(ctx, http.MethodPost, "/api/v1/grants/"+url.PathEscape(id)+"/revoke", nil, struct{}{}, &g))
}

// Extend moves a grant's end by d.
func (c *Client) Extend(ctx context.Context, id string, d time.Duration) (*stint.Grant, error) {
	body := struct {
		Duration string `json:"duration"`
	}{stint.FormatDuration(d)}
	var g stint.Grant
	return one(&g, c.do(ctx, http.MethodPost, "/api/v1/grants/"+url.PathEscape(id)+"/extend", nil, body, &g))
}

// Events lists audit events, oldest first.
func (c *Client) Events(ctx context.Context, p EventsParams) ([]*stint.Event, error) {
	q := url.Values{}
	if p.Since != "" {
		q.Set("since", p.Since)
	}
	if p.Subject != "" {
		q.Set("subject", p.Subject)
	}
	setLimit(q, p.Limit)
	var out []*stint.Event
	return out, c.do(ctx, http.MethodGet, "/api/v1/events", q, nil, &out)
}

func setLimit(q url.Values, limit int) {
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
}

// one returns v, or nil and err.
func one[T any](v *T, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}
