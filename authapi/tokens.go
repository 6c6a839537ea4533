package authapi

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/rest"
)

// tokenJSON is a token as listed: never its key, nor the key's hash.
type tokenJSON struct {
	ID      int64     `json:"id"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
}

// tokens is GET (list) and POST (create) /api/auth/tokens.
func (h *Handler) tokens(w http.ResponseWriter, r *http.Request) error {
	u := rest.User(r)
	if r.Method == http.MethodPost {
		in, err := rest.Parse(r)
		if err != nil {
			return err
		}
		name := in.String("name", rest.Required)
		if err := in.Err(); err != nil {
			return err
		}
		key, t, err := h.Auth.CreateToken(r.Context(), u.ID, name)
		if err != nil {
			return failure(err)
		}
		// The key is shown this once: only its hash is stored.
		return rest.JSON(w, http.StatusCreated, struct {
			tokenJSON
			Token string `json:"token"`
		}{tokenJSON{t.ID, t.Name, t.Created.UTC()}, key})
	}
	list, err := h.Auth.Tokens.Tokens(r.Context(), u.ID)
	if err != nil {
		return failure(err)
	}
	out := make([]tokenJSON, 0, len(list))
	for _, t := range list {
		out = append(out, tokenJSON{t.ID, t.Name, t.Created.UTC()})
	}
	return rest.JSON(w, http.StatusOK, out)
}

// deleteToken is DELETE /api/auth/tokens/{id}. Another user's token, a missing one and a malformed id
// all answer 404, so ids of other users' tokens cannot be probed.
func (h *Handler) deleteToken(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return rest.NotFound()
	}
	err = h.Auth.Tokens.DeleteToken(r.Context(), rest.User(r).ID, id)
	if errors.Is(err, auth.ErrTokenNotFound) {
		return rest.NotFound()
	}
	if err != nil {
		return failure(err)
	}
	return rest.NoContent(w)
}
