package web

import (
	"net/http"
	"testing"
)

func TestRevokeSession(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "", false, false)
	a, b := e.client(uaFirefoxLinux), e.client(uaChromeAndroid)
	a.login("alice", false)
	b.login("alice", false)

	page := a.get("/account")
	id := revokeAction.FindStringSubmatch(page.body)[1]
	resp := a.post("/account/sessions/"+id+"/revoke", nil)
	wantStatus(t, resp, http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); loc != "/account" {
		t.Errorf("Location = %q, want /account", loc)
	}
	if b.signedIn() {
		t.Error("the revoked session is still signed in")
	}
	page = a.get("/account")
	wantStatus(t, page, http.StatusOK)
	wantBody(t, page, `<p class="notice notice-success">The session was signed out.</p>`)
	wantNotBody(t, page, "Chrome on Android")
	// The message is shown once.
	wantNotBody(t, a.get("/account"), "The session was signed out.")

	// Again: already gone.
	resp = a.post("/account/sessions/"+id+"/revoke", nil)
	wantStatus(t, resp, http.StatusSeeOther)
	wantBody(t, a.get("/account"), "That session had already ended.")
}

func TestRevokeSessionOfAnotherUser(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "", false, false)
	e.user("bob", "", false, false)
	a, a2, b := e.client(""), e.client(""), e.client("")
	a.login("alice", false)
	a2.login("alice", false)
	b.login("bob", false)
	id := revokeAction.FindStringSubmatch(a.get("/account").body)[1] // a2's session

	b.get("/account")
	resp := b.post("/account/sessions/"+id+"/revoke", nil)
	wantStatus(t, resp, http.StatusSeeOther)
	wantBody(t, b.get("/account"), "That session had already ended.")
	if !a2.signedIn() {
		t.Error("bob revoked alice's session")
	}
}

func TestRevokeCurrentSessionSignsOut(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "", false, false)
	a, b := e.client(""), e.client("")
	a.login("alice", false)
	b.login("alice", false)
	// a's own public id is the one b's page offers to revoke; a posts it for itself.
	own := revokeAction.FindStringSubmatch(b.get("/account").body)[1]
	a.get("/account")
	resp := a.post("/account/sessions/"+own+"/revoke", nil)
	wantStatus(t, resp, http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); loc != "/login" {
		t.Errorf("Location = %q, want /login", loc)
	}
	if a.signedIn() {
		t.Error("still signed in after revoking the current session")
	}
	if !b.signedIn() {
		t.Error("revoking one session ended another")
	}
}

func TestRevokeOtherSessions(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "", false, false)
	e.user("bob", "", false, false)
	a, b, c := e.client(uaFirefoxLinux), e.client(uaChromeAndroid), e.client(uaSafariMac)
	bob := e.client("")
	for _, cl := range []*client{a, b, c} {
		cl.login("alice", false)
	}
	bob.login("bob", false)

	a.get("/account")
	resp := a.post("/account/sessions/revoke-others", nil)
	wantStatus(t, resp, http.StatusSeeOther)
	page := a.get("/account")
	wantStatus(t, page, http.StatusOK)
	wantBody(t, page, "Signed out of 2 other sessions.")
	if b.signedIn() || c.signedIn() {
		t.Error("another session survived revoke-others")
	}
	if !bob.signedIn() {
		t.Error("revoke-others ended another user's session")
	}
	if n := len(revokeAction.FindAllString(page.body, -1)); n != 0 {
		t.Errorf("%d sessions left to revoke, want 0", n)
	}

	a.post("/account/sessions/revoke-others", nil)
	wantBody(t, a.get("/account"), "There were no other sessions to sign out.")
}
