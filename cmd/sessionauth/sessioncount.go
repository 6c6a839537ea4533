package main

import (
	"context"
	"sync"
	"time"
)

// sessionCountInterval is how long a count of live sessions answers the active-sessions gauge.
const sessionCountInterval = 10 * time.Second

// sessionCount answers the active-sessions gauge from a count at most interval old. Counting reads
// every live session (on Redis a scan of the whole keyspace), so it must not run on every scrape:
// with several Prometheus servers, or one scraping often, that would be a full scan every few
// seconds. Scrapes that find the count stale while another is counting wait for that count instead
// of starting their own.
type sessionCount struct {
	counter  sessionCounter
	interval time.Duration
	timeout  time.Duration // bounds one count
	now      func() time.Time

	mu    sync.Mutex // held while counting: one count at a time
	at    time.Time  // when value was counted; zero before the first count
	value float64    // the count, or -1 when the store could not count
}

func newSessionCount(counter sessionCounter, now func() time.Time) *sessionCount {
	return &sessionCount{counter: counter, interval: sessionCountInterval, timeout: 2 * time.Second, now: now}
}

// get returns the cached count, counting again when it is interval old. A failed count is kept for
// the interval too, so that a struggling store is not asked on every scrape.
func (c *sessionCount) get() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if !c.at.IsZero() && now.Sub(c.at) < c.interval {
		return c.value
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	n, err := c.counter.CountSessions(ctx)
	c.value, c.at = float64(n), now
	if err != nil {
		c.value = -1
	}
	return c.value
}
