package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
)

// MaxListLimit bounds ?limit= on listings.
const MaxListLimit = 1000

// Profile is the answer of GET /api/v1/me.
type Profile struct {
	User        string   `json:"user"` // identity store user name
	UserID      string   `json:"user_id"`
	Email       string   `json:"email"`
	DisplayName string   `json:"display_name"`
	Groups      []string `json:"groups"`
	Admin       bool     `json:"admin"`
}

// SubmitBody is the body of POST /api/v1/requests. Account and
// PermissionSet are a shorthand for a single resource; with Bundle, the
// resources may be left out.
type SubmitBody struct {
	// Resources: each {"id": "aws-s3:111111111111/bucket:read"} (any type;
	// the account part may be a name) or {"account", "permission_set"}.
	Resources     []access.ResourceInput `json:"resources,omitempty"`
	Resource      string                 `json:"resource,omitempty"` // shorthand for one resource ID
	Account       string                 `json:"account,omitempty"`
	PermissionSet string                 `json:"permission_set,omitempty"`
	// Bundle names a flow bundle: a set of resources requested together.
	Bundle   string `json:"bundle,omitempty"`
	Duration string `json:"duration,omitempty"` // ParseDuration syntax; "" means the flow's default
	Reason   string `json:"reason,omitempty"`
	// Ticket is the change or incident reference some flows ask for.
	Ticket string `json:"ticket,omitempty"`
	// BreakGlass asks for emergency access without approval, where a flow
	// allows it.
	BreakGlass bool   `json:"break_glass,omitempty"`
	StartsAt   string `json:"starts_at,omitempty"` // RFC 3339; "" means on approval
	// ExtendsGrant asks for the caller's grant to be extended by Duration,
	// through the flow's approval steps.
	ExtendsGrant string `json:"extends_grant,omitempty"`
}

// checkResourceInput checks that a resource is named by ID or by
// account and permission set, not both.
func checkResourceInput(res access.ResourceInput) error {
	id, acct, ps := strings.TrimSpace(res.ID), strings.TrimSpace(res.Account), strings.TrimSpace(res.PermissionSet)
	switch {
	case id != "" && (acct != "" || ps != ""):
		return stint.Errorf(stint.EINVALID, "give id, or account and permission_set, not both")
	case id == "" && (acct == "" || ps == ""):
		return stint.Errorf(stint.EINVALID, "needs an id (e.g. aws-s3:111111111111/bucket:read), or account and permission_set")
	}
	return nil
}

// CanBody is the body of POST /api/v1/can.
type CanBody struct {
	User          string `json:"user,omitempty"`     // email; "" means the caller
	Resource      string `json:"resource,omitempty"` // a resource ID; or account and permission_set
	Account       string `json:"account,omitempty"`  // ID or name
	PermissionSet string `json:"permission_set,omitempty"`
	Duration      string `json:"duration,omitempty"` // ParseDuration syntax; "" means the flow's default
}

// ApproveBody is the body of POST /api/v1/requests/{id}/approve.
type ApproveBody struct {
	Comment string `json:"comment,omitempty"`
}

// DenyBody is the body of POST /api/v1/requests/{id}/deny.
type DenyBody struct {
	Reason string `json:"reason"`
}

// ExtendBody is the body of POST /api/v1/grants/{id}/extend.
type ExtendBody struct {
	Duration string `json:"duration"`
}

type emptyBody struct{}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	c := caller(r)
	u := c.User
	writeJSON(w, http.StatusOK, Profile{
		User: u.UserName, UserID: u.ID, Email: u.Email, DisplayName: u.DisplayName,
		Groups: nonNil(u.Groups), Admin: c.Admin,
	})
}

func (s *Server) resources(w http.ResponseWriter, r *http.Request) {
	plainList(s, w, r, s.svc.Resources)
}

func (s *Server) submit(w http.ResponseWriter, r *http.Request) {
	withBody[SubmitBody](s, w, r, http.StatusCreated, s.svc.Submit)
}

