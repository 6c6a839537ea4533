package redis

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/sessionauth/sessionauth/throttle"
)

// hitScript is Hit: prune, count, record and expire in one step.
//
// KEYS[1] hits. ARGV[1] now (Unix µs), ARGV[2] window (µs), ARGV[3] limit, ARGV[4] a member unique to
// this hit, ARGV[5] time to live (ms) if the hit is recorded. Hits at or before now-window leave the
// window. Returns {allowed (0/1), count, oldest (Unix µs; -1 when there are no hits)}.
//
// Scores are microseconds: exact in a float64 for the next few centuries, unlike nanoseconds.
var hitScript = newScript(`
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
local n = redis.call('ZCARD', KEYS[1])
local allowed = 0
if n < tonumber(ARGV[3]) then
	redis.call('ZADD', KEYS[1], now, ARGV[4])
	redis.call('PEXPIRE', KEYS[1], ARGV[5], 'NX')
	redis.call('PEXPIRE', KEYS[1], ARGV[5], 'GT')
	n = n + 1
	allowed = 1
end
local oldest = -1
if n > 0 then
	oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
end
return {allowed, n, oldest}
`)

// Hit implements throttle.Store. The times of hits are the callers' (now), not Redis's, so that
// Oldest and the window follow the clock the callers compute Retry-After with.
func (s *Store) Hit(ctx context.Context, key string, now time.Time, limit int, window time.Duration) (throttle.Result, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := ctx.Err(); err != nil {
		return throttle.Result{}, wrap(ctx, "throttle hit", err)
	}
	// The key must outlive the hit: until now+window, counted from the local clock (now may be ahead).
	ttl := window
	if ahead := time.Until(now); ahead > 0 {
		ttl += ahead
	}
	ttlMs := max((ttl+time.Millisecond-1)/time.Millisecond, 1)
	hitID := s.hitPrefix + strconv.FormatUint(s.hitSeq.Add(1), 10)
	vals, err := hitScript.exec(ctx, s.client, []string{s.throttleKey(key)},
		strconv.FormatInt(now.UnixMicro(), 10), strconv.FormatInt(window.Microseconds(), 10),
		strconv.Itoa(limit), hitID, strconv.FormatInt(int64(ttlMs), 10)).AsIntSlice()
	if err != nil {
		return throttle.Result{}, wrap(ctx, "throttle hit", err)
	}
	if len(vals) != 3 {
		return throttle.Result{}, fmt.Errorf("redis: throttle hit: unexpected reply of %d values", len(vals))
	}
	res := throttle.Result{Allowed: vals[0] == 1, Count: int(vals[1])}
	if vals[2] >= 0 && res.Count > 0 {
		res.Oldest = time.UnixMicro(vals[2])
	}
	return res, nil
}

// ClearHits implements throttle.Store.
func (s *Store) ClearHits(ctx context.Context, key string) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := ctx.Err(); err != nil {
		return wrap(ctx, "throttle clear", err)
	}
	if err := s.client.Do(ctx, s.client.B().Del().Key(s.throttleKey(key)).Build()).Error(); err != nil {
		return wrap(ctx, "throttle clear", err)
	}
	return nil
}

var _ throttle.Store = (*Store)(nil)
