package main

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/internal/testclock"
)

// fakeCounter counts its calls; each answers the next value of n, or err.
type fakeCounter struct {
	calls   atomic.Int32
	n       atomic.Int32
	err     error
	release chan struct{} // when set, each call waits for it to close
	entered chan struct{} // when set, each call reports it started
}

func (f *fakeCounter) CountSessions(ctx context.Context) (int, error) {
	f.calls.Add(1)
	if f.entered != nil {
		f.entered <- struct{}{}
	}
	if f.release != nil {
		<-f.release
	}
	return int(f.n.Load()), f.err
}

// The /metrics gauge counts live sessions at most once per interval: scrapes within it answer the
// last count, the first scrape after it counts again.
func TestActiveSessionsGaugeIsCached(t *testing.T) {
	counter := &fakeCounter{}
	clock := testclock.New(time.Unix(1_700_000_000, 0))
	m := newMetrics(counter, clock.Now)
	srv := httptest.NewServer(m.handler())
	t.Cleanup(srv.Close)
	gauge := func() string {
		t.Helper()
		res, err := srv.Client().Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "sessionauth_active_sessions "); ok {
				return v
			}
		}
		t.Fatalf("no sessionauth_active_sessions sample in\n%s", b)
		return ""
	}

	counter.n.Store(3)
	if g := gauge(); g != "3" {
		t.Fatalf("first scrape: %s, want 3", g)
	}
	counter.n.Store(5)
	clock.Advance(sessionCountInterval - time.Nanosecond)
	if g := gauge(); g != "3" || counter.calls.Load() != 1 {
		t.Fatalf("scrape within the interval: %s after %d counts, want the cached 3 after 1", g, counter.calls.Load())
	}
	clock.Advance(time.Nanosecond)
	if g := gauge(); g != "5" || counter.calls.Load() != 2 {
		t.Fatalf("scrape after the interval: %s after %d counts, want 5 after 2", g, counter.calls.Load())
	}
}

// A failed count reads -1 and is kept for the interval too: a struggling store is not asked again
// on every scrape.
func TestSessionCountFailure(t *testing.T) {
	counter := &fakeCounter{err: errors.New("store down (test)")}
	clock := testclock.New(time.Unix(1_700_000_000, 0))
	c := newSessionCount(counter, clock.Now)
	if v := c.get(); v != -1 {
		t.Fatalf("failed count: %v, want -1", v)
	}
	if v := c.get(); v != -1 || counter.calls.Load() != 1 {
		t.Fatalf("after a failure: %v after %d counts, want -1 after 1", v, counter.calls.Load())
	}
	counter.err = nil
	counter.n.Store(7)
	clock.Advance(sessionCountInterval)
	if v := c.get(); v != 7 {
		t.Fatalf("after recovery: %v, want 7", v)
	}
}

// Scrapes that arrive while a count runs wait for it rather than counting again.
func TestSessionCountConcurrentScrapes(t *testing.T) {
	counter := &fakeCounter{release: make(chan struct{}), entered: make(chan struct{}, 16)}
	counter.n.Store(4)
	clock := testclock.New(time.Unix(1_700_000_000, 0))
	c := newSessionCount(counter, clock.Now)

	const scrapes = 8
	results := make(chan float64, scrapes)
	var started sync.WaitGroup
	started.Add(scrapes)
	for range scrapes {
		go func() {
			started.Done()
			results <- c.get()
		}()
	}
	<-counter.entered // one count is running
	started.Wait()    // and every other scrape has been launched
	close(counter.release)
	for range scrapes {
		if v := <-results; v != 4 {
			t.Fatalf("a scrape answered %v, want 4", v)
		}
	}
	if n := counter.calls.Load(); n != 1 {
		t.Fatalf("%d counts for %d concurrent scrapes, want 1", n, scrapes)
	}
}
