package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

var wantHeaders = map[string]string{
	"Cache-Control":           "no-store",
	"X-Frame-Options":         "DENY",
	"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
	"Referrer-Policy":         "same-origin",
	"X-Content-Type-Options":  "nosniff",
}

// TestSecurityHeaders checks every kind of page: forms, pages with and without a user, redirects, the
// CSRF rejection, 405, 404 and 503.
func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "", false, false)
	anon := e.client("")
	c := e.client("")
	c.login("alice", false)

	check := func(name string, resp *response) {
		t.Helper()
		for h, want := range wantHeaders {
			if got := resp.Header.Get(h); got != want {
				t.Errorf("%s: %s = %q, want %q", name, h, got, want)
			}
		}
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther &&
			!strings.HasPrefix(ct, "text/html") {
			t.Errorf("%s: Content-Type = %q", name, ct)
		}
	}
	check("GET /login", anon.get("/login"))
	check("POST /login (failure)", anon.post("/login", url.Values{"username": {"alice"}, "password": {"nope"}}))
	check("POST /login (no token)", anon.post("/login", url.Values{"csrfmiddlewaretoken": {""}}))
	check("GET / (anonymous)", anon.get("/"))
	check("GET /account (anonymous)", anon.get("/account"))
	check("GET /", c.get("/"))
	check("GET /account", c.get("/account"))
	check("POST /account/tokens", c.post("/account/tokens", url.Values{"name": {"t"}}))
	c.get("/account")
	check("POST /account/sessions/revoke-others", c.post("/account/sessions/revoke-others", nil))
	check("GET /logout", c.get("/logout"))
	c.get("/account")
	check("POST /account/tokens/0/revoke", c.post("/account/tokens/0/revoke", nil))
	c.get("/account")
	e.store.down.Store(true)
	resp := c.get("/account")
	wantStatus(t, resp, http.StatusServiceUnavailable)
	check("503", resp)
	e.store.down.Store(false)
	c.get("/account")
	check("POST /logout", c.post("/logout", nil))
}
