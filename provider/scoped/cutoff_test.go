package scoped_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/internal/faultproxy"
	"github.com/stint-dev/stint/provider/scoped"
)

// TestCutoff: revoking with cut-off denies the user's sessions issued so
// far through the permission set's policy, provisioned to the account;
// other users keep their assignment and are not named; statements old
// enough to match no session are dropped when the policy is next written.
// (moto neither has the AWSReservedSSO roles nor enforces IAM policies, so
// this checks what AWS is told, not what it then refuses.)
func TestCutoff(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	acct := newAccount()
	bucket := "cut-" + acct
	alice := effect(stint.ResourceS3, acct, bucket, "write", "user-alice", "alice", nil)
	bob := effect(stint.ResourceS3, acct, bucket, "write", "user-bob", "bob", nil)
	carol := effect(stint.ResourceS3, acct, bucket, "write", "user-carol", "carol", nil)
	for _, eff := range []*stint.Effect{alice, bob, carol} {
		require.NoError(t, e.p.Grant(ctx, eff))
	}
	perm, err := e.p.Permission(alice)
	require.NoError(t, err)
	name := scoped.PermissionSetName(perm)

	// Provisioning takes a few polls, as on AWS.
	e.proxy.RewriteStatus(faultproxy.StatusRule{Kind: faultproxy.Provisioning, InProgressPolls: 2})
	e.proxy.ResetCounts()
	alice.Spec["cutoff"] = "true"
	require.NoError(t, e.p.Revoke(ctx, alice))
	aliceAt := scoped.CutoffTime(e.clock.Now())
	st := e.state(t, name)
	requirePolicy(t, perm.Policy, st.Policy, cutoffStatement(1, aliceAt, "alice"))
	require.Equal(t, []string{"user-bob", "user-carol"}, e.assigned(t, acct, st.ARN))
	require.Equal(t, []string{acct}, st.Provisioned, "the role has the cut-off")
	require.Empty(t, st.Behind)
	require.Equal(t, 1, e.proxy.Count("ProvisionPermissionSet"))
	require.Equal(t, 3, e.proxy.Count("DescribePermissionSetProvisioningStatus"), "two in progress, then done")
	e.proxy.Clear()

	// Granting again keeps the cut-off: alice's old sessions stay denied.
	require.NoError(t, e.p.Grant(ctx, alice))
	st = e.state(t, name)
	requirePolicy(t, perm.Policy, st.Policy, cutoffStatement(1, aliceAt, "alice"))
	require.Equal(t, []string{"user-alice", "user-bob", "user-carol"}, e.assigned(t, acct, st.ARN))

	// Half an hour later bob is cut off too: both statements hold.
	e.clock.Advance(30 * time.Minute)
	bob.Spec["cutoff"] = "true"
	require.NoError(t, e.p.Revoke(ctx, bob))
	bobAt := scoped.CutoffTime(e.clock.Now())
	st = e.state(t, name)
	requirePolicy(t, perm.Policy, st.Policy, cutoffStatement(1, aliceAt, "alice"), cutoffStatement(2, bobAt, "bob"))

	// An hour after alice's cut-off no session it could deny is left: the
	// next write drops it. A plain revoke writes nothing.
	e.clock.Advance(45 * time.Minute)
	require.NoError(t, e.p.Revoke(ctx, carol))
	requirePolicy(t, perm.Policy, e.state(t, name).Policy, cutoffStatement(1, aliceAt, "alice"), cutoffStatement(2, bobAt, "bob"))
	alice.Spec["cutoff"] = "true"
	require.NoError(t, e.p.Revoke(ctx, alice))
	aliceAt2 := scoped.CutoffTime(e.clock.Now())
	st = e.state(t, name)
	requirePolicy(t, perm.Policy, st.Policy, cutoffStatement(1, bobAt, "bob"), cutoffStatement(2, aliceAt2, "alice"))
	require.Empty(t, e.assigned(t, acct, st.ARN))

	// Revoking again with cut-off (a retried revocation) cuts off again.
	e.clock.Advance(time.Minute)
	require.NoError(t, e.p.Revoke(ctx, alice))
	requirePolicy(t, perm.Policy, e.state(t, name).Policy, cutoffStatement(1, bobAt, "bob"), cutoffStatement(2, scoped.CutoffTime(e.clock.Now()), "alice"))
}

// TestCutoffWithoutAUserName: the assignment is deleted all the same, and
// the error says the sessions were not cut off.
func TestCutoffWithoutAUserName(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	acct := newAccount()
	eff := effect(stint.ResourceS3, acct, "nameless-"+acct, "read", "user-x", "", map[string]string{"cutoff": "true"})
	require.NoError(t, e.p.Grant(ctx, eff))
	err := e.p.Revoke(ctx, eff)
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err), "%v", err)
	require.ErrorContains(t, err, "sessions already issued were not cut off")
	ok, err := e.p.Exists(ctx, eff)
	require.NoError(t, err)
	require.False(t, ok)
}

// TestCutoffProvisioningFails: when AWS reports the provisioning FAILED,
// the revocation says so (the assignment is already gone), and calling it
// again finishes the cut-off.
func TestCutoffProvisioningFails(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	acct := newAccount()
	eff := effect(stint.ResourceEC2, acct, "i-0123456789abcdef0", "", "user-1", "dana", map[string]string{"cutoff": "true"})
	keep := effect(stint.ResourceEC2, acct, "i-0123456789abcdef0", "", "user-2", "erin", nil)
	require.NoError(t, e.p.Grant(ctx, eff))
	require.NoError(t, e.p.Grant(ctx, keep))
	perm, err := e.p.Permission(eff)
	require.NoError(t, err)
	name := scoped.PermissionSetName(perm)

	e.proxy.RewriteStatus(faultproxy.StatusRule{Kind: faultproxy.Provisioning, InProgressPolls: 1, FailureReason: "Role update in progress"})
	err = e.p.Revoke(ctx, eff)
	require.Error(t, err)
	require.ErrorContains(t, err, "assignment deleted; cut off sessions of dana")
	require.ErrorContains(t, err, "AWS reports FAILED: Role update in progress")
	st := e.state(t, name)
	require.Equal(t, []string{"user-2"}, e.assigned(t, acct, st.ARN))
	require.Equal(t, []string{acct}, st.Behind, "the cut-off is written, not yet provisioned")

	e.proxy.Clear()
	require.NoError(t, e.p.Revoke(ctx, eff))
	st = e.state(t, name)
	require.Equal(t, []string{acct}, st.Provisioned)
	requirePolicy(t, perm.Policy, st.Policy, cutoffStatement(1, scoped.CutoffTime(e.clock.Now()), "dana"))
}
