package cli_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/cli"
	"github.com/stint-dev/stint/discovery"
)

func fxScan() *stint.Scan {
	s := &stint.Scan{ID: "01SCAN2", StartedAt: now.Add(-2 * time.Minute), FinishedAt: now.Add(-2*time.Minute + 3400*time.Millisecond),
		Accounts: []stint.ScanAccount{
			{ID: "111111111111", Name: "prod-payments", Scanned: true},
			{ID: "222222222222", Name: "locked-out", Error: "cannot reach account 222222222222: AssumeRole of arn:aws:iam::222222222222:role/OrganizationAccountAccessRole was refused (AccessDenied: denied); check that the role exists and trusts stint's identity"},
		},
		Notes: []string{"IAM service last accessed data is not available (the endpoint does not offer it)"},
		Findings: []stint.Finding{
			{Key: "k1", Kind: stint.FindingExternalTrust, Score: 100, Severity: "critical", AccountID: "111111111111", AccountName: "prod-payments",
				Principal: "iam-role:break-glass", Resource: "arn:aws:iam::111111111111:role/break-glass", Reason: "IAM role break-glass may be assumed by any AWS principal (*)"},
			{Key: "k2", Kind: stint.FindingStandingAdmin, Score: 76, Severity: "high", AccountID: "111111111111", AccountName: "prod-payments",
				Principal: "group:Admins", Resource: "aws-sso:111111111111/AdministratorAccess", Reason: "group Admins (2 members) holds admin-equivalent AdministratorAccess"},
			{Key: "k3", Kind: stint.FindingWideAccess, Score: 35, Severity: "low", AccountID: "111111111111", AccountName: "prod-payments",
				Resource: "aws-sso:111111111111/PowerUserAccess", Reason: "12 people hold PowerUserAccess"},
		},
		Inventory: &stint.Inventory{},
	}
	s.Summary = stint.ScanSummary{Accounts: 2, AccountsScanned: 1, PermissionSets: 5, AdminPermissionSets: 1, StandingAssignments: 16, StandingPeople: 10,
		HeldByStint: 2, IAMUsers: 5, IAMRoles: 3, Calls: map[string]int{"iam": 25, "sso-admin": 64, "sts": 9}, DurationMS: 3400}
	s.Summary.Summarize(s.Findings)
	return s
}

type discoverFake struct {
	req    cli.DiscoverRequest
	ref    string
	params stint.FindingListParams
	from   string
	to     string
}

func (f *discoverFake) options() *cli.Options {
	return &cli.Options{
		Now:        func() time.Time { return now },
		Getenv:     func(string) string { return "" },
		IsTerminal: func(any) bool { return false },
		Discover: func(_ context.Context, req cli.DiscoverRequest) (*cli.DiscoverResult, error) {
			f.req = req
			req.Progress(1, 2, "directory")
			req.Progress(2, 2, "IAM of prod-payments")
			prev := fxScan()
			prev.ID, prev.Findings = "01SCAN1", prev.Findings[1:]
			prev.Summary.Summarize(prev.Findings)
			res := &cli.DiscoverResult{Scan: fxScan(), Diff: stint.DiffScans(prev, fxScan())}
			if req.Propose != "" {
				res.Proposal = &discovery.Proposal{ScanID: "01SCAN2", Checked: 12,
					Flows: []discovery.ProposedFlow{{Flow: stint.Flow{Name: "discovered-administrator-access-prod-payments"}, Access: stint.AccessAdmin, Placeholder: true},
						{Flow: stint.Flow{Name: "discovered-read-only-access-prod"}, Access: stint.AccessRead}},
					Removals: make([]stint.InventoryAssignment, 3),
					Problems: []string{`flows.yaml:19:17: flow "discovered-administrator-access-prod-payments": unknown group "CHANGE-ME-security-approvers"`},
					Extra:    []string{"delete assignment user:gone → ReadOnly in prod-payments (111111111111)"}}
			}
			return res, nil
		},
		DiscoverScans: func(context.Context, string, int) ([]*stint.Scan, error) {
			s := fxScan()
			s.Findings, s.Inventory = nil, nil
			return []*stint.Scan{s}, nil
		},
		DiscoverFindings: func(_ context.Context, _ string, ref string, p stint.FindingListParams) (*stint.Scan, error) {
			f.ref, f.params = ref, p
			return fxScan(), nil
		},
		DiscoverDiff: func(_ context.Context, _ string, from, to string) (*stint.ScanDiff, error) {
			f.from, f.to = from, to
			prev := fxScan()
			prev.ID, prev.Findings = "01SCAN1", prev.Findings[1:]
			prev.Findings[0].Score = 70
			prev.Summary.Summarize(prev.Findings)
			return stint.DiffScans(prev, fxScan()), nil
		},
	}
}

