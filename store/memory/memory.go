// Package memory is an in-process store for sessions, users, API tokens and throttle counters.
//
// It suits tests, development and single-instance deployments that accept losing every session on
// restart. Expired sessions and throttle entries are swept by a background goroutine that Close stops.
package memory

import (
	"sync"
	"time"
)

// DefaultSweepInterval is how often expired entries are removed when Options.SweepInterval is zero.
const DefaultSweepInterval = time.Minute

// Options configure New. The zero value is ready to use.
type Options struct {
	// SweepInterval is how often expired entries are removed; negative disables the sweeper.
	SweepInterval time.Duration
	// Now is the clock used to decide expiry; nil means time.Now.
	Now func() time.Time
}

// Store keeps everything in memory. It is safe for concurrent use. Create it with New.
type Store struct {
	now    func() time.Time
	shards [shardCount]shard // sessions, sharded by id so one lock does not serialise all requests

	users    userTable
	tokens   tokenTable
	throttle throttleTable

	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}
}

// New returns an empty store and starts its sweeper.
func New(opts Options) *Store {
	s := &Store{now: opts.Now, stop: make(chan struct{}), done: make(chan struct{})}
	if s.now == nil {
		s.now = time.Now
	}
	for i := range s.shards {
		s.shards[i].init()
	}
	s.users.init()
	s.tokens.init()
	s.throttle.init()
	interval := opts.SweepInterval
	if interval == 0 {
		interval = DefaultSweepInterval
	}
	if interval > 0 {
		go s.sweeper(interval)
	} else {
		close(s.done)
	}
	return s
}

// Close stops the sweeper. The store stays usable.
func (s *Store) Close() error {
	s.stopOnce.Do(func() { close(s.stop) })
	<-s.done
	return nil
}

func (s *Store) sweeper(interval time.Duration) {
	defer close(s.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.sweep()
		}
	}
}

// sweep removes expired sessions and throttle entries, one shard at a time.
func (s *Store) sweep() int {
	now := s.now()
	n := 0
	for i := range s.shards {
		n += s.shards[i].deleteExpired(now)
	}
	s.throttle.sweep(now)
	return n
}
