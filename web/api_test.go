package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

func TestAuthentication(t *testing.T) {
	t.Parallel()
	e := setup(t)
	tests := []struct {
		name    string
		header  string // Authorization
		wantMsg string
	}{
		{name: "no header", header: "", wantMsg: "missing bearer token"},
		{name: "wrong scheme", header: "Basic YWxpY2U6cGFzcw==", wantMsg: "Bearer scheme"},
		{name: "empty bearer", header: "Bearer ", wantMsg: "bearer token"},
		{name: "unknown token", header: "Bearer stint_notarealtoken", wantMsg: "invalid API token"},
		{name: "expired token", header: "Bearer " + e.expired, wantMsg: "expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.header != "" {
				hdr = []string{"Authorization", tt.header}
			}
			w := e.call("GET", "/api/v1/me", "", nil, hdr...)
			requireAPIError(t, w, http.StatusUnauthorized, stint.EUNAUTHORIZED, tt.wantMsg)
			require.True(t, strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer"), "WWW-Authenticate: %q", w.Header().Get("WWW-Authenticate"))
		})
	}
	t.Run("every API route but the document needs a token", func(t *testing.T) {
		for _, rt := range apiRoutes(t, e.srv) {
			if rt.path == "/api/v1/openapi.json" {
				continue
			}
			path := strings.ReplaceAll(rt.path, "{id}", "01JXXXXXXXXXXXXXXXXXXXXXXX")
			w := e.call(rt.method, path, "", nil)
			require.Equal(t, http.StatusUnauthorized, w.Code, "%s %s", rt.method, path)
		}
	})
	t.Run("tokens never reach the log", func(t *testing.T) {
		e.call("GET", "/api/v1/me", alice, nil)
		e.call("GET", "/api/v1/me", "stint_wrongwrongwrong", nil)
		logs := e.logs.String()
		require.NotContains(t, logs, e.tokens[alice])
		require.NotContains(t, logs, "stint_wrongwrongwrong")
		require.Contains(t, logs, "user="+alice)
	})
}

