package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
	"github.com/stint-dev/stint/mfa"
	"github.com/stint-dev/stint/web/portal"
)

// portalBroker answers with fixed credentials.
type portalBroker struct{}

func (portalBroker) Issue(_ context.Context, g *stint.Grant, _ string, d time.Duration) (*stint.Credentials, error) {
	return &stint.Credentials{AccessKeyID: "ASIAPORTALEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		SessionToken: "FwoGZXIvYXdzEXAMPLETOKEN", Expiration: g.EndsAt, Region: "eu-west-1",
		GrantID: g.ID, ResourceID: g.ResourceID}, nil
}

const acmeBucket = "aws-s3:111111111111/acme-exchange:read"

// setupExternals is setup with a flow for Acme's externals (bob sponsors
// it), the bucket it offers, and the portal's external pages.
func setupExternals(t *testing.T) *env {
	t.Helper()
	e := setup(t, func(c *portal.Config) { c.Externals = &portal.ExternalsConfig{APIURL: "https://stint.example.com"} })
	sealer, err := mfa.NewSealer("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	require.NoError(t, err)
	e.svc.Externals = &access.Externals{Broker: portalBroker{}, Sealer: sealer, BaseURL: e.srv.URL}
	e.svc.Flows = func() []stint.Flow {
		return append(testFlows(), stint.Flow{Name: "acme-exchange", Requesters: []string{"external:Acme"}, Sponsors: []string{"user:" + bob},
			MaxDuration: stint.Duration(4 * time.Hour),
			Resources: []stint.FlowResource{{S3: &stint.S3Selector{Accounts: []string{"111111111111"}, Buckets: []string{"acme-exchange"},
				Levels: []string{"read"}}}}})
	}
	dir := testDirectory()
	dir.Resources = []stint.Resource{{Type: stint.ResourceS3, AccountID: "111111111111", Name: "acme-exchange"},
		{Type: stint.ResourceS3, AccountID: "111111111111", Name: "payments-ledger"}}
	require.NoError(t, e.store.Tx(t.Context(), func(tx stint.Tx) error { return tx.DirectoryPut(t.Context(), dir) }))
	return e
}

// code moves the clock to the next TOTP step and returns its code.
func (e *env) code(secret string) string {
	e.t.Helper()
	e.advance(mfa.Period)
	c, err := mfa.Code(secret, e.now())
	require.NoError(e.t, err)
	return c
}

var (
	inviteToken  = regexp.MustCompile(`stinv_[A-Za-z0-9_-]+`)
	recoveryCode = regexp.MustCompile(`[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}`)
	apiToken     = regexp.MustCompile(`stint_[A-Za-z0-9_-]{20,}`)
)

// inviteVera has carol (an admin) invite vera; it returns the link's path.
func inviteVera(t *testing.T, e *env) string {
	t.Helper()
	inv, err := e.svc.Invite(t.Context(), mustCaller(t, e, carol), access.InviteInput{Email: "vera@acme.example", Org: "Acme", Sponsor: bob})
	require.NoError(t, err)
	u, err := url.Parse(inv.URL)
	require.NoError(t, err)
	return u.RequestURI()
}

// enrolVera goes through the invite and enrolment in a browser and
// returns it, signed in, with vera's TOTP secret.
func enrolVera(t *testing.T, e *env) (*browser, string) {
	t.Helper()
	v := e.anonymous()
	status, body := v.get(inviteVera(t, e))
	require.Equal(t, http.StatusOK, status)
	token := inviteToken.FindString(body)
	status, _, resp := v.post("/external/invite", url.Values{"token": {token}})
	require.Equal(t, http.StatusSeeOther, status)
	require.Equal(t, "/external/enrol", resp.Header.Get("Location"))
	v.get("/external/enrol")
	x, err := e.store.ExternalGetByEmail(t.Context(), "vera@acme.example")
	require.NoError(t, err)
	key, err := e.svc.EnrolmentKey(t.Context(), x.ID)
	require.NoError(t, err)
	status, body, _ = v.post("/external/enrol", url.Values{"code": {e.code(key.Secret)}})
	require.Equal(t, http.StatusOK, status, body)
	return v, key.Secret
}

func TestExternalPages(t *testing.T) {
	e := setupExternals(t)
	link := inviteVera(t, e)
	require.True(t, strings.HasPrefix(link, "/external/invite?token=stinv_"), link)

	v := e.anonymous()
	status, body := v.get(link)
	require.Equal(t, http.StatusOK, status)
	token := inviteToken.FindString(body)
	require.NotEmpty(t, token, "the form carries the token, not the URL")
	golden(t, "external-invite", inviteToken.ReplaceAllString(body, "TOKEN"))
	require.Zero(t, eventCount(t, e, stint.EventExternalInviteOpened), "looking at the invite uses nothing up")

	status, _, resp := v.post("/external/invite", url.Values{"token": {token}})
	require.Equal(t, http.StatusSeeOther, status)
	require.Equal(t, "/external/enrol", resp.Header.Get("Location"))

	// Single use: a second browser with the same link gets nowhere.
	other := e.anonymous()
	status, _ = other.get(link)
	require.Equal(t, http.StatusForbidden, status)
	other.get("/external/login") // a session for the form
	status, body, _ = other.post("/external/invite", url.Values{"token": {token}})
	require.Equal(t, http.StatusForbidden, status)
	require.Contains(t, body, "used already")
	status, _ = other.get("/external/enrol")
	require.Equal(t, http.StatusForbidden, status)

	status, body = v.get("/external/enrol")
	require.Equal(t, http.StatusOK, status)
	x, err := e.store.ExternalGetByEmail(t.Context(), "vera@acme.example")
	require.NoError(t, err)
	key, err := e.svc.EnrolmentKey(t.Context(), x.ID)
	require.NoError(t, err)
	secretShown := regexp.MustCompile(`<code class="secret">([A-Z2-7 ]+)</code>`).FindStringSubmatch(body)
	require.Len(t, secretShown, 2)
	require.Equal(t, key.Secret, strings.ReplaceAll(secretShown[1], " ", ""), "the secret, as text")
	golden(t, "external-enrol", strings.Replace(body, secretShown[1], "SECRET", 1))
	resp = v.do("GET", "/external/enrol/qr.png", nil, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "image/png", resp.Header.Get("Content-Type"))
	require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	require.Equal(t, "\x89PNG", v.read(resp)[:4], "and as a QR code")

	status, body, _ = v.post("/external/enrol", url.Values{"code": {"000000"}})
	require.Equal(t, http.StatusUnauthorized, status)
	require.Contains(t, body, "That code did not verify")
	status, body, _ = v.post("/external/enrol", url.Values{"code": {e.code(key.Secret)}})
	require.Equal(t, http.StatusOK, status)
	codes := recoveryCode.FindAllString(body, -1)
	require.Len(t, codes, stint.RecoveryCodes)
	golden(t, "external-recovery", recoveryCode.ReplaceAllString(body, "xxxx-xxxx-xxxx-xxxx"))
	x, err = e.store.ExternalGet(t.Context(), x.ID)
	require.NoError(t, err)
	require.NotContains(t, strings.Join(x.RecoveryHashes, ","), codes[0], "stored as hashes")

	status, body = v.get("/external/")
	require.Equal(t, http.StatusOK, status)
	golden(t, "external-home-empty", body)

	status, _, resp = v.post("/external/request", url.Values{"resource": {acmeBucket}, "duration": {"2h"}, "reason": {"nightly export"}})
	require.Equal(t, http.StatusSeeOther, status)
	require.Equal(t, "/external/?done=submitted", resp.Header.Get("Location"))

	// The sponsor approves in the internal portal.
	b := e.signIn(bob)
	status, body = b.get("/approvals")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "<strong>External user</strong> of Acme, sponsored by bob@example.com")
	reqs, err := e.store.RequestList(t.Context(), &stint.RequestListParams{RequesterID: x.ID})
	require.NoError(t, err)
	require.Len(t, reqs, 1)
	status, _, _ = b.post("/requests/"+reqs[0].ID+"/approve", url.Values{"comment": {"ok"}, "return": {"/approvals"}})
	require.Equal(t, http.StatusSeeOther, status)
	g := grantOf(t, e, reqs[0].ID)
	require.NoError(t, e.svc.Activate(t.Context(), g.ID))
	e.advance(10 * time.Minute)

	status, body = v.get("/external/?done=submitted")
	require.Equal(t, http.StatusOK, status)
	golden(t, "external-home", body)

	status, body = v.get("/external/grants/" + g.ID + "/credentials")
	require.Equal(t, http.StatusOK, status)
	golden(t, "external-credentials-ask", body)
	status, body, _ = v.post("/external/grants/"+g.ID+"/credentials", url.Values{"code": {"111111"}})
	require.Equal(t, http.StatusUnauthorized, status)
	require.Contains(t, body, "that code is wrong")
	status, body, resp = v.post("/external/grants/"+g.ID+"/credentials", url.Values{"code": {e.code(key.Secret)}})
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	golden(t, "external-credentials", body)

	status, body = v.get("/external/cli")
	require.Equal(t, http.StatusOK, status)
	golden(t, "external-cli", body)
	status, body, _ = v.post("/external/cli", url.Values{"name": {"laptop"}, "code": {e.code(key.Secret)}})
	require.Equal(t, http.StatusOK, status)
	tok := apiToken.FindString(body)
	require.NotEmpty(t, tok)
	golden(t, "external-cli-token", strings.ReplaceAll(body, tok, "stint_TOKEN"))
	c, err := e.svc.Authenticate(t.Context(), tok)
	require.NoError(t, err)
	require.Equal(t, x.ID, c.User.ID)

	status, _, resp = v.post("/logout", nil)
	require.Equal(t, http.StatusSeeOther, status)
	require.Equal(t, "/external/login", resp.Header.Get("Location"))
	anon := e.anonymous()
	status, body = anon.get("/external/login")
	require.Equal(t, http.StatusOK, status)
	golden(t, "external-login", body)
	status, body = anon.get("/external/recover")
	require.Equal(t, http.StatusOK, status)
	golden(t, "external-recover", body)

	// Sign in again; a recovery code resets the authenticator.
	status, _, resp = anon.post("/external/login", url.Values{"email": {"vera@acme.example"}, "code": {e.code(key.Secret)}})
	require.Equal(t, http.StatusSeeOther, status)
	require.Equal(t, "/external/", resp.Header.Get("Location"))
	r2 := e.anonymous()
	r2.get("/external/recover")
	status, _, resp = r2.post("/external/recover", url.Values{"email": {"vera@acme.example"}, "recovery_code": {codes[2]}})
	require.Equal(t, http.StatusSeeOther, status)
	require.Equal(t, "/external/enrol", resp.Header.Get("Location"))
	status, _ = anon.get("/external/")
	require.Equal(t, http.StatusUnauthorized, status, "the reset ends the signed-in sessions' use: not enrolled")
}

