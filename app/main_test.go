package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
	"github.com/stint-dev/stint/app"
	"github.com/stint-dev/stint/client"
	"github.com/stint-dev/stint/internal/motoserver"
	"github.com/stint-dev/stint/internal/sampleorg"
	"github.com/stint-dev/stint/provider/identitycenter"
	"github.com/stint-dev/stint/store/postgres"
)

// TestMain doubles as the stint server for the crash tests: the test binary
// re-executes itself with STINT_TEST_SERVE=CONFIG to run `stint serve` as a
// real process that the test can SIGKILL.
func TestMain(m *testing.M) {
	if path := os.Getenv("STINT_TEST_SERVE"); path != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := app.Serve(ctx, path)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "serve:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	for _, srv := range []*motoserver.Server{orgMoto, identityMoto} {
		if srv != nil {
			_ = srv.Close()
		}
	}
	os.Exit(code)
}

// One moto and one seeded organisation serve the whole package (moto's reset
// is global). Tests keep out of each other's way by using distinct
// (user, account, permission set) triples.
var (
	orgOnce sync.Once
	orgMoto *motoserver.Server
	orgSeed *sampleorg.Org
	orgErr  error
)

type env struct {
	moto  *motoserver.Server
	org   *sampleorg.Org
	dir   string
	store string // store URL; default a SQLite file in dir
	extra string // more top-level YAML for the config
	// getenv, when set, is the server's environment (the Slack secrets).
	getenv func(string) string
}

// stores lists the store kinds every end-to-end scenario runs on.
var stores = []string{"sqlite", "postgres"}

// useStore points the env at a fresh store of the kind.
func (e *env) useStore(t *testing.T, kind string) {
	t.Helper()
	if kind == "postgres" {
		e.store = postgres.TestDSN(t)
	}
}

func setupEnv(t *testing.T) *env {
	t.Helper()
	orgOnce.Do(func() {
		orgMoto, orgErr = motoserver.Run(context.Background(), motoserver.Options{NoManagedPolicies: true, SSOAdminExtensions: true, EKSExtensions: true})
		if orgErr == nil {
			orgSeed, orgErr = sampleorg.Seed(context.Background(), orgMoto.AWSConfig(), sampleorg.DefaultSpec())
		}
	})
	require.NoError(t, orgErr)
	return &env{moto: orgMoto, org: orgSeed, dir: t.TempDir()}
}

const testFlows = `
flows:
  - name: prod-admin
    requesters: [group:Engineers]
    resources:
      - identity_center: {accounts: ["ou:Prod"], permission_sets: [AdministratorAccess]}
    max_duration: 4h
    approvers: [group:Security]
  - name: sandbox-read
    requesters: [group:Engineers]
    resources:
      - identity_center: {accounts: ["ou:Sandbox", "name:dev-002"], permission_sets: [ReadOnlyAccess]}
    max_duration: 8h
    auto_approve: true
  - name: sandbox-admin
    requesters: [group:Engineers]
    resources:
      - identity_center: {accounts: ["ou:Sandbox"], permission_sets: [AdministratorAccess]}
    max_duration: 1h
    auto_approve: true
  - name: payments-two-step
    requesters: [group:Payments]
    resources:
      - identity_center: {accounts: ["name:prod-payments"], permission_sets: [PowerUserAccess]}
    max_duration: 2h
    ticket: {required: true, pattern: "^(INC|CHG)-[0-9]+$"}
    approval_steps:
      - name: approvers
        approvers: [group:Approvers]
      - name: security
        approvers: [group:Security, group:Admins]
        quorum: 2
  - name: iam-access
    requesters: [group:Engineers]
    resources:
      - iam_group: {accounts: ["name:shared-tooling"], groups: ["ops-*"]}
      - iam_role: {accounts: ["name:shared-tooling"], roles: [Deployer], via_permission_set: ReadOnlyAccess}
    max_duration: 2h
    auto_approve: true
    immediate_cutoff: true
  - name: resources
    requesters: [group:Engineers]
    resources:
      - s3: {accounts: ["name:dev-001"], buckets: ["app-*"], levels: [read, write]}
      - ec2: {accounts: ["name:dev-001"], tags: {Role: bastion}}
      - rds: {accounts: ["name:dev-001"], db_users: [readonly]}
      - eks: {accounts: ["name:dev-001"], levels: [view], namespaces: [payments]}
    max_duration: 2h
    auto_approve: true
    immediate_cutoff: true
  - name: prod-breakglass
    requesters: [group:OnCall]
    resources:
      - identity_center: {accounts: ["name:prod-web"], permission_sets: [AdministratorAccess]}
    max_duration: 4h
    approvers: [group:Security]
    break_glass: {groups: [OnCall], max_duration: 1h}
  - name: sandbox-bundle
    requesters: [group:OnCall]
    resources:
      - identity_center: {accounts: ["ou:Sandbox", "ou:Dev"], permission_sets: [PowerUserAccess]}
    bundles:
      - name: sandboxes-and-dev
        resources:
          - identity_center: {accounts: ["ou:Sandbox", "ou:Dev"], permission_sets: [PowerUserAccess]}
    max_duration: 1h
    auto_approve: true
`

