package web

import "net/http"

// homePage is the landing page; its user is the layout's.
type homePage struct {
	layout
}

// home serves GET /: who is signed in, or a link to sign in.
func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	u, err := h.Auth.SessionUser(r)
	if err != nil {
		h.unavailable(w, r, err)
		return
	}
	p := homePage{layout: h.base("Home", u)}
	if u != nil && !h.withToken(w, r, &p.layout) { // the sign-out button needs a token
		return
	}
	h.render(w, r, http.StatusOK, "home", p)
}
