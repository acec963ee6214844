package identityconfig_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint/identityconfig"
)

const provisioningFile = `permission_sets:
  - {name: Deploy, session_duration: 1h}
  - {name: Ops, session_duration: 1h, description: Operations}
  - {name: Legacy, external: true}
`

// provisioningLive has four permission sets that accounts run in an older
// version: Deploy (as declared), Ops (whose description also changed),
// Legacy (external) and Old (undeclared).
func provisioningLive() *identityconfig.Live {
	set := func(arn, name, description string, behind ...string) identityconfig.LivePermissionSet {
		return identityconfig.LivePermissionSet{ARN: arn, TagsKnown: true, BoundaryKnown: true, NotProvisioned: behind,
			PermissionSet: identityconfig.PermissionSet{Name: name, Description: description, SessionDuration: identityconfig.SessionDuration(time.Hour)}}
	}
	return &identityconfig.Live{PermissionSets: []identityconfig.LivePermissionSet{
		set("arn:ps-deploy", "Deploy", "", "111111111111", "999999999999"),
		set("arn:ps-legacy", "Legacy", "", "222222222222"),
		set("arn:ps-old", "Old", "", "333333333333"),
		set("arn:ps-ops", "Ops", "Old description", "444444444444"),
	}}
}

func TestDiffProvisioning(t *testing.T) {
	t.Parallel()
	r, err := identityconfig.Resolve(parse(t, provisioningFile), testDirectory())
	require.NoError(t, err)

	p := identityconfig.Diff(r, provisioningLive(), identityconfig.DiffOptions{})
	require.Equal(t, 2, identityconfig.ExitCode(p))
	require.Equal(t, []identityconfig.Action{
		{Op: identityconfig.OpUpdate, Kind: identityconfig.KindPermissionSet, Name: "Deploy", ID: "arn:ps-deploy", Changes: []identityconfig.Change{
			{Field: identityconfig.FieldProvisioning, Added: []string{"prod-web (111111111111)", "999999999999"}}}},
		{Op: identityconfig.OpUpdate, Kind: identityconfig.KindPermissionSet, Name: "Ops", ID: "arn:ps-ops", Changes: []identityconfig.Change{
			{Field: "description", Old: "Old description", New: "Operations"},
			{Field: identityconfig.FieldProvisioning, Added: []string{"dev-001 (444444444444)"}}}},
	}, p.Actions)
	require.Equal(t, map[identityconfig.Kind]int{identityconfig.KindPermissionSet: 1}, p.Unmanaged)
	require.Equal(t, []string{
		"permission set Legacy, which the file does not manage, runs an older version in 1 account (prod-payments (222222222222)); it is left alone",
		"permission set Old, which the file does not manage, runs an older version in 1 account (prod-data (333333333333)); it is left alone",
	}, p.Notes)

	var text bytes.Buffer
	require.NoError(t, identityconfig.RenderText(&text, p, identityconfig.RenderOptions{}))
	require.Contains(t, text.String(), `  ~ Deploy
      provisioning: the latest version is not in prod-web (111111111111), 999999999999; apply provisions it
  ~ Ops
      description: "Old description" → "Operations"
      provisioning: the latest version is not in dev-001 (444444444444); apply provisions it
`)
	require.Contains(t, text.String(), "Plan: 0 to create, 2 to update, 0 to delete.")

	// With prune the undeclared set is deleted, not provisioned.
	p = identityconfig.Diff(r, provisioningLive(), identityconfig.DiffOptions{Prune: true})
	require.Len(t, p.Actions, 3)
	require.Equal(t, identityconfig.Action{Op: identityconfig.OpDelete, Kind: identityconfig.KindPermissionSet, Name: "Old", ID: "arn:ps-old"}, p.Actions[2])
	require.Len(t, p.Notes, 1)

	// Nothing behind: nothing planned.
	live := provisioningLive()
	for i := range live.PermissionSets {
		live.PermissionSets[i].NotProvisioned = nil
	}
	live.PermissionSets[3].Description = "Operations"
	p = identityconfig.Diff(r, live, identityconfig.DiffOptions{})
	require.Empty(t, p.Actions)
	require.Empty(t, p.Notes)
}
