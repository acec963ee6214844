package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/audit"
	"github.com/stint-dev/stint/cli"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// now is the CLI's clock in these tests.
var now = time.Date(2025, 6, 2, 9, 30, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return now.Add(d) }
func ptr[T any](v T) *T            { return &v }

// Fixtures the fake server answers with.
var (
	fxEligible = []stint.Eligible{
		{Flow: "prod-admin", ResourceID: "aws-sso:111111111111/AdministratorAccess", AccountID: "111111111111",
			AccountName: "prod-payments", PermissionSet: "AdministratorAccess", MaxDuration: stint.Duration(4 * time.Hour)},
		{Flow: "dev-auto", ResourceID: "aws-sso:222222222222/ReadOnly", AccountID: "222222222222",
			AccountName: "dev-sandbox", PermissionSet: "ReadOnly", MaxDuration: stint.Duration(7 * 24 * time.Hour), AutoApprove: true},
	}
	fxPending = &stint.Request{
		ID: "01JR00000000000000000PENDNG", RequesterID: "u-alice", RequesterEmail: "alice@example.com", Flow: "prod-admin",
		Resources: []stint.ResourceRef{{ID: "aws-sso:111111111111/AdministratorAccess", AccountID: "111111111111",
			AccountName: "prod-payments", PermissionSet: "AdministratorAccess", PermissionSetARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-1"}},
		Reason: "INC-4211 payments are failing", Duration: stint.Duration(time.Hour), State: stint.RequestPending,
		ReviewBy: at(23*time.Hour + 55*time.Minute), CreatedAt: at(-5 * time.Minute), UpdatedAt: at(-5 * time.Minute), Version: 1,
	}
	fxApproved = &stint.Request{
		ID: "01JR00000000000000000APPRVD", RequesterID: "u-bob", RequesterEmail: "bob@example.com", Flow: "prod-admin",
		Resources: []stint.ResourceRef{
			{ID: "aws-sso:111111111111/ReadOnly", AccountID: "111111111111", AccountName: "prod-payments", PermissionSet: "ReadOnly"},
			{ID: "aws-sso:333333333333/ReadOnly", AccountID: "333333333333", PermissionSet: "ReadOnly"},
		},
		Reason: "quarterly audit: read the ledger tables and the S3 exports for Q2", Duration: stint.Duration(36 * time.Hour),
		StartsAt: ptr(at(2 * time.Hour)), State: stint.RequestApproved,
		Reviews:  []stint.Review{{ReviewerID: "u-carol", ReviewerEmail: "carol@example.com", Decision: "approve", Comment: "go ahead", At: at(-2 * time.Minute)}},
		ReviewBy: at(20 * time.Hour), CreatedAt: at(-3 * time.Hour), UpdatedAt: at(-2 * time.Minute), Version: 2,
	}
	fxActive = &stint.Grant{
		ID: "01JG000000000000000000ACTIV", RequestID: "01JR00000000000000000AUTOAP", Flow: "dev-auto", UserID: "u-alice", UserEmail: "alice@example.com",
		ResourceID: "aws-sso:222222222222/ReadOnly", AccountID: "222222222222", AccountName: "dev-sandbox", PermissionSet: "ReadOnly",
		State: stint.GrantActive, StartsAt: at(-time.Minute), EndsAt: at(59*time.Minute + 30*time.Second), Extensions: 1,
		CreatedAt: at(-time.Minute), UpdatedAt: at(-time.Minute), Version: 3,
	}
	fxScheduled = &stint.Grant{
		ID: "01JG000000000000000000SCHED", RequestID: fxApproved.ID, Flow: "prod-admin", UserID: "u-bob", UserEmail: "bob@example.com",
		ResourceID: "aws-sso:111111111111/ReadOnly", AccountID: "111111111111", AccountName: "prod-payments", PermissionSet: "ReadOnly",
		State: stint.GrantScheduled, StartsAt: at(2 * time.Hour), EndsAt: at(38 * time.Hour), CreatedAt: at(-2 * time.Minute), UpdatedAt: at(-2 * time.Minute), Version: 1,
	}
	fxEnded = &stint.Grant{
		ID: "01JG000000000000000000ENDED", RequestID: "01JR0000000000000000000OLD1", Flow: "prod-admin", UserID: "u-alice", UserEmail: "alice@example.com",
		ResourceID: "aws-sso:111111111111/AdministratorAccess", AccountID: "111111111111", AccountName: "prod-payments", PermissionSet: "AdministratorAccess",
		State: stint.GrantEnded, StartsAt: at(-3 * time.Hour), EndsAt: at(-2 * time.Hour), EndReason: stint.EndRevoked,
		EndedAt: ptr(at(-2*time.Hour - 30*time.Minute)), RevokedBy: "carol@example.com", CreatedAt: at(-3 * time.Hour), UpdatedAt: at(-2 * time.Hour), Version: 5,
	}
	fxEvents = []*stint.Event{
		{ID: "E1", Time: at(-5 * time.Minute), Actor: "alice@example.com", Type: stint.EventRequestCreated, Subject: fxPending.ID,
			Data: map[string]any{"flow": "prod-admin", "duration": "1h", "reason": "INC-4211 payments are failing", "resources": []string{"aws-sso:111111111111/AdministratorAccess"}}},
		{ID: "E2", Time: at(-time.Minute), Actor: "system", Type: stint.EventGrantActive, Subject: fxActive.ID},
	}
	fxProfile = map[string]any{"user": "alice", "user_id": "u-alice", "email": "alice@example.com", "display_name": "Alice Liddell",
		"groups": []string{"Engineers", "On-Call"}, "admin": false}
)

// answerFunc answers a route of the fake from the call it received.
type answerFunc func(c call) any

// call is one request the fake server received.
type call struct {
	Method, Path, Query, Auth string
	Body                      map[string]any
}

// fake is a canned JSON API.
type fake struct {
	srv   *httptest.Server
	mu    sync.Mutex
	calls []call
	// fail, when set, answers every call with this status and error code.
	failStatus int
	failCode   string
}

func newFake(t *testing.T) *fake {
	f := &fake{}
	routes := map[string]any{
		"GET /api/v1/me":        fxProfile,
		"GET /api/v1/resources": fxEligible,
		"POST /api/v1/requests": answerFunc(func(c call) any {
			switch {
			case c.Body["break_glass"] == true:
				return fxBreakGlass
			case c.Body["bundle"] != nil:
				return fxBundle
			case c.Body["ticket"] != nil:
				return fxTicketed
			}
			return fxPending
		}),
		"GET /api/v1/requests":               []*stint.Request{fxPending, fxApproved},
		"POST /api/v1/requests/{id}/approve": fxApproved,
		"POST /api/v1/requests/{id}/deny":    fxPending,
		"POST /api/v1/requests/{id}/cancel":  fxPending,
		"GET /api/v1/grants": answerFunc(func(c call) any {
			if c.Query == "all=true" {
				return []*stint.Grant{fxActive, fxScheduled, fxEnded}
			}
			return []*stint.Grant{fxActive, fxReady, fxScheduled}
		}),
		"POST /api/v1/grants/{id}/activate": fxActivated,
		"GET /api/v1/flows":                 fxFlows,
		"GET /api/v1/who-can":               fxWhoCan,
		"POST /api/v1/can": answerFunc(func(c call) any {
			if c.Body["user"] == "dave@example.com" {
				return fxDenied
			}
			return fxAllowed
		}),
		"POST /api/v1/grants/{id}/revoke":           fxEnded,
		"POST /api/v1/grants/{id}/extend":           fxActive,
		"GET /api/v1/events":                        fxEvents,
		"GET /api/v1/requests/{id}":                 fxPending,
		"GET /api/v1/grants/{id}":                   fxActive,
		"GET /api/v1/this-route-only-answers-empty": nil,
	}
	mux := http.NewServeMux()
	for pattern, answer := range routes {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			c := call{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Auth: r.Header.Get("Authorization")}
			if data, _ := io.ReadAll(r.Body); len(data) > 0 {
				require.NoError(t, json.Unmarshal(data, &c.Body))
			}
			f.mu.Lock()
			f.calls = append(f.calls, c)
			status, code := f.failStatus, f.failCode
			f.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			if status != 0 {
				w.WriteHeader(status)
				_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": "the server says no\nfor a reason"}})
				return
			}
			if r.Method == http.MethodPost && r.URL.Path == "/api/v1/requests" {
				w.WriteHeader(http.StatusCreated)
			}
			if fn, ok := answer.(answerFunc); ok {
				_ = json.NewEncoder(w).Encode(fn(c))
				return
			}
			_ = json.NewEncoder(w).Encode(answer)
		})
	}
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// newFakeEnv starts a fake and returns it with an environment that points
// the CLI at it with the token stint_test.
func newFakeEnv(t *testing.T) (*fake, map[string]string) {
	f := newFake(t)
	return f, map[string]string{"STINT_SERVER": f.srv.URL, "STINT_TOKEN": "stint_test"}
}

func (f *fake) recorded() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

// result is what one CLI run produced.
type result struct {
	code           int
	stdout, stderr string
}

// runCLI runs the CLI with the environment env (nothing from the real one).
func runCLI(t *testing.T, opts cli.Options, env map[string]string, args ...string) result {
	t.Helper()
	if opts.Getenv == nil {
		opts.Getenv = func(k string) string { return env[k] }
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return now }
	}
	var stdout, stderr bytes.Buffer
	code := cli.Execute(context.Background(), cli.NewRoot(opts), args, &stdout, &stderr)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// golden compares got with testdata/NAME.golden, rewriting it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run `go test ./cli -update` to create %s", path)
	require.Equal(t, string(want), got)
}

