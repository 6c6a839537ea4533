// Package throttle counts hits in sliding windows, atomically, for rate limits such as DRF's throttles
// and login throttling. The counting lives in a Store so that several server instances can share it.
package throttle

import (
	"context"
	"time"
)

// Store records hits per key in a sliding window (DRF's SimpleRateThrottle history, kept atomic).
//
// Hit looks at the hits recorded for key within (now-window, now]. If there are fewer than limit, it
// records a hit at now and reports Allowed; otherwise it records nothing. Count is the number of hits in
// the window after the call and Oldest the earliest of them (zero when there are none). The check and
// the record are one atomic step: N concurrent calls with limit L allow at most L of them. Concurrent
// callers' clocks differ slightly, so a recorded hit later than a caller's now still counts against it.
//
// Both methods fail (with an error other than a refusal) when ctx is already done; a store that cannot
// answer returns an error, and callers refuse the request (throttling fails closed).
//
// ClearHits forgets every hit recorded for key.
type Store interface {
	// Hit records a hit for key at now if fewer than limit lie within window before it.
	Hit(ctx context.Context, key string, now time.Time, limit int, window time.Duration) (Result, error)
	// ClearHits forgets the hits of key.
	ClearHits(ctx context.Context, key string) error
}

// Result is what Store.Hit reports.
type Result struct {
	Allowed bool      // the hit was recorded: the request may proceed
	Count   int       // hits in the window after the call, this one included if Allowed
	Oldest  time.Time // the earliest hit in the window; zero when there are none
}

// Wait is how long a client should wait before retrying after a refused hit, by DRF's formula: the time
// until the oldest hit leaves the window, spread over the requests that will then be available. It is
// zero when no estimate is possible (the window holds more hits than the limit, after a rate change).
func (r Result) Wait(now time.Time, limit int, window time.Duration) time.Duration {
	remaining := window
	if r.Count > 0 {
		remaining = window - now.Sub(r.Oldest)
	}
	available := limit - r.Count + 1
	if available <= 0 {
		return 0
	}
	return remaining / time.Duration(available)
}
