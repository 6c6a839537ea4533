package e2e

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
)

var (
	maskedTokenRE = regexp.MustCompile(`^[A-Za-z0-9]{64}$`)
	csrfSecretRE  = regexp.MustCompile(`^[A-Za-z0-9]{32}$`)
	sessionKeyRE  = regexp.MustCompile(`^[a-z0-9]{32}$`)
)

func keysOf(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func expectKeys(t *testing.T, m map[string]any, want []string, what string) {
	t.Helper()
	sort.Strings(want)
	if got := keysOf(m); !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: fields %v, want %v", what, got, want)
	}
}

func TestCSRFEndpoint(t *testing.T) {
	t.Parallel()
	_, srv := start(t)
	c := srv.client()

	r := c.get("/api/auth/csrf")
	expect(t, r, http.StatusOK, "GET /api/auth/csrf")
	var body struct {
		CSRFToken string `json:"csrfToken"`
	}
	r.json(t, &body)
	if !maskedTokenRE.MatchString(body.CSRFToken) {
		t.Errorf("csrfToken %q: want 64 characters of [A-Za-z0-9]", body.CSRFToken)
	}
	ck := r.setCookie("csrftoken")
	if ck == nil {
		t.Fatalf("no csrftoken cookie set: %v", r.Header["Set-Cookie"])
	}
	if !csrfSecretRE.MatchString(ck.Value) || ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.MaxAge != 31449600 {
		t.Errorf("csrftoken cookie %q: want a 32-character secret, not HttpOnly, SameSite=Lax, Path=/, Max-Age=31449600", r.Header.Get("Set-Cookie"))
	}
	if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}

	// A second call keeps the cookie and gives a differently masked token (BREACH).
	r2 := c.get("/api/auth/csrf")
	expect(t, r2, http.StatusOK, "second GET /api/auth/csrf")
	if r2.setCookie("csrftoken") != nil {
		t.Errorf("second call set the csrftoken cookie again: %v", r2.Header["Set-Cookie"])
	}
	var body2 struct {
		CSRFToken string `json:"csrfToken"`
	}
	r2.json(t, &body2)
	if body2.CSRFToken == body.CSRFToken || !maskedTokenRE.MatchString(body2.CSRFToken) {
		t.Errorf("second token %q: want a new 64-character masking of the same secret", body2.CSRFToken)
	}
	// No session is created for an anonymous visitor.
	if r.setCookie("sessionid") != nil || r2.setCookie("sessionid") != nil {
		t.Errorf("an anonymous GET /api/auth/csrf set a session cookie")
	}
	r = c.post("/api/auth/csrf", nil)
	expect(t, r, http.StatusMethodNotAllowed, "POST /api/auth/csrf")
	if allow := r.Header.Get("Allow"); !strings.Contains(allow, "GET") {
		t.Errorf("405 Allow %q, want GET listed", allow)
	}
}

func TestLoginJSON(t *testing.T) {
	t.Parallel()
	_, srv := start(t)
	c := srv.client()
	before := c.csrf()
	oldSecret := c.cookies["csrftoken"]
	r := c.post("/api/auth/login", map[string]any{"username": "alice", "password": alicePassword}, "X-CSRFToken", before)
	expect(t, r, http.StatusOK, "login")

	var out struct {
		User map[string]any `json:"user"`
	}
	r.json(t, &out)
	expectKeys(t, out.User, []string{"id", "username", "email", "is_staff", "is_superuser", "date_joined", "last_login"}, "login user")
	if out.User["username"] != "alice" || out.User["email"] != "alice@example.com" || out.User["is_staff"] != false || out.User["is_superuser"] != false {
		t.Errorf("login user %v", out.User)
	}
	ck := r.setCookie("sessionid")
	if ck == nil {
		t.Fatalf("login set no sessionid: %v", r.Header["Set-Cookie"])
	}
	if !sessionKeyRE.MatchString(ck.Value) || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.MaxAge != 1209600 || ck.Domain != "" {
		t.Errorf("session cookie %q: want 32 chars of [a-z0-9], HttpOnly, SameSite=Lax, Path=/, Max-Age=1209600, no Domain", ck.Raw)
	}
	if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("login Cache-Control %q, want no-store", cc)
	}
	// Login rotates the CSRF secret: the pre-login token is dead (checklist FIX-06).
	if c.cookies["csrftoken"] == oldSecret {
		t.Errorf("login did not rotate the csrftoken cookie")
	}
	r = c.post("/api/notes", map[string]any{"title": "x"}, "X-CSRFToken", before)
	expect(t, r, http.StatusForbidden, "unsafe request with the pre-login CSRF token")
	if d := r.object(t)["detail"]; !strings.HasPrefix(fmt.Sprint(d), "CSRF Failed: ") {
		t.Errorf("detail %q, want a CSRF failure", d)
	}

	me := c.get("/api/auth/me")
	expect(t, me, http.StatusOK, "/me after login")
	m := me.object(t)
	if m["username"] != "alice" || m["last_login"] == nil {
		t.Errorf("/me %v: want alice with last_login set", m)
	}
	if m["id"] != out.User["id"] || m["date_joined"] != out.User["date_joined"] {
		t.Errorf("/me %v disagrees with the login answer %v", m, out.User)
	}

	// Logging in again (same user) gives a new session key; the old one is dead (FIX-01/02, FIX-05).
	old := c.clone()
	c.mustLogin("alice", alicePassword)
	if c.cookies["sessionid"] == old.cookies["sessionid"] {
		t.Fatalf("a second login kept the session key")
	}
	expectAnonymous(t, old, "the pre-login session key")
	expect(t, c.get("/api/auth/me"), http.StatusOK, "/me with the new key")

	// "remember": false gives a browser-session cookie (no Max-Age).
	d := srv.client()
	tok := d.csrf()
	r = d.post("/api/auth/login", map[string]any{"username": "bob", "password": bobPassword, "remember": false}, "X-CSRFToken", tok)
	expect(t, r, http.StatusOK, "login with remember=false")
	if ck := r.setCookie("sessionid"); ck == nil || ck.MaxAge != 0 || !ck.Expires.IsZero() {
		t.Errorf("remember=false: cookie %v, want no Max-Age and no Expires", r.Header["Set-Cookie"])
	}
}