// plainList answers a listing that takes no query parameters.
func plainList[T any](s *Server, w http.ResponseWriter, r *http.Request, do func(context.Context, *access.Caller) ([]T, error)) {
	if !s.checkQuery(w, r) {
		return
	}
	list, err := do(r.Context(), caller(r))
	s.answer(w, r, http.StatusOK, nonNil(list), err)
}

// withBody decodes a body that checks itself into the service's input, calls
// the service and answers with its result.
func withBody[B any, I any, O any, PB interface {
	*B
	input() (I, error)
}](s *Server, w http.ResponseWriter, r *http.Request, status int, do func(context.Context, *access.Caller, I) (O, error)) {
	var body B
	if !s.decode(w, r, &body) {
		return
	}
	in, err := PB(&body).input()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := do(r.Context(), caller(r), in)
	s.answer(w, r, status, out, err)
}

// input checks the body and turns it into the service's input.
func (b *SubmitBody) input() (access.SubmitInput, error) {
	in := access.SubmitInput{Resources: b.Resources, Reason: b.Reason, Bundle: strings.TrimSpace(b.Bundle),
		Ticket: strings.TrimSpace(b.Ticket), BreakGlass: b.BreakGlass, ExtendsGrant: strings.TrimSpace(b.ExtendsGrant)}
	switch {
	case strings.TrimSpace(b.Resource) != "":
		if len(b.Resources) > 0 || b.Account != "" || b.PermissionSet != "" {
			return in, stint.Errorf(stint.EINVALID, "give one of resource, resources, or account and permission_set")
		}
		in.Resources = []access.ResourceInput{{ID: strings.TrimSpace(b.Resource)}}
	case b.Account != "" || b.PermissionSet != "":
		if len(b.Resources) > 0 {
			return in, stint.Errorf(stint.EINVALID, "give either resources or account and permission_set, not both")
		}
		if b.Account == "" || b.PermissionSet == "" {
			return in, stint.Errorf(stint.EINVALID, "account and permission_set go together; give both")
		}
		in.Resources = []access.ResourceInput{{Account: b.Account, PermissionSet: b.PermissionSet}}
	case len(b.Resources) == 0 && in.Bundle == "" && in.ExtendsGrant == "":
		return in, stint.Errorf(stint.EINVALID, "a request needs a resource, resources, account and permission_set, a bundle, or extends_grant")
	}
	for i, res := range in.Resources {
		if err := checkResourceInput(res); err != nil {
			return in, stint.Errorf(stint.EINVALID, "resources[%d]: %s", i, stint.ErrorMessage(err))
		}
	}
	var err error
	if in.Duration, err = optionalDuration(b.Duration); err != nil {
		return in, err
	}
	if b.StartsAt != "" {
		t, err := time.Parse(time.RFC3339, b.StartsAt)
		if err != nil {
			return in, stint.Errorf(stint.EINVALID, "starts_at %q is not an RFC 3339 time such as 2025-01-02T15:04:05Z", b.StartsAt)
		}
		in.StartsAt = &t
	}
	return in, nil
}

// optionalDuration reads a duration field; "" is 0, the flow's default.
func optionalDuration(v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	d, err := stint.ParseDuration(v)
	if err != nil {
		return 0, stint.Errorf(stint.EINVALID, "duration: %s", stint.ErrorMessage(err))
	}
	return d, nil
}

func (s *Server) listRequests(w http.ResponseWriter, r *http.Request) {
	list(s, w, r, requestsInput, s.svc.Requests, "pending", "limit")
}

func requestsInput(q url.Values) (access.RequestsInput, error) {
	pending, limit, err := boolAndLimit(q, "pending")
	return access.RequestsInput{Pending: pending, Limit: limit}, err
}

func (s *Server) getRequest(w http.ResponseWriter, r *http.Request) {
	byID(s, w, r, s.svc.Request)
}

