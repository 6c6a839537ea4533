package authapi

import (
	"time"

	"github.com/sessionauth/sessionauth/auth"
)

// userJSON is the user as the API shows it. It is spelled out here rather than taken from
// auth.User's MarshalJSON so that the contract of DESIGN §5 stays fixed whatever that type grows.
type userJSON struct {
	ID          int64      `json:"id"`
	Username    string     `json:"username"`
	Email       string     `json:"email"`
	IsStaff     bool       `json:"is_staff"`
	IsSuperuser bool       `json:"is_superuser"`
	DateJoined  time.Time  `json:"date_joined"`
	LastLogin   *time.Time `json:"last_login"` // null when the user never logged in
}

func newUserJSON(u *auth.User) userJSON {
	var last *time.Time
	if !u.LastLogin.IsZero() {
		t := u.LastLogin.UTC()
		last = &t
	}
	return userJSON{
		ID: u.ID, Username: u.Username, Email: u.Email, IsStaff: u.IsStaff, IsSuperuser: u.IsSuperuser,
		DateJoined: u.DateJoined.UTC(), LastLogin: last,
	}
}
