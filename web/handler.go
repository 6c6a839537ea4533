package web

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/session"
)

// maxFormBytes bounds the body of every form POST (the forms here are a few short fields).
const maxFormBytes = 64 << 10

// Handler serves the HTML pages. Configure it, then call Register once.
type Handler struct {
	// Auth authenticates users and manages their sessions and tokens. Required, with its Sessions
	// (the session.Manager) and CSRF (the policy checking every form POST) set.
	Auth *auth.Manager
	// Logger receives store and rendering failures; nil means slog.Default().
	Logger *slog.Logger
}

// Register adds the pages to mux:
//
//	GET  /login                          sign-in form (?next=/path)
//	POST /login                          sign in, then 302 to next (same-site paths only) or "/"
//	POST /logout                         sign out, then 302 to /login (any other method: 405)
//	GET  /                               who is signed in
//	GET  /account                        sessions, password change, API tokens
//	POST /account/sessions/{id}/revoke   end one of the user's other sessions
//	POST /account/sessions/revoke-others end every other session
//	POST /account/password               change the password
//	POST /account/tokens                 create an API token and show its key once
//	POST /account/tokens/{id}/revoke     delete an API token
//	GET  /static/style.css               the stylesheet
//
// Requests that did not pass through Auth.Sessions' middleware get it here, so mux may be served
// either way. Register fails if Auth, Auth.Sessions or Auth.CSRF is missing.
func (h *Handler) Register(mux *http.ServeMux) error {
	switch {
	case h.Auth == nil:
		return errors.New("web: Handler.Auth is required")
	case h.Auth.Sessions == nil:
		return errors.New("web: Handler.Auth.Sessions is required")
	case h.Auth.CSRF == nil:
		return errors.New("web: Handler.Auth.CSRF is required")
	}
	mux.Handle("GET /static/style.css", http.HandlerFunc(serveCSS))

	mux.Handle("GET /login", h.page(h.loginForm))
	mux.Handle("POST /login", h.action(h.login))
	mux.Handle("POST /logout", h.action(h.logout))
	mux.Handle("/logout", h.page(h.logoutMethodNotAllowed))
	mux.Handle("GET /{$}", h.page(h.home))

	mux.Handle("GET /account", h.page(h.account))
	mux.Handle("POST /account/sessions/{id}/revoke", h.action(h.revokeSession))
	mux.Handle("POST /account/sessions/revoke-others", h.action(h.revokeOtherSessions))
	mux.Handle("POST /account/password", h.action(h.changePassword))
	mux.Handle("POST /account/tokens", h.action(h.createToken))
	mux.Handle("POST /account/tokens/{id}/revoke", h.action(h.revokeToken))
	return nil
}

// page wraps a handler of a page: security headers, then the session.
func (h *Handler) page(f http.HandlerFunc) http.Handler {
	return secured(h.withSession(f))
}

// action wraps a form POST handler: security headers, the session, a bounded body, the CSRF check.
func (h *Handler) action(f http.HandlerFunc) http.Handler {
	protected := h.Auth.CSRF.Protect(f)
	return secured(h.withSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		protected.ServeHTTP(w, r)
	})))
}

// withSession runs next inside the session middleware unless the request already has a session.
func (h *Handler) withSession(next http.Handler) http.Handler {
	wrapped := h.Auth.Sessions.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if session.From(r) != nil {
			next.ServeHTTP(w, r)
			return
		}
		wrapped.ServeHTTP(w, r)
	})
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

// base returns the layout of a page: its title, the stylesheet, the name of the CSRF form field.
func (h *Handler) base(title string, u *auth.User) layout {
	field := h.Auth.CSRF.FieldName
	if field == "" {
		field = "csrfmiddlewaretoken"
	}
	return layout{Title: title, User: u, CSRFField: field, CSS: cssURL}
}

// withToken fills l.CSRFToken (setting the CSRF cookie if the client has none). On failure it has
// answered with an error page and returns false.
func (h *Handler) withToken(w http.ResponseWriter, r *http.Request, l *layout) bool {
	tok, err := h.Auth.CSRF.Token(w, r)
	if err != nil {
		h.logger().Error("web: no CSRF token", "path", r.URL.Path, "error", err)
		h.errorPage(w, r, http.StatusInternalServerError)
		return false
	}
	l.CSRFToken = tok
	return true
}

// signedIn returns the session's user. An anonymous request is sent to the sign-in page (302 for a
// GET, 303 after a POST) with next=/account; a store failure gets the 503 page. In both cases it
// returns nil and the response is written.
func (h *Handler) signedIn(w http.ResponseWriter, r *http.Request) *auth.User {
	u, err := h.Auth.SessionUser(r)
	if err != nil {
		h.unavailable(w, r, err)
		return nil
	}
	if u == nil {
		code := http.StatusFound
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			code = http.StatusSeeOther
		}
		http.Redirect(w, r, "/login?next="+url.QueryEscape("/account"), code)
		return nil
	}
	return u
}

// unavailable answers 503 for a store (or hasher) that could not answer, never as if the user were
// anonymous, and logs the cause (which the page does not show).
func (h *Handler) unavailable(w http.ResponseWriter, r *http.Request, err error) {
	h.logger().Error("web: store unavailable", "method", r.Method, "path", r.URL.Path, "error", err)
	w.Header().Set("Retry-After", "5")
	h.errorPage(w, r, http.StatusServiceUnavailable)
}

// errorPage answers with the error page for status.
func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, status int) {
	page := errorPage{layout: h.base(http.StatusText(status), nil), Message: statusMessages[status]}
	h.render(w, r, status, "error", page)
}

// errorPage is the page of a failed request.
type errorPage struct {
	layout
	Message string
}

var statusMessages = map[int]string{
	http.StatusNotFound:            "There is nothing here.",
	http.StatusMethodNotAllowed:    "Sign out with the “Sign out” button: it sends a form that a link or another site cannot forge.",
	http.StatusInternalServerError: "Something went wrong on our side. Please try again.",
	http.StatusServiceUnavailable:  "The service is temporarily unavailable. Please try again in a moment.",
}
