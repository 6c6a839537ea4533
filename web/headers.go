package web

import "net/http"

// contentSecurityPolicy allows nothing but this site's own resources: no inline script or style, no
// framing, forms posting only here, no <base> rewriting.
const contentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"

// secured sets the headers of every page before next runs, so that error pages written by the CSRF
// check or the session middleware carry them too.
func secured(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SetSecurityHeaders(w.Header())
		next.ServeHTTP(w, r)
	})
}

// SetSecurityHeaders marks a response as private to this client (never cached: pages depend on the
// session and carry CSRF tokens) and unframeable, and restricts what the page may load. Every page
// of this package has them; a server writing HTML of its own around these pages (an error page of
// the session middleware) sets them too, so that no page of the site lacks them.
func SetSecurityHeaders(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
}
