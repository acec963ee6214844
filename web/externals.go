package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
)

// externalRoutes are the API routes external (third-party) users may
// call: their resources, requests, grants and credentials. Any other
// answers 403, and the attempt is recorded.
var externalRoutes = map[string]bool{
	"GET /api/v1/me":                    true,
	"GET /api/v1/resources":             true,
	"GET /api/v1/requests":              true,
	"POST /api/v1/requests":             true,
	"GET /api/v1/requests/{id}":         true,
	"POST /api/v1/requests/{id}/cancel": true,
	"GET /api/v1/grants":                true,
	"GET /api/v1/grants/{id}":           true,
	"POST /api/v1/grants/{id}/revoke":   true,
	"POST /api/v1/grants/{id}/activate": true,
	"POST /api/v1/credentials":          true,
}

// externalMay reports whether an external caller may use the request's
// route, recording the attempt when not.
func (s *Server) externalMay(w http.ResponseWriter, r *http.Request, c *access.Caller) bool {
	if c.External == nil {
		return true
	}
	route := r.Method + " " + chi.RouteContext(r.Context()).RoutePattern()
	if externalRoutes[route] {
		return true
	}
	s.writeError(w, r, s.svc.RefuseExternal(r.Context(), c, "use "+route))
	return false
}

// InviteBody is the body of POST /api/v1/externals.
type InviteBody struct {
	Email string `json:"email"`
	Org   string `json:"org"`
	// Sponsor is the internal user who vouches for the external and
	// approves their requests; "" means the caller.
	Sponsor string `json:"sponsor,omitempty"`
	// Expires is how long the external identity lasts, e.g. "30d"; ""
	// means 30 days.
	Expires string `json:"expires,omitempty"`
}

func (b *InviteBody) input() (access.InviteInput, error) {
	in := access.InviteInput{Email: strings.TrimSpace(b.Email), Org: strings.TrimSpace(b.Org), Sponsor: strings.TrimSpace(b.Sponsor)}
	if in.Email == "" || in.Org == "" {
		return in, stint.Errorf(stint.EINVALID, "an invite needs email and org, e.g. {\"email\":\"vera@acme.example\",\"org\":\"Acme\"}")
	}
	var err error
	in.Expires, err = optionalDuration(b.Expires)
	return in, err
}

// CredentialsBody is the body of POST /api/v1/credentials.
type CredentialsBody struct {
	GrantID  string `json:"grant_id,omitempty"`
	Resource string `json:"resource,omitempty"` // a resource ID; the caller's active grant of it
	Code     string `json:"code"`               // a fresh TOTP code
}

func (s *Server) invite(w http.ResponseWriter, r *http.Request) {
	withBody[InviteBody](s, w, r, http.StatusCreated, s.svc.Invite)
}

func (s *Server) listExternals(w http.ResponseWriter, r *http.Request) {
	list(s, w, r, func(q url.Values) (access.ExternalsInput, error) {
		return access.ExternalsInput{Org: strings.TrimSpace(q.Get("org"))}, nil
	}, s.svc.ExternalUsers, "org")
}

func (s *Server) disableExternal(w http.ResponseWriter, r *http.Request) {
	var body emptyBody
	if !s.decode(w, r, &body) {
		return
	}
	x, err := s.svc.DisableExternal(r.Context(), caller(r), chi.URLParam(r, "email"))
	s.answer(w, r, http.StatusOK, x, err)
}

func (s *Server) credentials(w http.ResponseWriter, r *http.Request) {
	var body CredentialsBody
	if !s.decode(w, r, &body) {
		return
	}
	if strings.TrimSpace(body.Code) == "" {
		s.writeError(w, r, stint.Errorf(stint.EINVALID, "credentials need a fresh code from your authenticator app (code)"))
		return
	}
	c, err := s.svc.IssueCredentials(r.Context(), caller(r), access.CredentialsInput{GrantID: body.GrantID, Resource: body.Resource,
		Code: body.Code, Channel: "api", Remote: r.RemoteAddr})
	s.answer(w, r, http.StatusOK, c, err)
}
