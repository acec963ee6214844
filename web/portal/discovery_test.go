package portal_test

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/web/portal"
)

// scanAt returns a scan started at t with the findings given, one account
// scanned and one refused.
func scanAt(id string, t time.Time, fs ...stint.Finding) *stint.Scan {
	s := &stint.Scan{ID: id, StartedAt: t, FinishedAt: t.Add(4 * time.Second), InstanceARN: testDirectory().InstanceARN,
		Accounts: []stint.ScanAccount{
			{ID: "111111111111", Name: "prod-payments", Scanned: true},
			{ID: "222222222222", Name: "dev-sandbox", Error: "cannot reach account 222222222222: AssumeRole was refused (AccessDenied)"},
		},
		Notes:    []string{"service last accessed data is not available from this endpoint"},
		Findings: fs}
	for i := range s.Findings {
		s.Findings[i].Severity = stint.Severity(s.Findings[i].Score)
	}
	s.Summary = stint.ScanSummary{Accounts: 2, AccountsScanned: 1, PermissionSets: 2, AdminPermissionSets: 1,
		StandingAssignments: 3, StandingPeople: 2, HeldByStint: 1, IAMUsers: 1, DurationMS: 4000}
	s.Summary.Summarize(s.Findings)
	return s
}

func finding(kind stint.FindingKind, score int, account, principal, resource, reason string) stint.Finding {
	return stint.Finding{Key: stint.FindingKey(kind, account, principal, resource), Kind: kind, Score: score,
		AccountID: account, AccountName: map[string]string{"111111111111": "prod-payments", "222222222222": "dev-sandbox"}[account],
		Principal: principal, Resource: resource, Reason: reason}
}

// TestDiscoveryPage: the trend of two scans, the latest's summary and what
// changed since the first, its findings filtered, paged and exported, an
// older scan chosen, bad filters, and no page for non-admins.
func TestDiscoveryPage(t *testing.T) {
	e := setup(t)
	c := e.signIn(carol)
	status, body := c.get("/admin/discovery")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "No discovery scan is stored yet")

	admin := finding(stint.FindingStandingAdmin, 90, "111111111111", "group:Engineers", prodAdmin, "standing AdministratorAccess for 2 people")
	key := finding(stint.FindingLongLivedKey, 55, "111111111111", "iam-user:deploy", "arn:aws:iam::111111111111:user/deploy", "access key 400 days old")
	mfa := finding(stint.FindingNoMFA, 45, "111111111111", "iam-user:<b>x</b>", "arn:aws:iam::111111111111:user/x", "console password without MFA")
	wide := finding(stint.FindingWideAccess, 30, "222222222222", "", devRead, "held by 12 people")
	first := scanAt("scan-1", t0.Add(-7*24*time.Hour), admin, key)
	second := scanAt("scan-2", t0.Add(-time.Hour), admin, mfa, wide)
	require.NoError(t, e.store.Tx(t.Context(), func(tx stint.Tx) error {
		if err := tx.ScanCreate(t.Context(), first); err != nil {
			return err
		}
		return tx.ScanCreate(t.Context(), second)
	}))

	status, body = c.get("/admin/discovery")
	require.Equal(t, http.StatusOK, status)
	golden(t, "admin-discovery", body)
	for _, want := range []string{
		"1 of 2", "AssumeRole was refused", // the account not scanned, and why
		"2 new, 1 resolved, 0 rescored, 1 unchanged", // since scan-1
		"access key 400 days old",                    // resolved
		"(&#43;1)",                                   // findings trend (html/template writes + so)
	} {
		require.Contains(t, body, want)
	}

	// Filters: kind and score; an account by name.
	status, body = c.get("/admin/discovery?kind=no_mfa&min_score=40")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "console password without MFA</td>")
	require.NotContains(t, body, "held by 12 people</td>", "the findings table is filtered (the diff is not)")
	status, body = c.get("/admin/discovery?account=dev-sandbox")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "held by 12 people</td>")
	require.NotContains(t, body, "standing AdministratorAccess for 2 people</td>")

	// The older scan, chosen from the trend: no diff before it.
	status, body = c.get("/admin/discovery?scan=scan-1")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "access key 400 days old</td>")
	require.NotContains(t, body, "new, ")

	// Bad filters: said, and the rest of the page still there.
	status, body = c.get("/admin/discovery?kind=bogus&min_score=500")
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, "is not a finding kind")
	require.Contains(t, body, "Trend")
	status, body = c.get("/admin/discovery?scan=no-such-scan")
	require.Equal(t, http.StatusNotFound, status, body)

	// CSV of what matches.
	resp := c.do("GET", "/admin/discovery/export?scan=scan-2&min_score=40", nil, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/csv; charset=utf-8", resp.Header.Get("Content-Type"))
	rows, err := csv.NewReader(strings.NewReader(c.read(resp))).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 3, "a header and the two findings scoring 40 or more")
	require.Equal(t, []string{"scan-2", "90", "critical", "standing_admin"}, rows[1][:4])
	require.Equal(t, "no_mfa", rows[2][3])

	// Paging: one finding a page.
	e2 := setup(t, func(c *portal.Config) { c.PageSize = 1 })
	require.NoError(t, e2.store.Tx(t.Context(), func(tx stint.Tx) error { return tx.ScanCreate(t.Context(), second) }))
	c2 := e2.signIn(carol)
	status, body = c2.get("/admin/discovery")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `rel="next">Lower scores`)
	require.Contains(t, body, "standing AdministratorAccess for 2 people</td>")
	status, body = c2.get("/admin/discovery?scan=scan-2&page=2")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "console password without MFA</td>")
	require.Contains(t, body, `rel="prev">Higher scores`)

	// Not for requesters.
	a := e.signIn(alice)
	for _, path := range []string{"/admin/discovery", "/admin/discovery/export?scan=scan-2"} {
		status, _ = a.get(path)
		require.Equal(t, http.StatusForbidden, status, path)
	}
}
