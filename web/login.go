package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/session"
)

// Messages of the sign-in page. The failure text is Django's AuthenticationForm message, kept word for
// word; it is the same for every cause (unknown user, wrong password, inactive account).
const (
	msgInvalidLogin = "Please enter a correct username and password. Note that both fields may be case-sensitive."
	msgThrottled    = "Too many sign-in attempts. Please try again later."
)

// loginPage is the sign-in form.
type loginPage struct {
	layout
	Username string // as typed, kept after a failure; the password never is
	Next     string // a safe redirect target, or ""
	Remember bool
}

// loginForm serves GET /login.
func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	h.showLogin(w, r, http.StatusOK, loginPage{Next: safeNext(r.URL.Query().Get("next"))}, "")
}

// showLogin renders the form with status and an optional error message.
func (h *Handler) showLogin(w http.ResponseWriter, r *http.Request, status int, p loginPage, msg string) {
	p.layout = h.base("Sign in", nil)
	p.Error = msg
	if h.withToken(w, r, &p.layout) {
		h.render(w, r, status, "login", p)
	}
}

// login serves POST /login (the CSRF check has passed): authenticate, log in, redirect.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	username, pw := r.PostFormValue("username"), r.PostFormValue("password")
	p := loginPage{
		Username: username,
		Next:     safeNext(r.FormValue("next")), // the form field, else the query string, as Django
		Remember: r.PostFormValue("remember") != "",
	}
	if username == "" || pw == "" {
		h.showLogin(w, r, http.StatusOK, p, msgInvalidLogin)
		return
	}
	u, err := h.Auth.Authenticate(r.Context(), username, pw, h.Auth.ClientAddress(r))
	var throttled *auth.ThrottledError
	switch {
	case errors.As(err, &throttled):
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter(throttled.Wait)))
		h.showLogin(w, r, http.StatusTooManyRequests, p, throttledMessage(throttled.Wait))
		return
	case errors.Is(err, auth.ErrInvalidCredentials):
		h.showLogin(w, r, http.StatusOK, p, msgInvalidLogin)
		return
	case err != nil:
		h.unavailable(w, r, err)
		return
	}
	if err := h.Auth.Login(w, r, u); err != nil {
		h.unavailable(w, r, err)
		return
	}
	if err := session.From(r).SetPersistent(p.Remember); err != nil {
		h.unavailable(w, r, err)
		return
	}
	http.Redirect(w, r, redirectTarget(p.Next), http.StatusFound)
}

// logout serves POST /logout (the CSRF check has passed). The session record is deleted before the
// response goes out; if that fails the session middleware answers 503 instead of this redirect.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if err := h.Auth.Logout(w, r); err != nil {
		h.unavailable(w, r, err)
		return
	}
	http.Redirect(w, r, "/login", http.StatusFound)
}

// logoutMethodNotAllowed answers GET (and any other method but POST) on /logout: signing out by
// following a link would let any page sign the user out (Django 5 refuses it too).
func (h *Handler) logoutMethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", http.MethodPost)
	h.errorPage(w, r, http.StatusMethodNotAllowed)
}

// retryAfter is the Retry-After value for a wait: whole seconds, rounded up, at least 1.
func retryAfter(wait time.Duration) int {
	return max(1, int(math.Ceil(wait.Seconds())))
}

func throttledMessage(wait time.Duration) string {
	if wait <= 0 {
		return msgThrottled
	}
	n, unit := retryAfter(wait), "second"
	if n >= 120 {
		n, unit = (n+59)/60, "minute"
	}
	return fmt.Sprintf("Too many sign-in attempts. Please try again in %s.", plural(n, unit))
}