// TestExternalPortalSecurity: external sessions reach nothing internal
// and internal ones nothing external; codes are single-use and locked out
// after failures; sessions are short.
func TestExternalPortalSecurity(t *testing.T) {
	e := setupExternals(t)
	v, secret := enrolVera(t, e)
	a := e.signIn(alice)
	internalReq := a.submit(prodAdmin, "1h", "INC-1")

	for _, path := range []string{"/", "/request", "/approvals", "/admin/grants", "/admin/audit", "/admin/flows", "/requests/" + internalReq} {
		resp := v.do("GET", path, nil, nil)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, path)
		require.Equal(t, "/external/", resp.Header.Get("Location"), path)
		body := v.read(resp)
		require.NotContains(t, body, "alice")
	}
	status, body, _ := v.post("/request", url.Values{"resource": {devRead}, "reason": {"x"}})
	require.Equal(t, http.StatusForbidden, status)
	require.NotContains(t, body, "dev-sandbox")
	status, _, _ = v.post("/requests/"+internalReq+"/approve", url.Values{})
	require.Equal(t, http.StatusForbidden, status)
	status, body = v.get("/external/")
	require.Equal(t, http.StatusOK, status)
	for _, leak := range []string{"alice", "payments-ledger", "prod-admin", "dev-auto", "AdministratorAccess", "Engineers", "Approvers"} {
		require.NotContains(t, body, leak)
	}
	status, body, _ = v.post("/external/request", url.Values{"resource": {"aws-s3:111111111111/payments-ledger:read"}, "duration": {"1h"}, "reason": {"x"}})
	require.Equal(t, http.StatusForbidden, status)
	require.Contains(t, body, "you may not request")
	devReq := a.submit(devRead, "1h", "sandbox")
	status, _ = v.get("/external/grants/" + grantOf(t, e, devReq).ID + "/credentials")
	require.Equal(t, http.StatusNotFound, status, "someone else's grant")
	status, _ = a.get("/external/")
	require.Equal(t, http.StatusForbidden, status, "internal sessions have no external pages")

	// CSRF holds on the external forms too.
	status, _, _ = v.post("/external/request", url.Values{"csrf": {""}, "resource": {acmeBucket}, "reason": {"x"}})
	require.Equal(t, http.StatusForbidden, status)

	// Replay and brute force at the sign-in.
	code := e.code(secret)
	s := e.anonymous()
	s.get("/external/login")
	status, _, _ = s.post("/external/login", url.Values{"email": {"vera@acme.example"}, "code": {code}})
	require.Equal(t, http.StatusSeeOther, status)
	s2 := e.anonymous()
	s2.get("/external/login")
	status, body, _ = s2.post("/external/login", url.Values{"email": {"vera@acme.example"}, "code": {code}})
	require.Equal(t, http.StatusUnauthorized, status, "replayed")
	require.Contains(t, body, "used already")
	for i := range 4 {
		status, body, _ = s2.post("/external/login", url.Values{"email": {"vera@acme.example"}, "code": {"00000" + string(rune('0'+i))}})
	}
	require.Equal(t, http.StatusForbidden, status, body)
	require.Contains(t, body, "locked")
	status, _, _ = s2.post("/external/login", url.Values{"email": {"vera@acme.example"}, "code": {e.code(secret)}})
	require.Equal(t, http.StatusForbidden, status, "locked: even the right code")
	require.Equal(t, 1, eventCount(t, e, stint.EventExternalLockedOut))

	// Sessions: at most an hour, 15 minutes idle.
	e.advance(stint.DefaultLockFor)
	s3 := e.anonymous()
	s3.get("/external/login")
	status, _, _ = s3.post("/external/login", url.Values{"email": {"vera@acme.example"}, "code": {e.code(secret)}})
	require.Equal(t, http.StatusSeeOther, status)
	e.advance(16 * time.Minute)
	resp := s3.do("GET", "/external/", nil, nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "idle")
	require.Equal(t, "/external/login", resp.Header.Get("Location"))

	// Disabled: the session ends at once.
	s4 := e.anonymous()
	s4.get("/external/login")
	status, _, _ = s4.post("/external/login", url.Values{"email": {"vera@acme.example"}, "code": {e.code(secret)}})
	require.Equal(t, http.StatusSeeOther, status)
	_, err := e.svc.DisableExternal(t.Context(), mustCaller(t, e, bob), "vera@acme.example")
	require.NoError(t, err)
	status, _ = s4.get("/external/")
	require.Equal(t, http.StatusUnauthorized, status)
}
