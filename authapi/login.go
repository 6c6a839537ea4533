package authapi

import (
	"errors"
	"net/http"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/csrf"
	"github.com/sessionauth/sessionauth/rest"
	"github.com/sessionauth/sessionauth/session"
)

const msgLoginFailed = "Unable to log in with provided credentials."

// csrfToken is GET /api/auth/csrf: a masked token for the X-CSRFToken header, and the csrftoken cookie
// if the client has none yet.
func (h *Handler) csrfToken(w http.ResponseWriter, r *http.Request) error {
	tok, err := h.Auth.CSRF.Token(w, r)
	if err != nil {
		return failure(err)
	}
	return rest.JSON(w, http.StatusOK, struct {
		CSRFToken string `json:"csrfToken"`
	}{tok})
}

// login is POST /api/auth/login. The order matters: CSRF first, so that a cross-site request learns
// nothing (not even field errors) and creates nothing; then the fields; then the password check, whose
// every failure answers the same bytes so that the answer does not tell which accounts exist.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) error {
	if err := h.Auth.CSRF.Check(r); err != nil {
		var f *csrf.Failure
		if errors.As(err, &f) {
			return rest.PermissionDenied("CSRF Failed: " + f.Reason)
		}
		return failure(err)
	}
	in, err := rest.Parse(r)
	if err != nil {
		return err
	}
	username := in.String("username", rest.Required)
	password := in.String("password", rest.Required|rest.NoTrim)
	remember, hasRemember := in.Bool("remember"), in.Has("remember")
	if err := in.Err(); err != nil {
		return err
	}

	u, err := h.Auth.Authenticate(r.Context(), username, password, h.Auth.ClientAddress(r))
	if errors.Is(err, auth.ErrInvalidCredentials) {
		return &rest.Error{Status: http.StatusBadRequest, Detail: msgLoginFailed}
	}
	if err != nil {
		return failure(err) // *auth.ThrottledError stays a 429 with Retry-After
	}
	if err := h.Auth.Login(w, r, u); err != nil {
		return failure(err)
	}
	if hasRemember {
		if err := session.From(r).SetPersistent(remember); err != nil {
			return failure(err)
		}
	}
	return rest.JSON(w, http.StatusOK, struct {
		User userJSON `json:"user"`
	}{newUserJSON(u)})
}

// logout is POST /api/auth/logout. The session record is deleted before the response goes out (the
// session middleware turns a failed delete into a 503). A caller with no valid session gets 204 too,
// with any stale cookie deleted.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) error {
	if err := h.Auth.Logout(w, r); err != nil {
		return failure(err)
	}
	return rest.NoContent(w)
}
