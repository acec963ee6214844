package portal_test

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/web/portal"
)

// activeGrant has alice request dev access (approved at once) and
// returns the active grant's ID.
func activeGrant(t *testing.T, e *env, a *browser) string {
	t.Helper()
	id := a.submit(devRead, "1h", "debugging")
	g := grantOf(t, e, id)
	require.NoError(t, e.svc.Activate(t.Context(), g.ID))
	require.Equal(t, stint.GrantActive, grantState(t, e, g.ID))
	return g.ID
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.signIn(alice)
	b := e.signIn(bob)
	g := activeGrant(t, e, a)
	pending := a.submit(prodAdmin, "1h", "INC-1")
	tests := []struct {
		name  string
		csrf  string
		who   *browser
		path  string
		check func()
	}{
		{"revoke without a token", "", a, "/grants/" + g + "/revoke", func() { require.Equal(t, stint.GrantActive, grantState(t, e, g)) }},
		{"revoke with a wrong token", "not-the-token", a, "/grants/" + g + "/revoke", func() { require.Equal(t, stint.GrantActive, grantState(t, e, g)) }},
		{"revoke with another session's token", b.csrf, a, "/grants/" + g + "/revoke", func() { require.Equal(t, stint.GrantActive, grantState(t, e, g)) }},
		{"extend with a truncated token", a.csrf[:len(a.csrf)-1], a, "/grants/" + g + "/extend", func() {
			got, err := e.store.GrantGet(t.Context(), g)
			require.NoError(t, err)
			require.Zero(t, got.Extensions)
		}},
		{"approve without a token", "", b, "/requests/" + pending + "/approve", func() { require.Equal(t, stint.RequestPending, requestState(t, e, pending)) }},
		{"request without a token", "", a, "/request", func() {
			list, err := e.store.RequestList(t.Context(), nil)
			require.NoError(t, err)
			require.Len(t, list, 2)
		}},
		{"sign out without a token", "", a, "/logout", func() {
			status, _ := a.get("/")
			require.Equal(t, http.StatusOK, status, "still signed in")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"csrf": {tt.csrf}, "by": {"30m"}, "resource": {devRead}, "reason": {"x"}}
			status, body, _ := tt.who.post(tt.path, form)
			require.Equal(t, http.StatusForbidden, status)
			require.Contains(t, body, "nothing was changed")
			tt.check()
		})
	}
	t.Run("a token in the header is accepted (htmx)", func(t *testing.T) {
		status, body, _ := a.post("/grants/"+g+"/extend", url.Values{"csrf": {""}, "by": {"30m"}}, "X-CSRF-Token", a.csrf, "HX-Request", "true")
		require.Equal(t, http.StatusOK, status, body)
		require.Contains(t, body, `id="grant-`+g+`"`, "the grant's card, for htmx to swap")
	})
	t.Run("a wrong header token is refused even with a right form token", func(t *testing.T) {
		status, _, _ := a.post("/grants/"+g+"/revoke", nil, "X-CSRF-Token", "wrong")
		require.Equal(t, http.StatusForbidden, status)
		require.Equal(t, stint.GrantActive, grantState(t, e, g))
	})
}

