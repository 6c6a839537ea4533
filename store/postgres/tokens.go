package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/sessionauth/sessionauth/auth"
)

// CreateToken implements auth.TokenStore.
func (s *Store) CreateToken(ctx context.Context, t *auth.Token) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if !validText(t.Name) || !validText(t.KeyHash) {
		return fmt.Errorf("postgres: creating token: the name or key hash %w", errInvalidText)
	}
	var id int64
	err := s.pool.QueryRow(ctx, "INSERT INTO sessionauth_tokens (user_id, name, key_hash, created) VALUES ($1, $2, $3, $4) RETURNING id",
		t.UserID, t.Name, t.KeyHash, t.Created).Scan(&id)
	switch code, _ := pgCode(err); {
	case code == foreignKeyViolation:
		return auth.ErrUserNotFound
	case code == uniqueViolation:
		return auth.ErrTokenExists
	case err != nil:
		return fmt.Errorf("postgres: creating token: %w", err)
	}
	t.ID = id
	return nil
}

// TokenUser implements auth.TokenStore: one query joining the token to its user, no cache, so a
// deleted token or a deactivated user is refused at once by every instance.
func (s *Store) TokenUser(ctx context.Context, keyHash string) (*auth.Token, *auth.User, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if !validText(keyHash) {
		if err := ctx.Err(); err != nil {
			return nil, nil, fmt.Errorf("postgres: loading token: %w", err)
		}
		return nil, nil, auth.ErrTokenNotFound
	}
	t, u := new(auth.Token), new(auth.User)
	err := scanUser(s.pool.QueryRow(ctx, `SELECT t.id, t.user_id, t.name, t.key_hash, t.created,
		u.id, u.username, u.email, u.password, u.is_active, u.is_staff, u.is_superuser, u.date_joined, u.last_login
		FROM sessionauth_tokens t JOIN sessionauth_users u ON u.id = t.user_id WHERE t.key_hash = $1`, keyHash),
		u, &t.ID, &t.UserID, &t.Name, &t.KeyHash, &t.Created)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, auth.ErrTokenNotFound
	}
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: loading token: %w", err)
	}
	t.Created = t.Created.UTC()
	return t, u, nil
}

// Tokens implements auth.TokenStore.
func (s *Store) Tokens(ctx context.Context, userID int64) ([]*auth.Token, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	q, args := "SELECT id, user_id, name, key_hash, created FROM sessionauth_tokens ORDER BY id", []any(nil)
	if userID != 0 {
		q, args = "SELECT id, user_id, name, key_hash, created FROM sessionauth_tokens WHERE user_id = $1 ORDER BY id", []any{userID}
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: listing tokens: %w", err)
	}
	defer rows.Close()
	var out []*auth.Token
	for rows.Next() {
		t := new(auth.Token)
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &t.KeyHash, &t.Created); err != nil {
			return nil, fmt.Errorf("postgres: listing tokens: %w", err)
		}
		t.Created = t.Created.UTC()
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: listing tokens: %w", err)
	}
	return out, nil
}

// DeleteToken implements auth.TokenStore.
func (s *Store) DeleteToken(ctx context.Context, userID, id int64) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	q, args := "DELETE FROM sessionauth_tokens WHERE id = $1", []any{id}
	if userID != 0 {
		q, args = "DELETE FROM sessionauth_tokens WHERE id = $1 AND user_id = $2", []any{id, userID}
	}
	tag, err := s.pool.Exec(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("postgres: deleting token: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return auth.ErrTokenNotFound
	}
	return nil
}

// DeleteUserTokens implements auth.TokenStore.
func (s *Store) DeleteUserTokens(ctx context.Context, userID int64) (int, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	tag, err := s.pool.Exec(ctx, "DELETE FROM sessionauth_tokens WHERE user_id = $1", userID)
	if err != nil {
		return 0, fmt.Errorf("postgres: deleting tokens: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
