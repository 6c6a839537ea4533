package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sessionauth/sessionauth/auth"
)

const userColumns = "id, username, email, password, is_active, is_staff, is_superuser, date_joined, last_login"

// scanUser reads userColumns (after any columns in dest) into u.
func scanUser(row pgx.Row, u *auth.User, dest ...any) error {
	var last pgtype.Timestamptz
	dest = append(dest, &u.ID, &u.Username, &u.Email, &u.Password, &u.IsActive, &u.IsStaff, &u.IsSuperuser,
		&u.DateJoined, &last)
	if err := row.Scan(dest...); err != nil {
		return err
	}
	u.DateJoined = u.DateJoined.UTC()
	u.LastLogin = time.Time{}
	if last.Valid {
		u.LastLogin = last.Time.UTC()
	}
	return nil
}

func userResult(u *auth.User, err error) (*auth.User, error) {
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, auth.ErrUserNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: loading user: %w", err)
	}
	return u, nil
}

// lastLogin is the last_login parameter: NULL for a user who never logged in.
func lastLogin(t time.Time) pgtype.Timestamptz {
	return pgtype.Timestamptz{Time: t, Valid: !t.IsZero()}
}

// User implements auth.UserStore. It returns a new *User on every call. Unless the cache is off
// (Options.UserCacheTTL), a user read recently is served from memory: see the package documentation
// for how long a change made elsewhere can go unseen. Missing users are not cached.
func (s *Store) User(ctx context.Context, id int64) (*auth.User, error) {
	c := s.users
	if c == nil {
		return s.loadUser(ctx, id)
	}
	now := c.clock()
	if u, ok := c.get(id, now); ok {
		if err := ctx.Err(); err != nil { // as a query would
			return nil, fmt.Errorf("postgres: loading user: %w", err)
		}
		return &u, nil
	}
	return s.loadAndCache(ctx, c, id, now)
}

// UserUncached is User without the cache: it always reads the database (and refreshes the cache
// with what it read). For a caller about to act on what User answered in a way that is costly to
// undo, such as ending a session because the user looks deactivated or its password changed.
func (s *Store) UserUncached(ctx context.Context, id int64) (*auth.User, error) {
	c := s.users
	if c == nil {
		return s.loadUser(ctx, id)
	}
	c.invalidate(id)
	return s.loadAndCache(ctx, c, id, c.clock())
}

// loadAndCache reads a user from the database and keeps it in c, unless a change announced while
// the read ran makes what was read possibly stale (see userCache.begin); now is c.clock()'s reading.
func (s *Store) loadAndCache(ctx context.Context, c *userCache, id, now int64) (*auth.User, error) {
	epoch, ok := c.begin(now)
	u, err := s.loadUser(ctx, id)
	if err == nil && ok {
		c.put(epoch, u, now)
	}
	return u, err
}

// loadUser reads a user from the database.
func (s *Store) loadUser(ctx context.Context, id int64) (*auth.User, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	u := new(auth.User)
	return userResult(u, scanUser(s.pool.QueryRow(ctx, "SELECT "+userColumns+" FROM sessionauth_users WHERE id = $1", id), u))
}

// UserByUsername implements auth.UserStore. Usernames are compared byte for byte.
func (s *Store) UserByUsername(ctx context.Context, username string) (*auth.User, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if !validText(username) {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("postgres: loading user: %w", err)
		}
		return nil, auth.ErrUserNotFound // text cannot hold it, so no user has it
	}
	u := new(auth.User)
	return userResult(u, scanUser(s.pool.QueryRow(ctx, "SELECT "+userColumns+" FROM sessionauth_users WHERE username = $1", username), u))
}

// CreateUser implements auth.UserStore. The unique constraint on username decides between concurrent
// creates of one name: the others get auth.ErrUsernameTaken.
func (s *Store) CreateUser(ctx context.Context, u *auth.User) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	for _, f := range []struct{ name, v string }{{"username", u.Username}, {"email", u.Email}, {"password", u.Password}} {
		if !validText(f.v) {
			return fmt.Errorf("postgres: creating user: the %s %w", f.name, errInvalidText)
		}
	}
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO sessionauth_users
		(username, email, password, is_active, is_staff, is_superuser, date_joined, last_login)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		u.Username, u.Email, u.Password, u.IsActive, u.IsStaff, u.IsSuperuser, u.DateJoined, lastLogin(u.LastLogin)).Scan(&id)
	if code, _ := pgCode(err); code == uniqueViolation {
		return auth.ErrUsernameTaken
	}
	if err != nil {
		return fmt.Errorf("postgres: creating user: %w", err)
	}
	u.ID = id
	return nil
}

// UpdateUser implements auth.UserStore: one UPDATE of the given columns only, so concurrent updates
// of different fields do not undo each other.
func (s *Store) UpdateUser(ctx context.Context, id int64, ch auth.UserChange) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var sets []string
	var args []any
	add := func(col string, v any) {
		args = append(args, v)
		sets = append(sets, col+" = $"+strconv.Itoa(len(args)))
	}
	if ch.Email != nil {
		if !validText(*ch.Email) {
			return fmt.Errorf("postgres: updating user: the email %w", errInvalidText)
		}
		add("email", *ch.Email)
	}
	if ch.Password != nil {
		if !validText(*ch.Password) {
			return fmt.Errorf("postgres: updating user: the password %w", errInvalidText)
		}
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
		add("last_login", lastLogin(*ch.LastLogin))
	}
	if len(sets) == 0 {
		_, err := s.loadUser(ctx, id) // the database decides whether the user exists
		return err
	}
	args = append(args, id)
	tag, err := s.pool.Exec(ctx, "UPDATE sessionauth_users SET "+strings.Join(sets, ", ")+" WHERE id = $"+strconv.Itoa(len(args)), args...)
	if s.users != nil {
		// At once, not when our own notification comes back: this process's next request must see
		// the change. Also after an error, which may have come after the commit.
		s.users.invalidate(id)
	}
	if err != nil {
		return fmt.Errorf("postgres: updating user: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return auth.ErrUserNotFound
	}
	return nil
}

// Users implements auth.UserStore.
func (s *Store) Users(ctx context.Context) ([]*auth.User, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, "SELECT "+userColumns+" FROM sessionauth_users ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("postgres: listing users: %w", err)
	}
	defer rows.Close()
	var out []*auth.User
	for rows.Next() {
		u := new(auth.User)
		if err := scanUser(rows, u); err != nil {
			return nil, fmt.Errorf("postgres: listing users: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: listing users: %w", err)
	}
	return out, nil
}

// SessionUser re-reads through UserUncached before ending a session over a cached record.
var _ auth.FreshUserReader = (*Store)(nil)
