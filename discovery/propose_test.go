package discovery_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/config"
	"github.com/stint-dev/stint/discovery"
	"github.com/stint-dev/stint/identityconfig"
)

// protected is the ledger as stint apply reads it: every Identity Center
// effect, held by grants, is never deleted.
func protected() map[identityconfig.AssignmentKey]bool {
	out := map[identityconfig.AssignmentKey]bool{}
	for _, e := range ledger {
		if e.Kind == stint.EffectKindSSO {
			out[identityconfig.AssignmentKey{AccountID: e.AccountID, PermissionSetARN: e.PermissionSetARN, PrincipalID: e.PrincipalID}] = true
		}
	}
	return out
}

const baseConfig = `aws:
  region: us-east-1
flows:
  - name: existing
    requesters: [group:Security]
    resources:
      - identity_center: {accounts: [all], permission_sets: [ReadOnlyAccess]}
    max_duration: 1h
    auto_approve: true
`

func proposeFrom(t *testing.T, approvers ...string) (*stint.Scan, *discovery.Proposal) {
	t.Helper()
	e := setup(t)
	scan, err := e.scanner.Scan(t.Context())
	require.NoError(t, err)
	cfg, err := config.Parse("stint.yaml", []byte(baseConfig))
	require.NoError(t, err)
	p, err := discovery.Propose(t.Context(), scan, discovery.ProposeOptions{Config: cfg, Directory: e.scanner.Directory(), Live: e.scanner.Live(),
		Protected: protected(), Approvers: approvers})
	require.NoError(t, err)
	return scan, p
}

func TestProposeFlowsAndPlan(t *testing.T) {
	t.Parallel()
	scan, p := proposeFrom(t, "group:Security")

	byName := map[string]discovery.ProposedFlow{}
	for _, f := range p.Flows {
		byName[f.Flow.Name] = f
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range byName {
			if !yield(n) {
				return
			}
		}
	})
	require.Equal(t, []string{
		"discovered-administrator-access-prod-payments",
		"discovered-administrator-access-sandbox-001",
		"discovered-billing-7-accounts",
		"discovered-deployer-dev-001",
		"discovered-deployer-prod-web",
		"discovered-power-user-access-dev-001",
		"discovered-read-only-access-legacy",
		"discovered-read-only-access-prod",
	}, names, "one flow per permission set and account set")

	admin := byName["discovered-administrator-access-prod-payments"]
	require.Equal(t, stint.AccessAdmin, admin.Access)
	require.Equal(t, []string{"group:Admins"}, admin.Flow.Requesters)
	require.Equal(t, []string{"group:Security"}, admin.Flow.Approvers, "admin access needs the security group")
	require.False(t, admin.Placeholder)
	require.Equal(t, "2h", admin.Flow.MaxDuration.String())
	require.Equal(t, []string{org.Accounts["prod-payments"]}, admin.Flow.Resources[0].IdentityCenter.Accounts)

	deployProd := byName["discovered-deployer-prod-web"]
	require.Equal(t, stint.AccessAdmin, deployProd.Access, "Deployer is admin-equivalent in prod-web")
	deployDev := byName["discovered-deployer-dev-001"]
	require.Equal(t, stint.AccessWrite, deployDev.Access)
	require.Equal(t, []string{"group:Security"}, deployDev.Flow.Approvers, "one person's write access: the approvers, not peers")
	power := byName["discovered-power-user-access-dev-001"]
	require.Equal(t, []string{"group:Engineers"}, power.Flow.Approvers, "a group's write access: its peers (never self)")
	require.Equal(t, 5, power.People)
	read := byName["discovered-read-only-access-prod"]
	require.True(t, read.Flow.AutoApprove, "read-only access is auto-approved, still on demand")
	require.Equal(t, []string{"ou:Prod"}, read.Flow.Resources[0].IdentityCenter.Accounts, "prod-payments and prod-web are the Prod OU")
	billing := byName["discovered-billing-7-accounts"].Flow.Resources[0].IdentityCenter.Accounts
	require.ElementsMatch(t, []string{"ou:Legacy", "ou:Prod", org.Accounts["dev-001"], org.Accounts["sandbox-001"], org.Accounts["shared-tooling"]},
		billing, "every member account but the management one: OUs where whole, IDs for the rest")
	require.NotEmpty(t, byName["discovered-read-only-access-legacy"].Unused, "ivan's unused access is flagged")

	// Validated: no problems with a named approver group; every holder can
	// request what they held, and the flows offer nothing more.
	require.Empty(t, p.Problems)
	require.Empty(t, p.Beyond)
	require.Positive(t, p.Checked)
	require.Empty(t, p.Extra, "the plan removes the replaced assignments and nothing else: %v", p.Extra)

	// The removals are the standing assignments, but bob's adopted one.
	require.Len(t, p.Removals, len(scan.Inventory.Assignments)-1)
	require.Len(t, p.Kept, 1)
	require.Equal(t, "bob", p.Kept[0].PrincipalName)
	deletes := 0
	for _, a := range p.Plan.Actions {
		require.Equal(t, identityconfig.OpDelete, a.Op, a.Name)
		require.Equal(t, identityconfig.KindAssignment, a.Kind, a.Name)
		deletes++
	}
	require.Equal(t, len(p.Removals), deletes)
	require.Positive(t, p.Plan.Protected, "the ledger's assignments are protected")

	dir := t.TempDir()
	require.NoError(t, p.Write(dir))
	for _, name := range []string{discovery.FileFlows, discovery.FileCurrent, discovery.FileIdentity, discovery.FilePlan, discovery.FileProposal, discovery.FileReadme} {
		require.FileExists(t, filepath.Join(dir, name))
	}
	current, err := os.ReadFile(filepath.Join(dir, discovery.FileCurrent))
	require.NoError(t, err)
	require.Contains(t, string(current), "group:Admins", "the export keeps what is removed, to undo")
	identity, err := os.ReadFile(filepath.Join(dir, discovery.FileIdentity))
	require.NoError(t, err)
	require.NotContains(t, string(identity), "principal: group:Admins")
	for _, a := range p.Plan.Actions {
		require.NotContains(t, a.Name, "user:bob", "the adopted assignment is protected while a grant holds it")
	}
	plan, err := os.ReadFile(filepath.Join(dir, discovery.FilePlan))
	require.NoError(t, err)
	require.Contains(t, string(plan), "group:Admins → AdministratorAccess in prod-payments")

	// The written flows parse as a config's.
	flows, err := os.ReadFile(filepath.Join(dir, discovery.FileFlows))
	require.NoError(t, err)
	cfg, err := config.Parse("flows.yaml", append(flows, []byte("aws:\n  region: us-east-1\n")...))
	require.NoError(t, err)
	require.Len(t, cfg.Flows, len(p.Flows))
}

