package portal

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
)

//go:embed static templates
var embedded embed.FS

// asset is one embedded static file, with its gzip form.
type asset struct {
	name    string
	body    []byte
	gz      []byte
	version string // the first 12 hex digits of its SHA-256
	ctype   string
}

// assets are the portal's static files, served from memory.
type assets struct{ byName map[string]*asset }

func loadAssets(fsys fs.FS) *assets {
	a := &assets{byName: map[string]*asset{}}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		ext := path.Ext(e.Name())
		if e.IsDir() || (ext != ".css" && ext != ".js" && ext != ".svg") {
			continue
		}
		body, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(body)
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		_, _ = zw.Write(body)
		_ = zw.Close()
		a.byName[e.Name()] = &asset{name: e.Name(), body: body, gz: gz.Bytes(), version: hex.EncodeToString(sum[:6]),
			ctype: mime.TypeByExtension(ext)}
	}
	return a
}

// url returns the asset's URL with its version, which lets browsers cache
// it for good.
func (a *assets) url(name string) string {
	if as, ok := a.byName[name]; ok {
		return "/static/" + name + "?v=" + as.version
	}
	return "/static/" + name
}

// serve answers GET /static/{name}, gzipped when the browser takes it.
func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	as, ok := a.byName[chi.URLParam(r, "name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", as.ctype)
	h.Set("Vary", "Accept-Encoding")
	h.Set("ETag", `"`+as.version+`"`)
	if r.URL.Query().Get("v") == as.version {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=300")
	}
	if r.Header.Get("If-None-Match") == `"`+as.version+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := as.body
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = as.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

func acceptsGzip(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept-Encoding"), ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}