func TestTables(t *testing.T) {
	t.Parallel()
	f, env := newFakeEnv(t)
	tests := []struct {
		name     string
		args     []string
		wantCall string // METHOD PATH?QUERY
		wantBody map[string]any
	}{
		{name: "resources", args: []string{"resources"}, wantCall: "GET /api/v1/resources"},
		{name: "request", args: []string{"request", "prod-payments", "AdministratorAccess", "--for", "1h", "--reason", "INC-4211"},
			wantCall: "POST /api/v1/requests",
			wantBody: map[string]any{"resources": []any{map[string]any{"account": "prod-payments", "permission_set": "AdministratorAccess"}}, "duration": "1h", "reason": "INC-4211"}},
		{name: "request-scheduled", args: []string{"request", "111111111111", "ReadOnly", "--for", "1d12h", "--reason", "audit", "--start", "2025-06-02T11:30:00Z"},
			wantCall: "POST /api/v1/requests",
			wantBody: map[string]any{"resources": []any{map[string]any{"account": "111111111111", "permission_set": "ReadOnly"}}, "duration": "1d12h", "reason": "audit", "starts_at": "2025-06-02T11:30:00Z"}},
		{name: "requests", args: []string{"requests"}, wantCall: "GET /api/v1/requests"},
		{name: "requests-pending", args: []string{"requests", "--pending", "--limit", "20"}, wantCall: "GET /api/v1/requests?limit=20&pending=true"},
		{name: "approve", args: []string{"approve", "01JR00000000000000000APPRVD", "--comment", "go ahead"},
			wantCall: "POST /api/v1/requests/01JR00000000000000000APPRVD/approve", wantBody: map[string]any{"comment": "go ahead"}},
		{name: "deny", args: []string{"deny", "01JR00000000000000000PENDNG", "--reason", "use read-only"},
			wantCall: "POST /api/v1/requests/01JR00000000000000000PENDNG/deny", wantBody: map[string]any{"reason": "use read-only"}},
		{name: "cancel", args: []string{"cancel", "01JR00000000000000000PENDNG"},
			wantCall: "POST /api/v1/requests/01JR00000000000000000PENDNG/cancel", wantBody: map[string]any{}},
		{name: "grants", args: []string{"grants", "--all"}, wantCall: "GET /api/v1/grants?all=true"},
		{name: "revoke", args: []string{"revoke", "01JG000000000000000000ENDED"},
			wantCall: "POST /api/v1/grants/01JG000000000000000000ENDED/revoke", wantBody: map[string]any{}},
		{name: "extend", args: []string{"extend", "01JG000000000000000000ACTIV", "--for", "30m"},
			wantCall: "POST /api/v1/grants/01JG000000000000000000ACTIV/extend", wantBody: map[string]any{"duration": "30m"}},
		{name: "audit", args: []string{"audit", "--since", "1h", "--subject", "01JR00000000000000000PENDNG"},
			wantCall: "GET /api/v1/events?since=1h&subject=01JR00000000000000000PENDNG"},
		{name: "whoami", args: []string{"whoami"}, wantCall: "GET /api/v1/me"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.recorded())
			res := runCLI(t, cli.Options{}, env, tt.args...)
			require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
			require.Empty(t, res.stderr)
			golden(t, tt.name, strings.ReplaceAll(res.stdout, f.srv.URL, "SERVER"))

			calls := f.recorded()[before:]
			require.Len(t, calls, 1)
			got := calls[0].Method + " " + calls[0].Path
			if calls[0].Query != "" {
				got += "?" + calls[0].Query
			}
			require.Equal(t, tt.wantCall, got)
			require.Equal(t, tt.wantBody, calls[0].Body)
			require.Equal(t, "Bearer stint_test", calls[0].Auth)
		})
	}
}

