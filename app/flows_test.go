package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/client"
)

// TestTwoStepQuorumFlow: a flow with a ticket rule and two ordered steps, the
// second needing two distinct approvers; no one approves twice and the
// requester never approves; access is granted once the last step is done.
func TestTwoStepQuorumFlow(t *testing.T) {
	t.Parallel()
	e := setupEnv(t)
	m := e.start(t, e.moto.URL())
	ctx := context.Background()
	bob := e.client(t, m, "bob@example.com") // Payments
	in := client.SubmitInput{Resources: []client.Resource{{Account: "prod-payments", PermissionSet: "PowerUserAccess"}},
		Duration: time.Hour, Reason: "deploy hotfix"}
	_, err := bob.Submit(ctx, in)
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err), "the flow requires a ticket")
	in.Ticket = "JIRA-1"
	_, err = bob.Submit(ctx, in)
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err), "the ticket must match the pattern")
	in.Ticket = "CHG-1234"
	r, err := bob.Submit(ctx, in)
	require.NoError(t, err)
	require.Equal(t, stint.RequestPending, r.State)
	require.Len(t, r.Steps, 2)

	frank := e.client(t, m, "frank@example.com") // Approvers, Admins
	carol := e.client(t, m, "carol@example.com") // Security, Approvers
	grace := e.client(t, m, "grace@example.com") // Security, Admins
	alice := e.client(t, m, "alice@example.com") // Payments: not an approver

	_, err = alice.Approve(ctx, r.ID, "")
	require.Equal(t, stint.ENOTFOUND, stint.ErrorCode(err), "not an approver: the request is not even visible")
	_, err = bob.Approve(ctx, r.ID, "")
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err), "never the requester")
	_, err = grace.Approve(ctx, r.ID, "")
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err), "grace is not in the first step")

	r, err = frank.Approve(ctx, r.ID, "step 1")
	require.NoError(t, err)
	require.Equal(t, stint.RequestPending, r.State)
	_, err = frank.Approve(ctx, r.ID, "again")
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err), "a person counts once")
	r, err = carol.Approve(ctx, r.ID, "security 1/2")
	require.NoError(t, err)
	require.Equal(t, stint.RequestPending, r.State, "quorum 2 needs a second approver")
	r, err = grace.Approve(ctx, r.ID, "security 2/2")
	require.NoError(t, err)
	require.Equal(t, stint.RequestApproved, r.State)
	require.Equal(t, []string{"frank@example.com"}, r.Steps[0].Approvals)
	require.Equal(t, []string{"carol@example.com", "grace@example.com"}, r.Steps[1].Approvals)

	g := onlyGrant(t, bob, r.ID)
	eventually(t, 15*time.Second, "grant active", func() bool { return grantState(t, bob, g.ID) == stint.GrantActive })
	require.True(t, e.assigned(t, "prod-payments", "PowerUserAccess", "bob@example.com"))
	_, err = bob.Revoke(ctx, g.ID)
	require.NoError(t, err)
	eventually(t, 15*time.Second, "grant ended", func() bool { return grantState(t, bob, g.ID) == stint.GrantEnded })
	require.False(t, e.assigned(t, "prod-payments", "PowerUserAccess", "bob@example.com"))
}

// TestBundle: one request for a bundle of five accounts; all five are
// granted and expire together.
func TestBundle(t *testing.T) {
	t.Parallel()
	e := setupEnv(t)
	m := e.start(t, e.moto.URL())
	ctx := context.Background()
	heidi := e.client(t, m, "heidi@example.com") // OnCall
	r, err := heidi.Submit(ctx, client.SubmitInput{Bundle: "sandboxes-and-dev", Duration: 5 * time.Second, Reason: "incident sweep"})
	require.NoError(t, err)
	require.Equal(t, stint.RequestApproved, r.State)
	require.Len(t, r.Resources, 5)
	accounts := []string{"sandbox-001", "sandbox-002", "sandbox-003", "dev-001", "dev-002"}
	eventually(t, 20*time.Second, "five grants active", func() bool {
		list, err := heidi.Grants(ctx, client.GrantsParams{})
		require.NoError(t, err)
		n := 0
		for _, g := range list {
			if g.RequestID == r.ID && g.State == stint.GrantActive {
				n++
			}
		}
		return n == 5
	})
	for _, a := range accounts {
		require.True(t, e.assigned(t, a, "PowerUserAccess", "heidi@example.com"), a)
	}
	eventually(t, 20*time.Second, "all five ended", func() bool {
		for _, a := range accounts {
			if e.assigned(t, a, "PowerUserAccess", "heidi@example.com") {
				return false
			}
		}
		return true
	})
}
