package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/cli"
	"github.com/stint-dev/stint/identityconfig"
)

// fxPlan creates a permission set and two assignments, updates one and
// deletes an assignment.
var fxPlan = &identityconfig.Plan{
	Actions: []identityconfig.Action{
		{Op: identityconfig.OpCreate, Kind: identityconfig.KindPermissionSet, Name: "Deploy", Changes: []identityconfig.Change{
			{Field: "session_duration", New: "PT2H"}, {Field: "managed_policies", Added: []string{"ReadOnlyAccess"}}}},
		{Op: identityconfig.OpUpdate, Kind: identityconfig.KindPermissionSet, Name: "ReadOnly", ID: "arn:aws:sso:::permissionSet/ssoins-1/ps-ro",
			Changes: []identityconfig.Change{{Field: "description", Old: "Read", New: "Read everything"}}},
		{Op: identityconfig.OpCreate, Kind: identityconfig.KindAssignment, Name: "group:Engineers → Deploy in dev-001 (222222222222)"},
		{Op: identityconfig.OpCreate, Kind: identityconfig.KindAssignment, Name: "group:Engineers → Deploy in dev-002 (333333333333)"},
		{Op: identityconfig.OpDelete, Kind: identityconfig.KindAssignment, Name: "user:judy → ReadOnly in prod-payments (111111111111)"},
	},
	Unmanaged: map[identityconfig.Kind]int{identityconfig.KindAssignment: 3},
	Protected: 1,
}

// identityFake records what the identity commands asked for.
type identityFake struct {
	plan    *identityconfig.Plan
	err     error
	result  *identityconfig.ApplyResult
	req     cli.ApplyRequest
	planReq cli.PlanRequest
	applied bool
}

func (f *identityFake) root(terminal bool) *cli.Options {
	return &cli.Options{
		Now:        func() time.Time { return now },
		Getenv:     func(string) string { return "" },
		IsTerminal: func(any) bool { return terminal },
		Plan: func(_ context.Context, req cli.PlanRequest) (*identityconfig.Plan, error) {
			f.planReq = req
			return f.plan, f.err
		},
		Apply: func(_ context.Context, req cli.ApplyRequest) (*identityconfig.ApplyResult, error) {
			f.req = req
			if f.err != nil {
				return nil, f.err
			}
			_ = identityconfig.RenderText(req.Out, f.plan, identityconfig.RenderOptions{Color: req.Color})
			if !f.plan.HasChanges() {
				return nil, nil
			}
			if !req.Yes && !req.Confirm(f.plan) {
				return nil, context.Canceled
			}
			f.applied = true
			for i := range f.plan.Actions {
				req.Progress(i+1, len(f.plan.Actions), f.plan.Actions[i].Name)
			}
			return f.result, nil
		},
		Export: func(_ context.Context, configPath string, identities bool) ([]byte, error) {
			return []byte("# exported from " + configPath + "\n"), f.err
		},
	}
}

func runIdentity(t *testing.T, opts *cli.Options, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	root := cli.NewRoot(*opts)
	root.SetIn(strings.NewReader(stdin))
	code = cli.Execute(context.Background(), root, args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestPlanExitCodes(t *testing.T) {
	t.Parallel()
	f := &identityFake{plan: fxPlan}
	code, out, _ := runIdentity(t, f.root(false), "", "plan", "-f", "identity.yaml", "--prune", "--config", "my.yaml")
	require.Equal(t, cli.ExitPlanChanges, code)
	golden(t, "plan", out)
	require.Equal(t, cli.PlanRequest{ConfigPath: "my.yaml", File: "identity.yaml", Prune: true}, f.planReq)

	code, out, _ = runIdentity(t, f.root(true), "", "plan", "-f", "identity.yaml")
	require.Equal(t, cli.ExitPlanChanges, code)
	require.Contains(t, out, "\x1b[32m+ Deploy\x1b[0m", "coloured on a terminal")
	_, out, _ = runIdentity(t, f.root(true), "", "plan", "-f", "identity.yaml", "--no-color")
	require.NotContains(t, out, "\x1b[")

	code, out, _ = runIdentity(t, f.root(false), "", "plan", "-f", "identity.yaml", "-o", "json")
	require.Equal(t, cli.ExitPlanChanges, code)
	var decoded map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &decoded))
	require.Equal(t, true, decoded["has_changes"])

	clean := &identityFake{plan: &identityconfig.Plan{}}
	code, out, _ = runIdentity(t, clean.root(false), "", "plan", "-f", "identity.yaml")
	require.Equal(t, cli.ExitPlanClean, code)
	require.Equal(t, "No changes. Identity Center matches the file.\n", out)

	bad := &identityFake{err: stint.Errorf(stint.EINVALID, "identity.yaml:3:5: duplicate permission set \"a\"\nidentity.yaml:9:7: unknown key")}
	code, _, errOut := runIdentity(t, bad.root(false), "", "plan", "-f", "identity.yaml")
	require.Equal(t, cli.ExitPlanError, code, "an invalid file is an error, not changes")
	require.Equal(t, "stint: identity.yaml:3:5: duplicate permission set \"a\"\nidentity.yaml:9:7: unknown key\n", errOut)

	for _, args := range [][]string{{"plan"}, {"plan", "-f", "x", "--bogus"}, {"plan", "-f", "x", "-o", "yaml"}} {
		code, _, errOut = runIdentity(t, f.root(false), "", args...)
		require.Equal(t, cli.ExitPlanError, code, "%v: %s", args, errOut)
		require.True(t, strings.HasPrefix(errOut, "stint: "), errOut)
	}
}

