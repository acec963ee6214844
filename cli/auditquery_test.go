package cli_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/cli"
)

var (
	fxWhoHad = &stint.AccessReport{Resource: "aws-sso:111111111111/AdministratorAccess", From: at(-3 * time.Hour), Until: at(0), At: now,
		Records: []stint.AccessRecord{
			{Grant: fxEnded, From: fxEnded.StartsAt, Until: *fxEnded.EndedAt,
				Request: &stint.Request{ID: fxEnded.RequestID, Reason: "INC-4211 payments are failing", Ticket: "CHG-1",
					Reviews: []stint.Review{{ReviewerEmail: "bob@example.com", Decision: "approve", Comment: "ok"}}},
				Extensions: []stint.GrantExtension{{At: at(-150 * time.Minute), Actor: "system", By: "30m", EndsAt: at(-2 * time.Hour),
					RequestID: "01JR000000000000000000EXT1", Requester: "alice@example.com", Reason: "need more",
					Reviews: []stint.Review{{ReviewerEmail: "carol@example.com", Decision: "approve"}}}}},
			{Grant: fxActive, From: fxActive.StartsAt, Until: fxActive.EndsAt, Open: true,
				Request: &stint.Request{ID: fxActive.RequestID, Reason: "debug", AutoApproved: true}},
		}}
	fxSummary = &stint.Summary{From: time.Date(2025, 5, 26, 0, 0, 0, 0, time.UTC), Until: time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC), GeneratedAt: now,
		Requests:      stint.RequestCounts{Submitted: 4, Approved: 3, Denied: 1, BreakGlass: 1},
		GrantsByFlow:  []stint.FlowCount{{Flow: "prod-admin", Grants: 2, Started: 2, Users: 1, BreakGlass: 1}, {Flow: "dev-auto", Grants: 1, Started: 1, Users: 1}},
		BreakGlass:    []stint.BreakGlassUse{{At: at(-72 * time.Hour), RequestID: "01JR0000000000000000000BG1", User: "alice@example.com", Flow: "prod-admin", Resources: []string{"aws-sso:111111111111/AdministratorAccess"}, Reason: "INC-9"}},
		Denied:        []stint.DeniedRequest{{At: at(-48 * time.Hour), RequestID: "01JR0000000000000000000DN1", Requester: "bob@example.com", Flow: "prod-admin", DeniedBy: "carol@example.com", Reason: "use read-only"}},
		TopRequesters: []stint.RequesterCount{{User: "alice@example.com", Requests: 3, Grants: 2}, {User: "bob@example.com", Requests: 1}},
		LongestGrants: []stint.GrantSpan{{GrantID: "01JG000000000000000000LONG", User: "alice@example.com", Resource: "aws-sso:111111111111/AdministratorAccess", Flow: "prod-admin",
			From: at(-100 * time.Hour), Until: at(-96 * time.Hour), Duration: stint.Duration(4 * time.Hour), Extensions: 1}},
	}
	fxForwarding = []map[string]any{
		{"name": "archive", "seq": 120, "behind": 0, "forwarded_at": at(-time.Minute), "attempted_at": at(-time.Minute), "version": 9},
		{"name": "siem", "seq": 100, "behind": 20, "forwarded_at": at(-time.Hour), "attempted_at": at(-time.Minute), "last_error": "webhook https://siem.example.com answered 503 Service Unavailable", "version": 4},
	}
)

// auditFake answers the audit routes and records the queries it got.
type auditFake struct {
	mu      sync.Mutex
	queries []string
}

