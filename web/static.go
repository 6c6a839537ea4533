package web

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"time"
)

//go:embed static/style.css
var css []byte

// cssVersion is a digest of the stylesheet: its ETag, and the version in its URL, so that a new
// stylesheet is fetched at once despite caching.
var cssVersion = func() string {
	sum := sha256.Sum256(css)
	return hex.EncodeToString(sum[:8])
}()

// cssURL is the stylesheet's URL as pages link it.
var cssURL = "/static/style.css?v=" + cssVersion

// serveCSS serves the stylesheet, cacheable (it is the same for everyone) and revalidated by ETag.
func serveCSS(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=86400")
	h.Set("ETag", `"`+cssVersion+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "style.css", time.Time{}, bytes.NewReader(css))
}