func TestJSONOutput(t *testing.T) {
	t.Parallel()
	_, env := newFakeEnv(t)
	tests := []struct {
		name     string
		args     []string
		wantList bool
		wantKeys []string
	}{
		{name: "resources", args: []string{"resources", "-o", "json"}, wantList: true,
			wantKeys: []string{"flow", "resource_id", "account_id", "account_name", "permission_set", "max_duration", "auto_approve"}},
		{name: "request", args: []string{"request", "prod-payments", "AdministratorAccess", "--reason", "x", "-o", "json"},
			wantKeys: []string{"id", "state", "requester", "resources", "duration", "created_at"}},
		{name: "requests", args: []string{"requests", "--output", "json"}, wantList: true, wantKeys: []string{"id", "state"}},
		{name: "approve", args: []string{"approve", "R", "-o", "json"}, wantKeys: []string{"id", "state", "reviews"}},
		{name: "deny", args: []string{"deny", "R", "--reason", "no", "-o", "json"}, wantKeys: []string{"id", "state"}},
		{name: "cancel", args: []string{"cancel", "R", "-o", "json"}, wantKeys: []string{"id", "state"}},
		{name: "grants", args: []string{"grants", "-o", "json"}, wantList: true,
			wantKeys: []string{"id", "request_id", "user", "account_id", "permission_set", "state", "starts_at", "ends_at"}},
		{name: "revoke", args: []string{"revoke", "G", "-o", "json"}, wantKeys: []string{"id", "state", "ends_at"}},
		{name: "extend", args: []string{"extend", "G", "--for", "30m", "-o", "json"}, wantKeys: []string{"id", "state", "ends_at", "extensions"}},
		{name: "audit", args: []string{"audit", "-o", "json"}, wantList: true, wantKeys: []string{"id", "time", "actor", "type", "subject"}},
		{name: "whoami", args: []string{"whoami", "-o", "json"}, wantKeys: []string{"user", "email", "groups", "admin"}},
		{name: "request break-glass", args: []string{"request", "a", "b", "--reason", "x", "--break-glass", "-o", "json"},
			wantKeys: []string{"id", "state", "break_glass", "ticket", "steps"}},
		{name: "activate", args: []string{"activate", "G", "-o", "json"}, wantKeys: []string{"id", "state", "duration", "break_glass"}},
		{name: "can", args: []string{"can", "me", "request", "a", "b", "-o", "json"},
			wantKeys: []string{"allowed", "user", "resource", "flow", "auto_approve", "break_glass", "max_duration", "steps"}},
		{name: "who-can", args: []string{"who-can", "a", "b", "-o", "json"}, wantList: true,
			wantKeys: []string{"user", "flow", "auto_approve", "break_glass", "max_duration"}},
		{name: "flows", args: []string{"flows", "-o", "json"}, wantList: true,
			wantKeys: []string{"name", "requesters", "resources", "max_duration", "auto_approve"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, cli.Options{}, env, tt.args...)
			require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
			var objects []map[string]any
			if tt.wantList {
				require.NoError(t, json.Unmarshal([]byte(res.stdout), &objects), res.stdout)
				require.NotEmpty(t, objects)
			} else {
				var o map[string]any
				require.NoError(t, json.Unmarshal([]byte(res.stdout), &o), res.stdout)
				objects = []map[string]any{o}
			}
			for _, o := range objects {
				for _, k := range tt.wantKeys {
					require.Contains(t, o, k)
				}
				for _, k := range []string{"starts_at", "ends_at", "created_at", "time"} {
					if v, ok := o[k].(string); ok {
						_, err := time.Parse(time.RFC3339, v)
						require.NoError(t, err, "%s is RFC 3339", k)
					}
				}
			}
		})
	}
}