func newAuditFake(t *testing.T) (*auditFake, map[string]string) {
	f := &auditFake{}
	mux := http.NewServeMux()
	answer := func(path string, v func(r *http.Request) any) {
		mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
			f.mu.Lock()
			f.queries = append(f.queries, r.URL.Path+"?"+r.URL.RawQuery)
			f.mu.Unlock()
			if r.URL.Query().Get("format") == "csv" {
				w.Header().Set("Content-Type", "text/csv")
				_, _ = w.Write([]byte("section,flow\nrequests,\n"))
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(v(r))
		})
	}
	answer("/api/v1/audit/who-had", func(*http.Request) any { return fxWhoHad })
	answer("/api/v1/audit/reach", func(*http.Request) any {
		rep := *fxWhoHad
		rep.Resource, rep.User = "", "alice@example.com"
		return &rep
	})
	answer("/api/v1/audit/report", func(*http.Request) any { return fxSummary })
	answer("/api/v1/audit/forwarding", func(*http.Request) any { return fxForwarding })
	answer("/api/v1/events", func(*http.Request) any { return fxEvents })
	mux.HandleFunc("GET /api/v1/events/export", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.queries = append(f.queries, r.URL.Path+"?"+r.URL.RawQuery)
		f.mu.Unlock()
		if r.URL.Query().Get("subject") == "cut" {
			w.Header().Set("Content-Length", "1000")
			_, _ = w.Write([]byte("{\"id\":\"E1\"}\n"))
			return // the connection ends before the promised length
		}
		_, _ = w.Write([]byte("{\"id\":\"E1\"}\n{\"id\":\"E2\"}\n"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return f, map[string]string{"STINT_SERVER": srv.URL, "STINT_TOKEN": "stint_test"}
}

func (f *auditFake) last() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.queries[len(f.queries)-1]
}

func TestAuditQueryCommands(t *testing.T) {
	t.Parallel()
	f, env := newAuditFake(t)
	tests := []struct {
		name, golden string
		args         []string
		query        string
	}{
		{"who-had", "audit-who-had", []string{"audit", "who-had", "aws-sso:prod-payments/AdministratorAccess", "--from", "2025-06-02T06:30:00Z", "--to", "2025-06-02T09:30:00Z"},
			"/api/v1/audit/who-had?from=2025-06-02T06%3A30%3A00Z&resource=aws-sso%3Aprod-payments%2FAdministratorAccess&to=2025-06-02T09%3A30%3A00Z"},
		{"reach", "audit-reach", []string{"audit", "reach", "alice@example.com", "--on", "2025-06-02"},
			"/api/v1/audit/reach?on=2025-06-02&user=alice%40example.com"},
		{"report", "audit-report", []string{"audit", "report", "--week", "2025-05-28"}, "/api/v1/audit/report?week=2025-05-28"},
		{"report csv", "", []string{"audit", "report", "-o", "csv"}, "/api/v1/audit/report?format=csv"},
		{"forwarding", "audit-forwarding", []string{"audit", "forwarding"}, "/api/v1/audit/forwarding?"},
		{"filters", "", []string{"audit", "--resource", "aws-sso:prod-payments/AdministratorAccess", "--type", "grant.*", "--since", "2025-06-01", "--until", "1h",
			"--actor", "alice@example.com", "--account", "prod-payments", "--flow", "prod-admin"},
			"/api/v1/events?account=prod-payments&actor=alice%40example.com&flow=prod-admin&resource=aws-sso%3Aprod-payments%2FAdministratorAccess&since=2025-06-01&type=grant.%2A&until=1h"},
		{"export", "", []string{"audit", "export", "--format", "ocsf", "--since", "7d"}, "/api/v1/events/export?format=ocsf&since=7d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, cli.Options{}, env, tt.args...)
			require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
			require.Equal(t, tt.query, f.last())
			if tt.golden != "" {
				golden(t, tt.golden, res.stdout)
			}
		})
	}
	res := runCLI(t, cli.Options{}, env, "audit", "who-had", "aws-sso:111111111111/AdministratorAccess", "--on", "2025-06-02", "-o", "json")
	require.Equal(t, 0, res.code, res.stderr)
	var rep stint.AccessReport
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &rep))
	require.Len(t, rep.Records, 2)
	require.Equal(t, "need more", rep.Records[0].Extensions[0].Reason)

	res = runCLI(t, cli.Options{}, env, "audit", "report", "-o", "csv")
	require.Equal(t, "section,flow\nrequests,\n", res.stdout)

	out := filepath.Join(t.TempDir(), "trail.jsonl")
	res = runCLI(t, cli.Options{}, env, "audit", "export", "--out", out)
	require.Equal(t, 0, res.code, res.stderr)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	require.Equal(t, 2, strings.Count(string(data), "\n"))

	cut := filepath.Join(t.TempDir(), "cut.jsonl")
	res = runCLI(t, cli.Options{}, env, "audit", "export", "--subject", "cut", "--out", cut)
	require.Equal(t, 7, res.code, "a cut export is an error: %s", res.stderr)
	require.Contains(t, res.stderr, "stopped before its end")
	require.NoFileExists(t, cut, "no partial file")
}

