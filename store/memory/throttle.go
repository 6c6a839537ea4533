package memory

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/sessionauth/sessionauth/throttle"
)

type hits struct {
	times  []time.Time // sorted, oldest first
	window time.Duration
}

type throttleTable struct {
	mu   sync.Mutex
	keys map[string]*hits
}

func (t *throttleTable) init() { t.keys = make(map[string]*hits) }

// Hit implements throttle.Store.
func (s *Store) Hit(ctx context.Context, key string, now time.Time, limit int, window time.Duration) (throttle.Result, error) {
	if err := ctx.Err(); err != nil {
		return throttle.Result{}, err
	}
	t := &s.throttle
	t.mu.Lock()
	defer t.mu.Unlock()
	h := t.keys[key]
	if h == nil {
		h = &hits{}
		t.keys[key] = h
	}
	h.window = window
	cut := now.Add(-window)
	i := 0
	for i < len(h.times) && !h.times[i].After(cut) {
		i++
	}
	h.times = h.times[i:]
	res := throttle.Result{Allowed: len(h.times) < limit}
	if res.Allowed {
		// Keep the times sorted even when concurrent callers arrive out of time order, so that the
		// pruning above and Oldest stay right.
		j := sort.Search(len(h.times), func(j int) bool { return h.times[j].After(now) })
		h.times = slices.Insert(h.times, j, now)
	}
	res.Count = len(h.times)
	if res.Count > 0 {
		res.Oldest = h.times[0]
	}
	return res, nil
}

// ClearHits implements throttle.Store.
func (s *Store) ClearHits(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.throttle.mu.Lock()
	delete(s.throttle.keys, key)
	s.throttle.mu.Unlock()
	return nil
}

// sweep drops keys whose newest hit has left its window.
func (t *throttleTable) sweep(now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, h := range t.keys {
		if len(h.times) == 0 || !h.times[len(h.times)-1].After(now.Add(-h.window)) {
			delete(t.keys, k)
		}
	}
}
