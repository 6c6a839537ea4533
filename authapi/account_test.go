package authapi_test

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"testing"
)

func TestMe(t *testing.T) {
	e := newEnv(t)
	alice := e.createUser("alice")

	anon := e.client()
	res := anon.do("GET", "/api/auth/me", nil)
	wantBody(t, res, http.StatusUnauthorized, `{"detail":"Authentication credentials were not provided."}`)
	if got := res.header.Get("WWW-Authenticate"); got != "Token" {
		t.Fatalf("WWW-Authenticate %q", got)
	}

	c := e.client()
	c.login("alice", goodPass)
	res = c.do("GET", "/api/auth/me", nil)
	wantStatus(t, res, http.StatusOK)
	me := res.json(t)
	want := []string{"date_joined", "email", "id", "is_staff", "is_superuser", "last_login", "username"}
	if got := keys(me); !slices.Equal(got, want) || me["username"] != "alice" {
		t.Fatalf("/me %s", res.body)
	}

	// With an API token instead of the session.
	key, _, err := e.am.CreateToken(context.Background(), alice.ID, "cli")
	if err != nil {
		t.Fatal(err)
	}
	res = anon.do("GET", "/api/auth/me", nil, "Authorization", "Token "+key)
	wantStatus(t, res, http.StatusOK)
	if res.json(t)["username"] != "alice" {
		t.Fatalf("/me by token: %s", res.body)
	}
	// CSRF-22: a bad token header is refused even next to a valid session cookie.
	res = c.do("GET", "/api/auth/me", nil, "Authorization", "Token "+"0000000000000000000000000000000000000000")
	wantBody(t, res, http.StatusUnauthorized, `{"detail":"Invalid token."}`)

	// A user who never logged in has last_login null.
	res = anon.do("GET", "/api/auth/me", nil, "Authorization", "Token "+tokenFor(t, e, "bob"))
	wantStatus(t, res, http.StatusOK)
	if v, ok := res.json(t)["last_login"]; !ok || v != nil {
		t.Fatalf("last_login of a user who never logged in: %s", res.body)
	}
}

// tokenFor creates a user and an API token for them, without a login.
func tokenFor(t *testing.T, e *env, name string) string {
	t.Helper()
	u := e.createUser(name)
	key, _, err := e.am.CreateToken(context.Background(), u.ID, "t")
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// TestChangePassword covers PWD-01, PWD-02, PWD-05 and PWD-06.
func TestChangePassword(t *testing.T) {
	e := newEnv(t)
	e.createUser("alice")
	a, b := e.client(), e.client()
	a.login("alice", goodPass)
	b.login("alice", goodPass)
	change := func(c *client, old, nw any, hdr ...string) *response {
		body := map[string]any{}
		if old != nil {
			body["old_password"] = old
		}
		if nw != nil {
			body["new_password"] = nw
		}
		return c.do("POST", "/api/auth/password", body, hdr...)
	}

	wantBody(t, change(a, nil, nil), 400, `{"new_password":["This field is required."],"old_password":["This field is required."]}`)
	wantBody(t, change(a, "wrong", newPass), 400, `{"old_password":["The old password is incorrect."]}`)
	res := change(a, goodPass, "short")
	wantStatus(t, res, 400)
	if !regexp.MustCompile(`^\{"new_password":\["This password is too short\.`).MatchString(res.body) {
		t.Fatalf("weak password: %s", res.body)
	}
	wantStatus(t, change(a, goodPass, newPass, "Origin", "https://evil.example"), http.StatusForbidden)
	wantStatus(t, change(a, goodPass, newPass, "X-CSRFToken", ""), http.StatusForbidden)
	if a.me() != http.StatusOK || b.me() != http.StatusOK {
		t.Fatal("refused changes ended a session")
	}

	keyBefore := a.cookies["sessionid"]
	res = change(a, goodPass, newPass)
	wantBody(t, res, http.StatusNoContent, "")
	if a.cookies["sessionid"] == keyBefore {
		t.Fatal("PWD-06: the session key was not rotated")
	}
	if a.me() != http.StatusOK {
		t.Fatal("PWD-02: the session that changed the password ended")
	}
	if st := b.me(); st != http.StatusUnauthorized {
		t.Fatalf("PWD-02: the other session answers %d", st)
	}
	c := e.client()
	c.csrf()
	wantBody(t, c.do("POST", "/api/auth/login", map[string]any{"username": "alice", "password": goodPass}), 400, loginFailed)
	c.login("alice", newPass)

	// Anonymous, and by token only: the password endpoint takes session authentication only.
	wantStatus(t, e.client().do("POST", "/api/auth/password", map[string]any{"old_password": newPass, "new_password": goodPass}), http.StatusForbidden)
}

// TestChangePasswordThrottled covers BF-05: the old-password check is throttled like a login.
func TestChangePasswordThrottled(t *testing.T) {
	e := newEnv(t, withAccountRate(2))
	e.createUser("alice")
	c := e.client()
	c.login("alice", goodPass) // a success clears the account's count
	for range 2 {
		wantStatus(t, c.do("POST", "/api/auth/password", map[string]any{"old_password": "wrong", "new_password": newPass}), 400)
	}
	res := c.do("POST", "/api/auth/password", map[string]any{"old_password": goodPass, "new_password": newPass})
	wantStatus(t, res, http.StatusTooManyRequests)
	if res.header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
}
