package csrf

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

const (
	headerSource = "the 'X-Csrftoken' HTTP header"
	ok           = "ok"
)

func originFail(o string) string {
	return "Origin checking failed - " + o + " does not match any trusted origins."
}
func refererFail(r string) string {
	return "Referer checking failed - " + r + " does not match any trusted origins."
}

func TestSafeAndUnsafeMethods(t *testing.T) {
	srv := checkServer(t, &Policy{Logger: quiet}, false)
	// No cookie, no token, a hostile Origin: safe methods are never checked.
	for _, m := range []string{"GET", "HEAD", "OPTIONS", "TRACE"} {
		code, _ := send(t, srv, request{method: m, header: hdr("Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")})
		if code != http.StatusOK {
			t.Errorf("%s: status %d, want 200", m, code)
		}
	}
	// Everything else is unsafe, including unknown and lower-case methods.
	for _, m := range []string{"POST", "PUT", "PATCH", "DELETE", "FOO", "post", "get", "PROPFIND", "PURGE"} {
		code, body := send(t, srv, request{method: m})
		if code != http.StatusForbidden || body != reasonNoCookie {
			t.Errorf("%s: %d %q, want 403 %q", m, code, body, reasonNoCookie)
		}
	}
}

// originCase is one row of the Origin / Sec-Fetch-Site matrices; every
// request carries a valid cookie and header token, so only the headers
// under test decide.
type originCase struct {
	name   string
	host   string // Host header; empty: the listener's address
	header http.Header
	want   string // "ok" or the exact reason
}

func runOriginCases(t *testing.T, p *Policy, useTLS bool, cases []originCase) {
	t.Helper()
	srv := checkServer(t, p, useTLS)
	secret, token := mustSecret(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.header.Clone()
			if h == nil {
				h = http.Header{}
			}
			h.Set("X-CSRFToken", token)
			code, body := send(t, srv, request{host: tc.host, header: h, cookie: ptr(secret), contentType: "application/json", body: "{}"})
			if body != tc.want || (tc.want == ok) != (code == http.StatusOK) {
				t.Errorf("got %d %q, want %q", code, body, tc.want)
			}
		})
	}
}

func TestOriginPlainHTTP(t *testing.T) {
	runOriginCases(t, &Policy{Logger: quiet}, false, []originCase{
		{name: "no Origin (token decides)", want: ok},
		{name: "same origin", host: "example.com", header: hdr("Origin", "http://example.com"), want: ok},
		{name: "default port written out", host: "example.com", header: hdr("Origin", "http://example.com:80"), want: ok},
		{name: "default port in Host", host: "example.com:80", header: hdr("Origin", "http://example.com"), want: ok},
		{name: "case variant", host: "example.com", header: hdr("Origin", "HTTP://Example.COM"), want: ok},
		{name: "multiple Origin headers", host: "example.com", header: hdr("Origin", "http://example.com", "Origin", "http://example.com"), want: originFail("http://example.com")},
		{name: "https on a plain server", host: "example.com", header: hdr("Origin", "https://example.com"), want: originFail("https://example.com")},
		{name: "other port", host: "example.com", header: hdr("Origin", "http://example.com:8080"), want: originFail("http://example.com:8080")},
		{name: "null", host: "example.com", header: hdr("Origin", "null"), want: originFail("null")},
		{name: "empty", host: "example.com", header: hdr("Origin", ""), want: originFail("")},
		{name: "trailing slash", host: "example.com", header: hdr("Origin", "http://example.com/"), want: originFail("http://example.com/")},
		{name: "malformed", host: "example.com", header: hdr("Origin", "http://["), want: originFail("http://[")},
		{name: "sibling subdomain", host: "app.example.com", header: hdr("Origin", "http://api.example.com"), want: originFail("http://api.example.com")},
		{name: "parent domain", host: "app.example.com", header: hdr("Origin", "http://example.com"), want: originFail("http://example.com")},
		{name: "host.evil.example", host: "example.com", header: hdr("Origin", "http://example.com.evil.example"), want: originFail("http://example.com.evil.example")},
		{name: "evilhost", host: "example.com", header: hdr("Origin", "http://evilexample.com"), want: originFail("http://evilexample.com")},
		{name: "evil", host: "example.com", header: hdr("Origin", "http://evil.example"), want: originFail("http://evil.example")},
		{name: "userinfo", host: "example.com", header: hdr("Origin", "http://evil@example.com"), want: originFail("http://evil@example.com")},
		{name: "X-Forwarded-Host cannot steer", header: hdr("Origin", "http://evil.example", "X-Forwarded-Host", "evil.example", "Forwarded", "host=evil.example"), want: originFail("http://evil.example")},
	})
	// The listener's own address, as a browser on 127.0.0.1 would send it.
	srv := checkServer(t, &Policy{Logger: quiet}, false)
	self := "http://" + hostOf(srv)
	secret, token := mustSecret(t)
	if code, body := send(t, srv, request{header: hdr("Origin", self, "X-CSRFToken", token), cookie: ptr(secret)}); code != http.StatusOK {
		t.Errorf("own origin %s: %d %q", self, code, body)
	}
	if _, body := send(t, srv, request{header: hdr("Origin", "https://"+hostOf(srv), "X-CSRFToken", token), cookie: ptr(secret)}); body != originFail("https://"+hostOf(srv)) {
		t.Errorf("https origin on plain server: %q", body)
	}
}

