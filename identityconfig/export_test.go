package identityconfig_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint/identityconfig"
)

// TestExportPlanClean: the seeded organisation (the demo's permission sets
// and standing assignments plus the round-trip state) exported, loaded back
// and planned against the same state shows no changes, with and without
// identities, and even with --prune (everything is declared).
func TestExportPlanClean(t *testing.T) {
	t.Parallel()
	for _, identities := range []bool{false, true} {
		live, err := newReader(t, func(c *identityconfig.ReaderConfig) { c.ReadIdentities = identities }).Read(context.Background(), dir)
		require.NoError(t, err)
		out, err := identityconfig.Export(live, dir, identityconfig.ExportOptions{Identities: identities})
		require.NoError(t, err)
		again, err := identityconfig.Export(live, dir, identityconfig.ExportOptions{Identities: identities})
		require.NoError(t, err)
		require.Equal(t, string(out), string(again), "deterministic")
		if testing.Verbose() {
			t.Logf("%s", out)
		}

		path := filepath.Join(t.TempDir(), "identity.yaml")
		require.NoError(t, os.WriteFile(path, out, 0o600))
		d, err := identityconfig.Load(path)
		require.NoError(t, err, "exported file:\n%s", out)
		require.Equal(t, identities, d.ManagesIdentities)
		r, err := identityconfig.Resolve(d, dir)
		require.NoError(t, err, "exported file:\n%s", out)
		require.Len(t, r.Targets, len(live.Assignments))
		p := identityconfig.Diff(r, live, identityconfig.DiffOptions{Prune: true})
		require.Empty(t, p.Actions, "exported file:\n%s", out)
		require.Empty(t, p.Unmanaged)

		text := string(out)
		require.True(t, strings.HasPrefix(text, "# Identity Center set-up of "+org.InstanceARN))
		require.Contains(t, text, "  - principal: group:Security\n    permission_set: RtRead\n    accounts: [name:dev-001, name:dev-002, name:log-archive, name:master,")
		require.Contains(t, text, "    customer_managed_policies:\n      - {name: OpsExtra, path: /team/}\n")
		require.Contains(t, text, "    inline_policy: |\n      {\n")
		require.Equal(t, identities, strings.Contains(text, "\nusers:\n  - user_name: alice\n    given_name: Alice\n"))
	}
}

func TestExportExclude(t *testing.T) {
	t.Parallel()
	live, err := newReader(t).Read(context.Background(), dir)
	require.NoError(t, err)
	var key identityconfig.AssignmentKey
	for _, a := range live.Assignments {
		if a.PrincipalID == org.Groups["Payments"] && a.AccountID == org.Accounts["prod-payments-dr"] {
			key = a.Key()
		}
	}
	require.NotEmpty(t, key.AccountID)
	protected := map[identityconfig.AssignmentKey]bool{key: true}
	out, err := identityconfig.Export(live, dir, identityconfig.ExportOptions{Exclude: protected})
	require.NoError(t, err)
	require.Contains(t, string(out), "  - principal: group:Payments\n    permission_set: RtAdmin\n    accounts: [name:prod-payments]\n")
	d, err := identityconfig.Parse(map[string][]byte{"identity.yaml": out})
	require.NoError(t, err)
	r, err := identityconfig.Resolve(d, dir)
	require.NoError(t, err)
	p := identityconfig.Diff(r, live, identityconfig.DiffOptions{Prune: true, Protected: protected})
	require.Empty(t, p.Actions)
	require.Equal(t, 1, p.Protected)

	_, err = identityconfig.Export(live, dir, identityconfig.ExportOptions{Identities: true})
	require.ErrorContains(t, err, "ReadIdentities")
}
