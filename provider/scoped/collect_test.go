package scoped_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/internal/faultproxy"
	"github.com/stint-dev/stint/provider/scoped"
)

// Tests here collect every unused permission set of their instance, so
// each has an Identity Center instance (region) of its own.
func inRegion(r string) func(*options) { return func(o *options) { o.region = r } }

// TestCollect deletes the permission sets nobody uses, once unused for
// long enough: one whose last user was revoked, and one that a failed
// grant made but never assigned; it keeps one in use, and those that are
// not stint's.
func TestCollect(t *testing.T) {
	t.Parallel()
	e := setup(t, inRegion("us-west-2"))
	ctx := t.Context()
	acct := newAccount()
	used := effect(stint.ResourceS3, acct, "used-"+acct, "read", "user-1", "u1", nil)
	unused := effect(stint.ResourceS3, acct, "unused-"+acct, "read", "user-1", "u1", nil)
	halfMade := effect(stint.ResourceEC2, acct, "i-0123456789abcdef0", "", "user-2", "u2", nil)
	require.NoError(t, e.p.Grant(ctx, used))
	require.NoError(t, e.p.Grant(ctx, unused))
	require.NoError(t, e.p.Revoke(ctx, unused))
	e.proxy.RewriteStatus(faultproxy.StatusRule{Kind: faultproxy.Creation, FailureReason: "Principal user-2 is not valid", PrincipalID: "user-2"})
	err := e.p.Grant(ctx, halfMade)
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err), "%v", err)
	e.proxy.Clear()
	names := map[*stint.Effect]string{}
	for _, eff := range []*stint.Effect{used, unused, halfMade} {
		perm, err := e.p.Permission(eff)
		require.NoError(t, err)
		names[eff] = scoped.PermissionSetName(perm)
	}
	require.Empty(t, e.assigned(t, acct, e.state(t, names[halfMade]).ARN), "made, never assigned")

	// Not stint's: named like its own but untagged, and any other.
	lookalike, other := "stint-s3-0000"+acct, "ReadOnly-"+acct
	for _, name := range []string{lookalike, other} {
		_, err := e.sso.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: aws.String(e.inst), Name: aws.String(name), SessionDuration: aws.String("PT1H")})
		require.NoError(t, err)
	}

	deleted, err := e.p.Collect(ctx, time.Hour)
	require.NoError(t, err)
	require.Empty(t, deleted, "all used within the hour")

	e.clock.Advance(2 * time.Hour)
	deleted, err = e.p.Collect(ctx, 3*time.Hour)
	require.NoError(t, err)
	require.Empty(t, deleted, "all used within three hours")
	deleted, err = e.p.Collect(ctx, time.Hour)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{names[unused], names[halfMade]}, deleted)
	require.Empty(t, e.permissionSets(t, names[unused]))
	require.Empty(t, e.permissionSets(t, names[halfMade]))
	e.state(t, names[used])
	require.Len(t, e.permissionSets(t, lookalike), 1)
	require.Len(t, e.permissionSets(t, other), 1)

	// A grant after the collection makes it again.
	require.NoError(t, e.p.Grant(ctx, unused))
	st := e.state(t, names[unused])
	require.Equal(t, []string{"user-1"}, e.assigned(t, acct, st.ARN))

	deleted, err = e.p.Collect(ctx, time.Hour)
	require.NoError(t, err)
	require.Empty(t, deleted)
}

// TestCollectKeepsWhatEnsureIsAboutToAssign: Collect waits for an Ensure of
// the same permission set that is between creating it and assigning it.
func TestCollectKeepsWhatEnsureIsAboutToAssign(t *testing.T) {
	t.Parallel()
	e := setup(t, inRegion("us-west-1"))
	ctx := t.Context()
	acct := newAccount()
	eff := effect(stint.ResourceS3, acct, "inflight-"+acct, "read", "user-1", "u1", nil)
	perm, err := e.p.Permission(eff)
	require.NoError(t, err)
	name := scoped.PermissionSetName(perm)

	aboutToAssign, proceed, collecting := make(chan struct{}), make(chan struct{}), make(chan struct{})
	scoped.SetHooks(e.p, func(n string) {
		if n == name {
			close(aboutToAssign)
			<-proceed
		}
	}, func(n string) {
		if n == name {
			close(collecting)
		}
	})
	granted := make(chan error, 1)
	go func() { granted <- e.p.Grant(ctx, eff) }()
	<-aboutToAssign
	e.clock.Advance(2 * time.Hour) // old enough to collect, were it unassigned
	type result struct {
		deleted []string
		err     error
	}
	collected := make(chan result, 1)
	go func() {
		d, err := e.p.Collect(ctx, time.Hour)
		collected <- result{d, err}
	}()
	<-collecting // Collect is at the permission set's lock
	close(proceed)
	require.NoError(t, <-granted)
	r := <-collected
	require.NoError(t, r.err)
	require.NotContains(t, r.deleted, name)
	require.Equal(t, []string{"user-1"}, e.assigned(t, acct, e.state(t, name).ARN))
}

// TestDeletedByAnotherProcess: a permission set that another process
// collected is made again by the next grant, though this process still
// knew its ARN.
func TestDeletedByAnotherProcess(t *testing.T) {
	t.Parallel()
	e := setup(t, inRegion("eu-west-1"))
	ctx := t.Context()
	acct := newAccount()
	eff := effect(stint.ResourceRDS, acct, "orders-db", "app_rw", "user-1", "u1", map[string]string{"dbi_resource_id": "db-ABCDEFGHIJKLMNOP"})
	require.NoError(t, e.p.Grant(ctx, eff))
	require.NoError(t, e.p.Revoke(ctx, eff))
	perm, err := e.p.Permission(eff)
	require.NoError(t, err)
	name := scoped.PermissionSetName(perm)
	old := e.state(t, name).ARN

	other := setup(t, inRegion("eu-west-1"))
	other.clock.Advance(2 * time.Hour)
	deleted, err := other.p.Collect(ctx, time.Hour)
	require.NoError(t, err)
	require.Equal(t, []string{name}, deleted)

	e.proxy.ResetCounts()
	require.NoError(t, e.p.Grant(ctx, eff))
	require.Equal(t, 1, e.proxy.Count("GetInlinePolicyForPermissionSet"), "of the known ARN; the new one has nothing to read")
	require.Equal(t, 1, e.proxy.Count("CreatePermissionSet"))
	st := e.state(t, name)
	require.NotEqual(t, old, st.ARN)
	require.Equal(t, []string{"user-1"}, e.assigned(t, acct, st.ARN))
	require.Equal(t, []string{acct}, st.Provisioned)
}