func TestOriginTLS(t *testing.T) {
	runOriginCases(t, &Policy{Logger: quiet}, true, []originCase{
		{name: "same origin, no Referer needed", host: "example.com", header: hdr("Origin", "https://example.com"), want: ok},
		{name: "default port written out", host: "example.com", header: hdr("Origin", "https://example.com:443"), want: ok},
		{name: "default port in Host", host: "example.com:443", header: hdr("Origin", "https://example.com"), want: ok},
		{name: "case variant", host: "EXAMPLE.com", header: hdr("Origin", "https://Example.COM"), want: ok},
		{name: "IPv6", host: "[::1]:8443", header: hdr("Origin", "https://[::1]:8443"), want: ok},
		{name: "Origin beats a bad Referer", host: "example.com", header: hdr("Origin", "https://example.com", "Referer", "http://evil.example/"), want: ok},
		{name: "http downgrade", host: "example.com", header: hdr("Origin", "http://example.com"), want: originFail("http://example.com")},
		{name: "http on 443", host: "example.com", header: hdr("Origin", "http://example.com:443"), want: originFail("http://example.com:443")},
		{name: "other port", host: "example.com", header: hdr("Origin", "https://example.com:8443"), want: originFail("https://example.com:8443")},
		{name: "null", host: "example.com", header: hdr("Origin", "null"), want: originFail("null")},
		{name: "malformed", host: "example.com", header: hdr("Origin", "https://["), want: originFail("https://[")},
		{name: "sibling subdomain", host: "app.example.com", header: hdr("Origin", "https://evil.example.com"), want: originFail("https://evil.example.com")},
		{name: "subdomain of host", host: "example.com", header: hdr("Origin", "https://sub.example.com"), want: originFail("https://sub.example.com")},
		{name: "host.evil.example", host: "example.com", header: hdr("Origin", "https://example.com.evil.example"), want: originFail("https://example.com.evil.example")},
		{name: "evilhost", host: "example.com", header: hdr("Origin", "https://evilexample.com"), want: originFail("https://evilexample.com")},
		{name: "evil", host: "example.com", header: hdr("Origin", "https://evil.example"), want: originFail("https://evil.example")},
		{name: "unparsable Host", host: "exa_mple..com", header: hdr("Origin", "https://exa_mple..com"), want: originFail("https://exa_mple..com")},
		{name: "X-Forwarded-Proto cannot downgrade", host: "example.com", header: hdr("Origin", "http://example.com", "X-Forwarded-Proto", "http"), want: originFail("http://example.com")},
		// The client refuses C0 controls; C1 controls and invalid UTF-8 get through.
		{name: "control characters stripped from the reason", host: "example.com", header: hdr("Origin", "https://evil.example\u0085\xff"), want: originFail("https://evil.example\uFFFD")},
	})
}

func TestOriginReasonIsCapped(t *testing.T) {
	long := "https://" + strings.Repeat("a", 5000) + ".example"
	runOriginCases(t, &Policy{Logger: quiet}, true, []originCase{
		{name: "long", host: "example.com", header: hdr("Origin", long), want: originFail(long[:maxDisplay] + "...")},
	})
}