func TestSessionFixation(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.anonymous()
	// An attacker plants a cookie value before the victim signs in.
	u, _ := url.Parse(e.srv.URL)
	a.c.Jar.SetCookies(u, []*http.Cookie{{Name: "stint_session", Value: "attacker-chosen", Path: "/"}})
	status, _ := a.get("/login/local") // a sign-in session, for the form's token
	require.Equal(t, http.StatusOK, status)
	before := a.cookie()
	require.NotEmpty(t, before)
	require.NotEqual(t, "attacker-chosen", before)

	status, body := a.signIn(alice)
	require.Equal(t, http.StatusOK, status, body)
	after := a.cookie()
	require.NotEmpty(t, after)
	require.NotEqual(t, before, after, "sign-in replaces the session ID")

	// The pre-login ID signs nobody in.
	for _, old := range []string{before, "attacker-chosen"} {
		jar, _ := cookiejar.New(nil)
		jar.SetCookies(u, []*http.Cookie{{Name: "stint_session", Value: old, Path: "/"}})
		other := &browser{e: e, c: &http.Client{Jar: jar, CheckRedirect: a.c.CheckRedirect}}
		resp := other.do("GET", "/", nil, nil)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		require.True(t, strings.HasPrefix(resp.Header.Get("Location"), "/login"))
	}
	// The store keeps only hashes.
	_, err := e.store.SessionGet(t.Context(), after)
	require.Equal(t, stint.ENOTFOUND, stint.ErrorCode(err), "the ID itself is not a key")
	s, err := e.store.SessionGet(t.Context(), stint.HashSession(after))
	require.NoError(t, err)
	require.Equal(t, alice, s.UserEmail)
	require.NotContains(t, e.logs.String(), after, "session IDs are never logged")

	// Sign-out deletes the session: the cookie is worthless afterwards.
	status, _, resp := a.post("/logout", nil)
	require.Equal(t, http.StatusSeeOther, status)
	require.Equal(t, "/login", resp.Header.Get("Location"))
	_, err = e.store.SessionGet(t.Context(), stint.HashSession(after))
	require.Equal(t, stint.ENOTFOUND, stint.ErrorCode(err))
	jar, _ := cookiejar.New(nil)
	jar.SetCookies(u, []*http.Cookie{{Name: "stint_session", Value: after, Path: "/"}})
	replay := &browser{e: e, c: &http.Client{Jar: jar, CheckRedirect: a.c.CheckRedirect}}
	require.Equal(t, http.StatusSeeOther, replay.do("GET", "/", nil, nil).StatusCode)
	require.Equal(t, 1, eventCount(t, e, stint.EventSignedOut))
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.signIn(alice)
	e.advance(59 * time.Minute)
	status, _ := a.get("/")
	require.Equal(t, http.StatusOK, status, "used within the idle limit")
	e.advance(61 * time.Minute)
	resp := a.do("GET", "/", nil, nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "idle for more than an hour")

	b := e.signIn(bob)
	for range 13 { // used every 59 minutes: never idle, but the absolute end comes
		e.advance(59 * time.Minute)
		b.do("GET", "/", nil, nil)
	}
	resp = b.do("GET", "/", nil, nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "past the absolute end of 12h")
	n, err := e.svc.PruneSessions(t.Context(), time.Hour)
	require.NoError(t, err)
	require.GreaterOrEqual(t, n, 0)
}

func TestOtherUsersIDs(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.signIn(alice)
	g := activeGrant(t, e, a)
	pending := a.submit(prodAdmin, "1h", "INC-1")
	d := e.signIn(dave) // in no flow: not alice, not an approver, not an admin
	b := e.signIn(bob)  // approver of prod-admin, but the grant is not his
	tests := []struct {
		name   string
		who    *browser
		method string
		path   string
	}{
		{"view another's request", d, "GET", "/requests/" + pending},
		{"approve a request one may not see", d, "POST", "/requests/" + pending + "/approve"},
		{"deny a request one may not see", d, "POST", "/requests/" + pending + "/deny"},
		{"cancel a request one may not see", d, "POST", "/requests/" + pending + "/cancel"},
		{"revoke another's grant", d, "POST", "/grants/" + g + "/revoke"},
		{"revoke another's grant as an approver", b, "POST", "/grants/" + g + "/revoke"},
		{"extend another's grant", b, "POST", "/grants/" + g + "/extend"},
		{"activate another's grant", d, "POST", "/grants/" + g + "/activate"},
		{"unknown request", d, "GET", "/requests/01NOSUCHREQUEST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var status int
			var body string
			if tt.method == "GET" {
				tt.who.get("/")
				status, body = tt.who.get(tt.path)
			} else {
				tt.who.get("/")
				status, body, _ = tt.who.post(tt.path, url.Values{"comment": {"no"}, "by": {"30m"}})
			}
			require.Equal(t, http.StatusNotFound, status, body)
			require.Contains(t, body, "not found")
			require.Equal(t, stint.GrantActive, grantState(t, e, g))
			require.Equal(t, stint.RequestPending, requestState(t, e, pending))
		})
	}
	t.Run("no self-approval", func(t *testing.T) {
		a.get("/requests/" + pending)
		status, body, _ := a.post("/requests/"+pending+"/approve", nil)
		require.Equal(t, http.StatusForbidden, status, body)
		require.Equal(t, stint.RequestPending, requestState(t, e, pending))
	})
}

