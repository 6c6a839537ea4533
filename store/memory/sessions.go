package memory

import (
	"context"
	"hash/maphash"
	"sync"
	"time"

	"github.com/sessionauth/sessionauth/session"
)

const shardCount = 64

var shardSeed = maphash.MakeSeed()

type shard struct {
	mu      sync.RWMutex
	records map[string]session.Record
	byUser  map[string]map[string]struct{} // user id → ids of that user's records in this shard
}

func (sh *shard) init() {
	sh.records = make(map[string]session.Record)
	sh.byUser = make(map[string]map[string]struct{})
}

func (s *Store) shard(id string) *shard {
	return &s.shards[maphash.String(shardSeed, id)%shardCount]
}

// Load implements session.Store.
func (s *Store) Load(ctx context.Context, id string) (session.Record, error) {
	if err := ctx.Err(); err != nil {
		return session.Record{}, err
	}
	sh := s.shard(id)
	sh.mu.RLock()
	rec, ok := sh.records[id]
	sh.mu.RUnlock()
	if !ok || !s.now().Before(rec.Expires) {
		return session.Record{}, session.ErrNotFound
	}
	return rec, nil
}

// Save implements session.Store.
func (s *Store) Save(ctx context.Context, id string, rec *session.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := s.now()
	sh := s.shard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	cur, ok := sh.records[id]
	live := ok && now.Before(cur.Expires)
	switch {
	case rec.Version == 0 && live:
		return session.ErrExists
	case rec.Version != 0 && !live:
		return session.ErrNotFound
	case rec.Version != 0 && cur.Version != rec.Version:
		return session.ErrConflict
	}
	if ok {
		sh.unindex(id, cur.UserID)
	}
	rec.Version++
	sh.records[id] = *rec
	sh.index(id, rec.UserID)
	return nil
}

// Delete implements session.Store.
func (s *Store) Delete(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	sh := s.shard(id)
	sh.mu.Lock()
	if cur, ok := sh.records[id]; ok {
		delete(sh.records, id)
		sh.unindex(id, cur.UserID)
	}
	sh.mu.Unlock()
	return nil
}

// UserSessions implements session.UserIndex.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]session.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	var out []session.Entry
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.RLock()
		for id := range sh.byUser[userID] {
			if rec := sh.records[id]; now.Before(rec.Expires) {
				out = append(out, session.Entry{ID: id, Record: rec})
			}
		}
		sh.mu.RUnlock()
	}
	return out, nil
}

// DeleteUserSessions implements session.UserIndex.
func (s *Store) DeleteUserSessions(ctx context.Context, userID, keep string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	now := s.now()
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for id := range sh.byUser[userID] {
			if id == keep {
				continue
			}
			if now.Before(sh.records[id].Expires) {
				n++
			}
			delete(sh.records, id)
			sh.unindex(id, userID)
		}
		sh.mu.Unlock()
	}
	return n, nil
}

// DeleteExpired implements session.ExpiredDeleter.
func (s *Store) DeleteExpired(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return s.sweep(), nil
}

// Len reports how many records (live or not yet swept) the store holds.
func (s *Store) Len() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.RLock()
		n += len(sh.records)
		sh.mu.RUnlock()
	}
	return n
}

func (sh *shard) index(id, userID string) {
	if userID == "" {
		return
	}
	ids := sh.byUser[userID]
	if ids == nil {
		ids = make(map[string]struct{})
		sh.byUser[userID] = ids
	}
	ids[id] = struct{}{}
}

func (sh *shard) unindex(id, userID string) {
	if ids := sh.byUser[userID]; ids != nil {
		delete(ids, id)
		if len(ids) == 0 {
			delete(sh.byUser, userID)
		}
	}
}

func (sh *shard) deleteExpired(now time.Time) int {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	n := 0
	for id, rec := range sh.records {
		if !now.Before(rec.Expires) {
			delete(sh.records, id)
			sh.unindex(id, rec.UserID)
			n++
		}
	}
	return n
}

// CountSessions reports how many live sessions the store holds.
func (s *Store) CountSessions(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	now := s.now()
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.RLock()
		for _, rec := range sh.records {
			if now.Before(rec.Expires) {
				n++
			}
		}
		sh.mu.RUnlock()
	}
	return n, nil
}
