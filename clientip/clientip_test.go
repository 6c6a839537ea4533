package clientip

import (
	"crypto/tls"
	"net/http"
	"testing"
)

func TestIP(t *testing.T) {
	trusted, err := ParsePrefixes("10.0.0.0/8, 127.0.0.1, ::1")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		proxies bool
		remote  string
		xff     []string
		want    string
	}{
		{"no proxy configured ignores XFF", false, "203.0.113.5:1234", []string{"1.2.3.4"}, "203.0.113.5"},
		{"untrusted peer ignores XFF", true, "203.0.113.5:1234", []string{"1.2.3.4"}, "203.0.113.5"},
		{"trusted peer, one hop", true, "127.0.0.1:1234", []string{"198.51.100.7"}, "198.51.100.7"},
		{"spoofed left entries are skipped", true, "127.0.0.1:1234", []string{"6.6.6.6, 198.51.100.7"}, "198.51.100.7"},
		{"chain of trusted proxies", true, "10.0.0.1:1", []string{"198.51.100.7, 10.1.1.1", "10.2.2.2"}, "198.51.100.7"},
		{"all trusted gives the leftmost", true, "10.0.0.1:1", []string{"10.1.1.1"}, "10.1.1.1"},
		{"garbage stops the walk", true, "127.0.0.1:1", []string{"198.51.100.7, garbage, 10.1.1.1"}, "10.1.1.1"},
		{"trusted peer without XFF", true, "127.0.0.1:1", nil, "127.0.0.1"},
		{"IPv6 peer", true, "[::1]:80", []string{"2001:db8::7"}, "2001:db8::7"},
		{"IPv4-mapped peer", true, "[::ffff:10.0.0.1]:80", []string{"198.51.100.7"}, "198.51.100.7"},
	}
	for _, c := range cases {
		res := Resolver{}
		if c.proxies {
			res.TrustedProxies = trusted
		}
		r := &http.Request{RemoteAddr: c.remote, Header: http.Header{"X-Forwarded-For": c.xff}}
		if got := res.IP(r); got != c.want {
			t.Errorf("%s: IP = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestIsSecure(t *testing.T) {
	trusted, _ := ParsePrefixes("127.0.0.1")
	res := Resolver{TrustedProxies: trusted}
	cases := []struct {
		remote, proto string
		tls           bool
		want          bool
	}{
		{"127.0.0.1:1", "https", false, true},
		{"127.0.0.1:1", "HTTPS, http", false, true},
		{"127.0.0.1:1", "http", false, false},
		{"203.0.113.5:1", "https", false, false},
		{"203.0.113.5:1", "", true, true},
	}
	for _, c := range cases {
		r := &http.Request{RemoteAddr: c.remote, Header: http.Header{}}
		if c.proto != "" {
			r.Header.Set("X-Forwarded-Proto", c.proto)
		}
		if c.tls {
			r.TLS = &tls.ConnectionState{}
		}
		if got := res.IsSecure(r); got != c.want {
			t.Errorf("%+v: IsSecure = %v", c, got)
		}
	}
	if (&Resolver{}).IsSecure(&http.Request{RemoteAddr: "127.0.0.1:1", Header: http.Header{"X-Forwarded-Proto": {"https"}}}) {
		t.Error("X-Forwarded-Proto believed without trusted proxies")
	}
}

func TestParsePrefixes(t *testing.T) {
	for _, bad := range []string{"nonsense", "10.0.0.0/33", "1.2.3"} {
		if _, err := ParsePrefixes(bad); err == nil {
			t.Errorf("ParsePrefixes(%q) accepted", bad)
		}
	}
	if p, err := ParsePrefixes(""); err != nil || len(p) != 0 {
		t.Errorf("empty list: %v %v", p, err)
	}
}