func TestXSSIsEscaped(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.signIn(alice)
	const evil = `<script>alert(1)</script>"><img src=x onerror=alert(2)>`
	id := a.submit(prodAdmin, "1h", evil)
	b := e.signIn(bob)
	for _, path := range []string{"/approvals", "/requests/" + id} {
		status, body := b.get(path)
		require.Equal(t, http.StatusOK, status)
		require.NotContains(t, body, "<script>alert", path)
		require.NotContains(t, body, "<img src=x", path)
		require.Contains(t, body, "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;img src=x onerror=alert(2)&gt;", path)
	}
	status, body, _ := b.post("/requests/"+id+"/deny", url.Values{"comment": {evil}, "return": {"/requests/" + id}})
	require.Equal(t, http.StatusSeeOther, status, body)
	require.Equal(t, stint.RequestDenied, requestState(t, e, id))
	for _, who := range []*browser{a, b} {
		_, body = who.get("/requests/" + id)
		require.NotContains(t, body, "<script>alert")
		require.Contains(t, body, `<q class="comment">&lt;script&gt;`)
	}
	c := e.signIn(carol)
	_, body = c.get("/admin/audit?text=" + url.QueryEscape("<script>"))
	require.NotContains(t, body, "<script>alert")
	require.Contains(t, body, `value="&lt;script&gt;"`, "the search box too")
	// A search term reflected in the request page is escaped too.
	_, body = a.get("/request?q=" + url.QueryEscape(`"><script>alert(3)</script>`))
	require.NotContains(t, body, "<script>alert(3)")
}

func TestAdminPagesAreForAdmins(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.signIn(alice)
	for _, path := range []string{"/admin/", "/admin/grants", "/admin/flows", "/admin/flows?resource=" + url.QueryEscape(prodAdmin),
		"/admin/audit", "/admin/audit/export?format=csv", "/admin/health", "/admin/access", "/admin/access?user=alice%40example.com&on=2025-06-02",
		"/admin/report", "/admin/report/export?format=csv"} {
		status, body := a.get(path)
		require.Equal(t, http.StatusForbidden, status, path)
		require.Contains(t, body, "Only stint administrators")
		require.NotContains(t, body, `href="/admin/grants"`, "no admin links for non-admins")
	}
	c := e.signIn(carol)
	status, _ := c.get("/admin/grants")
	require.Equal(t, http.StatusOK, status)
}

func TestSecurityHeadersAndCookie(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.anonymous()
	resp := a.do("GET", "/auth/login", nil, nil)
	require.Equal(t, http.StatusFound, resp.StatusCode)
	for _, r := range []*http.Response{resp, a.do("GET", "/login", nil, nil), a.do("GET", "/static/portal.css", nil, nil)} {
		require.Equal(t, portal.CSP, r.Header.Get("Content-Security-Policy"))
		require.Equal(t, "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'", r.Header.Get("Content-Security-Policy"))
		require.Equal(t, "nosniff", r.Header.Get("X-Content-Type-Options"))
		require.NotEmpty(t, r.Header.Get("Referrer-Policy"))
	}
	ck := resp.Header.Get("Set-Cookie")
	require.Contains(t, ck, "stint_session=")
	require.Contains(t, ck, "Path=/")
	require.Contains(t, ck, "HttpOnly")
	require.Contains(t, ck, "SameSite=Lax")
	require.NotContains(t, ck, "Secure", "plain-HTTP loopback in this test")

	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	q := loc.Query()
	require.Equal(t, "S256", q.Get("code_challenge_method"), "PKCE")
	require.NotEmpty(t, q.Get("code_challenge"))
	require.NotEmpty(t, q.Get("nonce"))
	require.NotEmpty(t, q.Get("state"))
	require.Equal(t, e.srv.URL+"/auth/callback", q.Get("redirect_uri"))

	s := setup(t, func(c *portal.Config) { c.CookieSecure = true })
	resp = s.anonymous().do("GET", "/auth/login", nil, nil)
	ck = resp.Header.Get("Set-Cookie")
	require.True(t, strings.HasPrefix(ck, "__Host-stint_session="), ck)
	require.Contains(t, ck, "Secure")

	// No inline script or style in any page: the CSP would block them.
	b := e.signIn(alice)
	for _, path := range []string{"/", "/request", "/approvals"} {
		_, body := b.get(path)
		require.NotContains(t, body, "<script>")
		require.NotContains(t, body, "style=")
		require.NotContains(t, body, "<style")
		require.NotRegexp(t, `\son[a-z]+=`, body, "no inline event handlers")
	}
}

