package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/sessionauth/sessionauth/auth"
)

// Messages of the password form, Django's PasswordChangeForm texts.
const (
	msgRequired         = "This field is required."
	msgPasswordMismatch = "The two password fields didn’t match."
	msgPasswordChanged  = "Your password was changed. Your other sessions were signed out."
	msgPasswordErrors   = "Your password was not changed. Please correct the errors below."
)

// changePassword serves POST /account/password. Fields are Django's: old_password, new_password1 and
// new_password2 (the confirmation). Success cycles this session's key, ends the user's other sessions
// and redirects; errors render the account page with the messages next to the fields.
func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request) {
	u := h.signedIn(w, r)
	if u == nil {
		return
	}
	old, new1, new2 := r.PostFormValue("old_password"), r.PostFormValue("new_password1"), r.PostFormValue("new_password2")
	errs := map[string][]string{}
	for field, v := range map[string]string{"old_password": old, "new_password1": new1, "new_password2": new2} {
		if v == "" {
			errs[field] = []string{msgRequired}
		}
	}
	if new1 != "" && new2 != "" && new1 != new2 {
		errs["new_password2"] = []string{msgPasswordMismatch}
	}
	if len(errs) > 0 {
		h.passwordErrors(w, r, u, errs)
		return
	}

	err := h.Auth.ChangePassword(w, r, u, old, new1)
	var fe auth.FieldErrors
	var throttled *auth.ThrottledError
	switch {
	case errors.As(err, &fe):
		for field, msgs := range fe {
			if field == "new_password" {
				field = "new_password1"
			}
			errs[field] = msgs
		}
		h.passwordErrors(w, r, u, errs)
	case errors.As(err, &throttled):
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter(throttled.Wait)))
		p := accountPage{}
		p.Error = "Too many attempts with a wrong password. Please try again later."
		h.showAccount(w, r, u, http.StatusTooManyRequests, p)
	case err != nil:
		h.unavailable(w, r, err)
	default:
		h.done(w, r, msgPasswordChanged)
	}
}

// passwordErrors renders the account page with the password form's errors (200, as Django does).
func (h *Handler) passwordErrors(w http.ResponseWriter, r *http.Request, u *auth.User, errs map[string][]string) {
	p := accountPage{PasswordErrors: errs}
	p.Error = msgPasswordErrors
	h.showAccount(w, r, u, http.StatusOK, p)
}
