package authapi_test

import (
	"net/http"
	"testing"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/authapi"
)

// TestMethods covers IN-13 and CK-05 for every endpoint: methods not listed get DRF's 405 with Allow,
// OPTIONS is answered, and everything carries Cache-Control: no-store.
func TestMethods(t *testing.T) {
	e := newEnv(t)
	e.createUser("alice")
	c := e.client()
	c.login("alice", goodPass)
	endpoints := []struct{ path, allow, wrong string }{
		{"/api/auth/csrf", "GET, OPTIONS", "POST"},
		{"/api/auth/login", "POST, OPTIONS", "GET"},
		{"/api/auth/logout", "POST, OPTIONS", "DELETE"},
		{"/api/auth/me", "GET, OPTIONS", "PUT"},
		{"/api/auth/password", "POST, OPTIONS", "GET"},
		{"/api/auth/sessions", "GET, OPTIONS", "DELETE"},
		{"/api/auth/sessions/abc", "DELETE, OPTIONS", "GET"},
		{"/api/auth/sessions/revoke-others", "POST, OPTIONS", "DELETE"},
		{"/api/auth/tokens", "GET, POST, OPTIONS", "PATCH"},
		{"/api/auth/tokens/1", "DELETE, OPTIONS", "GET"},
	}
	for _, ep := range endpoints {
		t.Run(ep.path, func(t *testing.T) {
			res := c.do(ep.wrong, ep.path, nil)
			wantBody(t, res, http.StatusMethodNotAllowed, `{"detail":"Method \"`+ep.wrong+`\" not allowed."}`)
			if got := res.header.Get("Allow"); got != ep.allow {
				t.Fatalf("Allow %q, want %q", got, ep.allow)
			}
			wantStatus(t, c.do("OPTIONS", ep.path, nil), http.StatusOK)
			wantStatus(t, c.do("TRACE", ep.path, nil), http.StatusMethodNotAllowed)
		})
	}
	if c.me() != http.StatusOK {
		t.Fatal("the session ended")
	}
}

// TestRegisterRequiresCSRF: a Handler without a CSRF policy must not start (its login would be open
// to login CSRF).
func TestRegisterRequiresCSRF(t *testing.T) {
	e := newEnv(t)
	h := &authapi.Handler{Auth: &auth.Manager{Users: e.st, Sessions: e.sm, SecretKey: testSecret}, API: e.api}
	if err := h.Register(http.NewServeMux()); err == nil {
		t.Fatal("Register accepted a Manager without a CSRF policy")
	}
}
