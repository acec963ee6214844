package web

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
)

// DefaultMaxBodyBytes bounds request bodies when Config.MaxBodyBytes is 0.
const DefaultMaxBodyBytes = 64 << 10

// Config configures the HTTP handler.
type Config struct {
	// Service carries out every API action. Required.
	Service *access.Service
	// Ready reports whether the server can take traffic; /readyz answers 503
	// with its error. Default: always ready.
	Ready func(ctx context.Context) error
	// Registry receives the HTTP metrics and is served at /metrics. Default:
	// a new registry with the Go and process collectors.
	Registry *prometheus.Registry
	// Logger receives access logs and internal errors. Default: slog.Default().
	Logger *slog.Logger
	// MaxBodyBytes bounds request bodies. Default: 64 KiB.
	MaxBodyBytes int64
	// Now resolves relative times such as ?since=1h. Default: the service's
	// Now, else time.Now.
	Now func() time.Time
	// Slack, when set, serves /slack/* (the Slack app's commands,
	// interactions and options). It checks Slack's signatures and bounds
	// bodies itself; no bearer token applies. Default: none.
	Slack http.Handler
	// Portal, when set, is served at / (the web portal, package
	// web/portal); the API, probes and metrics keep their paths.
	Portal http.Handler
}

// Server is stint's HTTP handler.
type Server struct {
	svc      *access.Service
	ready    func(ctx context.Context) error
	registry *prometheus.Registry
	log      *slog.Logger
	maxBody  int64
	now      func() time.Time
	metrics  *metrics
	router   chi.Router
	slack    http.Handler
	portal   http.Handler
}

// New builds the handler. It panics when cfg.Service is nil.
func New(cfg Config) *Server {
	if cfg.Service == nil {
		panic("web.New: Config.Service is nil")
	}
	s := &Server{
		svc:      cfg.Service,
		ready:    cfg.Ready,
		registry: cfg.Registry,
		log:      cmp.Or(cfg.Logger, slog.Default()),
		maxBody:  cmp.Or(cfg.MaxBodyBytes, DefaultMaxBodyBytes),
		now:      cfg.Now,
		slack:    cfg.Slack,
		portal:   cfg.Portal,
	}
	if s.now == nil {
		s.now = cfg.Service.Now
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.registry == nil {
		s.registry = prometheus.NewRegistry()
		s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	s.metrics = newMetrics(s.registry)
	s.router = s.routes()
	return s
}

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler { return s.router }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

func (s *Server) routes() chi.Router {
	r := chi.NewRouter()
	r.Use(s.requestID, securityHeaders, s.observe, s.recoverer)
	r.NotFound(s.notFound)
	r.MethodNotAllowed(s.methodNotAllowed)

	r.Group(func(r chi.Router) {
		r.Use(noStore)
		r.Get("/healthz", s.healthz)
		r.Get("/readyz", s.readyz)
		r.Method(http.MethodGet, "/metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{
			ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelError),
		}))
	})

	if s.slack != nil {
		r.Group(func(r chi.Router) {
			r.Use(noStore)
			r.Handle("/slack/*", s.slack)
		})
	}

	r.Route("/api/v1", func(r chi.Router) {
		r.Use(noStore)
		r.NotFound(s.notFound)
		r.MethodNotAllowed(s.methodNotAllowed)
		r.Get("/openapi.json", s.openAPI)
		r.Group(func(r chi.Router) {
			r.Use(s.authenticate)
			r.Get("/me", s.me)
			r.Get("/resources", s.resources)
			r.Get("/requests", s.listRequests)
			r.Post("/requests", s.submit)
			r.Get("/requests/{id}", s.getRequest)
			r.Post("/requests/{id}/approve", s.approve)
			r.Post("/requests/{id}/deny", s.deny)
			r.Post("/requests/{id}/cancel", s.cancel)
			r.Get("/grants", s.listGrants)
			r.Get("/grants/{id}", s.getGrant)
			r.Post("/grants/{id}/revoke", s.revoke)
			r.Post("/grants/{id}/extend", s.extend)
			r.Post("/grants/{id}/activate", s.activate)
			r.Get("/flows", s.flows)
			r.Post("/can", s.can)
			r.Get("/who-can", s.whoCan)
			r.Get("/events", s.events)
			r.Get("/discovery/scans", s.discoveryScans)
			r.Get("/discovery/scans/{id}", s.discoveryScan)
			r.Get("/discovery/findings", s.discoveryFindings)
			r.Get("/discovery/diff", s.discoveryDiff)
			r.Get("/events/export", s.exportEvents)
			r.Get("/audit/who-had", s.whoHad)
			r.Get("/audit/reach", s.reach)
			r.Get("/audit/report", s.report)
			r.Get("/audit/forwarding", s.forwarding)
			r.Post("/externals", s.invite)
			r.Get("/externals", s.listExternals)
			r.Post("/externals/{email}/disable", s.disableExternal)
			r.Post("/credentials", s.credentials)
			s.reviewRoutes(r)
		})
	})
	if s.portal != nil {
		r.Mount("/", s.portal)
	}
	return r
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeText(w, http.StatusOK, "ok")
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := s.ready(ctx); err != nil {
			s.logger(r).WarnContext(r.Context(), "not ready", slog.Any("err", err))
			writeText(w, http.StatusServiceUnavailable, "not ready: "+err.Error())
			return
		}
	}
	writeText(w, http.StatusOK, "ok")
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, stint.Errorf(stint.ENOTFOUND, "no route %s %s; see /api/v1/openapi.json", r.Method, r.URL.Path))
}

func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	// 405 is an HTTP matter, outside the code table; the code stays "invalid".
	writeJSON(w, http.StatusMethodNotAllowed, errorBody{Error: errorDetail{
		Code: stint.EINVALID, Message: "method " + r.Method + " is not allowed on " + r.URL.Path,
	}})
}

func writeText(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(text + "\n"))
}
