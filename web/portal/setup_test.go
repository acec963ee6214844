package portal_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
	"github.com/stint-dev/stint/internal/oidctest"
	"github.com/stint-dev/stint/provider/providertest"
	"github.com/stint-dev/stint/store/sqlite"
	"github.com/stint-dev/stint/web"
	"github.com/stint-dev/stint/web/portal"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

var t0 = time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)

// Users of the test directory.
const (
	alice = "alice@example.com" // engineer
	bob   = "bob@example.com"   // approver of prod-admin
	carol = "carol@example.com" // stint admin
	dave  = "dave@example.com"  // in no flow
	eve   = "eve@example.com"   // signs in at the IdP but is no stint user
)

func testDirectory() *stint.Directory {
	return &stint.Directory{
		InstanceARN: "arn:aws:sso:::instance/ssoins-1111111111111111", IdentityStoreID: "d-1111111111",
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
			{ARN: "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-admin", Name: "AdministratorAccess", SessionDuration: "PT1H"},
			{ARN: "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-ro", Name: "ReadOnly", SessionDuration: "PT8H"},
		},
		SyncedAt: t0,
	}
}

func testFlows() []stint.Flow {
	return []stint.Flow{
		{
			Name: "prod-admin", Description: "Production administration, approved by the approvers",
			Requesters: []string{"group:Engineers"},
			Resources: []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{
				Accounts: []string{"name:prod-payments"}, PermissionSets: []string{"AdministratorAccess"}}}},
			MaxDuration: stint.Duration(4 * time.Hour),
			Approvers:   []string{"group:Approvers"},
		},
		{
			Name:       "dev-auto",
			Requesters: []string{"group:Engineers"},
			Resources: []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{
				Accounts: []string{"ou:Dev"}, PermissionSets: []string{"ReadOnly", "AdministratorAccess"}}}},
			MaxDuration: stint.Duration(8 * time.Hour),
			AutoApprove: true,
		},
	}
}

// TOTPSecret is the break-glass secret of the tests (base32).
const TOTPSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

type env struct {
	t      *testing.T
	svc    *access.Service
	store  stint.Store
	issuer *oidctest.Issuer
	srv    *httptest.Server
	logs   *syncBuffer
	clock  atomic.Int64 // offset from t0
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

func (e *env) now() time.Time { return t0.Add(time.Duration(e.clock.Load())) }

// advance moves the clock of the service, the portal and the issuer.
func (e *env) advance(d time.Duration) { e.clock.Add(int64(d)) }

type option func(*portal.Config)

// setup builds a service on a real SQLite store with a fixed clock and
// sequential IDs, an OIDC issuer knowing every test user, and the API
// with the portal mounted, on a loopback HTTP server.
func setup(t *testing.T, opts ...option) *env {
	t.Helper()
	ctx := context.Background()
	store := sqlite.OpenTest(t)
	e := &env{t: t, store: store, logs: &syncBuffer{}}
	var n atomic.Int64
	e.svc = &access.Service{
		Store:    store,
		Provider: &providertest.Fake{DirectoryFunc: func(context.Context) (*stint.Directory, error) { return testDirectory(), nil }},
		Flows:    testFlows,
		Admins:   func() []string { return []string{carol} },
		Now:      e.now,
		NewID:    func() string { return fmt.Sprintf("01TEST%010d", n.Add(1)) },
		Logger:   slog.New(slog.NewTextHandler(e.logs, nil)),
	}
	t.Cleanup(e.svc.Wait)
	require.NoError(t, store.Tx(ctx, func(tx stint.Tx) error { return tx.DirectoryPut(ctx, testDirectory()) }))
	var err error
	e.issuer, err = oidctest.New(oidctest.Config{ClientID: "stint-portal", ClientSecret: "s3cret", Now: e.now, Users: []oidctest.User{
		{Email: alice, Name: "Alice"}, {Email: bob, Name: "Bob"}, {Email: carol, Name: "Carol"}, {Email: dave, Name: "Dave"},
		{Email: eve, Name: "Eve"}, {Email: "mallory@example.com", Unverified: true},
	}})
	require.NoError(t, err)
	t.Cleanup(e.issuer.Close)
	var h http.Handler
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)
	cfg := portal.Config{
		Service: e.svc, BaseURL: e.srv.URL, Logger: slog.New(slog.NewTextHandler(e.logs, nil)),
		OIDC:       &portal.OIDCConfig{Issuer: e.issuer.URL(), ClientID: "stint-portal", ClientSecret: "s3cret"},
		LocalAdmin: &portal.LocalAdminConfig{Email: carol, Secret: TOTPSecret},
		PageSize:   5,
	}
	for _, o := range opts {
		o(&cfg)
	}
	h = web.New(web.Config{Service: e.svc, Logger: cfg.Logger, Portal: portal.New(cfg)})
	return e
}

