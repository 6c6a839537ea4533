package memory

import (
	"context"
	"slices"
	"sync"

	"github.com/sessionauth/sessionauth/auth"
)

type userTable struct {
	mu     sync.RWMutex
	nextID int64
	byID   map[int64]auth.User
	byName map[string]int64
}

func (t *userTable) init() {
	t.byID = make(map[int64]auth.User)
	t.byName = make(map[string]int64)
}

// User implements auth.UserStore. It returns a copy.
func (s *Store) User(ctx context.Context, id int64) (*auth.User, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.users.mu.RLock()
	u, ok := s.users.byID[id]
	s.users.mu.RUnlock()
	if !ok {
		return nil, auth.ErrUserNotFound
	}
	return &u, nil
}

// UserByUsername implements auth.UserStore.
func (s *Store) UserByUsername(ctx context.Context, username string) (*auth.User, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.users.mu.RLock()
	defer s.users.mu.RUnlock()
	id, ok := s.users.byName[username]
	if !ok {
		return nil, auth.ErrUserNotFound
	}
	u := s.users.byID[id]
	return &u, nil
}

// CreateUser implements auth.UserStore.
func (s *Store) CreateUser(ctx context.Context, u *auth.User) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.users.mu.Lock()
	defer s.users.mu.Unlock()
	if _, taken := s.users.byName[u.Username]; taken {
		return auth.ErrUsernameTaken
	}
	s.users.nextID++
	u.ID = s.users.nextID
	s.users.byID[u.ID] = *u
	s.users.byName[u.Username] = u.ID
	return nil
}

// UpdateUser implements auth.UserStore.
func (s *Store) UpdateUser(ctx context.Context, id int64, ch auth.UserChange) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.users.mu.Lock()
	defer s.users.mu.Unlock()
	u, ok := s.users.byID[id]
	if !ok {
		return auth.ErrUserNotFound
	}
	applyChange(&u, ch)
	s.users.byID[id] = u
	return nil
}

// Users implements auth.UserStore.
func (s *Store) Users(ctx context.Context) ([]*auth.User, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.users.mu.RLock()
	out := make([]*auth.User, 0, len(s.users.byID))
	for _, u := range s.users.byID {
		out = append(out, &u)
	}
	s.users.mu.RUnlock()
	slices.SortFunc(out, func(a, b *auth.User) int { return int(a.ID - b.ID) })
	return out, nil
}

func applyChange(u *auth.User, ch auth.UserChange) {
	if ch.Email != nil {
		u.Email = *ch.Email
	}
	if ch.Password != nil {
		u.Password = *ch.Password
	}
	if ch.IsActive != nil {
		u.IsActive = *ch.IsActive
	}
	if ch.IsStaff != nil {
		u.IsStaff = *ch.IsStaff
	}
	if ch.IsSuperuser != nil {
		u.IsSuperuser = *ch.IsSuperuser
	}
	if ch.LastLogin != nil {
		u.LastLogin = *ch.LastLogin
	}
}
