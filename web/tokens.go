package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/sessionauth/sessionauth/auth"
)

// createToken serves POST /account/tokens. The new key is shown in this response only: the page is
// rendered directly (200, no-store), never through a redirect or a URL, and only a hash is stored.
func (h *Handler) createToken(w http.ResponseWriter, r *http.Request) {
	u := h.signedIn(w, r)
	if u == nil {
		return
	}
	if h.Auth.Tokens == nil {
		h.errorPage(w, r, http.StatusNotFound)
		return
	}
	name := r.PostFormValue("name")
	key, tok, err := h.Auth.CreateToken(r.Context(), u.ID, name)
	var fe auth.FieldErrors
	switch {
	case errors.As(err, &fe):
		h.showAccount(w, r, u, http.StatusOK, accountPage{TokenName: name, TokenErrors: fe["name"]})
	case err != nil:
		h.unavailable(w, r, err)
	default:
		p := accountPage{NewToken: &newToken{Name: tok.Name, Key: key}}
		p.Flash = "Token “" + tok.Name + "” created."
		h.showAccount(w, r, u, http.StatusOK, p)
	}
}

// revokeToken serves POST /account/tokens/{id}/revoke. Only the user's own tokens can be deleted.
func (h *Handler) revokeToken(w http.ResponseWriter, r *http.Request) {
	u := h.signedIn(w, r)
	if u == nil {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if h.Auth.Tokens == nil || err != nil || id <= 0 {
		h.errorPage(w, r, http.StatusNotFound)
		return
	}
	err = h.Auth.Tokens.DeleteToken(r.Context(), u.ID, id)
	switch {
	case errors.Is(err, auth.ErrTokenNotFound):
		h.done(w, r, "That token had already been revoked.")
	case err != nil:
		h.unavailable(w, r, err)
	default:
		h.done(w, r, "The token was revoked.")
	}
}