func TestEmptyListsAreJSONArrays(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "null")
	}))
	t.Cleanup(srv.Close)
	env := map[string]string{"STINT_SERVER": srv.URL, "STINT_TOKEN": "t"}
	for _, cmd := range [][]string{{"resources"}, {"requests"}, {"grants"}, {"audit"}, {"flows"}, {"who-can", "a", "b"}} {
		res := runCLI(t, cli.Options{}, env, append(cmd, "-o", "json")...)
		require.Equal(t, 0, res.code, res.stderr)
		require.Equal(t, "[]\n", res.stdout, cmd)
		res = runCLI(t, cli.Options{}, env, cmd...)
		require.Equal(t, 0, res.code, res.stderr)
		require.Empty(t, res.stdout, cmd)
		require.NotEmpty(t, res.stderr, "%s says the list is empty", cmd)
	}
}

func TestServerErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code     string
		status   int
		wantExit int
	}{
		{stint.EINVALID, 400, 2},
		{stint.EUNAUTHORIZED, 401, 3},
		{stint.EFORBIDDEN, 403, 4},
		{stint.ENOTFOUND, 404, 5},
		{stint.ECONFLICT, 409, 6},
		{stint.EUNAVAILABLE, 503, 7},
		{stint.EINTERNAL, 500, 1},
		{"brand-new-code", 418, 1},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			t.Parallel()
			f, env := newFakeEnv(t)
			f.failStatus, f.failCode = tt.status, tt.code
			res := runCLI(t, cli.Options{}, env, "grants")
			require.Equal(t, tt.wantExit, res.code)
			require.Empty(t, res.stdout)
			require.Equal(t, "stint: the server says no for a reason\n", res.stderr, "exactly one line")
		})
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	f, env := newFakeEnv(t)
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantExit int
		wantErr  string
	}{
		{name: "unknown command", args: []string{"reqest"}, wantExit: 2, wantErr: `unknown command "reqest" for "stint"; did you mean request or requests?`},
		{name: "unknown flag", args: []string{"grants", "--everything"}, wantExit: 2, wantErr: "unknown flag: --everything"},
		{name: "bad flag value", args: []string{"requests", "--limit", "lots"}, wantExit: 2, wantErr: "invalid argument"},
		{name: "too few arguments", args: []string{"request", "prod-payments"}, wantExit: 2, wantErr: "\"prod-payments\" is not a resource ID"},
		{name: "too many arguments", args: []string{"approve", "a", "b"}, wantExit: 2, wantErr: "takes 1 argument(s), got 2"},
		{name: "empty ID", args: []string{"cancel", " "}, wantExit: 2, wantErr: "argument 1 of stint cancel is empty"},
		{name: "arguments to a listing", args: []string{"grants", "mine"}, wantExit: 2, wantErr: "takes no arguments"},
		{name: "bad duration", args: []string{"request", "a", "b", "--for", "1 hour"}, wantExit: 2, wantErr: `--for: invalid duration "1 hour"`},
		{name: "negative duration", args: []string{"extend", "G", "--for", "-5m"}, wantExit: 2, wantErr: "--for:"},
		{name: "extend without --for", args: []string{"extend", "G"}, wantExit: 2, wantErr: "--for"},
		{name: "bad start", args: []string{"request", "a", "b", "--start", "tomorrow"}, wantExit: 2, wantErr: "--start"},
		{name: "deny without reason", args: []string{"deny", "R"}, wantExit: 2, wantErr: "--reason"},
		{name: "bad output", args: []string{"grants", "-o", "yaml"}, wantExit: 2, wantErr: `unknown output format "yaml"`},
		{name: "bad since", args: []string{"audit", "--since", "last week"}, wantExit: 2, wantErr: "--since"},
		{name: "bad limit", args: []string{"audit", "--limit", "-1"}, wantExit: 2, wantErr: "--limit"},
		{name: "bad server", args: []string{"grants", "--server", "localhost:8080"}, wantExit: 2, wantErr: "not an http:// or https:// URL"},
		{name: "bundle and a resource", args: []string{"request", "a", "b", "--bundle", "payments-ro"}, wantExit: 2, wantErr: "--bundle names its own resources"},
		{name: "break-glass without reason", args: []string{"request", "a", "b", "--break-glass"}, wantExit: 2, wantErr: "--break-glass needs a reason"},
		{name: "activate without ID", args: []string{"activate"}, wantExit: 2, wantErr: "stint activate takes 1 argument(s), got 0"},
		{name: "can without request", args: []string{"can", "alice@example.com", "approve", "a", "b"}, wantExit: 2, wantErr: "asks about requests only"},
		{name: "can with too few arguments", args: []string{"can", "alice@example.com", "request", "a"}, wantExit: 2, wantErr: "\"a\" is not a resource ID"},
		{name: "can with a bad duration", args: []string{"can", "me", "request", "a", "b", "--for", "soon"}, wantExit: 2, wantErr: "--for:"},
		{name: "who-can with one argument", args: []string{"who-can", "a"}, wantExit: 2, wantErr: "\"a\" is not a resource ID"},
		{name: "flows test without a file", args: []string{"flows", "test"}, wantExit: 2, wantErr: "takes 1 argument(s), got 0"},
		{name: "flows typo", args: []string{"flows", "tset"}, wantExit: 2, wantErr: "did you mean test?"},
		{name: "no token", args: []string{"grants"}, env: map[string]string{"STINT_SERVER": f.srv.URL}, wantExit: 3, wantErr: "no API token; set --token or STINT_TOKEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.recorded())
			e := env
			if tt.env != nil {
				e = tt.env
			}
			res := runCLI(t, cli.Options{}, e, tt.args...)
			require.Equal(t, tt.wantExit, res.code, "stderr: %s", res.stderr)
			require.Empty(t, res.stdout)
			require.True(t, strings.HasPrefix(res.stderr, "stint: "), res.stderr)
			require.Equal(t, 1, strings.Count(res.stderr, "\n"), "one line: %q", res.stderr)
			require.Contains(t, res.stderr, tt.wantErr)
			require.Len(t, f.recorded(), before, "nothing was sent to the server")
		})
	}
}

