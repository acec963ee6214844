package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
	"github.com/stint-dev/stint/client"
)

// TestReconcileAgainstAWS: an assignment deleted behind stint's back is
// re-created for the live grant; a stint-made assignment whose grant ended
// without removing it (here: its ledger row says present although the grant
// ended) is removed; both corrections are events.
func TestReconcileAgainstAWS(t *testing.T) {
	t.Parallel()
	e := setupEnv(t)
	clk := &clock{}
	m := e.startWith(t, e.moto.URL(), clk.hook)
	ctx := context.Background()
	heidi := e.client(t, m, "heidi@example.com")
	r, err := heidi.Submit(ctx, client.SubmitInput{Resources: []client.Resource{{Account: "dev-002", PermissionSet: "ReadOnlyAccess"}}, Duration: time.Hour, Reason: "reconcile"})
	require.NoError(t, err)
	g := onlyGrant(t, heidi, r.ID)
	eventually(t, 10*time.Second, "grant active", func() bool { return grantState(t, heidi, g.ID) == stint.GrantActive })

	// Out-of-band deletion in AWS.
	sso := ssoadmin.NewFromConfig(e.moto.AWSConfig())
	_, err = sso.DeleteAccountAssignment(ctx, &ssoadmin.DeleteAccountAssignmentInput{
		InstanceArn: aws.String(e.org.InstanceARN), PermissionSetArn: aws.String(e.org.PermissionSets["ReadOnlyAccess"]),
		PrincipalType: ssotypes.PrincipalTypeUser, PrincipalId: aws.String(e.org.Users["heidi@example.com"]),
		TargetType: ssotypes.TargetTypeAwsAccount, TargetId: aws.String(e.org.Accounts["dev-002"])})
	require.NoError(t, err)
	require.False(t, e.assigned(t, "dev-002", "ReadOnlyAccess", "heidi@example.com"))
	rep, err := m.Service.Reconcile(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, rep.Recreated)
	require.True(t, e.assigned(t, "dev-002", "ReadOnlyAccess", "heidi@example.com"))

	// The grant ends in the store only (as after a lost write); once the
	// grace has passed the reconciler removes the orphaned assignment.
	require.NoError(t, m.Store.Tx(ctx, func(tx stint.Tx) error {
		cur, err := tx.GrantGet(ctx, g.ID)
		if err != nil {
			return err
		}
		cur.State = stint.GrantEnded
		return tx.GrantUpdate(ctx, cur)
	}))
	clk.Advance(2 * access.ReconcileGrace)
	rep, err = m.Service.Reconcile(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, rep.Removed)
	require.False(t, e.assigned(t, "dev-002", "ReadOnlyAccess", "heidi@example.com"))
	bob := e.client(t, m, "bob@example.com")
	evs, err := bob.Events(ctx, client.EventsParams{Subject: g.EffectKey()})
	require.NoError(t, err)
	require.Len(t, evs, 2)
	require.Equal(t, "reconciler", evs[0].Actor)
}