func TestTrustedOrigins(t *testing.T) {
	p := &Policy{Logger: quiet, TrustedOrigins: []string{
		"https://partner.example", "https://*.example.org", "http://localhost:3000", "https://api.example.net:8443",
	}}
	c := func(name, origin string, allowed bool) originCase {
		want := ok
		if !allowed {
			want = originFail(origin)
		}
		return originCase{name: name, host: "example.com", header: hdr("Origin", origin), want: want}
	}
	runOriginCases(t, p, true, []originCase{
		c("exact", "https://partner.example", true),
		c("exact, case variant", "https://Partner.EXAMPLE", true),
		c("exact, default port", "https://partner.example:443", true),
		c("exact, http", "http://partner.example", false),
		c("exact, subdomain", "https://x.partner.example", false),
		c("exact, other port", "https://partner.example:8443", false),
		c("wildcard apex", "https://example.org", true),
		c("wildcard subdomain", "https://a.example.org", true),
		c("wildcard deep subdomain", "https://a.b.example.org", true),
		c("wildcard, case variant", "https://A.Example.ORG", true),
		c("wildcard, http", "http://a.example.org", false),
		c("wildcard, other port", "https://a.example.org:8443", false),
		c("wildcard, no label boundary", "https://evilexample.org", false),
		c("wildcard, suffix trick", "https://a.example.org.evil.example", false),
		c("http localhost", "http://localhost:3000", true),
		c("http localhost, other port", "http://localhost:3001", false),
		c("http localhost, https", "https://localhost:3000", false),
		c("explicit port", "https://api.example.net:8443", true),
		c("explicit port, default port", "https://api.example.net", false),
		c("own origin still allowed", "https://example.com", true),
		c("untrusted", "https://evil.example", false),
		c("null", "null", false),
	})
}

func TestSecFetchSite(t *testing.T) {
	self := "https://example.com"
	c := func(name, site, origin, want string) originCase {
		h := http.Header{}
		if site != "" {
			h.Set("Sec-Fetch-Site", site)
		}
		if origin != "" {
			h.Set("Origin", origin)
		}
		return originCase{name: name, host: "example.com", header: h, want: want}
	}
	runOriginCases(t, &Policy{Logger: quiet}, true, []originCase{
		c("cross-site, matching Origin", "cross-site", self, reasonCrossSite),
		c("cross-site, no Origin", "cross-site", "", reasonCrossSite),
		c("cross-site, upper case", "CROSS-SITE", self, reasonCrossSite),
		c("same-origin", "same-origin", self, ok),
		c("none (typed URL, bookmark)", "none", self, ok),
		c("same-site, same origin", "same-site", self, ok),
		c("same-site, sibling Origin", "same-site", "https://other.example.com", originFail("https://other.example.com")),
		c("unknown value falls through", "bogus", self, ok),
		c("unknown value, bad Origin", "bogus", "https://evil.example", originFail("https://evil.example")),
	})
	// cross-site wins over every later check, even with no token at all.
	srv := checkServer(t, &Policy{Logger: quiet}, true)
	code, body := send(t, srv, request{header: hdr("Sec-Fetch-Site", "cross-site")})
	if code != http.StatusForbidden || body != reasonCrossSite {
		t.Errorf("cross-site without token: %d %q", code, body)
	}
	// A second, cross-site value is not hidden behind a first one.
	code, body = send(t, srv, request{header: hdr("Sec-Fetch-Site", "same-origin", "Sec-Fetch-Site", "cross-site")})
	if code != http.StatusForbidden || body != reasonCrossSite {
		t.Errorf("repeated Sec-Fetch-Site: %d %q", code, body)
	}
}

