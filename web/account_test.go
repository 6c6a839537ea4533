package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var revokeAction = regexp.MustCompile(`action="/account/sessions/([0-9a-f]+)/revoke"`)

func TestAccountAnonymousRedirects(t *testing.T) {
	e := newEnv(t)
	resp := e.client("").get("/account")
	wantStatus(t, resp, http.StatusFound)
	if loc := resp.Header.Get("Location"); loc != "/login?next=%2Faccount" {
		t.Errorf("Location = %q, want /login?next=%%2Faccount", loc)
	}
}

func TestAccountActionsNeedSignIn(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{
		"/account/sessions/0123456789abcdef0123/revoke",
		"/account/sessions/revoke-others",
		"/account/password",
		"/account/tokens",
		"/account/tokens/1/revoke",
	} {
		c := e.client("")
		c.get("/login")
		resp := c.post(path, url.Values{"name": {"x"}})
		wantStatus(t, resp, http.StatusSeeOther)
		if loc := resp.Header.Get("Location"); loc != "/login?next=%2Faccount" {
			t.Errorf("POST %s: Location = %q", path, loc)
		}
	}
}

func TestAccountActionsNeedCSRF(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "", false, false)
	a, b := e.client(uaFirefoxLinux), e.client(uaChromeAndroid)
	a.login("alice", false)
	b.login("alice", false)
	page := a.get("/account")
	id := revokeAction.FindStringSubmatch(page.body)[1]
	for _, path := range []string{
		"/account/sessions/" + id + "/revoke",
		"/account/sessions/revoke-others",
		"/account/password",
		"/account/tokens",
	} {
		resp := a.post(path, url.Values{"csrfmiddlewaretoken": {""}, "name": {"x"}})
		wantStatus(t, resp, http.StatusForbidden)
		resp = a.post(path, url.Values{"name": {"x"}}, "Origin", "https://evil.example")
		wantStatus(t, resp, http.StatusForbidden)
	}
	if !b.signedIn() {
		t.Error("a forged revocation ended the other session")
	}
	if toks, _ := e.am.Tokens.Tokens(t.Context(), 1); len(toks) != 0 {
		t.Error("a forged request created a token")
	}
}

func TestAccountListsSessions(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "", false, false)
	a, b := e.client(uaFirefoxLinux), e.client(uaChromeAndroid)
	a.login("alice", false)
	b.login("alice", false)

	resp := a.get("/account")
	wantStatus(t, resp, http.StatusOK)
	wantBody(t, resp,
		"<title>Your account · sessionauth</title>",
		`<th scope="col">Device</th>`,
		`<th scope="col">IP address</th>`,
		"Firefox on Linux",
		"Chrome on Android",
		"127.0.0.1",
		">Sign out all other sessions</button>",
	)
	if n := strings.Count(resp.body, "This device"); n != 1 {
		t.Errorf(`"This device" appears %d times, want 1`, n)
	}
	// One Revoke button: for the other session, not for this one.
	ids := revokeAction.FindAllStringSubmatch(resp.body, -1)
	if len(ids) != 1 {
		t.Fatalf("%d revoke forms, want 1", len(ids))
	}
	// The current session's row is Firefox's, comes first, and carries no revoke form.
	if strings.Index(resp.body, `<tr class="current">`) > strings.Index(resp.body, "Chrome on Android") {
		t.Error("the current session is not listed first")
	}
	row := resp.body[strings.Index(resp.body, `<tr class="current">`):]
	row = row[:strings.Index(row, "</tr>")]
	if !strings.Contains(row, "Firefox on Linux") || strings.Contains(row, "/revoke") {
		t.Errorf("current row:\n%s", row)
	}
	// Neither the cookie value nor its hash is shown.
	for _, c := range []*client{a, b} {
		if k := c.jarCookie("sessionid"); strings.Contains(resp.body, k) {
			t.Error("the page shows a session key")
		}
	}
}

func TestAccountStoreFailure(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "", false, false)
	c := e.client("")
	c.login("alice", false)
	c.get("/") // a page with a token for the POST below
	e.store.down.Store(true)
	resp := c.get("/account")
	wantStatus(t, resp, http.StatusServiceUnavailable)
	if resp.Header.Get("Location") != "" {
		t.Error("a store failure redirected to the sign-in page, as if anonymous")
	}
	wantNotBody(t, resp, errStoreDown.Error())
	resp = c.post("/account/sessions/revoke-others", nil)
	wantStatus(t, resp, http.StatusServiceUnavailable)
}
