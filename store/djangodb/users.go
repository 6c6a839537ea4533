package djangodb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/sessionauth/sessionauth/auth"
)

// userColumns are the auth_user columns scanUser reads, in its order.
const userColumns = "id, username, email, password, is_active, is_staff, is_superuser, date_joined, last_login"

type scanner interface{ Scan(dest ...any) error }

// scanUser reads the columns of userColumns, in that order.
func scanUser(row scanner, u *auth.User) error {
	var joined, last dbTime
	if err := row.Scan(&u.ID, &u.Username, &u.Email, &u.Password, &u.IsActive, &u.IsStaff, &u.IsSuperuser, &joined, &last); err != nil {
		return err
	}
	u.DateJoined, u.LastLogin = joined.t, last.t
	return nil
}

func userResult(u *auth.User, err error) (*auth.User, error) {
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrUserNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("djangodb: loading user: %w", err)
	}
	return u, nil
}

// User implements auth.UserStore.
func (s *Store) User(ctx context.Context, id int64) (*auth.User, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	u := new(auth.User)
	return userResult(u, scanUser(s.db.QueryRowContext(ctx, "SELECT "+userColumns+" FROM auth_user WHERE id = $1", id), u))
}

// UserByUsername implements auth.UserStore.
func (s *Store) UserByUsername(ctx context.Context, username string) (*auth.User, error) {
	if !s.dialect.representable(username) {
		return nil, auth.ErrUserNotFound // PostgreSQL text cannot hold it, so no row has it
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	u := new(auth.User)
	return userResult(u, scanUser(s.db.QueryRowContext(ctx, "SELECT "+userColumns+" FROM auth_user WHERE username = $1", username), u))
}

// CreateUser implements auth.UserStore. first_name and last_name are written empty, as Django's
// create_user leaves them.
func (s *Store) CreateUser(ctx context.Context, u *auth.User) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	d := s.dialect
	err := s.db.QueryRowContext(ctx, `INSERT INTO auth_user
		(password, last_login, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)
		VALUES ($1, $2, $3, $4, '', '', $5, $6, $7, $8) RETURNING id`,
		u.Password, d.nullTimeArg(u.LastLogin), u.IsSuperuser, u.Username, u.Email, u.IsStaff, u.IsActive,
		d.timeArg(u.DateJoined)).Scan(&u.ID)
	if d.unique(err) {
		return auth.ErrUsernameTaken
	}
	if err != nil {
		return fmt.Errorf("djangodb: creating user: %w", err)
	}
	return nil
}

// UpdateUser implements auth.UserStore: one UPDATE of the given columns only.
func (s *Store) UpdateUser(ctx context.Context, id int64, ch auth.UserChange) error {
	var sets []string
	var args []any
	add := func(col string, v any) {
		args = append(args, v)
		sets = append(sets, col+" = $"+strconv.Itoa(len(args)))
	}
	if ch.Email != nil {
		add("email", *ch.Email)
	}
	if ch.Password != nil {
		add("password", *ch.Password)
	}
	if ch.IsActive != nil {
		add("is_active", *ch.IsActive)
	}
	if ch.IsStaff != nil {
		add("is_staff", *ch.IsStaff)
	}
	if ch.IsSuperuser != nil {
		add("is_superuser", *ch.IsSuperuser)
	}
	if ch.LastLogin != nil {
		add("last_login", s.dialect.nullTimeArg(*ch.LastLogin))
	}
	if len(sets) == 0 {
		_, err := s.User(ctx, id)
		return err
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	args = append(args, id)
	res, err := s.db.ExecContext(ctx, "UPDATE auth_user SET "+strings.Join(sets, ", ")+" WHERE id = $"+strconv.Itoa(len(args)), args...)
	if err != nil {
		return fmt.Errorf("djangodb: updating user: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("djangodb: updating user: %w", err)
	} else if n == 0 {
		return auth.ErrUserNotFound
	}
	return nil
}

// Users implements auth.UserStore.
func (s *Store) Users(ctx context.Context) ([]*auth.User, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	rows, err := s.db.QueryContext(ctx, "SELECT "+userColumns+" FROM auth_user ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("djangodb: listing users: %w", err)
	}
	defer rows.Close()
	var out []*auth.User
	for rows.Next() {
		u := new(auth.User)
		if err := scanUser(rows, u); err != nil {
			return nil, fmt.Errorf("djangodb: listing users: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("djangodb: listing users: %w", err)
	}
	return out, nil
}

var _ auth.UserStore = (*Store)(nil)