func (s *Server) approve(w http.ResponseWriter, r *http.Request) {
	act(s, w, r, func(ctx context.Context, c *access.Caller, id string, body ApproveBody) (*stint.Request, error) {
		return s.svc.Approve(ctx, c, id, body.Comment)
	})
}

func (s *Server) deny(w http.ResponseWriter, r *http.Request) {
	act(s, w, r, func(ctx context.Context, c *access.Caller, id string, body DenyBody) (*stint.Request, error) {
		if strings.TrimSpace(body.Reason) == "" {
			return nil, stint.Errorf(stint.EINVALID, "a denial needs a reason")
		}
		return s.svc.Deny(ctx, c, id, body.Reason)
	})
}

func (s *Server) cancel(w http.ResponseWriter, r *http.Request) {
	act(s, w, r, noBody(s.svc.Cancel))
}

func (s *Server) listGrants(w http.ResponseWriter, r *http.Request) {
	list(s, w, r, grantsInput, s.svc.Grants, "all", "limit")
}

func grantsInput(q url.Values) (access.GrantsInput, error) {
	all, limit, err := boolAndLimit(q, "all")
	return access.GrantsInput{All: all, Limit: limit}, err
}

func (s *Server) getGrant(w http.ResponseWriter, r *http.Request) {
	byID(s, w, r, s.svc.Grant)
}

func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	act(s, w, r, noBody(s.svc.Revoke))
}

func (s *Server) extend(w http.ResponseWriter, r *http.Request) {
	act(s, w, r, func(ctx context.Context, c *access.Caller, id string, body ExtendBody) (*stint.Grant, error) {
		if body.Duration == "" {
			return nil, stint.Errorf(stint.EINVALID, "duration is required, e.g. {\"duration\":\"30m\"}")
		}
		d, err := stint.ParseDuration(body.Duration)
		if err != nil {
			return nil, stint.Errorf(stint.EINVALID, "duration: %s", stint.ErrorMessage(err))
		}
		return s.svc.Extend(ctx, c, id, d)
	})
}

func (s *Server) activate(w http.ResponseWriter, r *http.Request) {
	act(s, w, r, noBody(s.svc.ActivateReady))
}

func (s *Server) flows(w http.ResponseWriter, r *http.Request) {
	plainList(s, w, r, s.svc.ListFlows)
}

func (s *Server) can(w http.ResponseWriter, r *http.Request) {
	withBody[CanBody](s, w, r, http.StatusOK, s.svc.Can)
}

// input checks the body and turns it into the service's input.
func (b *CanBody) input() (access.CanInput, error) {
	in := access.CanInput{User: strings.TrimSpace(b.User), Resource: strings.TrimSpace(b.Resource),
		Account: strings.TrimSpace(b.Account), PermissionSet: strings.TrimSpace(b.PermissionSet)}
	if err := checkResourceInput(access.ResourceInput{ID: in.Resource, Account: in.Account, PermissionSet: in.PermissionSet}); err != nil {
		return in, stint.Errorf(stint.EINVALID, "%s, e.g. {\"resource\":\"aws-sso:prod-payments/ReadOnly\"}", stint.ErrorMessage(err))
	}
	var err error
	in.Duration, err = optionalDuration(b.Duration)
	return in, err
}

func (s *Server) whoCan(w http.ResponseWriter, r *http.Request) {
	list(s, w, r, whoCanInput, s.svc.WhoCan, "resource", "account", "permission_set")
}

func whoCanInput(q url.Values) (access.ResourceInput, error) {
	in := access.ResourceInput{ID: strings.TrimSpace(q.Get("resource")), Account: strings.TrimSpace(q.Get("account")),
		PermissionSet: strings.TrimSpace(q.Get("permission_set"))}
	if err := checkResourceInput(in); err != nil {
		return in, stint.Errorf(stint.EINVALID, "%s, e.g. ?resource=aws-s3:prod-payments/payments-logs:read or ?account=prod-payments&permission_set=ReadOnly",
			stint.ErrorMessage(err))
	}
	return in, nil
}