// The Referer list of security-checklist CSRF-15 (Django's
// test_https_malformed_referer and neighbours), on a TLS server.
func TestRefererTLS(t *testing.T) {
	p := &Policy{Logger: quiet, TrustedOrigins: []string{"https://*.example.org", "http://partner.example"}}
	srv := checkServer(t, p, true)
	secret, token := mustSecret(t)
	tests := []struct {
		name    string
		referer *string
		want    string
	}{
		{"absent", nil, reasonNoReferer},
		{"empty", ptr(""), reasonMalformedReferer},
		{"insecure", ptr("http://example.com/"), reasonInsecureReferer},
		{"other site", ptr("https://evil.example/x"), refererFail("https://evil.example/x")},
		{"http://http://", ptr("http://http://www.example.com/"), reasonInsecureReferer},
		{"no scheme", ptr("//example.com/"), reasonMalformedReferer},
		{"no host", ptr("https://"), reasonMalformedReferer},
		{"bad IPv6", ptr("https://["), reasonMalformedReferer},
		{"non-ASCII", ptr("ØBöIß"), reasonMalformedReferer},
		{"opaque", ptr("https:example.com"), reasonMalformedReferer},
		{"relative", ptr("/page"), reasonMalformedReferer},
		{"same origin with path", ptr("https://example.com/page"), ok},
		{"same origin, no path", ptr("https://example.com"), ok},
		{"same origin, default port", ptr("https://example.com:443/x"), ok},
		{"same origin, case variant", ptr("HTTPS://EXAMPLE.com/x?q=1#f"), ok},
		{"other port", ptr("https://example.com:8443/"), refererFail("https://example.com:8443/")},
		{"subdomain", ptr("https://sub.example.com/"), refererFail("https://sub.example.com/")},
		{"host.evil.example", ptr("https://example.com.evil.example/"), refererFail("https://example.com.evil.example/")},
		{"trusted wildcard", ptr("https://a.example.org/form"), ok},
		{"trusted wildcard apex", ptr("https://example.org/"), ok},
		{"trusted http entry does not vouch for https", ptr("https://partner.example/"), refererFail("https://partner.example/")},
		{"ftp", ptr("ftp://example.com/"), reasonInsecureReferer},
		{"credentials", ptr("https://user:pw@example.com/"), refererFail("https://user:pw@example.com/")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := hdr("X-CSRFToken", token)
			if tt.referer != nil {
				h["Referer"] = []string{*tt.referer}
			}
			code, body := send(t, srv, request{host: "example.com", header: h, cookie: ptr(secret)})
			if body != tt.want || (tt.want == ok) != (code == http.StatusOK) {
				t.Errorf("got %d %q, want %q", code, body, tt.want)
			}
		})
	}
	// The Referer is checked before the token (Django's order).
	if _, body := send(t, srv, request{host: "example.com"}); body != reasonNoReferer {
		t.Errorf("no Referer and no token: %q", body)
	}
	// Two Referers are ambiguous.
	h := hdr("X-CSRFToken", token, "Referer", "https://example.com/", "Referer", "https://evil.example/")
	if _, body := send(t, srv, request{host: "example.com", header: h, cookie: ptr(secret)}); body != reasonMalformedReferer {
		t.Errorf("two Referers: %q", body)
	}
}

func TestRefererIgnoredOnPlainHTTP(t *testing.T) {
	srv := checkServer(t, &Policy{Logger: quiet}, false)
	secret, token := mustSecret(t)
	for _, ref := range []string{"", "http://evil.example/", "not a url"} {
		h := hdr("X-CSRFToken", token)
		if ref != "" {
			h.Set("Referer", ref)
		}
		if code, body := send(t, srv, request{header: h, cookie: ptr(secret)}); code != http.StatusOK {
			t.Errorf("Referer %q on HTTP: %d %q", ref, code, body)
		}
	}
}

// CSRF-16: behind a TLS-terminating proxy the server sees plain HTTP, and
// IsSecure is what makes the HTTPS rules apply. r.URL.Scheme is empty on
// both servers and plays no part.
func TestIsSecureBehindProxy(t *testing.T) {
	p := &Policy{Logger: quiet, IsSecure: func(r *http.Request) bool {
		if r.URL.Scheme != "" || r.URL.Host != "" {
			panic("server request with URL.Scheme/Host set: " + r.URL.String())
		}
		// Test only: a real deployment trusts this header from the proxy alone.
		return r.Header.Get("X-Forwarded-Proto") == "https"
	}}
	srv := checkServer(t, p, false)
	secret, token := mustSecret(t)
	tests := []struct {
		name   string
		header http.Header
		want   string
	}{
		{"proxied https, no Referer", hdr("X-Forwarded-Proto", "https"), reasonNoReferer},
		{"proxied https, http Referer", hdr("X-Forwarded-Proto", "https", "Referer", "http://example.com/"), reasonInsecureReferer},
		{"proxied https, good Referer", hdr("X-Forwarded-Proto", "https", "Referer", "https://example.com/x"), ok},
		{"proxied https, https Origin", hdr("X-Forwarded-Proto", "https", "Origin", "https://example.com"), ok},
		{"proxied https, http Origin", hdr("X-Forwarded-Proto", "https", "Origin", "http://example.com"), originFail("http://example.com")},
		{"direct http, no Referer", nil, ok},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.header.Clone()
			if h == nil {
				h = http.Header{}
			}
			h.Set("X-CSRFToken", token)
			code, body := send(t, srv, request{host: "example.com", header: h, cookie: ptr(secret)})
			if body != tt.want || (tt.want == ok) != (code == http.StatusOK) {
				t.Errorf("got %d %q, want %q", code, body, tt.want)
			}
		})
	}
}

