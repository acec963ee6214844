package access_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
	"github.com/stint-dev/stint/audit"
	"github.com/stint-dev/stint/provider/providertest"
	"github.com/stint-dev/stint/store/sqlite"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./access -update to write %s", path)
	require.Equal(t, string(want), string(got), "%s differs; if intended, run go test ./access -update", path)
}

// Monday 2026-11-30, 08:00 UTC.
var day = time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)

func hm(h, m int) time.Time {
	return day.Add(time.Duration(h-8)*time.Hour + time.Duration(m)*time.Minute)
}

// history is a service with a fixed clock and sequential IDs on which a
// day of access was played:
//
//	08:00 alice: dev ReadOnly for 1h (auto-approved)           G1 08:00-09:00, expired
//	08:30 carol: dev ReadOnly for 2h (auto-approved)           G2 08:30-10:00, revoked early
//	09:00 alice: prod Admin for 1h, INC-1, approved by bob     G3 09:00-10:30, extended:
//	09:30 alice asks 30m more ("need more"), bob approves
//	09:40 carol: prod Admin, denied by bob ("use read-only")
//	09:50 carol: dev Admin, break-glass (INC-2)                G4 09:50-10:20, revoked
type history struct {
	f              *fixture
	g1, g2, g3, g4 *stint.Grant
	extensionReq   string
}

func playHistory(t *testing.T) *history {
	t.Helper()
	ctx := context.Background()
	db := sqlite.OpenTest(t)
	prov := &providertest.Fake{DirectoryFunc: func(context.Context) (*stint.Directory, error) { return testDirectory(), nil }}
	clk := &clock{t: day}
	var n atomic.Int64
	flows := func() []stint.Flow {
		fs := testFlows()
		fs = append(fs, stint.Flow{Name: "dev-emergency", Requesters: []string{"group:Engineers"}, MaxDuration: stint.Duration(time.Hour),
			Approvers: []string{"group:Security"}, BreakGlass: &stint.BreakGlass{MaxDuration: stint.Duration(time.Hour)},
			Resources: []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{Accounts: []string{"name:dev-002"}, PermissionSets: []string{"AdministratorAccess"}}}}})
		return fs
	}
	svc := &access.Service{Store: db, Provider: prov, Now: clk.Now, Flows: flows,
		NewID:  func() string { return fmt.Sprintf("01H%023d", n.Add(1)) },
		Admins: func() []string { return []string{"dave@example.com"} }}
	t.Cleanup(svc.Wait)
	_, err := svc.SyncDirectory(ctx)
	require.NoError(t, err)
	f := &fixture{svc: svc, store: db, prov: prov, clock: clk}
	h := &history{f: f}
	at := func(tm time.Time) {
		if d := tm.Sub(clk.Now()); d > 0 {
			clk.Add(d)
		}
	}
	submit := func(who string, in access.SubmitInput) *stint.Request {
		t.Helper()
		r, err := svc.Submit(ctx, f.caller(t, who), in)
		require.NoError(t, err)
		return r
	}
	activate := func(r *stint.Request) *stint.Grant {
		t.Helper()
		gs := f.grants(t, r.ID)
		require.Len(t, gs, 1)
		require.NoError(t, svc.Activate(ctx, gs[0].ID))
		return f.grant(t, gs[0].ID)
	}
	dev := []access.ResourceInput{{Account: "dev-002", PermissionSet: "ReadOnlyAccess"}}
	prod := []access.ResourceInput{{Account: "prod-payments", PermissionSet: "AdministratorAccess"}}

	h.g1 = activate(submit("alice@example.com", access.SubmitInput{Resources: dev, Reason: "debug", Duration: time.Hour}))
	at(hm(8, 30))
	h.g2 = activate(submit("carol@example.com", access.SubmitInput{Resources: dev, Reason: "logs", Duration: 2 * time.Hour}))
	at(hm(9, 0))
	require.NoError(t, svc.Expire(ctx, h.g1.ID))
	r3 := submit("alice@example.com", access.SubmitInput{Resources: prod, Reason: "INC-1", Duration: time.Hour})
	_, err = svc.Approve(ctx, f.caller(t, "bob@example.com"), r3.ID, "ok")
	require.NoError(t, err)
	h.g3 = activate(r3)
	at(hm(9, 30))
	ext := submit("alice@example.com", access.SubmitInput{ExtendsGrant: h.g3.ID, Duration: 30 * time.Minute, Reason: "need more"})
	h.extensionReq = ext.ID
	_, err = svc.Approve(ctx, f.caller(t, "bob@example.com"), ext.ID, "fine")
	require.NoError(t, err)
	at(hm(9, 40))
	denied := submit("carol@example.com", access.SubmitInput{Resources: prod, Reason: "curious", Duration: time.Hour})
	_, err = svc.Deny(ctx, f.caller(t, "bob@example.com"), denied.ID, "use read-only")
	require.NoError(t, err)
	at(hm(9, 50))
	h.g4 = activate(submit("carol@example.com", access.SubmitInput{Resources: []access.ResourceInput{{Account: "dev-002", PermissionSet: "AdministratorAccess"}},
		Reason: "INC-2", Duration: 30 * time.Minute, BreakGlass: true}))
	at(hm(10, 0))
	_, err = svc.Revoke(ctx, f.caller(t, "carol@example.com"), h.g2.ID)
	require.NoError(t, err)
	svc.Wait() // the access is removed now: the grant ends at 10:00
	at(hm(10, 20))
	_, err = svc.Revoke(ctx, f.caller(t, "dave@example.com"), h.g4.ID)
	require.NoError(t, err)
	svc.Wait()
	at(hm(10, 30))
	require.NoError(t, svc.Expire(ctx, h.g3.ID))
	at(hm(12, 0))
	return h
}

