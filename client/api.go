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

// Resource names one resource of a request: by ID (any type, e.g.
// "aws-s3:prod-payments/payments-logs:read"), or by Account and
// PermissionSet for Identity Center.
type Resource struct {
	ID            string `json:"id,omitempty"`
	Account       string `json:"account,omitempty"`        // account ID or name
	PermissionSet string `json:"permission_set,omitempty"` // permission set name
}

// SubmitInput is a request for access.
type SubmitInput struct {
	Resources []Resource
	// Bundle names a flow bundle to request; Resources may then be empty.
	Bundle   string
	Duration time.Duration // 0 means the flow's default
	Reason   string
	// Ticket is the change or incident reference some flows ask for.
	Ticket string
	// BreakGlass asks for emergency access without approval, where a flow
	// allows it.
	BreakGlass bool
	StartsAt   *time.Time // nil means on approval
	// ExtendsGrant asks for that grant of yours to be extended by Duration,
	// through the flow's approval steps.
	ExtendsGrant string
}

type submitBody struct {
	Resources    []Resource `json:"resources,omitempty"`
	Bundle       string     `json:"bundle,omitempty"`
	Duration     string     `json:"duration,omitempty"`
	Reason       string     `json:"reason,omitempty"`
	Ticket       string     `json:"ticket,omitempty"`
	BreakGlass   bool       `json:"break_glass,omitempty"`
	ExtendsGrant string     `json:"extends_grant,omitempty"`
	StartsAt     string     `json:"starts_at,omitempty"`
}

// The answers of POST /api/v1/can and GET /api/v1/who-can are the root
// package's types.
type (
	Explanation = stint.Explanation
	FlowReason  = stint.FlowReason
	WhoCan      = stint.WhoCan
)

// CanInput asks whether a user may request a resource.
type CanInput struct {
	User          string        // email; "" means the caller (only admins may ask about others)
	Resource      string        // a resource ID; or Account and PermissionSet
	Account       string        // account ID or name
	PermissionSet string        // permission set name
	Duration      time.Duration // 0 means the flow's default
}

type canBody struct {
	User          string `json:"user,omitempty"`
	Resource      string `json:"resource,omitempty"`
	Account       string `json:"account,omitempty"`
	PermissionSet string `json:"permission_set,omitempty"`
	Duration      string `json:"duration,omitempty"`
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
	// Until is like Since, the end (exclusive); Actor an email; Type a
	// type or a prefix ending in "*"; Resource, Account and Flow name
	// what the events are about. "" means any.
	Until, Actor, Type, Resource, Account, Flow string
}

// query returns the parameters as a query.
func (p EventsParams) query() url.Values {
	return query(map[string]string{"since": p.Since, "until": p.Until, "subject": p.Subject, "actor": p.Actor, "type": p.Type,
		"resource": p.Resource, "account": p.Account, "flow": p.Flow, "limit": count(p.Limit)})
}

// Me returns the caller's profile.
func (c *Client) Me(ctx context.Context) (*Profile, error) {
	return call[Profile](ctx, c, http.MethodGet, "/api/v1/me", nil)
}

// Resources lists what the caller may request.
func (c *Client) Resources(ctx context.Context) ([]stint.Eligible, error) {
	return list[stint.Eligible](ctx, c, "/api/v1/resources", nil)
}

// Submit files a request. It returns the request, approved already when
// its flow auto-approves.
func (c *Client) Submit(ctx context.Context, in SubmitInput) (*stint.Request, error) {
	body := submitBody{Resources: in.Resources, Bundle: in.Bundle, Reason: in.Reason, Ticket: in.Ticket, BreakGlass: in.BreakGlass, ExtendsGrant: in.ExtendsGrant,
		Duration: optionalDuration(in.Duration)}
	if in.StartsAt != nil {
		body.StartsAt = in.StartsAt.UTC().Format(time.RFC3339Nano)
	}
	return call[stint.Request](ctx, c, http.MethodPost, "/api/v1/requests", body)
}

// Requests lists the requests visible to the caller, newest first.
func (c *Client) Requests(ctx context.Context, p RequestsParams) ([]*stint.Request, error) {
	q := query(map[string]string{"pending": flag(p.Pending), "limit": count(p.Limit)})
	return list[*stint.Request](ctx, c, "/api/v1/requests", q)
}

// Request returns one request.
func (c *Client) Request(ctx context.Context, id string) (*stint.Request, error) {
	return call[stint.Request](ctx, c, http.MethodGet, itemPath("requests", id, ""), nil)
}

// Approve approves a pending request.
func (c *Client) Approve(ctx context.Context, id, comment string) (*stint.Request, error) {
	body := struct {
		Comment string `json:"comment,omitempty"`
	}{comment}
	return call[stint.Request](ctx, c, http.MethodPost, itemPath("requests", id, "approve"), body)
}

