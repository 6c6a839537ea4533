package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/internal/benchloop"
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
	load := func(id string) error { _, err := st.Load(ctx, id); return err }
	b.Run("serial", func(b *testing.B) { benchloop.Serial(b, ids, load) })
	b.Run("parallel", func(b *testing.B) { benchloop.Parallel(b, ids, load) })
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

// BenchmarkUser is the user lookup of a session-authenticated request, served by the user cache
// ("cached", the default) and by the database ("uncached", Options.UserCacheTTL < 0).
func BenchmarkUser(b *testing.B) {
	u := serverURL(b)
	for _, mode := range []struct {
		name string
		ttl  time.Duration
	}{{"cached", 0}, {"uncached", -1}} {
		b.Run(mode.name, func(b *testing.B) {
			st := openAt(b, u, postgres.Options{Schema: newSchema(b, u), SweepInterval: -1, UserCacheTTL: mode.ttl})
			ctx := context.Background()
			ids := make([]int64, 100)
			for i := range ids {
				usr := &auth.User{Username: fmt.Sprint("bench", i), Email: "bench@example.com",
					Password: "argon2$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA",
					IsActive: true, DateJoined: time.Now()}
				if err := st.CreateUser(ctx, usr); err != nil {
					b.Fatal(err)
				}
				ids[i] = usr.ID
			}
			if mode.ttl >= 0 {
				deadline := time.Now().Add(10 * time.Second)
				for !postgres.UserCacheLive(st) {
					if time.Now().After(deadline) {
						b.Fatal("the user cache's listener did not start")
					}
					time.Sleep(time.Millisecond)
				}
			}
			user := func(id int64) error { _, err := st.User(ctx, id); return err }
			b.Run("serial", func(b *testing.B) { benchloop.Serial(b, ids, user) })
			b.Run("parallel", func(b *testing.B) { benchloop.Parallel(b, ids, user) })
		})
	}
}

// BenchmarkUserInvalidation measures how long another writer's change goes unseen by a store's
// cache: the time from an SQL UPDATE returning (committed) to the store's listener having dropped
// the row ("unseen-ns" per change; ns/op includes the UPDATE itself).
func BenchmarkUserInvalidation(b *testing.B) {
	u := serverURL(b)
	schema := newSchema(b, u)
	st := openAt(b, u, postgres.Options{Schema: schema, SweepInterval: -1})
	ctx := context.Background()
	usr := &auth.User{Username: "bench", Password: "!x", IsActive: true, DateJoined: time.Now()}
	if err := st.CreateUser(ctx, usr); err != nil {
		b.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SET search_path TO "+pgx.Identifier{schema}.Sanitize()); err != nil {
		b.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); !postgres.UserCacheLive(st); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatal("the user cache's listener did not start")
		}
	}
	var unseen []time.Duration
	for b.Loop() {
		before := postgres.UserCacheNotified(st)
		if _, err := conn.Exec(ctx, "UPDATE sessionauth_users SET email = 'x' WHERE id = $1", usr.ID); err != nil {
			b.Fatal(err)
		}
		committed := time.Now()
		// Sleep rather than spin: a goroutine spinning on one of two Ps delays the network poller
		// and would measure the scheduler, not the notification.
		for postgres.UserCacheNotified(st) == before {
			time.Sleep(10 * time.Microsecond)
		}
		unseen = append(unseen, time.Since(committed))
	}
	slices.Sort(unseen)
	b.ReportMetric(float64(unseen[len(unseen)/2].Nanoseconds()), "unseen-p50-ns")
	b.ReportMetric(float64(unseen[len(unseen)*99/100].Nanoseconds()), "unseen-p99-ns")
}