// CSRF-19: without AllowedHosts the server trusts r.Host as its identity
// (as Django does once ALLOWED_HOSTS accepted it); AllowedHosts closes
// that, and X-Forwarded-Host never counts.
func TestHostSteering(t *testing.T) {
	secret, token := mustSecret(t)
	evil := hdr("Origin", "https://evil.example", "X-CSRFToken", token)

	open := checkServer(t, &Policy{Logger: quiet}, true)
	if code, _ := send(t, open, request{host: "evil.example", header: evil, cookie: ptr(secret)}); code != http.StatusOK {
		t.Errorf("without AllowedHosts a forged Host defines the origin (documented); got %d", code)
	}

	p := &Policy{Logger: quiet, AllowedHosts: []string{"example.com", ".example.org"}}
	srv := checkServer(t, p, true)
	tests := []struct {
		name, host string
		header     http.Header
		want       string
	}{
		{"forged Host", "evil.example", evil, "Host checking failed - evil.example is not an allowed host."},
		{"forged Host with port", "evil.example:443", evil, "Host checking failed - evil.example:443 is not an allowed host."},
		{"X-Forwarded-Host", "example.com", hdr("Origin", "https://evil.example", "X-Forwarded-Host", "evil.example", "X-CSRFToken", token), originFail("https://evil.example")},
		{"allowed exact", "example.com", hdr("Origin", "https://example.com", "X-CSRFToken", token), ok},
		{"allowed exact, case and port", "EXAMPLE.COM:443", hdr("Origin", "https://example.com", "X-CSRFToken", token), ok},
		{"allowed subdomain", "a.example.org", hdr("Origin", "https://a.example.org", "X-CSRFToken", token), ok},
		{"suffix trick", "example.com.evil.example", hdr("Origin", "https://example.com.evil.example", "X-CSRFToken", token), "Host checking failed - example.com.evil.example is not an allowed host."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := send(t, srv, request{host: tt.host, header: tt.header, cookie: ptr(secret)})
			if body != tt.want || (tt.want == ok) != (code == http.StatusOK) {
				t.Errorf("got %d %q, want %q", code, body, tt.want)
			}
		})
	}
}

