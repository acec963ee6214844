package app_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/app"
	"github.com/stint-dev/stint/config"
	"github.com/stint-dev/stint/identityconfig"
	"github.com/stint-dev/stint/internal/faultproxy"
	"github.com/stint-dev/stint/internal/motoserver"
	"github.com/stint-dev/stint/internal/sampleorg"
	"github.com/stint-dev/stint/provider/identitycenter"
)

// identityOrg is a moto with the sso-admin extensions, seeded with the demo
// organisation, that the read-only identity tests share. Tests that apply
// start their own (identityEnv with fresh).
var (
	identityOnce sync.Once
	identityMoto *motoserver.Server
	identitySeed *sampleorg.Org
	identityErr  error
)

type identityEnv struct {
	moto     *motoserver.Server
	org      *sampleorg.Org
	dir      string
	endpoint string // moto, or a fault proxy in front of it
}

func seedIdentityMoto() (*motoserver.Server, *sampleorg.Org, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m, err := motoserver.Run(ctx, motoserver.Options{SSOAdminExtensions: true, NoManagedPolicies: true})
	if err != nil {
		return nil, nil, err
	}
	org, err := sampleorg.Seed(ctx, m.AWSConfig(), sampleorg.DefaultSpec())
	if err != nil {
		_ = m.Close()
		return nil, nil, err
	}
	return m, org, nil
}

// setupIdentity returns an env on the shared moto, or on a fresh one of the
// test's own when fresh is set (the test changes Identity Center).
func setupIdentity(t *testing.T, fresh bool) *identityEnv {
	t.Helper()
	var (
		m   *motoserver.Server
		org *sampleorg.Org
		err error
	)
	if fresh {
		m, org, err = seedIdentityMoto()
		require.NoError(t, err)
		t.Cleanup(func() { _ = m.Close() })
	} else {
		identityOnce.Do(func() { identityMoto, identitySeed, identityErr = seedIdentityMoto() })
		require.NoError(t, identityErr)
		m, org = identityMoto, identitySeed
	}
	return &identityEnv{moto: m, org: org, dir: t.TempDir(), endpoint: m.URL()}
}

// config writes a stint.yaml pointing at the env's endpoint and a SQLite
// store in the test's dir.
func (e *identityEnv) config(t *testing.T) string {
	t.Helper()
	path := filepath.Join(e.dir, "stint.yaml")
	cfg := fmt.Sprintf("store: sqlite://%s\naws:\n  region: us-east-1\n  endpoint: %s\n", filepath.Join(e.dir, "stint.db"), e.endpoint)
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o600))
	return path
}

func (e *identityEnv) options(t *testing.T) app.IdentityOptions {
	t.Helper()
	ac := motoserver.AWSConfig(e.endpoint)
	return app.IdentityOptions{ConfigPath: e.config(t), AWS: &ac, ProviderConfig: func(c *identitycenter.Config) {
		c.RateLimit, c.OrganizationsRateLimit, c.Burst = 1000, 1000, 50
		c.PollInterval, c.FirstPoll = 20*time.Millisecond, 10*time.Millisecond
		c.MaxAttempts, c.RetryBaseDelay = 3, 5*time.Millisecond
	}}
}

