package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/sessionauth/sessionauth/auth"
)

type scanner interface{ Scan(dest ...any) error }

func scanUser(row scanner, u *auth.User) error {
	var active, staff, super int
	var joined, last int64
	if err := row.Scan(&u.ID, &u.Username, &u.Email, &u.Password, &active, &staff, &super, &joined, &last); err != nil {
		return err
	}
	u.IsActive, u.IsStaff, u.IsSuperuser = active != 0, staff != 0, super != 0
	u.DateJoined, u.LastLogin = fromNanos(joined), fromNanos(last)
	return nil
}

func userResult(u *auth.User, err error) (*auth.User, error) {
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrUserNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: loading user: %w", err)
	}
	return u, nil
}

// User implements auth.UserStore, from the cache when it can. It returns a copy.
func (s *Store) User(ctx context.Context, id int64) (*auth.User, error) {
	c := s.cache
	if c == nil || c.fresh(ctx) != nil {
		return s.loadUser(ctx, id)
	}
	if u, ok := c.user(id); ok {
		return &u, nil
	}
	epoch := c.begin()
	u, err := s.loadUser(ctx, id)
	if err == nil {
		c.putUser(epoch, *u)
	}
	return u, err
}

func (s *Store) loadUser(ctx context.Context, id int64) (*auth.User, error) {
	u := new(auth.User)
	return userResult(u, scanUser(s.stmts.loadUser.QueryRowContext(ctx, id), u))
}

// forgetUser drops a user, and the tokens that carry its data, from the cache after a write.
func (s *Store) forgetUser(id int64) {
	if s.cache != nil {
		s.cache.invalidate(func() {
			delete(s.cache.users, id)
		})
	}
}

// UserByUsername implements auth.UserStore.
func (s *Store) UserByUsername(ctx context.Context, username string) (*auth.User, error) {
	u := new(auth.User)
	return userResult(u, scanUser(s.r.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE username = ?", username), u))
}

// CreateUser implements auth.UserStore.
func (s *Store) CreateUser(ctx context.Context, u *auth.User) error {
	res, err := s.w.ExecContext(ctx, `INSERT INTO users
		(username, email, password, is_active, is_staff, is_superuser, date_joined, last_login)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, u.Username, u.Email, u.Password, boolInt(u.IsActive),
		boolInt(u.IsStaff), boolInt(u.IsSuperuser), nanos(u.DateJoined), lastLogin(u))
	if isConstraint(err) {
		return auth.ErrUsernameTaken
	}
	if err != nil {
		return fmt.Errorf("sqlite: creating user: %w", err)
	}
	u.ID, err = res.LastInsertId()
	return err
}

func lastLogin(u *auth.User) int64 {
	if u.LastLogin.IsZero() {
		return 0
	}
	return nanos(u.LastLogin)
}

// UpdateUser implements auth.UserStore: one UPDATE of the given columns only.
func (s *Store) UpdateUser(ctx context.Context, id int64, ch auth.UserChange) error {
	var sets []string
	var args []any
	add := func(col string, v any) { sets = append(sets, col+" = ?"); args = append(args, v) }
	if ch.Email != nil {
		add("email", *ch.Email)
	}
	if ch.Password != nil {
		add("password", *ch.Password)
	}
	if ch.IsActive != nil {
		add("is_active", boolInt(*ch.IsActive))
	}
	if ch.IsStaff != nil {
		add("is_staff", boolInt(*ch.IsStaff))
	}
	if ch.IsSuperuser != nil {
		add("is_superuser", boolInt(*ch.IsSuperuser))
	}
	if ch.LastLogin != nil {
		add("last_login", nanos(*ch.LastLogin))
	}
	if len(sets) == 0 {
		_, err := s.User(ctx, id)
		return err
	}
	res, err := s.w.ExecContext(ctx, "UPDATE users SET "+strings.Join(sets, ", ")+" WHERE id = ?", append(args, id)...)
	s.forgetUser(id)
	if err != nil {
		return fmt.Errorf("sqlite: updating user: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return auth.ErrUserNotFound
	}
	return nil
}

// Users implements auth.UserStore.
func (s *Store) Users(ctx context.Context) ([]*auth.User, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT "+userColumns+" FROM users ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing users: %w", err)
	}
	defer rows.Close()
	var out []*auth.User
	for rows.Next() {
		u := new(auth.User)
		if err := scanUser(rows, u); err != nil {
			return nil, fmt.Errorf("sqlite: listing users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}
