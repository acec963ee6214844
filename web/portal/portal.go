package portal

import (
	"cmp"
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-chi/chi/v5"
	"golang.org/x/oauth2"

	"github.com/stint-dev/stint/access"
)

// Defaults of Config fields.
const (
	DefaultSessionIdle  = time.Hour
	DefaultSessionMax   = 12 * time.Hour
	DefaultLocalMax     = time.Hour // break-glass sessions end sooner
	DefaultPageSize     = 50
	DefaultMaxBodyBytes = 64 << 10
	// signInWindow is how long a sign-in may take at the identity provider.
	signInWindow = 10 * time.Minute
)

// Config configures the portal.
type Config struct {
	// Service carries out every action. Required.
	Service *access.Service
	// BaseURL is the portal's external URL (no trailing slash), e.g.
	// https://stint.example.com; the OIDC redirect URL is BaseURL +
	// "/auth/callback". Required with OIDC.
	BaseURL string
	// OIDC configures sign-in; nil leaves only the break-glass login.
	OIDC *OIDCConfig
	// LocalAdmin enables the break-glass login; nil disables it.
	LocalAdmin *LocalAdminConfig
	// Externals enables the pages of third-party users (/external/...);
	// nil disables them.
	Externals *ExternalsConfig
	// CookieSecure marks the session cookie Secure (and names it with the
	// __Host- prefix). Set it whenever the portal is reached over HTTPS.
	CookieSecure bool
	// SessionIdle and SessionMax end sessions unused that long, and that
	// long after sign-in. Defaults: 1h and 12h.
	SessionIdle, SessionMax time.Duration
	// PageSize is the rows per page of admin listings. Default: 50.
	PageSize int
	// Logger defaults to slog.Default(). Secrets, session IDs and tokens
	// are never logged.
	Logger *slog.Logger
	// Now defaults to the service's Now, else time.Now.
	Now func() time.Time
}

// OIDCConfig is the portal's OpenID Connect client.
type OIDCConfig struct {
	Issuer       string
	ClientID     string
	ClientSecret string   // "" for a public client
	Scopes       []string // default openid, email, profile
	// EmailClaim is the claim matched with identity store emails. Default:
	// "email".
	EmailClaim string
	// AllowUnverifiedEmail accepts tokens without email_verified: true.
	AllowUnverifiedEmail bool
	// HTTPClient reaches the provider. Default: a client with a 10s timeout.
	HTTPClient *http.Client
}

// LocalAdminConfig is the break-glass login: the admin's email and the
// base32 TOTP secret (read from the environment by the caller).
type LocalAdminConfig struct {
	Email  string
	Secret string
	// MaxFailures locks the login after that many failures within
	// LockFor; Default 5 and 15m.
	MaxFailures int
	LockFor     time.Duration
}

// Portal is the portal's HTTP handler.
type Portal struct {
	cfg    Config
	svc    *access.Service
	log    *slog.Logger
	now    func() time.Time
	router chi.Router
	assets *assets
	pages  map[string]*pageTemplate
	local  *localLogin

	oidcMu   sync.Mutex
	provider *oidc.Provider
	oauth    *oauth2.Config
	verifier *oidc.IDTokenVerifier
}

// New builds the portal. It panics when cfg.Service is nil or the
// embedded templates do not parse (a build error).
func New(cfg Config) *Portal {
	if cfg.Service == nil {
		panic("portal.New: Config.Service is nil")
	}
	cfg.SessionIdle = cmp.Or(cfg.SessionIdle, DefaultSessionIdle)
	cfg.SessionMax = cmp.Or(cfg.SessionMax, DefaultSessionMax)
	cfg.PageSize = cmp.Or(cfg.PageSize, DefaultPageSize)
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Externals != nil {
		x := *cfg.Externals
		x.defaults(cfg.BaseURL)
		cfg.Externals = &x
	}
	p := &Portal{cfg: cfg, svc: cfg.Service, log: cmp.Or(cfg.Logger, slog.Default()), now: cfg.Now}
	if p.now == nil {
		p.now = cfg.Service.Now
	}
	if p.now == nil {
		p.now = time.Now
	}
	if cfg.LocalAdmin != nil {
		p.local = newLocalLogin(*cfg.LocalAdmin)
	}
	static, err := fs.Sub(embedded, "static")
	if err != nil {
		panic(err)
	}
	p.assets = loadAssets(static)
	p.pages = parsePages(p.assets)
	p.router = p.routes()
	return p
}

// ServeHTTP implements http.Handler.
func (p *Portal) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.router.ServeHTTP(w, r) }

func (p *Portal) routes() chi.Router {
	r := chi.NewRouter()
	r.Use(p.headers)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) { p.notFound(w, r) })
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		p.errorPage(w, r, http.StatusMethodNotAllowed, "That address does not take "+r.Method+" requests.")
	})
	r.Get("/static/{name}", p.assets.serve)
	r.Group(func(r chi.Router) {
		r.Use(p.loadSession, p.checkCSRF)
		r.Get("/login", p.loginPage)
		r.Get("/auth/login", p.oidcStart)
		r.Get("/auth/callback", p.oidcCallback)
		r.Get("/login/local", p.localPage)
		r.Post("/login/local", p.localSubmit)
		r.Post("/logout", p.logout)
		r.Route("/external", p.externalRoutes)
		r.Group(func(r chi.Router) {
			r.Use(p.requireUser)
			r.Get("/", p.myAccess)
			r.Post("/grants/{id}/revoke", p.revoke)
			r.Post("/grants/{id}/extend", p.extend)
			r.Post("/grants/{id}/activate", p.activate)
			r.Get("/request", p.requestPage)
			r.Get("/request/preview", p.requestPreview)
			r.Post("/request", p.requestSubmit)
			r.Get("/requests/{id}", p.requestDetail)
			r.Post("/requests/{id}/approve", p.approve)
			r.Post("/requests/{id}/deny", p.deny)
			r.Post("/requests/{id}/cancel", p.cancel)
			r.Get("/approvals", p.approvals)
			r.Get("/reviews", p.reviewsPage)
			r.Post("/reviews/items/{id}", p.decideReview)
			r.Route("/admin", func(r chi.Router) {
				r.Use(p.requireAdmin)
				r.Get("/", func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, "/admin/grants", http.StatusSeeOther)
				})
				r.Get("/grants", p.adminGrants)
				r.Get("/flows", p.adminFlows)
				r.Get("/audit", p.adminAudit)
				r.Get("/audit/export", p.adminAuditExport)
				r.Get("/access", p.adminAccess)
				r.Get("/report", p.adminReport)
				r.Get("/report/export", p.adminReportExport)
				r.Get("/health", p.adminHealth)
				r.Get("/discovery", p.adminDiscovery)
				r.Get("/reviews/new", p.newCampaignPage)
				r.Post("/reviews", p.createCampaign)
				r.Post("/reviews/{id}/close", p.closeCampaign)
				r.Get("/reviews/{id}/report", p.campaignReport)
				r.Get("/discovery/export", p.adminDiscoveryExport)
			})
		})
	})
	return r
}

// CSP is the portal's Content-Security-Policy: its own files only, no
// inline script or style, no framing, forms only to itself.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"

// headers sets the portal's security headers on every answer.
func (p *Portal) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// ctxKey keys the request context values of the portal.
type ctxKey int

const (
	sessionKey ctxKey = iota
	callerKey
)

func (p *Portal) context(r *http.Request, k ctxKey, v any) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), k, v))
}
