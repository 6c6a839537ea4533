package redis

import (
	"sync"
	"sync/atomic"
	"time"
)

// ownWriteWindow is how long Load reads a record this store wrote from Redis rather than from the
// client cache. Redis sends the invalidation for a write made by a script or a command on the
// tracking connection itself after the write's reply, so for a moment the cache may still hold the
// value from before; the push arrives within microseconds on a live connection, and a broken
// connection empties the cache, so a second is ample.
const ownWriteWindow = time.Second

// recentWrites remembers the ids this store wrote in the last ownWriteWindow. It is only used with
// Options.ClientCache. Reads are lock-free; the map is swept when it has grown.
type recentWrites struct {
	m       sync.Map // id -> int64 (Unix ns of the write)
	n       atomic.Int64
	sweepMu sync.Mutex
}

// wrote records a write of id at now.
func (w *recentWrites) wrote(id string, now time.Time) {
	if _, loaded := w.m.Swap(id, now.UnixNano()); !loaded && w.n.Add(1) > 4096 {
		w.sweep(now)
	}
}

// fresh reports whether id was written within ownWriteWindow of now.
func (w *recentWrites) fresh(id string, now time.Time) bool {
	v, ok := w.m.Load(id)
	if !ok {
		return false
	}
	if now.UnixNano()-v.(int64) < int64(ownWriteWindow) {
		return true
	}
	if w.m.CompareAndDelete(id, v) {
		w.n.Add(-1)
	}
	return false
}

// sweep drops the entries older than the window.
func (w *recentWrites) sweep(now time.Time) {
	if !w.sweepMu.TryLock() {
		return // another writer is sweeping
	}
	defer w.sweepMu.Unlock()
	cut := now.UnixNano() - int64(ownWriteWindow)
	w.m.Range(func(k, v any) bool {
		if v.(int64) < cut && w.m.CompareAndDelete(k, v) {
			w.n.Add(-1)
		}
		return true
	})
}
