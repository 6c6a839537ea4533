package memory

import (
	"context"
	"slices"
	"sync"

	"github.com/sessionauth/sessionauth/auth"
)

type tokenTable struct {
	mu     sync.RWMutex
	nextID int64
	byID   map[int64]auth.Token
	byHash map[string]int64
}

func (t *tokenTable) init() {
	t.byID = make(map[int64]auth.Token)
	t.byHash = make(map[string]int64)
}

// CreateToken implements auth.TokenStore.
func (s *Store) CreateToken(ctx context.Context, t *auth.Token) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := s.User(ctx, t.UserID); err != nil {
		return err
	}
	s.tokens.mu.Lock()
	defer s.tokens.mu.Unlock()
	if _, taken := s.tokens.byHash[t.KeyHash]; taken {
		return auth.ErrTokenExists
	}
	s.tokens.nextID++
	t.ID = s.tokens.nextID
	s.tokens.byID[t.ID] = *t
	s.tokens.byHash[t.KeyHash] = t.ID
	return nil
}

// TokenUser implements auth.TokenStore.
func (s *Store) TokenUser(ctx context.Context, keyHash string) (*auth.Token, *auth.User, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	s.tokens.mu.RLock()
	id, ok := s.tokens.byHash[keyHash]
	t := s.tokens.byID[id]
	s.tokens.mu.RUnlock()
	if !ok {
		return nil, nil, auth.ErrTokenNotFound
	}
	u, err := s.User(ctx, t.UserID)
	if err == auth.ErrUserNotFound {
		return nil, nil, auth.ErrTokenNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	return &t, u, nil
}

// Tokens implements auth.TokenStore.
func (s *Store) Tokens(ctx context.Context, userID int64) ([]*auth.Token, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.tokens.mu.RLock()
	var out []*auth.Token
	for _, t := range s.tokens.byID {
		if userID == 0 || t.UserID == userID {
			out = append(out, &t)
		}
	}
	s.tokens.mu.RUnlock()
	slices.SortFunc(out, func(a, b *auth.Token) int { return int(a.ID - b.ID) })
	return out, nil
}

// DeleteToken implements auth.TokenStore.
func (s *Store) DeleteToken(ctx context.Context, userID, id int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.tokens.mu.Lock()
	defer s.tokens.mu.Unlock()
	t, ok := s.tokens.byID[id]
	if !ok || (userID != 0 && t.UserID != userID) {
		return auth.ErrTokenNotFound
	}
	delete(s.tokens.byID, id)
	delete(s.tokens.byHash, t.KeyHash)
	return nil
}

// DeleteUserTokens implements auth.TokenStore.
func (s *Store) DeleteUserTokens(ctx context.Context, userID int64) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.tokens.mu.Lock()
	defer s.tokens.mu.Unlock()
	n := 0
	for id, t := range s.tokens.byID {
		if t.UserID == userID {
			delete(s.tokens.byID, id)
			delete(s.tokens.byHash, t.KeyHash)
			n++
		}
	}
	return n, nil
}
