package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

// ExerciseScans runs the discovery scan scenarios as parallel subtests,
// each on a fresh store from open: the same on every store, like Exercise.
func ExerciseScans(t *testing.T, open func(t *testing.T) stint.Store) {
	runScenarios(t, open, scanScenarios)
}

// runScenarios runs scenarios as parallel subtests, each on a fresh store.
func runScenarios(t *testing.T, open func(t *testing.T) stint.Store, scenarios []scenario) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			sc.run(t, open(t), &config{})
		})
	}
}

var scanScenarios = []scenario{
	{name: "scans/create, get, latest, list newest first", run: testScanRoundTrip},
	{name: "scans/findings filtered by kind, score, account, principal, paged", run: testFindingFilters},
	{name: "scans/many findings, duplicate ID and keys refused", run: testScanLimits},
}

// newScan returns a scan with every field set and findings of several
// kinds, accounts and principals.
func newScan(id string, started time.Time) *stint.Scan {
	used := stored(started.Add(-200 * 24 * time.Hour))
	s := &stint.Scan{
		ID: id, StartedAt: started, FinishedAt: started.Add(3 * time.Second), InstanceARN: "arn:aws:sso:::instance/ssoins-1",
		Accounts: []stint.ScanAccount{
			{ID: "111111111111", Name: "prod-payments", OUPath: "Prod/Payments", Scanned: true},
			{ID: "222222222222", Name: "prod-ledger", Error: "cannot reach account 222222222222: AssumeRole of ... was refused"},
		},
		Notes: []string{"service last accessed data is not available: \"quoted\" ✓"},
		Findings: []stint.Finding{
			{Key: "standing_admin|111111111111|group:Ops|aws-sso:111111111111/Admin", Kind: stint.FindingStandingAdmin, Score: 78,
				Severity: stint.SeverityHigh, AccountID: "111111111111", AccountName: "prod-payments", Principal: "group:Ops",
				Resource: "aws-sso:111111111111/Admin", Reason: "standing admin", Details: map[string]string{"members": "3"}},
			{Key: "no_mfa|111111111111|iam-user:Bob_1|arn:aws:iam::111111111111:user/Bob_1", Kind: stint.FindingNoMFA, Score: 45,
				Severity: stint.SeverityMedium, AccountID: "111111111111", AccountName: "prod-payments", Principal: "iam-user:Bob_1",
				Resource: "arn:aws:iam::111111111111:user/Bob_1", Reason: "console password without MFA"},
			{Key: "external_trust|222222222222|iam-role:vendor|arn:aws:iam::222222222222:role/vendor", Kind: stint.FindingExternalTrust,
				Score: 95, Severity: stint.SeverityCritical, AccountID: "222222222222", AccountName: "prod-ledger",
				Principal: "iam-role:vendor", Resource: "arn:aws:iam::222222222222:role/vendor", Reason: "trusts *"},
			{Key: "wide_access|111111111111||aws-sso:111111111111/ReadOnly", Kind: stint.FindingWideAccess, Score: 35,
				Severity: stint.SeverityLow, AccountID: "111111111111", AccountName: "prod-payments",
				Resource: "aws-sso:111111111111/ReadOnly", Reason: "12 people"},
		},
		Inventory: &stint.Inventory{
			Users:  []stint.User{{ID: "u-1", UserName: "alice", Email: "alice@example.com", Groups: []string{"Ops"}}},
			Groups: []stint.Group{{ID: "g-1", Name: "Ops"}},
			PermissionSets: []stint.InventoryPermissionSet{{ARN: "arn:ps-1", Name: "Admin", SessionDuration: "PT1H",
				ManagedPolicies: []string{"arn:aws:iam::aws:policy/AdministratorAccess"}, Access: stint.AccessAdmin, AccessReason: "AdministratorAccess"}},
			Assignments: []stint.InventoryAssignment{{AccountID: "111111111111", PermissionSetARN: "arn:ps-1", PermissionSet: "Admin",
				PrincipalType: "GROUP", PrincipalID: "g-1", PrincipalName: "Ops", Access: stint.AccessAdmin}},
			Held: []stint.InventoryAssignment{{AccountID: "111111111111", PermissionSetARN: "arn:ps-1", PermissionSet: "Admin",
				PrincipalType: "USER", PrincipalID: "u-1", PrincipalName: "alice", Access: stint.AccessAdmin}},
			SSORoles: []stint.SSORole{{AccountID: "111111111111", PermissionSet: "Admin", RoleName: "AWSReservedSSO_Admin_0123456789abcdef",
				CreatedAt: stored(started.Add(-400 * 24 * time.Hour)), LastUsed: &used}},
			IAMUsers: []stint.IAMUser{{AccountID: "111111111111", UserName: "Bob_1", ARN: "arn:aws:iam::111111111111:user/Bob_1",
				CreatedAt: stored(started.Add(-500 * 24 * time.Hour)), Password: true,
				AccessKeys: []stint.AccessKey{{Slot: 1, Active: true, CreatedAt: &used, LastUsed: &used, LastService: "s3"}},
				Groups:     []string{"ops"}, Policies: []string{"inline:x"}, Access: stint.AccessWrite,
				Services: &stint.ServiceUsage{Granted: 10, Used: 2, LastAuthenticated: &used}}},
			IAMRoles: []stint.IAMRole{{AccountID: "222222222222", RoleName: "vendor", ARN: "arn:aws:iam::222222222222:role/vendor", Path: "/",
				CreatedAt: stored(started.Add(-90 * 24 * time.Hour)),
				Trusts:    []stint.TrustedPrincipal{{Principal: "*", Outside: true, Conditions: []string{"sts:ExternalId"}}}, Access: stint.AccessAdmin}},
		},
	}
	s.Summary = stint.ScanSummary{Accounts: 2, AccountsScanned: 1, PermissionSets: 1, AdminPermissionSets: 1, StandingAssignments: 1,
		StandingPeople: 1, HeldByStint: 1, IAMUsers: 1, IAMRoles: 1, Calls: map[string]int{"iam": 4, "sso": 12}, DurationMS: 3000}
	s.Summary.Summarize(s.Findings)
	return s
}

