package throttle_test

import (
	"math"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/throttle"
)

// TestWait checks Result.Wait against DRF's SimpleRateThrottle.wait():
//
//	remaining = duration - (now - history[-1]) if history else duration
//	available = num_requests - len(history) + 1
//	None if available <= 0 else remaining / available
func TestWait(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	sec := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
	cases := []struct {
		name   string
		res    throttle.Result
		now    time.Time
		limit  int
		window time.Duration
		want   time.Duration
	}{
		// DRF test_wait_returns_correct_waiting_time_without_history: 1 per 60 s, empty history → 30.0.
		{"empty history", throttle.Result{}, t0, 1, time.Minute, 30 * time.Second},
		// DRF test_minutes_fields: 3/min, four requests at t=0 → Retry-After 60.
		{"3/min full at t=0", throttle.Result{Count: 3, Oldest: t0}, t0, 3, time.Minute, time.Minute},
		// DRF test_seconds_fields: 3/sec → Retry-After 1.
		{"3/sec full at t=0", throttle.Result{Count: 3, Oldest: t0}, t0, 3, time.Second, time.Second},
		// DRF test_request_throttling_multiple_throttles: 6/min full since t=0, asked at t=1 → 59, at t=2 → 58.
		{"6/min at t=1", throttle.Result{Count: 6, Oldest: t0}, t0.Add(time.Second), 6, time.Minute, 59 * time.Second},
		{"6/min at t=2", throttle.Result{Count: 6, Oldest: t0}, t0.Add(2 * time.Second), 6, time.Minute, 58 * time.Second},
		// Room left: the remaining time is spread over the requests available.
		{"2 of 5 used", throttle.Result{Count: 2, Oldest: t0}, t0.Add(20 * time.Second), 5, time.Minute, sec(40.0 / 4)},
		{"1 of 3 used", throttle.Result{Count: 1, Oldest: t0}, t0.Add(30 * time.Second), 3, time.Minute, sec(30.0 / 3)},
		// DRF test_throttle_rate_change_negative: more hits than the (new) limit → None, here 0.
		{"history longer than limit", throttle.Result{Count: 24, Oldest: t0}, t0, 1, time.Second, 0},
		{"history = limit + 1", throttle.Result{Count: 4, Oldest: t0}, t0, 3, time.Minute, 0},
	}
	for _, c := range cases {
		got := c.res.Wait(c.now, c.limit, c.window)
		if got != c.want {
			t.Errorf("%s: Wait = %s, want %s", c.name, got, c.want)
		}
	}
}

// TestWaitRetryAfter checks the header value a view derives from Wait (math.ceil of the seconds), for
// the Retry-After values DRF's tests assert.
func TestWaitRetryAfter(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	retryAfter := func(d time.Duration) int { return int(math.Ceil(d.Seconds())) }
	res := throttle.Result{Count: 3, Oldest: t0}
	if got := retryAfter(res.Wait(t0, 3, time.Second)); got != 1 {
		t.Errorf("3/sec: Retry-After %d, want 1", got)
	}
	if got := retryAfter(res.Wait(t0, 3, time.Minute)); got != 60 {
		t.Errorf("3/min: Retry-After %d, want 60", got)
	}
	// Half a second into the window: 59.5 s remain → 60.
	if got := retryAfter(res.Wait(t0.Add(500*time.Millisecond), 3, time.Minute)); got != 60 {
		t.Errorf("3/min after 0.5 s: Retry-After %d, want 60", got)
	}
	// The wait never exceeds the window and is positive while the window is full.
	for ms := 0; ms < 60000; ms += 997 {
		now := t0.Add(time.Duration(ms) * time.Millisecond)
		w := res.Wait(now, 3, time.Minute)
		if w <= 0 || w > time.Minute {
			t.Fatalf("at +%d ms: Wait = %s", ms, w)
		}
	}
}