func TestDiscoverTable(t *testing.T) {
	t.Parallel()
	f := &discoverFake{}
	code, out, errOut := runIdentity(t, f.options(), "", "discover", "--config", "my.yaml", "--unused", "30d", "--key-age", "180d", "--wide", "4",
		"--approvers", "group:Security", "--permission-set", "AdministratorAccess,Deployer")
	require.Equal(t, 0, code, errOut)
	golden(t, "discover", out)
	require.Equal(t, discovery.Thresholds{UnusedDays: 30, KeyAgeDays: 180, WidePeople: 4}, f.req.Thresholds)
	require.Equal(t, "my.yaml", f.req.ConfigPath)
	require.Equal(t, []string{"group:Security"}, f.req.Approvers)
	require.Equal(t, []string{"AdministratorAccess", "Deployer"}, f.req.PermissionSets)
	require.Equal(t, discovery.DefaultParallel, f.req.Parallel)
	require.Contains(t, errOut, "Scanned 2/2 (100%)", "progress goes to stderr, without a terminal a line per tenth")
}

func TestDiscoverPropose(t *testing.T) {
	t.Parallel()
	f := &discoverFake{}
	code, out, errOut := runIdentity(t, f.options(), "", "discover", "--propose", "proposal")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "proposal", f.req.Propose)
	_, tail, ok := strings.Cut(out, "(`stint discover diff` for the list).\n")
	require.True(t, ok, out)
	golden(t, "discover-propose", tail)
}

func TestDiscoverFormats(t *testing.T) {
	t.Parallel()
	f := &discoverFake{}
	code, out, _ := runIdentity(t, f.options(), "", "discover", "-o", "json")
	require.Equal(t, 0, code)
	var res struct {
		Scan struct {
			ID        string           `json:"id"`
			Findings  []map[string]any `json:"findings"`
			Inventory any              `json:"inventory"`
		} `json:"scan"`
		Diff map[string]any `json:"diff"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	require.Equal(t, "01SCAN2", res.Scan.ID)
	require.Len(t, res.Scan.Findings, 3)
	require.Nil(t, res.Scan.Inventory, "the inventory only with --inventory")
	require.NotNil(t, res.Diff)
	_, out, _ = runIdentity(t, f.options(), "", "discover", "-o", "json", "--inventory")
	require.Contains(t, out, `"inventory"`)

	code, out, _ = runIdentity(t, f.options(), "", "discover", "-o", "csv")
	require.Equal(t, 0, code)
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 4)
	require.Equal(t, stint.FindingsCSVHeader, rows[0])
	require.Equal(t, "100", rows[1][1])

	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"discover", "-o", "yaml"}, "use table, json or csv"},
		{[]string{"discover", "--unused", "1h"}, "a day or more"},
		{[]string{"discover", "--wide", "1"}, "2 or more"},
		{[]string{"discover", "--approvers", "Security"}, "group:NAME"},
		{[]string{"discover", "scans", "-o", "csv"}, "use table or json"},
		{[]string{"discover", "findings", "--kind", "bad"}, "standing_admin"},
		{[]string{"discover", "findings", "--min-score", "101"}, "0 to 100"},
		{[]string{"discover", "nope"}, "takes no arguments"},
	}
	for _, tt := range tests {
		code, _, errOut := runIdentity(t, f.options(), "", tt.args...)
		require.Equal(t, cli.ExitUsage, code, "%v: %s", tt.args, errOut)
		require.Contains(t, errOut, tt.msg, tt.args)
	}
}

func TestDiscoverStored(t *testing.T) {
	t.Parallel()
	f := &discoverFake{}
	code, out, _ := runIdentity(t, f.options(), "", "discover", "scans")
	require.Equal(t, 0, code)
	golden(t, "discover-scans", out)

	code, out, _ = runIdentity(t, f.options(), "", "discover", "findings", "previous", "--kind", "standing_admin,wide_access", "--min-score", "30",
		"--account", "prod-payments", "--principal", "admins", "-o", "csv")
	require.Equal(t, 0, code)
	require.Equal(t, "previous", f.ref)
	require.Equal(t, stint.FindingListParams{Kinds: []stint.FindingKind{stint.FindingStandingAdmin, stint.FindingWideAccess}, MinScore: 30,
		Account: "prod-payments", Principal: "admins"}, f.params)
	require.True(t, strings.HasPrefix(out, "scan_id,score,"))

	code, out, _ = runIdentity(t, f.options(), "", "discover", "diff")
	require.Equal(t, 0, code)
	require.Equal(t, []string{"previous", "latest"}, []string{f.from, f.to})
	golden(t, "discover-diff", out)
	_, _, _ = runIdentity(t, f.options(), "", "discover", "diff", "01A", "01B")
	require.Equal(t, []string{"01A", "01B"}, []string{f.from, f.to})
}
