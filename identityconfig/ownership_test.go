package identityconfig_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/identityconfig"
)

// ownedLive is identitiesLive with a permission set, a user and an
// assignment that no file declares.
func ownedLive() *identityconfig.Live {
	live := identitiesLive()
	live.PermissionSets = append(live.PermissionSets, identityconfig.LivePermissionSet{ARN: "arn:ps-old", TagsKnown: true, BoundaryKnown: true,
		PermissionSet: identityconfig.PermissionSet{Name: "Old", SessionDuration: identityconfig.SessionDuration(3600e9)}})
	live.Assignments = append(live.Assignments,
		identityconfig.LiveAssignment{AccountID: "444444444444", PermissionSetARN: "arn:ps-old", PrincipalType: "USER", PrincipalID: "u-bob"})
	return live
}

func TestDiffOwnership(t *testing.T) {
	t.Parallel()
	r, err := identityconfig.Resolve(parse(t, identitiesFile), testDirectory())
	require.NoError(t, err)
	oldAssignment := identityconfig.AssignmentKey{AccountID: "444444444444", PermissionSetARN: "arn:ps-old", PrincipalID: "u-bob"}
	aliceOpsKey := identityconfig.AssignmentKey{AccountID: "111111111111", PermissionSetARN: "arn:ps-ops", PrincipalID: "u-alice"}
	records := []*stint.Managed{
		{Kind: "assignment", Key: oldAssignment.String()},
		{Kind: "assignment", Key: aliceOpsKey.String()},
		{Kind: "permission_set", Key: "arn:ps-old"},
		{Kind: "user", Key: "u-bob"},
		{Kind: "assignment", Key: "not|a key"}, // ignored
		{Kind: "something", Key: "x"},          // ignored
	}
	owned := identityconfig.OwnershipOf(records)
	require.Equal(t, 4, owned.Len())
	deletes := func(p *identityconfig.Plan) map[identityconfig.Kind][]string {
		out := map[identityconfig.Kind][]string{}
		for _, a := range p.Actions {
			if a.Op == identityconfig.OpDelete {
				out[a.Kind] = append(out[a.Kind], a.Name)
			}
		}
		return out
	}

	// The file declares group:Ops with Ops in dev-001 only: its sandbox
	// assignment goes whatever is owned (the pair is declared in full).
	const opsSandbox = "group:Ops → Ops in sandbox (555555555555)"
	const aliceOps = "user:alice → Ops in prod-web (111111111111)"
	for _, tc := range []struct {
		name      string
		opts      identityconfig.DiffOptions
		deletes   map[identityconfig.Kind][]string
		unmanaged map[identityconfig.Kind]int
		note      string
	}{
		{name: "nothing owned: undeclared things are left alone", opts: identityconfig.DiffOptions{},
			deletes:   map[identityconfig.Kind][]string{identityconfig.KindMembership: {"Engineers"}, identityconfig.KindAssignment: {opsSandbox}},
			unmanaged: map[identityconfig.Kind]int{identityconfig.KindUser: 1, identityconfig.KindPermissionSet: 1, identityconfig.KindAssignment: 2}},
		{name: "owned: deleted without prune", opts: identityconfig.DiffOptions{Owned: owned},
			deletes: map[identityconfig.Kind][]string{identityconfig.KindMembership: {"Engineers"}, identityconfig.KindUser: {"bob"},
				identityconfig.KindPermissionSet: {"Old"},
				identityconfig.KindAssignment:    {opsSandbox, aliceOps, "user:u-bob → Old in dev-001 (444444444444)"}}},
		{name: "owned but held by a grant: kept", opts: identityconfig.DiffOptions{Owned: owned, Protected: map[identityconfig.AssignmentKey]bool{oldAssignment: true}},
			deletes: map[identityconfig.Kind][]string{identityconfig.KindMembership: {"Engineers"}, identityconfig.KindUser: {"bob"},
				identityconfig.KindAssignment: {opsSandbox, aliceOps}},
			note: "permission set Old is not declared but active grants use it; it is kept"},
		{name: "owned permission set with an assignment stint did not make: kept", opts: identityconfig.DiffOptions{Owned: identityconfig.OwnershipOf(records[2:3])},
			deletes:   map[identityconfig.Kind][]string{identityconfig.KindMembership: {"Engineers"}, identityconfig.KindAssignment: {opsSandbox}},
			unmanaged: map[identityconfig.Kind]int{identityconfig.KindUser: 1, identityconfig.KindAssignment: 2},
			note:      "permission set Old was created by stint apply and is no longer declared, but 1 assignments that stint did not make use it; it is kept (remove them, or apply with --prune)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := identityconfig.Diff(r, ownedLive(), tc.opts)
			got := deletes(p)
			require.Equal(t, tc.deletes, got)
			if tc.unmanaged != nil {
				require.Equal(t, tc.unmanaged, p.Unmanaged)
			}
			if tc.note != "" {
				require.Contains(t, p.Notes, tc.note)
			}
		})
	}
}

func TestAssignmentKeyString(t *testing.T) {
	t.Parallel()
	k := identityconfig.AssignmentKey{AccountID: "111111111111", PermissionSetARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-1", PrincipalID: "u-1"}
	got, ok := identityconfig.ParseAssignmentKey(k.String())
	require.True(t, ok)
	require.Equal(t, k, got)
	for _, bad := range []string{"", "a|b", "a||c", "a|b|c|d"} {
		_, ok := identityconfig.ParseAssignmentKey(bad)
		require.False(t, ok, bad)
	}
}

func TestDiffLeavesStintManagedAlone(t *testing.T) {
	t.Parallel()
	r, err := identityconfig.Resolve(parse(t, identitiesFile), testDirectory())
	require.NoError(t, err)
	live := identitiesLive()
	live.PermissionSets = append(live.PermissionSets,
		identityconfig.LivePermissionSet{ARN: "arn:ps-stint-1", TagsKnown: true, PermissionSet: identityconfig.PermissionSet{
			Name: "stint-s3-0123456789", Description: "stint: read on S3 bucket logs in 111111111111"}},
		identityconfig.LivePermissionSet{ARN: "arn:ps-stint-2", TagsKnown: true, PermissionSet: identityconfig.PermissionSet{
			Name: "stint-ec2-0123456789", Tags: map[string]string{identityconfig.StintTagKey: "true"}}})
	live.Assignments = append(live.Assignments,
		identityconfig.LiveAssignment{AccountID: "111111111111", PermissionSetARN: "arn:ps-stint-1", PrincipalType: "USER", PrincipalID: "u-alice"})
	p := identityconfig.Diff(r, live, identityconfig.DiffOptions{Prune: true})
	for _, a := range p.Actions {
		require.NotContains(t, a.Name, "stint-", "stint's own permission sets are never planned: %s %s", a.Op, a.Name)
	}
	require.Contains(t, p.Notes, "2 permission sets that stint makes for resource grants (S3, EC2, EKS, RDS) are left alone")

	out, err := identityconfig.Export(live, testDirectory(), identityconfig.ExportOptions{})
	require.NoError(t, err)
	require.NotContains(t, string(out), "stint-s3")
	require.NotContains(t, string(out), "stint-ec2")
}
