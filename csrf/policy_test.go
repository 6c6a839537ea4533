package csrf

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestZeroPolicyIsDjangoDefaults(t *testing.T) {
	var p Policy
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	c := p.config()
	if c.cookieName != "csrftoken" || c.cookieAge != 31449600*time.Second || c.cookiePath != "/" ||
		c.sameSite != http.SameSiteLaxMode || c.secure || c.httpOnly || c.cookieDomain != "" ||
		c.headerKey != "X-Csrftoken" || c.fieldName != "csrfmiddlewaretoken" ||
		c.headerSource != "the 'X-Csrftoken' HTTP header" {
		t.Errorf("defaults: %+v", c)
	}
	if c.isSecure == nil || c.errorHandler == nil {
		t.Error("IsSecure/ErrorHandler defaults missing")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		p    *Policy
		want []string // substrings of the error; nil means valid
	}{
		{"trusted list", &Policy{TrustedOrigins: []string{"https://example.com", "https://*.example.com", "http://localhost:3000"}}, nil},
		{"allowed hosts", &Policy{AllowedHosts: []string{"example.com", ".example.org", "127.0.0.1", "[::1]"}}, nil},
		{"star", &Policy{TrustedOrigins: []string{"*"}}, []string{`TrustedOrigins[0] "*"`, "every origin"}},
		{"bare host", &Policy{TrustedOrigins: []string{"https://ok.example", "example.com"}}, []string{`TrustedOrigins[1] "example.com": missing scheme (write "https://example.com")`}},
		{"path", &Policy{TrustedOrigins: []string{"https://example.com/app"}}, []string{"must not have a path"}},
		{"trailing slash", &Policy{TrustedOrigins: []string{"https://example.com/"}}, []string{"trailing slash"}},
		{"null", &Policy{TrustedOrigins: []string{"null"}}, []string{`"null"`}},
		{"wildcard in the middle", &Policy{TrustedOrigins: []string{"https://a.*.example.com"}}, []string{"first label"}},
		{"all errors reported", &Policy{TrustedOrigins: []string{"*", "x.com"}, AllowedHosts: []string{"*"}}, []string{"TrustedOrigins[0]", "TrustedOrigins[1]", "AllowedHosts[0]"}},
		{"allowed host with scheme", &Policy{AllowedHosts: []string{"https://example.com"}}, []string{"without scheme"}},
		{"allowed host with port", &Policy{AllowedHosts: []string{"example.com:8000"}}, []string{"port"}},
		{"cookie name", &Policy{CookieName: "csrf token"}, []string{"CookieName"}},
		{"header name", &Policy{HeaderName: "X-CSRF:Token"}, []string{"HeaderName"}},
		{"cookie path", &Policy{CookiePath: "app"}, []string{"CookiePath"}},
		{"cookie path with ;", &Policy{CookiePath: "/a;b"}, []string{"CookiePath"}},
		{"cookie domain", &Policy{CookieDomain: "exa mple.com"}, []string{"CookieDomain"}},
		{"sub-second age", &Policy{CookieAge: time.Millisecond}, []string{"CookieAge"}},
		{"SameSite None without Secure", &Policy{CookieSameSite: http.SameSiteNoneMode}, []string{"requires CookieSecure"}},
		{"session cookie age", &Policy{CookieAge: -1}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if !strings.HasPrefix(err.Error(), "csrf: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

// An invalid policy rejects every unsafe request, even a perfect one, and
// still lets safe methods through.
func TestInvalidPolicyFailsClosed(t *testing.T) {
	var buf syncBuffer
	p := &Policy{TrustedOrigins: []string{"*"}, Logger: newTextLogger(&buf)}
	srv := checkServer(t, p, false)
	secret, token := mustSecret(t)
	code, body := send(t, srv, request{header: hdr("X-CSRFToken", token), cookie: ptr(secret)})
	if code != http.StatusForbidden || body != reasonMisconfigured || !strings.Contains(body, "misconfiguration") {
		t.Errorf("got %d %q", code, body)
	}
	if code, _ := send(t, srv, request{method: "GET"}); code != http.StatusOK {
		t.Errorf("GET: %d", code)
	}
	if log := buf.String(); !strings.Contains(log, "level=ERROR") || !strings.Contains(log, "TrustedOrigins[0]") {
		t.Errorf("misconfiguration not logged as an error: %q", log)
	}
}

// The policy compiles once and is then read by many requests at a time;
// run under -race.
func TestPolicyConcurrentUse(t *testing.T) {
	p := &Policy{Logger: quiet, TrustedOrigins: []string{"http://*.example.org"}}
	srv := checkServer(t, p, false)
	secret, token := mustSecret(t)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := hdr("X-CSRFToken", token, "Origin", "http://a.example.org")
			want := http.StatusOK
			if i%2 == 1 {
				h.Set("Origin", "https://evil.example")
				want = http.StatusForbidden
			}
			for range 10 {
				resp, err := trySend(srv, request{header: h, cookie: ptr(secret)})
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != want {
					t.Errorf("status %d, want %d", resp.StatusCode, want)
				}
			}
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.Validate(); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}