// Deny denies a pending request.
func (c *Client) Deny(ctx context.Context, id, reason string) (*stint.Request, error) {
	body := struct {
		Reason string `json:"reason"`
	}{reason}
	return call[stint.Request](ctx, c, http.MethodPost, itemPath("requests", id, "deny"), body)
}

// Cancel withdraws the caller's own pending request.
func (c *Client) Cancel(ctx context.Context, id string) (*stint.Request, error) {
	return call[stint.Request](ctx, c, http.MethodPost, itemPath("requests", id, "cancel"), struct{}{})
}

// Grants lists the caller's grants (every user's for admins), newest first.
func (c *Client) Grants(ctx context.Context, p GrantsParams) ([]*stint.Grant, error) {
	q := query(map[string]string{"all": flag(p.All), "limit": count(p.Limit)})
	return list[*stint.Grant](ctx, c, "/api/v1/grants", q)
}

// Grant returns one grant.
func (c *Client) Grant(ctx context.Context, id string) (*stint.Grant, error) {
	return call[stint.Grant](ctx, c, http.MethodGet, itemPath("grants", id, ""), nil)
}

// Revoke ends a grant early.
func (c *Client) Revoke(ctx context.Context, id string) (*stint.Grant, error) {
	return call[stint.Grant](ctx, c, http.MethodPost, itemPath("grants", id, "revoke"), struct{}{})
}

// Extend moves a grant's end by d.
func (c *Client) Extend(ctx context.Context, id string, d time.Duration) (*stint.Grant, error) {
	body := struct {
		Duration string `json:"duration"`
	}{stint.FormatDuration(d)}
	return call[stint.Grant](ctx, c, http.MethodPost, itemPath("grants", id, "extend"), body)
}

// Activate switches on the caller's ready grant (a flow with an activation
// window). The server answers EFORBIDDEN for someone else's grant and
// ECONFLICT once the window has passed or the grant is not ready.
func (c *Client) Activate(ctx context.Context, id string) (*stint.Grant, error) {
	return call[stint.Grant](ctx, c, http.MethodPost, itemPath("grants", id, "activate"), struct{}{})
}

// Flows lists the configured access flows.
func (c *Client) Flows(ctx context.Context) ([]stint.Flow, error) {
	return list[stint.Flow](ctx, c, "/api/v1/flows", nil)
}

// Can explains whether a user may request a permission set in an account.
// A deny is an answer (Allowed false, with each flow's reason), not an
// error; asking about someone else as a non-admin is EFORBIDDEN.
func (c *Client) Can(ctx context.Context, in CanInput) (*Explanation, error) {
	body := canBody{User: in.User, Resource: in.Resource, Account: in.Account, PermissionSet: in.PermissionSet, Duration: optionalDuration(in.Duration)}
	return call[Explanation](ctx, c, http.MethodPost, "/api/v1/can", body)
}

// WhoCan lists who may request the resource, through which flow, and who
// approves. Admins only.
func (c *Client) WhoCan(ctx context.Context, r Resource) ([]WhoCan, error) {
	q := query(map[string]string{"resource": r.ID, "account": r.Account, "permission_set": r.PermissionSet})
	return list[WhoCan](ctx, c, "/api/v1/who-can", q)
}

// Events lists audit events, oldest first.
func (c *Client) Events(ctx context.Context, p EventsParams) ([]*stint.Event, error) {
	return list[*stint.Event](ctx, c, "/api/v1/events", p.query())
}

// call sends body (when not nil) to method path and returns the answer
// decoded into a new T, or nil and the error.
func call[T any](ctx context.Context, c *Client, method, path string, body any) (*T, error) {
	var v T
	if err := c.do(ctx, method, path, nil, body, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// list GETs path with the query q and returns the answer, a JSON array.
func list[T any](ctx context.Context, c *Client, path string, q url.Values) ([]T, error) {
	var out []T
	err := c.do(ctx, http.MethodGet, path, q, nil, &out)
	return out, err
}

// itemPath is the path of a request or grant ("requests", "grants"), or of
// an action on it when action is not "".
func itemPath(kind, id, action string) string {
	p := "/api/v1/" + kind + "/" + url.PathEscape(id)
	if action != "" {
		p += "/" + action
	}
	return p
}

// query builds a query string from the parameters whose value is not "".
func query(params map[string]string) url.Values {
	q := url.Values{}
	for name, v := range params {
		if v != "" {
			q.Set(name, v)
		}
	}
	return q
}

// flag is a boolean query parameter: "true", or "" to leave it out.
func flag(b bool) string {
	if b {
		return "true"
	}
	return ""
}

// optionalDuration is a duration field: its text, or "" for 0 (the flow's default).
func optionalDuration(d time.Duration) string {
	if d > 0 {
		return stint.FormatDuration(d)
	}
	return ""
}

// count is a limit query parameter: the number, or "" for 0 (the server's default).
func count(n int) string {
	if n > 0 {
		return strconv.Itoa(n)
	}
	return ""
}