func TestTokenAndCookie(t *testing.T) {
	srv := checkServer(t, &Policy{Logger: quiet}, false)
	secret, masked := mustSecret(t)
	masked2, _ := Mask(secret)
	legacy, _ := Mask(secret) // cookie as Django <= 4.0 wrote it
	otherSecret, otherToken := mustSecret(t)
	flip := func(s string, i int) string {
		b := []byte(s)
		b[i] = allowedChars[(int(charIndex[b[i]])+1)%numChars]
		return string(b)
	}
	bad := func(what string) string { return "CSRF token from " + headerSource + " " + what + "." }
	tests := []struct {
		name   string
		cookie *string
		header http.Header
		want   string
	}{
		{"masked token", ptr(secret), hdr("X-CSRFToken", masked), ok},
		{"second masked token", ptr(secret), hdr("X-CSRFToken", masked2), ok},
		{"raw 32-char secret", ptr(secret), hdr("X-CSRFToken", secret), ok},
		{"header name case-insensitive", ptr(secret), hdr("x-csrftoken", masked), ok},
		{"legacy cookie, cookie value reused as token", ptr(legacy), hdr("X-CSRFToken", legacy), ok},
		{"legacy cookie, fresh token", ptr(legacy), hdr("X-CSRFToken", masked), ok},
		{"legacy cookie, raw secret", ptr(legacy), hdr("X-CSRFToken", secret), ok},
		{"repeated identical header", ptr(secret), hdr("X-CSRFToken", masked, "X-CSRFToken", masked), ok},
		{"cipher character flipped", ptr(secret), hdr("X-CSRFToken", flip(masked, 50)), bad("incorrect")},
		{"mask character flipped", ptr(secret), hdr("X-CSRFToken", flip(masked, 0)), bad("incorrect")},
		{"raw character flipped", ptr(secret), hdr("X-CSRFToken", flip(secret, 31)), bad("incorrect")},
		{"other secret's token", ptr(secret), hdr("X-CSRFToken", otherToken), bad("incorrect")},
		{"cipher half only", ptr(secret), hdr("X-CSRFToken", masked[32:]), bad("incorrect")},
		{"16 chars", ptr(secret), hdr("X-CSRFToken", masked[:16]), bad("has incorrect length")},
		{"65 chars", ptr(secret), hdr("X-CSRFToken", masked+"a"), bad("has incorrect length")},
		{"100,000 chars", ptr(secret), hdr("X-CSRFToken", strings.Repeat("a", 100000)), bad("has incorrect length")},
		{"stars", ptr(secret), hdr("X-CSRFToken", strings.Repeat("*", 64)), bad("has invalid characters")},
		{"non-ASCII", ptr(secret), hdr("X-CSRFToken", masked[:62]+"é"), bad("has invalid characters")},
		{"JSON object", ptr(secret), hdr("X-CSRFToken", `{"csrf":{"a":1}}`), bad("has incorrect length")},
		{"two different values", ptr(secret), hdr("X-CSRFToken", secret, "X-CSRFToken", otherSecret), bad("has incorrect length")},
		{"missing", ptr(secret), nil, reasonTokenMissing},
		{"empty", ptr(secret), hdr("X-CSRFToken", ""), reasonTokenMissing},
		{"token only in a cookie", ptr(secret), hdr("Cookie", "csrfmiddlewaretoken="+masked), reasonTokenMissing},
		{"no cookie", nil, hdr("X-CSRFToken", masked), reasonNoCookie},
		{"no cookie, empty token", nil, hdr("X-CSRFToken", ""), reasonNoCookie},
		{"empty cookie, empty token", ptr(""), hdr("X-CSRFToken", ""), "CSRF cookie has incorrect length."},
		{"empty cookie, token", ptr(""), hdr("X-CSRFToken", masked), "CSRF cookie has incorrect length."},
		{"short cookie", ptr("short"), hdr("X-CSRFToken", "short"), "CSRF cookie has incorrect length."},
		{"cookie with stars", ptr(strings.Repeat("*", 32)), hdr("X-CSRFToken", strings.Repeat("*", 32)), "CSRF cookie has invalid characters."},
		{"masked cookie, malformed equal token", ptr(strings.Repeat("*", 64)), hdr("X-CSRFToken", strings.Repeat("*", 64)), "CSRF cookie has invalid characters."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := send(t, srv, request{method: "PUT", header: tt.header, cookie: tt.cookie, contentType: "application/json", body: "{}"})
			if body != tt.want || (tt.want == ok) != (code == http.StatusOK) {
				t.Errorf("got %d %q, want %q", code, body, tt.want)
			}
		})
	}
}

func TestCustomHeaderName(t *testing.T) {
	srv := checkServer(t, &Policy{Logger: quiet, HeaderName: "X-XSRF-TOKEN", CookieName: "csrftoken"}, false)
	secret, token := mustSecret(t)
	if code, _ := send(t, srv, request{header: hdr("X-Xsrf-Token", token), cookie: ptr(secret)}); code != http.StatusOK {
		t.Errorf("custom header rejected: %d", code)
	}
	_, body := send(t, srv, request{header: hdr("X-XSRF-TOKEN", "x"), cookie: ptr(secret)})
	if want := "CSRF token from the 'X-Xsrf-Token' HTTP header has incorrect length."; body != want {
		t.Errorf("got %q, want %q", body, want)
	}
	if _, body := send(t, srv, request{header: hdr("X-CSRFToken", token), cookie: ptr(secret)}); body != reasonTokenMissing {
		t.Errorf("default header still read: %q", body)
	}
}

// formServer runs Check, then reports what the handler can still read
// from the form: the body must not be lost.
func formServer(t *testing.T) *httptest.Server {
	t.Helper()
	p := &Policy{Logger: quiet}
	return startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := p.Check(r); err != nil {
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, err.Error())
			return
		}
		fmt.Fprintf(w, "ok name=%s", r.PostFormValue("name"))
	}), false)
}