func TestLoginForm(t *testing.T) {
	t.Parallel()
	_, srv := start(t)

	// Form body with the token in the header.
	c := srv.client()
	tok := c.csrf()
	r := c.post("/api/auth/login", url.Values{"username": {"alice"}, "password": {alicePassword}}, "X-CSRFToken", tok)
	expect(t, r, http.StatusOK, "form login with X-CSRFToken")
	expect(t, c.get("/api/auth/me"), http.StatusOK, "/me after the form login")

	// Form body with the token in csrfmiddlewaretoken, as an HTML form posts it.
	d := srv.client()
	tok = d.csrf()
	r = d.post("/api/auth/login", url.Values{"username": {"bob"}, "password": {bobPassword}, "csrfmiddlewaretoken": {tok}}, "X-CSRFToken", omit)
	expect(t, r, http.StatusOK, "form login with csrfmiddlewaretoken")
	if r.object(t)["user"].(map[string]any)["username"] != "bob" {
		t.Errorf("form login answered %s", r)
	}

	// Multipart works too.
	e := srv.client()
	tok = e.csrf()
	var b strings.Builder
	b.WriteString("--XyZ\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nalice\r\n")
	b.WriteString("--XyZ\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n" + alicePassword + "\r\n--XyZ--\r\n")
	r = e.post("/api/auth/login", rawBody{"multipart/form-data; boundary=XyZ", []byte(b.String())}, "X-CSRFToken", tok)
	expect(t, r, http.StatusOK, "multipart login")

	// A form with a field given twice is refused.
	f := srv.client()
	tok = f.csrf()
	r = f.post("/api/auth/login", url.Values{"username": {"alice", "bob"}, "password": {alicePassword}}, "X-CSRFToken", tok)
	expect(t, r, http.StatusBadRequest, "form login with two usernames")
}

func TestLoginMissingFields(t *testing.T) {
	t.Parallel()
	_, srv := start(t)
	c := srv.client()
	tok := c.csrf()
	cases := []struct {
		body any
		want string
	}{
		{map[string]any{"password": "whatever-it-is"}, `{"username":["This field is required."]}`},
		{map[string]any{"username": "alice"}, `{"password":["This field is required."]}`},
		{map[string]any{}, `{"username":["This field is required."],"password":["This field is required."]}`},
		{rawBody{"application/json", nil}, `{"username":["This field is required."],"password":["This field is required."]}`},
		{map[string]any{"username": "", "password": "x"}, `{"username":["This field may not be blank."]}`},
		{map[string]any{"username": "   ", "password": "x"}, `{"username":["This field may not be blank."]}`},
		{url.Values{"password": {"x"}}, `{"username":["This field is required."]}`},
	}
	for i, tc := range cases {
		r := c.post("/api/auth/login", tc.body, "X-CSRFToken", tok)
		expectBody(t, r, http.StatusBadRequest, tc.want, fmt.Sprintf("case %d (%v)", i, tc.body))
		if r.setCookie("sessionid") != nil {
			t.Errorf("case %d set a session cookie", i)
		}
	}
}

// Every failed login answers the same bytes, so the answer does not tell which accounts exist or
// are active (checklist ENUM-01).
func TestLoginFailuresIdentical(t *testing.T) {
	t.Parallel()
	s, srv := start(t)
	s.createUser("carol", "carol-Pa55word-e2e-3Zz")
	s.mustCLI("", "users", "deactivate", "carol")

	const want = `{"detail":"Unable to log in with provided credentials."}`
	cases := []struct{ what, username, password string }{
		{"wrong password", "alice", "not-alices-password"},
		{"unknown user", "nobody-here", "not-alices-password"},
		{"inactive user, wrong password", "carol", "not-carols-password"},
		{"inactive user, right password", "carol", "carol-Pa55word-e2e-3Zz"},
		{"password with a NUL", "alice", alicePassword + "\x00"},
		{"password without its last character", "alice", alicePassword[:len(alicePassword)-1]},
	}
	var firstHeaders []string
	var firstBody string
	for i, tc := range cases {
		c := srv.client()
		r := c.login(tc.username, tc.password)
		expectBody(t, r, http.StatusBadRequest, want, tc.what)
		var names []string
		for k := range r.Header {
			if k != "Date" {
				names = append(names, k+"="+strings.Join(r.Header[k], ","))
			}
		}
		sort.Strings(names)
		if i == 0 {
			firstHeaders, firstBody = names, string(r.body)
			continue
		}
		if string(r.body) != firstBody {
			t.Errorf("%s: body %q differs from %q", tc.what, r.body, firstBody)
		}
		if !reflect.DeepEqual(names, firstHeaders) {
			t.Errorf("%s: headers %v differ from %v", tc.what, names, firstHeaders)
		}
		if r.setCookie("sessionid") != nil {
			t.Errorf("%s: a failed login set a session cookie", tc.what)
		}
	}
	// A password of 100 KB is refused with the same answer (before hashing).
	c := srv.client()
	expectBody(t, c.login("alice", strings.Repeat("p", 100_000)), http.StatusBadRequest, want, "100 KB password")
}

