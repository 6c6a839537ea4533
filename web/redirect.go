package web

import (
	"net/url"
	"strings"
)

// maxNextLength bounds the accepted length of a redirect target.
const maxNextLength = 2048

// safeNext returns next if it is a safe post-login redirect target, else "". Only same-site relative
// paths are accepted: next must start with a single "/" (not "//", not "/\"), carry no scheme, host or
// user information, and contain no backslash or control character (CR, LF, tab, ... which browsers
// strip or which could split a header) — neither as written nor after percent-decoding. This is
// stricter than Django's url_has_allowed_host_and_scheme, which also accepts absolute URLs to the same
// host; refusing them costs nothing here and leaves no host comparison to get wrong (CVE-2016-2512).
func safeNext(next string) string {
	if !safePath(next) {
		return ""
	}
	decoded, err := url.PathUnescape(next)
	if err != nil || !safePath(decoded) {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return ""
	}
	return next
}

// safePath checks the shape of a candidate target as the browser would read it.
func safePath(p string) bool {
	if p == "" || len(p) > maxNextLength || p[0] != '/' {
		return false
	}
	if len(p) > 1 && (p[1] == '/' || p[1] == '\\') {
		return false
	}
	if strings.ContainsRune(p, '\\') {
		return false
	}
	for _, c := range p {
		if c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\uFFFD' {
			return false
		}
	}
	return true
}

// redirectTarget returns where to send the user after login: next when safe, else "/".
func redirectTarget(next string) string {
	if s := safeNext(next); s != "" {
		return s
	}
	return "/"
}
