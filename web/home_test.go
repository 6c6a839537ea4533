package web

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/sessionauth/sessionauth/auth"
)

func TestHomeAnonymous(t *testing.T) {
	e := newEnv(t)
	resp := e.client("").get("/")
	wantStatus(t, resp, http.StatusOK)
	wantBody(t, resp, "You are not signed in.", `href="/login"`)
	wantNotBody(t, resp, `action="/logout"`)
	for _, ck := range resp.Cookies() {
		t.Errorf("an anonymous home page set cookie %s", ck.Name)
	}
}

func TestHomeSignedIn(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "alice@example.com", true, true)
	c := e.client("")
	c.login("alice", false)
	resp := c.get("/")
	wantStatus(t, resp, http.StatusOK)
	wantBody(t, resp,
		"Signed in as <strong>alice</strong>",
		`<h2 id="who">Signed in as alice</h2>`,
		`<span class="badge badge-staff">Staff</span>`,
		`<span class="badge badge-superuser">Superuser</span>`,
		"alice@example.com",
		"<dt>Last sign-in</dt>",
		`<time datetime="`,
		`href="/account"`,
		`<form method="post" action="/logout"`,
		`name="csrfmiddlewaretoken" value="`,
	)
	wantNotBody(t, resp, "never</dd>")

	e.user("bob", "", false, false)
	b := e.client("")
	b.login("bob", false)
	resp = b.get("/")
	wantBody(t, resp, "Signed in as <strong>bob</strong>")
	wantNotBody(t, resp, "badge-staff", "badge-superuser")
}

// TestHomeEscapes: what a user controls is escaped. Usernames cannot hold "<" (they are validated),
// so the username part uses the characters they may hold, and the markup goes into the email address,
// which is not validated.
func TestHomeEscapes(t *testing.T) {
	e := newEnv(t)
	e.user("a@b+c", "", false, false)
	evil := `"><script>alert(1)</script>@x.example`
	u, err := e.am.Users.UserByUsername(context.Background(), "a@b+c")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.am.Users.UpdateUser(context.Background(), u.ID, auth.UserChange{Email: &evil}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.am.CreateUser(context.Background(), auth.NewUser{Username: "<b>", Password: goodPass}); err == nil {
		t.Fatal("a username with < was accepted; the escaping test below no longer covers usernames")
	}
	c := e.client("")
	c.login("a@b+c", false)
	resp := c.get("/")
	wantStatus(t, resp, http.StatusOK)
	wantBody(t, resp, "Signed in as <strong>a@b&#43;c</strong>", "&lt;script&gt;alert(1)&lt;/script&gt;@x.example")
	if strings.Contains(resp.body, "<script") {
		t.Errorf("unescaped markup in the page:\n%s", resp.body)
	}
}

func TestHomeStoreFailure(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "", false, false)
	c := e.client("")
	c.login("alice", false)
	e.store.down.Store(true)
	resp := c.get("/")
	wantStatus(t, resp, http.StatusServiceUnavailable)
	wantNotBody(t, resp, "You are not signed in", errStoreDown.Error())
	if cookie(resp, "sessionid") != nil {
		t.Error("a store failure touched the session cookie")
	}
	e.store.down.Store(false)
	if !c.signedIn() {
		t.Error("the outage signed the user out")
	}
}
