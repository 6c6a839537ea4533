package csrf

import (
	"crypto/subtle"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
)

// Check verifies r against cross-site request forgery. It returns nil for
// safe methods (GET, HEAD, OPTIONS, TRACE, spelled exactly so) and for
// accepted unsafe requests, and a *Failure otherwise. Every other method,
// including unknown and lower-case ones, is unsafe.
//
// The checks run in this order and the first failure is returned:
//
//  1. Sec-Fetch-Site: cross-site is rejected.
//  2. If AllowedHosts is set, r.Host must be one of them.
//  3. An Origin header, if present, must be this server's origin
//     (scheme from IsSecure, host from r.Host) or a trusted origin.
//  4. Without an Origin header, an HTTPS request needs an https Referer
//     from this server or a trusted origin.
//  5. The CSRF cookie must hold a well-formed secret.
//  6. The token from the form field (POSTed forms only) or else the header
//     must be present, well formed, and stand for the cookie's secret.
//
// For a POSTed form Check parses the body with r.PostFormValue, which
// leaves the values in r.PostForm for the handler; to bound the body, wrap
// r.Body in http.MaxBytesReader before calling Check. It never reads the
// token from the URL query. Failures are logged (see Policy.Logger).
func (p *Policy) Check(r *http.Request) error {
	if isSafeMethod(r.Method) {
		return nil
	}
	c := p.config()
	f := c.check(r)
	if f == nil {
		return nil
	}
	c.logFailure(r, f)
	if p.OnFailure != nil {
		p.OnFailure(r, f)
	}
	return f
}

func isSafeMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

func (c *config) check(r *http.Request) *Failure {
	if c.err != nil {
		return &Failure{Reason: reasonMisconfigured}
	}
	// Fetch Metadata is the browser's own statement of where the request
	// comes from and cannot be set by page scripts, so it is checked first.
	// Only "cross-site" is decisive; other and unknown values fall through
	// to the checks below (same-site siblings still need a trusted Origin).
	for _, v := range r.Header["Sec-Fetch-Site"] {
		if strings.EqualFold(strings.TrimSpace(v), "cross-site") {
			return &Failure{Reason: reasonCrossSite}
		}
	}
	if len(c.allowedHosts) > 0 && !c.hostAllowed(r.Host) {
		return &Failure{Reason: prefixHost + display(r.Host) + suffixBadHost}
	}

	secure := c.isSecure(r)
	if vals, ok := r.Header["Origin"]; ok {
		// Browsers send one Origin; several are ambiguous and rejected.
		if len(vals) != 1 || !c.originAllowed(vals[0], r.Host, secure) {
			v := ""
			if len(vals) > 0 {
				v = vals[0]
			}
			return &Failure{Reason: prefixOrigin + display(v) + suffixNoMatch}
		}
	} else if secure {
		// Without Origin, the Referer is the only evidence of the sender.
		// On HTTPS, Referer is reliable enough to require (as Django does);
		// on HTTP it is not checked, since the token alone must suffice.
		if f := c.checkReferer(r); f != nil {
			return f
		}
	}
	return c.checkToken(r)
}

func (c *config) hostAllowed(hostport string) bool {
	host, _, err := splitHostPort(hostport)
	if err != nil {
		return false
	}
	for _, p := range c.allowedHosts {
		if p.matches(host) {
			return true
		}
	}
	return false
}

func schemeOf(secure bool) string {
	if secure {
		return "https"
	}
	return "http"
}

// originAllowed reports whether the Origin value is this server's origin
// or a trusted one. "null" and malformed values fail to parse and are
// rejected.
func (c *config) originAllowed(value, host string, secure bool) bool {
	o, err := parseOrigin(value)
	if err != nil {
		return false
	}
	return c.sameOrTrusted(o, host, secure)
}

func (c *config) sameOrTrusted(o origin, host string, secure bool) bool {
	if self, err := hostOrigin(schemeOf(secure), host); err == nil && o == self {
		return true
	}
	return c.trusted.allows(o)
}

