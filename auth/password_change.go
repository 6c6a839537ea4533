package auth

import (
	"errors"
	"net/http"

	"github.com/sessionauth/sessionauth/auth/password"
	"github.com/sessionauth/sessionauth/session"
)

// ChangePassword changes the password of u, the user of the request's session, after checking the old
// one (the check is throttled like a login). The calling session continues under a new key with the
// new session auth hash; every other session of the user is rejected from its next request on (and
// deleted from the store). API tokens are kept, as in DRF. Wrong or invalid input gives FieldErrors
// under "old_password" / "new_password"; a throttled attempt gives *ThrottledError.
func (m *Manager) ChangePassword(w http.ResponseWriter, r *http.Request, u *User, oldPassword, newPassword string) error {
	m.init()
	ctx := r.Context()
	if err := m.Throttle.attempt(ctx, u.Username, m.ClientAddress(r), m.now()); err != nil {
		return err
	}
	ok, _, err := m.hasher.Verify(ctx, oldPassword, u.Password)
	if err != nil && !errors.Is(err, password.ErrTooLong) && !m.unusableStoredHash(err, u.ID) {
		return err
	}
	if !ok {
		return FieldErrors{"old_password": {"The old password is incorrect."}}
	}
	m.Throttle.succeeded(ctx, u.Username) // a correct password clears the account's count, as a login does
	enc, err := m.hashNew(ctx, u, newPassword, "new_password")
	if err != nil {
		return err
	}
	if err := m.Users.UpdateUser(ctx, u.ID, UserChange{Password: &enc}); err != nil {
		return err
	}
	u.Password = enc

	s := session.From(r)
	current, err := s.PublicID() // before CycleKey, which retires this record at commit
	if err != nil {
		return err
	}
	if err := s.CycleKey(); err != nil {
		return err
	}
	if err := s.Set(HashSessionKey, m.sessionHash(enc, m.hashKey)); err != nil {
		return err
	}
	if m.CSRF != nil {
		if err := m.CSRF.Rotate(w, r); err != nil {
			return err
		}
	}
	// The calling session's old record is left to CycleKey, which checks at commit that it still
	// lives (a concurrent logout wins) before moving it to the new key.
	if _, err := m.RevokeUserSessions(ctx, u.ID, current); err != nil && !errors.Is(err, ErrNoSessionIndex) {
		m.logger().Warn("auth: other sessions not deleted after a password change (they are rejected anyway)", "user_id", u.ID, "error", err)
	}
	return nil
}
