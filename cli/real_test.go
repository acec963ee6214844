package cli_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
	"github.com/stint-dev/stint/cli"
	"github.com/stint-dev/stint/store/sqlite"
	"github.com/stint-dev/stint/web"
)

// nopProvider succeeds at everything; these tests are about the CLI.
type nopProvider struct{}

func (nopProvider) Grant(context.Context, *stint.Effect) error          { return nil }
func (nopProvider) Revoke(context.Context, *stint.Effect) error         { return nil }
func (nopProvider) Exists(context.Context, *stint.Effect) (bool, error) { return false, nil }
func (nopProvider) Directory(context.Context) (*stint.Directory, error) { return realDirectory(), nil }

func realDirectory() *stint.Directory {
	return &stint.Directory{
		InstanceARN: "arn:aws:sso:::instance/ssoins-1", IdentityStoreID: "d-1",
		Users: []stint.User{
			{ID: "u-alice", UserName: "alice", Email: "alice@example.com", Groups: []string{"Engineers"}},
			{ID: "u-bob", UserName: "bob", Email: "bob@example.com", Groups: []string{"Approvers"}},
			{ID: "u-carol", UserName: "carol", Email: "carol@example.com", Groups: []string{"Security"}},
		},
		Accounts: []stint.Account{
			{ID: "111111111111", Name: "prod-payments", OUPath: "Prod"},
			{ID: "222222222222", Name: "dev-sandbox", OUPath: "Dev"},
		},
		PermissionSets: []stint.PermissionSet{
			{ARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-admin", Name: "AdministratorAccess"},
			{ARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-ro", Name: "ReadOnly"},
		},
	}
}

// realServer runs the real web handler on a real service and SQLite store
// and returns its URL and a token per user.
func realServer(t *testing.T) (string, map[string]string) {
	t.Helper()
	return realServerWith(t, func() []stint.Flow {
		return []stint.Flow{
			{Name: "prod-admin", Requesters: []string{"group:Engineers"}, Approvers: []string{"group:Approvers"},
				MaxDuration: stint.Duration(4 * time.Hour), Resources: []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{
					Accounts: []string{"ou:Prod"}, PermissionSets: []string{"AdministratorAccess"}}}}},
			{Name: "dev-auto", Requesters: []string{"group:Engineers"}, AutoApprove: true,
				MaxDuration: stint.Duration(8 * time.Hour), Resources: []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{
					Accounts: []string{"222222222222"}, PermissionSets: []string{"ReadOnly"}}}}},
		}
	})
}

