package auth

import (
	"context"
	"errors"
	"strings"

	"github.com/sessionauth/sessionauth/auth/password"
)

// NewUser describes an account to create.
type NewUser struct {
	Username    string // normalised and validated by CreateUser
	Email       string // optional; surrounding spaces are trimmed
	Password    string // "" creates the account with an unusable password (it cannot log in)
	IsStaff     bool   // grants staff status
	IsSuperuser bool   // grants superuser status
	Inactive    bool   // creates the account deactivated (User.IsActive false)
}

// CreateUser validates and creates an account: the username is normalised and checked, the password
// checked by the validators and hashed. Invalid input gives FieldErrors.
func (m *Manager) CreateUser(ctx context.Context, nu NewUser) (*User, error) {
	m.init()
	u := &User{
		Username:    NormalizeUsername(nu.Username),
		Email:       strings.TrimSpace(nu.Email),
		IsActive:    !nu.Inactive,
		IsStaff:     nu.IsStaff,
		IsSuperuser: nu.IsSuperuser,
		DateJoined:  m.now().UTC(),
	}
	if err := ValidateUsername(u.Username); err != nil {
		return nil, err
	}
	if nu.Password == "" {
		u.Password = password.Unusable()
	} else {
		enc, err := m.hashNew(ctx, u, nu.Password, "password")
		if err != nil {
			return nil, err
		}
		u.Password = enc
	}
	if err := m.Users.CreateUser(ctx, u); err != nil {
		if errors.Is(err, ErrUsernameTaken) {
			return nil, FieldErrors{"username": {"A user with that username already exists."}}
		}
		return nil, err
	}
	return u, nil
}

// hashNew validates a new password for u and hashes it; validation failures are reported under field.
func (m *Manager) hashNew(ctx context.Context, u *User, raw, field string) (string, error) {
	if len(raw) > password.MaxLength {
		return "", FieldErrors{field: {"This password is too long."}}
	}
	attrs := password.Attributes{"username": u.Username}
	if u.Email != "" {
		attrs["email address"] = u.Email
	}
	if len(m.validators) == 0 {
		return m.hasher.Hash(ctx, raw) // validation turned off (Validators set to an empty list)
	}
	if err := password.Validate(raw, attrs, m.validators...); err != nil {
		var ve password.ValidationError
		if errors.As(err, &ve) {
			return "", FieldErrors{field: ve}
		}
		return "", err
	}
	return m.hasher.Hash(ctx, raw)
}

// SetPassword sets u's password (administrators' changepassword). Validation failures give
// FieldErrors under "password". Every session of the user is ended.
func (m *Manager) SetPassword(ctx context.Context, u *User, raw string) error {
	m.init()
	enc, err := m.hashNew(ctx, u, raw, "password")
	if err != nil {
		return err
	}
	if err := m.Users.UpdateUser(ctx, u.ID, UserChange{Password: &enc}); err != nil {
		return err
	}
	u.Password = enc
	_, err = m.RevokeUserSessions(ctx, u.ID, "")
	if errors.Is(err, ErrNoSessionIndex) {
		err = nil // the changed hash already rejects the old sessions
	}
	return err
}

// SetActive activates or deactivates an account. Deactivating ends every session and deletes every
// API token of the user at once (they would be refused anyway; this also frees the store).
func (m *Manager) SetActive(ctx context.Context, userID int64, active bool) error {
	if err := m.Users.UpdateUser(ctx, userID, UserChange{IsActive: &active}); err != nil {
		return err
	}
	if active {
		return nil
	}
	if _, err := m.RevokeUserSessions(ctx, userID, ""); err != nil && !errors.Is(err, ErrNoSessionIndex) {
		return err
	}
	if m.Tokens != nil {
		if _, err := m.Tokens.DeleteUserTokens(ctx, userID); err != nil {
			return err
		}
	}
	return nil
}
