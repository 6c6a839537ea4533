package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/throttle"
)

// TestLoginForm is also DRF's SessionAuthTests.test_login_view_renders_on_get (drf-django-spec.md
// §3.1 #10): GET on the login page renders the form with its username label, and sets the CSRF
// cookie (Django's csrf_protect does the same).
func TestLoginForm(t *testing.T) {
	e := newEnv(t)
	c := e.client(uaFirefoxLinux)
	resp := c.get("/login?next=/account")
	wantStatus(t, resp, http.StatusOK)
	if !regexp.MustCompile(`name="csrfmiddlewaretoken" value="[a-zA-Z0-9]{64}"`).MatchString(resp.body) {
		t.Errorf("no 64-character csrfmiddlewaretoken in the form:\n%s", resp.body)
	}
	if ck := cookie(resp, "csrftoken"); ck == nil || len(ck.Value) != 32 {
		t.Errorf("csrftoken cookie = %v, want a 32-character secret", ck)
	}
	if cookie(resp, "sessionid") != nil {
		t.Error("the sign-in form set a session cookie")
	}
	wantBody(t, resp,
		`<form method="post" action="/login"`,
		`<label for="id_username">Username</label>`,
		`id="id_username" name="username"`,
		`autocomplete="username"`,
		`<label for="id_password">Password</label>`,
		`type="password" id="id_password" name="password" autocomplete="current-password"`,
		`type="checkbox" id="id_remember" name="remember"`,
		`<label for="id_remember">Remember me</label>`,
		`<input type="hidden" name="next" value="/account">`,
		`role="alert"`,
		`<title>Sign in · sessionauth</title>`,
	)
}

func TestLoginFormDropsUnsafeNext(t *testing.T) {
	e := newEnv(t)
	resp := e.client("").get("/login?next=" + url.QueryEscape("https://evil.example"))
	wantStatus(t, resp, http.StatusOK)
	wantBody(t, resp, `<input type="hidden" name="next" value="">`)
	wantNotBody(t, resp, "evil.example")
}

func TestLoginWithoutCSRFTokenIsForbidden(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "", false, false)
	form := func() url.Values { return url.Values{"username": {"alice"}, "password": {goodPass}} }

	t.Run("NoCookieNoToken", func(t *testing.T) {
		resp := e.client("").post("/login", form())
		wantStatus(t, resp, http.StatusForbidden)
		if cookie(resp, "sessionid") != nil {
			t.Error("a rejected login set a session cookie")
		}
	})
	t.Run("CookieButNoToken", func(t *testing.T) {
		c := e.client("")
		c.get("/login")
		f := form()
		f.Set("csrfmiddlewaretoken", "")
		resp := c.post("/login", f)
		wantStatus(t, resp, http.StatusForbidden)
		if cookie(resp, "sessionid") != nil {
			t.Error("a rejected login set a session cookie")
		}
	})
	t.Run("CrossSiteOrigin", func(t *testing.T) { // CSRF-21: login CSRF with the attacker's account
		c := e.client("")
		c.get("/login")
		resp := c.post("/login", form(), "Origin", "https://evil.example")
		wantStatus(t, resp, http.StatusForbidden)
		if cookie(resp, "sessionid") != nil {
			t.Error("a cross-site login set a session cookie")
		}
	})
	t.Run("SecFetchSiteCrossSite", func(t *testing.T) {
		c := e.client("")
		c.get("/login")
		resp := c.post("/login", form(), "Sec-Fetch-Site", "cross-site")
		wantStatus(t, resp, http.StatusForbidden)
	})
}

func TestLoginFailureIsGeneric(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "", false, false)
	inactive := e.user("carol", "", false, false)
	if err := e.am.SetActive(t.Context(), inactive.ID, false); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, username, password string }{
		{"WrongPassword", "alice", "not-the-password"},
		{"UnknownUser", "nobody", goodPass},
		{"InactiveUser", "carol", goodPass},
		{"WrongCase", "Alice", goodPass},
		{"EmptyPassword", "alice", ""},
		{"EmptyUsername", "", goodPass},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := e.client("")
			c.get("/login?next=/account")
			resp := c.post("/login", url.Values{"username": {tc.username}, "password": {tc.password}, "next": {"/account"}})
			wantStatus(t, resp, http.StatusOK)
			wantBody(t, resp, genericLoginFail, `aria-invalid="true"`, `<input type="hidden" name="next" value="/account">`)
			if tc.username != "" {
				wantBody(t, resp, `value="`+tc.username+`"`)
			}
			if tc.password != "" {
				wantNotBody(t, resp, tc.password)
			}
			if cookie(resp, "sessionid") != nil || c.jarCookie("sessionid") != "" {
				t.Error("a failed login set a session cookie")
			}
		})
	}
}

