package authapi_test

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/csrf"
)

const loginFailed = `{"detail":"Unable to log in with provided credentials."}`

func TestCSRFEndpoint(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	res := c.do("GET", "/api/auth/csrf", nil)
	wantStatus(t, res, http.StatusOK)
	tok, _ := res.json(t)["csrfToken"].(string)
	if len(tok) != csrf.TokenLength {
		t.Fatalf("csrfToken %q: %d characters, want %d", tok, len(tok), csrf.TokenLength)
	}
	secret := c.cookies["csrftoken"]
	if secret == "" || !csrf.Match(tok, secret) {
		t.Fatalf("token %q does not stand for the cookie %q", tok, secret)
	}
	wantNoSessionCookie(t, res)

	// A client that has the cookie keeps it; every token is masked afresh (BREACH).
	res = c.do("GET", "/api/auth/csrf", nil)
	wantStatus(t, res, http.StatusOK)
	if _, set := res.cookies["csrftoken"]; set {
		t.Fatal("csrftoken cookie set again although the client has one")
	}
	tok2, _ := res.json(t)["csrfToken"].(string)
	if tok2 == tok || !csrf.Match(tok2, secret) {
		t.Fatalf("second token %q: not a fresh mask of the same secret", tok2)
	}
}

func TestLogin(t *testing.T) {
	e := newEnv(t)
	alice := e.createUser("alice")
	c := e.client()
	c.csrf()
	csrfBefore := c.cookies["csrftoken"]
	res := c.login("alice", goodPass)

	wantStatus(t, res, http.StatusOK)
	body := res.json(t)
	user, _ := body["user"].(map[string]any)
	if got := keys(body); !slices.Equal(got, []string{"user"}) {
		t.Fatalf("login body keys %v", got)
	}
	want := []string{"date_joined", "email", "id", "is_staff", "is_superuser", "last_login", "username"}
	if got := keys(user); !slices.Equal(got, want) {
		t.Fatalf("user keys %v, want %v", got, want)
	}
	if user["id"] != float64(alice.ID) || user["username"] != "alice" || user["email"] != "alice@example.com" ||
		user["is_staff"] != false || user["is_superuser"] != false {
		t.Fatalf("user %v", user)
	}
	for _, f := range []string{"date_joined", "last_login"} {
		s, _ := user[f].(string)
		ts, err := time.Parse(time.RFC3339Nano, s)
		if err != nil || !strings.HasSuffix(s, "Z") {
			t.Fatalf("%s %q is not an RFC 3339 UTC time (%v)", f, s, err)
		}
		if f == "last_login" && time.Since(ts) > time.Minute {
			t.Fatalf("last_login %s is not the login time", s)
		}
	}
	if strings.Contains(res.body, goodPass) || strings.Contains(res.body, "argon2") {
		t.Fatal("login response echoes the password or its hash")
	}

	ck := res.cookies["sessionid"]
	if ck == nil || ck.MaxAge != 1209600 || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie %v", ck)
	}
	if c.cookies["csrftoken"] == csrfBefore {
		t.Fatal("FIX-06: the CSRF secret was not rotated at login")
	}
	if e.sessionCount(alice) != 1 {
		t.Fatal("no session stored")
	}
	if c.me() != http.StatusOK {
		t.Fatal("/me after login")
	}
}

func TestLoginForm(t *testing.T) {
	e := newEnv(t)
	e.createUser("alice")
	c := e.client()
	c.csrf()
	res := c.do("POST", "/api/auth/login", form{"username": {"alice"}, "password": {goodPass}, "remember": {"on"}})
	wantStatus(t, res, http.StatusOK)
	if ck := res.cookies["sessionid"]; ck == nil || ck.MaxAge <= 0 {
		t.Fatalf("form login: session cookie %v", ck)
	}
	// The token may also come in the form field, as HTML forms send it.
	c2 := e.client()
	tok := c2.csrf()
	res = c2.do("POST", "/api/auth/login", form{"username": {"alice"}, "password": {goodPass}, "csrfmiddlewaretoken": {tok}}, "X-CSRFToken", "")
	wantStatus(t, res, http.StatusOK)
}

