package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/sessionauth/sessionauth/throttle"
)

// Hit implements throttle.Store in one write transaction (BEGIN IMMEDIATE), so concurrent hits, also
// from other processes, are counted one at a time.
func (s *Store) Hit(ctx context.Context, key string, now time.Time, limit int, window time.Duration) (throttle.Result, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return throttle.Result{}, fmt.Errorf("sqlite: throttle: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "DELETE FROM throttle_hits WHERE key = ? AND at <= ?", key, nanos(now.Add(-window))); err != nil {
		return throttle.Result{}, fmt.Errorf("sqlite: throttle: %w", err)
	}
	var count int
	var oldest int64
	if err := tx.QueryRowContext(ctx, "SELECT count(*), coalesce(min(at), 0) FROM throttle_hits WHERE key = ?", key).Scan(&count, &oldest); err != nil {
		return throttle.Result{}, fmt.Errorf("sqlite: throttle: %w", err)
	}
	res := throttle.Result{Allowed: count < limit, Count: count}
	if res.Allowed {
		if _, err := tx.ExecContext(ctx, "INSERT INTO throttle_hits(key, at) VALUES (?, ?)", key, nanos(now)); err != nil {
			return throttle.Result{}, fmt.Errorf("sqlite: throttle: %w", err)
		}
		res.Count++
		if count == 0 || nanos(now) < oldest {
			oldest = nanos(now)
		}
	}
	if err := tx.Commit(); err != nil {
		return throttle.Result{}, fmt.Errorf("sqlite: throttle: %w", err)
	}
	res.Oldest = fromNanos(oldest)
	return res, nil
}

// ClearHits implements throttle.Store.
func (s *Store) ClearHits(ctx context.Context, key string) error {
	if _, err := s.w.ExecContext(ctx, "DELETE FROM throttle_hits WHERE key = ?", key); err != nil {
		return fmt.Errorf("sqlite: throttle: %w", err)
	}
	return nil
}

// deleteOldHits removes hits older than the longest window a rate can have (one day).
func (s *Store) deleteOldHits(ctx context.Context) error {
	_, err := s.w.ExecContext(ctx, "DELETE FROM throttle_hits WHERE at <= ?", nanos(s.now().Add(-24*time.Hour)))
	return err
}
