package app_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/app"
	"github.com/stint-dev/stint/config"
	"github.com/stint-dev/stint/discovery"
	"github.com/stint-dev/stint/identityconfig"
	"github.com/stint-dev/stint/internal/faultproxy"
	"github.com/stint-dev/stint/internal/motoserver"
	"github.com/stint-dev/stint/internal/sampleorg"
	"github.com/stint-dev/stint/policy"
	"github.com/stint-dev/stint/provider/identitycenter"
	"github.com/stint-dev/stint/store/sqlite"
)

// TestDiscoverProposeApply is the discovery workflow end to end on the
// messy organisation, with one account's member role refusing stint:
// discover and propose; the proposed flows validate with the config and
// let every person request what they held, and nothing more; the plan,
// shown and confirmed, removes exactly the standing assignments those
// flows replace and nothing stint holds; applying again changes nothing; a
// second scan finds no standing Identity Center access left but what a
// grant holds, and the diff says what was resolved; applying the export
// taken first puts everything back.
func TestDiscoverProposeApply(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m, err := motoserver.Run(ctx, motoserver.Options{NoManagedPolicies: true, SSOAdminExtensions: true, IAMExtensions: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })
	org, ledger, err := sampleorg.SeedMessy(ctx, m.AWSConfig(), time.Now().UTC())
	require.NoError(t, err)
	proxy := faultproxy.Start(t, m.URL())
	proxy.Inject(faultproxy.Rule{Op: "AssumeRole", Fault: faultproxy.AccessDenied, BodyContains: org.Accounts[sampleorg.MessyDeniedAccount]})
	e := &identityEnv{moto: m, org: org, dir: t.TempDir(), endpoint: proxy.URL()}
	opts := e.options(t)
	cfgText, err := os.ReadFile(opts.ConfigPath)
	require.NoError(t, err)
	db, err := sqlite.Open(ctx, filepath.Join(e.dir, "stint.db"))
	require.NoError(t, err)
	require.NoError(t, db.Tx(ctx, func(tx stint.Tx) error {
		for _, eff := range ledger {
			if err := tx.EffectPut(ctx, eff); err != nil {
				return err
			}
		}
		return nil
	}))
	require.NoError(t, db.Close())

	discover := func(propose string) *app.DiscoverResult {
		t.Helper()
		res, err := app.Discover(ctx, app.DiscoverOptions{IdentityOptions: opts, Propose: propose, Approvers: []string{"group:Security"},
			Thresholds: discovery.Thresholds{WidePeople: 5},
			Scanner:    func(c *discovery.Config) { c.Poll, c.MaxAttempts = 10*time.Millisecond, 2 }})
		require.NoError(t, err)
		return res
	}
	proposal := filepath.Join(e.dir, "proposal")
	first := discover(proposal)
	require.Nil(t, first.Diff, "the first scan has nothing to compare with")
	require.Equal(t, first.Scan.Summary.Accounts-1, first.Scan.Summary.AccountsScanned)
	p := first.Proposal
	require.NotNil(t, p)
	require.Empty(t, p.Problems)
	require.Empty(t, p.Extra)
	for _, name := range []string{discovery.FileCurrent, discovery.FileFlows, discovery.FileIdentity, discovery.FilePlan, discovery.FileReadme} {
		require.FileExists(t, filepath.Join(proposal, name))
	}
	scans, err := app.DiscoverScans(ctx, opts.ConfigPath, 10)
	require.NoError(t, err)
	require.Len(t, scans, 1)
	require.Equal(t, first.Scan.ID, scans[0].ID)

	// The flows go into stint.yaml and validate there.
	flows, err := os.ReadFile(filepath.Join(proposal, discovery.FileFlows))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(opts.ConfigPath, append(append(cfgText, '\n'), flows...), 0o600))
	require.NoError(t, app.ValidateConfig(opts.ConfigPath))
	cfg, err := config.Load(opts.ConfigPath)
	require.NoError(t, err)
	eng, err := policy.New(policy.Config{Flows: cfg.Flows, Groups: cfg.Groups})
	require.NoError(t, err)

	// Shown and confirmed: declining changes nothing.
	var shown bytes.Buffer
	apply := func(file string, prune bool, confirm func(*identityconfig.Plan) bool) (*identityconfig.ApplyResult, error) {
		shown.Reset()
		return app.Apply(ctx, app.ApplyOptions{PlanOptions: app.PlanOptions{IdentityOptions: opts, File: filepath.Join(proposal, file), Prune: prune},
			Out: &shown, Confirm: confirm, PollInterval: 10 * time.Millisecond})
	}
	_, err = apply(discovery.FileIdentity, true, func(*identityconfig.Plan) bool { return false })
	require.ErrorIs(t, err, app.ErrApplyCancelled)
	require.Contains(t, shown.String(), fmt.Sprintf("Plan: 0 to create, 0 to update, %d to delete.", len(p.Removals)))
	var planned *identityconfig.Plan
	res, err := apply(discovery.FileIdentity, true, func(pl *identityconfig.Plan) bool { planned = pl; return true })
	require.NoError(t, err)
	require.Equal(t, len(p.Removals), res.Applied)
	require.Zero(t, res.Failed, "%v", res.Errors)
	for _, a := range planned.Actions {
		require.Equal(t, identityconfig.OpDelete, a.Op)
		require.NotContains(t, a.Name, "alice", "nothing stint holds is removed")
	}
	// Idempotent: applied again, there is nothing to do.
	res, err = apply(discovery.FileIdentity, true, func(*identityconfig.Plan) bool { t.Fatal("nothing to confirm"); return false })
	require.NoError(t, err)
	require.Nil(t, res)

	// The people who held standing access can request exactly it.
	dirSnap := directoryOf(t, opts)
	account := func(id string) *stint.Account {
		a, err := dirSnap.Account(id)
		require.NoError(t, err)
		return a
	}
	held := map[string]bool{}
	for _, accesses := range discovery.StandingPeople(&stint.Inventory{Users: first.Scan.Inventory.Users, Assignments: p.Removals}) {
		for _, ua := range accesses {
			held[ua.User.Email+"|"+ua.AccountID+"|"+ua.PermissionSet] = true
			_, err := eng.DecideRequest(ctx, policy.RequestInput{User: eng.Expand(ua.User), Account: account(ua.AccountID), PermissionSet: ua.PermissionSet})
			require.NoError(t, err, "%s should be able to request %s in %s", ua.User.Email, ua.PermissionSet, ua.AccountID)
		}
	}
	require.NotEmpty(t, held)
	for i := range dirSnap.Accounts {
		a := &dirSnap.Accounts[i]
		for _, ps := range dirSnap.PermissionSets {
			for _, w := range eng.WhoCan(dirSnap, a, ps.Name) {
				require.True(t, held[w.User+"|"+a.ID+"|"+ps.Name], "%s may request %s in %s through %s without having held it", w.User, ps.Name, a.Name, w.Flow)
			}
		}
	}

	// Nothing standing is left in Identity Center but what a grant holds.
	second := discover("")
	left := second.Scan.Inventory.Assignments
	require.Len(t, left, 1)
	require.True(t, left[0].HeldByGrant, "bob's adopted assignment waits for its grant to end")
	require.ElementsMatch(t, []string{"alice AdministratorAccess", "bob stint-s3-0123456789abcdef"}, heldNames(second.Scan))
	for _, f := range second.Scan.Findings {
		require.False(t, strings.HasPrefix(f.Resource, "aws-sso:"), "an Identity Center finding is left: %s", f.Reason)
	}
	require.NotNil(t, second.Diff)
	require.Len(t, second.Diff.AssignmentsRemoved, len(p.Removals))
	require.Empty(t, second.Diff.New)
	resolved := map[string]bool{}
	for _, f := range second.Diff.Resolved {
		resolved[string(f.Kind)+" "+f.Principal] = true
	}
	require.True(t, resolved["standing_admin group:Admins"])
	require.True(t, resolved["wide_access "])
	diff, err := app.DiscoverDiff(ctx, opts.ConfigPath, "previous", "latest")
	require.NoError(t, err)
	require.Equal(t, second.Diff.Resolved, diff.Resolved)
	stored, err := app.DiscoverFindings(ctx, opts.ConfigPath, "previous", stint.FindingListParams{Kinds: []stint.FindingKind{stint.FindingStandingAdmin}})
	require.NoError(t, err)
	require.Equal(t, first.Scan.ID, stored.ID)
	require.Len(t, stored.Findings, 4)

	// Reversible: the export written first puts the assignments back.
	res, err = apply(discovery.FileCurrent, false, func(*identityconfig.Plan) bool { return true })
	require.NoError(t, err)
	require.Equal(t, len(p.Removals), res.Applied)
	third := discover("")
	require.Len(t, third.Scan.Inventory.Assignments, len(first.Scan.Inventory.Assignments))
	require.Equal(t, first.Scan.Summary.ByKind, third.Scan.Summary.ByKind)
}