func TestServerAndToken(t *testing.T) {
	t.Parallel()
	a, b := newFake(t), newFake(t)
	tests := []struct {
		name       string
		env        map[string]string
		args       []string
		wantServer *fake
		wantAuth   string
	}{
		{name: "from the environment", env: map[string]string{"STINT_SERVER": a.srv.URL, "STINT_TOKEN": "env-token"},
			wantServer: a, wantAuth: "Bearer env-token"},
		{name: "flags beat the environment", env: map[string]string{"STINT_SERVER": a.srv.URL, "STINT_TOKEN": "env-token"},
			args: []string{"--server", b.srv.URL, "--token", "flag-token"}, wantServer: b, wantAuth: "Bearer flag-token"},
		{name: "trailing slash", env: map[string]string{"STINT_TOKEN": "t"}, args: []string{"--server", b.srv.URL + "/"},
			wantServer: b, wantAuth: "Bearer t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(tt.wantServer.recorded())
			res := runCLI(t, cli.Options{}, tt.env, append([]string{"whoami"}, tt.args...)...)
			require.Equal(t, 0, res.code, res.stderr)
			calls := tt.wantServer.recorded()[before:]
			require.Len(t, calls, 1)
			require.Equal(t, tt.wantAuth, calls[0].Auth)
		})
	}
}

