package postgres

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sessionauth/sessionauth/throttle"
)

// Hit implements throttle.Store in one round trip: the function sessionauth_throttle_hit (see the
// migrations) takes a transaction-scoped advisory lock on the key, drops the hits that have left the
// window, counts the rest and records the hit if there is room, so concurrent hits on one key, from
// any instance, are counted one at a time. Hits on different keys do not wait for each other (unless
// their 32-bit hashes collide, which only makes them take turns).
func (s *Store) Hit(ctx context.Context, key string, now time.Time, limit int, window time.Duration) (throttle.Result, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	limit = min(max(limit, 0), math.MaxInt32)
	var res throttle.Result
	var oldest pgtype.Timestamptz
	err := s.pool.QueryRow(ctx, "SELECT allowed, hits, oldest FROM sessionauth_throttle_hit($1, $2, $3, $4, $5)",
		[]byte(key), lockKey(key), now, now.Add(-window), int32(limit)).Scan(&res.Allowed, &res.Count, &oldest)
	if err != nil {
		return throttle.Result{}, fmt.Errorf("postgres: throttle: %w", err)
	}
	if oldest.Valid {
		res.Oldest = oldest.Time.UTC()
	}
	return res, nil
}

// lockKey is the advisory lock's second key for a throttle key.
func lockKey(key string) int32 {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int32(h.Sum32())
}

// ClearHits implements throttle.Store.
func (s *Store) ClearHits(ctx context.Context, key string) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if _, err := s.pool.Exec(ctx, "DELETE FROM sessionauth_throttle WHERE key = $1", []byte(key)); err != nil {
		return fmt.Errorf("postgres: throttle: %w", err)
	}
	return nil
}

// maxWindow is the longest window a rate can have (one day); the sweeper removes older hits.
const maxWindow = 24 * time.Hour

// deleteOldHits removes hits older than maxWindow, in batches like DeleteExpired.
func (s *Store) deleteOldHits(ctx context.Context) (int, error) {
	cutoff := s.now().Add(-maxWindow)
	total := 0
	for {
		// The table has no key; ctid = ANY(ARRAY(...)) finds the batch's rows by their tuple ids (a
		// TID scan), which ctid IN (SELECT ...) would not.
		tag, err := s.pool.Exec(ctx, `DELETE FROM sessionauth_throttle WHERE ctid = ANY(ARRAY(
			SELECT ctid FROM sessionauth_throttle WHERE at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)) AND at <= $1`, cutoff, deleteBatch)
		if err != nil {
			return total, fmt.Errorf("postgres: deleting old throttle hits: %w", err)
		}
		n := int(tag.RowsAffected())
		total += n
		if n < deleteBatch {
			return total, nil
		}
	}
}
