package csrf

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// tokenServer calls the given steps (each "token" or "rotate") on p and
// answers the tokens as JSON, so tests can inspect the response headers of
// one real request.
func tokenServer(t *testing.T, p *Policy, useTLS bool) func(rq request, steps ...string) (*http.Response, []string) {
	t.Helper()
	srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A cookie set by another component must survive Rotate.
		http.SetCookie(w, &http.Cookie{Name: "sessionid", Value: "s1", Path: "/"})
		var tokens []string
		for _, step := range strings.Split(r.URL.Query().Get("steps"), ",") {
			switch step {
			case "token":
				tok, err := p.Token(w, r)
				if err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
				tokens = append(tokens, tok)
			case "delete": // another component deleting the CSRF cookie
				http.SetCookie(w, &http.Cookie{Name: "csrftoken", Value: "", Path: "/", MaxAge: -1})
			case "rotate":
				if err := p.Rotate(w, r); err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
			}
		}
		json.NewEncoder(w).Encode(tokens)
	}), useTLS)
	return func(rq request, steps ...string) (*http.Response, []string) {
		t.Helper()
		rq.method = http.MethodGet
		rq.path = "/?steps=" + strings.Join(steps, ",")
		resp := sendResp(t, srv, rq)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		var tokens []string
		if err := json.Unmarshal(body, &tokens); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		return resp, tokens
	}
}

// csrfCookies returns the csrftoken Set-Cookie lines of resp.
func csrfCookies(resp *http.Response) []string {
	var out []string
	for _, l := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(l, "csrftoken=") {
			out = append(out, l)
		}
	}
	return out
}

func cookieSecret(line string) string {
	v, _, _ := strings.Cut(strings.TrimPrefix(line, "csrftoken="), ";")
	return v
}

