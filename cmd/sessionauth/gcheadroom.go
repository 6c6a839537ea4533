package main

import (
	"errors"
	"math"
	"runtime"
	"runtime/debug"
	runtimemetrics "runtime/metrics"
	"strconv"
	"strings"
	"sync"
)

// gcHeadroom lets the heap grow by at least a fixed number of bytes between garbage collections.
//
// Go's default, GOGC=100, collects when the heap has doubled since the last collection. The server's
// live heap is a few MB, so under load that is a collection every few thousand requests, and the
// collector cost more CPU per request than the whole authentication stack (D25). After every
// collection gcHeadroom sets GOGC so that the next one comes after max(live heap, bytes) of
// allocation: well above 100 while the live heap is small, 100 again once it is larger than bytes.
// The memory it costs is therefore bounded by bytes, unlike a fixed larger GOGC, which would also
// multiply a large heap (a memory store holding a million sessions). A GOMEMLIMIT still caps the heap.
type gcHeadroom struct {
	bytes uint64
	live  func() uint64         // the live heap as of the last collection
	set   func(percent int) int // debug.SetGCPercent, which returns the previous setting

	mu       sync.Mutex
	stopped  bool
	percent  int // the setting last made, 0 before the first
	previous int // the setting before the first, restored by stop
}

// gcSentinel is the object whose finalizer runs once per collection: the finalizer sets itself again,
// which keeps the object alive until the next one. It holds a pointer so that it is not put in a
// tiny-allocator block, where a finalizer may never run.
type gcSentinel struct{ g *gcHeadroom }

// startGCHeadroom starts adjusting GOGC as described on gcHeadroom and returns the function that
// stops it and restores the previous setting. Nothing is started when bytes is 0.
func startGCHeadroom(bytes uint64) (stop func()) {
	if bytes == 0 {
		return func() {}
	}
	g := &gcHeadroom{bytes: bytes, live: liveHeap, set: debug.SetGCPercent}
	g.start()
	return g.stop
}

func (g *gcHeadroom) start() {
	g.adjust()
	runtime.SetFinalizer(&gcSentinel{g: g}, onCollection)
}

func onCollection(s *gcSentinel) {
	if s.g.adjust() {
		runtime.SetFinalizer(s, onCollection)
	}
}

// adjust sets GOGC for the live heap now; it reports false once stopped.
func (g *gcHeadroom) adjust() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopped {
		return false
	}
	if p := gcPercentFor(g.bytes, g.live()); p != g.percent {
		prev := g.set(p)
		if g.percent == 0 {
			g.previous = prev
		}
		g.percent = p
	}
	return true
}

func (g *gcHeadroom) stop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.stopped && g.percent != 0 {
		g.set(g.previous)
	}
	g.stopped = true
}

// gcPercentFor is the GOGC that lets a heap of live bytes grow by max(live, headroom) before the
// next collection. A live heap under 4 MiB counts as 4 MiB: Go's minimum heap target is 4 MiB scaled
// by GOGC, so a smaller divisor would overshoot the headroom.
func gcPercentFor(headroom, live uint64) int {
	const minLive = 4 << 20
	p := float64(headroom) / float64(max(live, minLive)) * 100
	return int(max(100, min(p, math.MaxInt32)))
}

// liveHeap reads the heap marked live by the last collection.
func liveHeap() uint64 {
	s := []runtimemetrics.Sample{{Name: "/gc/heap/live:bytes"}}
	runtimemetrics.Read(s)
	if s[0].Value.Kind() != runtimemetrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// parseBytes reads a size such as 64MiB, 512KiB, 1GiB or a plain number of bytes.
func parseBytes(s string) (uint64, error) {
	n, unit := s, uint64(1)
	for _, u := range []struct {
		suffix string
		size   uint64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
		if v, ok := strings.CutSuffix(s, u.suffix); ok {
			n, unit = v, u.size
			break
		}
	}
	v, err := strconv.ParseUint(n, 10, 64)
	if err != nil || v > math.MaxUint64/unit {
		return 0, errors.New("want a size such as 64MiB, 512KiB, 1GiB or a number of bytes")
	}
	return v * unit, nil
}