// TestLoginCSRF covers CSRF-21: login is CSRF-checked although the caller is anonymous, before
// anything else, and a refused login creates no session.
func TestLoginCSRF(t *testing.T) {
	e := newEnv(t)
	alice := e.createUser("alice")
	creds := map[string]any{"username": "alice", "password": goodPass}
	cases := []struct {
		name   string
		prep   func(c *client)
		hdr    []string
		body   any
		detail string
	}{
		{"no cookie", func(c *client) {}, nil, creds, "CSRF Failed: CSRF cookie not set."},
		{"no token", func(c *client) { c.csrf() }, []string{"X-CSRFToken", ""}, creds, "CSRF Failed: CSRF token missing."},
		{"wrong token", func(c *client) { c.csrf() }, []string{"X-CSRFToken", strings.Repeat("a", 64)}, creds,
			"CSRF Failed: CSRF token from the 'X-Csrftoken' HTTP header incorrect."},
		{"cross-site origin", func(c *client) { c.csrf() }, []string{"Origin", "https://evil.example"}, creds,
			"CSRF Failed: Origin checking failed - https://evil.example does not match any trusted origins."},
		{"sec-fetch-site", func(c *client) { c.csrf() }, []string{"Sec-Fetch-Site", "cross-site"}, creds, ""},
		{"before validation", func(c *client) {}, nil, map[string]any{}, "CSRF Failed: CSRF cookie not set."},
		{"before parsing", func(c *client) {}, nil, `{"username":`, "CSRF Failed: CSRF cookie not set."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := e.client()
			tc.prep(c)
			res := c.do("POST", "/api/auth/login", tc.body, tc.hdr...)
			wantStatus(t, res, http.StatusForbidden)
			detail, _ := res.json(t)["detail"].(string)
			if tc.detail != "" && detail != tc.detail {
				t.Fatalf("detail %q, want %q", detail, tc.detail)
			}
			if !strings.HasPrefix(detail, "CSRF Failed: ") {
				t.Fatalf("detail %q", detail)
			}
			wantNoSessionCookie(t, res)
			if n := e.sessionCount(alice); n != 0 {
				t.Fatalf("%d sessions created by a refused login", n)
			}
		})
	}
	// Same-origin Origin with a valid token is fine.
	c := e.client()
	c.csrf()
	res := c.do("POST", "/api/auth/login", creds, "Origin", e.srv.URL, "Sec-Fetch-Site", "same-origin")
	wantStatus(t, res, http.StatusOK)
}

