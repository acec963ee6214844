package client_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/client"
)

// recorded is what the fake server saw of one call.
type recorded struct {
	method, path, query, auth, contentType string
	body                                   map[string]any
}

func fakeServer(t *testing.T, status int, answer string) (*httptest.Server, *recorded) {
	t.Helper()
	rec := &recorded{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.method, rec.path, rec.query = r.Method, r.URL.EscapedPath(), r.URL.RawQuery
		rec.auth, rec.contentType = r.Header.Get("Authorization"), r.Header.Get("Content-Type")
		data, _ := io.ReadAll(r.Body)
		rec.body = nil
		if len(data) > 0 {
			require.NoError(t, json.Unmarshal(data, &rec.body))
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	return srv, rec
}

func TestCalls(t *testing.T) {
	t.Parallel()
	start := time.Date(2025, 7, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		answer    string
		call      func(c *client.Client) (any, error)
		wantPath  string
		wantQuery string
		wantBody  map[string]any
	}{
		{name: "me", answer: `{"user":"alice","email":"alice@example.com","groups":["Engineers"],"admin":true}`,
			call: func(c *client.Client) (any, error) { return c.Me(context.Background()) }, wantPath: "GET /api/v1/me"},
		{name: "resources", answer: `[{"flow":"f","max_duration":"4h"}]`,
			call: func(c *client.Client) (any, error) { return c.Resources(context.Background()) }, wantPath: "GET /api/v1/resources"},
		{name: "submit", answer: `{"id":"R1","state":"pending"}`,
			call: func(c *client.Client) (any, error) {
				return c.Submit(context.Background(), client.SubmitInput{
					Resources: []client.Resource{{Account: "prod-payments", PermissionSet: "AdministratorAccess"}},
					Duration:  90 * time.Minute, Reason: "INC-4211", StartsAt: &start,
				})
			},
			wantPath: "POST /api/v1/requests",
			wantBody: map[string]any{"resources": []any{map[string]any{"account": "prod-payments", "permission_set": "AdministratorAccess"}},
				"duration": "1h30m", "reason": "INC-4211", "starts_at": "2025-07-01T09:00:00Z"}},
		{name: "submit a bundle, break-glass", answer: `{"id":"R2","state":"approved","bundle":"payments-ro","break_glass":true}`,
			call: func(c *client.Client) (any, error) {
				return c.Submit(context.Background(), client.SubmitInput{
					Bundle: "payments-ro", Reason: "payments down", Ticket: "INC-9", BreakGlass: true,
				})
			},
			wantPath: "POST /api/v1/requests",
			wantBody: map[string]any{"bundle": "payments-ro", "reason": "payments down", "ticket": "INC-9", "break_glass": true}},
		{name: "requests", answer: `[]`,
			call: func(c *client.Client) (any, error) {
				return c.Requests(context.Background(), client.RequestsParams{Pending: true, Limit: 5})
			},
			wantPath: "GET /api/v1/requests", wantQuery: "limit=5&pending=true"},
		{name: "request with an odd ID", answer: `{"id":"a/b"}`,
			call:     func(c *client.Client) (any, error) { return c.Request(context.Background(), "a/b") },
			wantPath: "GET /api/v1/requests/a%2Fb"},
		{name: "approve", answer: `{"id":"R1"}`,
			call:     func(c *client.Client) (any, error) { return c.Approve(context.Background(), "R1", "ok") },
			wantPath: "POST /api/v1/requests/R1/approve", wantBody: map[string]any{"comment": "ok"}},
		{name: "deny", answer: `{"id":"R1"}`,
			call:     func(c *client.Client) (any, error) { return c.Deny(context.Background(), "R1", "no") },
			wantPath: "POST /api/v1/requests/R1/deny", wantBody: map[string]any{"reason": "no"}},
		{name: "cancel", answer: `{"id":"R1"}`,
			call:     func(c *client.Client) (any, error) { return c.Cancel(context.Background(), "R1") },
			wantPath: "POST /api/v1/requests/R1/cancel", wantBody: map[string]any{}},
		{name: "grants", answer: `[]`,
			call: func(c *client.Client) (any, error) {
				return c.Grants(context.Background(), client.GrantsParams{All: true})
			},
			wantPath: "GET /api/v1/grants", wantQuery: "all=true"},
		{name: "grant", answer: `{"id":"G1"}`,
			call:     func(c *client.Client) (any, error) { return c.Grant(context.Background(), "G1") },
			wantPath: "GET /api/v1/grants/G1"},
		{name: "revoke", answer: `{"id":"G1"}`,
			call:     func(c *client.Client) (any, error) { return c.Revoke(context.Background(), "G1") },
			wantPath: "POST /api/v1/grants/G1/revoke", wantBody: map[string]any{}},
		{name: "extend", answer: `{"id":"G1"}`,
			call:     func(c *client.Client) (any, error) { return c.Extend(context.Background(), "G1", 36*time.Hour) },
			wantPath: "POST /api/v1/grants/G1/extend", wantBody: map[string]any{"duration": "1d12h"}},
		{name: "activate", answer: `{"id":"G1","state":"activating"}`,
			call:     func(c *client.Client) (any, error) { return c.Activate(context.Background(), "G1") },
			wantPath: "POST /api/v1/grants/G1/activate", wantBody: map[string]any{}},
		{name: "flows", answer: `[{"name":"prod-admin","max_duration":"4h"}]`,
			call:     func(c *client.Client) (any, error) { return c.Flows(context.Background()) },
			wantPath: "GET /api/v1/flows"},
		{name: "can", answer: `{"allowed":true,"user":"alice@example.com","flow":"prod-admin","max_duration":"4h"}`,
			call: func(c *client.Client) (any, error) {
				return c.Can(context.Background(), client.CanInput{User: "alice@example.com", Account: "prod-payments",
					PermissionSet: "AdministratorAccess", Duration: 2 * time.Hour})
			},
			wantPath: "POST /api/v1/can",
			wantBody: map[string]any{"user": "alice@example.com", "account": "prod-payments", "permission_set": "AdministratorAccess", "duration": "2h"}},
		{name: "can, as myself, the default duration", answer: `{"allowed":false}`,
			call: func(c *client.Client) (any, error) {
				return c.Can(context.Background(), client.CanInput{Account: "111111111111", PermissionSet: "ReadOnly"})
			},
			wantPath: "POST /api/v1/can", wantBody: map[string]any{"account": "111111111111", "permission_set": "ReadOnly"}},
		{name: "who-can", answer: `[{"user":"alice@example.com","flow":"prod-admin","approvers":["group:Security"]}]`,
			call: func(c *client.Client) (any, error) {
				return c.WhoCan(context.Background(), client.Resource{Account: "prod payments", PermissionSet: "AdministratorAccess"})
			},
			wantPath: "GET /api/v1/who-can", wantQuery: "account=prod+payments&permission_set=AdministratorAccess"},
		{name: "events", answer: `[]`,
			call: func(c *client.Client) (any, error) {
				return c.Events(context.Background(), client.EventsParams{Since: "1h", Subject: "R1", Limit: 10})
			},
			wantPath: "GET /api/v1/events", wantQuery: "limit=10&since=1h&subject=R1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, rec := fakeServer(t, http.StatusOK, tt.answer)
			c := client.New(srv.URL+"/", "stint_secret")
			got, err := tt.call(c)
			require.NoError(t, err)
			require.NotNil(t, got)
			require.Equal(t, tt.wantPath, rec.method+" "+rec.path)
			require.Equal(t, tt.wantQuery, rec.query)
			require.Equal(t, "Bearer stint_secret", rec.auth)
			require.Equal(t, tt.wantBody, rec.body)
			if tt.wantBody != nil {
				require.Equal(t, "application/json", rec.contentType)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   int
		answer   string
		wantCode string
		wantMsg  string
	}{
		{name: "API error keeps code and message", status: 403, answer: `{"error":{"code":"forbidden","message":"you cannot review your own request"}}`,
			wantCode: stint.EFORBIDDEN, wantMsg: "you cannot review your own request"},
		{name: "API error with a code unlike the status", status: 405, answer: `{"error":{"code":"invalid","message":"method DELETE is not allowed"}}`,
			wantCode: stint.EINVALID, wantMsg: "method DELETE is not allowed"},
		{name: "proxy error page", status: 502, answer: "<html>\n<body>Bad Gateway</body></html>",
			wantCode: stint.EUNAVAILABLE, wantMsg: "stint server answered 502 Bad Gateway: <html> <body>Bad Gateway</body></html>"},
		{name: "not the API", status: 404, answer: "404 page not found",
			wantCode: stint.ENOTFOUND, wantMsg: "stint server answered 404 Not Found"},
		{name: "success that is not JSON", status: 200, answer: "<html>",
			wantCode: stint.EINTERNAL, wantMsg: "is --server the stint API?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := fakeServer(t, tt.status, tt.answer)
			_, err := client.New(srv.URL, "tok").Me(context.Background())
			var se *stint.Error
			require.ErrorAs(t, err, &se)
			require.Equal(t, tt.wantCode, se.Code)
			require.Contains(t, se.Message, tt.wantMsg)
		})
	}
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := "http://" + l.Addr().String()
	require.NoError(t, l.Close())

	_, err = client.New(addr, "tok").Grants(context.Background(), client.GrantsParams{})
	require.True(t, stint.IsCode(err, stint.EUNAVAILABLE), "err = %v", err)
	require.Contains(t, err.Error(), "cannot reach stint at "+addr+": ")
	require.Contains(t, err.Error(), "is `stint serve` running? set --server or STINT_SERVER")
}

func TestBadServerURL(t *testing.T) {
	t.Parallel()
	for _, server := range []string{"", "127.0.0.1:8080", "ftp://host", "http://", "http://host?x=1"} {
		_, err := client.New(server, "tok").Me(context.Background())
		require.True(t, stint.IsCode(err, stint.EINVALID), "%q: err = %v", server, err)
	}
}

func TestPolicyAnswers(t *testing.T) {
	t.Parallel()
	srv, _ := fakeServer(t, http.StatusOK, `{"allowed":false,"user":"dave@example.com","resource":"aws-sso:111111111111/ReadOnly",
		"auto_approve":false,"break_glass":false,"reasons":[{"flow":"prod-admin","allowed":false,"reason":"dave is not a requester"}]}`)
	ex, err := client.New(srv.URL, "tok").Can(context.Background(), client.CanInput{Account: "a", PermissionSet: "b"})
	require.NoError(t, err, "a deny is an answer, not an error")
	require.False(t, ex.Allowed)
	require.Equal(t, "dave is not a requester", ex.Reasons[0].Reason)

	srv, _ = fakeServer(t, http.StatusOK, `[{"user":"alice@example.com","flow":"prod-admin","auto_approve":false,"break_glass":true,
		"max_duration":"4h","approvers":["group:Security","group:Approvers"]}]`)
	list, err := client.New(srv.URL, "tok").WhoCan(context.Background(), client.Resource{Account: "a", PermissionSet: "b"})
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, stint.Duration(4*time.Hour), list[0].MaxDuration)
	require.Equal(t, []string{"group:Security", "group:Approvers"}, list[0].Approvers)

	srv, _ = fakeServer(t, http.StatusForbidden, `{"error":{"code":"forbidden","message":"only stint admins may ask who can request a resource"}}`)
	_, err = client.New(srv.URL, "tok").WhoCan(context.Background(), client.Resource{Account: "a", PermissionSet: "b"})
	require.True(t, stint.IsCode(err, stint.EFORBIDDEN), "err = %v", err)
}
