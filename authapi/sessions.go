package authapi

import (
	"errors"
	"net/http"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/rest"
	"github.com/sessionauth/sessionauth/session"
)

// listSessions is GET /api/auth/sessions: the caller's live sessions under their public ids (never
// the cookie value or the store key), the caller's own marked current.
func (h *Handler) listSessions(w http.ResponseWriter, r *http.Request) error {
	current, err := session.From(r).PublicID()
	if err != nil {
		return failure(err)
	}
	list, err := h.Auth.UserSessions(r.Context(), rest.User(r).ID, current)
	if err != nil {
		return failure(err)
	}
	return rest.JSON(w, http.StatusOK, list)
}

// revokeSession is DELETE /api/auth/sessions/{id}. Revoking the caller's own session is a logout, so
// that the cookie goes too; any id that is not one of the caller's sessions is 404.
func (h *Handler) revokeSession(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	current, err := session.From(r).PublicID()
	if err != nil {
		return failure(err)
	}
	if current != "" && id == current {
		return h.logout(w, r)
	}
	err = h.Auth.RevokeSession(r.Context(), rest.User(r).ID, id)
	if errors.Is(err, auth.ErrSessionNotFound) {
		return rest.NotFound()
	}
	if err != nil {
		return failure(err)
	}
	return rest.NoContent(w)
}

// revokeOthers is POST /api/auth/sessions/revoke-others: "sign out everywhere else".
func (h *Handler) revokeOthers(w http.ResponseWriter, r *http.Request) error {
	n, err := h.Auth.RevokeOtherSessions(r, rest.User(r))
	if errors.Is(err, auth.ErrSessionNotFound) {
		return rest.NotFound() // the caller's own session vanished meanwhile
	}
	if err != nil {
		return failure(err)
	}
	return rest.JSON(w, http.StatusOK, struct {
		Revoked int `json:"revoked"`
	}{n})
}