func TestUnreachableServer(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := "http://" + l.Addr().String()
	require.NoError(t, l.Close())

	res := runCLI(t, cli.Options{}, map[string]string{"STINT_SERVER": addr, "STINT_TOKEN": "t"}, "requests")
	require.Equal(t, 7, res.code)
	require.Equal(t, 1, strings.Count(res.stderr, "\n"))
	require.True(t, strings.HasPrefix(res.stderr, "stint: cannot reach stint at "+addr+": "), res.stderr)
	require.True(t, strings.HasSuffix(res.stderr, "is `stint serve` running? set --server or STINT_SERVER\n"), res.stderr)
}

func TestServerCommands(t *testing.T) {
	t.Parallel()
	type seen struct {
		path, email, name string
		ttl               time.Duration
	}
	validateOK := func(s *seen) cli.Options {
		return cli.Options{ValidateConfig: func(p string) error { s.path = p; return nil }}
	}
	createToken := func(token string) func(s *seen) cli.Options {
		return func(s *seen) cli.Options {
			return cli.Options{CreateToken: func(ctx context.Context, p, email, name string, ttl time.Duration) (string, error) {
				*s = seen{p, email, name, ttl}
				return token, nil
			}}
		}
	}
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		opts       func(s *seen) cli.Options // nil means cli.Options{}
		wantExit   int
		wantStdout string
		wantStderr string // substring
		wantSeen   seen
	}{
		{name: "config validate ok", args: []string{"config", "validate", "--config", "prod.yaml"},
			opts: validateOK, wantStdout: "ok\n", wantSeen: seen{path: "prod.yaml"}},
		{name: "config validate reports errors as they are", args: []string{"config", "validate"},
			opts: func(s *seen) cli.Options {
				return cli.Options{ValidateConfig: func(p string) error {
					s.path = p
					return errors.New("stint.yaml:4:3: flow \"x\": max_duration is required (e.g. 4h)\nstint.yaml:9:7: unknown field \"aproovers\"")
				}}
			},
			wantExit: 2, wantStderr: "stint.yaml:4:3: flow \"x\": max_duration is required (e.g. 4h)\nstint.yaml:9:7: unknown field \"aproovers\"\n",
			wantSeen: seen{path: "stint.yaml"}},
		{name: "config path from STINT_CONFIG", args: []string{"config", "validate"}, env: map[string]string{"STINT_CONFIG": "/etc/stint.yaml"},
			opts: validateOK, wantStdout: "ok\n", wantSeen: seen{path: "/etc/stint.yaml"}},
		{name: "serve", args: []string{"serve", "--config", "x.yaml"},
			opts: func(s *seen) cli.Options {
				return cli.Options{Serve: func(ctx context.Context, p string) error { s.path = p; return nil }}
			},
			wantSeen: seen{path: "x.yaml"}},
		{name: "serve fails", args: []string{"serve"},
			opts: func(s *seen) cli.Options {
				return cli.Options{Serve: func(ctx context.Context, p string) error {
					s.path = p
					return stint.Errorf(stint.EUNAVAILABLE, "listen tcp :8080: address already in use")
				}}
			},
			wantExit: 7, wantStderr: "stint: listen tcp :8080: address already in use\n", wantSeen: seen{path: "stint.yaml"}},
		{name: "serve fails with a plain error", args: []string{"serve"},
			opts: func(s *seen) cli.Options {
				return cli.Options{Serve: func(ctx context.Context, p string) error { s.path = p; return errors.New("boom") }}
			},
			wantExit: 1, wantStderr: "stint: boom\n", wantSeen: seen{path: "stint.yaml"}},
		{name: "token create", args: []string{"token", "create", "--user", "alice@example.com", "--name", "laptop", "--expires", "30d"},
			opts: createToken("stint_abc123"), wantStdout: "stint_abc123\n", wantStderr: "expires 2025-07-02T09:30:00Z",
			wantSeen: seen{"stint.yaml", "alice@example.com", "laptop", 30 * 24 * time.Hour}},
		{name: "token create never expires", args: []string{"token", "create", "--user", "alice@example.com", "--expires", "never"},
			opts: createToken("stint_abc123"), wantStdout: "stint_abc123\n", wantStderr: "never expires", wantSeen: seen{path: "stint.yaml", email: "alice@example.com"}},
		{name: "token create default lifetime", args: []string{"token", "create", "--user", "bob@example.com"},
			opts: createToken("stint_x"), wantStdout: "stint_x\n", wantSeen: seen{path: "stint.yaml", email: "bob@example.com", ttl: 90 * 24 * time.Hour}},
		{name: "token create without user", args: []string{"token", "create"},
			wantExit: 2, wantStderr: "--user EMAIL"},
		{name: "token create with a bad lifetime", args: []string{"token", "create", "--user", "a@b.c", "--expires", "forever"},
			wantExit: 2, wantStderr: "--expires"},
		{name: "token create for an unknown user", args: []string{"token", "create", "--user", "zed@example.com"},
			opts: func(s *seen) cli.Options {
				return cli.Options{CreateToken: func(ctx context.Context, p, email, name string, ttl time.Duration) (string, error) {
					return "", stint.Errorf(stint.ENOTFOUND, "no user with email %q in the identity store", email)
				}}
			},
			wantExit: 5, wantStderr: "stint: no user with email \"zed@example.com\" in the identity store\n"},
		{name: "not built in", args: []string{"serve"},
			wantExit: 1, wantStderr: "cannot serve"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var (
				s    seen
				opts cli.Options
			)
			if tt.opts != nil {
				opts = tt.opts(&s)
			}
			res := runCLI(t, opts, tt.env, tt.args...)
			require.Equal(t, tt.wantExit, res.code, "stderr: %s", res.stderr)
			require.Equal(t, tt.wantStdout, res.stdout)
			require.Contains(t, res.stderr, tt.wantStderr)
			require.Equal(t, tt.wantSeen, s)
		})
	}
}