func TestMalformedBodies(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *Config) { c.MaxBodyBytes = 1024 })
	tests := []struct {
		name        string
		path        string
		body        string
		contentType string
		wantMsg     string
	}{
		{name: "syntax error", path: "/api/v1/requests", body: `{"account": "prod-payments",}`, wantMsg: "malformed JSON at offset"},
		{name: "truncated", path: "/api/v1/requests", body: `{"account": "prod-pay`, wantMsg: "malformed JSON"},
		{name: "unknown field", path: "/api/v1/requests", body: `{"account":"prod-payments","permission_set":"AdministratorAccess","duraton":"1h"}`, wantMsg: `unknown field "duraton"`},
		{name: "unknown nested field", path: "/api/v1/requests", body: `{"resources":[{"acount":"x"}]}`, wantMsg: `unknown field "acount"`},
		{name: "wrong type", path: "/api/v1/requests", body: `{"reason": 42}`, wantMsg: `field "reason" must be a string`},
		{name: "not an object", path: "/api/v1/requests", body: `["prod-payments"]`, wantMsg: "must be a JSON object"},
		{name: "two values", path: "/api/v1/requests", body: `{} {}`, wantMsg: "exactly one JSON value"},
		{name: "trailing garbage", path: "/api/v1/requests", body: `{}x`, wantMsg: "exactly one JSON value"},
		{name: "wrong content type", path: "/api/v1/requests", body: `{}`, contentType: "text/plain", wantMsg: "application/json"},
		{name: "form content type", path: "/api/v1/grants/x/extend", body: `duration=1h`, contentType: "application/x-www-form-urlencoded", wantMsg: "application/json"},
		{name: "oversized", path: "/api/v1/requests", body: `{"reason":"` + strings.Repeat("a", 2048) + `"}`, wantMsg: "larger than 1 KiB"},
		{name: "empty body, required fields", path: "/api/v1/requests", body: ``, wantMsg: "a request needs a resource, resources"},
		{name: "bad duration", path: "/api/v1/requests", body: `{"account":"prod-payments","permission_set":"AdministratorAccess","duration":"soon"}`, wantMsg: `invalid duration "soon"`},
		{name: "bad start", path: "/api/v1/requests", body: `{"account":"prod-payments","permission_set":"AdministratorAccess","starts_at":"tomorrow"}`, wantMsg: "RFC 3339"},
		{name: "break_glass not a boolean", path: "/api/v1/requests", body: `{"account":"a","permission_set":"b","break_glass":"yes"}`, wantMsg: `field "break_glass" must be true or false`},
		{name: "neither resources nor bundle", path: "/api/v1/requests", body: `{"reason":"x","ticket":"INC-1"}`, wantMsg: "a bundle, or extends_grant"},
		{name: "activate with a field", path: "/api/v1/grants/x/activate", body: `{"for":"1h"}`, wantMsg: `unknown field "for"`},
		{name: "can without account", path: "/api/v1/can", body: `{}`, wantMsg: "or account and permission_set"},
		{name: "half a shorthand", path: "/api/v1/requests", body: `{"account":"prod-payments"}`, wantMsg: "give both"},
		{name: "shorthand and resources", path: "/api/v1/requests", body: `{"account":"a","permission_set":"b","resources":[{"account":"a","permission_set":"b"}]}`, wantMsg: "not both"},
		{name: "deny without reason", path: "/api/v1/requests/x/deny", body: `{}`, wantMsg: "needs a reason"},
		{name: "extend without duration", path: "/api/v1/grants/x/extend", body: `{}`, wantMsg: "duration is required"},
		{name: "cancel with a field", path: "/api/v1/requests/x/cancel", body: `{"why":"x"}`, wantMsg: `unknown field "why"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct := tt.contentType
			if ct == "" {
				ct = "application/json"
			}
			w := e.call("POST", tt.path, alice, tt.body, "Content-Type", ct)
			requireAPIError(t, w, http.StatusBadRequest, stint.EINVALID, tt.wantMsg)
		})
	}
}

func TestQueryParameters(t *testing.T) {
	t.Parallel()
	e := setup(t)
	tests := []struct {
		name    string
		path    string
		wantMsg string
	}{
		{name: "typo in a parameter", path: "/api/v1/requests?pendng=true", wantMsg: `unknown query parameter "pendng"; known: limit, pending`},
		{name: "bad boolean", path: "/api/v1/grants?all=maybe", wantMsg: "true or false"},
		{name: "limit zero", path: "/api/v1/requests?limit=0", wantMsg: "from 1 to 1000"},
		{name: "limit too big", path: "/api/v1/grants?limit=5000", wantMsg: "from 1 to 1000"},
		{name: "bad since", path: "/api/v1/events?since=yesterday", wantMsg: "is not a time: give RFC 3339"},
		{name: "parameter on a route that takes none", path: "/api/v1/resources?all=true", wantMsg: "takes no query parameters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requireAPIError(t, e.call("GET", tt.path, carol, nil), http.StatusBadRequest, stint.EINVALID, tt.wantMsg)
		})
	}
}

func TestHappyPaths(t *testing.T) {
	t.Parallel()
	e := setup(t)

	t.Run("me", func(t *testing.T) {
		p := decode[Profile](t, e.call("GET", "/api/v1/me", alice, nil), http.StatusOK)
		require.Equal(t, Profile{User: "alice", UserID: "u-alice", Email: alice, DisplayName: "Alice Liddell", Groups: []string{"Engineers"}}, p)
		admin := decode[Profile](t, e.call("GET", "/api/v1/me", carol, nil), http.StatusOK)
		require.True(t, admin.Admin)
		none := decode[map[string]any](t, e.call("GET", "/api/v1/me", dave, nil), http.StatusOK)
		require.Equal(t, []any{}, none["groups"], "groups is [] rather than null")
	})

	t.Run("resources", func(t *testing.T) {
		list := decode[[]stint.Eligible](t, e.call("GET", "/api/v1/resources", alice, nil), http.StatusOK)
		require.Len(t, list, 3)
		require.Contains(t, list, stint.Eligible{Flow: "prod-admin", ResourceID: "aws-sso:111111111111/AdministratorAccess", Type: stint.ResourceSSO, Label: "AdministratorAccess",
			AccountID: "111111111111", AccountName: "prod-payments", PermissionSet: "AdministratorAccess", MaxDuration: stint.Duration(4 * time.Hour)})
		empty := e.call("GET", "/api/v1/resources", dave, nil)
		require.Equal(t, http.StatusOK, empty.Code)
		require.JSONEq(t, `[]`, empty.Body.String())
	})

	var pending *stint.Request
	t.Run("submit a request needing approval", func(t *testing.T) {
		pending = e.submit(alice, "prod-payments", "AdministratorAccess", "1h")
		require.Equal(t, stint.RequestPending, pending.State)
		require.Equal(t, "prod-admin", pending.Flow)
		require.Equal(t, stint.Duration(time.Hour), pending.Duration)
		require.Equal(t, alice, pending.RequesterEmail)
		require.Equal(t, "aws-sso:111111111111/AdministratorAccess", pending.Resources[0].ID)
	})

	t.Run("submit with resources and a start", func(t *testing.T) {
		start := t0.Add(2 * time.Hour)
		w := e.call("POST", "/api/v1/requests", alice, map[string]any{
			"resources": []map[string]string{{"account": "111111111111", "permission_set": "administratoraccess"}},
			"duration":  "30m", "reason": "deploy", "starts_at": start.Format(time.RFC3339),
		})
		r := decode[stint.Request](t, w, http.StatusCreated)
		require.Equal(t, stint.RequestPending, r.State)
		require.NotNil(t, r.StartsAt)
		require.True(t, r.StartsAt.Equal(start))
	})

	t.Run("list and get requests", func(t *testing.T) {
		mine := decode[[]*stint.Request](t, e.call("GET", "/api/v1/requests?pending=true&limit=10", alice, nil), http.StatusOK)
		require.Len(t, mine, 2)
		toReview := decode[[]*stint.Request](t, e.call("GET", "/api/v1/requests?pending=true", bob, nil), http.StatusOK)
		require.Len(t, toReview, 2)
		none := e.call("GET", "/api/v1/requests", dave, nil)
		require.JSONEq(t, `[]`, none.Body.String())
		got := decode[stint.Request](t, e.call("GET", "/api/v1/requests/"+pending.ID, bob, nil), http.StatusOK)
		require.Equal(t, pending.ID, got.ID)
	})

	var grant *stint.Grant
	t.Run("approve", func(t *testing.T) {
		r := decode[stint.Request](t, e.call("POST", "/api/v1/requests/"+pending.ID+"/approve", bob, map[string]string{"comment": "ok"}), http.StatusOK)
		require.Equal(t, stint.RequestApproved, r.State)
		require.Len(t, r.Reviews, 1)
		require.Equal(t, "ok", r.Reviews[0].Comment)
		grant = e.grantOf(alice, pending.ID)
		require.Equal(t, alice, grant.UserEmail)
		require.Equal(t, "111111111111", grant.AccountID)
	})

	t.Run("approve with no body", func(t *testing.T) {
		r := e.submit(alice, "prod-payments", "AdministratorAccess", "2h")
		w := e.call("POST", "/api/v1/requests/"+r.ID+"/approve", bob, nil)
		require.Equal(t, stint.RequestApproved, decode[stint.Request](t, w, http.StatusOK).State)
	})

	t.Run("list and get grants", func(t *testing.T) {
		mine := decode[[]*stint.Grant](t, e.call("GET", "/api/v1/grants", alice, nil), http.StatusOK)
		require.NotEmpty(t, mine)
		all := decode[[]*stint.Grant](t, e.call("GET", "/api/v1/grants?all=true&limit=50", carol, nil), http.StatusOK)
		require.GreaterOrEqual(t, len(all), len(mine))
		got := decode[stint.Grant](t, e.call("GET", "/api/v1/grants/"+grant.ID, alice, nil), http.StatusOK)
		require.Equal(t, grant.ID, got.ID)
		require.Equal(t, pending.ID, got.RequestID)
	})

	t.Run("extend", func(t *testing.T) {
		g := decode[stint.Grant](t, e.call("POST", "/api/v1/grants/"+grant.ID+"/extend", alice, map[string]string{"duration": "30m"}), http.StatusOK)
		require.Equal(t, grant.EndsAt.Add(30*time.Minute), g.EndsAt)
		require.Equal(t, 1, g.Extensions)
	})

	t.Run("revoke", func(t *testing.T) {
		g := decode[stint.Grant](t, e.call("POST", "/api/v1/grants/"+grant.ID+"/revoke", alice, map[string]any{}), http.StatusOK)
		require.Contains(t, []stint.GrantState{stint.GrantRevoking, stint.GrantEnded}, g.State)
		require.Equal(t, alice, g.RevokedBy)
	})

	t.Run("deny", func(t *testing.T) {
		r := e.submit(alice, "prod-payments", "AdministratorAccess", "1h")
		got := decode[stint.Request](t, e.call("POST", "/api/v1/requests/"+r.ID+"/deny", bob, map[string]string{"reason": "not now"}), http.StatusOK)
		require.Equal(t, stint.RequestDenied, got.State)
	})

	t.Run("cancel", func(t *testing.T) {
		r := e.submit(alice, "prod-payments", "AdministratorAccess", "1h")
		got := decode[stint.Request](t, e.call("POST", "/api/v1/requests/"+r.ID+"/cancel", alice, map[string]any{}), http.StatusOK)
		require.Equal(t, stint.RequestCancelled, got.State)
	})

	t.Run("auto-approved request", func(t *testing.T) {
		r := e.submit(alice, "dev-sandbox", "ReadOnly", "")
		require.Equal(t, stint.RequestApproved, r.State)
		require.True(t, r.AutoApproved)
		require.Equal(t, stint.Duration(time.Hour), r.Duration, "the flow's default")
	})

	t.Run("events", func(t *testing.T) {
		all := decode[[]*stint.Event](t, e.call("GET", "/api/v1/events?since=1h", carol, nil), http.StatusOK)
		require.NotEmpty(t, all)
		for i := 1; i < len(all); i++ {
			require.False(t, all[i].Time.Before(all[i-1].Time), "oldest first")
		}
		mine := decode[[]*stint.Event](t, e.call("GET", "/api/v1/events?subject="+pending.ID, alice, nil), http.StatusOK)
		require.NotEmpty(t, mine)
		types := make([]string, len(mine))
		for i, ev := range mine {
			require.Equal(t, pending.ID, ev.Subject)
			types[i] = ev.Type
		}
		require.Equal(t, []string{stint.EventRequestCreated, stint.EventRequestApproved}, types)
		since := t0.Add(time.Minute).Format(time.RFC3339)
		later := e.call("GET", "/api/v1/events?limit=5&since="+since, carol, nil)
		require.JSONEq(t, `[]`, later.Body.String())
	})
}

func TestErrorMapping(t *testing.T) {
	t.Parallel()
	e := setup(t)
	pending := e.submit(alice, "prod-payments", "AdministratorAccess", "1h")
	approved := e.submit(alice, "prod-payments", "AdministratorAccess", "1h")
	require.Equal(t, http.StatusOK, e.call("POST", "/api/v1/requests/"+approved.ID+"/approve", bob, map[string]any{}).Code)
	grant := e.grantOf(alice, approved.ID)

	tests := []struct {
		name       string
		method     string
		path       string
		who        string
		body       any
		wantStatus int
		wantCode   string
		wantMsg    string
	}{
		{name: "unknown request", method: "GET", path: "/api/v1/requests/01JNOTAREQUEST0000000000000", who: alice, wantStatus: 404, wantCode: stint.ENOTFOUND},
		{name: "someone else's request is not found", method: "GET", path: "/api/v1/requests/" + pending.ID, who: dave, wantStatus: 404, wantCode: stint.ENOTFOUND},
		{name: "someone else's grant is not found", method: "GET", path: "/api/v1/grants/" + grant.ID, who: bob, wantStatus: 404, wantCode: stint.ENOTFOUND},
		{name: "unknown account", method: "POST", path: "/api/v1/requests", who: alice,
			body: map[string]string{"account": "prod-nope", "permission_set": "ReadOnly", "reason": "x"}, wantStatus: 404, wantCode: stint.ENOTFOUND, wantMsg: "known: dev-sandbox, prod-payments"},
		{name: "no flow allows it", method: "POST", path: "/api/v1/requests", who: dave,
			body: map[string]string{"account": "prod-payments", "permission_set": "AdministratorAccess", "reason": "x"}, wantStatus: 403, wantCode: stint.EFORBIDDEN, wantMsg: "stint resources"},
		{name: "longer than the flow allows", method: "POST", path: "/api/v1/requests", who: alice,
			body: map[string]string{"account": "prod-payments", "permission_set": "AdministratorAccess", "reason": "x", "duration": "5h"}, wantStatus: 400, wantCode: stint.EINVALID, wantMsg: "duration 5h exceeds 4h"},
		{name: "missing reason", method: "POST", path: "/api/v1/requests", who: alice,
			body: map[string]string{"account": "prod-payments", "permission_set": "AdministratorAccess"}, wantStatus: 400, wantCode: stint.EINVALID, wantMsg: "requires a reason"},
		{name: "approve own request", method: "POST", path: "/api/v1/requests/" + pending.ID + "/approve", who: alice, body: map[string]any{}, wantStatus: 403, wantCode: stint.EFORBIDDEN, wantMsg: "own request"},
		{name: "approve as non-approver", method: "POST", path: "/api/v1/requests/" + pending.ID + "/approve", who: carol, body: map[string]any{}, wantStatus: 403, wantCode: stint.EFORBIDDEN, wantMsg: "not an approver"},
		{name: "approve twice", method: "POST", path: "/api/v1/requests/" + approved.ID + "/approve", who: bob, body: map[string]any{}, wantStatus: 409, wantCode: stint.ECONFLICT, wantMsg: "not pending"},
		{name: "cancel an approved request", method: "POST", path: "/api/v1/requests/" + approved.ID + "/cancel", who: alice, wantStatus: 409, wantCode: stint.ECONFLICT},
		{name: "cancel someone else's request", method: "POST", path: "/api/v1/requests/" + pending.ID + "/cancel", who: bob, wantStatus: 403, wantCode: stint.EFORBIDDEN},
		{name: "extend past the maximum", method: "POST", path: "/api/v1/grants/" + grant.ID + "/extend", who: alice, body: map[string]string{"duration": "4h"}, wantStatus: 400, wantCode: stint.EINVALID, wantMsg: "maximum"},
		{name: "extend someone else's grant", method: "POST", path: "/api/v1/grants/" + grant.ID + "/extend", who: carol, body: map[string]string{"duration": "1m"}, wantStatus: 403, wantCode: stint.EFORBIDDEN},
		{name: "all events as a non-admin", method: "GET", path: "/api/v1/events", who: alice, wantStatus: 403, wantCode: stint.EFORBIDDEN, wantMsg: "--subject"},
		{name: "unknown route", method: "GET", path: "/api/v1/nope", who: alice, wantStatus: 404, wantCode: stint.ENOTFOUND, wantMsg: "no route"},
		{name: "wrong method", method: "DELETE", path: "/api/v1/requests", who: alice, wantStatus: 405, wantCode: stint.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := e.call(tt.method, tt.path, tt.who, tt.body)
			requireAPIError(t, w, tt.wantStatus, tt.wantCode, tt.wantMsg)
			require.Equal(t, "application/json; charset=utf-8", w.Header().Get("Content-Type"))
		})
	}
	t.Run("revoke twice", func(t *testing.T) {
		require.Equal(t, http.StatusOK, e.call("POST", "/api/v1/grants/"+grant.ID+"/revoke", alice, nil).Code)
		e.svc.Wait()
		requireAPIError(t, e.call("POST", "/api/v1/grants/"+grant.ID+"/revoke", alice, nil), http.StatusConflict, stint.ECONFLICT, "")
	})
}

func TestStatusTable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code string
		want int
	}{
		{stint.EINVALID, 400}, {stint.EUNAUTHORIZED, 401}, {stint.EFORBIDDEN, 403}, {stint.ENOTFOUND, 404},
		{stint.ECONFLICT, 409}, {stint.EUNAVAILABLE, 503}, {stint.EINTERNAL, 500}, {"made-up", 500},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) { require.Equal(t, tt.want, StatusOf(tt.code)) })
	}
}

func TestInternalErrorsHideDetails(t *testing.T) {
	t.Parallel()
	e := setup(t)
	tests := []struct {
		name    string
		err     error
		status  int
		wantMsg string
		logged  string
	}{
		{name: "plain error", err: errors.New("sqlite: disk I/O error at page 7"), status: 500, wantMsg: "internal error", logged: "disk I/O error"},
		{name: "coded internal error", err: stint.Errorf(stint.EINTERNAL, "secret detail"), status: 500, wantMsg: "internal error", logged: "secret detail"},
		{name: "wrapped coded error keeps its context", err: fmt.Errorf("revoke grant G1: %w", stint.Errorf(stint.ECONFLICT, "grant G1 is ended")), status: 409, wantMsg: "revoke grant G1: grant G1 is ended"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", "/api/v1/anything", nil)
			e.srv.writeError(rec, req, tt.err)
			got := decode[apiErr](t, rec, tt.status)
			require.Equal(t, tt.wantMsg, got.Error.Message)
			if tt.logged != "" {
				require.Contains(t, e.logs.String(), tt.logged)
			}
		})
	}
}

func TestPanicsAreInternalErrors(t *testing.T) {
	t.Parallel()
	e := setup(t)
	h := e.srv.requestID(e.srv.observe(e.srv.recoverer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("boom")
	}))))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/anything", nil))
	got := decode[apiErr](t, rec, http.StatusInternalServerError)
	require.Equal(t, "internal error", got.Error.Message)
	require.Contains(t, e.logs.String(), "boom")
}

func TestProbesAndMetrics(t *testing.T) {
	t.Parallel()
	e := setup(t)

	t.Run("healthz", func(t *testing.T) {
		w := e.call("GET", "/healthz", "", nil)
		require.Equal(t, http.StatusOK, w.Code)
		require.Equal(t, "ok\n", w.Body.String())
	})
	t.Run("readyz", func(t *testing.T) {
		w := e.call("GET", "/readyz", "", nil)
		require.Equal(t, http.StatusOK, w.Code)
		e.readyMu.Lock()
		e.ready = errors.New("store: database is locked")
		e.readyMu.Unlock()
		w = e.call("GET", "/readyz", "", nil)
		require.Equal(t, http.StatusServiceUnavailable, w.Code)
		require.Contains(t, w.Body.String(), "database is locked")
		e.readyMu.Lock()
		e.ready = nil
		e.readyMu.Unlock()
	})
	t.Run("metrics by route pattern", func(t *testing.T) {
		e.call("GET", "/api/v1/requests/01JAAAAAAAAAAAAAAAAAAAAAAA", alice, nil)
		e.call("GET", "/api/v1/me", "", nil)
		w := e.call("GET", "/metrics", "", nil)
		require.Equal(t, http.StatusOK, w.Code)
		body := w.Body.String()
		require.Contains(t, body, `stint_http_requests_total{method="GET",route="/api/v1/requests/{id}",status="404"} 1`)
		require.Contains(t, body, `stint_http_requests_total{method="GET",route="/api/v1/me",status="401"} 1`)
		require.Contains(t, body, `stint_http_request_duration_seconds_bucket{method="GET",route="/api/v1/me",status="401"`)
		require.NotContains(t, body, "01JAAAAAAAAAAAAAAAAAAAAAAA", "raw paths stay out of labels")
	})
	t.Run("two servers share a registry", func(t *testing.T) {
		require.NotPanics(t, func() { New(Config{Service: e.svc, Registry: e.reg}) })
	})
	t.Run("a nil registry gets Go metrics", func(t *testing.T) {
		w := httptest.NewRecorder()
		New(Config{Service: e.svc}).ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
		require.Contains(t, w.Body.String(), "go_goroutines")
	})
}

func TestHeaders(t *testing.T) {
	t.Parallel()
	e := setup(t)
	tests := []struct {
		name string
		path string
		who  string
	}{
		{name: "api", path: "/api/v1/me", who: alice},
		{name: "api error", path: "/api/v1/me"},
		{name: "openapi", path: "/api/v1/openapi.json"},
		{name: "health", path: "/healthz"},
		{name: "not found", path: "/nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := e.call("GET", tt.path, tt.who, nil)
			h := w.Header()
			require.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))
			require.Equal(t, "DENY", h.Get("X-Frame-Options"))
			require.Equal(t, "no-referrer", h.Get("Referrer-Policy"))
			require.NotEmpty(t, h.Get("X-Request-Id"))
			if strings.HasPrefix(tt.path, "/api/") {
				require.Equal(t, "no-store", h.Get("Cache-Control"))
				require.Contains(t, h.Get("Content-Security-Policy"), "default-src 'none'")
			}
		})
	}
	t.Run("request IDs come back and reach the log", func(t *testing.T) {
		w := e.call("GET", "/api/v1/me", alice, nil, "X-Request-Id", "trace-1234")
		require.Equal(t, "trace-1234", w.Header().Get("X-Request-Id"))
		require.Contains(t, e.logs.String(), "request_id=trace-1234")
		w = e.call("GET", "/api/v1/me", alice, nil, "X-Request-Id", "bad id\x01")
		require.NotEqual(t, "bad id\x01", w.Header().Get("X-Request-Id"))
	})
}

func TestParseSince(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want time.Time
		err  bool
	}{
		{name: "RFC 3339", in: "2025-06-01T08:00:00Z", want: time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)},
		{name: "hours ago", in: "1h", want: t0.Add(-time.Hour)},
		{name: "days ago", in: "7d", want: t0.Add(-7 * 24 * time.Hour)},
		{name: "garbage", in: "last week", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSince(tt.in, t0)
			if tt.err {
				require.True(t, stint.IsCode(err, stint.EINVALID), "err = %v", err)
				return
			}
			require.NoError(t, err)
			require.True(t, tt.want.Equal(got), "got %s", got)
		})
	}
}
