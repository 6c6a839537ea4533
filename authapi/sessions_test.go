package authapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/sessionauth/sessionauth/session"
)

// TestSessionsList covers OUT-05's listing: metadata, the current one marked, never a raw key.
func TestSessionsList(t *testing.T) {
	e := newEnv(t)
	e.createUser("alice")
	a, b := e.client(), e.client()
	a.ua, b.ua = "agent-A", "agent-B"
	a.login("alice", goodPass)
	b.login("alice", goodPass)

	res := a.do("GET", "/api/auth/sessions", nil)
	wantStatus(t, res, http.StatusOK)
	list := res.list(t)
	if len(list) != 2 {
		t.Fatalf("%d sessions listed: %s", len(list), res.body)
	}
	want := []string{"created", "current", "expires", "id", "ip", "last_seen", "user_agent"}
	currents := 0
	for _, s := range list {
		if got := keys(s); !slices.Equal(got, want) {
			t.Fatalf("session keys %v, want %v", got, want)
		}
		if s["current"] == true {
			currents++
			if s["user_agent"] != "agent-A" {
				t.Fatalf("the current session is not A's: %v", s)
			}
		}
		if s["ip"] != "127.0.0.1" {
			t.Fatalf("ip %v", s["ip"])
		}
	}
	if currents != 1 {
		t.Fatalf("%d sessions marked current", currents)
	}
	for _, c := range []*client{a, b} {
		key := c.cookies["sessionid"]
		if strings.Contains(res.body, key) || strings.Contains(res.body, session.HashKey(key)) {
			t.Fatal("the list contains a session key or its store id")
		}
	}
	wantStatus(t, e.client().do("GET", "/api/auth/sessions", nil), http.StatusForbidden)
}

// sessionIDs returns the public ids of the caller's sessions: current first, then the others.
func sessionIDs(t *testing.T, c *client) (current string, others []string) {
	t.Helper()
	res := c.do("GET", "/api/auth/sessions", nil)
	wantStatus(t, res, http.StatusOK)
	for _, s := range res.list(t) {
		if s["current"] == true {
			current = s["id"].(string)
		} else {
			others = append(others, s["id"].(string))
		}
	}
	return current, others
}

func TestRevokeSession(t *testing.T) {
	e := newEnv(t)
	alice := e.createUser("alice")
	e.createUser("bob")
	a, b, bob := e.client(), e.client(), e.client()
	a.login("alice", goodPass)
	b.login("alice", goodPass)
	bob.login("bob", goodPass)
	_, others := sessionIDs(t, a)
	bobID, _ := sessionIDs(t, bob)

	// Another user's session, an unknown id: 404, nothing revoked.
	wantBody(t, a.do("DELETE", "/api/auth/sessions/"+bobID, nil), http.StatusNotFound, `{"detail":"Not found."}`)
	wantBody(t, a.do("DELETE", "/api/auth/sessions/nope", nil), http.StatusNotFound, `{"detail":"Not found."}`)
	if bob.me() != http.StatusOK {
		t.Fatal("alice revoked bob's session")
	}
	// Without CSRF: 403.
	wantStatus(t, a.do("DELETE", "/api/auth/sessions/"+others[0], nil, "X-CSRFToken", ""), http.StatusForbidden)
	if b.me() != http.StatusOK {
		t.Fatal("a refused revocation ended the session")
	}

	res := a.do("DELETE", "/api/auth/sessions/"+others[0], nil)
	wantBody(t, res, http.StatusNoContent, "")
	wantNoSessionCookie(t, res)
	if st := b.me(); st != http.StatusUnauthorized {
		t.Fatalf("the revoked session answers %d", st)
	}
	if a.me() != http.StatusOK {
		t.Fatal("revoking another session ended the caller's")
	}

	// Revoking the caller's own session is a logout: cookie deleted.
	current, _ := sessionIDs(t, a)
	res = a.do("DELETE", "/api/auth/sessions/"+current, nil)
	wantBody(t, res, http.StatusNoContent, "")
	if ck := res.cookies["sessionid"]; ck == nil || ck.MaxAge >= 0 {
		t.Fatalf("own session revoked without deleting the cookie: %v", ck)
	}
	if n := e.sessionCount(alice); n != 0 {
		t.Fatalf("%d sessions left", n)
	}
}

func TestRevokeOtherSessions(t *testing.T) {
	e := newEnv(t)
	alice := e.createUser("alice")
	e.createUser("bob")
	clients := []*client{e.client(), e.client(), e.client()}
	for _, c := range clients {
		c.login("alice", goodPass)
	}
	bob := e.client()
	bob.login("bob", goodPass)

	wantStatus(t, clients[0].do("POST", "/api/auth/sessions/revoke-others", nil, "Origin", "https://evil.example"), http.StatusForbidden)
	res := clients[0].do("POST", "/api/auth/sessions/revoke-others", nil)
	wantBody(t, res, http.StatusOK, `{"revoked":2}`)
	if clients[0].me() != http.StatusOK {
		t.Fatal("the caller's session ended")
	}
	for _, c := range clients[1:] {
		if st := c.me(); st != http.StatusUnauthorized {
			t.Fatalf("another session answers %d", st)
		}
	}
	if bob.me() != http.StatusOK {
		t.Fatal("bob's session was revoked")
	}
	if n := e.sessionCount(alice); n != 1 {
		t.Fatalf("%d sessions left", n)
	}
	wantBody(t, clients[0].do("POST", "/api/auth/sessions/revoke-others", nil), http.StatusOK, `{"revoked":0}`)
}
