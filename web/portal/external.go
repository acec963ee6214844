package portal

import (
	"cmp"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
	"github.com/stint-dev/stint/mfa"
	"github.com/stint-dev/stint/web"
)

// ExternalsConfig enables the pages of third-party (external) users.
type ExternalsConfig struct {
	// SessionMax and SessionIdle end an external's session that long
	// after sign-in, and unused that long. Defaults: 1h and 15m.
	SessionMax, SessionIdle time.Duration
	// APIURL is the server URL the command line page tells externals to
	// use (STINT_SERVER). Default: the portal's BaseURL.
	APIURL string
}

// Defaults of ExternalsConfig.
const (
	DefaultExternalSessionMax  = time.Hour
	DefaultExternalSessionIdle = 15 * time.Minute
	// enrolWindow is how long an opened invite (or a used recovery code)
	// leaves to enrol an authenticator.
	enrolWindow = 30 * time.Minute
)

func (c *ExternalsConfig) defaults(baseURL string) {
	c.SessionMax = cmp.Or(c.SessionMax, DefaultExternalSessionMax)
	c.SessionIdle = min(cmp.Or(c.SessionIdle, DefaultExternalSessionIdle), c.SessionMax)
	c.APIURL = strings.TrimRight(cmp.Or(c.APIURL, baseURL), "/")
}

// externalRoutes are the external users' pages: the invite, enrolment,
// sign-in and recovery, then (signed in with TOTP) their access, requests
// and credentials. Nothing of the internal portal is reachable from an
// external session, nor these pages from an internal one.
func (p *Portal) externalRoutes(r chi.Router) {
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if p.cfg.Externals == nil {
				p.notFound(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	r.Get("/invite", p.extInvitePage)
	r.Post("/invite", p.extInviteOpen)
	r.Get("/enrol", p.extEnrolPage)
	r.Get("/enrol/qr.png", p.extEnrolQR)
	r.Post("/enrol", p.extEnrolSubmit)
	r.Get("/login", p.extLoginPage)
	r.Post("/login", p.extLoginSubmit)
	r.Get("/recover", p.extRecoverPage)
	r.Post("/recover", p.extRecoverSubmit)
	r.Group(func(r chi.Router) {
		r.Use(p.requireExternal)
		r.Get("/", p.extHome)
		r.Post("/request", p.extRequest)
		r.Post("/requests/{id}/cancel", p.extCancel)
		r.Post("/grants/{id}/revoke", p.extRevoke)
		r.Get("/grants/{id}/credentials", p.extCredsPage)
		r.Post("/grants/{id}/credentials", p.extCredsSubmit)
		r.Get("/cli", p.extCLIPage)
		r.Post("/cli", p.extCLISubmit)
	})
}

// requireExternal lets external sessions through with their caller; the
// external's state is checked on every request (disabled or expired ends
// the session).
func (p *Portal) requireExternal(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cur := sessionOf(r)
		if cur == nil || cur.s.Method != stint.SessionExternal || !stint.IsExternalID(cur.s.UserEmail) {
			if cur != nil && cur.s.UserEmail != "" {
				p.errorPage(w, r, http.StatusForbidden, "These pages are for external users; yours are at /.")
				return
			}
			if r.Method != http.MethodGet {
				p.errorPage(w, r, http.StatusUnauthorized, "Your session has ended; sign in again.")
				return
			}
			http.Redirect(w, r, "/external/login", http.StatusSeeOther)
			return
		}
		c, err := p.svc.ExternalCaller(r.Context(), cur.s.UserEmail)
		if err != nil {
			if stint.IsCode(err, stint.EUNAUTHORIZED) {
				_ = p.svc.EndSession(r.Context(), cur.s.Hash, nil)
				p.clearCookie(w)
			}
			p.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, p.context(r, callerKey, c))
	})
}

// preSession gives the browser a session for a form's CSRF token, unless
// it has one.
func (p *Portal) preSession(w http.ResponseWriter, r *http.Request, data map[string]string) (*http.Request, bool) {
	if cur := sessionOf(r); cur != nil && cur.s.UserEmail == "" {
		return r, true
	}
	s, err := p.startSignIn(w, r, data)
	if err != nil {
		p.fail(w, r, err)
		return r, false
	}
	return p.context(r, sessionKey, &current{s: s}), true
}

