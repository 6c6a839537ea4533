package csrf

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Django's defaults (django/conf/global_settings.py).
const (
	defaultCookieName = "csrftoken"
	defaultCookieAge  = 52 * 7 * 24 * time.Hour // 31449600 s
	defaultCookiePath = "/"
	defaultHeaderName = "X-CSRFToken"
	defaultFieldName  = "csrfmiddlewaretoken"
)

// Policy holds the CSRF configuration. Its zero value is usable and gives
// Django's defaults; set fields before the first use and do not change them
// afterwards (the configuration is compiled once, on first use). A Policy is
// safe for concurrent use and must not be copied after first use.
type Policy struct {
	// CookieName is the cookie holding the secret. Default "csrftoken".
	CookieName string
	// CookieAge is the cookie's lifetime (Max-Age and Expires). Zero means
	// 52 weeks, Django's default; a negative value gives a cookie that
	// lasts until the browser closes (Django's CSRF_COOKIE_AGE = None).
	CookieAge time.Duration
	// CookieDomain is the cookie's Domain attribute; empty means host-only.
	CookieDomain string
	// CookiePath is the cookie's Path attribute. Default "/".
	CookiePath string
	// CookieSecure adds the Secure attribute. Set it when the site is
	// served over HTTPS only.
	CookieSecure bool
	// CookieHTTPOnly adds the HttpOnly attribute. Off by default, as in
	// Django: JavaScript clients read the cookie to fill the header. It adds
	// little protection, since a script able to read the cookie can read a
	// token from the page as well.
	CookieHTTPOnly bool
	// CookieSameSite is the SameSite attribute. The zero value means Lax;
	// http.SameSiteDefaultMode omits the attribute. SameSiteNoneMode
	// requires CookieSecure.
	CookieSameSite http.SameSite
	// MaskedCookie writes the cookie as a 64-character masked token, the
	// form Django 4.0 and earlier write, instead of the 32-character secret
	// Django 4.1 and later write. Both forms are always read. Set it when
	// the cookie is shared with such a Django project, which otherwise
	// rewrites the cookie in its own form on its next response.
	MaskedCookie bool

	// HeaderName is the request header carrying the token. Default
	// "X-CSRFToken" (matched case-insensitively, like every header).
	HeaderName string
	// FieldName is the form field carrying the token in POSTed HTML forms.
	// Default "csrfmiddlewaretoken".
	FieldName string

	// TrustedOrigins lists the other origins allowed to send unsafe
	// requests: full origins such as "https://example.com",
	// "http://localhost:3000", or "https://*.example.com" for a domain and
	// all its subdomains. Scheme and port must match exactly (default ports
	// may be written or omitted); host matching ignores case. Bare hosts,
	// "*", paths and trailing slashes are rejected by Validate.
	TrustedOrigins []string

	// AllowedHosts, when not empty, restricts the Host header of unsafe
	// requests, like Django's ALLOWED_HOSTS: exact host names or IP
	// addresses, or ".example.com" for a domain and its subdomains; ports
	// are ignored. The Origin and Referer checks compare against r.Host, so
	// unless something in front of the handler already validates Host, set
	// this to keep a forged Host (DNS rebinding) from defining "same
	// origin". Empty means every Host is accepted.
	AllowedHosts []string

	// IsSecure reports whether the request reached the site over HTTPS; it
	// decides the scheme of the expected origin and whether the Referer is
	// checked. The default is r.TLS != nil. Behind a TLS-terminating proxy,
	// supply a function that trusts the proxy's header only when the
	// connection comes from the proxy. r.URL.Scheme is never used: it is
	// empty on server requests, and relying on it disabled the checks of
	// gorilla/csrf and nosurf (CVE-2025-24358, CVE-2025-46721).
	IsSecure func(*http.Request) bool

	// ErrorHandler answers requests that Protect rejects. It can read the
	// Failure with FailureFromContext(r.Context()). The default answers 403
	// with a short HTML page that does not disclose the reason.
	ErrorHandler http.Handler

	// Logger receives one Warn record per rejected request, with the
	// failure code and reason, method and path, and never a token or
	// secret. Nil means slog.Default() at the time of logging.
	Logger *slog.Logger

	// OnFailure, when set, is called for every request Check rejects (after logging), for example to
	// count failures in metrics. It must be safe for concurrent use.
	OnFailure func(r *http.Request, f *Failure)

	once sync.Once
	cfg  *config
}

