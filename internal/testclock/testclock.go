// Package testclock is a settable clock for tests: code under test reads Now (injected where it
// takes a func() time.Time) while the test moves time, instead of sleeping.
package testclock

import (
	"sync"
	"time"
)

// Clock is a time source that moves only when told. It is safe for concurrent use, so background
// goroutines (sweepers, servers) may read it while the test advances it.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a clock reading start.
func New(start time.Time) *Clock { return &Clock{t: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t (also backwards).
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}