func TestAuditQueryUsageErrors(t *testing.T) {
	t.Parallel()
	_, env := newAuditFake(t)
	for _, tt := range []struct {
		args []string
		msg  string
	}{
		{[]string{"audit", "who-had", "x"}, "give the window"},
		{[]string{"audit", "who-had", "x", "--on", "2025-06-02", "--from", "1d"}, "not both"},
		{[]string{"audit", "reach", "alice@example.com", "--on", "yesterday"}, "not a date"},
		{[]string{"audit", "reach", "alice@example.com", "--from", "last week", "--to", "1h"}, "--from \"last week\" is not a time"},
		{[]string{"audit", "report", "--week", "2025-06-02", "--from", "1d"}, "not both"},
		{[]string{"audit", "report", "--from", "1d"}, "both --from and --to"},
		{[]string{"audit", "report", "-o", "xml"}, "table, json or csv"},
		{[]string{"audit", "export", "--format", "xml"}, "csv, jsonl or ocsf"},
		{[]string{"audit", "--since", "yesterday"}, "--since \"yesterday\" is not a time"},
	} {
		res := runCLI(t, cli.Options{}, env, tt.args...)
		require.Equal(t, 2, res.code, "%v: %s", tt.args, res.stderr)
		require.Contains(t, res.stderr, tt.msg, tt.args)
	}
}

// TestAuditQueriesAgainstRealServer: the commands against the real API.
func TestAuditQueriesAgainstRealServer(t *testing.T) {
	t.Parallel()
	url, tokens := realServer(t)
	as := func(user string, args ...string) result {
		return runCLI(t, cli.Options{}, map[string]string{"STINT_SERVER": url, "STINT_TOKEN": tokens[user]}, args...)
	}
	res := as("alice", "request", "dev-sandbox", "ReadOnly", "--for", "2h", "--reason", "debugging")
	require.Equal(t, 0, res.code, res.stderr)

	res = as("carol", "audit", "who-had", "aws-sso:dev-sandbox/ReadOnly", "--on", "2025-06-02", "-o", "json")
	require.Equal(t, 0, res.code, res.stderr)
	var rep stint.AccessReport
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &rep))
	require.Equal(t, "aws-sso:222222222222/ReadOnly", rep.Resource)
	require.Len(t, rep.Records, 1)
	require.Equal(t, "debugging", rep.Records[0].Request.Reason)

	res = as("carol", "audit", "reach", "alice@example.com", "--on", "2025-06-02")
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stdout, "aws-sso:222222222222/ReadOnly")
	res = as("alice", "audit", "reach", "alice@example.com", "--on", "2025-06-02")
	require.Equal(t, 4, res.code, "admins only")

	res = as("carol", "audit", "export", "--format", "csv", "--resource", "aws-sso:dev-sandbox/ReadOnly")
	require.Equal(t, 0, res.code, res.stderr)
	lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
	require.Equal(t, "time,id,actor,type,subject,data,seq,hash", lines[0])
	require.Greater(t, len(lines), 2, "the request's and the grant's events")

	res = as("carol", "audit", "report", "--week", "2025-06-02", "-o", "json")
	require.Equal(t, 0, res.code, res.stderr)
	var sum stint.Summary
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &sum))
	require.Equal(t, 1, sum.Requests.Submitted)
}
