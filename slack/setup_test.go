package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log/slog"
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
	"github.com/stint-dev/stint/access"
	"github.com/stint-dev/stint/config"
	"github.com/stint-dev/stint/internal/slackfake"
	"github.com/stint-dev/stint/provider/providertest"
	"github.com/stint-dev/stint/store/sqlite"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares v, as indented JSON, with testdata/NAME.json.
func golden(t *testing.T, name string, v any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep Slack's <!date^...> markup readable
	enc.SetIndent("", "  ")
	require.NoError(t, enc.Encode(v))
	got := buf.Bytes()
	path := filepath.Join("testdata", name+".json")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./slack -update to create it")
	require.Equal(t, string(want), string(got), "run go test ./slack -update after checking the change")
}

const (
	testToken  = "xoxb-test-token"
	testSecret = "8f742231b10e8888abcd99yyyzzz85a5"
)

// The workspace: alice and dave request, carol and bob approve prod-admin
// (group Security); erin is in Slack but not in Identity Center; the bot
// has no email.
var slackUsers = []slackfake.User{
	{ID: "UALICE", Email: "alice@example.com", Name: "alice"},
	{ID: "UBOB", Email: "bob@example.com", Name: "bob"},
	{ID: "UCAROL", Email: "carol@example.com", Name: "carol"},
	{ID: "UDAVE", Email: "dave@example.com", Name: "dave"},
	{ID: "UERIN", Email: "erin@example.com", Name: "erin"},
	{ID: "UBOT", Name: "somebot", IsBot: true},
}

func testDirectory() *stint.Directory {
	return &stint.Directory{
		InstanceARN: "arn:aws:sso:::instance/ssoins-1", IdentityStoreID: "d-1",
		Users: []stint.User{
			{ID: "u-alice", Email: "alice@example.com", Groups: []string{"Engineers"}},
			{ID: "u-bob", Email: "bob@example.com", Groups: []string{"Security"}},
			{ID: "u-carol", Email: "carol@example.com", Groups: []string{"Security"}},
			{ID: "u-dave", Email: "dave@example.com", Groups: []string{"Engineers"}},
		},
		Accounts: []stint.Account{
			{ID: "111111111111", Name: "prod-payments", OUPath: "Prod"},
			{ID: "222222222222", Name: "dev-002", OUPath: "Dev"},
		},
		PermissionSets: []stint.PermissionSet{
			{ARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-admin", Name: "AdministratorAccess"},
			{ARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-ro", Name: "ReadOnlyAccess"},
		},
	}
}

func testFlows() []stint.Flow {
	return []stint.Flow{
		{Name: "prod-admin", Requesters: []string{"group:Engineers"}, MaxDuration: stint.Duration(4 * time.Hour),
			Approvers: []string{"group:Security"}, Ticket: &stint.TicketRule{Pattern: "^INC-[0-9]+$"},
			Resources: []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{Accounts: []string{"ou:Prod"}, PermissionSets: []string{"AdministratorAccess"}}}}},
		{Name: "dev-read", Requesters: []string{"group:Engineers"}, MaxDuration: stint.Duration(8 * time.Hour), AutoApprove: true,
			Extensions: &stint.ExtensionRule{Max: 1},
			Resources:  []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{Accounts: []string{"name:dev-002"}, PermissionSets: []string{"ReadOnlyAccess"}}}}},
	}
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

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type fixture struct {
	app   *App
	svc   *access.Service
	store stint.Store
	slack *slackfake.Server
	clock *clock
	srv   *httptest.Server
	logs  *syncBuffer

	mu   sync.Mutex
	jobs []stint.Job // queued by events, run by runJobs
}

func setup(t *testing.T) *fixture {
	t.Helper()
	db := sqlite.OpenTest(t)
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	svc := &access.Service{
		Store: db, Now: clk.Now, Flows: testFlows,
		Provider: &providertest.Fake{DirectoryFunc: func(context.Context) (*stint.Directory, error) { return testDirectory(), nil }},
	}
	_, err := svc.SyncDirectory(context.Background())
	require.NoError(t, err)
	fake := slackfake.New(t, slackUsers...)
	settings := &config.SlackConfig{ApprovalsChannel: "C0APPROVALS", DMApprovers: true}
	settings.ExpiryWarning = stint.Duration(10 * time.Minute)
	logs := &syncBuffer{}
	a, err := New(Config{Service: svc, BotToken: testToken, SigningSecret: testSecret, APIURL: fake.APIURL(),
		Settings: func() *config.SlackConfig { return settings },
		Logger:   slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	require.NoError(t, err)
	f := &fixture{app: a, svc: svc, store: db, slack: fake, clock: clk, logs: logs}
	t.Cleanup(func() {
		if strings.Contains(logs.String(), testToken) || strings.Contains(logs.String(), testSecret) {
			t.Errorf("a secret reached the log:\n%s", logs.String())
		}
	})
	svc.EventJobs = func(e *stint.Event) []stint.Job {
		jobs := a.EventJobs(e)
		f.mu.Lock()
		f.jobs = append(f.jobs, jobs...)
		f.mu.Unlock()
		return nil
	}
	f.srv = httptest.NewServer(a.Handler())
	t.Cleanup(f.srv.Close)
	return f
}

// runJobs runs the queued Slack jobs (and those they queue) as River would,
// ignoring when they are scheduled, and returns their kinds in order.
func (f *fixture) runJobs(t *testing.T) []string {
	t.Helper()
	ctx := context.Background()
	var kinds []string
	for {
		f.mu.Lock()
		jobs := f.jobs
		f.jobs = nil
		f.mu.Unlock()
		if len(jobs) == 0 {
			return kinds
		}
		for _, j := range jobs {
			kinds = append(kinds, j.Args.Kind())
			var err error
			switch a := j.Args.(type) {
			case PostArgs:
				err = f.app.post(ctx, a.RequestID)
			case UpdateArgs:
				err = f.app.update(ctx, a)
			case DMArgs:
				err = f.app.tell(ctx, &a.Event)
			case WarnArgs:
				err = f.app.warn(ctx, a)
			}
			var later *snooze
			if !errors.As(err, &later) {
				require.NoError(t, err, "job %s", j.Args.Kind())
			}
		}
	}
}

// send posts a signed form body to path, now.
func (f *fixture) send(t *testing.T, path, body string) (int, string) {
	t.Helper()
	return f.sendAt(t, path, body, f.clock.Now(), testSecret)
}

func (f *fixture) sendAt(t *testing.T, path, body string, at time.Time, secret string) (int, string) {
	t.Helper()
	r := slackfake.Request(f.srv.URL+path, secret, at, body)
	r.RequestURI = ""
	resp, err := http.DefaultClient.Do(r)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(data)
}

func (f *fixture) caller(t *testing.T, email string) *access.Caller {
	t.Helper()
	c, err := f.svc.CallerByEmail(context.Background(), email)
	require.NoError(t, err)
	return c
}

// ephemerals returns the texts of the ephemeral messages sent to a user.
func (f *fixture) ephemerals(user string) []string {
	var out []string
	for _, c := range f.slack.Calls("chat.postEphemeral") {
		if c.Params["user"] == user {
			out = append(out, c.Params["text"])
		}
	}
	return out
}

// posts returns the chat.postMessage calls to a channel.
func (f *fixture) posts(channel string) []slackfake.Call {
	var out []slackfake.Call
	for _, c := range f.slack.Calls("chat.postMessage") {
		if c.Params["channel"] == channel {
			out = append(out, c)
		}
	}
	return out
}