func (e *identityEnv) file(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(e.dir, name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func TestIdentityExportThenPlanIsClean(t *testing.T) {
	t.Parallel()
	e := setupIdentity(t, false)
	ctx := context.Background()
	for _, identities := range []bool{false, true} {
		out, err := app.Export(ctx, app.ExportOptions{IdentityOptions: e.options(t), Identities: identities})
		require.NoError(t, err)
		path := e.file(t, fmt.Sprintf("export-%v.yaml", identities), string(out))
		ip, err := app.Plan(ctx, app.PlanOptions{IdentityOptions: e.options(t), File: path, Prune: true})
		require.NoError(t, err, "exported:\n%s", out)
		require.Empty(t, ip.Plan.Actions, "exported:\n%s", out)
		require.Empty(t, ip.Plan.Unmanaged)
		require.Equal(t, 0, identityconfig.ExitCode(ip.Plan))
		require.Len(t, ip.Live.Assignments, len(e.org.Spec.Assignments))
	}
}

// smallFile adds a permission set and gives it to Engineers in the Dev OU
// (2 accounts) and to ivan in sandbox-003.
const smallFile = `permission_sets:
  - name: IcDeploy
    description: Deploy services
    session_duration: 2h
    managed_policies: [ReadOnlyAccess]
    inline_policy: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "ecs:UpdateService", Resource: "*"}]}
assignments:
  - {principal: group:Engineers, permission_set: IcDeploy, accounts: [ou:Dev]}
  - {principal: user:ivan, permission_set: IcDeploy, accounts: [name:sandbox-003]}
`

func TestIdentityPlanCreates(t *testing.T) {
	t.Parallel()
	e := setupIdentity(t, false)
	ip, err := app.Plan(context.Background(), app.PlanOptions{IdentityOptions: e.options(t), File: e.file(t, "identity.yaml", smallFile)})
	require.NoError(t, err)
	require.Equal(t, map[identityconfig.Kind]map[identityconfig.Op]int{
		identityconfig.KindPermissionSet: {identityconfig.OpCreate: 1},
		identityconfig.KindAssignment:    {identityconfig.OpCreate: 3},
	}, ip.Plan.Counts())
	require.Equal(t, 2, identityconfig.ExitCode(ip.Plan))
	// The demo's permission sets and standing assignments are left alone.
	require.Equal(t, map[identityconfig.Kind]int{identityconfig.KindPermissionSet: 3, identityconfig.KindAssignment: 5}, ip.Plan.Unmanaged)
}

// TestIdentityProtected: assignments that the ledger's effects record are
// never deleted, even with prune, nor counted as drift.
func TestIdentityProtected(t *testing.T) {
	t.Parallel()
	e := setupIdentity(t, false)
	ctx := context.Background()
	opts := e.options(t)
	// frank's AdministratorAccess in prod-payments is held by a grant.
	cfgStore := openTestStore(t, opts.ConfigPath)
	frank := e.org.Users["frank@example.com"]
	now := time.Now().UTC()
	effect := &stint.Effect{Key: stint.SSOEffectKey(e.org.Accounts["prod-payments"], e.org.PermissionSets["AdministratorAccess"], frank),
		Kind: stint.EffectKindSSO, AccountID: e.org.Accounts["prod-payments"], PermissionSetARN: e.org.PermissionSets["AdministratorAccess"],
		PrincipalType: "USER", PrincipalID: frank, State: stint.EffectPresent, Holders: []string{"g1"}, CreatedAt: now, UpdatedAt: now}
	require.NoError(t, cfgStore.Tx(ctx, func(tx stint.Tx) error { return tx.EffectPut(ctx, effect) }))
	require.NoError(t, cfgStore.Close())

	ip, err := app.Plan(ctx, app.PlanOptions{IdentityOptions: opts, File: e.file(t, "identity.yaml", smallFile), Prune: true})
	require.NoError(t, err)
	require.Equal(t, 1, ip.Plan.Protected)
	require.Len(t, ip.Protected, 1)
	for _, a := range ip.Plan.Actions {
		if a.Op == identityconfig.OpDelete && a.Assignment != nil {
			require.NotEqual(t, frank, a.Assignment.PrincipalID, "protected assignment planned for deletion: %s", a.Name)
		}
	}
	// Four other standing assignments go; AdministratorAccess is kept.
	require.Equal(t, 4, ip.Plan.Counts()[identityconfig.KindAssignment][identityconfig.OpDelete])
	require.Equal(t, 2, ip.Plan.Counts()[identityconfig.KindPermissionSet][identityconfig.OpDelete])

	// Export leaves the grant's assignment out, and plans clean with it protected.
	out, err := app.Export(ctx, app.ExportOptions{IdentityOptions: opts})
	require.NoError(t, err)
	require.NotContains(t, string(out), "user:frank")
	ip, err = app.Plan(ctx, app.PlanOptions{IdentityOptions: opts, File: e.file(t, "export.yaml", string(out)), Prune: true})
	require.NoError(t, err)
	require.Empty(t, ip.Plan.Actions)
	require.Equal(t, 1, ip.Plan.Protected)
}

func openTestStore(t *testing.T, configPath string) stint.Store {
	t.Helper()
	cfg, err := config.Load(configPath)
	require.NoError(t, err)
	s, _, err := app.OpenStore(context.Background(), cfg)
	require.NoError(t, err)
	return s
}

// TestIdentityBadFileNoCall: files that do not parse fail with EINVALID,
// each problem placed, before any AWS call.
func TestIdentityBadFileNoCall(t *testing.T) {
	t.Parallel()
	e := setupIdentity(t, false)
	proxy := faultproxy.Start(t, e.moto.URL())
	e.endpoint = proxy.URL()
	for _, tc := range []struct{ name, file, want string }{
		{"unknown policy ARN format", "permission_sets:\n  - {name: A, managed_policies: [\"arn:aws:iam::123456789012:policy/Mine\"]}\n", "unknown policy ARN format"},
		{"duplicate names", "permission_sets:\n  - {name: A}\n  - {name: a}\n", "duplicate permission set \"a\""},
		{"inline policy not JSON", "permission_sets:\n  - {name: A, inline_policy: 'not json'}\n", "inline policy is not valid JSON"},
		{"session duration out of range", "permission_sets:\n  - {name: A, session_duration: 13h}\n", "outside PT15M..PT12H"},
		{"unknown key", "permission_set:\n  - {name: A}\n", "permission_set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := e.file(t, "bad.yaml", tc.file)
			_, err := app.Plan(context.Background(), app.PlanOptions{IdentityOptions: e.options(t), File: path})
			require.ErrorContains(t, err, tc.want)
			require.ErrorContains(t, err, "bad.yaml:")
			require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
		})
	}
	_, err := app.Plan(context.Background(), app.PlanOptions{IdentityOptions: e.options(t), File: filepath.Join(e.dir, "missing.yaml")})
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
	require.Equal(t, 0, proxy.Count(""), "no call made")

	// A selector that matches no account is known only after reading the
	// directory: still EINVALID, and nothing is written.
	path := e.file(t, "nomatch.yaml", "permission_sets:\n  - {name: A}\nassignments:\n  - {principal: group:Engineers, permission_set: A, accounts: [ou:Nowhere]}\n")
	_, err = app.Plan(context.Background(), app.PlanOptions{IdentityOptions: e.options(t), File: path})
	require.ErrorContains(t, err, `selector "ou:Nowhere" matches no account`)
	require.Equal(t, 0, proxy.Count("CreatePermissionSet")+proxy.Count("CreateAccountAssignment"))
}

// TestIdentityApply: apply with prune on an organisation where a grant
// holds frank's AdministratorAccess in prod-payments; the plan is clean
// afterwards and the grant's assignment is still there.
func TestIdentityApply(t *testing.T) {
	t.Parallel()
	e := setupIdentity(t, true)
	ctx := context.Background()
	opts := e.options(t)
	st := openTestStore(t, opts.ConfigPath)
	frank, acct, ps := e.org.Users["frank@example.com"], e.org.Accounts["prod-payments"], e.org.PermissionSets["AdministratorAccess"]
	now := time.Now().UTC()
	require.NoError(t, st.Tx(ctx, func(tx stint.Tx) error {
		return tx.EffectPut(ctx, &stint.Effect{Key: stint.SSOEffectKey(acct, ps, frank), Kind: stint.EffectKindSSO, AccountID: acct,
			PermissionSetARN: ps, PrincipalType: "USER", PrincipalID: frank, State: stint.EffectPresent, Holders: []string{"g1"}, CreatedAt: now, UpdatedAt: now})
	}))
	require.NoError(t, st.Close())

	file := e.file(t, "identity.yaml", smallFile)
	var buf strings.Builder
	var progress []int
	res, err := app.Apply(ctx, app.ApplyOptions{PlanOptions: app.PlanOptions{IdentityOptions: opts, File: file, Prune: true}, Out: &buf, Yes: true,
		PollInterval: 20 * time.Millisecond, Progress: func(done, total int, action string) { progress = append(progress, done) }})
	require.NoError(t, err)
	require.Equal(t, 0, res.Failed, "errors: %v\nplan:\n%s", res.Errors, buf.String())
	// 1 permission set and 3 assignments created, 4 assignments and 2
	// permission sets deleted; AdministratorAccess is kept for the grant.
	require.Equal(t, 10, res.Applied, "plan:\n%s", buf.String())
	require.Contains(t, buf.String(), "Plan: 4 to create, 0 to update, 6 to delete.")
	require.NotEmpty(t, progress)

	ip, err := app.Plan(ctx, app.PlanOptions{IdentityOptions: opts, File: file, Prune: true})
	require.NoError(t, err)
	require.Empty(t, ip.Plan.Actions)
	require.Equal(t, 1, ip.Plan.Protected)
	held := false
	for _, a := range ip.Live.Assignments {
		held = held || (a.PrincipalID == frank && a.AccountID == acct && a.PermissionSetARN == ps)
	}
	require.True(t, held, "the grant's assignment survived --prune")

	// Nothing to do: no result, no error.
	res, err = app.Apply(ctx, app.ApplyOptions{PlanOptions: app.PlanOptions{IdentityOptions: opts, File: file, Prune: true}})
	require.NoError(t, err)
	require.Nil(t, res)
}

// TestIdentityApplyConfirm: without --yes apply asks, and changes nothing
// when it may not ask or is told no.
func TestIdentityApplyConfirm(t *testing.T) {
	t.Parallel()
	e := setupIdentity(t, false)
	ctx := context.Background()
	po := app.PlanOptions{IdentityOptions: e.options(t), File: e.file(t, "identity.yaml", smallFile)}
	_, err := app.Apply(ctx, app.ApplyOptions{PlanOptions: po})
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
	require.ErrorContains(t, err, "pass --yes")
	var asked *identityconfig.Plan
	_, err = app.Apply(ctx, app.ApplyOptions{PlanOptions: po, Confirm: func(p *identityconfig.Plan) bool { asked = p; return false }})
	require.ErrorIs(t, err, app.ErrApplyCancelled)
	require.Len(t, asked.Actions, 4)
	ip, err := app.Plan(ctx, po)
	require.NoError(t, err)
	require.Len(t, ip.Plan.Actions, 4, "nothing was applied")
}

// TestIdentityOwnership: what apply created is recorded in the store and
// deleted once the file drops it, without --prune; a standing assignment
// that stint did not create, of a pair the file never declared, is left
// alone; the apply is an audit event.
func TestIdentityOwnership(t *testing.T) {
	t.Parallel()
	e := setupIdentity(t, true)
	ctx := context.Background()
	opts := e.options(t)
	apply := func(file string) *identityconfig.ApplyResult {
		t.Helper()
		var buf strings.Builder
		res, err := app.Apply(ctx, app.ApplyOptions{PlanOptions: app.PlanOptions{IdentityOptions: opts, File: file}, Out: &buf, Yes: true,
			PollInterval: 20 * time.Millisecond})
		require.NoError(t, err)
		require.NotNil(t, res, "plan:\n%s", buf.String())
		require.Equal(t, 0, res.Failed, "errors: %v\nplan:\n%s", res.Errors, buf.String())
		return res
	}
	apply(e.file(t, "identity.yaml", smallFile))

	st := openTestStore(t, opts.ConfigPath)
	managed, err := st.ManagedList(ctx, nil)
	require.NoError(t, err)
	kinds := map[string]int{}
	for _, m := range managed {
		kinds[m.Kind]++
	}
	require.Equal(t, map[string]int{"permission_set": 1, "assignment": 3}, kinds)
	require.NoError(t, st.Close())

	// The next file keeps ivan's pair but drops Engineers' and the
	// permission set is still declared: Engineers' two assignments go.
	// Then a file without IcDeploy at all: the permission set goes too.
	// The demo's standing assignments are never touched (no --prune).
	dropEngineers := strings.Replace(smallFile, "  - {principal: group:Engineers, permission_set: IcDeploy, accounts: [ou:Dev]}\n", "", 1)
	ip, err := app.Plan(ctx, app.PlanOptions{IdentityOptions: opts, File: e.file(t, "drop1.yaml", dropEngineers)})
	require.NoError(t, err)
	require.Equal(t, map[identityconfig.Kind]map[identityconfig.Op]int{identityconfig.KindAssignment: {identityconfig.OpDelete: 2}}, ip.Plan.Counts())
	apply(e.file(t, "drop1.yaml", dropEngineers))

	empty := e.file(t, "empty.yaml", "permission_sets: []\n")
	ip, err = app.Plan(ctx, app.PlanOptions{IdentityOptions: opts, File: empty})
	require.NoError(t, err)
	require.Equal(t, map[identityconfig.Kind]map[identityconfig.Op]int{
		identityconfig.KindPermissionSet: {identityconfig.OpDelete: 1},
		identityconfig.KindAssignment:    {identityconfig.OpDelete: 1},
	}, ip.Plan.Counts())
	require.Equal(t, map[identityconfig.Kind]int{identityconfig.KindPermissionSet: 3, identityconfig.KindAssignment: len(e.org.Spec.Assignments)}, ip.Plan.Unmanaged)
	apply(empty)

	ip, err = app.Plan(ctx, app.PlanOptions{IdentityOptions: opts, File: empty})
	require.NoError(t, err)
	require.Empty(t, ip.Plan.Actions)
	require.Len(t, ip.Live.Assignments, len(e.org.Spec.Assignments), "standing assignments untouched")

	st = openTestStore(t, opts.ConfigPath)
	defer st.Close()
	managed, err = st.ManagedList(ctx, nil)
	require.NoError(t, err)
	require.Empty(t, managed, "every record forgotten with what it recorded")
	events, err := st.EventList(ctx, &stint.EventListParams{})
	require.NoError(t, err)
	applied := 0
	for _, ev := range events {
		if ev.Type == stint.EventIdentityApplied {
			applied++
			require.Equal(t, "cli", ev.Actor)
			require.NotEmpty(t, ev.Data["planned"])
		}
	}
	require.Equal(t, 3, applied)
}