func TestApply(t *testing.T) {
	t.Parallel()
	ok := &identityconfig.ApplyResult{Applied: 5, Calls: map[string]int{"CreateAccountAssignment": 2, "CreatePermissionSet": 1}, Duration: 1500 * time.Millisecond}
	t.Run("refuses without a terminal and --yes", func(t *testing.T) {
		f := &identityFake{plan: fxPlan, result: ok}
		code, out, errOut := runIdentity(t, f.root(false), "y\n", "apply", "-f", "identity.yaml")
		require.Equal(t, 1, code)
		require.Contains(t, out, "Plan: 3 to create, 1 to update, 1 to delete.")
		require.Contains(t, errOut, "stdin is not a terminal")
		require.Contains(t, errOut, "--yes")
		require.False(t, f.applied)
	})
	t.Run("asks on a terminal; no", func(t *testing.T) {
		f := &identityFake{plan: fxPlan, result: ok}
		code, out, _ := runIdentity(t, f.root(true), "n\n", "apply", "-f", "identity.yaml")
		require.Equal(t, 1, code)
		require.Contains(t, out, "Apply 5 changes? [y/N] Apply cancelled; nothing was changed.\n")
		require.False(t, f.applied)
	})
	t.Run("asks on a terminal; yes", func(t *testing.T) {
		f := &identityFake{plan: fxPlan, result: ok}
		code, out, _ := runIdentity(t, f.root(true), "y\n", "apply", "-f", "identity.yaml")
		require.Equal(t, 0, code)
		require.True(t, f.applied)
		require.Contains(t, out, "\r\x1b[K[##############################] 5/5 user:judy")
		require.Contains(t, out, "Apply complete: 5 applied, 0 failed, 3 API calls in 1.5s.\n")
	})
	t.Run("--yes without a terminal, with failures", func(t *testing.T) {
		failed := &identityconfig.ApplyResult{Applied: 4, Failed: 1, Errors: []string{"create assignment user:judy → ReadOnly in prod-payments: AccessDenied"},
			Calls: map[string]int{"CreateAccountAssignment": 3}, Duration: time.Second}
		f := &identityFake{plan: fxPlan, result: failed}
		code, out, _ := runIdentity(t, f.root(false), "", "apply", "-f", "identity.yaml", "--yes", "--prune")
		require.Equal(t, 1, code)
		require.True(t, f.req.Yes)
		require.True(t, f.req.Prune)
		require.Contains(t, out, "Applied 1/5 (20%)\nApplied 2/5 (40%)\n")
		require.Contains(t, out, "Apply complete: 4 applied, 1 failed, 3 API calls in 1s.\nFailures:\n  - create assignment user:judy → ReadOnly in prod-payments: AccessDenied\n")
	})
	t.Run("nothing to do", func(t *testing.T) {
		f := &identityFake{plan: &identityconfig.Plan{}}
		code, out, _ := runIdentity(t, f.root(false), "", "apply", "-f", "identity.yaml")
		require.Equal(t, 0, code)
		require.Equal(t, "No changes. Identity Center matches the file.\n", out)
	})
	t.Run("bad file", func(t *testing.T) {
		f := &identityFake{err: stint.Errorf(stint.EINVALID, "identity.yaml:1:1: bad")}
		code, _, errOut := runIdentity(t, f.root(false), "", "apply", "-f", "identity.yaml", "--yes")
		require.Equal(t, 1, code)
		require.Equal(t, "stint: identity.yaml:1:1: bad\n", errOut)
	})
}

func TestExport(t *testing.T) {
	t.Parallel()
	f := &identityFake{}
	code, out, _ := runIdentity(t, f.root(false), "", "export", "--config", "c.yaml", "--identities")
	require.Equal(t, 0, code)
	require.Equal(t, "# exported from c.yaml\n", out)
	path := filepath.Join(t.TempDir(), "identity.yaml")
	code, out, errOut := runIdentity(t, f.root(false), "", "export", "-o", path)
	require.Equal(t, 0, code)
	require.Empty(t, out)
	require.Contains(t, errOut, "Wrote "+path)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "# exported from stint.yaml\n", string(b))
}
