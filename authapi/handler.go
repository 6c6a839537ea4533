package authapi

import (
	"errors"
	"net/http"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/rest"
	"github.com/sessionauth/sessionauth/session"
)

// Handler serves the /api/auth/ endpoints. Configure it, then call Register once.
type Handler struct {
	// Auth is required, and Auth.CSRF must be set: login is CSRF-protected. The token endpoints are
	// registered only when Auth.Tokens is set.
	Auth *auth.Manager
	// API holds the project's defaults (throttles, body limit, logger). Its Authenticators serve the
	// endpoints open to any authenticated caller (/me); the account-management endpoints use session
	// authentication only. Nil means an API whose only authenticator is the session.
	API *rest.API
}

// Register adds the endpoints to mux. The mux must be served behind Auth.Sessions' Handler. Patterns
// carry no method, so that a wrong method reaches the view and gets DRF's 405 (JSON, with Allow)
// rather than the mux's plain-text one. It fails when Auth or Auth.CSRF is missing: a server must not
// start with an unprotected login.
func (h *Handler) Register(mux *http.ServeMux) error {
	if h.Auth == nil || h.Auth.CSRF == nil {
		return errors.New("authapi: Handler.Auth and Handler.Auth.CSRF are required")
	}
	sessionAuth := &rest.SessionAuthentication{Auth: h.Auth}
	api := h.API
	if api == nil {
		api = &rest.API{Authenticators: []rest.Authenticator{sessionAuth}}
	}
	handle := func(pattern string, fn rest.HandlerFunc, opts ...rest.Option) {
		mux.Handle(pattern, rest.NoStore(api.View(fn, opts...)))
	}
	anyone := rest.Authenticators()
	sessionOnly := rest.Authenticators(sessionAuth)
	authenticated := rest.Permissions(rest.IsAuthenticated)
	allowAny := rest.Permissions(rest.AllowAny)

	handle("/api/auth/csrf", h.csrfToken, rest.Methods("GET"), anyone, allowAny)
	handle("/api/auth/login", h.login, rest.Methods("POST"), anyone, allowAny)
	// Session authentication enforces CSRF for a logged-in caller; anyone else is "logged out" already.
	handle("/api/auth/logout", h.logout, rest.Methods("POST"), sessionOnly, allowAny)
	handle("/api/auth/me", h.me, rest.Methods("GET"), authenticated)
	handle("/api/auth/password", h.changePassword, rest.Methods("POST"), sessionOnly, authenticated)
	handle("/api/auth/sessions", h.listSessions, rest.Methods("GET"), sessionOnly, authenticated)
	handle("/api/auth/sessions/{id}", h.revokeSession, rest.Methods("DELETE"), sessionOnly, authenticated)
	handle("/api/auth/sessions/revoke-others", h.revokeOthers, rest.Methods("POST"), sessionOnly, authenticated)
	if h.Auth.Tokens != nil {
		handle("/api/auth/tokens", h.tokens, rest.Methods("GET", "POST"), sessionOnly, authenticated)
		handle("/api/auth/tokens/{id}", h.deleteToken, rest.Methods("DELETE"), sessionOnly, authenticated)
	}
	return nil
}

// failure passes on the errors rest already answers properly (API errors, field errors, throttling,
// an interrupted session) and turns anything else — a store or hasher that could not answer — into a
// 503, never a 500 page or a success.
func failure(err error) error {
	var apiErr *rest.Error
	var fields auth.FieldErrors
	var throttled *auth.ThrottledError
	switch {
	case errors.As(err, &apiErr), errors.As(err, &fields), errors.As(err, &throttled),
		errors.Is(err, session.ErrInterrupted):
		return err
	}
	return rest.Unavailable(err)
}
