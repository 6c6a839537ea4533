package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/sessionauth/sessionauth/auth"
)

// CreateToken implements auth.TokenStore.
func (s *Store) CreateToken(ctx context.Context, t *auth.Token) error {
	res, err := s.w.ExecContext(ctx, "INSERT INTO tokens(user_id, name, key_hash, created) VALUES (?, ?, ?, ?)",
		t.UserID, t.Name, t.KeyHash, nanos(t.Created))
	switch {
	case isConstraint(err) && isForeignKey(err):
		return auth.ErrUserNotFound
	case isConstraint(err):
		return auth.ErrTokenExists
	case err != nil:
		return fmt.Errorf("sqlite: creating token: %w", err)
	}
	t.ID, err = res.LastInsertId()
	return err
}

// TokenUser implements auth.TokenStore: from the cache when it can, else one query joining the
// token to its user.
func (s *Store) TokenUser(ctx context.Context, keyHash string) (*auth.Token, *auth.User, error) {
	c := s.cache
	if c == nil || c.fresh(ctx) != nil {
		return s.loadTokenUser(ctx, keyHash)
	}
	if t, ok := c.token(keyHash); ok {
		if u, ok := c.user(t.UserID); ok {
			return &t, &u, nil
		}
	}
	epoch := c.begin()
	t, u, err := s.loadTokenUser(ctx, keyHash)
	if err == nil {
		c.putToken(epoch, *t)
		c.putUser(epoch, *u)
	}
	return t, u, err
}

// forgetTokens drops every cached token after a write to the tokens table.
func (s *Store) forgetTokens() {
	if s.cache != nil {
		s.cache.invalidate(func() { clear(s.cache.tokens) })
	}
}

func (s *Store) loadTokenUser(ctx context.Context, keyHash string) (*auth.Token, *auth.User, error) {
	t, u := new(auth.Token), new(auth.User)
	var created int64
	var active, staff, super int
	var joined, last int64
	err := s.stmts.tokenUser.QueryRowContext(ctx, keyHash).Scan(&t.ID, &t.UserID, &t.Name, &t.KeyHash, &created,
		&u.ID, &u.Username, &u.Email, &u.Password, &active, &staff, &super, &joined, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, auth.ErrTokenNotFound
	}
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite: loading token: %w", err)
	}
	t.Created = fromNanos(created)
	u.IsActive, u.IsStaff, u.IsSuperuser = active != 0, staff != 0, super != 0
	u.DateJoined, u.LastLogin = fromNanos(joined), fromNanos(last)
	return t, u, nil
}

// Tokens implements auth.TokenStore.
func (s *Store) Tokens(ctx context.Context, userID int64) ([]*auth.Token, error) {
	q := "SELECT id, user_id, name, key_hash, created FROM tokens WHERE user_id = ? OR ? = 0 ORDER BY id"
	rows, err := s.r.QueryContext(ctx, q, userID, userID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing tokens: %w", err)
	}
	defer rows.Close()
	var out []*auth.Token
	for rows.Next() {
		t := new(auth.Token)
		var created int64
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &t.KeyHash, &created); err != nil {
			return nil, fmt.Errorf("sqlite: listing tokens: %w", err)
		}
		t.Created = fromNanos(created)
		out = append(out, t)
	}
	return out, rows.Err()
}

// DeleteToken implements auth.TokenStore.
func (s *Store) DeleteToken(ctx context.Context, userID, id int64) error {
	res, err := s.w.ExecContext(ctx, "DELETE FROM tokens WHERE id = ? AND (user_id = ? OR ? = 0)", id, userID, userID)
	s.forgetTokens()
	if err != nil {
		return fmt.Errorf("sqlite: deleting token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return auth.ErrTokenNotFound
	}
	return nil
}

// DeleteUserTokens implements auth.TokenStore.
func (s *Store) DeleteUserTokens(ctx context.Context, userID int64) (int, error) {
	res, err := s.w.ExecContext(ctx, "DELETE FROM tokens WHERE user_id = ?", userID)
	s.forgetTokens()
	if err != nil {
		return 0, fmt.Errorf("sqlite: deleting tokens: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
