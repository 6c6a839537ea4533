package csrf

import (
	"errors"
	"net/netip"
	"strings"
)

// origin is a parsed web origin (scheme, host, port), normalised so that
// equal origins compare equal with ==: scheme and host are lower case and
// a port equal to the scheme's default is dropped ("https://a:443" and
// "HTTPS://A" are the same origin). Normalising only lower-cases and slices,
// so comparing a typical same-origin request does not allocate.
type origin struct {
	scheme string
	host   string // IPv6 literals keep their brackets
	port   string // "" for the scheme's default port
}

func (o origin) String() string {
	if o.port == "" {
		return o.scheme + "://" + o.host
	}
	return o.scheme + "://" + o.host + ":" + o.port
}

func defaultPort(scheme string) string {
	switch scheme {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// parseOrigin parses a serialised origin, "scheme://host[:port]" and nothing
// else: no userinfo, path (not even "/"), query or fragment. Browsers
// serialise Origin headers exactly like that, so anything else is either a
// configuration mistake or an attack.
func parseOrigin(s string) (origin, error) {
	scheme, hostport, ok := strings.Cut(s, "://")
	if !ok {
		if s == "null" {
			return origin{}, errors.New(`"null" is an opaque origin`)
		}
		return origin{}, errors.New("missing scheme (expected scheme://host[:port])")
	}
	if !validScheme(scheme) {
		return origin{}, errors.New("invalid scheme")
	}
	if i := strings.IndexAny(hostport, "/?#"); i >= 0 {
		return origin{}, errors.New("must not have a path, query or fragment (not even a trailing slash)")
	}
	if strings.IndexByte(hostport, '@') >= 0 {
		return origin{}, errors.New("must not have user information")
	}
	return hostOrigin(strings.ToLower(scheme), hostport)
}

// hostOrigin builds the origin of scheme (already lower case) and an
// authority "host[:port]" such as r.Host or a Referer's host.
func hostOrigin(scheme, hostport string) (origin, error) {
	host, port, err := splitHostPort(hostport)
	if err != nil {
		return origin{}, err
	}
	if port == defaultPort(scheme) {
		port = ""
	}
	return origin{scheme: scheme, host: host, port: port}, nil
}

// splitHostPort splits and validates "host[:port]", lower-casing host.
// Hosts are DNS names (ASCII; internationalised names arrive as punycode),
// IPv4 addresses or bracketed IPv6 addresses. Ports are 1-65535 without
// leading zeros, so every port has a single spelling.
func splitHostPort(hostport string) (host, port string, err error) {
	host = hostport
	if strings.HasPrefix(host, "[") {
		end := strings.IndexByte(host, ']')
		if end < 0 {
			return "", "", errors.New("unterminated IPv6 address")
		}
		addr, err := netip.ParseAddr(host[1:end])
		if err != nil || !addr.Is6() || addr.Zone() != "" {
			return "", "", errors.New("invalid IPv6 address")
		}
		host, port = host[:end+1], host[end+1:]
		if port != "" {
			if port[0] != ':' {
				return "", "", errors.New("invalid host")
			}
			port = port[1:]
			if !validPort(port) {
				return "", "", errors.New("invalid port")
			}
		}
		return strings.ToLower(host), port, nil
	}
	if h, p, ok := strings.Cut(host, ":"); ok {
		if !validPort(p) {
			return "", "", errors.New("invalid port")
		}
		host, port = h, p
	}
	if !validHostname(host) {
		return "", "", errors.New("invalid host")
	}
	return strings.ToLower(host), port, nil
}

// validScheme follows RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
func validScheme(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isAlpha(c) && !isDigit(c) && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

func validPort(p string) bool {
	if p == "" || len(p) > 5 || p[0] == '0' {
		return false
	}
	n := 0
	for i := 0; i < len(p); i++ {
		if !isDigit(p[i]) {
			return false
		}
		n = n*10 + int(p[i]-'0')
	}
	return n <= 65535
}

// validHostname accepts dot-separated labels of letters, digits, '-' and
// '_' (the last appears in real internal names). It rejects empty labels,
// so "a..b", ".a" and "a." are refused: none of them can be an origin's
// host as a browser serialises it.
func validHostname(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	label := 0
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c == '.':
			if label == 0 {
				return false
			}
			label = 0
		case isAlpha(c) || isDigit(c) || c == '-' || c == '_':
			label++
		default:
			return false
		}
	}
	return label > 0
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// wildcard is a trusted entry "scheme://*.domain[:port]". Like Django's
// is_same_domain(host, ".domain") it matches domain itself and every
// subdomain, but only for the same scheme and port.
type wildcard struct {
	scheme string
	domain string // without the leading "*."
	port   string
}

func (w wildcard) matches(o origin) bool {
	if o.scheme != w.scheme || o.port != w.port {
		return false
	}
	if o.host == w.domain {
		return true
	}
	// Suffix on a label boundary: "a.example.com" matches, "evilexample.com"
	// does not.
	n := len(o.host) - len(w.domain)
	return n > 1 && o.host[n-1] == '.' && o.host[n:] == w.domain
}

// trustList is the compiled form of Policy.TrustedOrigins.
type trustList struct {
	exact map[origin]struct{}
	wild  []wildcard
}

func (t *trustList) allows(o origin) bool {
	if _, ok := t.exact[o]; ok {
		return true
	}
	for _, w := range t.wild {
		if w.matches(o) {
			return true
		}
	}
	return false
}

// add parses one TrustedOrigins entry. Entries are full origins; the only
// pattern is a leading "*." label in the host. Bare hosts (Django 3.2's
// format) and "*" are refused: a host-only entry would trust plain-HTTP
// pages on that host (gorilla/csrf's CVE-2025-47909) and "*" would disable
// the check.
func (t *trustList) add(entry string) error {
	if entry == "*" {
		return errors.New(`"*" would trust every origin; list the origins instead`)
	}
	if !strings.Contains(entry, "://") {
		if entry == "null" {
			return errors.New(`"null" is sent by sandboxed and privacy-sensitive contexts and cannot be trusted`)
		}
		return errors.New(`missing scheme (write "https://` + entry + `")`)
	}
	pattern := entry
	isWild := false
	if scheme, rest, ok := strings.Cut(entry, "://"); ok && strings.HasPrefix(rest, "*") {
		if !strings.HasPrefix(rest, "*.") {
			return errors.New(`a wildcard must be a whole leading label, as in "https://*.example.com"`)
		}
		// Parse the remainder as an ordinary origin, then check it is a name.
		pattern, isWild = scheme+"://"+rest[2:], true
	}
	if strings.Contains(pattern, "*") {
		return errors.New(`a wildcard is only allowed as the whole first label, as in "https://*.example.com"`)
	}
	o, err := parseOrigin(pattern)
	if err != nil {
		return err
	}
	if !isWild {
		if t.exact == nil {
			t.exact = make(map[origin]struct{})
		}
		t.exact[o] = struct{}{}
		return nil
	}
	if strings.HasPrefix(o.host, "[") || isIPv4(o.host) {
		return errors.New("a wildcard needs a domain name, not an IP address")
	}
	t.wild = append(t.wild, wildcard{scheme: o.scheme, domain: o.host, port: o.port})
	return nil
}

func isIPv4(h string) bool {
	a, err := netip.ParseAddr(h)
	return err == nil && a.Is4()
}

// hostPattern is a compiled AllowedHosts entry: an exact host, or with
// suffix set, a domain and all its subdomains (Django's ".example.com").
type hostPattern struct {
	host   string
	suffix bool
}

func parseHostPattern(entry string) (hostPattern, error) {
	switch {
	case entry == "*":
		return hostPattern{}, errors.New(`"*" would allow every host; leave AllowedHosts empty instead`)
	case strings.Contains(entry, "://"):
		return hostPattern{}, errors.New("must be a host name without scheme")
	}
	p := hostPattern{host: entry}
	if strings.HasPrefix(entry, ".") {
		p = hostPattern{host: entry[1:], suffix: true}
	}
	host, port, err := splitHostPort(p.host)
	if err != nil {
		return hostPattern{}, err
	}
	if port != "" {
		return hostPattern{}, errors.New("must not include a port (any port is accepted)")
	}
	p.host = host
	return p, nil
}

func (p hostPattern) matches(host string) bool {
	if host == p.host {
		return true
	}
	n := len(host) - len(p.host)
	return p.suffix && n > 1 && host[n-1] == '.' && host[n:] == p.host
}
