// Package throttletest is the conformance suite for throttle.Store implementations. A store's test
// calls Run with a function that returns a store:
//
//	func TestThrottleStore(t *testing.T) {
//		throttletest.Run(t, func(t *testing.T) throttle.Store { return newStore(t) })
//	}
//
// The suite checks the contract written on throttle.Store: the sliding window of DRF's
// SimpleRateThrottle history (a hit recorded exactly window ago has left the window), the Count and
// Oldest values Hit reports, refused hits not being recorded, ClearHits, independent keys and windows,
// and that the check and the record are one atomic step under concurrent callers.
//
// Every subtest uses keys of its own, so stores that share one server between tests (Redis, SQL) need
// not be emptied. The suite passes explicit times to Hit and never sleeps; the times are close to the
// real clock, so a store may also use them to set expiry on its keys.
package throttletest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/throttle"
)

// Run runs the conformance suite. newStore is called once per subtest; the store need not be empty.
func Run(t *testing.T, newStore func(t *testing.T) throttle.Store) {
	t.Run("FirstHit", func(t *testing.T) { testFirstHit(t, newStore(t)) })
	t.Run("UpToLimit", func(t *testing.T) { testUpToLimit(t, newStore(t)) })
	t.Run("RefusedHitsNotRecorded", func(t *testing.T) { testRefusedNotRecorded(t, newStore(t)) })
	t.Run("WindowBoundary", func(t *testing.T) { testWindowBoundary(t, newStore(t)) })
	t.Run("SlidingWindow", func(t *testing.T) { testSliding(t, newStore(t)) })
	t.Run("OldestAfterExpiry", func(t *testing.T) { testOldestAfterExpiry(t, newStore(t)) })
	t.Run("SameInstant", func(t *testing.T) { testSameInstant(t, newStore(t)) })
	t.Run("OutOfOrderTimes", func(t *testing.T) { testOutOfOrder(t, newStore(t)) })
	t.Run("ZeroLimit", func(t *testing.T) { testZeroLimit(t, newStore(t)) })
	t.Run("DRFExpiry", func(t *testing.T) { testDRFExpiry(t, newStore(t)) })
	t.Run("DRFSteadyRate", func(t *testing.T) { testDRFSteadyRate(t, newStore(t)) })
	t.Run("ClearHits", func(t *testing.T) { testClearHits(t, newStore(t)) })
	t.Run("KeysIndependent", func(t *testing.T) { testKeysIndependent(t, newStore(t)) })
	t.Run("DifferentWindows", func(t *testing.T) { testDifferentWindows(t, newStore(t)) })
	t.Run("ShorterWindowOnOneKey", func(t *testing.T) { testShorterWindow(t, newStore(t)) })
	t.Run("LongKeys", func(t *testing.T) { testLongKeys(t, newStore(t)) })
	t.Run("RealTime", func(t *testing.T) { testRealTime(t, newStore(t)) })
	t.Run("Atomic", func(t *testing.T) { testAtomic(t, newStore(t)) })
	t.Run("AtomicAcrossKeys", func(t *testing.T) { testAtomicAcrossKeys(t, newStore(t)) })
	t.Run("CancelledContext", func(t *testing.T) { testCancelled(t, newStore(t)) })
}

var keyCounter atomic.Uint64

// newKey returns a key no other test (in this process or another sharing the server) uses.
func newKey(t *testing.T) string {
	return fmt.Sprintf("throttletest:%d:%d:%s", time.Now().UnixNano(), keyCounter.Add(1), t.Name())
}

// base is a start time near the real clock, rounded to the millisecond so that every backend keeps it
// exactly (Redis scores are float64; SQL keeps microseconds).
func base() time.Time { return time.Now().Truncate(time.Millisecond) }

// sameTime compares at microsecond precision, the finest every supported backend keeps.
func sameTime(a, b time.Time) bool {
	d := a.Sub(b)
	return d > -time.Microsecond && d < time.Microsecond
}

func hit(t *testing.T, st throttle.Store, key string, now time.Time, limit int, window time.Duration) throttle.Result {
	t.Helper()
	res, err := st.Hit(context.Background(), key, now, limit, window)
	if err != nil {
		t.Fatalf("Hit(%s, limit %d, window %s): %v", now.Format("15:04:05.000000"), limit, window, err)
	}
	return res
}

