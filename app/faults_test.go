package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/client"
	"github.com/stint-dev/stint/internal/faultproxy"
)

// TestFaults: Identity Center throttles, answers 5xx, reports IN_PROGRESS for
// a while and FAILED once; grants and revocations still complete.
func TestFaults(t *testing.T) {
	t.Parallel()
	e := setupEnv(t)
	proxy := faultproxy.Start(t, e.moto.URL())
	m := e.start(t, proxy.URL())
	t.Cleanup(func() {
		if t.Failed() {
			for _, c := range proxy.Calls() {
				t.Logf("call %s %s status=%d fault=%v", c.At.Format("15:04:05.000"), c.Op, c.Status, c.Fault)
			}
		}
	})
	ctx := context.Background()
	alice := e.client(t, m, "alice@example.com")
	aliceID := e.org.Users["alice@example.com"]

	proxy.Inject(faultproxy.Rule{Op: "CreateAccountAssignment", Fault: faultproxy.Throttle, Times: 3})
	proxy.Inject(faultproxy.Rule{Op: "DeleteAccountAssignment", Fault: faultproxy.InternalError, Times: 2})
	proxy.Inject(faultproxy.Rule{Op: "DescribeAccountAssignmentCreationStatus", Fault: faultproxy.Unavailable, Times: 2})
	proxy.RewriteStatus(faultproxy.StatusRule{Kind: faultproxy.Creation, InProgressPolls: 3, PrincipalID: aliceID})
	proxy.RewriteStatus(faultproxy.StatusRule{Kind: faultproxy.Deletion, InProgressPolls: 3, PrincipalID: aliceID})

	r, err := alice.Submit(ctx, client.SubmitInput{Resources: []client.Resource{{Account: "sandbox-002", PermissionSet: "AdministratorAccess"}}, Duration: 10 * time.Second, Reason: "faults"})
	require.NoError(t, err)
	g := onlyGrant(t, alice, r.ID)
	eventually(t, 30*time.Second, "grant active despite faults", func() bool { return grantState(t, alice, g.ID) == stint.GrantActive })
	require.True(t, e.assigned(t, "sandbox-002", "AdministratorAccess", "alice@example.com"))
	eventually(t, 30*time.Second, "grant ended despite faults", func() bool { return grantState(t, alice, g.ID) == stint.GrantEnded })
	require.False(t, e.assigned(t, "sandbox-002", "AdministratorAccess", "alice@example.com"))
	require.GreaterOrEqual(t, proxy.Count("CreateAccountAssignment"), 4, "throttled calls were retried")
	require.GreaterOrEqual(t, proxy.Count("DescribeAccountAssignmentCreationStatus"), 4, "IN_PROGRESS was polled")

	// FAILED: the grant is marked failed with AWS's reason, then retried.
	proxy.Clear()
	proxy.RewriteStatus(faultproxy.StatusRule{Kind: faultproxy.Creation, FailureReason: "Simulated: permission set not provisioned", PrincipalID: aliceID})
	r, err = alice.Submit(ctx, client.SubmitInput{Resources: []client.Resource{{Account: "sandbox-001", PermissionSet: "ReadOnlyAccess"}}, Duration: time.Hour, Reason: "faults"})
	require.NoError(t, err)
	g = onlyGrant(t, alice, r.ID)
	eventually(t, 20*time.Second, "grant failed", func() bool { return grantState(t, alice, g.ID) == stint.GrantFailed })
	g, err = alice.Grant(ctx, g.ID)
	require.NoError(t, err)
	require.Contains(t, g.LastError, "Simulated: permission set not provisioned")
	proxy.Clear()
	eventually(t, 20*time.Second, "failed grant retried to active", func() bool { return grantState(t, alice, g.ID) == stint.GrantActive })
	_, err = alice.Revoke(ctx, g.ID)
	require.NoError(t, err)
	eventually(t, 20*time.Second, "grant revoked", func() bool { return grantState(t, alice, g.ID) == stint.GrantEnded })
	require.False(t, e.assigned(t, "sandbox-001", "ReadOnlyAccess", "alice@example.com"))
}