func multipartBody(t *testing.T, fields ...string) (body, contentType string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		if err := mw.WriteField(fields[i], fields[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	fw, _ := mw.CreateFormFile("upload", "a.txt")
	io.WriteString(fw, "file content")
	mw.Close()
	return buf.String(), mw.FormDataContentType()
}

func TestFormToken(t *testing.T) {
	srv := formServer(t)
	secret, token := mustSecret(t)
	_, otherToken := mustSecret(t)
	const form = "application/x-www-form-urlencoded"
	enc := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v.Encode()
	}
	mp, mpType := multipartBody(t, "name", "bob", "csrfmiddlewaretoken", token)
	mpBad, mpBadType := multipartBody(t, "name", "bob", "csrfmiddlewaretoken", otherToken)
	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		header      http.Header
		want        string
	}{
		{"field", "POST", "", form, enc("name", "bob", "csrfmiddlewaretoken", token), nil, "ok name=bob"},
		{"field, raw secret", "POST", "", form, enc("name", "bob", "csrfmiddlewaretoken", secret), nil, "ok name=bob"},
		{"field, content type with charset and case", "POST", "", "Application/X-WWW-Form-URLencoded; charset=utf-8", enc("name", "bob", "csrfmiddlewaretoken", token), nil, "ok name=bob"},
		{"multipart field", "POST", "", mpType, mp, nil, "ok name=bob"},
		{"multipart wrong field", "POST", "", mpBadType, mpBad, hdr("X-CSRFToken", token), "CSRF token from POST incorrect."},
		{"wrong field not rescued by header", "POST", "", form, enc("name", "bob", "csrfmiddlewaretoken", otherToken), hdr("X-CSRFToken", token), "CSRF token from POST incorrect."},
		{"short field", "POST", "", form, enc("csrfmiddlewaretoken", "abc"), hdr("X-CSRFToken", token), "CSRF token from POST has incorrect length."},
		{"field with invalid characters", "POST", "", form, enc("csrfmiddlewaretoken", strings.Repeat("-", 64)), nil, "CSRF token from POST has invalid characters."},
		{"empty field, header", "POST", "", form, enc("name", "bob", "csrfmiddlewaretoken", ""), hdr("X-CSRFToken", token), "ok name=bob"},
		{"no field, header", "POST", "", form, enc("name", "bob"), hdr("X-CSRFToken", token), "ok name=bob"},
		{"no field, wrong header", "POST", "", form, enc("name", "bob"), hdr("X-CSRFToken", otherToken), "CSRF token from " + headerSource + " incorrect."},
		{"repeated identical field", "POST", "", form, enc("name", "bob", "csrfmiddlewaretoken", token, "csrfmiddlewaretoken", token), nil, "ok name=bob"},
		{"repeated different fields", "POST", "", form, enc("csrfmiddlewaretoken", token, "csrfmiddlewaretoken", otherToken), nil, "CSRF token from POST has incorrect length."},
		{"JSON body field ignored", "POST", "", "application/json", `{"csrfmiddlewaretoken":"` + token + `"}`, nil, reasonTokenMissing},
		{"text/plain body ignored", "POST", "", "text/plain", "csrfmiddlewaretoken=" + token, nil, reasonTokenMissing},
		{"no content type", "POST", "", "", "csrfmiddlewaretoken=" + token, nil, reasonTokenMissing},
		{"query string ignored", "POST", "?csrfmiddlewaretoken=" + token, form, enc("name", "bob"), nil, reasonTokenMissing},
		{"query string ignored, header route", "PUT", "?csrfmiddlewaretoken=" + token, "application/json", "{}", nil, reasonTokenMissing},
		{"PUT reads the header only", "PUT", "", form, enc("csrfmiddlewaretoken", token), nil, reasonTokenMissing},
		{"lower-case post reads the header only", "post", "", form, enc("csrfmiddlewaretoken", token), nil, reasonTokenMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, body := send(t, srv, request{method: tt.method, path: tt.path, header: tt.header, cookie: ptr(secret), contentType: tt.contentType, body: tt.body})
			if body != tt.want {
				t.Errorf("got %q, want %q", body, tt.want)
			}
		})
	}
}