func TestLoginCSRF(t *testing.T) {
	t.Parallel()
	_, srv := start(t, "--trusted-origins", "https://app.example.com")
	creds := map[string]any{"username": "alice", "password": alicePassword}

	// No csrftoken cookie at all.
	c := srv.client()
	r := c.post("/api/auth/login", creds)
	expectBody(t, r, http.StatusForbidden, `{"detail":"CSRF Failed: CSRF cookie not set."}`, "login without a CSRF cookie")

	tok := c.csrf()
	cases := []struct {
		what string
		hdr  []string
	}{
		{"no token", []string{"X-CSRFToken", omit}},
		{"empty token", []string{"X-CSRFToken", ""}},
		{"wrong token", []string{"X-CSRFToken", strings.Repeat("a", 64)}},
		{"wrong length", []string{"X-CSRFToken", "abc"}},
		{"invalid characters", []string{"X-CSRFToken", strings.Repeat("*", 64)}},
		{"50,000 characters", []string{"X-CSRFToken", strings.Repeat("a", 50_000)}},
		{"cross-site Origin", []string{"X-CSRFToken", tok, "Origin", "https://evil.example"}},
		{"null Origin", []string{"X-CSRFToken", tok, "Origin", "null"}},
		{"other port", []string{"X-CSRFToken", tok, "Origin", "http://" + strings.Split(srv.addr, ":")[0] + ":1"}},
		{"Sec-Fetch-Site: cross-site", []string{"X-CSRFToken", tok, "Sec-Fetch-Site", "cross-site"}},
		// same-site is not decisive by design (csrf/check.go): a sibling's Origin is what fails.
		{"Sec-Fetch-Site: same-site from a sibling", []string{"X-CSRFToken", tok, "Sec-Fetch-Site", "same-site", "Origin", "http://sibling.localhost"}},
		{"cross-site with a matching Origin", []string{"X-CSRFToken", tok, "Sec-Fetch-Site", "cross-site", "Origin", srv.base}},
		{"trusted origin over http", []string{"X-CSRFToken", tok, "Origin", "http://app.example.com"}},
	}
	for _, tc := range cases {
		r := c.post("/api/auth/login", creds, tc.hdr...)
		expect(t, r, http.StatusForbidden, tc.what)
		if d := fmt.Sprint(r.object(t)["detail"]); !strings.HasPrefix(d, "CSRF Failed: ") {
			t.Errorf("%s: detail %q, want a CSRF failure", tc.what, d)
		}
		if r.setCookie("sessionid") != nil {
			t.Errorf("%s: a refused login set a session cookie", tc.what)
		}
		if strings.Contains(string(r.body), tok) || strings.Contains(string(r.body), c.cookies["csrftoken"]) {
			t.Errorf("%s: the answer repeats the CSRF secret: %s", tc.what, r.body)
		}
	}
	// A token longer than the header limit never reaches the check.
	r = c.post("/api/auth/login", creds, "X-CSRFToken", strings.Repeat("a", 100_000))
	expect(t, r, http.StatusRequestHeaderFieldsTooLarge, "100,000-character token")
	r = c.post("/api/auth/login", creds, "X-CSRFToken", omit)
	expectBody(t, r, http.StatusForbidden, `{"detail":"CSRF Failed: CSRF token missing."}`, "login without a token")
	r = c.post("/api/auth/login", creds, "X-CSRFToken", tok, "Origin", "https://evil.example")
	expectBody(t, r, http.StatusForbidden, `{"detail":"CSRF Failed: Origin checking failed - https://evil.example does not match any trusted origins."}`, "cross-site login")
	expectAnonymous(t, c, "after refused logins")

	// Allowed: same origin, a trusted origin, Sec-Fetch-Site same-origin/none, and the unmasked
	// secret from the cookie.
	for _, hdr := range [][]string{
		{"X-CSRFToken", tok, "Origin", srv.base},
		{"X-CSRFToken", tok, "Origin", "https://app.example.com"},
		{"X-CSRFToken", tok, "Sec-Fetch-Site", "same-origin"},
		{"X-CSRFToken", tok, "Sec-Fetch-Site", "none"},
		{"X-CSRFToken", c.cookies["csrftoken"]},
	} {
		d := srv.client()
		d.csrf()
		if hdr[1] == tok {
			hdr[1] = d.csrf()
		} else {
			hdr[1] = d.cookies["csrftoken"]
		}
		expect(t, d.post("/api/auth/login", creds, hdr...), http.StatusOK, fmt.Sprintf("login with %q", hdr))
	}
}

func TestLoginMalformedJSON(t *testing.T) {
	t.Parallel()
	_, srv := start(t)
	c := srv.client()
	tok := c.csrf()
	bodies := map[string]string{
		"truncated":          `{"username":"alice"`,
		"trailing object":    `{}{}`,
		"trailing garbage":   `{"username":"alice","password":"x"} x`,
		"top-level array":    `["alice"]`,
		"top-level string":   `"alice"`,
		"top-level null":     `null`,
		"invalid UTF-8":      "{\"username\":\"\xff\xfe\",\"password\":\"x\"}",
		"UTF-8 BOM":          "\xef\xbb\xbf{\"username\":\"alice\",\"password\":\"x\"}",
		"duplicate key":      `{"username":"bob","username":"alice","password":"x"}`,
		"deep nesting":       `{"username":` + strings.Repeat("[", 10_000) + strings.Repeat("]", 10_000) + `}`,
		"single quotes":      `{'username':'alice'}`,
		"unquoted key":       `{username:"alice"}`,
		"huge number":        `{"username":1` + strings.Repeat("0", 100_000) + `,"password":"x"}`,
		"comment":            `{"username":"alice" /* hi */}`,
		"bare word":          `undefined`,
		"unterminated value": `{"username":"alice","password":`,
	}
	for what, body := range bodies {
		r := c.post("/api/auth/login", rawBody{"application/json", []byte(body)}, "X-CSRFToken", tok)
		if r.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: got %s, want 400", what, r)
			continue
		}
		detail, _ := r.object(t)["detail"].(string)
		if what != "huge number" && what != "deep nesting" && !strings.HasPrefix(detail, "JSON parse error") {
			t.Errorf("%s: detail %q, want a JSON parse error", what, detail)
		}
		if r.setCookie("sessionid") != nil {
			t.Errorf("%s: set a session cookie", what)
		}
	}
	// Content types that are not parsed: 415 (checklist CSRF-20).
	for _, ct := range []string{"text/plain", "application/xml", "", "text/plain; charset=utf-8"} {
		r := c.post("/api/auth/login", rawBody{ct, []byte(`{"username":"alice","password":"` + alicePassword + `"}`)}, "X-CSRFToken", tok)
		expect(t, r, http.StatusUnsupportedMediaType, "Content-Type "+ct)
	}
	r := c.post("/api/auth/login", rawBody{"application/json; charset", []byte(`{}`)}, "X-CSRFToken", tok)
	expect(t, r, http.StatusUnsupportedMediaType, "malformed Content-Type")
	expect(t, srv.client().get("/healthz"), http.StatusOK, "healthz after malformed input")
}