// writeConfig writes a config for a store in the test's dir, against endpoint.
func (e *env) writeConfig(t *testing.T, endpoint, listen string) string {
	t.Helper()
	store := e.store
	if store == "" {
		store = "sqlite://" + filepath.Join(e.dir, "stint.db")
	}
	cfg := fmt.Sprintf("store: %s\nlisten: %s\nadmins: [bob@example.com]\nlog_level: debug\naws:\n  region: us-east-1\n  endpoint: %s\n%s%s",
		store, listen, endpoint, testFlows, e.extra)
	path := filepath.Join(e.dir, "stint.yaml")
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o600))
	return path
}

// clock is a time source the test can move forward while stint runs.
type clock struct{ offset atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }
func (c *clock) hook(s *access.Service)  { s.Now = c.Now }

// start runs a Main in-process against endpoint (moto or a fault proxy).
func (e *env) start(t *testing.T, endpoint string) *app.Main {
	return e.startWith(t, endpoint, nil)
}

// startWith is start with a hook that adjusts the service before it runs.
func (e *env) startWith(t *testing.T, endpoint string, hook func(*access.Service)) *app.Main {
	t.Helper()
	path := e.writeConfig(t, endpoint, "127.0.0.1:0")
	ac := motoserver.AWSConfig(endpoint)
	logPath := filepath.Join(e.dir, "main.log")
	logf, err := os.Create(logPath)
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = logf.Close()
		if t.Failed() {
			data, _ := os.ReadFile(logPath)
			t.Logf("stint log:\n%s", data)
		}
	})
	m := &app.Main{ConfigPath: path, Addr: "127.0.0.1:0", AWS: &ac,
		Logger:         slog.New(slog.NewTextHandler(logf, &slog.HandlerOptions{Level: slog.LevelDebug})),
		ProviderConfig: func(c *identitycenter.Config) { c.PollInterval = 50 * time.Millisecond },
		ServiceHook:    hook, Getenv: e.getenv}
	require.NoError(t, m.Run(context.Background()))
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func (e *env) token(t *testing.T, configPath, email string) string {
	t.Helper()
	tok, err := app.CreateToken(context.Background(), configPath, email, "test", time.Hour)
	require.NoError(t, err)
	return tok
}

func (e *env) client(t *testing.T, m *app.Main, email string) *client.Client {
	t.Helper()
	return client.New(m.URL(), e.token(t, m.ConfigPath, email))
}

// assigned reports whether the user holds the permission set in the account,
// asking AWS (moto) directly.
func (e *env) assigned(t *testing.T, account, permissionSet, email string) bool {
	t.Helper()
	sso := ssoadmin.NewFromConfig(e.moto.AWSConfig())
	accountID, psARN, userID := e.org.Accounts[account], e.org.PermissionSets[permissionSet], e.org.Users[email]
	require.NotEmpty(t, accountID)
	require.NotEmpty(t, psARN)
	require.NotEmpty(t, userID)
	p := ssoadmin.NewListAccountAssignmentsPaginator(sso, &ssoadmin.ListAccountAssignmentsInput{
		InstanceArn: aws.String(e.org.InstanceARN), AccountId: aws.String(accountID), PermissionSetArn: aws.String(psARN)})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		require.NoError(t, err)
		for _, a := range out.AccountAssignments {
			if string(a.PrincipalType) == "USER" && aws.ToString(a.PrincipalId) == userID {
				return true
			}
		}
	}
	return false
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	start := time.Now()
	deadline := start.Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("%s after %s", what, time.Since(start).Round(time.Millisecond))
}

func grantState(t *testing.T, c *client.Client, id string) stint.GrantState {
	t.Helper()
	g, err := c.Grant(context.Background(), id)
	require.NoError(t, err)
	return g.State
}

func onlyGrant(t *testing.T, c *client.Client, requestID string) *stint.Grant {
	t.Helper()
	list, err := c.Grants(context.Background(), client.GrantsParams{All: true})
	require.NoError(t, err)
	var out []*stint.Grant
	for _, g := range list {
		if g.RequestID == requestID {
			out = append(out, g)
		}
	}
	require.Len(t, out, 1)
	return out[0]
}

func eventTypes(t *testing.T, c *client.Client, subject string) []string {
	t.Helper()
	evs, err := c.Events(context.Background(), client.EventsParams{Subject: subject})
	require.NoError(t, err)
	var types []string
	for _, e := range evs {
		types = append(types, e.Type)
	}
	return types
}

func contains(list []string, want ...string) bool {
	joined := "," + strings.Join(list, ",") + ","
	for _, w := range want {
		if !strings.Contains(joined, ","+w+",") {
			return false
		}
	}
	return true
}
