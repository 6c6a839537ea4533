package web

import "testing"

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "0 sessions", 1: "1 session", 2: "2 sessions"} {
		if got := plural(n, "session"); got != want {
			t.Errorf("plural(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestFlashShownOnce: a message set by an action is shown by the next page only, and is kept per
// session (another session of the same user does not see it).
func TestFlashShownOnce(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "", false, false)
	a, b := e.client(""), e.client("")
	a.login("alice", false)
	b.login("alice", false)
	a.get("/account")
	a.post("/account/sessions/revoke-others", nil)
	b.login("alice", false)
	wantNotBody(t, b.get("/account"), "Signed out of")
	wantBody(t, a.get("/account"), `<p class="notice notice-success">Signed out of 1 other session.</p>`)
	wantNotBody(t, a.get("/account"), "notice-success")
}