type extInviteData struct {
	External *stint.External
	Token    string
}

// extInvitePage shows who invites the visitor, without using the link:
// mail scanners that fetch links use nothing up. Starting is a POST.
func (p *Portal) extInvitePage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	x, err := p.svc.InvitePreview(r.Context(), token)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	r, ok := p.preSession(w, r, map[string]string{"external": "invite"})
	if !ok {
		return
	}
	p.render(w, r, http.StatusOK, "external-invite", "Your invitation", extInviteData{External: x, Token: token})
}

// extInviteOpen uses the invite (once) and starts the enrolment: a short
// session that may only enrol an authenticator.
func (p *Portal) extInviteOpen(w http.ResponseWriter, r *http.Request) {
	x, err := p.svc.OpenInvite(r.Context(), r.PostFormValue("token"), r.RemoteAddr)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if err := p.enrolSession(w, r, x.ID); err != nil {
		p.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/external/enrol", http.StatusSeeOther)
}

// enrolSession replaces the browser's session with one for enrolling.
func (p *Portal) enrolSession(w http.ResponseWriter, r *http.Request, id string) error {
	secret, hash := stint.NewSessionSecret()
	now := p.now()
	s := &stint.Session{Hash: hash, CSRF: randomToken(), Data: map[string]string{"enrol": id}, CreatedAt: now, SeenAt: now,
		ExpiresAt: now.Add(enrolWindow)}
	old := ""
	if cur := sessionOf(r); cur != nil {
		old = cur.s.Hash
	}
	if err := p.svc.RotateSession(r.Context(), old, s, nil); err != nil {
		return err
	}
	p.setCookie(w, secret, s.ExpiresAt)
	return nil
}

// enrolling returns the external ID the session is enrolling, or "".
func enrolling(r *http.Request) string {
	if cur := sessionOf(r); cur != nil && cur.s.UserEmail == "" {
		return cur.s.Data["enrol"]
	}
	return ""
}

type extEnrolData struct {
	Secret  string // grouped by four for reading
	Problem string
}

func (p *Portal) extEnrolPage(w http.ResponseWriter, r *http.Request) {
	p.enrolPage(w, r, http.StatusOK, "")
}

func (p *Portal) enrolPage(w http.ResponseWriter, r *http.Request, status int, problem string) {
	id := enrolling(r)
	if id == "" {
		p.errorPage(w, r, http.StatusForbidden, "Open your invite link (or use a recovery code) to set up an authenticator.")
		return
	}
	key, err := p.svc.EnrolmentKey(r.Context(), id)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.render(w, r, status, "external-enrol", "Set up your authenticator", extEnrolData{Secret: groupBy4(key.Secret), Problem: problem})
}

func groupBy4(s string) string {
	var parts []string
	for len(s) > 4 {
		parts, s = append(parts, s[:4]), s[4:]
	}
	return strings.Join(append(parts, s), " ")
}

// extEnrolQR is the QR code of the enrolling session's secret.
func (p *Portal) extEnrolQR(w http.ResponseWriter, r *http.Request) {
	id := enrolling(r)
	if id == "" {
		p.notFound(w, r)
		return
	}
	key, err := p.svc.EnrolmentKey(r.Context(), id)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	png, err := mfa.QR(key.URL, 240)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/png")
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write(png)
}

type extRecoveryData struct {
	Codes []string
}

// extEnrolSubmit verifies the first code; only then does the enrolment
// count. The recovery codes are shown once, and the external is signed in.
func (p *Portal) extEnrolSubmit(w http.ResponseWriter, r *http.Request) {
	id := enrolling(r)
	if id == "" {
		p.errorPage(w, r, http.StatusForbidden, "Open your invite link (or use a recovery code) to set up an authenticator.")
		return
	}
	x, codes, err := p.svc.CompleteEnrolment(r.Context(), id, r.PostFormValue("code"), r.RemoteAddr)
	if err != nil {
		if code := stint.ErrorCode(err); code == stint.EUNAUTHORIZED || code == stint.EFORBIDDEN {
			p.enrolPage(w, r, statusOf(err), "That code did not verify: "+stint.ErrorMessage(err)+".")
			return
		}
		p.fail(w, r, err)
		return
	}
	if err := p.externalSignIn(w, r, x.ID, x.Email, "enrolment"); err != nil {
		p.fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "external-recovery", "Your recovery codes", extRecoveryData{Codes: codes})
}

func statusOf(err error) int {
	if stint.IsCode(err, stint.EFORBIDDEN) {
		return http.StatusForbidden
	}
	return http.StatusUnauthorized
}

// externalSignIn starts an external's session: short, and only after a
// TOTP code was verified.
func (p *Portal) externalSignIn(w http.ResponseWriter, r *http.Request, id, email, via string) error {
	ev := &stint.Event{Actor: email, Type: stint.EventSignedIn, Subject: id, Data: map[string]any{
		"method": stint.SessionExternal, "via": via, "remote": r.RemoteAddr}}
	return p.signIn(w, r, id, stint.SessionExternal, p.cfg.Externals.SessionMax, ev)
}

type extLoginData struct {
	Email   string
	Problem string
}

func (p *Portal) extLoginPage(w http.ResponseWriter, r *http.Request) {
	r, ok := p.preSession(w, r, map[string]string{"external": "login"})
	if !ok {
		return
	}
	p.render(w, r, http.StatusOK, "external-login", "Sign in (external users)", extLoginData{})
}

func (p *Portal) extLoginSubmit(w http.ResponseWriter, r *http.Request) {
	email := strings.TrimSpace(r.PostFormValue("email"))
	c, err := p.svc.ExternalSignIn(r.Context(), email, r.PostFormValue("code"), r.RemoteAddr)
	if err != nil {
		if code := stint.ErrorCode(err); code == stint.EUNAUTHORIZED || code == stint.EFORBIDDEN {
			p.log.Warn("failed external sign-in", slog.String("remote", r.RemoteAddr))
			p.render(w, r, statusOf(err), "external-login", "Sign in (external users)", extLoginData{Email: email, Problem: stint.ErrorMessage(err)})
			return
		}
		p.fail(w, r, err)
		return
	}
	if err := p.externalSignIn(w, r, c.User.ID, c.User.Email, "totp"); err != nil {
		p.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/external/", http.StatusSeeOther)
}

func (p *Portal) extRecoverPage(w http.ResponseWriter, r *http.Request) {
	r, ok := p.preSession(w, r, map[string]string{"external": "recover"})
	if !ok {
		return
	}
	p.render(w, r, http.StatusOK, "external-recover", "Lost your authenticator?", extLoginData{})
}

// extRecoverSubmit spends a recovery code: the old authenticator is
// forgotten and a new one must be enrolled before anything else.
func (p *Portal) extRecoverSubmit(w http.ResponseWriter, r *http.Request) {
	email := strings.TrimSpace(r.PostFormValue("email"))
	x, err := p.svc.ExternalRecover(r.Context(), email, r.PostFormValue("recovery_code"), r.RemoteAddr)
	if err != nil {
		if code := stint.ErrorCode(err); code == stint.EUNAUTHORIZED || code == stint.EFORBIDDEN {
			p.render(w, r, statusOf(err), "external-recover", "Lost your authenticator?", extLoginData{Email: email, Problem: stint.ErrorMessage(err)})
			return
		}
		p.fail(w, r, err)
		return
	}
	if err := p.enrolSession(w, r, x.ID); err != nil {
		p.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/external/enrol", http.StatusSeeOther)
}

type extHomeData struct {
	External  *stint.External
	Grants    []*stint.Grant
	Requests  []*stint.Request
	Resources []stint.Eligible
	Problem   string
}

func (p *Portal) extHome(w http.ResponseWriter, r *http.Request) {
	p.extHomeWith(w, r, http.StatusOK, "")
}

func (p *Portal) extHomeWith(w http.ResponseWriter, r *http.Request, status int, problem string) {
	c, ctx := callerOf(r), r.Context()
	grants, err := p.svc.Grants(ctx, c, access.GrantsInput{All: true, Limit: 50})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	reqs, err := p.svc.Requests(ctx, c, access.RequestsInput{Limit: 20})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	res, err := p.svc.Resources(ctx, c)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.render(w, r, status, "external-home", "My access", extHomeData{External: c.External, Grants: grants, Requests: reqs, Resources: res, Problem: problem})
}

func (p *Portal) extRequest(w http.ResponseWriter, r *http.Request) {
	in := access.SubmitInput{Reason: r.PostFormValue("reason")}
	if id := strings.TrimSpace(r.PostFormValue("resource")); id != "" {
		in.Resources = []access.ResourceInput{{ID: id}}
	}
	if d := strings.TrimSpace(r.PostFormValue("duration")); d != "" {
		var err error
		if in.Duration, err = stint.ParseDuration(d); err != nil {
			p.extHomeWith(w, r, http.StatusBadRequest, stint.ErrorMessage(err))
			return
		}
	}
	if _, err := p.svc.Submit(r.Context(), callerOf(r), in); err != nil {
		p.extHomeWith(w, r, web.StatusOf(stint.ErrorCode(err)), stint.ErrorMessage(err))
		return
	}
	http.Redirect(w, r, "/external/?done=submitted", http.StatusSeeOther)
}

func (p *Portal) extCancel(w http.ResponseWriter, r *http.Request) {
	if _, err := p.svc.Cancel(r.Context(), callerOf(r), chi.URLParam(r, "id")); err != nil {
		p.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/external/?done=cancelled", http.StatusSeeOther)
}

func (p *Portal) extRevoke(w http.ResponseWriter, r *http.Request) {
	if _, err := p.svc.Revoke(r.Context(), callerOf(r), chi.URLParam(r, "id")); err != nil {
		p.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/external/?done=ext-revoked", http.StatusSeeOther)
}

type extCredsData struct {
	Grant   *stint.Grant
	Problem string
	Creds   *stint.Credentials
	Profile string // a profile name for the snippets
	APIURL  string
}

func (p *Portal) extCredsPage(w http.ResponseWriter, r *http.Request) {
	g, err := p.svc.Grant(r.Context(), callerOf(r), chi.URLParam(r, "id"))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "external-credentials", "Credentials", p.credsData(g))
}

func (p *Portal) credsData(g *stint.Grant) *extCredsData {
	profile := strings.NewReplacer(":", "-", "/", "-", ".", "-").Replace(g.Name + "-" + g.Level)
	return &extCredsData{Grant: g, Profile: strings.Trim(profile, "-"), APIURL: p.cfg.Externals.APIURL}
}

// extCredsSubmit issues credentials after a fresh code, even within the
// session: the page shows them once (the answer is not stored, nor
// cached by the browser).
func (p *Portal) extCredsSubmit(w http.ResponseWriter, r *http.Request) {
	c, ctx := callerOf(r), r.Context()
	g, err := p.svc.Grant(ctx, c, chi.URLParam(r, "id"))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d := p.credsData(g)
	d.Creds, err = p.svc.IssueCredentials(ctx, c, access.CredentialsInput{GrantID: g.ID, Code: r.PostFormValue("code"),
		Channel: "portal", Remote: r.RemoteAddr})
	if err != nil {
		d.Problem = stint.ErrorMessage(err)
		p.render(w, r, web.StatusOf(stint.ErrorCode(err)), "external-credentials", "Credentials", d)
		return
	}
	p.render(w, r, http.StatusOK, "external-credentials", "Credentials", d)
}

type extCLIData struct {
	APIURL  string
	Token   string
	Expires *time.Time
	Problem string
	Example string // a resource ID for the examples
}

func (p *Portal) cliData(r *http.Request) *extCLIData {
	d := &extCLIData{APIURL: p.cfg.Externals.APIURL, Example: "aws-s3:111111111111/BUCKET:read"}
	if res, err := p.svc.Resources(r.Context(), callerOf(r)); err == nil && len(res) > 0 {
		d.Example = res[0].ResourceID
	}
	return d
}

func (p *Portal) extCLIPage(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, http.StatusOK, "external-cli", "Command line", p.cliData(r))
}

// extCLISubmit makes a personal API token after a fresh code; shown once.
func (p *Portal) extCLISubmit(w http.ResponseWriter, r *http.Request) {
	d := p.cliData(r)
	token, t, err := p.svc.CreateExternalToken(r.Context(), callerOf(r), r.PostFormValue("code"), r.PostFormValue("name"), r.RemoteAddr)
	if err != nil {
		d.Problem = stint.ErrorMessage(err)
		p.render(w, r, web.StatusOf(stint.ErrorCode(err)), "external-cli", "Command line", d)
		return
	}
	d.Token, d.Expires = token, t.ExpiresAt
	p.render(w, r, http.StatusOK, "external-cli", "Command line", d)
}