// expect checks one Hit's result.
func expect(t *testing.T, what string, res throttle.Result, allowed bool, count int, oldest time.Time) {
	t.Helper()
	if res.Allowed != allowed || res.Count != count {
		t.Fatalf("%s: got Allowed=%v Count=%d, want Allowed=%v Count=%d", what, res.Allowed, res.Count, allowed, count)
	}
	if oldest.IsZero() {
		if !res.Oldest.IsZero() {
			t.Fatalf("%s: Oldest = %v, want zero (no hits in the window)", what, res.Oldest)
		}
		return
	}
	if !sameTime(res.Oldest, oldest) {
		t.Fatalf("%s: Oldest = %v, want %v", what, res.Oldest, oldest)
	}
}

func testFirstHit(t *testing.T, st throttle.Store) {
	now := base()
	expect(t, "first hit", hit(t, st, newKey(t), now, 3, time.Minute), true, 1, now)
}

func testUpToLimit(t *testing.T, st throttle.Store) {
	key, t0 := newKey(t), base()
	for i := 1; i <= 5; i++ {
		expect(t, fmt.Sprintf("hit %d of 5", i), hit(t, st, key, t0.Add(time.Duration(i-1)*time.Second), 5, time.Minute), true, i, t0)
	}
	for i := range 3 {
		expect(t, fmt.Sprintf("hit over the limit #%d", i+1), hit(t, st, key, t0.Add(10*time.Second), 5, time.Minute), false, 5, t0)
	}
}

// testRefusedNotRecorded: DRF's throttle_failure records nothing, so a client that keeps knocking while
// throttled gets in again as soon as its oldest allowed hit leaves the window.
func testRefusedNotRecorded(t *testing.T, st throttle.Store) {
	key, t0 := newKey(t), base()
	w := time.Minute
	for i := range 3 {
		hit(t, st, key, t0.Add(time.Duration(i)*time.Second), 3, w) // t0, t0+1s, t0+2s
	}
	for i := range 50 {
		expect(t, "refused while full", hit(t, st, key, t0.Add(10*time.Second+time.Duration(i)*time.Second), 3, w), false, 3, t0)
	}
	// At t0+60s the hit at t0 is exactly window old and leaves; the 50 refusals left nothing behind.
	expect(t, "first hit after the oldest left", hit(t, st, key, t0.Add(w), 3, w), true, 3, t0.Add(time.Second))
	expect(t, "full again", hit(t, st, key, t0.Add(w), 3, w), false, 3, t0.Add(time.Second))
}

// testWindowBoundary: the window is (now-window, now]; DRF pops entries with history[-1] <= now - duration.
func testWindowBoundary(t *testing.T, st throttle.Store) {
	key, t0 := newKey(t), base()
	w := 10 * time.Second
	expect(t, "first", hit(t, st, key, t0, 1, w), true, 1, t0)
	expect(t, "one millisecond before the hit leaves", hit(t, st, key, t0.Add(w-time.Millisecond), 1, w), false, 1, t0)
	expect(t, "one microsecond before the hit leaves", hit(t, st, key, t0.Add(w-time.Microsecond), 1, w), false, 1, t0)
	expect(t, "exactly window after the hit", hit(t, st, key, t0.Add(w), 1, w), true, 1, t0.Add(w))
}

func testSliding(t *testing.T, st throttle.Store) {
	key, t0 := newKey(t), base()
	w := time.Minute
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	expect(t, "t=0", hit(t, st, key, at(0), 3, w), true, 1, at(0))
	expect(t, "t=20", hit(t, st, key, at(20), 3, w), true, 2, at(0))
	expect(t, "t=40", hit(t, st, key, at(40), 3, w), true, 3, at(0))
	expect(t, "t=59", hit(t, st, key, at(59), 3, w), false, 3, at(0))
	expect(t, "t=60 (0 left)", hit(t, st, key, at(60), 3, w), true, 3, at(20))
	expect(t, "t=79", hit(t, st, key, at(79), 3, w), false, 3, at(20))
	expect(t, "t=80 (20 left)", hit(t, st, key, at(80), 3, w), true, 3, at(40))
	// Long after everything left: a fresh window.
	expect(t, "t=1000", hit(t, st, key, at(1000), 3, w), true, 1, at(1000))
}