// browser is one person's browser: a cookie jar and the last CSRF token
// it saw in a page.
type browser struct {
	e    *env
	c    *http.Client
	csrf string
}

func (e *env) anonymous() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// signIn goes through the whole OIDC flow as the user and returns the
// browser, now on the My access page.
func (e *env) signIn(email string) *browser {
	e.t.Helper()
	b := e.anonymous()
	status, body := b.signIn(email)
	require.Equal(e.t, http.StatusOK, status, "sign-in as %s: %s", email, body)
	return b
}

// signIn follows the OIDC flow from /auth/login and returns the final
// status and body.
func (b *browser) signIn(email string) (int, string) {
	b.e.t.Helper()
	resp := b.do("GET", "/auth/login?login_hint="+url.QueryEscape(email), nil, nil)
	for i := 0; resp.StatusCode >= 300 && resp.StatusCode < 400 && i < 10; i++ {
		loc := resp.Header.Get("Location")
		if strings.HasPrefix(b.e.issuer.URL(), "") && strings.HasPrefix(loc, b.e.issuer.URL()+"/authorize") {
			loc += "&login_hint=" + url.QueryEscape(email)
		}
		resp = b.do("GET", loc, nil, nil)
	}
	return resp.StatusCode, b.read(resp)
}

var csrfPattern = regexp.MustCompile(`name="csrf" value="([A-Za-z0-9_-]+)"`)

// do sends a request; a relative path goes to the stint server.
func (b *browser) do(method, path string, body io.Reader, hdr http.Header) *http.Response {
	b.e.t.Helper()
	u := path
	if strings.HasPrefix(path, "/") {
		u = b.e.srv.URL + path
	}
	req, err := http.NewRequest(method, u, body)
	require.NoError(b.e.t, err)
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	resp, err := b.c.Do(req)
	require.NoError(b.e.t, err)
	return resp
}

func (b *browser) read(resp *http.Response) string {
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(b.e.t, err)
	if m := csrfPattern.FindSubmatch(data); m != nil {
		b.csrf = string(m[1])
	}
	return string(data)
}

// get fetches a page and returns its status and body.
func (b *browser) get(path string) (int, string) {
	b.e.t.Helper()
	resp := b.do("GET", path, nil, nil)
	return resp.StatusCode, b.read(resp)
}

// post submits a form with the browser's CSRF token (unless the form sets
// csrf itself, "" meaning none).
func (b *browser) post(path string, form url.Values, hdr ...string) (int, string, *http.Response) {
	b.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, set := form["csrf"]; !set {
		form.Set("csrf", b.csrf)
	} else if form.Get("csrf") == "" {
		form.Del("csrf")
	}
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	for i := 0; i+1 < len(hdr); i += 2 {
		h.Set(hdr[i], hdr[i+1])
	}
	resp := b.do("POST", path, strings.NewReader(form.Encode()), h)
	return resp.StatusCode, b.read(resp), resp
}

// cookie returns the session cookie's value, "" when there is none.
func (b *browser) cookie() string {
	u, _ := url.Parse(b.e.srv.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "stint_session" {
			return c.Value
		}
	}
	return ""
}

// golden compares body with testdata/NAME.golden (rewritten with -update),
// after replacing the session's CSRF token with CSRF.
func golden(t *testing.T, name, body string) {
	t.Helper()
	body = regexp.MustCompile(`(name="csrf" value=")[A-Za-z0-9_-]+"`).ReplaceAllString(body, `${1}CSRF"`)
	body = regexp.MustCompile(`("X-CSRF-Token":")[A-Za-z0-9_-]+"`).ReplaceAllString(body, `${1}CSRF"`)
	body = regexp.MustCompile(`127\.0\.0\.1:[0-9]+`).ReplaceAllString(body, "127.0.0.1:PORT")
	path := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./web/portal -update to write %s", path)
	require.Equal(t, string(want), body, "%s differs; if the change is intended, run go test ./web/portal -update", path)
}

// submit files a request as the browser's user through the request form.
func (b *browser) submit(resource, duration, reason string) string {
	b.e.t.Helper()
	if b.csrf == "" {
		b.get("/request")
	}
	status, body, resp := b.post("/request", url.Values{"resource": {resource}, "duration": {duration}, "reason": {reason}})
	require.Equal(b.e.t, http.StatusSeeOther, status, body)
	loc := resp.Header.Get("Location")
	id, ok := strings.CutPrefix(loc, "/requests/")
	require.True(b.e.t, ok, loc)
	id, _, _ = strings.Cut(id, "?")
	return id
}
