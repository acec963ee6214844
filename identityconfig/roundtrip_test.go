package identityconfig_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint/identityconfig"
)

// planFor parses file, resolves it against the seeded directory, reads
// moto and diffs.
func planFor(t *testing.T, file string, opts identityconfig.DiffOptions) (*identityconfig.Plan, *identityconfig.Live) {
	t.Helper()
	d, err := identityconfig.Parse(map[string][]byte{"identity.yaml": []byte(file)})
	require.NoError(t, err)
	r, err := identityconfig.Resolve(d, dir)
	require.NoError(t, err)
	if file == roundTripFile {
		require.Len(t, r.Targets, 30)
	}
	live, err := newReader(t, func(c *identityconfig.ReaderConfig) { c.SkipTags = true }).Read(context.Background(), dir)
	require.NoError(t, err)
	return identityconfig.Diff(r, live, opts), live
}

func TestRoundTripNoChanges(t *testing.T) {
	p, _ := planFor(t, roundTripFile, identityconfig.DiffOptions{})
	require.Empty(t, p.Actions)
	require.Equal(t, 0, identityconfig.ExitCode(p))
	// The demo organisation's 3 permission sets and 5 standing
	// assignments are not declared: left alone.
	require.Equal(t, map[identityconfig.Kind]int{identityconfig.KindAssignment: 5, identityconfig.KindPermissionSet: 3}, p.Unmanaged)
	var out bytes.Buffer
	require.NoError(t, identityconfig.RenderText(&out, p, identityconfig.RenderOptions{}))
	require.Equal(t, `No changes. Identity Center matches the file.
3 permission sets not declared in the file left alone (--prune deletes them).
5 assignments not declared in the file left alone (--prune deletes them).
`, out.String())
}

// changedFile changes RtOps's inline policy and narrows OnCall's selector
// from ou:Prod to ou:Prod/Payments.
func changedFile(t *testing.T) string {
	t.Helper()
	f := strings.Replace(roundTripFile, `"Action": ["ecs:UpdateService"]`, `"Action": ["ecs:UpdateService", "ecs:DescribeServices"]`, 1)
	f = strings.Replace(f, "    accounts: [ou:Prod]\n", "    accounts: [ou:Prod/Payments]\n", 1)
	require.NotEqual(t, roundTripFile, f)
	return f
}

func TestRoundTripChanges(t *testing.T) {
	p, _ := planFor(t, changedFile(t), identityconfig.DiffOptions{})
	require.Equal(t, 2, identityconfig.ExitCode(p))
	require.Equal(t, map[identityconfig.Kind]map[identityconfig.Op]int{
		identityconfig.KindPermissionSet: {identityconfig.OpUpdate: 1},
		identityconfig.KindAssignment:    {identityconfig.OpDelete: 3},
	}, p.Counts())
	ps := p.Actions[0]
	require.Equal(t, "RtOps", ps.Name)
	require.Equal(t, rt["RtOps"], ps.ID)
	require.Len(t, ps.Changes, 1)
	require.Equal(t, "inline_policy", ps.Changes[0].Field)
	require.Contains(t, ps.Changes[0].New, "ecs:DescribeServices")
	var deleted []string
	for _, a := range p.Actions[1:] {
		require.Equal(t, "OnCall", a.Assignment.PrincipalName)
		require.Equal(t, "RtOps", a.Assignment.PermissionSet)
		deleted = append(deleted, a.Assignment.AccountName)
	}
	require.ElementsMatch(t, []string{"prod-web", "prod-data", "prod-analytics"}, deleted)

	var out bytes.Buffer
	require.NoError(t, identityconfig.RenderText(&out, p, identityconfig.RenderOptions{}))
	text := out.String()
	require.Contains(t, text, "Permission sets (1 to update):\n  ~ RtOps\n      inline_policy: ")
	require.Contains(t, text, "Assignments (3 to delete):\n  - group:OnCall → RtOps in prod-analytics (")
	require.Contains(t, text, "Plan: 0 to create, 1 to update, 3 to delete.\n")

	out.Reset()
	require.NoError(t, identityconfig.RenderJSON(&out, p))
	var decoded struct {
		HasChanges bool                              `json:"has_changes"`
		Counts     map[string]map[string]int         `json:"counts"`
		Actions    []struct{ Op, Kind, Name string } `json:"actions"`
		Unmanaged  map[string]int                    `json:"unmanaged"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &decoded))
	require.True(t, decoded.HasChanges)
	require.Equal(t, 3, decoded.Counts["assignment"]["delete"])
	require.Equal(t, 5, decoded.Unmanaged["assignment"])
}

func TestRoundTripProtectedAndPrune(t *testing.T) {
	_, live := planFor(t, roundTripFile, identityconfig.DiffOptions{})
	// Protect one OnCall assignment the changed file would delete.
	var key identityconfig.AssignmentKey
	for _, a := range live.Assignments {
		if a.PrincipalID == org.Groups["OnCall"] && a.AccountID == org.Accounts["prod-web"] {
			key = a.Key()
		}
	}
	require.NotEmpty(t, key.AccountID)
	p, _ := planFor(t, changedFile(t), identityconfig.DiffOptions{Protected: map[identityconfig.AssignmentKey]bool{key: true}})
	require.Equal(t, 2, p.Counts()[identityconfig.KindAssignment][identityconfig.OpDelete])
	require.Equal(t, 1, p.Protected)

	// With prune, the demo organisation's undeclared assignments and
	// permission sets go too.
	p, _ = planFor(t, roundTripFile, identityconfig.DiffOptions{Prune: true})
	require.Equal(t, map[identityconfig.Kind]map[identityconfig.Op]int{
		identityconfig.KindPermissionSet: {identityconfig.OpDelete: 3},
		identityconfig.KindAssignment:    {identityconfig.OpDelete: 5},
	}, p.Counts())
	require.Empty(t, p.Unmanaged)
}