// TestLoginValidation covers the field errors, type confusion (IN-05), malformed bodies (IN-04) and
// size limits (IN-03). None of them sets a cookie.
func TestLoginValidation(t *testing.T) {
	e := newEnv(t)
	e.createUser("alice")
	big := `{"username":"alice","password":"` + strings.Repeat("x", 1<<20) + `"}`
	cases := []struct {
		name   string
		ctype  string
		body   any
		status int
		want   string // exact body; "" checks only the status
	}{
		{"empty body", "", nil, 400, `{"password":["This field is required."],"username":["This field is required."]}`},
		{"empty object", "", map[string]any{}, 400, `{"password":["This field is required."],"username":["This field is required."]}`},
		{"no password", "", map[string]any{"username": "alice"}, 400, `{"password":["This field is required."]}`},
		{"no username", "", map[string]any{"password": goodPass}, 400, `{"username":["This field is required."]}`},
		{"blank username", "", map[string]any{"username": "  ", "password": goodPass}, 400, `{"username":["This field may not be blank."]}`},
		{"blank password", "", map[string]any{"username": "alice", "password": ""}, 400, `{"password":["This field may not be blank."]}`},
		{"username list", "", `{"username": ["alice"], "password": "x"}`, 400, `{"username":["Not a valid string."]}`},
		{"username object", "", `{"username": {"$ne": ""}, "password": "x"}`, 400, `{"username":["Not a valid string."]}`},
		{"password null", "", `{"username": "alice", "password": null}`, 400, `{"password":["This field may not be null."]}`},
		{"password true", "", `{"username": "alice", "password": true}`, 400, `{"password":["Not a valid string."]}`},
		{"password number", "", `{"username": "alice", "password": 12345}`, 400, loginFailed},
		{"username number", "", `{"username": 0, "password": "x"}`, 400, loginFailed},
		{"remember not a boolean", "", map[string]any{"username": "alice", "password": goodPass, "remember": "maybe"}, 400, `{"remember":["Must be a valid boolean."]}`},
		{"truncated", "", `{"username":"alice"`, 400, `{"detail":"JSON parse error - unexpected end of input"}`},
		{"trailing data", "", `{}{}`, 400, `{"detail":"JSON parse error - unexpected data after the JSON object"}`},
		{"array", "", `[]`, 400, `{"detail":"JSON parse error - expected a JSON object"}`},
		{"null", "", `null`, 400, `{"detail":"JSON parse error - expected a JSON object"}`},
		{"duplicate key", "", `{"username":"alice","username":"mallory","password":"x"}`, 400, `{"detail":"JSON parse error - duplicate key \"username\""}`},
		{"case variant key", "", `{"Username":"alice","password":"` + goodPass + `"}`, 400, `{"username":["This field is required."]}`},
		{"invalid utf-8", "", "{\"username\":\"\xff\",\"password\":\"x\"}", 400, `{"detail":"JSON parse error - invalid UTF-8"}`},
		{"deep nesting", "", `{"username":` + strings.Repeat("[", 10000) + `}`, 400, ""},
		{"text/plain", "text/plain", `{"username":"alice","password":"` + goodPass + `"}`, 415, `{"detail":"Unsupported media type \"text/plain\" in request."}`},
		{"oversized", "", big, 413, `{"detail":"Request body is too large."}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := e.client()
			c.csrf()
			var hdr []string
			if tc.ctype != "" {
				hdr = []string{"Content-Type", tc.ctype}
			}
			res := c.do("POST", "/api/auth/login", tc.body, hdr...)
			wantStatus(t, res, tc.status)
			if tc.want != "" && res.body != tc.want {
				t.Fatalf("body %s, want %s", res.body, tc.want)
			}
			wantNoSessionCookie(t, res)
		})
	}
}

// TestLoginOversizedChunked: a body of unknown length is cut off at the limit too.
func TestLoginOversizedChunked(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.csrf()
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/auth/login", strings.NewReader(`{"username":"`+strings.Repeat("a", 2<<20)+`"}`))
	req.ContentLength = -1 // chunked
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRFToken", c.cookies["csrftoken"])
	req.AddCookie(&http.Cookie{Name: "csrftoken", Value: c.cookies["csrftoken"]})
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", res.StatusCode)
	}
}

// TestLoginFailuresIdentical covers ENUM-01: unknown user, wrong password, inactive user (with the
// wrong and with the right password) and a user without a usable password get the same status, the
// same bytes and the same header names.
func TestLoginFailuresIdentical(t *testing.T) {
	e := newEnv(t)
	e.createUser("alice")
	ctx := context.Background()
	if _, err := e.am.CreateUser(ctx, auth.NewUser{Username: "ivan", Password: goodPass, Inactive: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.am.CreateUser(ctx, auth.NewUser{Username: "nopass"}); err != nil {
		t.Fatal(err)
	}
	attempts := []struct{ name, username, password string }{
		{"unknown user", "nobody", goodPass},
		{"wrong password", "alice", "wrong-" + goodPass},
		{"inactive, wrong password", "ivan", "wrong-" + goodPass},
		{"inactive, right password", "ivan", goodPass},
		{"unusable password", "nopass", goodPass},
		{"over-long password", "alice", strings.Repeat("p", 5000)},
	}
	var first *response
	var firstHeaders []string
	for _, a := range attempts {
		c := e.client()
		c.csrf()
		res := c.do("POST", "/api/auth/login", map[string]any{"username": a.username, "password": a.password})
		wantBody(t, res, http.StatusBadRequest, loginFailed)
		wantNoSessionCookie(t, res)
		names := make([]string, 0, len(res.header))
		for k := range res.header {
			names = append(names, k)
		}
		slices.Sort(names)
		if first == nil {
			first, firstHeaders = res, names
			continue
		}
		if !slices.Equal(names, firstHeaders) {
			t.Fatalf("%s: header names %v, want %v", a.name, names, firstHeaders)
		}
		for _, k := range names {
			if k != "Date" && !slices.Equal(res.header[k], first.header[k]) {
				t.Fatalf("%s: header %s = %q, want %q", a.name, k, res.header[k], first.header[k])
			}
		}
		if strings.Contains(res.body, a.username) {
			t.Fatalf("%s: the body echoes the username", a.name)
		}
	}
}

// TestLoginThrottled covers BF-08: a throttled attempt is a 429 with Retry-After and DRF's message,
// even with the right password, and the same for an unknown account.
func TestLoginThrottled(t *testing.T) {
	e := newEnv(t, withAccountRate(2))
	alice := e.createUser("alice")
	c := e.client()
	c.csrf()
	for range 2 {
		res := c.do("POST", "/api/auth/login", map[string]any{"username": "alice", "password": "wrong"})
		wantBody(t, res, http.StatusBadRequest, loginFailed)
	}
	for _, pw := range []string{"wrong", goodPass} {
		res := c.do("POST", "/api/auth/login", map[string]any{"username": "alice", "password": pw})
		wantStatus(t, res, http.StatusTooManyRequests)
		ra, err := strconv.Atoi(res.header.Get("Retry-After"))
		if err != nil || ra < 1 || ra > 60 {
			t.Fatalf("Retry-After %q", res.header.Get("Retry-After"))
		}
		detail, _ := res.json(t)["detail"].(string)
		if !regexp.MustCompile(`^Request was throttled\. Expected available in \d+ seconds?\.$`).MatchString(detail) {
			t.Fatalf("detail %q", detail)
		}
		wantNoSessionCookie(t, res)
	}
	if e.sessionCount(alice) != 0 {
		t.Fatal("a throttled login created a session")
	}
	// An unknown account is throttled at the same threshold (BF-06c).
	for i := range 3 {
		res := c.do("POST", "/api/auth/login", map[string]any{"username": "ghost", "password": "wrong"})
		want := http.StatusBadRequest
		if i == 2 {
			want = http.StatusTooManyRequests
		}
		wantStatus(t, res, want)
	}
}

func TestLoginStoreDown(t *testing.T) {
	e := newEnv(t)
	e.createUser("alice")
	c := e.client()
	c.csrf()
	e.st.failUsers.Store(true)
	res := c.do("POST", "/api/auth/login", map[string]any{"username": "alice", "password": goodPass})
	wantStatus(t, res, http.StatusServiceUnavailable)
	wantNoSessionCookie(t, res)
	if strings.Contains(res.body, "unreachable") {
		t.Fatalf("503 body leaks the cause: %s", res.body)
	}
}

// TestLoginRemember covers CK-02: remember=false gives a browser-session cookie (no Max-Age, no
// Expires); remember=true and no choice give the two-week cookie.
func TestLoginRemember(t *testing.T) {
	e := newEnv(t)
	e.createUser("alice")
	for _, tc := range []struct {
		remember   any
		persistent bool
	}{{false, false}, {"false", false}, {true, true}, {nil, true}} {
		c := e.client()
		c.csrf()
		body := map[string]any{"username": "alice", "password": goodPass}
		if tc.remember != nil {
			body["remember"] = tc.remember
		}
		res := c.do("POST", "/api/auth/login", body)
		wantStatus(t, res, http.StatusOK)
		ck := res.cookies["sessionid"]
		raw := ""
		for _, line := range res.header.Values("Set-Cookie") {
			if strings.HasPrefix(line, "sessionid=") {
				raw = line
			}
		}
		hasAge := strings.Contains(raw, "Max-Age=") || strings.Contains(raw, "Expires=")
		if ck == nil || hasAge != tc.persistent {
			t.Fatalf("remember=%v: Set-Cookie %q", tc.remember, raw)
		}
		if c.me() != http.StatusOK {
			t.Fatalf("remember=%v: the session does not work", tc.remember)
		}
	}
}

// TestLoginRotates covers FIX-01/02/03/06: login issues a new key whatever cookie came with it, the
// old key is dead, and a CSRF token from before login is refused afterwards.
func TestLoginRotates(t *testing.T) {
	e := newEnv(t)
	e.createUser("alice")
	c := e.client()
	tokenBefore := c.csrf()
	c.cookies["sessionid"] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" // planted, never issued
	c.login("alice", goodPass)
	s1 := c.cookies["sessionid"]
	if s1 == "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
		t.Fatal("FIX-03: login kept a planted key")
	}

	// FIX-06: the pre-login token, with the post-login cookie, is refused.
	res := c.do("POST", "/api/auth/tokens", map[string]any{"name": "x"}, "X-CSRFToken", tokenBefore)
	wantStatus(t, res, http.StatusForbidden)
	if d, _ := res.json(t)["detail"].(string); !strings.HasPrefix(d, "CSRF Failed: ") {
		t.Fatalf("detail %q", d)
	}
	// A fresh token works.
	res = c.do("POST", "/api/auth/tokens", map[string]any{"name": "x"}, "X-CSRFToken", c.csrf())
	wantStatus(t, res, http.StatusCreated)

	// Logging in again (same client) gives another key; the previous one is dead at once.
	c.login("alice", goodPass)
	s2 := c.cookies["sessionid"]
	if s2 == s1 {
		t.Fatal("FIX-05: re-login kept the key")
	}
	old := e.client()
	old.cookies["sessionid"] = s1
	if st := old.me(); st != http.StatusUnauthorized {
		t.Fatalf("FIX-02: /me with the previous key: %d", st)
	}
	if c.me() != http.StatusOK {
		t.Fatal("the new key does not work")
	}
}