// CSRF-24: each failure is logged once at Warn with its code and reason,
// and never with token or secret values.
func TestFailureLogging(t *testing.T) {
	var buf syncBuffer
	p := &Policy{Logger: newTextLogger(&buf)}
	srv := checkServer(t, p, false)
	secret, _ := mustSecret(t)
	_, wrong := mustSecret(t)
	send(t, srv, request{path: "/transfer?to=x", header: hdr("X-CSRFToken", wrong), cookie: ptr(secret)})
	send(t, srv, request{method: "GET"})
	out := buf.String()
	if strings.Count(out, "\n") != 1 {
		t.Fatalf("want exactly one record, got %q", out)
	}
	for _, want := range []string{"level=WARN", "code=bad_token", `reason="CSRF token from the 'X-Csrftoken' HTTP header incorrect."`, "method=POST", "path=/transfer"} {
		if !strings.Contains(out, want) {
			t.Errorf("log %q lacks %q", out, want)
		}
	}
	for _, leak := range []string{secret, wrong, "to=x"} {
		if strings.Contains(out, leak) {
			t.Errorf("log leaks %q: %q", leak, out)
		}
	}
}

func TestDefaultLoggerUsedWhenNil(t *testing.T) {
	var buf syncBuffer
	old := slog.Default()
	slog.SetDefault(newTextLogger(&buf))
	defer slog.SetDefault(old)
	srv := checkServer(t, &Policy{}, false)
	send(t, srv, request{})
	if !strings.Contains(buf.String(), "code=no_cookie") {
		t.Errorf("default logger not used: %q", buf.String())
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// FuzzCheck sends arbitrary Origin, Referer, cookie and token values to a
// real TLS server. The server must never fail with anything but a 403
// Failure, and must accept only tokens that match the cookie.
func FuzzCheck(f *testing.F) {
	p := &Policy{Logger: quiet, TrustedOrigins: []string{"https://*.example.org"}}
	srv := checkServer(f, p, true)
	self := "https://" + hostOf(srv)
	f.Add(self, "", vecSecret, vecToken)
	f.Add("", self+"/form", vecToken, vecSecret)
	f.Add("null", "", vecSecret, vecSecret)
	f.Add("https://[", "https://[", "", "")
	f.Add("", "https://a.example.org/", strings.Repeat("*", 64), strings.Repeat("*", 64))
	f.Add("https://a.example.org", "", vecSecret, strings.Repeat("a", 100000))
	f.Add(self, "ØBöIß", vecSecret[:31], vecToken+"a")
	f.Fuzz(func(t *testing.T, origin, referer, cookie, token string) {
		h := hdr("X-CSRFToken", token)
		if origin != "" {
			h.Set("Origin", origin)
		}
		if referer != "" {
			h.Set("Referer", referer)
		}
		resp, err := trySend(srv, request{header: h, cookie: &cookie})
		if err != nil {
			return // the client refuses to send invalid header values
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
			if !Match(token, cookie) {
				t.Fatalf("accepted token %q for cookie %q", token, cookie)
			}
		case http.StatusForbidden:
		case http.StatusBadRequest:
			// The server itself rejected the request (e.g. a cookie
			// header it cannot parse) before the handler ran.
		default:
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
	})
}

// captureRequest obtains a genuine server-side request (as a handler sees
// it) for benchmarks, which cannot afford a round trip per iteration.
func captureRequest(b *testing.B, useTLS bool, rq request) *http.Request {
	b.Helper()
	ch := make(chan *http.Request, 1)
	srv := startServer(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ch <- r.Clone(context.Background())
	}), useTLS)
	if rq.header == nil {
		rq.header = http.Header{}
	}
	rq.header.Set("Origin", "https://"+hostOf(srv))
	resp := sendResp(b, srv, rq)
	resp.Body.Close()
	return <-ch
}

func BenchmarkCheck(b *testing.B) {
	secret, token := mustSecret(b)
	p := &Policy{Logger: quiet}
	b.Run("safe", func(b *testing.B) {
		r := captureRequest(b, true, request{method: "GET"})
		b.ReportAllocs()
		for b.Loop() {
			if p.Check(r) != nil {
				b.Fatal("rejected")
			}
		}
	})
	b.Run("unsafe-accepted", func(b *testing.B) {
		r := captureRequest(b, true, request{method: "PUT", header: hdr("X-CSRFToken", token, "Sec-Fetch-Site", "same-origin"), cookie: &secret})
		b.ReportAllocs()
		for b.Loop() {
			if err := p.Check(r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unsafe-rejected", func(b *testing.B) {
		r := captureRequest(b, true, request{method: "PUT", header: hdr("X-CSRFToken", vecToken), cookie: &secret})
		b.ReportAllocs()
		for b.Loop() {
			if p.Check(r) == nil {
				b.Fatal("accepted")
			}
		}
	})
}
