package e2e

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// A body over the 1 MiB limit is refused with 413, whether its length is announced or not
// (checklist IN-03).
func TestOversizedBody(t *testing.T) {
	t.Parallel()
	_, srv := start(t)
	c := srv.client()
	tok := c.csrf()
	big := []byte(`{"username":"alice","password":"` + strings.Repeat("x", 2<<20) + `"}`)

	r := c.post("/api/auth/login", rawBody{"application/json", big}, "X-CSRFToken", tok)
	expectBody(t, r, http.StatusRequestEntityTooLarge, `{"detail":"Request body is too large."}`, "2 MiB login body")

	// Chunked: no Content-Length, so the limit must be enforced while reading.
	req, err := http.NewRequest("POST", srv.base+"/api/auth/login", io.MultiReader(bytes.NewReader(big)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRFToken", tok)
	req.Header.Set("Cookie", "csrftoken="+c.cookies["csrftoken"])
	r = c.send(req)
	expectBody(t, r, http.StatusRequestEntityTooLarge, `{"detail":"Request body is too large."}`, "2 MiB chunked login body")

	// A form body too.
	r = c.post("/api/auth/login", rawBody{"application/x-www-form-urlencoded", append([]byte("username=alice&password="), bytes.Repeat([]byte("x"), 2<<20)...)}, "X-CSRFToken", tok)
	expect(t, r, http.StatusRequestEntityTooLarge, "2 MiB form login body")

	// And on an authenticated endpoint.
	a := srv.loggedIn("alice", alicePassword)
	r = a.post("/api/notes", rawBody{"application/json", []byte(`{"title":"x","body":"` + strings.Repeat("b", 2<<20) + `"}`)})
	expect(t, r, http.StatusRequestEntityTooLarge, "2 MiB note")
	expectBody(t, a.get("/api/notes"), http.StatusOK, `[]`, "notes after the refused note")

	// Just under the limit is parsed (and then validated).
	r = a.post("/api/notes", rawBody{"application/json", []byte(`{"title":"x","body":"` + strings.Repeat("b", 1<<19) + `"}`)})
	expectBody(t, r, http.StatusBadRequest, `{"body":["Ensure this field has no more than 10000 characters."]}`, "512 KiB note body")
	expect(t, srv.client().get("/healthz"), http.StatusOK, "healthz after oversized bodies")
}

// Oversized Cookie headers are refused or ignored, never a 500; the server stays healthy
// (checklist IN-01).
func TestOversizedCookies(t *testing.T) {
	t.Parallel()
	_, srv := start(t)
	c := srv.loggedIn("alice", alicePassword)
	valid := c.cookies["sessionid"]

	// 16 KiB is under the server's 64 KiB header limit: served normally (or refused with 400/431 if
	// the limit is ever lowered), never a 5xx.
	r := srv.client().get("/api/auth/me", "Cookie", "sessionid="+valid+"; big="+strings.Repeat("a", 16<<10))
	if r.StatusCode != http.StatusOK && r.StatusCode != http.StatusRequestHeaderFieldsTooLarge && r.StatusCode != http.StatusBadRequest {
		t.Errorf("16 KiB Cookie header: %s, want 200, 400 or 431", r)
	}
	// 100 KiB is over it.
	r = srv.client().get("/api/auth/me", "Cookie", "sessionid="+valid+"; big="+strings.Repeat("a", 100<<10))
	expect(t, r, http.StatusRequestHeaderFieldsTooLarge, "100 KiB Cookie header")
	// A 16 KiB session cookie value is no session.
	r = srv.client().get("/api/auth/me", "Cookie", "sessionid="+strings.Repeat("a", 16<<10))
	if r.StatusCode != http.StatusUnauthorized && r.StatusCode != http.StatusRequestHeaderFieldsTooLarge && r.StatusCode != http.StatusBadRequest {
		t.Errorf("16 KiB session cookie: %s, want 401, 400 or 431", r)
	}
	// Many cookies, many Cookie lines.
	req, _ := http.NewRequest("GET", srv.base+"/api/auth/me", nil)
	for i := range 500 {
		req.Header.Add("Cookie", fmt.Sprintf("c%d=v%d", i, i))
	}
	req.Header.Add("Cookie", "sessionid="+valid)
	r = c.send(req)
	expect(t, r, http.StatusOK, "500 Cookie lines and the session cookie")

	// A 5,000-character session cookie is no session, and the client is told to drop it.
	d := srv.client()
	d.cookies["sessionid"] = strings.Repeat("a", 5000)
	r = d.get("/api/auth/me")
	expect(t, r, http.StatusUnauthorized, "5,000-character session cookie")
	if !r.deletesCookie("sessionid") {
		t.Errorf("the 5,000-character cookie was not deleted: %v", r.Header["Set-Cookie"])
	}
	expect(t, srv.client().get("/healthz"), http.StatusOK, "healthz after oversized cookies")
	expect(t, c.get("/api/auth/me"), http.StatusOK, "the real session after oversized cookies")
}

// randomKey returns 32 characters of the session key alphabet that no server issued.
func randomKey(t *testing.T) string {
	const chars = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = chars[int(b[i])%len(chars)]
	}
	return string(b)
}

// Forged session keys are no session: never an error, never reflected, and the cookie is deleted
// (checklist IN-02, SID-03).
func TestForgedSessionKeys(t *testing.T) {
	t.Parallel()
	_, srv := start(t)
	real := srv.loggedIn("alice", alicePassword)
	valid := real.cookies["sessionid"]
	forged := map[string]string{
		"SQL metacharacters":    `'OR'1'='1'--`,
		"SQL in key length":     `aaaaaaaaaaaaaaaaaaaa'OR'1'='1'--`,
		"NoSQL operator":        `{"$ne":null}`,
		"path traversal":        "../../../../etc/passwd",
		"upper case":            strings.ToUpper(randomKey(t)),
		"wrong alphabet":        strings.Repeat("-", 32),
		"31 characters":         valid[:31],
		"33 characters":         valid + "a",
		"valid key upper-cased": strings.ToUpper(valid),
		"random valid-looking":  randomKey(t),
		"empty":                 "",
		"percent-encoded":       "%27%20OR%201%3D1--",
		"quoted random":         `"` + randomKey(t) + `"`,
	}
	for what, value := range forged {
		c := srv.client()
		c.cookies["sessionid"] = value
		r := c.get("/api/auth/me")
		expectBody(t, r, http.StatusUnauthorized, `{"detail":"Authentication credentials were not provided."}`, what)
		if !r.deletesCookie("sessionid") {
			t.Errorf("%s: the forged cookie was not deleted: %v", what, r.Header["Set-Cookie"])
		}
		if value != "" && strings.Contains(string(r.body)+strings.Join(r.Header["Set-Cookie"], ""), value) {
			t.Errorf("%s: the forged value is reflected", what)
		}
		c.cookies["sessionid"] = value
		expect(t, c.get("/api/hello"), http.StatusForbidden, what+" on /api/hello")
	}

	// A planted key is not adopted at login: the victim gets a fresh one and the attacker's copy
	// stays anonymous (checklist FIX-03).
	planted := randomKey(t)
	victim := srv.client()
	victim.cookies["sessionid"] = planted
	victim.mustLogin("bob", bobPassword)
	if victim.cookies["sessionid"] == planted {
		t.Fatalf("login adopted the planted session key")
	}
	attacker := srv.client()
	attacker.cookies["sessionid"] = planted
	expectAnonymous(t, attacker, "the planted key after the victim's login")
	expect(t, real.get("/api/auth/me"), http.StatusOK, "the real session")
}

// Two session cookies with different values are ambiguous (one may be planted from a sibling
// domain) and neither is trusted; a comma cannot smuggle a cookie in (checklist CK-07).
func TestDuplicateSessionCookies(t *testing.T) {
	t.Parallel()
	_, srv := start(t)
	c := srv.loggedIn("alice", alicePassword)
	valid := c.cookies["sessionid"]
	other := randomKey(t)

	for _, raw := range []string{
		"sessionid=" + other + "; sessionid=" + valid,
		"sessionid=" + valid + "; sessionid=" + other,
	} {
		r := srv.client().get("/api/auth/me", "Cookie", raw)
		expect(t, r, http.StatusUnauthorized, "two different session cookies")
	}
	// Two Cookie header lines.
	req, _ := http.NewRequest("GET", srv.base+"/api/auth/me", nil)
	req.Header.Add("Cookie", "sessionid="+other)
	req.Header.Add("Cookie", "sessionid="+valid)
	expect(t, srv.client().send(req), http.StatusUnauthorized, "two Cookie lines with different session cookies")

	// The same value twice is not ambiguous.
	expect(t, srv.client().get("/api/auth/me", "Cookie", "sessionid="+valid+"; sessionid="+valid), http.StatusOK, "the same session cookie twice")
	// RFC 6265 separates pairs with ';' only.
	expect(t, srv.client().get("/api/auth/me", "Cookie", "_ga=GA1.1.x,sessionid="+valid), http.StatusUnauthorized, "a session cookie after a comma")
	// Other cookies around the real one are fine.
	expect(t, srv.client().get("/api/auth/me", "Cookie", "a=1; sessionid="+valid+"; b=2"), http.StatusOK, "session cookie among others")
	// The real session survives all this.
	expect(t, c.get("/api/auth/me"), http.StatusOK, "the real session")
}

// Only the cookie carries the session: not the query string, a body field or a custom header
// (checklist SID-04).
func TestSessionOnlyFromCookie(t *testing.T) {
	t.Parallel()
	_, srv := start(t)
	c := srv.loggedIn("alice", alicePassword)
	key := c.cookies["sessionid"]
	d := srv.client()
	expect(t, d.get("/api/auth/me?sessionid="+key), http.StatusUnauthorized, "key in the query string")
	expect(t, d.get("/api/auth/me", "X-Session-Id", key), http.StatusUnauthorized, "key in a header")
	expect(t, d.get("/api/auth/me", "Authorization", "Bearer "+key), http.StatusUnauthorized, "key as a bearer token")
}