func recordIDs(rep *stint.AccessReport) []string {
	out := []string{}
	for _, r := range rep.Records {
		out = append(out, r.Grant.ID)
	}
	return out
}

// TestWhoHadAndReach: point-in-time questions answered from the ledger of
// a scripted day with overlapping, extended and revoked grants.
func TestWhoHadAndReach(t *testing.T) {
	t.Parallel()
	h := playHistory(t)
	ctx := context.Background()
	f, admin := h.f, h.f.caller(t, "dave@example.com")
	const devRO = "aws-sso:222222222222/ReadOnlyAccess"
	whoHad := func(res string, from, until time.Time) *stint.AccessReport {
		t.Helper()
		rep, err := f.svc.WhoHad(ctx, admin, access.AccessInput{Resource: res, From: from, Until: until})
		require.NoError(t, err)
		return rep
	}
	tests := []struct {
		name        string
		res         string
		from, until time.Time
		want        []string
	}{
		{"both overlapping grants", devRO, hm(8, 50), hm(9, 10), []string{h.g1.ID, h.g2.ID}},
		{"after the first expired", devRO, hm(9, 5), hm(9, 10), []string{h.g2.ID}},
		{"the window ends as the first starts", devRO, hm(7, 0), hm(8, 0), []string{}},
		{"the revoked grant ended early", devRO, hm(10, 5), hm(10, 25), []string{}},
		{"the extension counts", "aws-sso:prod-payments/AdministratorAccess", hm(10, 15), hm(10, 20), []string{h.g3.ID}},
		{"the whole day", devRO, day, day.Add(24 * time.Hour), []string{h.g1.ID, h.g2.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, recordIDs(whoHad(tt.res, tt.from, tt.until)))
		})
	}

	rep := whoHad("aws-sso:prod-payments/AdministratorAccess", day, day.Add(24*time.Hour))
	require.Equal(t, "aws-sso:111111111111/AdministratorAccess", rep.Resource, "the account name resolved")
	require.Len(t, rep.Records, 1)
	rec := rep.Records[0]
	require.Equal(t, hm(9, 0), rec.From)
	require.Equal(t, hm(10, 30), rec.Until, "the real end: ended_at, after the extension")
	require.False(t, rec.Open)
	require.Equal(t, "INC-1", rec.Request.Reason)
	require.Equal(t, "bob@example.com", rec.Request.Reviews[0].ReviewerEmail)
	require.Equal(t, "ok", rec.Request.Reviews[0].Comment)
	require.Len(t, rec.Extensions, 1)
	x := rec.Extensions[0]
	require.Equal(t, hm(9, 30), x.At)
	require.Equal(t, "30m", x.By)
	require.Equal(t, hm(10, 30), x.EndsAt)
	require.Equal(t, h.extensionReq, x.RequestID)
	require.Equal(t, "need more", x.Reason)
	require.Equal(t, "alice@example.com", x.Requester)
	require.Equal(t, "fine", x.Reviews[0].Comment)

	reach := func(user string, from, until time.Time) *stint.AccessReport {
		t.Helper()
		rep, err := f.svc.Reach(ctx, admin, access.AccessInput{User: user, From: from, Until: until})
		require.NoError(t, err)
		return rep
	}
	require.Equal(t, []string{h.g1.ID, h.g3.ID}, recordIDs(reach("alice@example.com", day, day.Add(24*time.Hour))))
	require.Equal(t, []string{h.g2.ID, h.g4.ID}, recordIDs(reach("carol@example.com", day, day.Add(24*time.Hour))))
	require.Equal(t, []string{h.g4.ID}, recordIDs(reach("carol@example.com", hm(10, 5), hm(11, 0))))
	require.Empty(t, recordIDs(reach("alice@example.com", hm(10, 30), hm(11, 0))), "ended exactly at 10:30")
	require.Empty(t, recordIDs(reach("alice@example.com", day.AddDate(0, 0, 1), day.AddDate(0, 0, 2))))
	require.True(t, reach("carol@example.com", day, hm(11, 0)).Records[1].Grant.BreakGlass)

	_, err := f.svc.WhoHad(ctx, f.caller(t, "alice@example.com"), access.AccessInput{Resource: devRO, From: day, Until: hm(9, 0)})
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err))
	_, err = f.svc.Reach(ctx, f.caller(t, "bob@example.com"), access.AccessInput{User: "alice@example.com", From: day, Until: hm(9, 0)})
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err))
	_, err = f.svc.WhoHad(ctx, admin, access.AccessInput{Resource: devRO, From: hm(9, 0), Until: hm(9, 0)})
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
	_, err = f.svc.WhoHad(ctx, admin, access.AccessInput{Resource: "aws-sso:nope/ReadOnlyAccess", From: day, Until: hm(9, 0)})
	require.Equal(t, stint.ENOTFOUND, stint.ErrorCode(err))
	_, err = f.svc.WhoHad(ctx, admin, access.AccessInput{Resource: "prod-payments", From: day, Until: hm(9, 0)})
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err))

	evs, err := f.svc.Events(ctx, admin, access.EventsInput{Resource: "aws-sso:prod-payments/AdministratorAccess", Type: "request.*"})
	require.NoError(t, err)
	var types []string
	for _, e := range evs {
		types = append(types, e.Type)
	}
	require.Equal(t, []string{stint.EventRequestCreated, stint.EventRequestApproved, // alice
		stint.EventRequestCreated, stint.EventRequestApproved, // her extension
		stint.EventRequestCreated, stint.EventRequestDenied}, types) // carol, denied
	evs, err = f.svc.Events(ctx, admin, access.EventsInput{Account: "dev-002", Flow: "dev-emergency", Type: stint.EventBreakGlass})
	require.NoError(t, err)
	require.Len(t, evs, 1)
}

