package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
	"github.com/stint-dev/stint/provider/providertest"
	"github.com/stint-dev/stint/store/sqlite"
	"github.com/stint-dev/stint/web"
	"github.com/stint-dev/stint/web/portal"
)

// Portal figures (issue 7): the admin grants list with 10,000 grants,
// paginated, rendered server-side, p99 <= 50 ms; the request page with
// its assets <= 100 KB on the wire.
const (
	portalGrants    = 10000
	portalUsers     = 200
	portalAccounts  = 50
	portalRenders   = 400
	portalPageSize  = 50
	targetRenderP99 = 50 * time.Millisecond
	targetTransfer  = 100 << 10
)

// portalBench measures the portal in process on a SQLite store: the time
// from request to last byte of the handler (session lookup, caller, store
// query, template), and the bytes a browser downloads for the request page.
func portalBench() error {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "stint-portal-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	store, err := sqlite.Open(ctx, filepath.Join(tmp, "stint.db"))
	if err != nil {
		return err
	}
	defer store.Close()
	dir, flows := portalFixture()
	if err := store.Tx(ctx, func(tx stint.Tx) error { return tx.DirectoryPut(ctx, dir) }); err != nil {
		return err
	}
	start := time.Now()
	if err := seedGrants(ctx, store, dir); err != nil {
		return err
	}
	fmt.Printf("   seeded %d grants of %d users in %s\n", portalGrants, portalUsers, time.Since(start).Round(time.Millisecond))
	svc := &access.Service{Store: store, Provider: &providertest.Fake{}, Flows: func() []stint.Flow { return flows },
		Admins: func() []string { return []string{"admin@example.com"} }, Logger: slog.New(slog.DiscardHandler)}
	h := web.New(web.Config{Service: svc, Logger: slog.New(slog.DiscardHandler),
		Portal: portal.New(portal.Config{Service: svc, BaseURL: "http://127.0.0.1", PageSize: portalPageSize, Logger: slog.New(slog.DiscardHandler)})})
	admin, err := session(ctx, svc, "admin@example.com")
	if err != nil {
		return err
	}
	get := func(cookie, path, encoding string) (*httptest.ResponseRecorder, time.Duration) {
		r := httptest.NewRequest("GET", path, nil)
		r.AddCookie(&http.Cookie{Name: "stint_session", Value: cookie})
		if encoding != "" {
			r.Header.Set("Accept-Encoding", encoding)
		}
		w := httptest.NewRecorder()
		t0 := time.Now()
		h.ServeHTTP(w, r)
		return w, time.Since(t0)
	}
	pages := []struct{ name, path string }{
		{"first page", "/admin/grants"},
		{"page 100", "/admin/grants?page=100"},
		{"last page (200)", "/admin/grants?page=200"},
		{"active only", "/admin/grants?state=active"},
		{"one user", "/admin/grants?user=user007%40example.com"},
		{"by account", "/admin/grants?resource=acct-042"},
	}
	for _, pg := range pages { // warm up, and check the page is what we think
		w, _ := get(admin, pg.path, "")
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `class="card grant"`) {
			return fmt.Errorf("%s: status %d", pg.path, w.Code)
		}
	}
	var all []time.Duration
	for _, pg := range pages {
		lat := make([]time.Duration, portalRenders)
		size := 0
		for i := range lat {
			w, d := get(admin, pg.path, "")
			lat[i], size = d, w.Body.Len()
		}
		all = append(all, lat...)
		fmt.Printf("   grants list, %-16s p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms  (%d rows, %.0f KB of HTML)\n", pg.name+":",
			msf(pct(lat, 50)), msf(pct(lat, 99)), msf(pct(lat, 100)), portalPageSize, float64(size)/1024)
	}
	p99 := pct(all, 99)
	fmt.Printf("   grants list, all %d renders: p99 %.2f ms (target <= %s: %.1fx headroom)\n", len(all), msf(p99), targetRenderP99, float64(targetRenderP99)/float64(p99))

	// The request page of a user who may request 250 (account, permission
	// set) pairs, and its assets as a browser fetches them.
	user, err := session(ctx, svc, "user001@example.com")
	if err != nil {
		return err
	}
	w, d := get(user, "/request", "gzip, br")
	if w.Code != http.StatusOK {
		return fmt.Errorf("/request: status %d", w.Code)
	}
	htmlBytes := w.Body.Len()
	rawTotal, wireTotal := htmlBytes, htmlBytes
	fmt.Printf("   request page: HTML %.1f KB (%d choices, rendered in %.2f ms)\n", float64(htmlBytes)/1024,
		strings.Count(w.Body.String(), `name="resource"`), msf(d))
	for _, m := range regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllStringSubmatch(w.Body.String(), -1) {
		gz, _ := get(user, m[1], "gzip, br")
		raw, _ := get(user, m[1], "")
		b, _ := io.ReadAll(gz.Body)
		rawTotal += raw.Body.Len()
		wireTotal += len(b)
		fmt.Printf("   + %-28s %6.1f KB (%5.1f KB gzipped)\n", strings.SplitN(m[1], "?", 2)[0], float64(raw.Body.Len())/1024, float64(len(b))/1024)
	}
	fmt.Printf("   request page with its assets: %.1f KB on the wire with gzip, %.1f KB uncompressed (target <= %d KB: %.1fx / %.1fx headroom)\n",
		float64(wireTotal)/1024, float64(rawTotal)/1024, targetTransfer>>10, float64(targetTransfer)/float64(wireTotal), float64(targetTransfer)/float64(rawTotal))
	return nil
}

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// session signs the user in as the portal would and returns the cookie.
func session(ctx context.Context, svc *access.Service, email string) (string, error) {
	secret, hash := stint.NewSessionSecret()
	now := time.Now()
	return secret, svc.SaveSession(ctx, &stint.Session{Hash: hash, UserEmail: email, Method: stint.SessionOIDC, CSRF: "bench",
		CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(time.Hour)})
}

