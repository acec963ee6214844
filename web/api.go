package web

import (
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
// PermissionSet are a shorthand for a single resource.
type SubmitBody struct {
	Resources     []access.ResourceInput `json:"resources,omitempty"`
	Account       string                 `json:"account,omitempty"`
	PermissionSet string                 `json:"permission_set,omitempty"`
	Duration      string                 `json:"duration,omitempty"` // ParseDuration syntax; "" means the flow's default
	Reason        string                 `json:"reason,omitempty"`
	StartsAt      string                 `json:"starts_at,omitempty"` // RFC 3339; "" means on approval
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
	if !s.checkQuery(w, r) {
		return
	}
	list, err := s.svc.Resources(r.Context(), caller(r))
	s.answer(w, r, http.StatusOK, nonNil(list), err)
}

func (s *Server) submit(w http.ResponseWriter, r *http.Request) {
	var body SubmitBody
	if !s.decode(w, r, &body) {
		return
	}
	in, err := body.input()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	req, err := s.svc.Submit(r.Context(), caller(r), in)
	s.answer(w, r, http.StatusCreated, req, err)
}

// input checks the body and turns it into the service's input.
func (b *SubmitBody) input() (access.SubmitInput, error) {
	in := access.SubmitInput{Resources: b.Resources, Reason: b.Reason}
	switch {
	case b.Account != "" || b.PermissionSet != "":
		if len(b.Resources) > 0 {
			return in, stint.Errorf(stint.EINVALID, "give either resources or account and permission_set, not both")
		}
		if b.Account == "" || b.PermissionSet == "" {
			return in, stint.Errorf(stint.EINVALID, "account and permission_set go together; give both")
		}
		in.Resources = []access.ResourceInput{{Account: b.Account, PermissionSet: b.PermissionSet}}
	case len(b.Resources) == 0:
		return in, stint.Errorf(stint.EINVALID, "a request needs resources, or account and permission_set")
	}
	for i, res := range in.Resources {
		if strings.TrimSpace(res.Account) == "" || strings.TrimSpace(res.PermissionSet) == "" {
			return in, stint.Errorf(stint.EINVALID, "resources[%d] needs account and permission_set", i)
		}
	}
	if b.Duration != "" {
		d, err := stint.ParseDuration(b.Duration)
		if err != nil {
			return in, stint.Errorf(stint.EINVALID, "duration: %s", stint.ErrorMessage(err))
		}
		in.Duration = d
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

func (s *Server) listRequests(w http.ResponseWriter, r *http.Request) {
	if !s.checkQuery(w, r, "pending", "limit") {
		return
	}
	q := r.URL.Query()
	pending, err := queryBool(q, "pending")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit, err := queryLimit(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	list, err := s.svc.Requests(r.Context(), caller(r), access.RequestsInput{Pending: pending, Limit: limit})
	s.answer(w, r, http.StatusOK, nonNil(list), err)
}

func (s *Server) getRequest(w http.ResponseWriter, r *http.Request) {
	if !s.checkQuery(w, r) {
		return
	}
	req, err := s.svc.Request(r.Context(), caller(r), chi.URLParam(r, "id"))
	s.answer(w, r, http.StatusOK, req, err)
}

func (s *Server) approve(w http.ResponseWriter, r *http.Request) {
	var body ApproveBody
	if !s.decode(w, r, &body) {
		return
	}
	req, err := s.svc.Approve(r.Context(), caller(r), chi.URLParam(r, "id"), body.Comment)
	s.answer(w, r, http.StatusOK, req, err)
}

func (s *Server) deny(w http.ResponseWriter, r *http.Request) {
	var body DenyBody
	if !s.decode(w, r, &body) {
		return
	}
	if strings.TrimSpace(body.Reason) == "" {
		s.writeError(w, r, stint.Errorf(stint.EINVALID, "a denial needs a reason"))
		return
	}
	req, err := s.svc.Deny(r.Context(), caller(r), chi.URLParam(r, "id"), body.Reason)
	s.answer(w, r, http.StatusOK, req, err)
}

func (s *Server) cancel(w http.ResponseWriter, r *http.Request) {
	if !s.decode(w, r, &emptyBody{}) {
		return
	}
	req, err := s.svc.Cancel(r.Context(), caller(r), chi.URLParam(r, "id"))
	s.answer(w, r, http.StatusOK, req, err)
}

func (s *Server) listGrants(w http.ResponseWriter, r *http.Request) {
	if !s.checkQuery(w, r, "all", "limit") {
		return
	}
	q := r.URL.Query()
	all, err := queryBool(q, "all")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit, err := queryLimit(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	list, err := s.svc.Grants(r.Context(), caller(r), access.GrantsInput{All: all, Limit: limit})
	s.answer(w, r, http.StatusOK, nonNil(list), err)
}

func (s *Server) getGrant(w http.ResponseWriter, r *http.Request) {
	if !s.checkQuery(w, r) {
		return
	}
	g, err := s.svc.Grant(r.Context(), caller(r), chi.URLParam(r, "id"))
	s.answer(w, r, http.StatusOK, g, err)
}

func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	if !s.decode(w, r, &emptyBody{}) {
		return
	}
	g, err := s.svc.Revoke(r.Context(), caller(r), chi.URLParam(r, "id"))
	s.answer(w, r, http.StatusOK, g, err)
}

func (s *Server) extend(w http.ResponseWriter, r *http.Request) {
	var body ExtendBody
	if !s.decode(w, r, &body) {
		return
	}
	if body.Duration == "" {
		s.writeError(w, r, stint.Errorf(stint.EINVALID, "duration is required, e.g. {\"duration\":\"30m\"}"))
		return
	}
	d, err := stint.ParseDuration(body.Duration)
	if err != nil {
		s.writeError(w, r, stint.Errorf(stint.EINVALID, "duration: %s", stint.ErrorMessage(err)))
		return
	}
	g, err := s.svc.Extend(r.Context(), caller(r), chi.URLParam(r, "id"), d)
	s.answer(w, r, http.StatusOK, g, err)
}

func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	if !s.checkQuery(w, r, "since", "subject", "limit") {
		return
	}
	q := r.URL.Query()
	in := access.EventsInput{Subject: q.Get("subject")}
	var err error
	if v := q.Get("since"); v != "" {
		if in.Since, err = ParseSince(v, s.now()); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if in.Limit, err = queryLimit(q); err != nil {
		s.writeError(w, r, err)
		return
	}
	list, err := s.svc.Events(r.Context(), caller(r), in)
	s.answer(w, r, http.StatusOK, nonNil(list), err)
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
			slices.Sort(allowed)
			msg = "known: " + strings.Join(allowed, ", ")
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