func testOldestAfterExpiry(t *testing.T, st throttle.Store) {
	key, t0 := newKey(t), base()
	w := time.Minute
	hit(t, st, key, t0, 10, w)
	hit(t, st, key, t0.Add(30*time.Second), 10, w)
	hit(t, st, key, t0.Add(45*time.Second), 10, w)
	// At t0+61s the first hit has left; the window holds t0+30s, t0+45s and the new one.
	expect(t, "after the first left", hit(t, st, key, t0.Add(61*time.Second), 10, w), true, 3, t0.Add(30*time.Second))
	// At t0+106s only t0+61s is left of the earlier hits.
	expect(t, "after three left", hit(t, st, key, t0.Add(106*time.Second), 10, w), true, 2, t0.Add(61*time.Second))
}

// testSameInstant: hits at the same instant are distinct hits (a store keyed by timestamp, such as a
// Redis sorted set with the time as member, would merge them).
func testSameInstant(t *testing.T, st throttle.Store) {
	key, now := newKey(t), base()
	for i := 1; i <= 4; i++ {
		expect(t, fmt.Sprintf("hit %d at one instant", i), hit(t, st, key, now, 4, time.Minute), true, i, now)
	}
	expect(t, "fifth at the same instant", hit(t, st, key, now, 4, time.Minute), false, 4, now)
}

// testOutOfOrder: concurrent callers read the clock before they reach the store, so hits can arrive out
// of time order. Expiry and Oldest must still follow the hits' times, not their arrival order.
func testOutOfOrder(t *testing.T, st throttle.Store) {
	key, t0 := newKey(t), base()
	w := time.Minute
	hit(t, st, key, t0.Add(2*time.Second), 10, w)
	hit(t, st, key, t0, 10, w)
	hit(t, st, key, t0.Add(time.Second), 10, w)
	// At t0+60.5s the hit at t0 has left, those at t0+1s and t0+2s have not.
	now := t0.Add(w + 500*time.Millisecond)
	expect(t, "after the earliest (recorded second) left", hit(t, st, key, now, 10, w), true, 3, t0.Add(time.Second))
	// At t0+61.5s only the hit at t0+2s (recorded first) remains from the early ones.
	now = t0.Add(w + 1500*time.Millisecond)
	expect(t, "after two left", hit(t, st, key, now, 10, w), true, 3, t0.Add(2*time.Second))
}

func testZeroLimit(t *testing.T, st throttle.Store) {
	key, now := newKey(t), base()
	expect(t, "limit 0 on an empty key", hit(t, st, key, now, 0, time.Minute), false, 0, time.Time{})
	expect(t, "limit 1 afterwards (nothing was recorded)", hit(t, st, key, now, 1, time.Minute), true, 1, now)
}

// testDRFExpiry is DRF's test_request_throttling_expires: 3/sec, four requests at t=0 (the fourth
// refused), one at t=1 (allowed).
func testDRFExpiry(t *testing.T, st throttle.Store) {
	key, t0 := newKey(t), base()
	for i := range 3 {
		expect(t, fmt.Sprintf("t=0 #%d", i+1), hit(t, st, key, t0, 3, time.Second), true, i+1, t0)
	}
	expect(t, "t=0 #4", hit(t, st, key, t0, 3, time.Second), false, 3, t0)
	expect(t, "t=1", hit(t, st, key, t0.Add(time.Second), 3, time.Second), true, 1, t0.Add(time.Second))
}

// testDRFSteadyRate is DRF's test_next_rate_remains_constant_if_followed: 3/min at 0, 20, 40, 60, 80 s.
func testDRFSteadyRate(t *testing.T, st throttle.Store) {
	key, t0 := newKey(t), base()
	for _, s := range []int{0, 20, 40, 60, 80} {
		res := hit(t, st, key, t0.Add(time.Duration(s)*time.Second), 3, time.Minute)
		if !res.Allowed {
			t.Fatalf("t=%d: refused (%+v), want allowed", s, res)
		}
	}
}

