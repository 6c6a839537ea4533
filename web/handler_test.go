package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/csrf"
	"github.com/sessionauth/sessionauth/session"
)

// TestWithoutSessionMiddleware: a mux served as is still gets sessions on the pages' routes.
func TestWithoutSessionMiddleware(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "", false, false)
	mux := http.NewServeMux()
	if err := (&Handler{Auth: e.am, Logger: quiet}).Register(mux); err != nil {
		t.Fatal(err)
	}
	bare := httptest.NewServer(mux)
	defer bare.Close()
	e.srv = bare // the client talks to the bare server

	c := e.client("")
	c.login("alice", true)
	if !c.signedIn() {
		t.Error("not signed in through a mux without the session middleware")
	}
	c.get("/")
	wantStatus(t, c.post("/logout", nil), http.StatusFound)
	if c.signedIn() {
		t.Error("still signed in after logout")
	}
}

func TestRegisterNeedsConfiguration(t *testing.T) {
	sm := &session.Manager{}
	for name, h := range map[string]*Handler{
		"NoAuth":     {},
		"NoSessions": {Auth: &auth.Manager{CSRF: &csrf.Policy{}}},
		"NoCSRF":     {Auth: &auth.Manager{Sessions: sm}},
	} {
		t.Run(name, func(t *testing.T) {
			if err := h.Register(http.NewServeMux()); err == nil || !strings.HasPrefix(err.Error(), "web: ") {
				t.Errorf("Register did not fail with a clear message: %v", err)
			}
		})
	}
}

func TestUnknownPathsAreNotOurs(t *testing.T) {
	e := newEnv(t)
	c := e.client("")
	for _, p := range []string{"/nope", "/account/x", "/static/other.css"} {
		wantStatus(t, c.get(p), http.StatusNotFound)
	}
	wantStatus(t, c.get("/login/"), http.StatusNotFound)
	resp := c.post("/account", url.Values{})
	wantStatus(t, resp, http.StatusMethodNotAllowed)
}

// TestOversizedFormRefused: a body over the limit is refused before any password is hashed (PS-02).
func TestOversizedFormRefused(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "", false, false)
	c := e.client("")
	c.get("/login")
	before := e.am.PasswordHasher().Computations()
	resp := c.post("/login", url.Values{"username": {"alice"}, "password": {strings.Repeat("p", 1<<20)}})
	if resp.StatusCode == http.StatusFound || cookie(resp, "sessionid") != nil {
		t.Fatalf("a 1 MiB password logged in: status %d", resp.StatusCode)
	}
	if resp.StatusCode >= 500 {
		t.Errorf("status %d for an oversized form", resp.StatusCode)
	}
	if n := e.am.PasswordHasher().Computations() - before; n != 0 {
		t.Errorf("%d password hashes computed for an oversized form", n)
	}
}
