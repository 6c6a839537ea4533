package password

import (
	"context"
	"sync/atomic"
)

// limiter is a counting semaphore with a bounded number of waiters: at most
// cap(slots) holders at once, at most maxWaiting callers blocked waiting for
// a slot; further callers are refused with ErrBusy instead of queueing
// without bound (each queued login would otherwise keep its request, and
// soon its argon2 memory, alive).
type limiter struct {
	slots      chan struct{}
	waiting    atomic.Int64
	maxWaiting int64
}

func newLimiter(concurrent, maxWaiting int) *limiter {
	return &limiter{
		slots:      make(chan struct{}, concurrent),
		maxWaiting: int64(maxWaiting),
	}
}

// acquire takes a slot, waiting while ctx allows and the queue has room. It
// returns ErrBusy when the queue is full and ctx.Err() when ctx ends first.
func (l *limiter) acquire(ctx context.Context) error {
	select {
	case l.slots <- struct{}{}:
		return nil
	default:
	}
	if l.waiting.Add(1) > l.maxWaiting {
		l.waiting.Add(-1)
		return ErrBusy
	}
	defer l.waiting.Add(-1)
	select {
	case l.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// release gives back a slot taken by acquire.
func (l *limiter) release() {
	<-l.slots
}

// inUse and queued report the current state (tests).
func (l *limiter) inUse() int    { return len(l.slots) }
func (l *limiter) queued() int64 { return l.waiting.Load() }