// ParseSince reads an RFC 3339 time, or a duration back from now ("1h", "7d").
func ParseSince(v string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	d, err := stint.ParseDuration(v)
	if err != nil {
		return time.Time{}, stint.Errorf(stint.EINVALID, "since %q is neither an RFC 3339 time nor a duration such as 1h or 7d", v)
	}
	return now.Add(-d), nil
}

// list answers a listing: the query may hold only the parameters named,
// parse reads it into the service's input, and an empty list is [], not null.
func list[In, T any](s *Server, w http.ResponseWriter, r *http.Request, parse func(url.Values) (In, error),
	fetch func(context.Context, *access.Caller, In) ([]T, error), params ...string) {
	if !s.checkQuery(w, r, params...) {
		return
	}
	in, err := parse(r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items, err := fetch(r.Context(), caller(r), in)
	s.answer(w, r, http.StatusOK, nonNil(items), err)
}

// byID answers a GET of the request or grant named by the path's {id}.
func byID[T any](s *Server, w http.ResponseWriter, r *http.Request, get func(context.Context, *access.Caller, string) (T, error)) {
	if !s.checkQuery(w, r) {
		return
	}
	v, err := get(r.Context(), caller(r), chi.URLParam(r, "id"))
	s.answer(w, r, http.StatusOK, v, err)
}

// act answers a POST of an action on the request or grant named by the
// path's {id}: it decodes the body into a B and answers with what do returns.
func act[B, T any](s *Server, w http.ResponseWriter, r *http.Request, do func(context.Context, *access.Caller, string, B) (T, error)) {
	var body B
	if !s.decode(w, r, &body) {
		return
	}
	v, err := do(r.Context(), caller(r), chi.URLParam(r, "id"), body)
	s.answer(w, r, http.StatusOK, v, err)
}

// noBody adapts a service action that takes no input to act; the body must
// be empty or {}.
func noBody[T any](do func(context.Context, *access.Caller, string) (T, error)) func(context.Context, *access.Caller, string, emptyBody) (T, error) {
	return func(ctx context.Context, c *access.Caller, id string, _ emptyBody) (T, error) {
		return do(ctx, c, id)
	}
}

// answer writes v with status, or err.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, status, v)
}

// decode reads the JSON body into v, answering 400 when it is malformed.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if !s.checkQuery(w, r) {
		return false
	}
	if err := decodeJSON(w, r, s.maxBody, v); err != nil {
		s.writeError(w, r, err)
		return false
	}
	return true
}

// checkQuery answers 400 when the query has a parameter the route does not
// know, so that a typo ("?pendng=true") is not silently ignored.
func (s *Server) checkQuery(w http.ResponseWriter, r *http.Request, allowed ...string) bool {
	for name := range r.URL.Query() {
		if slices.Contains(allowed, name) {
			continue
		}
		msg := "this route takes no query parameters"
		if len(allowed) > 0 {
			msg = "known: " + strings.Join(slices.Sorted(slices.Values(allowed)), ", ")
		}
		s.writeError(w, r, stint.Errorf(stint.EINVALID, "unknown query parameter %q; %s", name, msg))
		return false
	}
	return true
}

func queryBool(q url.Values, name string) (bool, error) {
	v := q.Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, stint.Errorf(stint.EINVALID, "%s=%q must be true or false", name, v)
	}
	return b, nil
}

// boolAndLimit reads the boolean parameter name and limit.
func boolAndLimit(q url.Values, name string) (bool, int, error) {
	b, err := queryBool(q, name)
	if err != nil {
		return false, 0, err
	}
	limit, err := queryLimit(q)
	return b, limit, err
}

func queryLimit(q url.Values) (int, error) {
	v := q.Get("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxListLimit {
		return 0, stint.Errorf(stint.EINVALID, "limit=%q must be a whole number from 1 to %d", v, MaxListLimit)
	}
	return n, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
