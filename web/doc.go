// Package web serves the server's HTML pages: sign-in and sign-out, a home page saying who is signed
// in, and an account page listing the user's sessions (with revocation), changing the password and
// managing API tokens. It is the HTML counterpart of Django's LoginView and LogoutView, on top of
// packages auth, session and csrf.
//
// Pages are rendered with html/template from templates embedded in the binary, with one embedded
// stylesheet and no script at all, so that a strict Content-Security-Policy ("default-src 'self'")
// holds. Every form carries the CSRF token, every POST is checked by the auth Manager's csrf.Policy
// (sign-in included, against login CSRF), and every page that depends on the session is sent with
// Cache-Control: no-store and headers that forbid framing and sniffing.
//
// After sign-in the user is sent to the "next" parameter only when it is a same-site relative path;
// anything else (absolute URLs, "//host", backslashes, control characters) goes to "/".
//
// A store that cannot answer gives a 503 page: a failure is never shown as "not signed in".
package web