func testScanRoundTrip(t *testing.T, s stint.Store, _ *config) {
	ctx := t.Context()
	_, err := s.ScanGet(ctx, "latest")
	requireCode(t, err, stint.ENOTFOUND, "stint discover")
	got, err := s.ScanList(ctx, nil)
	require.NoError(t, err)
	require.Empty(t, got)

	older, newer := newScan("scan-1", base), newScan("scan-2", at(24*time.Hour))
	newer.Findings = newer.Findings[:2]
	newer.Summary.Summarize(newer.Findings)
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error {
		if err := tx.ScanCreate(ctx, newer); err != nil {
			return err
		}
		return tx.ScanCreate(ctx, older)
	})

	want := newScan("scan-1", base)
	want.StartedAt, want.FinishedAt = stored(want.StartedAt), stored(want.FinishedAt)
	stint.SortFindings(want.Findings)
	gotScan, err := s.ScanGet(ctx, "scan-1")
	require.NoError(t, err)
	require.Equal(t, want, gotScan)

	latest, err := s.ScanGet(ctx, "latest")
	require.NoError(t, err)
	require.Equal(t, "scan-2", latest.ID)
	require.Len(t, latest.Findings, 2)

	list, err := s.ScanList(ctx, &stint.ScanListParams{})
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, "scan-2", list[0].ID, "newest first")
	header := *want
	header.Findings, header.Inventory = nil, nil
	require.Equal(t, &header, list[1], "listings leave findings and inventory out")
	one, err := s.ScanList(ctx, &stint.ScanListParams{Limit: 1})
	require.NoError(t, err)
	require.Len(t, one, 1)

	_, err = s.ScanGet(ctx, "nope")
	requireCode(t, err, stint.ENOTFOUND, "nope")

	noInventory := newScan("scan-3", at(48*time.Hour))
	noInventory.Inventory, noInventory.Findings = nil, nil
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.ScanCreate(ctx, noInventory) })
	got3, err := s.ScanGet(ctx, "scan-3")
	require.NoError(t, err)
	require.Nil(t, got3.Inventory)
	require.Empty(t, got3.Findings)
}

