package authapi_test

import (
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
