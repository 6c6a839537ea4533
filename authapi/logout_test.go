package authapi_test

import (
	"net/http"
	"testing"
)

// TestLogout covers OUT-01 and OUT-02: the session is gone server-side before the answer, the cookie is
// deleted, and replaying the old cookie is anonymous on safe and unsafe requests.
func TestLogout(t *testing.T) {
	e := newEnv(t)
	alice := e.createUser("alice")
	c := e.client()
	c.login("alice", goodPass)
	key := c.cookies["sessionid"]

	res := c.do("POST", "/api/auth/logout", nil)
	wantBody(t, res, http.StatusNoContent, "")
	ck := res.cookies["sessionid"]
	if ck == nil || ck.MaxAge >= 0 || ck.Value != "" {
		t.Fatalf("OUT-02: session cookie not deleted: %v", ck)
	}
	if n := e.sessionCount(alice); n != 0 {
		t.Fatalf("OUT-01: %d sessions left after logout", n)
	}

	replay := e.client()
	replay.cookies["sessionid"] = key
	replay.csrf()
	if st := replay.me(); st != http.StatusUnauthorized {
		t.Fatalf("OUT-01: /me with the logged-out cookie: %d", st)
	}
	replay.cookies["sessionid"] = key
	res = replay.do("POST", "/api/auth/sessions/revoke-others", nil)
	wantBody(t, res, http.StatusForbidden, `{"detail":"Authentication credentials were not provided."}`)
}

// TestLogoutIdempotent covers OUT-04: without a session, with a garbage cookie, twice: 204, no session
// created, stale cookies deleted.
func TestLogoutIdempotent(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	for range 2 {
		res := c.do("POST", "/api/auth/logout", nil)
		wantBody(t, res, http.StatusNoContent, "")
		wantNoSessionCookie(t, res)
	}
	for _, garbage := range []string{"garbage", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "' OR 1=1--"} {
		c.cookies["sessionid"] = garbage
		res := c.do("POST", "/api/auth/logout", nil)
		wantBody(t, res, http.StatusNoContent, "")
		if ck := res.cookies["sessionid"]; ck == nil || ck.MaxAge >= 0 {
			t.Fatalf("cookie %q not deleted: %v", garbage, ck)
		}
	}
	if n := e.st.Len(); n != 0 {
		t.Fatalf("%d sessions stored by anonymous logouts", n)
	}
}

// TestLogoutCSRF covers OUT-03: logout of a logged-in session is a CSRF-protected POST; refused
// attempts leave the session valid.
func TestLogoutCSRF(t *testing.T) {
	e := newEnv(t)
	e.createUser("alice")
	c := e.client()
	c.login("alice", goodPass)

	for _, hdr := range [][]string{
		{"X-CSRFToken", ""},
		{"Origin", "https://evil.example"},
		{"Sec-Fetch-Site", "cross-site"},
	} {
		res := c.do("POST", "/api/auth/logout", nil, hdr...)
		wantStatus(t, res, http.StatusForbidden)
		wantNoSessionCookie(t, res)
		if c.me() != http.StatusOK {
			t.Fatalf("%v: the session ended", hdr)
		}
	}
	res := c.do("GET", "/api/auth/logout", nil)
	wantBody(t, res, http.StatusMethodNotAllowed, `{"detail":"Method \"GET\" not allowed."}`)
	if got := res.header.Get("Allow"); got != "POST, OPTIONS" {
		t.Fatalf("Allow %q", got)
	}
	if c.me() != http.StatusOK {
		t.Fatal("GET logout ended the session")
	}
}

// TestLogoutStoreDown: when the record cannot be deleted the client is told (503) and the session
// keeps working; it is never reported as logged out.
func TestLogoutStoreDown(t *testing.T) {
	e := newEnv(t)
	e.createUser("alice")
	c := e.client()
	c.login("alice", goodPass)
	e.st.failSessionDeletes.Store(true)
	res := c.do("POST", "/api/auth/logout", nil)
	wantStatus(t, res, http.StatusServiceUnavailable)
	e.st.failSessionDeletes.Store(false)
	if c.me() != http.StatusOK {
		t.Fatal("the session should still be valid after a failed logout")
	}
}