// config is a Policy with defaults applied and lists parsed; it is built
// once so that Check does no parsing or allocation for configuration.
type config struct {
	err error // from validation; Check and Token fail closed while set

	cookieName   string
	cookieAge    time.Duration
	cookiePath   string
	cookieDomain string
	secure       bool
	httpOnly     bool
	sameSite     http.SameSite
	masked       bool

	headerKey    string // canonical form of HeaderName, as keys of http.Header
	headerSource string // "the 'X-Csrftoken' HTTP header", for reasons
	fieldName    string

	trusted      trustList
	allowedHosts []hostPattern

	isSecure     func(*http.Request) bool
	errorHandler http.Handler
	logger       *slog.Logger
}

func (p *Policy) config() *config {
	p.once.Do(func() { p.cfg = p.compile() })
	return p.cfg
}

// Validate reports every problem in the configuration, joined in one error,
// or nil. Check and Protect reject all unsafe requests, and Token and
// Rotate return this error, for as long as it is not nil, so an invalid
// list of trusted origins cannot silently weaken the protection. Call it at
// startup to fail fast.
func (p *Policy) Validate() error {
	return p.config().err
}

func (p *Policy) compile() *config {
	c := &config{
		cookieName:   orDefault(p.CookieName, defaultCookieName),
		cookieAge:    p.CookieAge,
		cookiePath:   orDefault(p.CookiePath, defaultCookiePath),
		cookieDomain: p.CookieDomain,
		secure:       p.CookieSecure,
		httpOnly:     p.CookieHTTPOnly,
		sameSite:     p.CookieSameSite,
		masked:       p.MaskedCookie,
		fieldName:    orDefault(p.FieldName, defaultFieldName),
		isSecure:     p.IsSecure,
		errorHandler: p.ErrorHandler,
		logger:       p.Logger,
	}
	if c.cookieAge == 0 {
		c.cookieAge = defaultCookieAge
	}
	if c.sameSite == 0 {
		c.sameSite = http.SameSiteLaxMode
	}
	if c.isSecure == nil {
		c.isSecure = func(r *http.Request) bool { return r.TLS != nil }
	}
	if c.errorHandler == nil {
		c.errorHandler = http.HandlerFunc(defaultErrorHandler)
	}
	header := orDefault(p.HeaderName, defaultHeaderName)
	c.headerKey = http.CanonicalHeaderKey(header)
	// Django names the header as its HttpHeaders class spells it, which is
	// also Go's canonical form: "X-CSRFToken" becomes 'X-Csrftoken'.
	c.headerSource = "the '" + c.headerKey + "' HTTP header"

	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("csrf: "+format, args...))
	}
	for i, o := range p.TrustedOrigins {
		if err := c.trusted.add(o); err != nil {
			bad("TrustedOrigins[%d] %q: %v", i, o, err)
		}
	}
	for i, h := range p.AllowedHosts {
		hp, err := parseHostPattern(h)
		if err != nil {
			bad("AllowedHosts[%d] %q: %v", i, h, err)
			continue
		}
		c.allowedHosts = append(c.allowedHosts, hp)
	}
	if !isToken(c.cookieName) {
		bad("CookieName %q is not a valid cookie name", c.cookieName)
	}
	if !isToken(header) {
		bad("HeaderName %q is not a valid header name", header)
	}
	if c.cookieAge > 0 && c.cookieAge < time.Second {
		bad("CookieAge %v is shorter than a second; use a negative value for a browser-session cookie", c.cookieAge)
	}
	if !strings.HasPrefix(c.cookiePath, "/") || strings.ContainsFunc(c.cookiePath, func(r rune) bool {
		return r < 0x21 || r >= 0x7f || r == ';'
	}) {
		bad("CookiePath %q must start with / and contain no spaces, controls or ';'", c.cookiePath)
	}
	if d := c.cookieDomain; d != "" && !validHostname(strings.TrimPrefix(d, ".")) {
		bad("CookieDomain %q is not a valid domain", d)
	}
	if c.sameSite == http.SameSiteNoneMode && !c.secure {
		bad("CookieSameSite None requires CookieSecure (browsers drop such cookies otherwise)")
	}
	c.err = errors.Join(errs...)
	return c
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// isToken reports whether s is an RFC 9110 token, the syntax of both
// header and cookie names.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAlpha(c) || isDigit(c) {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

// log returns the configured logger, or the default one at call time
// so that a later slog.SetDefault is honoured.
func (c *config) log() *slog.Logger {
	if c.logger != nil {
		return c.logger
	}
	return slog.Default()
}