// checkReferer applies Django 4.x's HTTPS Referer rules. The Referer's
// origin (always https here) is matched exactly like an Origin header.
func (c *config) checkReferer(r *http.Request) *Failure {
	vals, ok := r.Header["Referer"]
	if !ok || len(vals) == 0 {
		return &Failure{Reason: reasonNoReferer}
	}
	if len(vals) > 1 {
		return &Failure{Reason: reasonMalformedReferer}
	}
	ref := vals[0]
	u, err := url.Parse(ref)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return &Failure{Reason: reasonMalformedReferer}
	}
	// Go lower-cases the scheme while parsing.
	if u.Scheme != "https" {
		return &Failure{Reason: reasonInsecureReferer}
	}
	// Browsers never put credentials in a Referer; Django's netloc
	// comparison rejects them too.
	if o, err := hostOrigin("https", u.Host); err == nil && u.User == nil && c.sameOrTrusted(o, r.Host, true) {
		return nil
	}
	return &Failure{Reason: prefixReferer + display(ref) + suffixNoMatch}
}

func (c *config) checkToken(r *http.Request) *Failure {
	cookie, err := r.Cookie(c.cookieName)
	if err != nil {
		return &Failure{Reason: reasonNoCookie}
	}
	var secret [SecretLength]byte
	if err := unmaskInto(&secret, cookie.Value); err != nil {
		return &Failure{Reason: prefixCookie + err.Error() + "."}
	}

	token, source := c.requestToken(r)
	if token == "" {
		return &Failure{Reason: reasonTokenMissing}
	}
	var got [SecretLength]byte
	if err := unmaskInto(&got, token); err != nil {
		return &Failure{Reason: prefixToken + source + " " + err.Error() + "."}
	}
	if subtle.ConstantTimeCompare(got[:], secret[:]) != 1 {
		return &Failure{Reason: prefixToken + source + suffixWrong}
	}
	return nil
}

// requestToken returns the token the client sent and where it came from:
// the form field of a POSTed HTML form, or else the header. A non-empty
// form field is final; a correct header does not rescue a wrong field.
func (c *config) requestToken(r *http.Request) (token, source string) {
	if r.Method == http.MethodPost && isFormContentType(r.Header.Get("Content-Type")) {
		// PostFormValue parses the body once and keeps r.PostForm for the
		// handler. Unreadable bodies leave the field empty, so the header
		// decides, as in Django.
		if r.PostFormValue(c.fieldName) != "" {
			return single(r.PostForm[c.fieldName]), "POST"
		}
	}
	return single(r.Header[c.headerKey]), c.headerSource
}

// single returns the one value of a field or header. Repeated identical
// values are harmless (a template including the token twice); different
// values are ambiguous and are joined with commas, as a proxy joins repeated
// headers, which makes the value malformed and so rejected.
func single(vals []string) string {
	switch len(vals) {
	case 0:
		return ""
	case 1:
		return vals[0]
	}
	for _, v := range vals[1:] {
		if v != vals[0] {
			return strings.Join(vals, ",")
		}
	}
	return vals[0]
}

// isFormContentType reports whether ct is one of the two content types
// whose body Django parses into request.POST.
func isFormContentType(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.TrimSpace(mt)
	return strings.EqualFold(mt, "application/x-www-form-urlencoded") ||
		strings.EqualFold(mt, "multipart/form-data")
}

func (c *config) logFailure(r *http.Request, f *Failure) {
	l := c.log()
	ctx := r.Context()
	if c.err != nil {
		l.LogAttrs(ctx, slog.LevelError, "csrf: policy is invalid, rejecting unsafe requests",
			slog.String("error", c.err.Error()))
	}
	if !l.Enabled(ctx, slog.LevelWarn) {
		return
	}
	l.LogAttrs(ctx, slog.LevelWarn, "csrf: request rejected",
		slog.String("code", f.Code()),
		slog.String("reason", f.Reason),
		slog.String("method", r.Method),
		slog.String("path", display(r.URL.Path)),
	)
}
