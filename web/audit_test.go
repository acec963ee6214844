package web

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
	"github.com/stint-dev/stint/audit"
)

// TestAuditQueriesEndToEnd plays overlapping and extended grants through
// the API on a clock the test moves, then asks who had the resource, what
// alice could reach, for the events, an export and the week's report.
func TestAuditQueriesEndToEnd(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var offset atomic.Int64
	e.svc.Now = func() time.Time { return t0.Add(time.Duration(offset.Load())) }
	advanceTo := func(d time.Duration) { offset.Store(int64(d)) }
	ctx := t.Context()
	activate := func(who, duration string) *stint.Grant {
		t.Helper()
		r := e.submit(who, "dev-sandbox", "ReadOnly", duration)
		g := e.grantOf(who, r.ID)
		require.NoError(t, e.svc.Activate(ctx, g.ID))
		return g
	}
	ga := activate(alice, "1h") // 09:00-10:00, extended to 10:30
	advanceTo(30 * time.Minute)
	gb := activate(bob, "2h") // 09:30-11:30
	advanceTo(45 * time.Minute)
	ext := decode[stint.Grant](t, e.call("POST", "/api/v1/grants/"+ga.ID+"/extend", alice, map[string]string{"duration": "30m"}), http.StatusOK)
	require.Equal(t, t0.Add(90*time.Minute), ext.EndsAt)
	advanceTo(90 * time.Minute)
	require.NoError(t, e.svc.Expire(ctx, ga.ID))
	e.svc.Wait()
	advanceTo(3 * time.Hour)

	resource := url.QueryEscape("aws-sso:dev-sandbox/ReadOnly")
	rep := decode[stint.AccessReport](t, e.call("GET", "/api/v1/audit/who-had?resource="+resource+"&from=2025-06-02T10:10:00Z&to=2025-06-02T10:20:00Z", carol, nil), http.StatusOK)
	require.Equal(t, "aws-sso:222222222222/ReadOnly", rep.Resource)
	require.Len(t, rep.Records, 2, "alice's extended grant and bob's")
	a, b := rep.Records[0], rep.Records[1]
	require.Equal(t, ga.ID, a.Grant.ID)
	require.Equal(t, t0.Add(90*time.Minute), a.Until, "ended when it expired, after the extension")
	require.Len(t, a.Extensions, 1)
	require.Equal(t, alice, a.Extensions[0].Actor)
	require.Equal(t, "INC-4211", a.Request.Reason)
	require.Equal(t, gb.ID, b.Grant.ID)
	require.True(t, b.Open)
	late := decode[stint.AccessReport](t, e.call("GET", "/api/v1/audit/who-had?resource="+resource+"&from=2025-06-02T10:31:00Z&to=2025-06-02T11:00:00Z", carol, nil), http.StatusOK)
	require.Len(t, late.Records, 1, "after 10:30 only bob's grant")
	require.Equal(t, gb.ID, late.Records[0].Grant.ID)

	reach := decode[stint.AccessReport](t, e.call("GET", "/api/v1/audit/reach?user=alice%40example.com&on=2025-06-02", carol, nil), http.StatusOK)
	require.Len(t, reach.Records, 1)
	require.Equal(t, ga.ID, reach.Records[0].Grant.ID)
	require.Empty(t, decode[stint.AccessReport](t, e.call("GET", "/api/v1/audit/reach?user=alice%40example.com&on=2025-06-03", carol, nil), http.StatusOK).Records)

	requireAPIError(t, e.call("GET", "/api/v1/audit/who-had?resource="+resource+"&on=2025-06-02", alice, nil), http.StatusForbidden, stint.EFORBIDDEN, "only admins")
	requireAPIError(t, e.call("GET", "/api/v1/audit/who-had?from=2025-06-02", carol, nil), http.StatusBadRequest, stint.EINVALID, "name the resource")
	requireAPIError(t, e.call("GET", "/api/v1/audit/reach?user=alice%40example.com&on=2025-06-02&from=2025-06-01", carol, nil), http.StatusBadRequest, stint.EINVALID, "not both")
	requireAPIError(t, e.call("GET", "/api/v1/audit/reach?user=alice%40example.com", carol, nil), http.StatusBadRequest, stint.EINVALID, "time range")

	evs := decode[[]*stint.Event](t, e.call("GET", "/api/v1/events?resource="+resource+"&type=grant.*&actor="+url.QueryEscape(alice), carol, nil), http.StatusOK)
	require.Len(t, evs, 1)
	require.Equal(t, stint.EventGrantExtended, evs[0].Type)
	evs = decode[[]*stint.Event](t, e.call("GET", "/api/v1/events?flow=dev-auto&account=dev-sandbox&until=2025-06-02T09:10:00Z", carol, nil), http.StatusOK)
	require.NotEmpty(t, evs)
	for _, ev := range evs {
		require.True(t, ev.Time.Before(t0.Add(10*time.Minute)))
	}

	w := e.call("GET", "/api/v1/events/export?format=ocsf&type=grant.*&resource="+resource, carol, nil)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Equal(t, "application/x-ndjson", w.Header().Get("Content-Type"))
	require.Contains(t, w.Header().Get("Content-Disposition"), ".ocsf.jsonl")
	var active int
	sc := bufio.NewScanner(strings.NewReader(w.Body.String()))
	for sc.Scan() {
		var o audit.OCSFEvent
		require.NoError(t, json.Unmarshal(sc.Bytes(), &o))
		if o.Metadata.EventCode == stint.EventGrantActive {
			active++
			require.Equal(t, audit.ClassUserAccess, o.ClassUID)
			require.NotEmpty(t, o.User.EmailAddr)
			require.Equal(t, "aws-sso:222222222222/ReadOnly", o.Resources[0].UID)
		}
	}
	require.Equal(t, 2, active)
	w = e.call("GET", "/api/v1/events/export?format=csv&subject="+ga.ID, carol, nil)
	require.Equal(t, http.StatusOK, w.Code)
	require.True(t, strings.HasPrefix(w.Body.String(), strings.Join(audit.CSVHeader, ",")+"\n"))
	w = e.call("GET", "/api/v1/events/export?format=csv&subject="+gb.ID, alice, nil)
	requireAPIError(t, w, http.StatusNotFound, stint.ENOTFOUND, "no request or grant")
	requireAPIError(t, e.call("GET", "/api/v1/events/export?format=xml", carol, nil), http.StatusBadRequest, stint.EINVALID, "csv, jsonl or ocsf")

	sum := decode[stint.Summary](t, e.call("GET", "/api/v1/audit/report?week=2025-06-04", carol, nil), http.StatusOK)
	require.Equal(t, time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC), sum.From)
	require.Equal(t, 2, sum.Requests.Submitted)
	require.Equal(t, []stint.FlowCount{{Flow: "dev-auto", Grants: 2, Started: 2, Users: 2}}, sum.GrantsByFlow)
	require.Equal(t, ga.ID, sum.LongestGrants[1].GrantID, "1h30m with its extension, after bob's 2h")
	w = e.call("GET", "/api/v1/audit/report?week=2025-06-04&format=csv", carol, nil)
	require.Equal(t, http.StatusOK, w.Code)
	require.Equal(t, "text/csv; charset=utf-8", w.Header().Get("Content-Type"))
	require.True(t, strings.HasPrefix(w.Body.String(), strings.Join(audit.ReportCSVHeader, ",")))
	requireAPIError(t, e.call("GET", "/api/v1/audit/report", bob, nil), http.StatusForbidden, stint.EFORBIDDEN, "only admins")
	requireAPIError(t, e.call("GET", "/api/v1/audit/report?from=2025-06-02", carol, nil), http.StatusBadRequest, stint.EINVALID, "both from and to")

	require.Equal(t, []access.ForwardStatus{}, decode[[]access.ForwardStatus](t, e.call("GET", "/api/v1/audit/forwarding", carol, nil), http.StatusOK))
}
