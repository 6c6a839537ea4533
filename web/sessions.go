package web

import (
	"errors"
	"net/http"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/session"
)

// revokeSession serves POST /account/sessions/{id}/revoke: end one of the user's sessions, by its
// public id. Revoking the current session is signing out.
func (h *Handler) revokeSession(w http.ResponseWriter, r *http.Request) {
	u := h.signedIn(w, r)
	if u == nil {
		return
	}
	id := r.PathValue("id")
	current, err := session.From(r).PublicID()
	if err != nil {
		h.unavailable(w, r, err)
		return
	}
	if id == current {
		if err := h.Auth.Logout(w, r); err != nil {
			h.unavailable(w, r, err)
			return
		}
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	err = h.Auth.RevokeSession(r.Context(), u.ID, id)
	switch {
	case errors.Is(err, auth.ErrSessionNotFound):
		h.done(w, r, "That session had already ended.")
	case err != nil:
		h.unavailable(w, r, err)
	default:
		h.done(w, r, "The session was signed out.")
	}
}

// revokeOtherSessions serves POST /account/sessions/revoke-others.
func (h *Handler) revokeOtherSessions(w http.ResponseWriter, r *http.Request) {
	u := h.signedIn(w, r)
	if u == nil {
		return
	}
	n, err := h.Auth.RevokeOtherSessions(r, u)
	switch {
	case err != nil:
		h.unavailable(w, r, err)
	case n == 0:
		h.done(w, r, "There were no other sessions to sign out.")
	default:
		h.done(w, r, "Signed out of "+plural(n, "other session")+".")
	}
}