// TestWeeklyReport: the week's report of the scripted day, as JSON and
// CSV, against golden files; recorded once as an audit.weekly_report event.
func TestWeeklyReport(t *testing.T) {
	t.Parallel()
	h := playHistory(t)
	ctx := context.Background()
	f, admin := h.f, h.f.caller(t, "dave@example.com")
	from, until := audit.Week(day.Add(50 * time.Hour))
	require.Equal(t, day.Add(-8*time.Hour), from, "the week starts on Monday")
	sum, err := f.svc.Report(ctx, admin, from, until)
	require.NoError(t, err)
	b, err := json.MarshalIndent(sum, "", "  ")
	require.NoError(t, err)
	golden(t, "report.json", append(b, '\n'))
	var buf bytes.Buffer
	require.NoError(t, audit.WriteReportCSV(&buf, sum))
	golden(t, "report.csv", buf.Bytes())

	require.Equal(t, stint.RequestCounts{Submitted: 6, Approved: 5, Denied: 1, BreakGlass: 1}, sum.Requests)
	require.Equal(t, "carol@example.com", sum.Denied[0].Requester)
	require.Equal(t, "use read-only", sum.Denied[0].Reason)
	require.Equal(t, h.g2.ID, sum.LongestGrants[0].GrantID, "1h30m")
	require.Equal(t, h.g3.ID, sum.LongestGrants[1].GrantID, "1h30m with its extension, after G2 by ID")

	_, err = f.svc.Report(ctx, f.caller(t, "alice@example.com"), from, until)
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err))

	// The scheduled report, the Monday after.
	f.clock.Add(7 * 24 * time.Hour)
	rec, err := f.svc.RecordWeeklyReport(ctx)
	require.NoError(t, err)
	require.Equal(t, sum.Requests, rec.Requests)
	again, err := f.svc.RecordWeeklyReport(ctx)
	require.NoError(t, err)
	require.Nil(t, again, "each week once")
	evs, err := f.store.EventList(ctx, &stint.EventListParams{Type: stint.EventWeeklyReport})
	require.NoError(t, err)
	require.Len(t, evs, 1)
	require.Equal(t, "week-2026-11-30", evs[0].Subject)
	require.EqualValues(t, 6, evs[0].Data["requests"].(map[string]any)["submitted"])
}
