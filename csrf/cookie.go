package csrf

import (
	"net/http"
	"strings"
	"time"
)

// Token returns a freshly masked 64-character token for the client to send
// back in the form field or header, and makes sure the client holds the
// matching cookie.
//
// The secret is, in order of preference: the one a Set-Cookie header of
// this response already carries (Token or Rotate ran earlier in the same
// request), the request's cookie if it is well formed (32 characters, or 64
// as written by Django 4.0 and earlier), or a new one. Only in the last case
// is a cookie set (replacing any unusable CSRF Set-Cookie line, such as a
// deletion), so a response never carries two CSRF Set-Cookie lines and all
// tokens of one response unmask to the same secret. Token also adds
// "Vary: Cookie", since the body now depends on the cookie.
//
// Call it before the response header is written. It returns an error, and
// no token, if the Policy is invalid or the random source fails.
func (p *Policy) Token(w http.ResponseWriter, r *http.Request) (string, error) {
	c := p.config()
	if c.err != nil {
		return "", c.err
	}
	h := w.Header()
	secret, ok, pending := c.pendingSecret(h)
	if !ok && !pending {
		if ck, err := r.Cookie(c.cookieName); err == nil {
			secret, err = Unmask(ck.Value)
			ok = err == nil
		}
	}
	if !ok {
		var err error
		if secret, err = NewSecret(); err != nil {
			return "", err
		}
		// A pending line without a usable secret (say, another component
		// deleting the cookie) would orphan the token; replace it.
		c.removeCookie(h)
		if err := c.setCookie(h, secret); err != nil {
			return "", err
		}
	}
	addVary(h, "Cookie")
	return Mask(secret)
}

// Rotate gives the client a new secret, invalidating every token issued
// before. Call it when the user logs in, so that a token planted before
// login (login CSRF, session fixation) is useless afterwards; Django's
// login() does the same. A CSRF Set-Cookie already on the response is
// replaced; a later Token call in the same request uses the new secret.
//
// Call it before the response header is written.
func (p *Policy) Rotate(w http.ResponseWriter, r *http.Request) error {
	c := p.config()
	if c.err != nil {
		return c.err
	}
	secret, err := NewSecret()
	if err != nil {
		return err
	}
	h := w.Header()
	c.removeCookie(h)
	if err := c.setCookie(h, secret); err != nil {
		return err
	}
	addVary(h, "Cookie")
	return nil
}

// pendingSecret looks at the last CSRF Set-Cookie line already on the
// response: pending reports whether there is one, ok whether it holds a
// usable secret. http.Cookie serialises as "name=value; ...", so a prefix
// match finds the line.
func (c *config) pendingSecret(h http.Header) (secret string, ok, pending bool) {
	lines := h["Set-Cookie"]
	for i := len(lines) - 1; i >= 0; i-- {
		if v, found := c.cookieValue(lines[i]); found {
			s, err := Unmask(v)
			return s, err == nil, true
		}
	}
	return "", false, false
}

func (c *config) cookieValue(line string) (string, bool) {
	name := c.cookieName
	if len(line) <= len(name) || line[len(name)] != '=' || line[:len(name)] != name {
		return "", false
	}
	v, _, _ := strings.Cut(line[len(name)+1:], ";")
	return v, true
}

func (c *config) removeCookie(h http.Header) {
	lines := h["Set-Cookie"]
	kept := lines[:0]
	for _, l := range lines {
		if _, ok := c.cookieValue(l); !ok {
			kept = append(kept, l)
		}
	}
	if len(kept) == 0 {
		h.Del("Set-Cookie")
		return
	}
	h["Set-Cookie"] = kept
}

// setCookie adds the Set-Cookie line for secret, masked when the Policy asks for Django 4.0's form.
func (c *config) setCookie(h http.Header, secret string) error {
	value := secret
	if c.masked {
		var err error
		if value, err = Mask(secret); err != nil {
			return err
		}
	}
	ck := &http.Cookie{
		Name:     c.cookieName,
		Value:    value,
		Path:     c.cookiePath,
		Domain:   c.cookieDomain,
		Secure:   c.secure,
		HttpOnly: c.httpOnly,
		SameSite: c.sameSite,
	}
	if c.cookieAge > 0 {
		// Both attributes, like Django: Max-Age for current browsers,
		// Expires for old ones.
		ck.MaxAge = int(c.cookieAge / time.Second)
		ck.Expires = time.Now().Add(c.cookieAge)
	}
	h.Add("Set-Cookie", ck.String())
	return nil
}

// addVary adds value to the Vary header unless it is already listed.
func addVary(h http.Header, value string) {
	for _, line := range h["Vary"] {
		for _, v := range strings.Split(line, ",") {
			v = strings.TrimSpace(v)
			if v == "*" || strings.EqualFold(v, value) {
				return
			}
		}
	}
	h.Add("Vary", value)
}