func unmasked(t *testing.T, token string) string {
	t.Helper()
	if len(token) != TokenLength {
		t.Fatalf("token %q is not %d characters", token, TokenLength)
	}
	s, err := Unmask(token)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTokenSetsDjangoCookie(t *testing.T) {
	get := tokenServer(t, &Policy{Logger: quiet}, false)
	before := time.Now()
	resp, tokens := get(request{}, "token")
	lines := csrfCookies(resp)
	if len(lines) != 1 {
		t.Fatalf("want one csrftoken Set-Cookie, got %q", lines)
	}
	// csrftoken=<32>; Path=/; Expires=<now+52w>; Max-Age=31449600; SameSite=Lax
	re := regexp.MustCompile(`^csrftoken=([a-zA-Z0-9]{32}); Path=/; Expires=([^;]+); Max-Age=31449600; SameSite=Lax$`)
	m := re.FindStringSubmatch(lines[0])
	if m == nil {
		t.Fatalf("Set-Cookie %q", lines[0])
	}
	exp, err := http.ParseTime(m[2])
	if err != nil {
		t.Fatal(err)
	}
	if want := before.Add(31449600 * time.Second); exp.Before(want.Add(-2*time.Second)) || exp.After(want.Add(2*time.Second)) {
		t.Errorf("Expires %v, want about %v", exp, want)
	}
	if got := unmasked(t, tokens[0]); got != m[1] {
		t.Errorf("token unmasks to %q, cookie holds %q", got, m[1])
	}
	if v := resp.Header.Values("Vary"); len(v) != 1 || v[0] != "Cookie" {
		t.Errorf("Vary = %q", v)
	}
}

func TestTokenTwiceInOneResponse(t *testing.T) {
	get := tokenServer(t, &Policy{Logger: quiet}, false)
	resp, tokens := get(request{}, "token", "token")
	if tokens[0] == tokens[1] {
		t.Error("the two tokens are equal; each must have a fresh mask")
	}
	lines := csrfCookies(resp)
	if len(lines) != 1 {
		t.Fatalf("want one csrftoken Set-Cookie, got %q", lines)
	}
	secret := cookieSecret(lines[0])
	for _, tok := range tokens {
		if unmasked(t, tok) != secret {
			t.Errorf("token %q is not for the cookie's secret", tok)
		}
	}
	if v := resp.Header.Values("Vary"); len(v) != 1 {
		t.Errorf("Vary repeated: %q", v)
	}
}

func TestTokenReusesRequestCookie(t *testing.T) {
	get := tokenServer(t, &Policy{Logger: quiet}, false)
	secret, _ := mustSecret(t)
	legacy, _ := Mask(secret)
	for name, cookie := range map[string]string{"secret": secret, "legacy masked": legacy} {
		t.Run(name, func(t *testing.T) {
			resp, tokens := get(request{cookie: ptr(cookie)}, "token", "token")
			if lines := csrfCookies(resp); len(lines) != 0 {
				t.Errorf("valid cookie replaced: %q", lines)
			}
			for _, tok := range tokens {
				if unmasked(t, tok) != secret {
					t.Errorf("token %q not for the request's secret", tok)
				}
			}
			if resp.Header.Get("Vary") != "Cookie" {
				t.Error("Vary: Cookie missing")
			}
		})
	}
}

func TestTokenReplacesInvalidCookie(t *testing.T) {
	get := tokenServer(t, &Policy{Logger: quiet}, false)
	for _, bad := range []string{"", "short", strings.Repeat("*", 32), strings.Repeat("a", 100)} {
		resp, tokens := get(request{cookie: ptr(bad)}, "token")
		lines := csrfCookies(resp)
		if len(lines) != 1 {
			t.Fatalf("cookie %q: want a new cookie, got %q", bad, lines)
		}
		if unmasked(t, tokens[0]) != cookieSecret(lines[0]) {
			t.Errorf("cookie %q: token not for the new secret", bad)
		}
	}
}

func TestRotate(t *testing.T) {
	get := tokenServer(t, &Policy{Logger: quiet}, false)
	old, _ := mustSecret(t)

	// Token, Rotate, Token in one request: one csrftoken line, holding the
	// rotated secret; only the second token is for it.
	resp, tokens := get(request{cookie: ptr(old)}, "token", "rotate", "token")
	lines := csrfCookies(resp)
	if len(lines) != 1 {
		t.Fatalf("want one csrftoken Set-Cookie, got %q", resp.Header.Values("Set-Cookie"))
	}
	fresh := cookieSecret(lines[0])
	if fresh == old || CheckFormat(fresh) != nil || len(fresh) != SecretLength {
		t.Fatalf("rotated secret %q (old %q)", fresh, old)
	}
	if unmasked(t, tokens[0]) != old || unmasked(t, tokens[1]) != fresh {
		t.Error("tokens not for the expected secrets")
	}
	if got := resp.Header.Values("Set-Cookie"); len(got) != 2 || !strings.HasPrefix(got[0], "sessionid=s1") {
		t.Errorf("other cookies disturbed: %q", got)
	}

	// Without a cookie: Token sets one, Rotate replaces it.
	resp, tokens = get(request{}, "token", "rotate")
	lines = csrfCookies(resp)
	if len(lines) != 1 || unmasked(t, tokens[0]) == cookieSecret(lines[0]) {
		t.Errorf("Rotate did not replace Token's cookie: %q", lines)
	}

	// A pending deletion is replaced, not left to orphan the token.
	resp, tokens = get(request{cookie: ptr(old)}, "delete", "token")
	lines = csrfCookies(resp)
	if len(lines) != 1 || unmasked(t, tokens[0]) != cookieSecret(lines[0]) || cookieSecret(lines[0]) == old {
		t.Errorf("Token after a deletion: %q, token for %q", lines, unmasked(t, tokens[0]))
	}

	// Rotate twice: still one line.
	resp, _ = get(request{}, "rotate", "rotate")
	if lines := csrfCookies(resp); len(lines) != 1 {
		t.Errorf("two Rotates: %q", lines)
	}
}

func TestCookieAttributes(t *testing.T) {
	tests := []struct {
		name string
		p    *Policy
		re   string
	}{
		{"everything set", &Policy{
			CookieName: "csrftoken", CookieAge: time.Hour, CookieDomain: ".example.com", CookiePath: "/app",
			CookieSecure: true, CookieHTTPOnly: true, CookieSameSite: http.SameSiteStrictMode,
		}, `^csrftoken=[a-zA-Z0-9]{32}; Path=/app; Domain=example.com; Expires=[^;]+; Max-Age=3600; HttpOnly; Secure; SameSite=Strict$`},
		{"SameSite=None with Secure", &Policy{CookieSecure: true, CookieSameSite: http.SameSiteNoneMode},
			`^csrftoken=[a-zA-Z0-9]{32}; Path=/; Expires=[^;]+; Max-Age=31449600; Secure; SameSite=None$`},
		{"no SameSite attribute", &Policy{CookieSameSite: http.SameSiteDefaultMode},
			`^csrftoken=[a-zA-Z0-9]{32}; Path=/; Expires=[^;]+; Max-Age=31449600$`},
		{"browser-session cookie", &Policy{CookieAge: -1},
			`^csrftoken=[a-zA-Z0-9]{32}; Path=/; SameSite=Lax$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.p.Logger = quiet
			resp, _ := tokenServer(t, tt.p, true)(request{}, "token")
			lines := csrfCookies(resp)
			if len(lines) != 1 || !regexp.MustCompile(tt.re).MatchString(lines[0]) {
				t.Errorf("Set-Cookie %q does not match %s", lines, tt.re)
			}
		})
	}
	// A renamed cookie is the one read and written.
	p := &Policy{Logger: quiet, CookieName: "xsrf"}
	resp, _ := tokenServer(t, p, false)(request{}, "token")
	if got := resp.Header.Values("Set-Cookie"); len(got) != 2 || !strings.HasPrefix(got[1], "xsrf=") {
		t.Errorf("renamed cookie: %q", got)
	}
}

func TestTokenAndRotateFailClosed(t *testing.T) {
	// An invalid policy: Token and Rotate refuse instead of issuing tokens
	// a misconfigured check would then judge.
	srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := &Policy{Logger: quiet, TrustedOrigins: []string{"*"}}
		tok, err1 := p.Token(w, r)
		err2 := p.Rotate(w, r)
		if tok != "" || err1 == nil || err2 == nil || len(w.Header().Values("Set-Cookie")) != 0 {
			http.Error(w, "issued with an invalid policy", http.StatusInternalServerError)
			return
		}

		// A broken random source: an error, no token and no cookie. The
		// swap happens in this goroutine only, so it cannot race.
		old := randReader
		randReader = failingReader{}
		defer func() { randReader = old }()
		good := &Policy{Logger: quiet}
		tok, err1 = good.Token(w, r)
		err2 = good.Rotate(w, r)
		if tok != "" || err1 == nil || err2 == nil || len(w.Header().Values("Set-Cookie")) != 0 {
			http.Error(w, "issued without randomness", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, "ok")
	}), false)
	if _, body := send(t, srv, request{method: http.MethodGet}); body != "ok" {
		t.Errorf("got %q", body)
	}
}

func TestAddVary(t *testing.T) {
	tests := []struct {
		in   []string
		want []string
	}{
		{nil, []string{"Cookie"}},
		{[]string{"Accept-Encoding"}, []string{"Accept-Encoding", "Cookie"}},
		{[]string{"Accept-Encoding, cookie"}, []string{"Accept-Encoding, cookie"}},
		{[]string{"*"}, []string{"*"}},
	}
	for _, tt := range tests {
		h := http.Header{}
		for _, v := range tt.in {
			h.Add("Vary", v)
		}
		addVary(h, "Cookie")
		if got := h.Values("Vary"); strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("addVary(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func BenchmarkToken(b *testing.B) {
	secret, _ := mustSecret(b)
	p := &Policy{Logger: quiet}
	r := captureRequest(b, true, request{method: "GET", cookie: &secret})
	w := &headerOnlyWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		if _, err := p.Token(w, r); err != nil {
			b.Fatal(err)
		}
	}
}

// headerOnlyWriter is the minimal ResponseWriter Token needs.
type headerOnlyWriter struct{ h http.Header }

func (w *headerOnlyWriter) Header() http.Header         { return w.h }
func (w *headerOnlyWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *headerOnlyWriter) WriteHeader(int)             {}

// MaskedCookie writes Django 4.0's 64-character form; tokens, the request's cookie and Rotate work
// as with the plain secret, and a masked cookie sent back is not replaced.
func TestMaskedCookie(t *testing.T) {
	get := tokenServer(t, &Policy{Logger: quiet, MaskedCookie: true}, false)
	resp, tokens := get(request{}, "token")
	lines := csrfCookies(resp)
	if len(lines) != 1 {
		t.Fatalf("want one csrftoken Set-Cookie, got %q", lines)
	}
	value := cookieSecret(lines[0])
	if len(value) != TokenLength || CheckFormat(value) != nil {
		t.Fatalf("cookie value %q is not a 64-character masked token", value)
	}
	secret := unmasked(t, value)
	if unmasked(t, tokens[0]) != secret {
		t.Error("token not for the cookie's secret")
	}

	resp, tokens = get(request{cookie: ptr(value)}, "token")
	if lines := csrfCookies(resp); len(lines) != 0 {
		t.Errorf("masked cookie replaced: %q", lines)
	}
	if unmasked(t, tokens[0]) != secret {
		t.Error("token not for the request's masked cookie")
	}

	resp, _ = get(request{cookie: ptr(value)}, "rotate")
	lines = csrfCookies(resp)
	if len(lines) != 1 || len(cookieSecret(lines[0])) != TokenLength || unmasked(t, cookieSecret(lines[0])) == secret {
		t.Errorf("Rotate with MaskedCookie: %q", lines)
	}
}
