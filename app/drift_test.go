package app_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/app"
)

// TestIdentityDrift: the server plans its identity file on a schedule. A
// clean start records no event; an assignment added behind stint's back is
// drift (event and metrics), reported once however often it is checked;
// removing it again is recorded as resolved.
func TestIdentityDrift(t *testing.T) {
	t.Parallel()
	ie := setupIdentity(t, true)
	ctx := context.Background()
	// The file is the live set-up, exported.
	exported, err := app.Export(ctx, app.ExportOptions{IdentityOptions: ie.options(t)})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(ie.dir, "identity.yaml"), exported, 0o600))
	e := &env{moto: ie.moto, org: ie.org, dir: ie.dir, extra: "identity:\n  file: identity.yaml\n  drift_interval: 1m\n"}
	m := e.start(t, ie.moto.URL())

	metric := func(name string) string {
		resp, err := http.Get(m.URL() + "/metrics")
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		for line := range strings.SplitSeq(string(body), "\n") {
			if v, ok := strings.CutPrefix(line, name+" "); ok {
				return v
			}
		}
		return ""
	}
	// The check that runs at start finds nothing.
	eventually(t, 30*time.Second, "the first scheduled drift check", func() bool {
		return metric(`stint_identity_drift_checks_total{result="clean"}`) == "1"
	})
	driftEvents := func() []*stint.Event {
		evs, err := m.Store.EventList(ctx, &stint.EventListParams{Type: stint.EventIdentityDrift})
		require.NoError(t, err)
		return evs
	}
	require.Empty(t, driftEvents())

	// Someone gives Engineers PowerUserAccess in prod-web by hand: the
	// file declares that pair in dev-001 only, so it is drift.
	sso := ssoadmin.NewFromConfig(ie.moto.AWSConfig())
	assignment := &ssoadmin.CreateAccountAssignmentInput{InstanceArn: aws.String(ie.org.InstanceARN),
		TargetType: ssotypes.TargetTypeAwsAccount, TargetId: aws.String(ie.org.Accounts["prod-web"]),
		PermissionSetArn: aws.String(ie.org.PermissionSets["PowerUserAccess"]),
		PrincipalType:    ssotypes.PrincipalTypeGroup, PrincipalId: aws.String(ie.org.Groups["Engineers"])}
	_, err = sso.CreateAccountAssignment(ctx, assignment)
	require.NoError(t, err)

	rep, err := m.CheckDrift(ctx)
	require.NoError(t, err)
	require.True(t, rep.Changed)
	require.True(t, rep.Plan.HasChanges(), "plan: %+v", rep.Plan)
	evs := driftEvents()
	require.Len(t, evs, 1)
	require.Equal(t, true, evs[0].Data["drift"])
	require.Equal(t, "system", evs[0].Actor)
	require.Contains(t, evs[0].Data["actions"], "delete assignment group:Engineers → PowerUserAccess in prod-web ("+ie.org.Accounts["prod-web"]+")")
	require.Equal(t, "1", metric(`stint_identity_drift_actions{kind="assignment",op="delete"}`))
	require.Equal(t, "1", metric(`stint_identity_drift_checks_total{result="drift"}`))

	// The same drift again: no new event.
	rep, err = m.CheckDrift(ctx)
	require.NoError(t, err)
	require.False(t, rep.Changed)
	require.Len(t, driftEvents(), 1)

	// Undone by hand: recorded as resolved, gauges back to zero.
	_, err = sso.DeleteAccountAssignment(ctx, &ssoadmin.DeleteAccountAssignmentInput{InstanceArn: assignment.InstanceArn,
		TargetType: assignment.TargetType, TargetId: assignment.TargetId, PermissionSetArn: assignment.PermissionSetArn,
		PrincipalType: assignment.PrincipalType, PrincipalId: assignment.PrincipalId})
	require.NoError(t, err)
	rep, err = m.CheckDrift(ctx)
	require.NoError(t, err)
	require.True(t, rep.Changed)
	evs = driftEvents()
	require.Len(t, evs, 2)
	require.Equal(t, false, evs[1].Data["drift"])
	require.Equal(t, "0", metric(`stint_identity_drift_actions{kind="assignment",op="delete"}`))

	// A file that stops parsing is an error, counted, and nothing else.
	require.NoError(t, os.WriteFile(filepath.Join(ie.dir, "identity.yaml"), []byte("permission_sets: {\n"), 0o600))
	_, err = m.CheckDrift(ctx)
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
	require.Equal(t, "1", metric(`stint_identity_drift_checks_total{result="error"}`))
	require.Len(t, driftEvents(), 2)
}
