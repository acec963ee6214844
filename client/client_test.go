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