// Key names are matched exactly: Go's encoding/json would accept "USERNAME" for "username"
// (checklist IN-05/06).
func TestLoginTypeConfusion(t *testing.T) {
	t.Parallel()
	_, srv := start(t)
	c := srv.client()
	tok := c.csrf()
	cases := []struct {
		body string
		want string // exact JSON body; "" for the generic credentials failure
	}{
		{`{"username":0,"password":"x"}`, ""},
		{`{"username":-1.5e3,"password":"x"}`, ""},
		{`{"username":["alice"],"password":"` + alicePassword + `"}`, `{"username":["Not a valid string."]}`},
		{`{"username":{"$ne":""},"password":"` + alicePassword + `"}`, `{"username":["Not a valid string."]}`},
		{`{"username":true,"password":"` + alicePassword + `"}`, `{"username":["Not a valid string."]}`},
		{`{"username":null,"password":"` + alicePassword + `"}`, `{"username":["This field may not be null."]}`},
		{`{"username":"alice","password":true}`, `{"password":["Not a valid string."]}`},
		{`{"username":"alice","password":null}`, `{"password":["This field may not be null."]}`},
		{`{"username":"alice","password":12345}`, ""},
		{`{"username":"alice","password":""}`, `{"password":["This field may not be blank."]}`},
		{`{"username":"alice","password":"null"}`, ""},
		{`{"USERNAME":"alice","password":"` + alicePassword + `"}`, `{"username":["This field is required."]}`},
		{`{"Username":"alice","Password":"` + alicePassword + `"}`, `{"username":["This field is required."],"password":["This field is required."]}`},
		{`{"username":"alice","password":"` + alicePassword + `","remember":"maybe"}`, `{"remember":["Must be a valid boolean."]}`},
	}
	for _, tc := range cases {
		r := c.post("/api/auth/login", rawBody{"application/json", []byte(tc.body)}, "X-CSRFToken", tok)
		want := tc.want
		if want == "" {
			want = `{"detail":"Unable to log in with provided credentials."}`
		}
		expectBody(t, r, http.StatusBadRequest, want, tc.body)
		if r.setCookie("sessionid") != nil {
			t.Errorf("%s: set a session cookie", tc.body)
		}
	}
	// Extra fields are ignored, as DRF's serializers do.
	r := c.post("/api/auth/login", map[string]any{"username": "alice", "password": alicePassword, "is_superuser": true}, "X-CSRFToken", tok)
	expect(t, r, http.StatusOK, "login with an extra field")
	if r.object(t)["user"].(map[string]any)["is_superuser"] != false {
		t.Errorf("an extra field changed the user: %s", r)
	}
}

func TestLogout(t *testing.T) {
	t.Parallel()
	_, srv := start(t)
	c := srv.loggedIn("alice", alicePassword)
	other := srv.loggedIn("alice", alicePassword) // another device: unaffected
	stolen := c.clone()

	// GET is not a logout; a cross-site POST or one without the token is refused and logs no one out.
	expect(t, c.get("/api/auth/logout"), http.StatusMethodNotAllowed, "GET /api/auth/logout")
	expect(t, c.post("/api/auth/logout", nil, "X-CSRFToken", omit), http.StatusForbidden, "logout without a CSRF token")
	expect(t, c.post("/api/auth/logout", nil, "Origin", "https://evil.example"), http.StatusForbidden, "cross-site logout")
	expect(t, c.get("/api/auth/me"), http.StatusOK, "/me after refused logouts")

	r := c.post("/api/auth/logout", nil)
	expect(t, r, http.StatusNoContent, "logout")
	if len(r.body) != 0 {
		t.Errorf("204 with a body: %q", r.body)
	}
	if !r.deletesCookie("sessionid") {
		t.Errorf("logout did not delete the session cookie: %v", r.Header["Set-Cookie"])
	}
	if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("logout Cache-Control %q, want no-store", cc)
	}
	expectAnonymous(t, c, "after logout")
	// The copied cookie is dead server-side (checklist OUT-01), for reads and writes.
	expectAnonymous(t, stolen, "replayed cookie")
	r = stolen.post("/api/notes", map[string]any{"title": "after logout"})
	expect(t, r, http.StatusUnauthorized, "POST /api/notes with a logged-out cookie")
	// Logging out again with the dead cookie, with none, and with garbage is harmless.
	expect(t, stolen.post("/api/auth/logout", nil), http.StatusNoContent, "logout with a dead cookie")
	expect(t, srv.client().post("/api/auth/logout", nil), http.StatusNoContent, "logout without a session")
	g := srv.client()
	g.cookies["sessionid"] = "garbage!"
	r = g.post("/api/auth/logout", nil)
	expect(t, r, http.StatusNoContent, "logout with a garbage cookie")
	// The other device is still logged in (checklist OUT-05).
	expect(t, other.get("/api/auth/me"), http.StatusOK, "/me on the other device")
}

func TestMe(t *testing.T) {
	t.Parallel()
	_, srv := start(t)
	anon := srv.client()
	r := anon.get("/api/auth/me")
	expectBody(t, r, http.StatusUnauthorized, `{"detail":"Authentication credentials were not provided."}`, "anonymous /me")
	if h := r.Header.Get("WWW-Authenticate"); h != "Token" {
		t.Errorf("WWW-Authenticate %q, want Token", h)
	}

	c := srv.loggedIn("alice", alicePassword)
	r = c.get("/api/auth/me")
	expect(t, r, http.StatusOK, "/me")
	m := r.object(t)
	expectKeys(t, m, []string{"id", "username", "email", "is_staff", "is_superuser", "date_joined", "last_login"}, "/me")
	if r.Header.Get("Vary") == "" || !strings.Contains(r.Header.Get("Vary"), "Cookie") {
		t.Errorf("/me Vary %q, want Cookie", r.Header.Get("Vary"))
	}
	if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("/me Cache-Control %q, want no-store", cc)
	}
	expect(t, c.post("/api/auth/me", nil), http.StatusMethodNotAllowed, "POST /me")

	// Token authentication: the same user, no session cookie minted (checklist TOK-05).
	key := createToken(t, c, "me-test")
	tc := srv.client()
	r = tc.get("/api/auth/me", "Authorization", "Token "+key)
	expect(t, r, http.StatusOK, "/me by token")
	if r.object(t)["username"] != "alice" {
		t.Errorf("/me by token: %s", r)
	}
	if r.setCookie("sessionid") != nil {
		t.Errorf("token authentication set a session cookie")
	}
	// A bad token is refused even next to a valid session cookie: no fall-back (checklist CSRF-22).
	for hdr, detail := range map[string]string{
		"Token " + strings.Repeat("0", len(key)): "Invalid token.",
		"Token":                                  "Invalid token header. No credentials provided.",
		"Token a b":                              "Invalid token header. Token string should not contain spaces.",
		"Token " + strings.Repeat("k", 10_000):   "Invalid token.",
	} {
		r := c.get("/api/auth/me", "Authorization", hdr)
		expectBody(t, r, http.StatusUnauthorized, fmt.Sprintf(`{"detail":%q}`, detail), "Authorization: "+hdr[:min(len(hdr), 20)])
		if h := r.Header.Get("WWW-Authenticate"); h != "Token" {
			t.Errorf("WWW-Authenticate %q, want Token", h)
		}
	}
	// The key in the URL is not a credential (checklist TOK-03).
	expect(t, srv.client().get("/api/auth/me?token="+key), http.StatusUnauthorized, "token in the query string")
}

