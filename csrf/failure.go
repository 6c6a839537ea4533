package csrf

import (
	"strings"
	"unicode/utf8"
)

// Reason texts. Those shared with Django 4.x are verbatim, so clients and
// tests written against Django see the same messages; the Sec-Fetch-Site,
// host and misconfiguration texts are this package's own.
const (
	reasonCrossSite        = "Sec-Fetch-Site checking failed - cross-site request."
	reasonMisconfigured    = "CSRF checking failed - server misconfiguration."
	reasonNoReferer        = "Referer checking failed - no Referer."
	reasonMalformedReferer = "Referer checking failed - Referer is malformed."
	reasonInsecureReferer  = "Referer checking failed - Referer is insecure while host is secure."
	reasonNoCookie         = "CSRF cookie not set."
	reasonTokenMissing     = "CSRF token missing."

	prefixOrigin  = "Origin checking failed - "
	prefixReferer = "Referer checking failed - "
	prefixHost    = "Host checking failed - "
	prefixCookie  = "CSRF cookie "
	prefixToken   = "CSRF token from "
	suffixNoMatch = " does not match any trusted origins."
	suffixBadHost = " is not an allowed host."
	suffixWrong   = " incorrect."
)

// Failure is the error Check returns when it rejects a request.
//
// Reason is Django 4.x's reason text, for example "CSRF token missing." or
// "Origin checking failed - https://evil.example does not match any trusted
// origins.". It never contains a token or secret. A value taken from the
// request (an Origin or Referer) is included only after control characters
// are removed and its length is capped, so Reason is safe to log and to
// return in a JSON body (DRF answers {"detail": "CSRF Failed: <Reason>"}).
type Failure struct {
	Reason string // Django's reason text, sanitised as described above
}

// Error returns f.Reason.
func (f *Failure) Error() string { return f.Reason }

// Code returns a short, stable identifier of the kind of failure, meant for
// logs and metrics labels (Reason varies with the request):
//
//	cross_site        Sec-Fetch-Site: cross-site
//	bad_host          Host not in Policy.AllowedHosts
//	bad_origin        Origin header neither same-origin nor trusted
//	no_referer        HTTPS request without Origin or Referer
//	malformed_referer Referer that is not an absolute URL
//	insecure_referer  http:// Referer on an HTTPS request
//	bad_referer       Referer neither same-origin nor trusted
//	no_cookie         no CSRF cookie
//	bad_cookie        CSRF cookie of the wrong length or alphabet
//	token_missing     no token in the form field or header
//	bad_token_format  token of the wrong length or alphabet
//	bad_token         well-formed token for another secret
//	misconfigured     the Policy is invalid (see Policy.Validate)
//
// It returns "unknown" for a Failure this package did not create.
func (f *Failure) Code() string {
	r := f.Reason
	switch {
	case r == reasonCrossSite:
		return "cross_site"
	case r == reasonMisconfigured:
		return "misconfigured"
	case strings.HasPrefix(r, prefixHost):
		return "bad_host"
	case strings.HasPrefix(r, prefixOrigin):
		return "bad_origin"
	case r == reasonNoReferer:
		return "no_referer"
	case r == reasonMalformedReferer:
		return "malformed_referer"
	case r == reasonInsecureReferer:
		return "insecure_referer"
	case strings.HasPrefix(r, prefixReferer):
		return "bad_referer"
	case r == reasonNoCookie:
		return "no_cookie"
	case strings.HasPrefix(r, prefixCookie):
		return "bad_cookie"
	case r == reasonTokenMissing:
		return "token_missing"
	case strings.HasPrefix(r, prefixToken) && strings.HasSuffix(r, suffixWrong):
		return "bad_token"
	case strings.HasPrefix(r, prefixToken):
		return "bad_token_format"
	}
	return "unknown"
}

// maxDisplay caps how much of a request header a Reason repeats: enough to
// recognise a URL, not enough to flood a log line.
const maxDisplay = 200

// display makes a header value fit for a Reason: invalid UTF-8 becomes
// U+FFFD, control characters (C0, DEL, C1) are dropped so the value cannot
// forge log lines or terminal escapes, and it is cut at maxDisplay bytes on
// a character boundary, with "..." appended.
func display(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			clean = false
			break
		}
	}
	if clean && len(s) <= maxDisplay {
		return s
	}
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if r < 0x20 || (0x7f <= r && r < 0xa0) {
			continue
		}
		if b.Len()+utf8.RuneLen(r) > maxDisplay {
			b.WriteString("...")
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}
