package password

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// waitFor polls cond (state changes made by other goroutines) for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestLimiterDefaults(t *testing.T) {
	var h Hasher
	h.init()
	n := 2 * runtime.GOMAXPROCS(0)
	if cap(h.lim.slots) != n || h.lim.maxWaiting != int64(64*n) {
		t.Errorf("slots %d, waiting %d; want %d, %d", cap(h.lim.slots), h.lim.maxWaiting, n, 64*n)
	}
	h2 := Hasher{MaxConcurrent: 3, MaxWaiting: -1}
	h2.init()
	if cap(h2.lim.slots) != 3 || h2.lim.maxWaiting != 0 {
		t.Errorf("slots %d, waiting %d", cap(h2.lim.slots), h2.lim.maxWaiting)
	}
}

// TestBusyAndCancel holds the only slot inside OnCompute, fills the one-place
// queue, and checks that the next caller is refused with ErrBusy at once,
// that a waiting caller leaves when its context is canceled, and that
// everything works again once the slot is free.
func TestBusyAndCancel(t *testing.T) {
	release := make(chan struct{})
	var computations atomic.Int64
	var holding atomic.Bool
	h := &Hasher{Memory: 64, Time: 1, MaxConcurrent: 1, MaxWaiting: 1}
	h.OnCompute = func() {
		computations.Add(1)
		if holding.CompareAndSwap(false, true) {
			<-release // the first computation holds the slot
		}
	}
	bg := context.Background()

	holderDone := make(chan error, 1)
	go func() {
		_, err := h.Hash(bg, "holder")
		holderDone <- err
	}()
	waitFor(t, "the holder to take the slot", holding.Load)

	waitCtx, cancelWaiter := context.WithCancel(bg)
	waiterDone := make(chan error, 1)
	go func() {
		_, _, err := h.Verify(waitCtx, "waiter", "!")
		waiterDone <- err
	}()
	waitFor(t, "the waiter to queue", func() bool { return h.lim.queued() == 1 })

	// Queue full: refused at once, without computing, on every entry point.
	if _, err := h.Hash(bg, "x"); err != ErrBusy {
		t.Errorf("Hash: %v, want ErrBusy", err)
	}
	if _, _, err := h.Verify(bg, "x", djangoVectors[1].encoded); err != ErrBusy {
		t.Errorf("Verify: %v, want ErrBusy", err)
	}
	if _, _, err := h.Verify(bg, "x", "!"); err != ErrBusy {
		t.Errorf("Verify(unusable): %v, want ErrBusy", err)
	}
	if err := h.Burn(bg, "x"); err != ErrBusy {
		t.Errorf("Burn: %v, want ErrBusy", err)
	}

	cancelWaiter()
	if err := <-waiterDone; !errors.Is(err, context.Canceled) {
		t.Errorf("canceled waiter: %v", err)
	}
	if q := h.lim.queued(); q != 0 {
		t.Errorf("queue = %d after the waiter left", q)
	}
	// A deadline works the same way.
	dctx, cancel := context.WithTimeout(bg, 20*time.Millisecond)
	defer cancel()
	if err := h.Burn(dctx, "x"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Burn with deadline: %v", err)
	}
	if computations.Load() != 1 {
		t.Errorf("%d computations while the slot was held, want 1", computations.Load())
	}

	close(release)
	if err := <-holderDone; err != nil {
		t.Fatal(err)
	}
	if h.lim.inUse() != 0 {
		t.Errorf("%d slots in use after everything finished", h.lim.inUse())
	}
	enc, err := h.Hash(bg, "again")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, err := h.Verify(bg, "again", enc); !ok || err != nil {
		t.Errorf("after release: %v, %v", ok, err)
	}
}

func TestNoWaiting(t *testing.T) {
	release := make(chan struct{})
	var holding atomic.Bool
	h := &Hasher{Memory: 64, Time: 1, MaxConcurrent: 1, MaxWaiting: -1}
	h.OnCompute = func() {
		if holding.CompareAndSwap(false, true) {
			<-release
		}
	}
	done := make(chan struct{})
	go func() {
		h.Burn(context.Background(), "holder")
		close(done)
	}()
	waitFor(t, "the holder", holding.Load)
	if err := h.Burn(context.Background(), "x"); err != ErrBusy {
		t.Errorf("Burn: %v, want ErrBusy", err)
	}
	close(release)
	<-done
}

// TestMaxConcurrent runs many verifications at once and checks that no more
// than MaxConcurrent compute at the same time and that all finish correctly.
func TestMaxConcurrent(t *testing.T) {
	var active, peak atomic.Int64
	h := &Hasher{Memory: 64, Time: 1, MaxConcurrent: 2}
	h.OnCompute = func() {
		n := active.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(2 * time.Millisecond) // widen the window
		active.Add(-1)
	}
	ctx := context.Background()
	enc, err := h.Hash(ctx, "pw")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var wrong atomic.Int64
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pw := "pw"
			if i%2 == 1 {
				pw = "nope"
			}
			ok, _, err := h.Verify(ctx, pw, enc)
			if err != nil || ok != (i%2 == 0) {
				wrong.Add(1)
			}
		}()
	}
	wg.Wait()
	if wrong.Load() != 0 {
		t.Errorf("%d wrong results", wrong.Load())
	}
	if p := peak.Load(); p > 2 {
		t.Errorf("peak concurrency %d > MaxConcurrent 2", p)
	}
	if h.Computations() != 33 {
		t.Errorf("Computations() = %d, want 33", h.Computations())
	}
}