func TestOIDCRefusals(t *testing.T) {
	t.Parallel()
	e := setup(t)
	status, body := e.anonymous().signIn("mallory@example.com")
	require.Equal(t, http.StatusUnauthorized, status)
	require.Contains(t, body, "email_verified is not true")

	status, body = e.anonymous().signIn(eve)
	require.Equal(t, http.StatusForbidden, status)
	require.Contains(t, body, "is not a stint user")

	e.issuer.Tamper(func(c map[string]any) { c["nonce"] = "replayed" })
	status, body = e.anonymous().signIn(alice)
	require.Equal(t, http.StatusForbidden, status)
	require.Contains(t, body, "nonce")
	e.issuer.Tamper(func(c map[string]any) { c["aud"] = "another-client" })
	status, _ = e.anonymous().signIn(alice)
	require.Equal(t, http.StatusForbidden, status)
	e.issuer.Tamper(nil)

	// A callback with another state than the browser's sign-in.
	a := e.anonymous()
	resp := a.do("GET", "/auth/login", nil, nil)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	q := loc.Query()
	q.Set("login_hint", alice)
	loc.RawQuery = q.Encode()
	back := a.do("GET", loc.String(), nil, nil)
	cb, _ := url.Parse(back.Header.Get("Location"))
	cq := cb.Query()
	cq.Set("state", "forged")
	cb.RawQuery = cq.Encode()
	status, body = a.get(strings.TrimPrefix(cb.String(), e.srv.URL))
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, "does not belong to this browser")
	// A callback with no sign-in started.
	status, _ = e.anonymous().get("/auth/callback?code=x&state=y")
	require.Equal(t, http.StatusBadRequest, status)
	require.GreaterOrEqual(t, eventCount(t, e, stint.EventSignInRefused), 5)

	// Open redirects: next only ever names a path of the portal.
	b := e.anonymous()
	resp = b.do("GET", "/auth/login?next="+url.QueryEscape("//evil.example.com/x")+"&login_hint="+alice, nil, nil)
	for i := 0; resp.StatusCode/100 == 3 && i < 5; i++ {
		l := resp.Header.Get("Location")
		if strings.HasPrefix(l, e.issuer.URL()) {
			l += "&login_hint=" + alice
		}
		if !strings.HasPrefix(l, "http") && !strings.HasPrefix(l, "/auth") {
			require.Equal(t, "/", l)
			break
		}
		resp = b.do("GET", l, nil, nil)
	}
}

