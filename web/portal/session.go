package portal

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
)

// cookieName is the session cookie's name: with the __Host- prefix when
// Secure, so that no subdomain can set or shadow it.
func (p *Portal) cookieName() string {
	if p.cfg.CookieSecure {
		return "__Host-stint_session"
	}
	return "stint_session"
}

// CSRFField and CSRFHeader carry the session's CSRF token in forms and
// htmx requests.
const (
	CSRFField  = "csrf"
	CSRFHeader = "X-CSRF-Token"
)

// touchEvery bounds how often a session's last use is written.
const touchEvery = time.Minute

// current is the request's session: nil, signing in (no user) or signed in.
type current struct {
	secret string
	s      *stint.Session
}

func sessionOf(r *http.Request) *current {
	c, _ := r.Context().Value(sessionKey).(*current)
	return c
}

func callerOf(r *http.Request) *access.Caller {
	c, _ := r.Context().Value(callerKey).(*access.Caller)
	return c
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// loadSession finds the session the cookie names. Ended sessions are
// deleted and treated as none.
func (p *Portal) loadSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ck, err := r.Cookie(p.cookieName())
		if err != nil || ck.Value == "" || len(ck.Value) > 128 {
			next.ServeHTTP(w, r)
			return
		}
		hash := stint.HashSession(ck.Value)
		s, err := p.svc.Session(r.Context(), hash)
		if err != nil {
			if !stint.IsCode(err, stint.ENOTFOUND) {
				p.fail(w, r, err)
				return
			}
			p.clearCookie(w)
			next.ServeHTTP(w, r)
			return
		}
		now := p.now()
		idle := p.cfg.SessionIdle
		switch {
		case s.UserEmail == "":
			idle = 0 // a sign-in in progress has its own short end
		case s.Method == stint.SessionExternal && p.cfg.Externals != nil:
			idle = p.cfg.Externals.SessionIdle
		}
		if s.Expired(now, idle) {
			_ = p.svc.EndSession(r.Context(), hash, nil)
			p.clearCookie(w)
			next.ServeHTTP(w, r)
			return
		}
		if s.UserEmail != "" && now.Sub(s.SeenAt) >= touchEvery {
			s.SeenAt = now
			if err := p.svc.SaveSession(r.Context(), s); err != nil {
				p.logger(r).Warn("could not record the session's use", slog.Any("err", err))
			}
		}
		next.ServeHTTP(w, p.context(r, sessionKey, &current{secret: ck.Value, s: s}))
	})
}

// checkCSRF refuses every state-changing request whose CSRF token (form
// field csrf or header X-CSRF-Token) is not its session's, comparing in
// constant time, before any handler runs.
func (p *Portal) checkCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, DefaultMaxBodyBytes)
		token := r.Header.Get(CSRFHeader)
		if token == "" {
			if err := r.ParseForm(); err != nil {
				p.errorPage(w, r, http.StatusBadRequest, "The form could not be read; reload the page and try again.")
				return
			}
			token = r.PostFormValue(CSRFField)
		}
		cur := sessionOf(r)
		if cur == nil || token == "" || cur.s.CSRF == "" || subtle.ConstantTimeCompare([]byte(token), []byte(cur.s.CSRF)) != 1 {
			p.errorPage(w, r, http.StatusForbidden, "This form has expired or did not come from this stint portal, so nothing was changed. Reload the page and try again.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requireUser lets signed-in users through with their caller; others are
// sent to sign in (or refused, for anything but a page view).
func (p *Portal) requireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cur := sessionOf(r)
		if cur != nil && cur.s.Method == stint.SessionExternal {
			// External users have pages of their own; nothing here is for them.
			if r.Method != http.MethodGet {
				p.errorPage(w, r, http.StatusForbidden, "This page is not for external users.")
				return
			}
			http.Redirect(w, r, "/external/", http.StatusSeeOther)
			return
		}
		if cur == nil || cur.s.UserEmail == "" {
			if r.Method != http.MethodGet {
				p.errorPage(w, r, http.StatusUnauthorized, "Your session has ended; sign in again.")
				return
			}
			if r.Header.Get("HX-Request") == "true" {
				w.Header().Set("HX-Redirect", "/login")
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		c, err := p.svc.CallerByEmail(r.Context(), cur.s.UserEmail)
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

// requireAdmin answers 403 to anyone but an admin.
func (p *Portal) requireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c := callerOf(r); c == nil || !c.Admin {
			p.errorPage(w, r, http.StatusForbidden, "Only stint administrators can see the admin pages.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// setCookie gives the browser the session secret, until the session's
// absolute end (Max-Age, relative, so that the browser's clock does not
// matter).
func (p *Portal) setCookie(w http.ResponseWriter, secret string, until time.Time) {
	http.SetCookie(w, &http.Cookie{Name: p.cookieName(), Value: secret, Path: "/",
		MaxAge: max(int(until.Sub(p.now()).Seconds()), 1), Secure: p.cfg.CookieSecure, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

func (p *Portal) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: p.cookieName(), Value: "", Path: "/", MaxAge: -1,
		Secure: p.cfg.CookieSecure, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// startSignIn replaces any session the browser has with a fresh one for a
// sign-in in progress, holding data, and returns it.
func (p *Portal) startSignIn(w http.ResponseWriter, r *http.Request, data map[string]string) (*stint.Session, error) {
	secret, hash := stint.NewSessionSecret()
	now := p.now()
	s := &stint.Session{Hash: hash, CSRF: randomToken(), Data: data, CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(signInWindow)}
	old := ""
	if cur := sessionOf(r); cur != nil {
		old = cur.s.Hash
	}
	if err := p.svc.RotateSession(r.Context(), old, s, nil); err != nil {
		return nil, err
	}
	p.setCookie(w, secret, s.ExpiresAt)
	return s, nil
}

// signIn ends the browser's session in progress and starts a signed-in one
// under a new ID (the old cookie value is worthless from now on), with the
// event that records the sign-in.
func (p *Portal) signIn(w http.ResponseWriter, r *http.Request, email, method string, maxAge time.Duration, e *stint.Event) error {
	secret, hash := stint.NewSessionSecret()
	now := p.now()
	s := &stint.Session{Hash: hash, UserEmail: email, Method: method, CSRF: randomToken(), Data: map[string]string{},
		CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(maxAge)}
	old := ""
	if cur := sessionOf(r); cur != nil {
		old = cur.s.Hash
	}
	if err := p.svc.RotateSession(r.Context(), old, s, e); err != nil {
		return err
	}
	p.setCookie(w, secret, s.ExpiresAt)
	return nil
}

// localPath returns next when it is a path of this site ("/..." but not
// "//..." or "/\..."), else "/".
func localPath(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}

func (p *Portal) logger(r *http.Request) *slog.Logger {
	return p.log.With(slog.String("path", r.URL.Path))
}
