package web

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSlackRoutes: /slack/* goes to the Slack handler without a bearer
// token (Slack signs its requests instead); without one it is not served.
func TestSlackRoutes(t *testing.T) {
	t.Parallel()
	var paths []string
	e := setup(t, func(c *Config) {
		c.Slack = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			paths = append(paths, r.URL.Path)
			w.WriteHeader(http.StatusNoContent)
		})
	})
	for _, p := range []string{"/slack/commands", "/slack/interactions", "/slack/options"} {
		w := e.call(http.MethodPost, p, "", "")
		require.Equal(t, http.StatusNoContent, w.Code, p)
		require.Equal(t, "no-store", w.Header().Get("Cache-Control"))
	}
	require.Equal(t, []string{"/slack/commands", "/slack/interactions", "/slack/options"}, paths)
	require.Equal(t, http.StatusUnauthorized, e.call(http.MethodGet, "/api/v1/me", "", nil).Code, "the API still wants a token")

	off := setup(t)
	require.Equal(t, http.StatusNotFound, off.call(http.MethodPost, "/slack/commands", "", "").Code)
}
