package csrf

import (
	"strings"
	"testing"
)

func TestParseOrigin(t *testing.T) {
	valid := map[string]string{
		"https://example.com":      "https://example.com",
		"HTTPS://Example.COM":      "https://example.com",
		"https://example.com:443":  "https://example.com",
		"http://example.com:80":    "http://example.com",
		"http://example.com:443":   "http://example.com:443",
		"https://example.com:80":   "https://example.com:80",
		"http://localhost:3000":    "http://localhost:3000",
		"https://127.0.0.1:8443":   "https://127.0.0.1:8443",
		"https://[::1]:8443":       "https://[::1]:8443",
		"https://[::1]":            "https://[::1]",
		"https://[2001:DB8::1]":    "https://[2001:db8::1]",
		"https://xn--bcher-kva.ch": "https://xn--bcher-kva.ch",
		"chrome-extension://abc":   "chrome-extension://abc",
		"https://my_host.internal": "https://my_host.internal",
	}
	for in, want := range valid {
		o, err := parseOrigin(in)
		if err != nil || o.String() != want {
			t.Errorf("parseOrigin(%q) = %v, %v; want %q", in, o, err, want)
		}
	}
	invalid := []string{
		"", "null", "example.com", "//example.com", "https://", "https://[", "https://[::1",
		"https://[::1]x", "https://[fe80::1%25eth0]", "https://[1.2.3.4]",
		"https://example.com/", "https://example.com/path", "https://example.com?q", "https://example.com#f",
		"https://user@example.com", "https://example.com:", "https://example.com:0", "https://example.com:0443",
		"https://example.com:65536", "https://example.com:1x", "https://example.com:443:443",
		"https://exa mple.com", "https://a..b", "https://.example.com", "https://example.com.",
		"https://*.example.com", "https://bücher.ch", "1https://example.com", "ht tp://example.com",
		"https://example.com\x00",
	}
	for _, in := range invalid {
		if o, err := parseOrigin(in); err == nil {
			t.Errorf("parseOrigin(%q) = %v, want an error", in, o)
		}
	}
}

func TestTrustListEntries(t *testing.T) {
	good := []string{
		"https://example.com", "https://*.example.com", "http://localhost:3000",
		"https://[::1]:8443", "https://*.example.com:8443", "HTTPS://*.Example.COM",
	}
	for _, e := range good {
		var tl trustList
		if err := tl.add(e); err != nil {
			t.Errorf("add(%q) = %v", e, err)
		}
	}
	bad := map[string]string{
		"*":                         `"*" would trust every origin`,
		"":                          "missing scheme",
		"example.com":               `missing scheme (write "https://example.com")`,
		".example.com":              "missing scheme",
		"*.example.com":             `write "https://*.example.com"`,
		"null":                      `"null"`,
		"https://example.com/":      "trailing slash",
		"https://example.com/app":   "must not have a path",
		"https://example.com?x=1":   "must not have a path, query",
		"https://u:p@example.com":   "user information",
		"https://*":                 "whole leading label",
		"https://*example.com":      "whole leading label",
		"https://*.":                "invalid host",
		"https://a.*.example.com":   "only allowed as the whole first label",
		"https://*.*.example.com":   "only allowed as the whole first label",
		"https://*.127.0.0.1":       "not an IP address",
		"https://*.[::1]":           "not an IP address",
		"https://example.com:99999": "invalid port",
		"://example.com":            "invalid scheme",
	}
	for e, want := range bad {
		var tl trustList
		err := tl.add(e)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("add(%q) = %v, want an error containing %q", e, err, want)
		}
	}
}

func TestTrustListAllows(t *testing.T) {
	var tl trustList
	for _, e := range []string{
		"https://partner.example", "https://*.example.org", "http://localhost:3000",
		"https://*.example.net:8443",
	} {
		if err := tl.add(e); err != nil {
			t.Fatal(err)
		}
	}
	tests := map[string]bool{
		"https://partner.example":       true,
		"https://PARTNER.example:443":   true,
		"http://partner.example":        false, // CVE-2025-47909: the scheme counts
		"https://partner.example:8443":  false,
		"https://x.partner.example":     false, // exact entries have no subdomains
		"https://example.org":           true,  // a wildcard includes the domain itself
		"https://a.example.org":         true,
		"https://a.b.example.org":       true,
		"http://a.example.org":          false,
		"https://a.example.org:8443":    false,
		"https://evilexample.org":       false, // suffix only on a label boundary
		"https://example.org.evil.test": false,
		"https://.example.org":          false,
		"http://localhost:3000":         true,
		"http://localhost":              false,
		"https://localhost:3000":        false,
		"https://a.example.net:8443":    true,
		"https://a.example.net":         false,
		"https://evil.example":          false,
	}
	for in, want := range tests {
		o, err := parseOrigin(in)
		if err != nil {
			if want {
				t.Errorf("parseOrigin(%q): %v", in, err)
			}
			continue
		}
		if got := tl.allows(o); got != want {
			t.Errorf("allows(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestHostPatterns(t *testing.T) {
	for _, bad := range []string{"*", "", "https://example.com", "example.com:8000", "a..b", "example.com/x"} {
		if _, err := parseHostPattern(bad); err == nil {
			t.Errorf("parseHostPattern(%q) accepted", bad)
		}
	}
	exact, _ := parseHostPattern("Example.com")
	sub, _ := parseHostPattern(".example.org")
	tests := []struct {
		p    hostPattern
		host string
		want bool
	}{
		{exact, "example.com", true},
		{exact, "www.example.com", false},
		{exact, "example.com.evil", false},
		{sub, "example.org", true},
		{sub, "a.example.org", true},
		{sub, "evilexample.org", false},
	}
	for _, tt := range tests {
		if got := tt.p.matches(tt.host); got != tt.want {
			t.Errorf("%+v.matches(%q) = %v, want %v", tt.p, tt.host, got, tt.want)
		}
	}
}

func FuzzParseOrigin(f *testing.F) {
	for _, s := range []string{
		"https://example.com", "http://a:80", "https://[::1]:443", "null", "https://[", "https://*.x",
		"HTTPS://EXAMPLE.COM:0443", "https://a..b", "x://y:65535",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := parseOrigin(s)
		if err != nil {
			return
		}
		// The normal form parses back to the same origin, and only
		// normalised values are produced.
		again, err := parseOrigin(o.String())
		if err != nil || again != o {
			t.Fatalf("%q -> %q -> %v, %v", s, o.String(), again, err)
		}
		if o.port != "" && o.port == defaultPort(o.scheme) {
			t.Fatalf("default port kept in %q", o.String())
		}
		var tl trustList
		if err := tl.add(o.String()); err != nil || !tl.allows(o) {
			t.Fatalf("a valid origin %q is not a valid, matching trusted entry: %v", o.String(), err)
		}
	})
}
