package web

import (
	"errors"
	"net/http"
	"sort"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/session"
)

// accountPage is GET /account, and what the account forms render when they do not redirect.
type accountPage struct {
	layout
	Sessions            []auth.SessionInfo // this device first, then most recently used first
	SessionsUnavailable bool               // the session store cannot list a user's sessions

	PasswordErrors map[string][]string // by field: old_password, new_password1, new_password2

	TokensEnabled bool          // the auth Manager has a token store
	Tokens        []*auth.Token // without their keys, which are not stored
	TokenName     string        // as typed, kept after an error
	TokenErrors   []string
	NewToken      *newToken // a token just created: its key is shown on this page only
}

// newToken is a token just created, shown once.
type newToken struct {
	Name, Key string
}

// account serves GET /account.
func (h *Handler) account(w http.ResponseWriter, r *http.Request) {
	u := h.signedIn(w, r)
	if u == nil {
		return
	}
	var p accountPage
	msg, err := popFlash(r)
	if err != nil {
		h.unavailable(w, r, err)
		return
	}
	p.Flash = msg
	h.showAccount(w, r, u, http.StatusOK, p)
}

// showAccount completes p (sessions, tokens, CSRF token) and renders it with status. p's Flash, Error
// and form state are kept.
func (h *Handler) showAccount(w http.ResponseWriter, r *http.Request, u *auth.User, status int, p accountPage) {
	l := h.base("Your account", u)
	l.Flash, l.Error = p.Flash, p.Error
	p.layout = l

	current, err := session.From(r).PublicID()
	if err != nil {
		h.unavailable(w, r, err)
		return
	}
	p.Sessions, err = h.Auth.UserSessions(r.Context(), u.ID, current)
	switch {
	case errors.Is(err, auth.ErrNoSessionIndex):
		p.SessionsUnavailable = true
	case err != nil:
		h.unavailable(w, r, err)
		return
	}
	// This device first, then the others, most recently used first.
	sort.SliceStable(p.Sessions, func(i, j int) bool { return p.Sessions[i].Current && !p.Sessions[j].Current })
	if h.Auth.Tokens != nil {
		p.TokensEnabled = true
		if p.Tokens, err = h.Auth.Tokens.Tokens(r.Context(), u.ID); err != nil {
			h.unavailable(w, r, err)
			return
		}
	}
	if h.withToken(w, r, &p.layout) {
		h.render(w, r, status, "account", p)
	}
}

// done ends a successful account action: a message for the next page, then 303 to /account.
func (h *Handler) done(w http.ResponseWriter, r *http.Request, msg string) {
	if err := setFlash(r, msg); err != nil {
		h.unavailable(w, r, err)
		return
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}
