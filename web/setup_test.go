package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
	"github.com/stint-dev/stint/provider/providertest"
	"github.com/stint-dev/stint/store/sqlite"
)

var t0 = time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)

// Users of the test directory.
const (
	alice = "alice@example.com" // engineer
	bob   = "bob@example.com"   // approver of prod-admin
	carol = "carol@example.com" // stint admin
	dave  = "dave@example.com"  // in no flow
)

func testDirectory() *stint.Directory {
	return &stint.Directory{
		InstanceARN:     "arn:aws:sso:::instance/ssoins-1111111111111111",
		IdentityStoreID: "d-1111111111",
		Users: []stint.User{
			{ID: "u-alice", UserName: "alice", Email: alice, DisplayName: "Alice Liddell", Groups: []string{"Engineers"}},
			{ID: "u-bob", UserName: "bob", Email: bob, DisplayName: "Bob Builder", Groups: []string{"Engineers", "Approvers"}},
			{ID: "u-carol", UserName: "carol", Email: carol, Groups: []string{"Security"}},
			{ID: "u-dave", UserName: "dave", Email: dave},
		},
		Groups: []stint.Group{{ID: "g-eng", Name: "Engineers"}, {ID: "g-appr", Name: "Approvers"}, {ID: "g-sec", Name: "Security"}},
		Accounts: []stint.Account{
			{ID: "111111111111", Name: "prod-payments", OUPath: "Prod/Payments"},
			{ID: "222222222222", Name: "dev-sandbox", OUPath: "Dev"},
		},
		PermissionSets: []stint.PermissionSet{
			{ARN: "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-admin", Name: "AdministratorAccess"},
			{ARN: "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-ro", Name: "ReadOnly"},
		},
		SyncedAt: t0,
	}
}

func testFlows() []stint.Flow {
	return []stint.Flow{
		{
			Name:       "prod-admin",
			Requesters: []string{"group:Engineers"},
			Resources: []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{
				Accounts: []string{"name:prod-payments"}, PermissionSets: []string{"AdministratorAccess"},
			}}},
			MaxDuration: stint.Duration(4 * time.Hour),
			Approvers:   []string{"group:Approvers"},
		},
		{
			Name:       "dev-auto",
			Requesters: []string{"group:Engineers"},
			Resources: []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{
				Accounts: []string{"ou:Dev"}, PermissionSets: []string{"ReadOnly", "AdministratorAccess"},
			}}},
			MaxDuration: stint.Duration(8 * time.Hour),
			AutoApprove: true,
		},
	}
}

// env is a server on a real service and SQLite store.
type env struct {
	t        *testing.T
	srv      *Server
	svc      *access.Service
	store    stint.Store
	reg      *prometheus.Registry
	logs     *syncBuffer
	tokens   map[string]string // email -> token
	expired  string            // alice's expired token
	ready    error
	readyMu  sync.Mutex
	provider *providertest.Fake
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type option func(*Config)

func setup(t *testing.T, opts ...option) *env {
	t.Helper()
	ctx := context.Background()
	store := sqlite.OpenTest(t)
	e := &env{t: t, store: store, tokens: map[string]string{}, logs: &syncBuffer{}, provider: &providertest.Fake{DirectoryFunc: func(context.Context) (*stint.Directory, error) { return testDirectory(), nil }}}
	e.svc = &access.Service{
		Store:    store,
		Provider: e.provider,
		Flows:    testFlows,
		Admins:   func() []string { return []string{carol} },
		Now:      func() time.Time { return t0 },
		Logger:   slog.New(slog.NewTextHandler(e.logs, nil)),
	}
	t.Cleanup(e.svc.Wait) // before the store closes
	require.NoError(t, store.Tx(ctx, func(tx stint.Tx) error {
		if err := tx.DirectoryPut(ctx, testDirectory()); err != nil {
			return err
		}
		for _, email := range []string{alice, bob, carol, dave} {
			secret, hash := stint.NewTokenSecret()
			e.tokens[email] = secret
			exp := t0.Add(90 * 24 * time.Hour)
			if err := tx.TokenCreate(ctx, &stint.Token{ID: stint.NewID(), Hash: hash, UserEmail: email, Name: "test", CreatedAt: t0, ExpiresAt: &exp}); err != nil {
				return err
			}
		}
		secret, hash := stint.NewTokenSecret()
		e.expired = secret
		exp := t0.Add(-time.Hour)
		return tx.TokenCreate(ctx, &stint.Token{ID: stint.NewID(), Hash: hash, UserEmail: alice, Name: "old", CreatedAt: t0.Add(-48 * time.Hour), ExpiresAt: &exp})
	}))
	e.reg = prometheus.NewRegistry()
	cfg := Config{
		Service:  e.svc,
		Registry: e.reg,
		Logger:   slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Ready: func(ctx context.Context) error {
			e.readyMu.Lock()
			defer e.readyMu.Unlock()
			return e.ready
		},
	}
	for _, o := range opts {
		o(&cfg)
	}
	e.srv = New(cfg)
	return e
}

// call sends a request as the user (email; "" for none, or a raw token when
// it does not name a known user). A string body is sent as is with
// Content-Type application/json; other bodies are encoded to JSON.
func (e *env) call(method, path, who string, body any, hdr ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		require.NoError(e.t, err)
		r = bytes.NewReader(data)
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if who != "" {
		tok, ok := e.tokens[who]
		if !ok {
			tok = who
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	e.srv.ServeHTTP(w, req)
	return w
}

// decode reads a JSON answer, failing on a status other than want.
func decode[T any](t *testing.T, w *httptest.ResponseRecorder, want int) T {
	t.Helper()
	require.Equal(t, want, w.Code, "body: %s", w.Body.String())
	var v T
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &v), "body: %s", w.Body.String())
	return v
}

// requireAPIError checks that w is an API error with the status and code
// whose message contains msg.
func requireAPIError(t *testing.T, w *httptest.ResponseRecorder, status int, code, msg string) {
	t.Helper()
	got := decode[apiErr](t, w, status)
	require.Equal(t, code, got.Error.Code)
	require.Contains(t, got.Error.Message, msg)
}

// apiErr is the error body.
type apiErr struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// submit files a request as the user and returns it.
func (e *env) submit(who, account, ps, duration string) *stint.Request {
	e.t.Helper()
	w := e.call("POST", "/api/v1/requests", who, map[string]any{
		"account": account, "permission_set": ps, "duration": duration, "reason": "INC-4211",
	})
	r := decode[stint.Request](e.t, w, http.StatusCreated)
	return &r
}

// grantOf returns the first grant of the request, as its requester sees it.
func (e *env) grantOf(who string, requestID string) *stint.Grant {
	e.t.Helper()
	list := decode[[]*stint.Grant](e.t, e.call("GET", "/api/v1/grants?all=true", who, nil), http.StatusOK)
	for _, g := range list {
		if g.RequestID == requestID {
			return g
		}
	}
	e.t.Fatalf("no grant for request %s in %d grants", requestID, len(list))
	return nil
}