func heldNames(s *stint.Scan) []string {
	var out []string
	for _, a := range s.Inventory.Held {
		out = append(out, a.PrincipalName+" "+a.PermissionSet)
	}
	slices.Sort(out)
	return out
}

// directoryOf reads the organisation as the server would.
func directoryOf(t *testing.T, opts app.IdentityOptions) *stint.Directory {
	t.Helper()
	pc := identitycenter.Config{AWS: *opts.AWS, Region: motoserver.Region}
	opts.ProviderConfig(&pc)
	p, err := identitycenter.New(t.Context(), pc)
	require.NoError(t, err)
	dir, err := p.Directory(t.Context())
	require.NoError(t, err)
	return dir
}

func TestDiscoverStoredScans(t *testing.T) {
	t.Parallel()
	e := setupIdentity(t, false)
	opts := e.options(t)
	_, err := app.DiscoverScans(t.Context(), opts.ConfigPath, 10)
	require.Equal(t, stint.ENOTFOUND, stint.ErrorCode(err), "no store yet: %v", err)
	require.Contains(t, err.Error(), "stint discover")

	res, err := app.Discover(t.Context(), app.DiscoverOptions{IdentityOptions: opts,
		Scanner: func(c *discovery.Config) { c.Poll, c.MaxAttempts = 10*time.Millisecond, 2 }})
	require.NoError(t, err)
	require.Positive(t, res.Scan.Summary.StandingAssignments)
	require.Positive(t, res.Scan.Summary.Calls["sso-admin"])
	_, err = app.DiscoverDiff(t.Context(), opts.ConfigPath, "", "")
	require.Equal(t, stint.ENOTFOUND, stint.ErrorCode(err), "one scan: nothing before it")
	got, err := app.DiscoverFindings(t.Context(), opts.ConfigPath, res.Scan.ID, stint.FindingListParams{})
	require.NoError(t, err)
	require.Equal(t, res.Scan.Findings, got.Findings)
	require.Nil(t, got.Inventory)
}