func TestBreakGlassLogin(t *testing.T) {
	t.Parallel()
	e := setup(t)
	code := func(at time.Time) string {
		c, err := totp.GenerateCodeCustom(TOTPSecret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		require.NoError(t, err)
		return c
	}
	wrong := func() string {
		c := code(e.now())
		if c == "000000" {
			return "111111"
		}
		return "000000"
	}
	a := e.anonymous()
	status, _ := a.get("/login/local")
	require.Equal(t, http.StatusOK, status)
	for i := range 5 {
		status, body, _ := a.post("/login/local", url.Values{"code": {wrong()}})
		require.Equal(t, http.StatusUnauthorized, status, "attempt %d: %s", i+1, body)
	}
	require.Equal(t, 5, eventCount(t, e, stint.EventLocalSignInFailed))
	require.Equal(t, 1, eventCount(t, e, stint.EventLocalLockedOut))
	// Locked: even the right code is refused, and nothing is recorded as a sign-in.
	status, body, _ := a.post("/login/local", url.Values{"code": {code(e.now())}})
	require.Equal(t, http.StatusTooManyRequests, status)
	require.Contains(t, body, "locked")
	require.Zero(t, eventCount(t, e, stint.EventLocalSignIn))

	e.advance(16 * time.Minute)
	a.get("/login/local") // the sign-in session lasts 10 minutes: a fresh form
	good := code(e.now())
	status, body, resp := a.post("/login/local", url.Values{"code": {good}})
	require.Equal(t, http.StatusSeeOther, status, body)
	require.Equal(t, "/", resp.Header.Get("Location"))
	status, body = a.get("/")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "Break-glass session", "loudly flagged on every page")
	require.Contains(t, body, carol)
	evs, err := e.store.EventList(t.Context(), &stint.EventListParams{Type: stint.EventLocalSignIn})
	require.NoError(t, err)
	require.Len(t, evs, 1)
	require.Contains(t, evs[0].Data["note"], "BREAK-GLASS")
	require.Contains(t, e.logs.String(), "BREAK-GLASS local admin sign-in")
	require.NotContains(t, e.logs.String(), TOTPSecret)

	// The same code cannot be used twice.
	other := e.anonymous()
	other.get("/login/local")
	status, body, _ = other.post("/login/local", url.Values{"code": {good}})
	require.Equal(t, http.StatusUnauthorized, status)
	require.Contains(t, body, "used already")

	// Attempts are rate limited whatever the codes (10 a minute).
	limited := false
	for range 12 {
		if status, _, _ := other.post("/login/local", url.Values{"code": {"12345"}}); status == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	require.True(t, limited)
}

func TestAuditExport(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.signIn(alice)
	a.submit(prodAdmin, "1h", "=HYPERLINK(\"http://evil\")")
	c := e.signIn(carol)
	status, body := c.get("/admin/audit/export?format=csv&actor=" + url.QueryEscape(alice))
	require.Equal(t, http.StatusOK, status)
	lines := strings.Split(strings.TrimSpace(body), "\n")
	require.Equal(t, "time,id,actor,type,subject,data,seq,hash", lines[0])
	require.Len(t, lines, 3, "sign-in and request, oldest first")
	require.Contains(t, lines[1], "auth.signed_in")
	require.Contains(t, lines[2], "request.created")

	status, body = c.get("/admin/audit/export?format=jsonl&type=request.created")
	require.Equal(t, http.StatusOK, status)
	var ev stint.Event
	require.NoError(t, json.Unmarshal([]byte(strings.TrimSpace(body)), &ev))
	require.Equal(t, stint.EventRequestCreated, ev.Type)
	require.Equal(t, "=HYPERLINK(\"http://evil\")", ev.Data["reason"])

	status, body = c.get("/admin/audit/export?format=ocsf&type=request.created")
	require.Equal(t, http.StatusOK, status)
	var o map[string]any
	require.NoError(t, json.Unmarshal([]byte(strings.TrimSpace(body)), &o))
	require.EqualValues(t, 3004, o["class_uid"], "Entity Management")
	status, _ = c.get("/admin/audit/export?format=xml")
	require.Equal(t, http.StatusBadRequest, status)

	status, body = c.get("/admin/report/export?format=csv&week=2025-06-02")
	require.Equal(t, http.StatusOK, status)
	require.True(t, strings.HasPrefix(body, "section,flow,user,"), body)
	require.Contains(t, body, "requests,,,,,,,,1,submitted")
	status, body = c.get("/admin/report/export?format=json&week=2025-06-02")
	require.Equal(t, http.StatusOK, status)
	var sum stint.Summary
	require.NoError(t, json.Unmarshal([]byte(body), &sum))
	require.Equal(t, 1, sum.Requests.Submitted)
	status, _ = c.get("/admin/access?resource=not-an-id&on=2025-06-02")
	require.Equal(t, http.StatusBadRequest, status)
}