// createToken creates an API token through the API and returns its key.
func createToken(t *testing.T, c *client, name string) string {
	t.Helper()
	r := c.post("/api/auth/tokens", map[string]any{"name": name})
	expect(t, r, http.StatusCreated, "POST /api/auth/tokens")
	key, _ := r.object(t)["token"].(string)
	if key == "" {
		t.Fatalf("no token in %s", r)
	}
	c.srv.site.secret(key, "API token")
	return key
}

func TestPasswordChange(t *testing.T) {
	t.Parallel()
	s, srv := start(t)
	const newPassword = "alice-N3w-passphrase-e2e"
	s.secret(newPassword, "new password")
	a := srv.loggedIn("alice", alicePassword)
	b := srv.loggedIn("alice", alicePassword)
	bob := srv.loggedIn("bob", bobPassword)
	oldKey := a.cookies["sessionid"]

	// Field errors.
	expectBody(t, a.post("/api/auth/password", map[string]any{}), http.StatusBadRequest,
		`{"old_password":["This field is required."],"new_password":["This field is required."]}`, "empty password change")
	r := a.post("/api/auth/password", map[string]any{"old_password": "wrong-old-password", "new_password": newPassword})
	expect(t, r, http.StatusBadRequest, "wrong old password")
	if _, ok := r.object(t)["old_password"]; !ok {
		t.Errorf("wrong old password: %s, want an old_password error", r)
	}
	for pw, msg := range map[string]string{
		"short":      "This password is too short. It must contain at least 8 characters.",
		"password":   "This password is too common.",
		"1234567890": "This password is entirely numeric.",
	} {
		r := a.post("/api/auth/password", map[string]any{"old_password": alicePassword, "new_password": pw})
		expect(t, r, http.StatusBadRequest, "weak password "+pw)
		var fields map[string][]string
		r.json(t, &fields)
		if !contains(fields["new_password"], msg) {
			t.Errorf("weak password %q: %s, want new_password message %q", pw, r, msg)
		}
	}
	// CSRF is required, and a token cannot change a password (session only).
	expect(t, a.post("/api/auth/password", map[string]any{"old_password": alicePassword, "new_password": newPassword}, "X-CSRFToken", omit),
		http.StatusForbidden, "password change without CSRF")
	key := createToken(t, a, "pw")
	expect(t, srv.client().post("/api/auth/password", map[string]any{"old_password": alicePassword, "new_password": newPassword}, "Authorization", "Token "+key),
		http.StatusForbidden, "password change by token")
	expect(t, b.get("/api/auth/me"), http.StatusOK, "other session before the change")

	r = a.post("/api/auth/password", map[string]any{"old_password": alicePassword, "new_password": newPassword})
	expect(t, r, http.StatusNoContent, "password change")
	// This session continues under a new key; the other one is dead (checklist PWD-02).
	if a.cookies["sessionid"] == oldKey || a.cookies["sessionid"] == "" {
		t.Errorf("the session key was not rotated by the password change")
	}
	expect(t, a.get("/api/auth/me"), http.StatusOK, "/me in the session that changed the password")
	expectAnonymous(t, b, "the other session after the password change")
	expect(t, bob.get("/api/auth/me"), http.StatusOK, "another user's session")
	expect(t, srv.client().login("alice", alicePassword), http.StatusBadRequest, "login with the old password")
	expect(t, srv.client().login("alice", newPassword), http.StatusOK, "login with the new password")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestSessionsEndpoint(t *testing.T) {
	t.Parallel()
	_, srv := start(t)
	a := srv.client()
	a.Header.Set("User-Agent", "e2e-browser-A")
	a.mustLogin("alice", alicePassword)
	b := srv.client()
	b.Header.Set("User-Agent", "e2e-browser-B")
	b.mustLogin("alice", alicePassword)
	bob := srv.loggedIn("bob", bobPassword)

	expect(t, srv.client().get("/api/auth/sessions"), http.StatusForbidden, "anonymous session list")
	r := a.get("/api/auth/sessions")
	expect(t, r, http.StatusOK, "session list")
	var list []map[string]any
	r.json(t, &list)
	if len(list) != 2 {
		t.Fatalf("session list %s: want alice's 2 sessions", r)
	}
	var mine, theirs map[string]any
	for _, s := range list {
		expectKeys(t, s, []string{"id", "created", "last_seen", "expires", "ip", "user_agent", "current"}, "session")
		id := fmt.Sprint(s["id"])
		if id == "" || strings.Contains(id, a.cookies["sessionid"]) || strings.Contains(id, b.cookies["sessionid"]) {
			t.Errorf("session id %q is empty or the cookie value", id)
		}
		if s["ip"] != "127.0.0.1" {
			t.Errorf("session ip %v, want 127.0.0.1", s["ip"])
		}
		if s["current"] == true {
			mine = s
		} else {
			theirs = s
		}
	}
	if mine == nil || theirs == nil {
		t.Fatalf("want exactly one current session: %s", r)
	}
	if mine["user_agent"] != "e2e-browser-A" || theirs["user_agent"] != "e2e-browser-B" {
		t.Errorf("user agents %v / %v", mine["user_agent"], theirs["user_agent"])
	}
	for _, c := range []*client{a, b} {
		for _, v := range c.cookies {
			if strings.Contains(string(r.body), v) {
				t.Errorf("the session list contains a cookie value")
			}
		}
	}

	// Another user's session id, a made-up one: 404, and nothing happens.
	theirID := fmt.Sprint(theirs["id"])
	expectBody(t, bob.delete("/api/auth/sessions/"+theirID), http.StatusNotFound, `{"detail":"Not found."}`, "bob deleting alice's session")
	expect(t, a.delete("/api/auth/sessions/does-not-exist"), http.StatusNotFound, "deleting an unknown session")
	expect(t, a.delete("/api/auth/sessions/"+theirID, "X-CSRFToken", omit), http.StatusForbidden, "deleting without CSRF")
	expect(t, b.get("/api/auth/me"), http.StatusOK, "b after refused deletes")

	expect(t, a.delete("/api/auth/sessions/"+theirID), http.StatusNoContent, "deleting the other session")
	expectAnonymous(t, b, "the deleted session")
	expect(t, a.delete("/api/auth/sessions/"+theirID), http.StatusNotFound, "deleting it again")

	// revoke-others.
	c := srv.loggedIn("alice", alicePassword)
	d := srv.loggedIn("alice", alicePassword)
	r = a.post("/api/auth/sessions/revoke-others", nil)
	expectBody(t, r, http.StatusOK, `{"revoked":2}`, "revoke-others")
	expectAnonymous(t, c, "revoked session c")
	expectAnonymous(t, d, "revoked session d")
	expect(t, a.get("/api/auth/me"), http.StatusOK, "the session that revoked the others")
	expect(t, bob.get("/api/auth/me"), http.StatusOK, "bob's session")
	expectBody(t, a.post("/api/auth/sessions/revoke-others", nil), http.StatusOK, `{"revoked":0}`, "revoke-others again")

	// Deleting the current session is a logout.
	r = a.get("/api/auth/sessions")
	list = nil
	r.json(t, &list)
	if len(list) != 1 || list[0]["current"] != true {
		t.Fatalf("session list after revoke-others: %s", r)
	}
	r = a.delete("/api/auth/sessions/" + fmt.Sprint(list[0]["id"]))
	expect(t, r, http.StatusNoContent, "deleting the current session")
	if !r.deletesCookie("sessionid") {
		t.Errorf("deleting the current session kept the cookie")
	}
	expectAnonymous(t, a, "after deleting the current session")
}

func TestTokensEndpoint(t *testing.T) {
	t.Parallel()
	_, srv := start(t)
	a := srv.loggedIn("alice", alicePassword)
	bob := srv.loggedIn("bob", bobPassword)

	expectBody(t, a.post("/api/auth/tokens", map[string]any{}), http.StatusBadRequest, `{"name":["This field is required."]}`, "token without a name")
	expect(t, a.post("/api/auth/tokens", map[string]any{"name": "ci"}, "X-CSRFToken", omit), http.StatusForbidden, "token creation without CSRF")
	expect(t, srv.client().post("/api/auth/tokens", map[string]any{"name": "ci"}), http.StatusForbidden, "anonymous token creation")

	r := a.post("/api/auth/tokens", map[string]any{"name": "ci"})
	expect(t, r, http.StatusCreated, "token creation")
	created := r.object(t)
	expectKeys(t, created, []string{"id", "name", "created", "token"}, "created token")
	key := created["token"].(string)
	a.srv.site.secret(key, "API token")
	if len(key) < 32 || created["name"] != "ci" {
		t.Errorf("created token %v", created)
	}
	id := fmt.Sprint(created["id"])

	r = a.get("/api/auth/tokens")
	expect(t, r, http.StatusOK, "token list")
	var list []map[string]any
	r.json(t, &list)
	if len(list) != 1 || fmt.Sprint(list[0]["id"]) != id || list[0]["name"] != "ci" {
		t.Fatalf("token list %s", r)
	}
	expectKeys(t, list[0], []string{"id", "name", "created"}, "listed token")
	if strings.Contains(string(r.body), key) {
		t.Errorf("the token list shows the key")
	}
	expectBody(t, bob.get("/api/auth/tokens"), http.StatusOK, `[]`, "bob's token list")

	tc := srv.client()
	tc.Header.Set("Authorization", "Token "+key)
	expect(t, tc.get("/api/auth/me"), http.StatusOK, "/me by token")
	// A token-authenticated write needs no CSRF token (it is not an ambient credential).
	expect(t, tc.post("/api/notes", map[string]any{"title": "by token"}), http.StatusCreated, "POST /api/notes by token")
	// The token endpoints themselves are for the session only.
	expect(t, tc.get("/api/auth/tokens"), http.StatusForbidden, "token list by token")

	expect(t, bob.delete("/api/auth/tokens/"+id), http.StatusNotFound, "bob deleting alice's token")
	expect(t, a.delete("/api/auth/tokens/abc"), http.StatusNotFound, "malformed token id")
	expect(t, a.delete("/api/auth/tokens/"+id, "X-CSRFToken", omit), http.StatusForbidden, "deleting without CSRF")
	expect(t, tc.get("/api/auth/me"), http.StatusOK, "/me by token after refused deletes")
	r = a.delete("/api/auth/tokens/" + id)
	expect(t, r, http.StatusNoContent, "token delete")
	expectBody(t, tc.get("/api/auth/me"), http.StatusUnauthorized, `{"detail":"Invalid token."}`, "/me with a deleted token")
	expect(t, a.delete("/api/auth/tokens/"+id), http.StatusNotFound, "deleting it again")
	expectBody(t, a.get("/api/auth/tokens"), http.StatusOK, `[]`, "token list after delete")
}

func TestHello(t *testing.T) {
	t.Parallel()
	_, srv := start(t)
	expectBody(t, srv.client().get("/api/hello"), http.StatusForbidden, `{"detail":"Authentication credentials were not provided."}`, "anonymous hello")
	c := srv.loggedIn("alice", alicePassword)
	r := c.get("/api/hello")
	expect(t, r, http.StatusOK, "hello")
	if string(r.body) != `{"message":"Hello, authenticated user!"}` {
		t.Errorf("hello body %q", r.body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("hello Content-Type %q", ct)
	}
	// Session authentication only: a valid API token is not enough.
	key := createToken(t, c, "hello")
	expectBody(t, srv.client().get("/api/hello", "Authorization", "Token "+key), http.StatusForbidden,
		`{"detail":"Authentication credentials were not provided."}`, "hello by token")
	for _, m := range []string{"POST", "PUT", "DELETE", "TRACE"} {
		if r := c.do(m, "/api/hello", nil); r.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s /api/hello: %s, want 405", m, r)
		}
	}
}

func TestNotes(t *testing.T) {
	t.Parallel()
	_, srv := start(t)
	a := srv.loggedIn("alice", alicePassword)
	bob := srv.loggedIn("bob", bobPassword)

	expect(t, srv.client().get("/api/notes"), http.StatusUnauthorized, "anonymous note list")
	expectBody(t, a.get("/api/notes"), http.StatusOK, `[]`, "empty note list")
	expect(t, a.post("/api/notes", map[string]any{"title": "t"}, "X-CSRFToken", omit), http.StatusForbidden, "POST without CSRF")

	r := a.post("/api/notes", map[string]any{"title": " Groceries ", "body": "milk", "id": 999, "owner": 2})
	expect(t, r, http.StatusCreated, "create note")
	n := r.object(t)
	expectKeys(t, n, []string{"id", "title", "body", "created", "updated"}, "note")
	if n["title"] != "Groceries" || n["body"] != "milk" || n["id"] == float64(999) {
		t.Errorf("created note %v", n)
	}
	id := fmt.Sprint(n["id"])
	path := "/api/notes/" + id

	expectBody(t, a.post("/api/notes", map[string]any{"body": "x"}), http.StatusBadRequest, `{"title":["This field is required."]}`, "note without a title")
	expectBody(t, a.post("/api/notes", map[string]any{"title": strings.Repeat("x", 201)}), http.StatusBadRequest,
		`{"title":["Ensure this field has no more than 200 characters."]}`, "title too long")

	r = a.get(path)
	expect(t, r, http.StatusOK, "get note")
	if r.object(t)["title"] != "Groceries" {
		t.Errorf("note %s", r)
	}
	r = a.do("PATCH", path, map[string]any{"body": "eggs"})
	expect(t, r, http.StatusOK, "patch note")
	if got := r.object(t); got["title"] != "Groceries" || got["body"] != "eggs" {
		t.Errorf("patched note %v", got)
	}
	expectBody(t, a.do("PUT", path, map[string]any{"body": "no title"}), http.StatusBadRequest, `{"title":["This field is required."]}`, "PUT without a title")
	r = a.do("PUT", path, map[string]any{"title": "Shopping"})
	expect(t, r, http.StatusOK, "put note")
	if got := r.object(t); got["title"] != "Shopping" || got["body"] != "eggs" {
		t.Errorf("put note %v", got)
	}

	// Another user sees a 404 for everything, and changes nothing.
	for _, m := range []string{"GET", "PUT", "PATCH", "DELETE"} {
		var body any
		if m == "PUT" || m == "PATCH" {
			body = map[string]any{"title": "pwned"}
		}
		expectBody(t, bob.do(m, path, body), http.StatusNotFound, `{"detail":"Not found."}`, "bob "+m+" alice's note")
	}
	expectBody(t, bob.get("/api/notes"), http.StatusOK, `[]`, "bob's note list")
	expect(t, srv.client().get(path), http.StatusUnauthorized, "anonymous note")
	expect(t, a.get("/api/notes/abc"), http.StatusNotFound, "malformed note id")
	expect(t, a.get("/api/notes/99999"), http.StatusNotFound, "missing note")
	r = a.get(path)
	if r.object(t)["title"] != "Shopping" {
		t.Errorf("note after bob's attempts: %s", r)
	}
	r = a.get("/api/notes")
	var list []map[string]any
	r.json(t, &list)
	if len(list) != 1 {
		t.Errorf("note list %s", r)
	}

	expect(t, a.delete(path), http.StatusNoContent, "delete note")
	expect(t, a.get(path), http.StatusNotFound, "deleted note")
	expect(t, a.delete(path), http.StatusNotFound, "delete again")
	expect(t, a.do("POST", path, nil), http.StatusMethodNotAllowed, "POST on a note")
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	_, srv := start(t)
	r := srv.client().get("/healthz")
	expectBody(t, r, http.StatusOK, `{"status":"ok"}`, "/healthz")
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("/healthz Cache-Control %q", cc)
	}
	if r.setCookie("sessionid") != nil || r.setCookie("csrftoken") != nil {
		t.Errorf("/healthz sets cookies: %v", r.Header["Set-Cookie"])
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	_, srv := start(t)
	scrape := func() string {
		r := srv.client().get("/metrics")
		expect(t, r, http.StatusOK, "/metrics")
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Fatalf("/metrics Content-Type %q", ct)
		}
		return string(r.body)
	}
	// One scrape, after the activity: the active-sessions gauge keeps its count for 10 s (a count
	// scans the store), so an earlier scrape would pin it at 0. The server is fresh, so the counters
	// start at 0.
	c := srv.loggedIn("alice", alicePassword)
	srv.loggedIn("bob", bobPassword)
	expect(t, srv.client().login("alice", "wrong-password-here"), http.StatusBadRequest, "failed login")
	expect(t, c.post("/api/notes", map[string]any{"title": "x"}, "X-CSRFToken", omit), http.StatusForbidden, "CSRF failure")

	m1 := scrape()
	for _, name := range []string{"sessionauth_logins_total", "sessionauth_active_sessions", "sessionauth_http_request_duration_seconds"} {
		if !strings.Contains(m1, "# TYPE "+name+" ") {
			t.Errorf("/metrics has no %s", name)
		}
	}
	if v, _ := metric(m1, `sessionauth_logins_total{result="ok"}`); v != 2 {
		t.Errorf("logins ok %v, want 2", v)
	}
	if v, _ := metric(m1, `sessionauth_logins_total{result="failed"}`); v != 1 {
		t.Errorf("logins failed %v, want 1", v)
	}
	if v, found := metric(m1, "sessionauth_active_sessions"); !found || v != 2 {
		t.Errorf("active sessions %v (found %v), want 2", v, found)
	}
	if !strings.Contains(m1, "sessionauth_csrf_failures_total{") {
		t.Errorf("no sessionauth_csrf_failures_total sample after a CSRF failure")
	}
	var csrfTotal float64
	for _, line := range strings.Split(m1, "\n") {
		if strings.HasPrefix(line, "sessionauth_csrf_failures_total{") {
			var v float64
			fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &v)
			csrfTotal += v
		}
	}
	if csrfTotal != 1 {
		t.Errorf("CSRF failures %v, want 1", csrfTotal)
	}
	if v, ok := metric(m1, `sessionauth_http_request_duration_seconds_count{code="200",method="POST"}`); !ok || v < 2 {
		t.Errorf("request duration count for POST 200: %v (found %v), want ≥ 2", v, ok)
	}
	if strings.Contains(m1, c.cookies["sessionid"]) {
		t.Errorf("/metrics contains a session key")
	}
}