func testFindingFilters(t *testing.T, s stint.Store, _ *config) {
	ctx := t.Context()
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error {
		if err := tx.ScanCreate(ctx, newScan("scan-1", base)); err != nil {
			return err
		}
		return tx.ScanCreate(ctx, newScan("scan-2", at(time.Hour)))
	})
	keys := func(p stint.FindingListParams) []string {
		t.Helper()
		if p.ScanID == "" {
			p.ScanID = "scan-1"
		}
		fs, err := s.FindingList(ctx, &p)
		require.NoError(t, err)
		out := []string{}
		for _, f := range fs {
			out = append(out, string(f.Kind))
		}
		return out
	}
	all := []string{"external_trust", "standing_admin", "no_mfa", "wide_access"}
	require.Equal(t, all, keys(stint.FindingListParams{}), "by score, highest first")
	require.Equal(t, []string{"standing_admin", "no_mfa"}, keys(stint.FindingListParams{Kinds: []stint.FindingKind{stint.FindingNoMFA, stint.FindingStandingAdmin}}))
	require.Equal(t, []string{"external_trust", "standing_admin", "no_mfa"}, keys(stint.FindingListParams{MinScore: 40}))
	require.Equal(t, []string{"external_trust"}, keys(stint.FindingListParams{Account: "222222222222"}))
	require.Equal(t, []string{"standing_admin", "no_mfa", "wide_access"}, keys(stint.FindingListParams{Account: "PROD-Payments"}))
	require.Equal(t, []string{"no_mfa"}, keys(stint.FindingListParams{Principal: "bob_"}), "any case; _ is not a wildcard")
	require.Empty(t, keys(stint.FindingListParams{Principal: "b%"}), "% is not a wildcard")
	require.Equal(t, []string{"standing_admin", "no_mfa"}, keys(stint.FindingListParams{Offset: 1, Limit: 2}))
	require.Empty(t, keys(stint.FindingListParams{ScanID: "other"}))

	_, err := s.FindingList(ctx, &stint.FindingListParams{})
	requireCode(t, err, stint.EINVALID, "scan")
	fs, err := s.FindingList(ctx, &stint.FindingListParams{ScanID: "scan-2", Kinds: []stint.FindingKind{stint.FindingStandingAdmin}})
	require.NoError(t, err)
	require.Equal(t, newScan("scan-2", base).Findings[0], *fs[0], "the finding reads back whole")
}

func testScanLimits(t *testing.T, s stint.Store, _ *config) {
	ctx := t.Context()
	big := newScan("scan-big", base)
	big.Findings = nil
	for i := range 1234 {
		big.Findings = append(big.Findings, stint.Finding{Key: fmt.Sprintf("unused|111111111111|user:u%04d|r", i),
			Kind: stint.FindingUnused, Score: i % 101, Severity: stint.Severity(i % 101), AccountID: "111111111111", Reason: "idle"})
	}
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.ScanCreate(ctx, big) })
	got, err := s.ScanGet(ctx, "scan-big")
	require.NoError(t, err)
	require.Len(t, got.Findings, 1234, "findings are written in batches")
	require.Equal(t, 100, got.Findings[0].Score)
	page, err := s.FindingList(ctx, &stint.FindingListParams{ScanID: "scan-big"})
	require.NoError(t, err)
	require.Len(t, page, 1000, "the default limit")

	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.ScanCreate(ctx, newScan("scan-big", base)) })
	requireCode(t, err, stint.ECONFLICT, "scan-big")
	dup := newScan("scan-dup", base)
	dup.Findings = append(dup.Findings, dup.Findings[0])
	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.ScanCreate(ctx, dup) })
	requireCode(t, err, stint.EINVALID, "repeated")
	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.ScanCreate(ctx, &stint.Scan{}) })
	requireCode(t, err, stint.EINVALID, "ID")
	_, err = s.ScanGet(ctx, "scan-dup")
	requireCode(t, err, stint.ENOTFOUND)
}
