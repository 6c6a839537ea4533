package authapi_test

import (
	"encoding/base64"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	e := newEnv(t)
	e.createUser("alice")
	e.createUser("bob")
	c, bob := e.client(), e.client()
	c.login("alice", goodPass)
	bob.login("bob", goodPass)

	res := c.do("POST", "/api/auth/tokens", map[string]any{"name": "laptop", "id": 99, "user_id": 2})
	wantStatus(t, res, http.StatusCreated)
	created := res.json(t)
	if got := keys(created); !slices.Equal(got, []string{"created", "id", "name", "token"}) {
		t.Fatalf("created token keys %v", got)
	}
	key, _ := created["token"].(string)
	if !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(key) || created["name"] != "laptop" {
		t.Fatalf("created %s", res.body)
	}
	id := strconv.FormatInt(int64(created["id"].(float64)), 10)

	// The key authenticates the API's default views; it is not shown again.
	anon := e.client()
	res = anon.do("GET", "/api/auth/me", nil, "Authorization", "Token "+key)
	wantStatus(t, res, http.StatusOK)
	if res.json(t)["username"] != "alice" {
		t.Fatalf("token user: %s", res.body)
	}
	res = c.do("GET", "/api/auth/tokens", nil)
	wantStatus(t, res, http.StatusOK)
	list := res.list(t)
	if len(list) != 1 || !slices.Equal(keys(list[0]), []string{"created", "id", "name"}) {
		t.Fatalf("list %s", res.body)
	}
	if strings.Contains(res.body, key) {
		t.Fatal("the list shows the key")
	}
	// Only the caller's own tokens.
	wantBody(t, bob.do("GET", "/api/auth/tokens", nil), http.StatusOK, `[]`)
	// Token management is session-only: a token cannot mint or list tokens.
	wantStatus(t, anon.do("GET", "/api/auth/tokens", nil, "Authorization", "Token "+key), http.StatusForbidden)
	wantStatus(t, anon.do("POST", "/api/auth/tokens", map[string]any{"name": "x"}, "Authorization", "Token "+key), http.StatusForbidden)

	// Validation.
	wantBody(t, c.do("POST", "/api/auth/tokens", map[string]any{}), 400, `{"name":["This field is required."]}`)
	wantBody(t, c.do("POST", "/api/auth/tokens", map[string]any{"name": " "}), 400, `{"name":["This field may not be blank."]}`)
	wantStatus(t, c.do("POST", "/api/auth/tokens", map[string]any{"name": strings.Repeat("n", 101)}), 400)
	wantStatus(t, c.do("POST", "/api/auth/tokens", map[string]any{"name": "x"}, "X-CSRFToken", ""), http.StatusForbidden)

	// Deleting: another user's id, a missing one and a malformed one are 404.
	for _, bad := range []string{"abc", "0", "-1", "999", "1e3", strconv.Itoa(1 << 62)} {
		wantBody(t, c.do("DELETE", "/api/auth/tokens/"+bad, nil), http.StatusNotFound, `{"detail":"Not found."}`)
	}
	wantBody(t, bob.do("DELETE", "/api/auth/tokens/"+id, nil), http.StatusNotFound, `{"detail":"Not found."}`)
	wantStatus(t, anon.do("GET", "/api/auth/me", nil, "Authorization", "Token "+key), http.StatusOK)
	wantStatus(t, c.do("DELETE", "/api/auth/tokens/"+id, nil, "X-CSRFToken", ""), http.StatusForbidden)

	wantBody(t, c.do("DELETE", "/api/auth/tokens/"+id, nil), http.StatusNoContent, "")
	wantBody(t, anon.do("GET", "/api/auth/me", nil, "Authorization", "Token "+key), http.StatusUnauthorized, `{"detail":"Invalid token."}`)
	wantBody(t, c.do("GET", "/api/auth/tokens", nil), http.StatusOK, `[]`)
	wantStatus(t, c.do("DELETE", "/api/auth/tokens/"+id, nil), http.StatusNotFound)
}

// TestDRFObtainAuthToken sends the requests of DRF's obtain_auth_token tests (drf-django-spec.md §3.1
// #33–#36: POST username and password, get a token) to the endpoint that makes tokens here. There is
// no password-for-token exchange, which would be a login without CSRF protection: credentials in the
// body open nothing, a token needs a logged-in session and the CSRF token, and logging in with the
// credentials gives a session, never a token.
func TestDRFObtainAuthToken(t *testing.T) {
	e := newEnv(t)
	e.createUser("john")
	const notProvided = `{"detail":"Authentication credentials were not provided."}`

	// #33–#36 as DRF sends them, from a client that has the CSRF cookie and token but no session.
	anon := e.client()
	anon.csrf()
	for name, body := range map[string]any{
		"33 json":                map[string]any{"username": "john", "password": goodPass},
		"34 json, bad password":  map[string]any{"username": "john", "password": "badpass"},
		"35 json, missing field": map[string]any{"username": "john"},
		"36 form":                form{"username": {"john"}, "password": {goodPass}},
	} {
		t.Run(name, func(t *testing.T) {
			res := anon.do("POST", "/api/auth/tokens", body)
			wantBody(t, res, http.StatusForbidden, notProvided)
			wantNoSessionCookie(t, res)
		})
	}
	// Basic credentials do not open it either: token management is session-only.
	res := anon.do("POST", "/api/auth/tokens", map[string]any{"name": "x"},
		"Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("john:"+goodPass)))
	wantBody(t, res, http.StatusForbidden, notProvided)

	// Logging in with the credentials answers with a session, not a token.
	c := e.client()
	res = c.login("john", goodPass)
	if got := keys(res.json(t)); !slices.Equal(got, []string{"user"}) {
		t.Fatalf("login answered %s, want only the user", res.body)
	}

	// The session needs the CSRF token, then makes a named token; credentials in the body are not a
	// name.
	wantBody(t, c.do("POST", "/api/auth/tokens", map[string]any{"name": "cli"}, "X-CSRFToken", ""),
		http.StatusForbidden, `{"detail":"CSRF Failed: CSRF token missing."}`)
	wantBody(t, c.do("POST", "/api/auth/tokens", map[string]any{"username": "john", "password": goodPass}),
		http.StatusBadRequest, `{"name":["This field is required."]}`)
	res = c.do("POST", "/api/auth/tokens", map[string]any{"name": "cli"})
	wantStatus(t, res, http.StatusCreated)
	key, _ := res.json(t)["token"].(string)
	wantStatus(t, e.client().do("GET", "/api/auth/me", nil, "Authorization", "Token "+key), http.StatusOK)
}