func testClearHits(t *testing.T, st throttle.Store) {
	ctx := context.Background()
	key, other, now := newKey(t), newKey(t), base()
	for range 3 {
		hit(t, st, key, now, 3, time.Hour)
		hit(t, st, other, now, 3, time.Hour)
	}
	expect(t, "full before ClearHits", hit(t, st, key, now, 3, time.Hour), false, 3, now)
	if err := st.ClearHits(ctx, key); err != nil {
		t.Fatalf("ClearHits: %v", err)
	}
	later := now.Add(time.Second)
	expect(t, "first hit after ClearHits", hit(t, st, key, later, 3, time.Hour), true, 1, later)
	expect(t, "another key is not cleared", hit(t, st, other, later, 3, time.Hour), false, 3, now)
	if err := st.ClearHits(ctx, newKey(t)); err != nil {
		t.Fatalf("ClearHits of a key never hit: %v", err)
	}
	if err := st.ClearHits(ctx, key); err != nil {
		t.Fatalf("ClearHits twice: %v", err)
	}
	if err := st.ClearHits(ctx, key); err != nil {
		t.Fatalf("ClearHits of a cleared key: %v", err)
	}
}

func testKeysIndependent(t *testing.T, st throttle.Store) {
	a, b, now := newKey(t), newKey(t), base()
	hit(t, st, a, now, 2, time.Minute)
	hit(t, st, a, now, 2, time.Minute)
	expect(t, "a full", hit(t, st, a, now, 2, time.Minute), false, 2, now)
	// Keys that differ only in case, by a suffix or by a prefix are different keys.
	for _, k := range []string{b, strings.ToUpper(a), a + "x", a[:len(a)-1], "x" + a} {
		expect(t, "other key "+k, hit(t, st, k, now, 2, time.Minute), true, 1, now)
	}
}

// testDifferentWindows: keys with different windows expire on their own schedule (the shape of
// "5/min" plus "100/hour" on one account).
func testDifferentWindows(t *testing.T, st throttle.Store) {
	perSec, perMin, perHour, t0 := newKey(t), newKey(t), newKey(t), base()
	for range 2 {
		hit(t, st, perSec, t0, 2, time.Second)
		hit(t, st, perMin, t0, 2, time.Minute)
		hit(t, st, perHour, t0, 2, time.Hour)
	}
	now := t0.Add(time.Second)
	expect(t, "1s window after 1s", hit(t, st, perSec, now, 2, time.Second), true, 1, now)
	expect(t, "1min window after 1s", hit(t, st, perMin, now, 2, time.Minute), false, 2, t0)
	now = t0.Add(time.Minute)
	expect(t, "1min window after 1min", hit(t, st, perMin, now, 2, time.Minute), true, 1, now)
	expect(t, "1h window after 1min", hit(t, st, perHour, now, 2, time.Hour), false, 2, t0)
	now = t0.Add(time.Hour)
	expect(t, "1h window after 1h", hit(t, st, perHour, now, 2, time.Hour), true, 1, now)
}

// testShorterWindow: the window is a parameter of each call; a call with a shorter window than earlier
// calls counts only the hits inside its own window.
func testShorterWindow(t *testing.T, st throttle.Store) {
	key, t0 := newKey(t), base()
	for _, s := range []int{0, 10, 20} {
		hit(t, st, key, t0.Add(time.Duration(s)*time.Second), 100, time.Hour)
	}
	// Window (t0+15s, t0+25s]: the hit at t0+20s and this one.
	expect(t, "10s window", hit(t, st, key, t0.Add(25*time.Second), 100, 10*time.Second), true, 2, t0.Add(20*time.Second))
}

func testLongKeys(t *testing.T, st throttle.Store) {
	now := base()
	long := newKey(t) + ":" + fmt.Sprintf("%0200d", 7) + ":ünïcødé:☃"
	expect(t, "long unicode key", hit(t, st, long, now, 1, time.Minute), true, 1, now)
	expect(t, "long unicode key again", hit(t, st, long, now, 1, time.Minute), false, 1, now)
}

