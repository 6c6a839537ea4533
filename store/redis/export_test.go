package redis

import (
	"time"

	"github.com/redis/rueidis"
)

// Client returns the store's client, for tests that look at keys directly.
func (s *Store) Client() rueidis.Client { return s.client }

// SetIndexGrace changes the index prune grace period (10 minutes outside tests).
func (s *Store) SetIndexGrace(d time.Duration) { s.grace = d }

// RecordKey and IndexKey expose the key layout to tests.
func (s *Store) RecordKey(id string) string    { return s.recordKey(id) }
func (s *Store) IndexKey(userID string) string { return s.indexKey(userID) }
func (s *Store) ThrottleKey(key string) string { return s.throttleKey(key) }
