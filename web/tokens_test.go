package web

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/sessionauth/sessionauth/auth"
)

var (
	newKey        = regexp.MustCompile(`<code class="token-key" id="new-token-key">([0-9a-f]{40})</code>`)
	tokenRevokeRe = regexp.MustCompile(`action="/account/tokens/([0-9]+)/revoke"`)
)

func TestCreateTokenShowsKeyOnce(t *testing.T) {
	e := newEnv(t)
	alice := e.user("alice", "", false, false)
	c := e.client("")
	c.login("alice", false)
	page := c.get("/account")
	wantBody(t, page, "You have no API tokens.", `<label for="id_token_name">Token name</label>`)

	resp := c.post("/account/tokens", url.Values{"name": {"CI <deploy>"}})
	wantStatus(t, resp, http.StatusOK)
	if resp.Header.Get("Location") != "" {
		t.Error("token creation redirected")
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	m := newKey.FindStringSubmatch(resp.body)
	if m == nil {
		t.Fatalf("no key in the page:\n%s", resp.body)
	}
	key := m[1]
	if n := strings.Count(resp.body, key); n != 1 {
		t.Errorf("the key appears %d times in the page, want 1", n)
	}
	wantBody(t, resp, "CI &lt;deploy&gt;", "it will not be shown again")
	wantNotBody(t, resp, "<deploy>")

	u, tok, err := e.am.TokenUser(t.Context(), key)
	if err != nil || u.ID != alice.ID || tok.Name != "CI <deploy>" {
		t.Fatalf("TokenUser(key) = %v, %v, %v", u, tok, err)
	}

	// Never again: the account page lists the token by name, without its key.
	page = c.get("/account")
	wantNotBody(t, page, key)
	wantBody(t, page, `<th scope="row">CI &lt;deploy&gt;</th>`)
	ids := tokenRevokeRe.FindAllStringSubmatch(page.body, -1)
	if len(ids) != 1 {
		t.Fatalf("%d token revoke forms, want 1", len(ids))
	}

	resp = c.post("/account/tokens/"+ids[0][1]+"/revoke", nil)
	wantStatus(t, resp, http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); loc != "/account" {
		t.Errorf("Location = %q, want /account", loc)
	}
	if _, _, err := e.am.TokenUser(t.Context(), key); !errors.Is(err, auth.ErrTokenNotFound) {
		t.Errorf("TokenUser after revoke: %v, want ErrTokenNotFound", err)
	}
	page = c.get("/account")
	wantBody(t, page, "The token was revoked.", "You have no API tokens.")

	c.post("/account/tokens/"+ids[0][1]+"/revoke", nil)
	wantBody(t, c.get("/account"), "That token had already been revoked.")
}

func TestCreateTokenErrors(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "", false, false)
	c := e.client("")
	c.login("alice", false)
	c.get("/account")
	for _, tc := range []struct{ name, message string }{
		{"   ", "This field may not be blank."},
		{strings.Repeat("n", 101), "A token name has at most 100 characters."},
	} {
		resp := c.post("/account/tokens", url.Values{"name": {tc.name}})
		wantStatus(t, resp, http.StatusOK)
		wantBody(t, resp, tc.message, `aria-describedby="id_token_name_errors"`)
		if newKey.MatchString(resp.body) {
			t.Error("a key was shown after an error")
		}
	}
	if toks, _ := e.am.Tokens.Tokens(t.Context(), 0); len(toks) != 0 {
		t.Errorf("%d tokens created by invalid requests", len(toks))
	}
}

func TestRevokeTokenOfAnotherUser(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "", false, false)
	e.user("bob", "", false, false)
	a, b := e.client(""), e.client("")
	a.login("alice", false)
	b.login("bob", false)
	a.get("/account")
	key := newKey.FindStringSubmatch(a.post("/account/tokens", url.Values{"name": {"laptop"}}).body)[1]
	id := tokenRevokeRe.FindStringSubmatch(a.get("/account").body)[1]

	b.get("/account")
	wantStatus(t, b.post("/account/tokens/"+id+"/revoke", nil), http.StatusSeeOther)
	wantBody(t, b.get("/account"), "That token had already been revoked.")
	if _, _, err := e.am.TokenUser(t.Context(), key); err != nil {
		t.Errorf("bob revoked alice's token: %v", err)
	}
	for _, bad := range []string{"0", "-1", "x", "99999999999999999999"} {
		wantStatus(t, b.post("/account/tokens/"+bad+"/revoke", nil), http.StatusNotFound)
	}
}

func TestTokensHiddenWithoutTokenStore(t *testing.T) {
	e := newEnv(t, func(m *auth.Manager) { m.Tokens = nil })
	e.user("alice", "", false, false)
	c := e.client("")
	c.login("alice", false)
	page := c.get("/account")
	wantStatus(t, page, http.StatusOK)
	wantNotBody(t, page, "API tokens", `action="/account/tokens"`)
	wantStatus(t, c.post("/account/tokens", url.Values{"name": {"x"}}), http.StatusNotFound)
}
