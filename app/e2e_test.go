package app_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/client"
)

// TestEndToEnd: request -> approve -> assignment visible in AWS -> expiry ->
// assignment gone, with every step in the audit trail; on both stores.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	for i, kind := range stores {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			endToEnd(t, kind, []string{"prod-payments-dr", "prod-analytics"}[i])
		})
	}
}

func endToEnd(t *testing.T, kind, account string) {
	e := setupEnv(t)
	e.useStore(t, kind)
	m := e.start(t, e.moto.URL())
	ctx := context.Background()
	alice := e.client(t, m, "alice@example.com")
	carol := e.client(t, m, "carol@example.com") // Security: approves prod-admin
	bob := e.client(t, m, "bob@example.com")     // admin

	r, err := alice.Submit(ctx, client.SubmitInput{
		Resources: []client.Resource{{Account: account, PermissionSet: "AdministratorAccess"}},
		Duration:  4 * time.Second, Reason: "INC-4211"})
	require.NoError(t, err)
	require.Equal(t, stint.RequestPending, r.State)

	_, err = alice.Approve(ctx, r.ID, "")
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err), "no self-approval")
	pending, err := carol.Requests(ctx, client.RequestsParams{Pending: true})
	require.NoError(t, err)
	require.NotEmpty(t, pending)

	_, err = carol.Approve(ctx, r.ID, "go ahead")
	require.NoError(t, err)
	g := onlyGrant(t, alice, r.ID)
	eventually(t, 10*time.Second, "grant active", func() bool { return grantState(t, alice, g.ID) == stint.GrantActive })
	require.True(t, e.assigned(t, account, "AdministratorAccess", "alice@example.com"))

	eventually(t, 15*time.Second, "grant ended", func() bool { return grantState(t, alice, g.ID) == stint.GrantEnded })
	require.False(t, e.assigned(t, account, "AdministratorAccess", "alice@example.com"))
	g, err = alice.Grant(ctx, g.ID)
	require.NoError(t, err)
	require.Equal(t, stint.EndExpired, g.EndReason)
	require.WithinDuration(t, g.EndsAt, *g.EndedAt, 5*time.Second)

	require.True(t, contains(eventTypes(t, bob, r.ID), stint.EventRequestCreated, stint.EventRequestApproved))
	require.True(t, contains(eventTypes(t, bob, g.ID), stint.EventGrantActivating, stint.EventEffectCreated,
		stint.EventGrantActive, stint.EventGrantRevoking, stint.EventEffectDeleted, stint.EventGrantEnded))

	resp, err := http.Get(m.URL() + "/metrics")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, resp.Body.Close())
	require.NoError(t, err)
	require.Contains(t, string(body), `stint_identity_center_calls_total{operation="CreateAccountAssignment"}`)
	require.Contains(t, string(body), `stint_revocation_start_lateness_seconds_count{reason="expired"} 1`)
}

