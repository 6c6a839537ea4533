package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/session"
	"github.com/sessionauth/sessionauth/store/postgres"
)

// benchSessions is how many live sessions the benchmarks' schema holds.
const benchSessions = 1000

// fill saves n logged-in sessions shaped like the Manager's and returns their ids.
func fill(b *testing.B, st *postgres.Store, n int) []string {
	b.Helper()
	ctx := context.Background()
	now := time.Now()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = session.HashKey(fmt.Sprintf("bench-%d", i))
		rec := benchRecord(i, now)
		if err := st.Save(ctx, ids[i], &rec); err != nil {
			b.Fatal(err)
		}
	}
	return ids
}

func benchRecord(i int, now time.Time) session.Record {
	return session.Record{
		UserID: fmt.Sprint(i % 100),
		Data: map[string]json.RawMessage{
			"_auth_user_id":   json.RawMessage(fmt.Sprintf(`"%d"`, i%100)),
			"_auth_user_hash": json.RawMessage(`"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"`),
		},
		Created: now, LastSeen: now, Expires: now.Add(time.Hour),
		IP: "192.0.2.1", UserAgent: "Mozilla/5.0 (bench)",
	}
}

// BenchmarkLoad is a session lookup that finds the session (the authenticated request's read), one
// round trip to the server over loopback; "parallel" runs it from GOMAXPROCS goroutines.
func BenchmarkLoad(b *testing.B) {
	st := open(b)
	ids := fill(b, st, benchSessions)
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := st.Load(ctx, ids[i%len(ids)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if _, err := st.Load(ctx, ids[i%len(ids)]); err != nil {
					b.Error(err)
					return
				}
				i++
			}
		})
	})
}

// BenchmarkSave is a compare-and-swap update of an existing session (the write of a request that
// changed its session) and the creation of a new one (a login).
func BenchmarkSave(b *testing.B) {
	st := open(b)
	ids := fill(b, st, benchSessions)
	ctx := context.Background()
	now := time.Now()
	b.Run("update", func(b *testing.B) {
		recs := make([]session.Record, len(ids))
		for i := range recs {
			recs[i] = benchRecord(i, now)
			recs[i].Version = 1
		}
		// Start from the stored versions (an earlier run of this sub-benchmark advanced them).
		for i, id := range ids {
			got, err := st.Load(ctx, id)
			if err != nil {
				b.Fatal(err)
			}
			recs[i].Version = got.Version
		}
		b.ReportAllocs()
		b.ResetTimer()
		i := 0
		for b.Loop() {
			rec := &recs[i%len(recs)]
			if err := st.Save(ctx, ids[i%len(ids)], rec); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("create", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		prefix := fmt.Sprint(time.Now().UnixNano())
		for b.Loop() {
			rec := benchRecord(i, now)
			if err := st.Save(ctx, session.HashKey(fmt.Sprintf("create-%s-%d", prefix, i)), &rec); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}
