package djangodb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/sessionauth/sessionauth/auth"
)

// TokenName is the name every DRF token has here: DRF's tokens have none.
const TokenName = "DRF token"

// TokenKeyHash implements auth.TokenKeyMapper: DRF's table keeps the key itself.
func (s *Store) TokenKeyHash(key string) string { return key }

// CreateToken implements auth.TokenStore. t.KeyHash is the key (see TokenKeyHash); t.Name is
// replaced by TokenName and t.ID set to the user id. A user who has a token already gets
// auth.ErrTokenLimit: DRF keeps one per user.
func (s *Store) CreateToken(ctx context.Context, t *auth.Token) error {
	if !s.hasTokens {
		return ErrNoTokenTable
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	_, err := s.db.ExecContext(ctx, `INSERT INTO authtoken_token ("key", created, user_id) VALUES ($1, $2, $3)`,
		t.KeyHash, s.dialect.timeArg(t.Created), t.UserID)
	switch {
	case s.dialect.foreignKey(err):
		return auth.ErrUserNotFound
	case s.dialect.unique(err):
		// The key or the user is taken; find out which.
		var owner int64
		switch qerr := s.db.QueryRowContext(ctx, `SELECT user_id FROM authtoken_token WHERE "key" = $1`, t.KeyHash).Scan(&owner); {
		case qerr == nil:
			return auth.ErrTokenExists
		case errors.Is(qerr, sql.ErrNoRows):
			return auth.ErrTokenLimit
		default:
			return fmt.Errorf("djangodb: creating token: %w", qerr)
		}
	case err != nil:
		return fmt.Errorf("djangodb: creating token: %w", err)
	}
	t.ID, t.Name, t.Created = t.UserID, TokenName, t.Created.UTC().Truncate(time.Microsecond)
	return nil
}

// TokenUser implements auth.TokenStore: one query joining the token to its user.
func (s *Store) TokenUser(ctx context.Context, key string) (*auth.Token, *auth.User, error) {
	if !s.hasTokens {
		return nil, nil, ErrNoTokenTable
	}
	if !s.dialect.representable(key) {
		return nil, nil, auth.ErrTokenNotFound
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	t, u := &auth.Token{Name: TokenName}, new(auth.User)
	var created, joined, last dbTime
	err := s.db.QueryRowContext(ctx, `SELECT t."key", t.created, u.id, u.username, u.email, u.password, u.is_active,
		u.is_staff, u.is_superuser, u.date_joined, u.last_login
		FROM authtoken_token t JOIN auth_user u ON u.id = t.user_id WHERE t."key" = $1`, key).Scan(
		&t.KeyHash, &created, &u.ID, &u.Username, &u.Email, &u.Password, &u.IsActive, &u.IsStaff, &u.IsSuperuser, &joined, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, auth.ErrTokenNotFound
	}
	if err != nil {
		return nil, nil, fmt.Errorf("djangodb: loading token: %w", err)
	}
	t.ID, t.UserID, t.Created = u.ID, u.ID, created.t
	u.DateJoined, u.LastLogin = joined.t, last.t
	return t, u, nil
}

// Tokens implements auth.TokenStore.
func (s *Store) Tokens(ctx context.Context, userID int64) ([]*auth.Token, error) {
	if !s.hasTokens {
		return nil, ErrNoTokenTable
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	rows, err := s.db.QueryContext(ctx, `SELECT "key", created, user_id FROM authtoken_token WHERE user_id = $1 OR $1 = 0 ORDER BY user_id`, userID)
	if err != nil {
		return nil, fmt.Errorf("djangodb: listing tokens: %w", err)
	}
	defer rows.Close()
	var out []*auth.Token
	for rows.Next() {
		t := &auth.Token{Name: TokenName}
		var created dbTime
		if err := rows.Scan(&t.KeyHash, &created, &t.UserID); err != nil {
			return nil, fmt.Errorf("djangodb: listing tokens: %w", err)
		}
		t.ID, t.Created = t.UserID, created.t
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("djangodb: listing tokens: %w", err)
	}
	return out, nil
}

// DeleteToken implements auth.TokenStore; id is the owner's user id (see Token.ID).
func (s *Store) DeleteToken(ctx context.Context, userID, id int64) error {
	if !s.hasTokens {
		return ErrNoTokenTable
	}
	if userID != 0 && userID != id {
		return auth.ErrTokenNotFound
	}
	n, err := s.deleteTokens(ctx, id)
	if err == nil && n == 0 {
		return auth.ErrTokenNotFound
	}
	return err
}

// DeleteUserTokens implements auth.TokenStore.
func (s *Store) DeleteUserTokens(ctx context.Context, userID int64) (int, error) {
	if !s.hasTokens {
		return 0, ErrNoTokenTable
	}
	return s.deleteTokens(ctx, userID)
}

func (s *Store) deleteTokens(ctx context.Context, userID int64) (int, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	res, err := s.db.ExecContext(ctx, "DELETE FROM authtoken_token WHERE user_id = $1", userID)
	if err != nil {
		return 0, fmt.Errorf("djangodb: deleting tokens: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("djangodb: deleting tokens: %w", err)
	}
	return int(n), nil
}

var _ interface {
	auth.TokenStore
	auth.TokenKeyMapper
} = (*Store)(nil)