func TestLoginSuccess(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "", false, false)
	c := e.client(uaFirefoxLinux)
	c.get("/login?next=/account")
	before, beforeToken := c.jarCookie("csrftoken"), c.token
	resp := c.post("/login", url.Values{"username": {"alice"}, "password": {goodPass}, "next": {"/account"}})
	wantStatus(t, resp, http.StatusFound)
	if loc := resp.Header.Get("Location"); loc != "/account" {
		t.Errorf("Location = %q, want /account", loc)
	}
	if ck := cookie(resp, "sessionid"); ck == nil || len(ck.Value) != 32 || !ck.HttpOnly {
		t.Errorf("sessionid cookie = %v, want a 32-character HttpOnly key", ck)
	}
	ck := cookie(resp, "csrftoken")
	if ck == nil || len(ck.Value) != 32 || ck.Value == before {
		t.Errorf("csrftoken after login = %v, want a new secret (before: %q)", ck, before)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	if !c.signedIn() {
		t.Error("not signed in after a successful login")
	}
	// The token of the page before login no longer works: the secret was rotated.
	c.token = beforeToken
	if resp := c.post("/logout", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a token issued before login still works after it: status %d", resp.StatusCode)
	}
}

func TestLoginNextFromQuery(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "", false, false)
	c := e.client("")
	c.get("/login")
	resp := c.post("/login?next=/account", url.Values{"username": {"alice"}, "password": {goodPass}})
	wantStatus(t, resp, http.StatusFound)
	if loc := resp.Header.Get("Location"); loc != "/account" {
		t.Errorf("Location = %q, want /account", loc)
	}
}

// TestLoginUnsafeNext is checklist IN-09/IN-10: every target that is not a same-site relative path
// lands on "/", and no header is injected.
func TestLoginUnsafeNext(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "", false, false)
	host := strings.TrimPrefix(e.srv.URL, "http://")
	unsafe := []string{
		"https://evil.example",
		"//evil.example",
		`/\evil.example`,
		`http://` + host + `\@evil.example`,
		"http://" + host + "/account",
		"javascript:alert(1)",
		"/%0d%0aLocation:%20https://evil",
		"/\r\nLocation: https://evil",
		"/\t/evil.example",
		"///evil.example",
		"\\\\evil.example",
		" //evil.example",
		"data:text/html,<script>alert(1)</script>",
		"evil.example",
	}
	for _, next := range unsafe {
		t.Run(strconv.Quote(next), func(t *testing.T) {
			for _, where := range []string{"form", "query"} {
				c := e.client("")
				c.get("/login")
				form := url.Values{"username": {"alice"}, "password": {goodPass}}
				path := "/login"
				if where == "form" {
					form.Set("next", next)
				} else {
					path += "?next=" + url.QueryEscape(next)
				}
				resp := c.post(path, form)
				wantStatus(t, resp, http.StatusFound)
				if loc := resp.Header.Get("Location"); loc != "/" {
					t.Errorf("next in %s: Location = %q, want /", where, loc)
				}
				for name, values := range resp.Header {
					for _, v := range values {
						if strings.ContainsAny(v, "\r\n") || strings.Contains(v, "evil") {
							t.Errorf("header %s: %q", name, v)
						}
					}
				}
			}
		})
	}
}

func TestRememberMe(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "", false, false)

	resp := e.client("").login("alice", true)
	ck := cookie(resp, "sessionid")
	if ck == nil || ck.MaxAge < 1209600-5 || ck.MaxAge > 1209600 {
		t.Errorf("remember me: sessionid = %v, want Max-Age about 1209600", ck)
	}

	resp = e.client("").login("alice", false)
	ck = cookie(resp, "sessionid")
	if ck == nil || ck.MaxAge != 0 || !ck.Expires.IsZero() {
		t.Errorf("without remember me: sessionid = %v, want a browser-session cookie", ck)
	}
	for _, line := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(line, "sessionid=") && (strings.Contains(line, "Max-Age") || strings.Contains(line, "Expires")) {
			t.Errorf("without remember me: %q", line)
		}
	}
}