func TestProposePlaceholderApprovers(t *testing.T) {
	t.Parallel()
	_, p := proposeFrom(t)
	require.ElementsMatch(t, []string{"discovered-administrator-access-prod-payments", "discovered-administrator-access-sandbox-001",
		"discovered-deployer-dev-001", "discovered-deployer-prod-web"}, p.Placeholders())
	require.NotEmpty(t, p.Problems, "the placeholder group is flagged")
	for _, prob := range p.Problems {
		require.Contains(t, prob, "CHANGE-ME", prob)
	}
	require.Contains(t, string(p.FlowsYAML()), "# CHANGE-ME: name the group that approves this access")
}

func TestProposeOnlyPermissionSets(t *testing.T) {
	t.Parallel()
	e := setup(t)
	scan, err := e.scanner.Scan(t.Context())
	require.NoError(t, err)
	cfg, err := config.Parse("stint.yaml", []byte(baseConfig))
	require.NoError(t, err)
	p, err := discovery.Propose(t.Context(), scan, discovery.ProposeOptions{Config: cfg, Directory: e.scanner.Directory(), Live: e.scanner.Live(),
		Protected: protected(), Approvers: []string{"group:Security"}, PermissionSets: []string{"administratoraccess"}})
	require.NoError(t, err)
	require.Len(t, p.Flows, 2)
	require.Len(t, p.Removals, 2)
	require.Empty(t, p.Extra)

	_, err = discovery.Propose(t.Context(), scan, discovery.ProposeOptions{Config: cfg, Directory: e.scanner.Directory(), Live: e.scanner.Live(),
		PermissionSets: []string{"Nope"}})
	require.Equal(t, stint.ENOTFOUND, stint.ErrorCode(err))
	require.True(t, strings.Contains(err.Error(), "Nope"), err.Error())
}
