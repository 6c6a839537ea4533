// Package csrf protects cookie-authenticated requests against cross-site
// request forgery, compatibly with Django's CSRF middleware (4.1 and
// later) and Django REST framework's SessionAuthentication.
//
// # Tokens
//
// A client holds a 32-character secret of [a-zA-Z0-9] in the "csrftoken"
// cookie. Pages and API endpoints hand out 64-character tokens made of a
// random 32-character mask followed by the secret enciphered with it
// (character positions added modulo 62, in Django's alphabet order
// "a…zA…Z0…9"). Every call to Policy.Token uses a new mask, so a token never
// repeats in compressed responses (BREACH). A request carries a token in the
// "csrfmiddlewaretoken" form field of a POSTed form, or in the
// "X-CSRFToken" header; both forms, 64-character masked and 32-character
// raw, are accepted, as is a 64-character masked cookie written by Django
// 4.0 or earlier. Tokens and cookies are therefore interchangeable with a
// Django site sharing the same cookie. Comparison is on the unmasked
// secrets, in constant time, and empty or malformed values never match.
//
// # Checks
//
// Policy.Check accepts safe methods (GET, HEAD, OPTIONS, TRACE) without
// looking further; for any other method it applies, in order:
//
//  1. Sec-Fetch-Site: a request the browser labels "cross-site" is
//     rejected, whatever else it carries.
//  2. Host: only when Policy.AllowedHosts is set.
//  3. Origin: when present, it must be this server's origin (the scheme
//     from Policy.IsSecure, the host from r.Host, default ports and case
//     normalised) or one of Policy.TrustedOrigins. "null" and malformed
//     values are rejected.
//  4. Referer: on HTTPS requests without Origin, the Referer must exist, be
//     an https URL, and come from this server or a trusted origin.
//  5. Cookie: the secret must be present and well formed.
//  6. Token: from the form field, else the header; present, well formed and
//     matching the secret.
//
// Reasons are Django 4.x's texts ("CSRF cookie not set.", "CSRF token from
// the 'X-Csrftoken' HTTP header incorrect.", …), so a DRF-style API can
// answer {"detail": "CSRF Failed: <reason>"} exactly as DRF does.
//
// Where this package is stricter than Django:
//
//   - Sec-Fetch-Site is checked (Django ignores it).
//   - Origin matching ignores case and default ports but otherwise demands
//     an exact origin; trusted origins must be full origins, and "*", bare
//     hosts and paths are configuration errors that make every unsafe
//     request fail rather than silently trusting too much.
//   - A Referer is matched on its whole origin (https, host and port),
//     not on its host alone: a trusted "http://…" entry never vouches for a
//     Referer, and CookieDomain does not widen the accepted Referers.
//   - Several Origin headers, or different repeated token values, are
//     rejected as ambiguous.
//
// The check decides "HTTPS" with Policy.IsSecure (default r.TLS != nil) and
// never with r.URL.Scheme, which is empty on server requests; relying on it
// silently disabled the Origin/Referer checks of two Go libraries.
//
// # Using it
//
// Protect wraps HTML form handlers: unsafe requests that fail Check get the
// ErrorHandler (403 by default). API code (a DRF-style session
// authenticator) calls Check itself, only for requests authenticated by the
// session cookie, and turns the Failure into its own error response. Pages
// and a "GET csrf" endpoint call Token; login calls Rotate.
package csrf