// testRealTime uses the clock as callers do, without sleeping.
func testRealTime(t *testing.T, st throttle.Store) {
	key := newKey(t)
	start := time.Now()
	var first time.Time
	for i := 1; i <= 3; i++ {
		now := time.Now()
		if i == 1 {
			first = now
		}
		res := hit(t, st, key, now, 3, time.Minute)
		if !res.Allowed || res.Count != i {
			t.Fatalf("real-time hit %d: %+v", i, res)
		}
	}
	res := hit(t, st, key, time.Now(), 3, time.Minute)
	if res.Allowed || res.Count != 3 {
		t.Fatalf("fourth real-time hit: %+v, want refused with Count 3", res)
	}
	if res.Oldest.Before(start.Add(-time.Microsecond)) || !sameTime(res.Oldest, first) {
		t.Fatalf("Oldest = %v, want the first hit's time %v", res.Oldest, first)
	}
	if w := res.Wait(time.Now(), 3, time.Minute); w <= 0 || w > time.Minute {
		t.Fatalf("Wait = %s, want within (0, 1m]", w)
	}
}

const (
	parallel = 100
	limit    = 10
	rounds   = 20
)

// testAtomic: 100 callers released together, limit 10 → exactly 10 allowed, and the allowed ones see
// the counts 1..10 once each. Odd rounds give every caller its own time (arriving in any order).
func testAtomic(t *testing.T, st throttle.Store) {
	for round := range rounds {
		key, t0 := newKey(t), base()
		var (
			start   = make(chan struct{})
			wg      sync.WaitGroup
			mu      sync.Mutex
			counts  []int
			refused int
			errs    []error
		)
		for i := range parallel {
			now := t0
			if round%2 == 1 {
				now = t0.Add(time.Duration(i) * time.Millisecond)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				res, err := st.Hit(context.Background(), key, now, limit, time.Minute)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err != nil:
					errs = append(errs, err)
				case res.Allowed:
					counts = append(counts, res.Count)
				default:
					refused++
					if res.Count != limit {
						errs = append(errs, fmt.Errorf("refused hit reported Count %d, want %d", res.Count, limit))
					}
				}
			}()
		}
		close(start)
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("round %d: %d errors, first: %v", round, len(errs), errs[0])
		}
		if len(counts) != limit || refused != parallel-limit {
			t.Fatalf("round %d: %d allowed and %d refused, want %d and %d", round, len(counts), refused, limit, parallel-limit)
		}
		sort.Ints(counts)
		for i, c := range counts {
			if c != i+1 {
				t.Fatalf("round %d: allowed hits reported counts %v, want 1..%d once each", round, counts, limit)
			}
		}
		res := hit(t, st, key, t0.Add(time.Second), limit, time.Minute)
		if res.Allowed || res.Count != limit {
			t.Fatalf("round %d: after the burst: %+v, want refused with Count %d", round, res, limit)
		}
	}
}

// testAtomicAcrossKeys: concurrent callers on different keys do not disturb each other's counts.
func testAtomicAcrossKeys(t *testing.T, st throttle.Store) {
	const keys, perKey = 10, 15
	names := make([]string, keys)
	for i := range names {
		names[i] = newKey(t)
	}
	now := base()
	allowed := make([]atomic.Int32, keys)
	var failed atomic.Value
	start := make(chan struct{})
	var wg sync.WaitGroup
	for k := range keys {
		for range perKey {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				res, err := st.Hit(context.Background(), names[k], now, 5, time.Minute)
				if err != nil {
					failed.Store(err)
					return
				}
				if res.Allowed {
					allowed[k].Add(1)
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		t.Fatal(err)
	}
	for k := range allowed {
		if n := allowed[k].Load(); n != 5 {
			t.Fatalf("key %d: %d allowed, want 5", k, n)
		}
	}
}

func testCancelled(t *testing.T, st throttle.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	key, now := newKey(t), base()
	_, err := st.Hit(ctx, key, now, 1, time.Minute)
	if err == nil {
		t.Fatal("Hit with a cancelled context succeeded; want an error (a throttle must fail closed)")
	}
	if !errors.Is(err, context.Canceled) {
		t.Logf("Hit with a cancelled context: %v (not wrapping context.Canceled)", err)
	}
	// Whatever the cancelled call did, the key is usable afterwards and holds at most that one hit.
	res := hit(t, st, key, now, 2, time.Minute)
	if !res.Allowed || res.Count < 1 || res.Count > 2 {
		t.Fatalf("hit after a cancelled call: %+v", res)
	}
}