func portalFixture() (*stint.Directory, []stint.Flow) {
	dir := &stint.Directory{InstanceARN: "arn:aws:sso:::instance/ssoins-bench", IdentityStoreID: "d-bench", SyncedAt: time.Now(),
		Groups: []stint.Group{{ID: "g-eng", Name: "Engineers"}, {ID: "g-appr", Name: "Approvers"}}}
	dir.Users = append(dir.Users, stint.User{ID: "u-admin", UserName: "admin", Email: "admin@example.com", Groups: []string{"Approvers"}})
	for i := range portalUsers {
		dir.Users = append(dir.Users, stint.User{ID: fmt.Sprintf("u-%03d", i), UserName: fmt.Sprintf("user%03d", i),
			Email: fmt.Sprintf("user%03d@example.com", i), Groups: []string{"Engineers"}})
	}
	for i := range portalAccounts {
		dir.Accounts = append(dir.Accounts, stint.Account{ID: fmt.Sprintf("%012d", 100000000000+i), Name: fmt.Sprintf("acct-%03d", i), OUPath: "Prod"})
	}
	for _, ps := range []string{"AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess", "Billing", "DataScientist"} {
		dir.PermissionSets = append(dir.PermissionSets, stint.PermissionSet{ARN: "arn:aws:sso:::permissionSet/ssoins-bench/" + ps, Name: ps, SessionDuration: "PT1H"})
	}
	flows := []stint.Flow{{Name: "prod", Requesters: []string{"group:Engineers"}, Approvers: []string{"group:Approvers"},
		MaxDuration: stint.Duration(4 * time.Hour), Resources: []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{
			Accounts: []string{"ou:Prod"}, PermissionSets: []string{"AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess", "Billing", "DataScientist"}}}}}}
	return dir, flows
}

// seedGrants writes portalGrants grants, a tenth of them active, the rest
// ended, in batches of 1,000.
func seedGrants(ctx context.Context, store stint.Store, dir *stint.Directory) error {
	base := time.Now().Add(-30 * 24 * time.Hour)
	for b := 0; b < portalGrants; b += 1000 {
		err := store.Tx(ctx, func(tx stint.Tx) error {
			for i := b; i < b+1000; i++ {
				u := dir.Users[1+i%portalUsers]
				a := dir.Accounts[i%portalAccounts]
				ps := dir.PermissionSets[i%len(dir.PermissionSets)]
				created := base.Add(time.Duration(i) * 4 * time.Minute)
				g := &stint.Grant{ID: fmt.Sprintf("g-%05d", i), RequestID: fmt.Sprintf("r-%05d", i), Flow: "prod", UserID: u.ID, UserEmail: u.Email,
					ResourceID: stint.ResourceID(a.ID, ps.Name), AccountID: a.ID, AccountName: a.Name, PermissionSet: ps.Name, PermissionSetARN: ps.ARN,
					Type: stint.ResourceSSO, State: stint.GrantEnded, StartsAt: created, EndsAt: created.Add(time.Hour), Duration: stint.Duration(time.Hour),
					EndReason: stint.EndExpired, CreatedAt: created, UpdatedAt: created}
				if i%10 == 0 {
					g.State, g.EndReason, g.EndsAt = stint.GrantActive, "", time.Now().Add(time.Hour)
				} else {
					ended := g.EndsAt
					g.EndedAt = &ended
				}
				if err := tx.GrantCreate(ctx, g); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