func TestCompletion(t *testing.T) {
	t.Parallel()
	res := runCLI(t, cli.Options{}, nil, "completion", "bash")
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stdout, "bash completion")

	_, env := newFakeEnv(t)
	res = runCLI(t, cli.Options{}, env, "__complete", "approve", "")
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stdout, fxPending.ID+"\talice@example.com prod-payments/AdministratorAccess")
	res = runCLI(t, cli.Options{}, env, "__complete", "grants", "-o", "")
	require.Contains(t, res.stdout, "table\njson\n")
}

func TestAuditVerifyCommand(t *testing.T) {
	t.Parallel()
	intact := &audit.Report{Events: 42, Head: stint.ChainHead{Seq: 42, Hash: "0123456789abcdef0123"}, Checkpoints: 3}
	broken := &audit.Report{Events: 6, Head: stint.ChainHead{Seq: 9}, Broken: &audit.Break{Seq: 7, EventID: "01J7", Reason: "its hash does not match its content"}}
	for _, tc := range []struct {
		name     string
		rep      *audit.Report
		args     []string
		wantCode int
		want     string
	}{
		{"intact", intact, nil, 0, "ok: 42 events, chain head 42 (0123456789ab), 3 checkpoints verified\n"},
		{"broken", broken, nil, cli.ExitBroken, "BROKEN at seq 7 (event 01J7): its hash does not match its content\n(6 events read before it; 0 checkpoints verified)\n"},
		{"json", intact, []string{"-o", "json"}, 0, `"checkpoints": 3`},
		{"after retention", &audit.Report{Events: 40, Head: stint.ChainHead{Seq: 42, Hash: "0123456789abcdef0123"}, Checkpoints: 3,
			Anchor: &stint.Anchor{Seq: 2, Time: now}}, nil, 0, "ok: 40 events, chain head 42 (0123456789ab), 3 checkpoints verified\n(retention removed events 1 to 2 on 2025-06-02; a signed anchor vouches for the kept ones from 3)\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var gotKeys []string
			opts := cli.Options{VerifyAudit: func(ctx context.Context, path string, keys []string) (*audit.Report, error) {
				gotKeys = keys
				return tc.rep, nil
			}}
			res := runCLI(t, opts, nil, append([]string{"audit", "verify", "--key", "K1"}, tc.args...)...)
			require.Equal(t, tc.wantCode, res.code, "stderr: %s", res.stderr)
			require.Contains(t, res.stdout, tc.want)
			require.Equal(t, []string{"K1"}, gotKeys)
		})
	}
}
