package cli_test

import (
	"encoding/json"
	"io"
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
	"github.com/stint-dev/stint/cli"
)

var fxExternal = &stint.External{ID: "ext:01JX0000000000000000000VERA", Email: "vera@acme.example", Org: "Acme", Sponsor: "bob@example.com",
	InvitedBy: "carol@example.com", State: stint.ExternalActive, ExpiresAt: at(30 * 24 * time.Hour), InviteExpiresAt: at(72 * time.Hour),
	EnrolledAt: ptr(at(-time.Hour)), CreatedAt: at(-2 * time.Hour), UpdatedAt: at(-time.Hour), Version: 3}

// externalFake answers the external routes and records their bodies.
type externalFake struct {
	srv   *httptest.Server
	mu    sync.Mutex
	calls []call
	// expiration of the credentials it hands out
	expiration time.Time
	fail       bool
}

func newExternalFake(t *testing.T) (*externalFake, map[string]string) {
	f := &externalFake{expiration: at(time.Hour)}
	mux := http.NewServeMux()
	answer := func(pattern string, status int, fn func(c call) any) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			c := call{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Auth: r.Header.Get("Authorization")}
			if data, _ := io.ReadAll(r.Body); len(data) > 0 {
				require.NoError(t, json.Unmarshal(data, &c.Body))
			}
			f.mu.Lock()
			f.calls = append(f.calls, c)
			fail := f.fail
			f.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			if fail {
				w.WriteHeader(http.StatusForbidden)
				_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": "forbidden",
					"message": "grant G ends in 9m; stint issues none in a grant's last 15m"}})
				return
			}
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(fn(c))
		})
	}
	answer("POST /api/v1/externals", http.StatusCreated, func(call) any {
		return map[string]any{"external": fxExternal, "url": "https://stint.example.com/external/invite?token=stinv_abc", "token": "stinv_abc"}
	})
	answer("GET /api/v1/externals", http.StatusOK, func(call) any {
		locked := *fxExternal
		locked.Email, locked.LockedUntil = "wim@acme.example", ptr(at(10*time.Minute))
		invited := *fxExternal
		invited.Email, invited.State, invited.EnrolledAt = "xena@globex.example", stint.ExternalInvited, nil
		invited.Org = "Globex"
		return []*stint.External{fxExternal, &locked, &invited}
	})
	answer("POST /api/v1/externals/{email}/disable", http.StatusOK, func(call) any {
		d := *fxExternal
		d.State, d.DisabledBy = stint.ExternalDisabled, "bob@example.com"
		return d
	})
	answer("POST /api/v1/credentials", http.StatusOK, func(call) any {
		f.mu.Lock()
		defer f.mu.Unlock()
		return stint.Credentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "wJalrSECRET", SessionToken: "FwoGZXTOKEN",
			Expiration: f.expiration, Region: "eu-west-1", GrantID: "G", ResourceID: "aws-s3:111111111111/acme-exchange:read"}
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f, map[string]string{"STINT_SERVER": f.srv.URL, "STINT_TOKEN": "stint_external"}
}

func (f *externalFake) recorded() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

func TestExternalCommands(t *testing.T) {
	t.Parallel()
	f, env := newExternalFake(t)

	res := runCLI(t, cli.Options{}, env, "external", "invite", "vera@acme.example", "--org", "Acme", "--sponsor", "bob@example.com", "--expires", "30d")
	require.Equal(t, 0, res.code, res.stderr)
	golden(t, "external-invite", res.stdout)
	require.Equal(t, map[string]any{"email": "vera@acme.example", "org": "Acme", "sponsor": "bob@example.com", "expires": "30d"}, f.recorded()[0].Body)

	res = runCLI(t, cli.Options{}, env, "external", "list")
	require.Equal(t, 0, res.code, res.stderr)
	golden(t, "external-list", res.stdout)
	res = runCLI(t, cli.Options{}, env, "external", "list", "--org", "Acme", "-o", "json")
	require.Equal(t, 0, res.code, res.stderr)
	require.Equal(t, "org=Acme", f.recorded()[2].Query)
	var list []map[string]any
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &list))
	require.Len(t, list, 3)
	for _, k := range []string{"id", "email", "org", "sponsor", "state", "expires_at"} {
		require.Contains(t, list[0], k)
	}
	require.NotContains(t, res.stdout, "recovery")

	res = runCLI(t, cli.Options{}, env, "external", "disable", "vera@acme.example")
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stdout, "Disabled:  vera@acme.example (Acme)")
	require.Equal(t, "/api/v1/externals/vera@acme.example/disable", f.recorded()[3].Path)

	res = runCLI(t, cli.Options{}, env, "external", "invite", "vera@acme.example")
	require.Equal(t, 2, res.code)
	require.Equal(t, "stint: say their organisation with --org, e.g. --org Acme\n", res.stderr)
}

