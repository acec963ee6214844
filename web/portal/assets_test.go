package portal_test

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The vendored htmx is the file scripts/vendor.sh recorded.
func TestVendoredHTMX(t *testing.T) {
	t.Parallel()
	meta, err := os.ReadFile("static/htmx.VERSION")
	require.NoError(t, err)
	fields := map[string]string{}
	for line := range strings.SplitSeq(string(meta), "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok {
			fields[k] = v
		}
	}
	require.Equal(t, "htmx.org", fields["package"])
	require.Regexp(t, `^2\.0\.[0-9]+$`, fields["version"])
	js, err := os.ReadFile("static/htmx.min.js")
	require.NoError(t, err)
	sum := sha256.Sum256(js)
	require.Equal(t, fields["sha256"], hex.EncodeToString(sum[:]), "static/htmx.min.js changed; refresh it with scripts/vendor.sh")
	require.Contains(t, string(js), `version:"`+fields["version"]+`"`)
}

func TestStaticAssets(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.anonymous()
	_, page := a.get("/login")
	urls := regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllStringSubmatch(page, -1)
	require.Len(t, urls, 4, "favicon, style sheet, htmx, portal.js")
	for _, u := range urls {
		resp := a.do("GET", u[1], nil, http.Header{"Accept-Encoding": {"gzip"}})
		require.Equal(t, http.StatusOK, resp.StatusCode, u[1])
		require.Equal(t, "public, max-age=31536000, immutable", resp.Header.Get("Cache-Control"), "versioned URLs are cached for good")
		require.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
		zr, err := gzip.NewReader(resp.Body)
		require.NoError(t, err)
		body, err := io.ReadAll(zr)
		require.NoError(t, err)
		require.NotEmpty(t, body)
		resp.Body.Close()
		etag := resp.Header.Get("ETag")
		again := a.do("GET", u[1], nil, http.Header{"If-None-Match": {etag}})
		require.Equal(t, http.StatusNotModified, again.StatusCode)
		again.Body.Close()
	}
	resp := a.do("GET", "/static/portal.css", nil, nil)
	require.Equal(t, "public, max-age=300", resp.Header.Get("Cache-Control"), "unversioned: briefly")
	require.Empty(t, resp.Header.Get("Content-Encoding"))
	require.Equal(t, "text/css; charset=utf-8", resp.Header.Get("Content-Type"))
	resp.Body.Close()
	resp = a.do("GET", "/static/nope.js", nil, nil)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp.Body.Close()
}
