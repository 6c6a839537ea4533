package session

import (
	"net/http"
	"strings"
	"time"
)

// Cookie describes the session cookie. The zero value gives Django's defaults: name "sessionid",
// Path "/", SameSite=Lax, HttpOnly. HttpOnly cannot be turned off: no script needs the session key.
type Cookie struct {
	Name     string        // default "sessionid"; a "__Host-" name requires Secure, Path "/" and no Domain
	Domain   string        // default none (host-only cookie)
	Path     string        // default "/"
	Secure   bool          // set when the site is served over HTTPS
	SameSite http.SameSite // default Lax; None requires Secure
}

func (c *Cookie) name() string {
	if c.Name == "" {
		return "sessionid"
	}
	return c.Name
}

func (c *Cookie) path() string {
	if c.Path == "" {
		return "/"
	}
	return c.Path
}

func (c *Cookie) sameSite() http.SameSite {
	if c.SameSite == 0 || c.SameSite == http.SameSiteDefaultMode {
		return http.SameSiteLaxMode
	}
	return c.SameSite
}

// header renders a Set-Cookie value. maxAge < 0 deletes the cookie, 0 makes a browser-session cookie.
func (c *Cookie) header(value string, maxAge time.Duration, now time.Time) string {
	hc := http.Cookie{
		Name:     c.name(),
		Value:    value,
		Domain:   c.Domain,
		Path:     c.path(),
		Secure:   c.Secure || c.sameSite() == http.SameSiteNoneMode || strings.HasPrefix(c.name(), "__Host-") || strings.HasPrefix(c.name(), "__Secure-"),
		HttpOnly: true,
		SameSite: c.sameSite(),
	}
	switch {
	case maxAge < 0:
		hc.MaxAge = -1 // renders as Max-Age=0
		hc.Expires = time.Unix(0, 0)
	case maxAge > 0:
		hc.MaxAge = int((maxAge + time.Second - 1) / time.Second)
		hc.Expires = now.Add(maxAge)
	}
	return hc.String()
}

// readCookie finds the cookie called name in the request's Cookie headers, splitting pairs on ';' only
// (RFC 6265), so a comma inside another cookie's value cannot smuggle in a session cookie. When the
// name occurs with different values (a cookie planted from a sibling domain next to the real one) the
// result is ambiguous and the caller must not trust either.
func readCookie(h http.Header, name string) (value string, found, ambiguous bool) {
	for _, line := range h["Cookie"] {
		for len(line) > 0 {
			var part string
			if i := strings.IndexByte(line, ';'); i >= 0 {
				part, line = line[:i], line[i+1:]
			} else {
				part, line = line, ""
			}
			part = strings.TrimSpace(part)
			if len(part) <= len(name) || part[len(name)] != '=' || part[:len(name)] != name {
				continue
			}
			v := part[len(name)+1:]
			if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			if found && v != value {
				ambiguous = true
			}
			value, found = v, true
		}
	}
	return value, found, ambiguous
}