// realServerWith is realServer with the flows given.
func realServerWith(t *testing.T, flows func() []stint.Flow) (string, map[string]string) {
	t.Helper()
	ctx := context.Background()
	store := sqlite.OpenTest(t)
	svc := &access.Service{
		Store: store, Provider: nopProvider{},
		Flows:  flows,
		Admins: func() []string { return []string{"carol@example.com"} },
		Now:    func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	t.Cleanup(svc.Wait)
	tokens := map[string]string{}
	require.NoError(t, store.Tx(ctx, func(tx stint.Tx) error {
		if err := tx.DirectoryPut(ctx, realDirectory()); err != nil {
			return err
		}
		for _, u := range []string{"alice", "bob", "carol"} {
			secret, hash := stint.NewTokenSecret()
			tokens[u] = secret
			if err := tx.TokenCreate(ctx, &stint.Token{ID: stint.NewID(), Hash: hash, UserEmail: u + "@example.com", CreatedAt: now}); err != nil {
				return err
			}
		}
		return nil
	}))
	srv := httptest.NewServer(web.New(web.Config{Service: svc, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(srv.Close)
	return srv.URL, tokens
}

func TestAgainstRealServer(t *testing.T) {
	t.Parallel()
	url, tokens := realServer(t)
	as := func(user string, args ...string) result {
		t.Helper()
		return runCLI(t, cli.Options{}, map[string]string{"STINT_SERVER": url, "STINT_TOKEN": tokens[user]}, args...)
	}
	jsonOf := func(t *testing.T, res result, v any) {
		t.Helper()
		require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
		require.NoError(t, json.Unmarshal([]byte(res.stdout), v), res.stdout)
	}

	var eligible []stint.Eligible
	jsonOf(t, as("alice", "resources", "-o", "json"), &eligible)
	require.Len(t, eligible, 2)

	var auto stint.Request
	jsonOf(t, as("alice", "request", "dev-sandbox", "ReadOnly", "--for", "2h", "--reason", "debugging", "-o", "json"), &auto)
	require.Equal(t, stint.RequestApproved, auto.State)
	require.Equal(t, stint.Duration(2*time.Hour), auto.Duration)

	var pending stint.Request
	jsonOf(t, as("alice", "request", "111111111111", "AdministratorAccess", "--for", "1h", "--reason", "INC-4211", "-o", "json"), &pending)
	require.Equal(t, stint.RequestPending, pending.State)

	var toReview []stint.Request
	jsonOf(t, as("bob", "requests", "--pending", "-o", "json"), &toReview)
	require.Len(t, toReview, 1)
	require.Equal(t, pending.ID, toReview[0].ID)

	res := as("alice", "approve", pending.ID)
	require.Equal(t, 4, res.code, "forbidden: own request")
	require.Equal(t, "stint: you cannot review your own request\n", res.stderr)

	var approved stint.Request
	jsonOf(t, as("bob", "approve", pending.ID, "--comment", "ok", "-o", "json"), &approved)
	require.Equal(t, stint.RequestApproved, approved.State)

	res = as("bob", "approve", pending.ID)
	require.Equal(t, 6, res.code, "conflict: approved already; stderr: %s", res.stderr)

	var grants []map[string]any
	jsonOf(t, as("alice", "grants", "-o", "json"), &grants)
	require.Len(t, grants, 2)
	for _, g := range grants {
		for _, k := range []string{"id", "request_id", "user", "account_id", "permission_set", "state", "starts_at", "ends_at"} {
			require.Contains(t, g, k)
		}
	}
	var prodGrant string
	for _, g := range grants {
		if g["request_id"] == pending.ID {
			prodGrant = g["id"].(string)
		}
	}
	require.NotEmpty(t, prodGrant)

	res = as("alice", "grants")
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stdout, "prod-payments")

	var extended stint.Grant
	jsonOf(t, as("alice", "extend", prodGrant, "--for", "30m", "-o", "json"), &extended)
	require.Equal(t, 1, extended.Extensions)

	res = as("alice", "extend", prodGrant, "--for", "8h")
	require.Equal(t, 2, res.code, "invalid: past the flow's maximum; stderr: %s", res.stderr)

	var revoked stint.Grant
	jsonOf(t, as("alice", "revoke", prodGrant, "-o", "json"), &revoked)
	require.Equal(t, "alice@example.com", revoked.RevokedBy)

	var me map[string]any
	jsonOf(t, as("carol", "whoami", "-o", "json"), &me)
	require.Equal(t, "carol@example.com", me["email"])
	require.Equal(t, true, me["admin"])

	var events []stint.Event
	jsonOf(t, as("carol", "audit", "--since", "1h", "-o", "json"), &events)
	require.NotEmpty(t, events)
	jsonOf(t, as("alice", "audit", "--subject", pending.ID, "-o", "json"), &events)
	require.Equal(t, stint.EventRequestCreated, events[0].Type)

	res = as("alice", "audit")
	require.Equal(t, 4, res.code, "forbidden: only admins list every event")

	res = as("alice", "requests", "01JNOSUCHREQUEST00000000000")
	require.Equal(t, 2, res.code)
	res = runCLI(t, cli.Options{}, map[string]string{"STINT_SERVER": url, "STINT_TOKEN": "stint_bogus"}, "whoami")
	require.Equal(t, 3, res.code)
	require.Equal(t, "stint: invalid API token\n", res.stderr)

	res = as("alice", "cancel", "01JNOSUCHREQUEST00000000000")
	require.Equal(t, 5, res.code, "not found; stderr: %s", res.stderr)
}
