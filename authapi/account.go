package authapi

import (
	"net/http"

	"github.com/sessionauth/sessionauth/rest"
)

// me is GET /api/auth/me: the authenticated caller, by any of the API's authenticators.
func (h *Handler) me(w http.ResponseWriter, r *http.Request) error {
	return rest.JSON(w, http.StatusOK, newUserJSON(rest.User(r)))
}

// changePassword is POST /api/auth/password. auth.Manager.ChangePassword checks the old password
// (throttled like a login), keeps this session under a new key and ends every other session.
func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request) error {
	in, err := rest.Parse(r)
	if err != nil {
		return err
	}
	oldPassword := in.String("old_password", rest.Required|rest.NoTrim)
	newPassword := in.String("new_password", rest.Required|rest.NoTrim)
	if err := in.Err(); err != nil {
		return err
	}
	if err := h.Auth.ChangePassword(w, r, rest.User(r), oldPassword, newPassword); err != nil {
		return failure(err)
	}
	return rest.NoContent(w)
}
