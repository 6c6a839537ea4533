package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/session"
)

// cache keeps sessions, users and tokens read from the database, so that an authenticated request
// costs map lookups instead of two queries. It must never serve something the database no longer
// holds:
//
//   - Writes made by this Store (all of them go through its one write connection) drop the affected
//     entries right after they commit, and bump an epoch so that a read that raced with the write
//     cannot put the old row back.
//   - Writes made by anyone else (the admin CLI in another process) are detected with
//     PRAGMA data_version on the write connection, whose value changes exactly when another
//     connection commits; the whole cache is then dropped. The check runs at most once per
//     checkInterval (default 1 ms), which bounds how long another process's change can go unseen.
type cache struct {
	checkInterval time.Duration
	maxEntries    int

	checkMu   sync.Mutex
	checkedAt atomic.Int64 // unix nanos of the last data_version check
	version   int64        // data_version at the last check (under checkMu)
	versionQ  *sql.Stmt

	mu       sync.RWMutex
	epoch    uint64
	sessions map[string]session.Record
	users    map[int64]auth.User
	tokens   map[string]auth.Token // by key hash
}

func newCache(w *sql.DB, interval time.Duration) (*cache, error) {
	q, err := w.Prepare("PRAGMA data_version")
	if err != nil {
		return nil, err
	}
	c := &cache{checkInterval: interval, maxEntries: 100_000, versionQ: q}
	c.reset()
	if err := q.QueryRow().Scan(&c.version); err != nil {
		q.Close()
		return nil, err
	}
	c.checkedAt.Store(time.Now().UnixNano())
	return c, nil
}

func (c *cache) close() { c.versionQ.Close() }

func (c *cache) reset() {
	c.sessions = make(map[string]session.Record)
	c.users = make(map[int64]auth.User)
	c.tokens = make(map[string]auth.Token)
}

// fresh makes sure the cache reflects other processes' commits (to within checkInterval). An error
// means the database could not be asked; callers then read the database directly.
func (c *cache) fresh(ctx context.Context) error {
	if time.Now().UnixNano()-c.checkedAt.Load() < int64(c.checkInterval) {
		return nil
	}
	c.checkMu.Lock()
	defer c.checkMu.Unlock()
	if time.Now().UnixNano()-c.checkedAt.Load() < int64(c.checkInterval) {
		return nil // another goroutine checked while we waited
	}
	var v int64
	if err := c.versionQ.QueryRowContext(ctx).Scan(&v); err != nil {
		return err
	}
	if v != c.version {
		c.invalidateAll()
		c.version = v
	}
	c.checkedAt.Store(time.Now().UnixNano())
	return nil
}

// begin returns the epoch a miss must still see when it stores what it read.
func (c *cache) begin() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.epoch
}

func (c *cache) invalidateAll() {
	c.mu.Lock()
	c.epoch++
	c.reset()
	c.mu.Unlock()
}

// invalidate runs drop under the lock after a write of this process and bumps the epoch.
func (c *cache) invalidate(drop func()) {
	c.mu.Lock()
	c.epoch++
	drop()
	c.mu.Unlock()
}

func (c *cache) session(id string, now time.Time) (session.Record, bool) {
	c.mu.RLock()
	rec, ok := c.sessions[id]
	c.mu.RUnlock()
	return rec, ok && now.Before(rec.Expires)
}

func (c *cache) putSession(epoch uint64, id string, rec session.Record) {
	c.mu.Lock()
	if c.epoch == epoch && len(c.sessions) < c.maxEntries {
		c.sessions[id] = rec
	}
	c.mu.Unlock()
}

func (c *cache) user(id int64) (auth.User, bool) {
	c.mu.RLock()
	u, ok := c.users[id]
	c.mu.RUnlock()
	return u, ok
}

func (c *cache) putUser(epoch uint64, u auth.User) {
	c.mu.Lock()
	if c.epoch == epoch && len(c.users) < c.maxEntries {
		c.users[u.ID] = u
	}
	c.mu.Unlock()
}

func (c *cache) token(keyHash string) (auth.Token, bool) {
	c.mu.RLock()
	t, ok := c.tokens[keyHash]
	c.mu.RUnlock()
	return t, ok
}

func (c *cache) putToken(epoch uint64, t auth.Token) {
	c.mu.Lock()
	if c.epoch == epoch && len(c.tokens) < c.maxEntries {
		c.tokens[t.KeyHash] = t
	}
	c.mu.Unlock()
}