func TestCredsForCredentialProcess(t *testing.T) {
	t.Parallel()
	f, env := newExternalFake(t)
	cache := t.TempDir()
	var prompts []string
	opts := cli.Options{CacheDir: cache, Prompt: func(msg string) (string, error) {
		prompts = append(prompts, msg)
		return "654321", nil
	}}
	res := runCLI(t, opts, env, "creds", "--resource", "aws-s3:111111111111/acme-exchange:read")
	require.Equal(t, 0, res.code, res.stderr)
	golden(t, "creds-process", res.stdout)
	var out map[string]any
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &out))
	require.Equal(t, map[string]any{"Version": float64(1), "AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "wJalrSECRET",
		"SessionToken": "FwoGZXTOKEN", "Expiration": "2025-06-02T10:30:00Z"}, out)
	require.Equal(t, []string{"stint: code from your authenticator app for aws-s3:111111111111/acme-exchange:read: "}, prompts)
	calls := f.recorded()
	require.Len(t, calls, 1)
	require.Equal(t, map[string]any{"resource": "aws-s3:111111111111/acme-exchange:read", "code": "654321"}, calls[0].Body)
	require.Equal(t, "Bearer stint_external", calls[0].Auth)

	// The cache answers the next aws command without a code, until 5
	// minutes before expiry; it is the user's alone.
	files, err := filepath.Glob(filepath.Join(cache, "*.json"))
	require.NoError(t, err)
	require.Len(t, files, 1)
	info, err := os.Stat(files[0])
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	require.NotContains(t, filepath.Base(files[0]), "acme")
	res = runCLI(t, opts, env, "creds", "--resource", "aws-s3:111111111111/acme-exchange:read")
	require.Equal(t, 0, res.code, res.stderr)
	require.Len(t, f.recorded(), 1, "answered from the cache")
	require.Len(t, prompts, 1)
	late := cli.Options{CacheDir: cache, Prompt: opts.Prompt, Now: func() time.Time { return at(56 * time.Minute) }}
	res = runCLI(t, late, env, "creds", "--resource", "aws-s3:111111111111/acme-exchange:read", "--code", "111111")
	require.Equal(t, 0, res.code, res.stderr)
	require.Len(t, f.recorded(), 2, "near expiry: a new issuance")
	res = runCLI(t, opts, env, "creds", "--grant", "G", "--code", "222222", "--no-cache", "--format", "env")
	require.Equal(t, 0, res.code, res.stderr)
	golden(t, "creds-env", res.stdout)

	// Refused: one line on stderr, the code's exit status, nothing on stdout.
	f.mu.Lock()
	f.fail = true
	f.mu.Unlock()
	res = runCLI(t, opts, env, "creds", "--grant", "G", "--code", "333333", "--no-cache")
	require.Equal(t, 4, res.code)
	require.Empty(t, res.stdout)
	require.Equal(t, "stint: grant G ends in 9m; stint issues none in a grant's last 15m\n", res.stderr)

	for _, args := range [][]string{{"creds"}, {"creds", "--grant", "G", "--resource", "R"}, {"creds", "--grant", "G", "--format", "yaml"}} {
		res = runCLI(t, opts, env, args...)
		require.Equal(t, 2, res.code, strings.Join(args, " "))
	}
}
