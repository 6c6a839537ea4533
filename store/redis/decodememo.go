package redis

import (
	"bytes"
	"sync"
	"sync/atomic"

	"github.com/sessionauth/sessionauth/session"
)

// decodeMemoSize bounds the records a decodeMemo keeps (about 1 KB each).
const decodeMemoSize = 10000

// decodeMemo remembers the record decoded from the bytes last read under each id, so that reading
// the same bytes again costs a comparison instead of a JSON decode (which was a tenth of the
// server's CPU on a session-authenticated request). It is consulted only with bytes just read from
// Redis, so it saves CPU, never a round trip, and cannot answer with anything Redis no longer
// holds. The records it returns share their Data map, which the session.Store contract forbids
// callers to modify.
type decodeMemo struct {
	m sync.Map // id -> *memoEntry
	n atomic.Int64
}

type memoEntry struct {
	raw []byte
	rec session.Record
}

// decode returns the record stored as b under id.
func (d *decodeMemo) decode(id string, b []byte) (session.Record, error) {
	if v, ok := d.m.Load(id); ok {
		if e := v.(*memoEntry); bytes.Equal(e.raw, b) {
			return e.rec, nil
		}
	}
	rec, err := decode(b)
	if err != nil {
		return rec, err
	}
	if _, loaded := d.m.Swap(id, &memoEntry{raw: bytes.Clone(b), rec: rec}); !loaded && d.n.Add(1) > decodeMemoSize {
		d.m.Range(func(k, _ any) bool { // evict one entry, whichever comes first
			if k != id {
				if _, ok := d.m.LoadAndDelete(k); ok {
					d.n.Add(-1)
				}
				return false
			}
			return true
		})
	}
	return rec, nil
}

// forget drops id's entry (its record was deleted).
func (d *decodeMemo) forget(id string) {
	if _, ok := d.m.LoadAndDelete(id); ok {
		d.n.Add(-1)
	}
}
