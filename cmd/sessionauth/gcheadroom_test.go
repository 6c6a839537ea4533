package main

import (
	"math"
	"runtime"
	runtimemetrics "runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestGCPercentFor(t *testing.T) {
	const mib = 1 << 20
	cases := []struct {
		headroom, live uint64
		want           int
	}{
		{64 * mib, 0, 1600},       // before the first collection: counted as 4 MiB
		{64 * mib, 3 * mib, 1600}, // under 4 MiB likewise (Go's minimum target is 4 MiB × GOGC/100)
		{64 * mib, 4 * mib, 1600}, // next collection after 64 MiB
		{64 * mib, 16 * mib, 400}, // 16 + 64
		{64 * mib, 48 * mib, 133}, // 48 + 64 (rounded down)
		{64 * mib, 64 * mib, 100}, // Go's default from here on
		{64 * mib, 1 << 30, 100},  // a large heap is not multiplied
		{1 << 62, 4 * mib, math.MaxInt32},
	}
	for _, tc := range cases {
		if got := gcPercentFor(tc.headroom, tc.live); got != tc.want {
			t.Errorf("gcPercentFor(%d MiB, %d MiB) = %d, want %d", tc.headroom/mib, tc.live/mib, got, tc.want)
		}
	}
}

// fakeGCPercent stands in for debug.SetGCPercent, so that the test leaves the process's collector alone.
type fakeGCPercent struct {
	mu    sync.Mutex
	cur   int
	calls []int
}

func (f *fakeGCPercent) set(p int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	prev := f.cur
	f.cur = p
	f.calls = append(f.calls, p)
	return prev
}

func (f *fakeGCPercent) snapshot() (int, []int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cur, append([]int(nil), f.calls...)
}

// A real collection runs the hook, which sets GOGC for the live heap it reads then; stop restores the
// setting found at the start and ends the hook.
func TestGCHeadroomFollowsCollections(t *testing.T) {
	const mib = 1 << 20
	var live atomic.Uint64
	live.Store(8 * mib)
	f := &fakeGCPercent{cur: 100}
	g := &gcHeadroom{bytes: 64 * mib, live: live.Load, set: f.set}

	g.start()
	if cur, calls := f.snapshot(); cur != 800 || len(calls) != 1 {
		t.Fatalf("after start: GOGC %d, calls %v; want 800 set once", cur, calls)
	}

	live.Store(32 * mib)
	deadline := time.Now().Add(30 * time.Second)
	for {
		runtime.GC()
		if cur, _ := f.snapshot(); cur == 200 {
			break
		}
		if time.Now().After(deadline) {
			cur, calls := f.snapshot()
			t.Fatalf("after collections with a 32 MiB live heap: GOGC %d, calls %v; want 200", cur, calls)
		}
		time.Sleep(10 * time.Millisecond) // finalizers run on their own goroutine
	}

	// An unchanged live heap sets nothing.
	_, before := f.snapshot()
	runtime.GC()
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
	if _, calls := f.snapshot(); len(calls) != len(before) {
		t.Errorf("collections with the same live heap called SetGCPercent again: %v", calls[len(before):])
	}

	g.stop()
	if cur, _ := f.snapshot(); cur != 100 {
		t.Errorf("after stop: GOGC %d, want the original 100", cur)
	}
	_, atStop := f.snapshot()
	live.Store(1 * mib)
	runtime.GC()
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
	if _, calls := f.snapshot(); len(calls) != len(atStop) {
		t.Errorf("the hook set GOGC after stop: %v", calls[len(atStop):])
	}
}

func gogcPercent() int64 {
	s := []runtimemetrics.Sample{{Name: "/gc/gogc:percent"}}
	runtimemetrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// startGCHeadroom sets the process's GOGC and stop restores it; with 0 (--gc-headroom 0) it
// changes nothing.
func TestStartGCHeadroom(t *testing.T) {
	before := gogcPercent()
	stop := startGCHeadroom(0)
	if p := gogcPercent(); p != before {
		t.Errorf("startGCHeadroom(0) changed GOGC from %d to %d", before, p)
	}
	stop()

	// The test binary's live heap is far below 64 MiB, so GOGC goes up.
	stop = startGCHeadroom(64 << 20)
	if p := gogcPercent(); p <= before {
		t.Errorf("startGCHeadroom(64 MiB) with a live heap of %d bytes: GOGC %d, want above %d", liveHeap(), p, before)
	}
	stop()
	if p := gogcPercent(); p != before {
		t.Errorf("after stop: GOGC %d, want %d again", p, before)
	}
}

// The real reader returns the live heap the runtime reports, not 0.
func TestLiveHeap(t *testing.T) {
	runtime.GC()
	if n := liveHeap(); n == 0 {
		t.Error("liveHeap() = 0 after a collection")
	}
}

func TestParseBytes(t *testing.T) {
	good := map[string]uint64{
		"0":        0,
		"1048576":  1 << 20,
		"512KiB":   512 << 10,
		"64MiB":    64 << 20,
		"1GiB":     1 << 30,
		"16384GiB": 16384 << 30,
	}
	for in, want := range good {
		if got, err := parseBytes(in); err != nil || got != want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MiB", "64MB", "64 MiB", "-1", "1.5GiB", "64mib", "99999999999999GiB"} {
		if got, err := parseBytes(in); err == nil {
			t.Errorf("parseBytes(%q) = %d, want an error", in, got)
		}
	}
}
