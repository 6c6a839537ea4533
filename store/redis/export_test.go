package redis

import (
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Client returns the store's client, for tests that look at keys directly.
func (s *Store) Client() goredis.UniversalClient { return s.client }

// SetIndexGrace changes the index prune grace period (10 minutes outside tests).
func (s *Store) SetIndexGrace(d time.Duration) { s.grace = d }

// RecordKey and IndexKey expose the key layout to tests.
func (s *Store) RecordKey(id string) string    { return s.recordKey(id) }
func (s *Store) IndexKey(userID string) string { return s.indexKey(userID) }
func (s *Store) ThrottleKey(key string) string { return s.throttleKey(key) }
