package rest

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/csrf"
)

// Authenticator is one authentication scheme: DRF's authentication class.
//
// Authenticate returns the user and the credentials object (DRF's request.auth, e.g. the *auth.Token
// for Token authentication), or (nil, nil, nil) when the request does not use this scheme, in which
// case the next authenticator is tried. An error stops authentication: an *Error from
// AuthenticationFailed for wrong credentials, PermissionDenied for a CSRF failure, anything else for a
// failure to check (a store that is down), which is answered 503 — never treated as anonymous.
type Authenticator interface {
	// Authenticate returns the caller's user and credentials, or (nil, nil, nil) when r does not use
	// this scheme.
	Authenticate(r *http.Request) (*auth.User, any, error)
}

// AuthenticatorFunc adapts a function to the Authenticator interface.
type AuthenticatorFunc func(r *http.Request) (*auth.User, any, error)

// Authenticate calls f(r).
func (f AuthenticatorFunc) Authenticate(r *http.Request) (*auth.User, any, error) { return f(r) }

// Challenger is implemented by authenticators whose scheme has a WWW-Authenticate challenge. When the
// first authenticator of a view has one, unauthenticated requests get 401 with that header; otherwise
// 403 (DRF's authenticate_header rule).
type Challenger interface {
	// Challenge returns the WWW-Authenticate value for r, such as `Basic realm="api"`.
	Challenge(r *http.Request) string
}

// SessionAuthentication authenticates with the session cookie (DRF's SessionAuthentication): the
// session's user, if active and still matching its session auth hash. Unsafe requests it
// authenticates must pass the CSRF check; requests it does not authenticate are not checked (another
// scheme, or anonymous access, applies). It has no challenge, so failures are 403.
type SessionAuthentication struct {
	// Auth finds the session's user; required.
	Auth *auth.Manager
	// CSRF is the policy to enforce; nil means Auth.CSRF, and if that is nil too a zero csrf.Policy.
	CSRF *csrf.Policy
}

var defaultCSRF = &csrf.Policy{}

// Authenticate implements Authenticator.
func (a *SessionAuthentication) Authenticate(r *http.Request) (*auth.User, any, error) {
	u, err := a.Auth.SessionUser(r)
	if err != nil || u == nil {
		return nil, nil, err
	}
	p := a.CSRF
	if p == nil {
		p = a.Auth.CSRF
	}
	if p == nil {
		p = defaultCSRF
	}
	if err := p.Check(r); err != nil {
		var f *csrf.Failure
		if errors.As(err, &f) {
			return nil, nil, PermissionDenied("CSRF Failed: " + f.Reason)
		}
		return nil, nil, err
	}
	return u, nil, nil
}

// BasicAuthentication authenticates with HTTP Basic credentials (DRF's BasicAuthentication), through
// auth.Manager.Authenticate, so attempts are throttled and cost the same for unknown users.
type BasicAuthentication struct {
	Auth  *auth.Manager // checks the credentials; required
	Realm string        // default "api"
}

// Challenge implements Challenger: Basic realm="api".
func (a *BasicAuthentication) Challenge(*http.Request) string {
	realm := a.Realm
	if realm == "" {
		realm = "api"
	}
	return `Basic realm="` + realm + `"`
}

// Authenticate implements Authenticator.
func (a *BasicAuthentication) Authenticate(r *http.Request) (*auth.User, any, error) {
	parts := splitHeader(r.Header.Get("Authorization"))
	if len(parts) == 0 || !strings.EqualFold(parts[0], "basic") {
		return nil, nil, nil
	}
	switch {
	case len(parts) == 1:
		return nil, nil, AuthenticationFailed("Invalid basic header. No credentials provided.")
	case len(parts) > 2:
		return nil, nil, AuthenticationFailed("Invalid basic header. Credentials string should not contain spaces.")
	}
	username, password, ok := decodeBasic(parts[1])
	if !ok {
		return nil, nil, AuthenticationFailed("Invalid basic header. Credentials not correctly base64 encoded.")
	}
	u, err := a.Auth.Authenticate(r.Context(), username, password, a.Auth.ClientAddress(r))
	var throttled *auth.ThrottledError
	switch {
	case errors.Is(err, auth.ErrInvalidCredentials):
		return nil, nil, AuthenticationFailed("Invalid username/password.")
	case errors.As(err, &throttled):
		return nil, nil, Throttled(throttled.Wait)
	case err != nil:
		return nil, nil, err
	}
	return u, nil, nil
}

// decodeBasic decodes the credentials as DRF does: base64 that ignores characters outside the
// alphabet but insists on complete padding, then UTF-8 (Latin-1 if that fails), split at the first
// colon. Text without a colon is refused (DRF ≥ 3.15).
func decodeBasic(s string) (username, password string, ok bool) {
	data := make([]byte, 0, len(s))
	pad := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '+', c == '/':
			data = append(data, c)
		case c == '=':
			pad++
		}
	}
	switch len(data) % 4 {
	case 1:
		return "", "", false
	case 2:
		ok = pad >= 2
	case 3:
		ok = pad >= 1
	default:
		ok = true
	}
	if !ok {
		return "", "", false
	}
	raw, err := base64.RawStdEncoding.DecodeString(string(data))
	if err != nil {
		return "", "", false
	}
	text := string(raw)
	if !utf8.Valid(raw) {
		runes := make([]rune, len(raw))
		for i, b := range raw {
			runes[i] = rune(b) // Latin-1
		}
		text = string(runes)
	}
	username, password, ok = strings.Cut(text, ":")
	return username, password, ok
}

// TokenAuthentication authenticates with an API token in the Authorization header (DRF's
// TokenAuthentication): "Token <key>", or another keyword such as "Bearer". request.auth is the
// *auth.Token.
type TokenAuthentication struct {
	Auth    *auth.Manager // looks the token up in its Tokens store; required
	Keyword string        // default "Token"; compared case-insensitively
}

func (a *TokenAuthentication) keyword() string {
	if a.Keyword == "" {
		return "Token"
	}
	return a.Keyword
}

// Challenge implements Challenger: the keyword.
func (a *TokenAuthentication) Challenge(*http.Request) string { return a.keyword() }

// Authenticate implements Authenticator.
func (a *TokenAuthentication) Authenticate(r *http.Request) (*auth.User, any, error) {
	parts := splitHeader(r.Header.Get("Authorization"))
	if len(parts) == 0 || !strings.EqualFold(parts[0], a.keyword()) {
		return nil, nil, nil
	}
	switch {
	case len(parts) == 1:
		return nil, nil, AuthenticationFailed("Invalid token header. No credentials provided.")
	case len(parts) > 2:
		return nil, nil, AuthenticationFailed("Invalid token header. Token string should not contain spaces.")
	case !utf8.ValidString(parts[1]):
		return nil, nil, AuthenticationFailed("Invalid token header. Token string should not contain invalid characters.")
	}
	u, t, err := a.Auth.TokenUser(r.Context(), parts[1])
	switch {
	case errors.Is(err, auth.ErrTokenNotFound):
		return nil, nil, AuthenticationFailed("Invalid token.")
	case errors.Is(err, auth.ErrUserInactive):
		return nil, nil, AuthenticationFailed("User inactive or deleted.")
	case err != nil:
		return nil, nil, err
	}
	return u, t, nil
}

// splitHeader splits on runs of ASCII whitespace, as Python's bytes.split() does for DRF.
func splitHeader(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f'
	})
}
