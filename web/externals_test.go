package web

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
	"github.com/stint-dev/stint/mfa"
)

type apiBroker struct{}

func (apiBroker) Issue(_ context.Context, g *stint.Grant, _ string, d time.Duration) (*stint.Credentials, error) {
	return &stint.Credentials{AccessKeyID: "ASIAAPI", SecretAccessKey: "sk", SessionToken: "st", Expiration: t0.Add(d), GrantID: g.ID, ResourceID: g.ResourceID}, nil
}

type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *stepClock) step() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(mfa.Period)
	return c.t
}

// externalEnv is setup with a flow for Acme's externals and an enrolled
// external, vera, whose API token is e.tokens["vera"].
func externalEnv(t *testing.T) (*env, string, *stepClock) {
	t.Helper()
	e := setup(t)
	ctx := context.Background()
	clk := &stepClock{t: t0}
	sealer, err := mfa.NewSealer("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	require.NoError(t, err)
	e.svc.Now = clk.Now
	e.svc.Externals = &access.Externals{Broker: apiBroker{}, Sealer: sealer, BaseURL: "https://stint.example.com"}
	e.svc.Flows = func() []stint.Flow {
		return append(testFlows(), stint.Flow{Name: "acme", Requesters: []string{"external:Acme"}, Sponsors: []string{"user:" + bob},
			MaxDuration: stint.Duration(4 * time.Hour),
			Resources:   []stint.FlowResource{{S3: &stint.S3Selector{Accounts: []string{"111111111111"}, Buckets: []string{"acme-drop"}, Levels: []string{"read"}}}}})
	}
	dir := testDirectory()
	dir.Resources = []stint.Resource{{Type: stint.ResourceS3, AccountID: "111111111111", Name: "acme-drop"}, {Type: stint.ResourceS3, AccountID: "111111111111", Name: "ledger"}}
	require.NoError(t, e.store.Tx(ctx, func(tx stint.Tx) error { return tx.DirectoryPut(ctx, dir) }))

	w := e.call("POST", "/api/v1/externals", carol, map[string]any{"email": "vera@acme.example", "org": "Acme", "sponsor": bob, "expires": "7d"})
	inv := decode[access.InviteResult](t, w, http.StatusCreated)
	require.Contains(t, inv.URL, "https://stint.example.com/external/invite?token=")
	require.Equal(t, t0.Add(7*24*time.Hour), inv.External.ExpiresAt)
	x, err := e.svc.OpenInvite(ctx, inv.Token, "r")
	require.NoError(t, err)
	key, err := e.svc.EnrolmentKey(ctx, x.ID)
	require.NoError(t, err)
	code := func() string {
		c, err := mfa.Code(key.Secret, clk.step())
		require.NoError(t, err)
		return c
	}
	_, _, err = e.svc.CompleteEnrolment(ctx, x.ID, code(), "r")
	require.NoError(t, err)
	c, err := e.svc.ExternalCaller(ctx, x.ID)
	require.NoError(t, err)
	tok, _, err := e.svc.CreateExternalToken(ctx, c, code(), "cli", "r")
	require.NoError(t, err)
	e.tokens["vera"] = tok
	return e, key.Secret, clk
}

func TestExternalsAPI(t *testing.T) {
	t.Parallel()
	e, secret, clk := externalEnv(t)
	code := func() string {
		c, err := mfa.Code(secret, clk.step())
		require.NoError(t, err)
		return c
	}

	// Listing and disabling are for admins and sponsors.
	list := decode[[]stint.External](t, e.call("GET", "/api/v1/externals?org=acme", bob, nil), http.StatusOK)
	require.Len(t, list, 1)
	require.Equal(t, "active", string(list[0].State))
	requireAPIError(t, e.call("GET", "/api/v1/externals", alice, nil), http.StatusForbidden, stint.EFORBIDDEN, "")
	requireAPIError(t, e.call("POST", "/api/v1/externals", alice, map[string]any{"email": "x@acme.example", "org": "Acme"}), http.StatusForbidden, stint.EFORBIDDEN, "")

	me := decode[Profile](t, e.call("GET", "/api/v1/me", "vera", nil), http.StatusOK)
	require.Equal(t, "vera@acme.example", me.Email)
	require.Empty(t, me.Groups)
	require.False(t, me.Admin)
	res := decode[[]stint.Eligible](t, e.call("GET", "/api/v1/resources", "vera", nil), http.StatusOK)
	require.Len(t, res, 1)
	require.Equal(t, "aws-s3:111111111111/acme-drop:read", res[0].ResourceID)

	// Nothing of the organisation: the routes beyond their own things are closed.
	for _, route := range [][2]string{
		{"GET", "/api/v1/flows"}, {"GET", "/api/v1/events?subject=x"}, {"GET", "/api/v1/who-can?resource=aws-s3:111111111111/ledger:read"},
		{"POST", "/api/v1/can"}, {"GET", "/api/v1/externals"}, {"POST", "/api/v1/requests/x/approve"}, {"POST", "/api/v1/grants/x/extend"},
	} {
		w := e.call(route[0], route[1], "vera", map[string]any{})
		requireAPIError(t, w, http.StatusForbidden, stint.EFORBIDDEN, "")
		require.NotContains(t, w.Body.String(), "prod-admin")
	}
	refused, err := e.store.EventList(context.Background(), &stint.EventListParams{Type: stint.EventExternalRefused})
	require.NoError(t, err)
	require.Len(t, refused, 7)
	requireAPIError(t, e.call("POST", "/api/v1/requests", "vera", map[string]any{"resource": "aws-s3:111111111111/ledger:read", "reason": "x", "duration": "1h"}),
		http.StatusForbidden, stint.EFORBIDDEN, "you may not request")

	r := decode[stint.Request](t, e.call("POST", "/api/v1/requests", "vera", map[string]any{"resource": "aws-s3:prod-payments/acme-drop:read",
		"reason": "export", "duration": "2h"}), http.StatusCreated)
	require.Equal(t, stint.RequestPending, r.State)
	decode[stint.Request](t, e.call("POST", "/api/v1/requests/"+r.ID+"/approve", bob, map[string]any{}), http.StatusOK)
	grants := decode[[]stint.Grant](t, e.call("GET", "/api/v1/grants", "vera", nil), http.StatusOK)
	require.Len(t, grants, 1)
	require.NoError(t, e.svc.Activate(context.Background(), grants[0].ID))

	requireAPIError(t, e.call("POST", "/api/v1/credentials", "vera", map[string]any{"grant_id": grants[0].ID}), http.StatusBadRequest, stint.EINVALID, "")
	requireAPIError(t, e.call("POST", "/api/v1/credentials", "vera", map[string]any{"grant_id": grants[0].ID, "code": "000000"}), http.StatusUnauthorized, stint.EUNAUTHORIZED, "")
	creds := decode[stint.Credentials](t, e.call("POST", "/api/v1/credentials", "vera", map[string]any{"resource": grants[0].ResourceID, "code": code()}), http.StatusOK)
	require.Equal(t, "ASIAAPI", creds.AccessKeyID)
	require.Equal(t, "st", creds.SessionToken)
	requireAPIError(t, e.call("POST", "/api/v1/credentials", alice, map[string]any{"grant_id": grants[0].ID, "code": "123456"}), http.StatusForbidden, stint.EFORBIDDEN, "")

	// Disabling closes the token at once.
	decode[stint.External](t, e.call("POST", "/api/v1/externals/vera@acme.example/disable", bob, map[string]any{}), http.StatusOK)
	requireAPIError(t, e.call("GET", "/api/v1/me", "vera", nil), http.StatusUnauthorized, stint.EUNAUTHORIZED, "")
}
