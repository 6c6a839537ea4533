package postgres

import (
	"context"
	"time"
)

// Migrations is how many migrations this version of the package applies.
var Migrations = len(migrations)

// DeleteOldHits runs the sweeper's removal of throttle hits older than a day.
func DeleteOldHits(ctx context.Context, s *Store) (int, error) { return s.deleteOldHits(ctx) }

// OpenForTest is Open with the listener connecting to listenURL ("" for dbURL) and its heartbeat
// and ping timeout shortened (0 keeps the defaults).
func OpenForTest(ctx context.Context, dbURL, listenURL string, heartbeat, pingTimeout time.Duration, opts Options) (*Store, error) {
	return openInternal(ctx, dbURL, opts, internalOptions{listenURL: listenURL, heartbeat: heartbeat, pingTimeout: pingTimeout})
}

// UserCacheLive reports whether the user cache's listener is LISTENing (entries may be served).
func UserCacheLive(s *Store) bool { return s.users != nil && s.users.live() }

// UserCacheLen is how many users the cache holds.
func UserCacheLen(s *Store) int { return s.users.len() }

// UserCacheNotified is how many notifications the listener has handled.
func UserCacheNotified(s *Store) uint64 { return s.users.notified.Load() }

// SetUserCacheAfterLoad sets a function run by User between its database read and its insert into
// the cache. Set it before the store is used concurrently.
func SetUserCacheAfterLoad(s *Store, f func()) { s.users.afterLoad = f }

// DropUserCache empties the user cache (as a notification about every user would).
func DropUserCache(s *Store) { s.users.invalidateAll() }