// TestScheduledDiscovery: with discovery.interval the server scans at
// start (through its own Identity Center limiter) and stores the scan with
// a discovery.scanned event by "system"; a later scan diffs with it.
func TestScheduledDiscovery(t *testing.T) {
	t.Parallel()
	ie := setupIdentity(t, false)
	e := &env{moto: ie.moto, org: ie.org, dir: ie.dir, extra: "discovery:\n  interval: 24h\n  parallel: 4\n"}
	m := e.start(t, ie.moto.URL())
	ctx := context.Background()
	var scans []*stint.Scan
	eventually(t, 60*time.Second, "the scan at start", func() bool {
		var err error
		scans, err = m.Store.ScanList(ctx, nil)
		require.NoError(t, err)
		return len(scans) == 1
	})
	first := scans[0]
	require.Equal(t, len(ie.org.Accounts)+1, first.Summary.Accounts, "the members and the management account")
	require.Equal(t, first.Summary.Accounts, first.Summary.AccountsScanned)
	require.Positive(t, first.Summary.StandingAssignments, "the sample organisation's assignments are standing")
	evs, err := m.Store.EventList(ctx, &stint.EventListParams{Type: stint.EventDiscoveryScanned})
	require.NoError(t, err)
	require.Len(t, evs, 1)
	require.Equal(t, "system", evs[0].Actor)
	require.Equal(t, first.ID, evs[0].Subject)

	second, err := m.ScanNow(ctx)
	require.NoError(t, err)
	require.Equal(t, first.Summary.StandingAssignments, second.Summary.StandingAssignments)
	d := stint.DiffScans(mustScan(t, m.Store, first.ID), mustScan(t, m.Store, second.ID))
	require.Empty(t, d.New, "nothing changed between the scans")
	require.Empty(t, d.Resolved)
}

func mustScan(t *testing.T, s stint.Store, id string) *stint.Scan {
	t.Helper()
	scan, err := s.ScanGet(context.Background(), id)
	require.NoError(t, err)
	return scan
}