// TestOverlapAndStandingAccess: two grants share one assignment; the first
// ending leaves access, the second removes it; a standing assignment survives.
func TestOverlapAndStandingAccess(t *testing.T) {
	t.Parallel()
	e := setupEnv(t)
	m := e.start(t, e.moto.URL())
	ctx := context.Background()
	heidi := e.client(t, m, "heidi@example.com")
	req := func(account, ps string, d time.Duration) *stint.Grant {
		r, err := heidi.Submit(ctx, client.SubmitInput{Resources: []client.Resource{{Account: account, PermissionSet: ps}}, Duration: d, Reason: "overlap test"})
		require.NoError(t, err)
		require.Equal(t, stint.RequestApproved, r.State)
		g := onlyGrant(t, heidi, r.ID)
		eventually(t, 10*time.Second, "grant active", func() bool { return grantState(t, heidi, g.ID) == stint.GrantActive })
		return g
	}
	short := req("sandbox-002", "ReadOnlyAccess", 3*time.Second)
	long := req("sandbox-002", "ReadOnlyAccess", 8*time.Second)
	require.True(t, e.assigned(t, "sandbox-002", "ReadOnlyAccess", "heidi@example.com"))
	eventually(t, 10*time.Second, "first grant ended", func() bool { return grantState(t, heidi, short.ID) == stint.GrantEnded })
	require.True(t, e.assigned(t, "sandbox-002", "ReadOnlyAccess", "heidi@example.com"), "the second grant still needs it")
	eventually(t, 15*time.Second, "second grant ended", func() bool { return grantState(t, heidi, long.ID) == stint.GrantEnded })
	require.False(t, e.assigned(t, "sandbox-002", "ReadOnlyAccess", "heidi@example.com"))

	// judy holds AdministratorAccess on sandbox-001 as standing access.
	judy := e.client(t, m, "judy@example.com")
	require.True(t, e.assigned(t, "sandbox-001", "AdministratorAccess", "judy@example.com"))
	r, err := judy.Submit(ctx, client.SubmitInput{Resources: []client.Resource{{Account: "sandbox-001", PermissionSet: "AdministratorAccess"}}, Duration: 2 * time.Second, Reason: "standing"})
	require.NoError(t, err)
	g := onlyGrant(t, judy, r.ID)
	eventually(t, 15*time.Second, "grant on standing access ended", func() bool { return grantState(t, judy, g.ID) == stint.GrantEnded })
	require.True(t, e.assigned(t, "sandbox-001", "AdministratorAccess", "judy@example.com"), "standing access survives")
}

// TestRevokeAndBadInput: revocation by the owner; bad input changes nothing.
func TestRevokeAndBadInput(t *testing.T) {
	t.Parallel()
	e := setupEnv(t)
	m := e.start(t, e.moto.URL())
	ctx := context.Background()
	dave := e.client(t, m, "dave@example.com")
	r, err := dave.Submit(ctx, client.SubmitInput{Resources: []client.Resource{{Account: "dev-002", PermissionSet: "ReadOnlyAccess"}}, Duration: time.Hour, Reason: "r"})
	require.NoError(t, err)
	g := onlyGrant(t, dave, r.ID)
	eventually(t, 10*time.Second, "grant active", func() bool { return grantState(t, dave, g.ID) == stint.GrantActive })
	require.True(t, e.assigned(t, "dev-002", "ReadOnlyAccess", "dave@example.com"))
	_, err = dave.Revoke(ctx, g.ID)
	require.NoError(t, err)
	eventually(t, 10*time.Second, "grant revoked", func() bool { return grantState(t, dave, g.ID) == stint.GrantEnded })
	require.False(t, e.assigned(t, "dev-002", "ReadOnlyAccess", "dave@example.com"))

	bad := []struct {
		name string
		in   client.SubmitInput
		code string
	}{
		{"unknown account", client.SubmitInput{Resources: []client.Resource{{Account: "prod-nope", PermissionSet: "ReadOnlyAccess"}}, Reason: "x"}, stint.ENOTFOUND},
		{"unknown permission set", client.SubmitInput{Resources: []client.Resource{{Account: "dev-002", PermissionSet: "Root"}}, Reason: "x"}, stint.ENOTFOUND},
		{"duration above maximum", client.SubmitInput{Resources: []client.Resource{{Account: "dev-002", PermissionSet: "ReadOnlyAccess"}}, Reason: "x", Duration: 9 * time.Hour}, stint.EINVALID},
		{"missing reason", client.SubmitInput{Resources: []client.Resource{{Account: "dev-002", PermissionSet: "ReadOnlyAccess"}}}, stint.EINVALID},
		{"outside the requester's flows", client.SubmitInput{Resources: []client.Resource{{Account: "dev-002", PermissionSet: "PowerUserAccess"}}, Reason: "x"}, stint.EFORBIDDEN},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dave.Submit(ctx, tt.in)
			require.Equal(t, tt.code, stint.ErrorCode(err), "err: %v", err)
		})
	}
	list, err := dave.Requests(ctx, client.RequestsParams{})
	require.NoError(t, err)
	require.Len(t, list, 1, "refused requests write nothing")

	_, err = client.New(m.URL(), "stint_wrong").Grants(ctx, client.GrantsParams{})
	require.Equal(t, stint.EUNAUTHORIZED, stint.ErrorCode(err))
}