func TestHTMLPages(t *testing.T) {
	t.Parallel()
	_, srv := start(t)
	c := srv.client()
	c.Header.Set("Accept", "text/html")
	r := c.get("/login?next=/account")
	expect(t, r, http.StatusOK, "GET /login")
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("/login Content-Type %q", ct)
	}
	m := regexp.MustCompile(`name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"`).FindSubmatch(r.body)
	if m == nil {
		t.Fatalf("/login has no csrfmiddlewaretoken field:\n%s", r.body)
	}
	tok := string(m[1])
	srv.site.secret(tok, "CSRF token")

	form := url.Values{"username": {"alice"}, "password": {"wrong-password-here"}, "csrfmiddlewaretoken": {tok}, "next": {"/account"}}
	r = c.post("/login", form, "X-CSRFToken", omit)
	if r.StatusCode != http.StatusOK && r.StatusCode != http.StatusBadRequest {
		t.Errorf("HTML login with a wrong password: %d, want the form again", r.StatusCode)
	}
	if !strings.Contains(string(r.body), "Unable to log in with provided credentials.") && !strings.Contains(string(r.body), "enter a correct username and password") {
		t.Logf("wrong-password page:\n%s", r.body)
	}
	form.Set("password", alicePassword)
	form.Set("csrfmiddlewaretoken", tok)
	r = c.post("/login", form, "X-CSRFToken", omit)
	expect(t, r, http.StatusFound, "HTML login")
	if loc := r.Header.Get("Location"); loc != "/account" {
		t.Errorf("Location %q, want /account", loc)
	}
	r = c.get("/account")
	expect(t, r, http.StatusOK, "GET /account")
	if !strings.Contains(string(r.body), "alice") {
		t.Errorf("/account does not name the user")
	}
	expect(t, c.get("/"), http.StatusOK, "GET /")
	expect(t, c.get("/api/auth/me", "Accept", "application/json"), http.StatusOK, "/me after an HTML login")

	// An open redirect is refused (checklist IN-10).
	d := srv.client()
	d.Header.Set("Accept", "text/html")
	r = d.get("/login")
	m = regexp.MustCompile(`name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"`).FindSubmatch(r.body)
	if m == nil {
		t.Fatalf("/login has no token")
	}
	r = d.post("/login", url.Values{"username": {"bob"}, "password": {bobPassword}, "csrfmiddlewaretoken": {string(m[1])}, "next": {"//evil.example/x"}}, "X-CSRFToken", omit)
	expect(t, r, http.StatusFound, "HTML login with an off-site next")
	if loc := r.Header.Get("Location"); loc != "/" {
		t.Errorf("off-site next: Location %q, want /", loc)
	}

	// A form POST without the token is refused.
	e := srv.client()
	e.Header.Set("Accept", "text/html")
	e.get("/login")
	r = e.post("/login", url.Values{"username": {"alice"}, "password": {alicePassword}}, "X-CSRFToken", omit)
	expect(t, r, http.StatusForbidden, "HTML login without a token")

	// Logout by form.
	r = c.get("/account")
	m = regexp.MustCompile(`name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"`).FindSubmatch(r.body)
	if m == nil {
		t.Fatalf("/account has no token")
	}
	r = c.post("/logout", url.Values{"csrfmiddlewaretoken": {string(m[1])}}, "X-CSRFToken", omit)
	expect(t, r, http.StatusFound, "HTML logout")
	expect(t, c.get("/api/auth/me", "Accept", "*/*"), http.StatusUnauthorized, "/me after the HTML logout")
}

