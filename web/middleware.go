package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
)

type ctxKey int

const (
	infoKey ctxKey = iota
	callerKey
)

// reqInfo is what the middlewares learn about a request, for its log line.
type reqInfo struct {
	id   string
	user string // the caller's email once authenticated
}

// RequestIDHeader carries the request ID in both directions.
const RequestIDHeader = "X-Request-Id"

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// requestID takes the client's X-Request-Id when it is sane, or makes one,
// and echoes it in the response.
func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(RequestIDHeader)
		if !requestIDPattern.MatchString(id) {
			id = stint.NewID()
		}
		w.Header().Set(RequestIDHeader, id)
		ctx := context.WithValue(r.Context(), infoKey, &reqInfo{id: id})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func info(r *http.Request) *reqInfo {
	if i, ok := r.Context().Value(infoKey).(*reqInfo); ok {
		return i
	}
	return &reqInfo{}
}

// logger returns the server's logger with the request ID.
func (s *Server) logger(r *http.Request) *slog.Logger {
	return s.log.With(slog.String("request_id", info(r).id))
}

// securityHeaders sets the headers every response carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// noStore marks responses as uncacheable and lets them load nothing: API and
// probe answers are data, never documents. (The portal sets its own policy.)
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		next.ServeHTTP(w, r)
	})
}

// observe records the request's metrics and logs one line per request.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		s.metrics.inflight.Inc()
		defer s.metrics.inflight.Dec()
		next.ServeHTTP(ww, r)

		status := ww.Status()
		if status == 0 {
			status = http.StatusOK
		}
		route := chi.RouteContext(r.Context()).RoutePattern()
		if route == "" {
			route = "unmatched"
		}
		elapsed := time.Since(start)
		s.metrics.observe(r.Method, route, status, elapsed)

		level := slog.LevelInfo
		if route == "/healthz" || route == "/readyz" || route == "/metrics" {
			level = slog.LevelDebug
		}
		i := info(r)
		s.log.LogAttrs(r.Context(), level, "http request",
			slog.String("request_id", i.id),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Int("bytes", ww.BytesWritten()),
			slog.Duration("duration", elapsed),
			slog.String("user", i.user),
			slog.String("remote", r.RemoteAddr),
		)
	})
}

// recoverer turns a panic into a logged internal error.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			rec := recover()
			if rec == nil {
				return
			}
			if rec == http.ErrAbortHandler {
				panic(rec)
			}
			err := fmt.Errorf("panic: %v\n%s", rec, debug.Stack())
			if ww, ok := w.(middleware.WrapResponseWriter); ok && ww.Status() != 0 {
				s.logger(r).ErrorContext(r.Context(), "panic after the response started", slog.Any("err", err))
				return
			}
			s.writeError(w, r, err)
		}()
		next.ServeHTTP(w, r)
	})
}

// authenticate resolves the bearer token to a caller, or answers 401.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, err := bearerToken(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		c, err := s.svc.Authenticate(r.Context(), token)
		if err == nil && (c == nil || c.User == nil) {
			err = fmt.Errorf("authenticate: no caller and no error")
		}
		if err != nil {
			if stint.IsCode(err, stint.EUNAUTHORIZED) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="stint", error="invalid_token"`)
			}
			s.writeError(w, r, err)
			return
		}
		info(r).user = c.User.Email
		if !s.externalMay(w, r, c) {
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey, c)))
	})
}

// bearerToken reads the token of an "Authorization: Bearer TOKEN" header.
func bearerToken(r *http.Request) (string, error) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if h == "" {
		return "", stint.Errorf(stint.EUNAUTHORIZED, "missing bearer token; send Authorization: Bearer TOKEN (create a token with `stint token create`)")
	}
	scheme, token, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", stint.Errorf(stint.EUNAUTHORIZED, "the Authorization header must use the Bearer scheme")
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return "", stint.Errorf(stint.EUNAUTHORIZED, "empty bearer token")
	}
	return token, nil
}

// caller returns the authenticated caller of the request.
func caller(r *http.Request) *access.Caller {
	c, _ := r.Context().Value(callerKey).(*access.Caller)
	return c
}