func TestLoginThrottled(t *testing.T) {
	e := newEnv(t, func(m *auth.Manager) {
		m.Throttle.Account = []throttle.Rate{{N: 2, Period: time.Minute}}
	})
	e.user("alice", "", false, false)
	c := e.client("")
	c.get("/login")
	for range 2 {
		resp := c.post("/login", url.Values{"username": {"alice"}, "password": {"wrong-guess"}})
		wantStatus(t, resp, http.StatusOK)
	}
	resp := c.post("/login", url.Values{"username": {"alice"}, "password": {goodPass}})
	wantStatus(t, resp, http.StatusTooManyRequests)
	if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 60 {
		t.Errorf("Retry-After = %q, want 1..60 seconds", resp.Header.Get("Retry-After"))
	}
	wantBody(t, resp, "Too many sign-in attempts. Please try again in ")
	if cookie(resp, "sessionid") != nil {
		t.Error("a throttled login set a session cookie")
	}
}

func TestLoginStoreFailure(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "", false, false)
	c := e.client("")
	c.get("/login")
	e.store.down.Store(true)
	resp := c.post("/login", url.Values{"username": {"alice"}, "password": {goodPass}})
	wantStatus(t, resp, http.StatusServiceUnavailable)
	wantBody(t, resp, "temporarily unavailable")
	wantNotBody(t, resp, errStoreDown.Error(), genericLoginFail)
	if cookie(resp, "sessionid") != nil {
		t.Error("a failed login set a session cookie")
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "", false, false)
	c := e.client("")
	c.login("alice", true)
	key := c.jarCookie("sessionid")

	page := c.get("/")
	wantBody(t, page, `<form method="post" action="/logout"`)
	resp := c.post("/logout", nil)
	wantStatus(t, resp, http.StatusFound)
	if loc := resp.Header.Get("Location"); loc != "/login" {
		t.Errorf("Location = %q, want /login", loc)
	}
	if ck := cookie(resp, "sessionid"); ck == nil || ck.MaxAge >= 0 || ck.Value != "" {
		t.Errorf("sessionid after logout = %v, want a deletion", ck)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	if c.signedIn() {
		t.Error("still signed in after logout")
	}
	// The old key is dead server-side, not only forgotten by the browser.
	replay := e.client("")
	u, _ := url.Parse(e.srv.URL)
	replay.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "sessionid", Value: key}})
	if replay.signedIn() {
		t.Error("the session key still works after logout")
	}
	// Logging out again, without a session, is harmless (OUT-04).
	c.get("/login")
	wantStatus(t, c.post("/logout", nil), http.StatusFound)
}

// TestLogoutNeedsCSRFPost is checklist OUT-03.
func TestLogoutNeedsCSRFPost(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "", false, false)
	c := e.client("")
	c.login("alice", false)

	resp := c.get("/logout")
	wantStatus(t, resp, http.StatusMethodNotAllowed)
	if allow := resp.Header.Get("Allow"); allow != "POST" {
		t.Errorf("Allow = %q, want POST", allow)
	}
	if !c.signedIn() {
		t.Fatal("GET /logout signed the user out")
	}

	c.get("/")
	if resp := c.post("/logout", nil, "Origin", "https://evil.example"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site logout: status %d, want 403", resp.StatusCode)
	}
	if resp := c.post("/logout", url.Values{"csrfmiddlewaretoken": {""}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("logout without a token: status %d, want 403", resp.StatusCode)
	}
	if !c.signedIn() {
		t.Error("a forged logout signed the user out")
	}
}

func TestRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		wait time.Duration
		want int
		msg  string
	}{
		{0, 1, msgThrottled},
		{time.Millisecond, 1, "Please try again in 1 second."},
		{1500 * time.Millisecond, 2, "Please try again in 2 seconds."},
		{59 * time.Second, 59, "Please try again in 59 seconds."},
		{10 * time.Minute, 600, "Please try again in 10 minutes."},
	} {
		if got := retryAfter(tc.wait); got != tc.want {
			t.Errorf("retryAfter(%v) = %d, want %d", tc.wait, got, tc.want)
		}
		if got := throttledMessage(tc.wait); !strings.Contains(got, tc.msg) {
			t.Errorf("throttledMessage(%v) = %q, want it to contain %q", tc.wait, got, tc.msg)
		}
	}
}
