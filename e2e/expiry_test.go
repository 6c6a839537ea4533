package e2e

import (
	"net/http"
	"testing"
	"time"
)

// --session-age bounds a session's life whatever the activity (checklist EXP-01/02).
func TestSessionAgeExpiry(t *testing.T) {
	t.Parallel()
	_, srv := start(t, "--session-age", "2s")
	c := srv.client()
	loggedIn := time.Now()
	r := c.login("alice", alicePassword)
	expect(t, r, http.StatusOK, "login")
	if ck := r.setCookie("sessionid"); ck == nil || ck.MaxAge < 1 || ck.MaxAge > 2 {
		t.Errorf("session cookie %v, want Max-Age 2 (or 1 after rounding)", r.Header["Set-Cookie"])
	}
	stolen := c.clone()
	expect(t, c.get("/api/auth/me"), http.StatusOK, "/me right after login")

	time.Sleep(time.Until(loggedIn.Add(2500 * time.Millisecond)))
	r = c.get("/api/auth/me")
	expect(t, r, http.StatusUnauthorized, "/me after the session age")
	if !r.deletesCookie("sessionid") {
		t.Errorf("the expired session cookie was not deleted: %v", r.Header["Set-Cookie"])
	}
	// The client ignoring the deletion (a copied cookie) gets nowhere either.
	expectAnonymous(t, stolen, "the expired cookie replayed")
	expect(t, stolen.post("/api/notes", map[string]any{"title": "late"}), http.StatusUnauthorized, "a write with the expired cookie")
	// clearsessions removes it from the database.
	res := srv.cli("", "clearsessions")
	if res.code != 0 || res.stdout != "Deleted 1 expired session(s).\n" {
		t.Errorf("clearsessions: %s", res)
	}
}

// --idle-timeout ends a session left unused for that long; activity keeps it alive (checklist
// EXP-01, EXP-02).
func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	_, srv := start(t, "--idle-timeout", "2s")
	c := srv.loggedIn("alice", alicePassword)
	stolen := c.clone()

	// Active for 3.2 s, longer than the idle timeout, with gaps well under it.
	for i := range 8 {
		time.Sleep(400 * time.Millisecond)
		if r := c.get("/api/auth/me"); r.StatusCode != http.StatusOK {
			t.Fatalf("request %d after %v of activity: %s; activity must keep the session alive", i+1, time.Duration(i+1)*400*time.Millisecond, r)
		}
	}
	last := time.Now()
	time.Sleep(time.Until(last.Add(2500 * time.Millisecond)))
	r := c.get("/api/auth/me")
	expect(t, r, http.StatusUnauthorized, "/me after 2.5 s idle")
	if !r.deletesCookie("sessionid") {
		t.Errorf("the idle session cookie was not deleted: %v", r.Header["Set-Cookie"])
	}
	expectAnonymous(t, stolen, "the idle cookie replayed")
}