// --metrics-addr moves /metrics off the public address.
func TestMetricsAddr(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // a free port, very probably still free when the server binds it
	_, srv := start(t, "--metrics-addr", addr)
	expect(t, srv.client().get("/metrics"), http.StatusNotFound, "/metrics on the public address")
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/metrics on --metrics-addr: %d", resp.StatusCode)
	}
}

// Behind a TLS-terminating proxy (--trusted-proxies, X-Forwarded-Proto: https) with
// --secure-cookies: Secure cookies, the __Host- prefix, and Django's HTTPS Referer rule for requests
// without Origin (checklist CK-01, CSRF-15/16).
func TestBehindTLSProxy(t *testing.T) {
	t.Parallel()
	_, srv := start(t, "--secure-cookies", "--session-cookie-name", "__Host-sessionid", "--trusted-proxies", "127.0.0.1/32")
	c := srv.client()
	c.Header.Set("X-Forwarded-Proto", "https")
	tok := c.csrf()
	creds := map[string]any{"username": "alice", "password": alicePassword}
	origin := "https://" + srv.addr

	r := c.post("/api/auth/login", creds, "X-CSRFToken", tok)
	expectBody(t, r, http.StatusForbidden, `{"detail":"CSRF Failed: Referer checking failed - no Referer."}`, "HTTPS login without Origin or Referer")
	r = c.post("/api/auth/login", creds, "X-CSRFToken", tok, "Referer", "http://"+srv.addr+"/login")
	expect(t, r, http.StatusForbidden, "HTTPS login with an http:// Referer")
	r = c.post("/api/auth/login", creds, "X-CSRFToken", tok, "Referer", "https://evil.example/login")
	expect(t, r, http.StatusForbidden, "HTTPS login with a foreign Referer")
	r = c.post("/api/auth/login", creds, "X-CSRFToken", tok, "Origin", "http://"+srv.addr)
	expect(t, r, http.StatusForbidden, "HTTPS login with an http:// Origin (downgrade)")

	r = c.post("/api/auth/login", creds, "X-CSRFToken", tok, "Referer", origin+"/login")
	expect(t, r, http.StatusOK, "HTTPS login with a same-origin Referer")
	ck := r.setCookie("__Host-sessionid")
	if ck == nil || !ck.Secure || !ck.HttpOnly || ck.Path != "/" || ck.Domain != "" {
		t.Errorf("session cookie %v: want __Host-sessionid, Secure, HttpOnly, Path=/, no Domain", r.Header["Set-Cookie"])
	}
	if csrfCk := r.setCookie("csrftoken"); csrfCk == nil || !csrfCk.Secure {
		t.Errorf("csrftoken cookie %v: want Secure", r.Header["Set-Cookie"])
	}
	expect(t, c.get("/api/auth/me"), http.StatusOK, "/me with __Host-sessionid")
	// The old cookie name means nothing.
	d := srv.client()
	d.cookies["sessionid"] = c.cookies["__Host-sessionid"]
	expect(t, d.get("/api/auth/me"), http.StatusUnauthorized, "/me with the key under the default cookie name")

	r = c.post("/api/notes", map[string]any{"title": "x"}, "Origin", origin)
	expect(t, r, http.StatusCreated, "HTTPS write with a same-origin Origin")
	r = c.post("/api/notes", map[string]any{"title": "x"})
	expect(t, r, http.StatusForbidden, "HTTPS write without Origin or Referer")
}
