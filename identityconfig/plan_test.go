package identityconfig_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint/identityconfig"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), string(got))
}

const identitiesFile = `users:
  - {user_name: alice, given_name: Alice, family_name: Anders, email: alice@example.com}
  - {user_name: zoe, given_name: Zoe, family_name: Zed}
groups:
  - name: Engineers
    description: Builders
    members: [alice, zoe]
  - name: Ops
permission_sets:
  - name: Deploy
    description: Deploy services
    session_duration: 2h
    managed_policies: [ReadOnlyAccess]
    permissions_boundary: {customer_managed_policy: {name: Boundary}}
    tags: {owner: platform}
  - name: Ops
    session_duration: 4h
    managed_policies: [PowerUserAccess]
    tags: {owner: ops}
assignments:
  - {principal: group:Engineers, permission_set: Deploy, accounts: [ou:Prod], except: [ou:Prod/Payments]}
  - {principal: group:Ops, permission_set: Ops, accounts: [name:dev-001]}
`

// identitiesLive is a hand-made live state: alice exists with an old
// family name, bob is undeclared and in Engineers; Ops and Deploy differ.
func identitiesLive() *identityconfig.Live {
	return &identityconfig.Live{
		IdentitiesRead: true,
		Users: []identityconfig.LiveUser{
			{ID: "u-alice", User: identityconfig.User{UserName: "alice", DisplayName: "Alice Anders", GivenName: "Alice", FamilyName: "Andersen", Email: "alice@example.com"}},
			{ID: "u-bob", User: identityconfig.User{UserName: "bob", DisplayName: "Bob Brown", GivenName: "Bob", FamilyName: "Brown"}},
		},
		Groups: []identityconfig.LiveGroup{{ID: "g-eng", Name: "Engineers", Description: "Builders", MemberIDs: []string{"u-alice", "u-bob"}}},
		PermissionSets: []identityconfig.LivePermissionSet{{
			ARN: "arn:ps-ops", TagsKnown: true, BoundaryKnown: true,
			PermissionSet: identityconfig.PermissionSet{Name: "Ops", SessionDuration: identityconfig.SessionDuration(3600e9),
				ManagedPolicies: []identityconfig.ManagedPolicy{"arn:aws:iam::aws:policy/ReadOnlyAccess"}, Tags: map[string]string{"owner": "ops"},
				InlinePolicy: `{"Statement":[],"Version":"2012-10-17"}`},
		}},
		Assignments: []identityconfig.LiveAssignment{
			{AccountID: "444444444444", PermissionSetARN: "arn:ps-ops", PrincipalType: "GROUP", PrincipalID: "g-ops"},
			{AccountID: "555555555555", PermissionSetARN: "arn:ps-ops", PrincipalType: "GROUP", PrincipalID: "g-ops"},
			{AccountID: "111111111111", PermissionSetARN: "arn:ps-ops", PrincipalType: "USER", PrincipalID: "u-alice"},
		},
	}
}

func TestDiffIdentitiesGolden(t *testing.T) {
	t.Parallel()
	r, err := identityconfig.Resolve(parse(t, identitiesFile), testDirectory())
	require.NoError(t, err)
	p := identityconfig.Diff(r, identitiesLive(), identityconfig.DiffOptions{})
	require.Equal(t, 2, identityconfig.ExitCode(p))
	require.Equal(t, map[identityconfig.Kind]int{identityconfig.KindUser: 1, identityconfig.KindAssignment: 1}, p.Unmanaged)

	var text, color, js bytes.Buffer
	require.NoError(t, identityconfig.RenderText(&text, p, identityconfig.RenderOptions{}))
	golden(t, "identities.plan.txt", text.Bytes())
	require.NoError(t, identityconfig.RenderText(&color, p, identityconfig.RenderOptions{Color: true}))
	require.Contains(t, color.String(), "\x1b[31m- user bob in group Engineers\x1b[0m")
	require.NoError(t, identityconfig.RenderJSON(&js, p))
	golden(t, "identities.plan.json", js.Bytes())
}

func TestDiffPruneIdentities(t *testing.T) {
	t.Parallel()
	r, err := identityconfig.Resolve(parse(t, identitiesFile), testDirectory())
	require.NoError(t, err)
	p := identityconfig.Diff(r, identitiesLive(), identityconfig.DiffOptions{Prune: true})
	require.Empty(t, p.Unmanaged)
	c := p.Counts()
	require.Equal(t, 1, c[identityconfig.KindUser][identityconfig.OpDelete])
	require.Equal(t, 2, c[identityconfig.KindAssignment][identityconfig.OpDelete])
}

func TestDiffNoIdentitiesRead(t *testing.T) {
	t.Parallel()
	r, err := identityconfig.Resolve(parse(t, identitiesFile), testDirectory())
	require.NoError(t, err)
	live := identitiesLive()
	live.IdentitiesRead = false
	p := identityconfig.Diff(r, live, identityconfig.DiffOptions{})
	require.Contains(t, p.Notes, "users and groups were not read; they are not compared")
	require.Zero(t, p.Counts()[identityconfig.KindUser][identityconfig.OpCreate])
}

func TestExitCodeNoChanges(t *testing.T) {
	t.Parallel()
	require.Equal(t, 0, identityconfig.ExitCode(&identityconfig.Plan{}))
	require.Equal(t, 0, identityconfig.ExitCode(nil))
}
