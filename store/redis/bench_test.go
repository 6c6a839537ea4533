package redis_test

import (
	"context"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/store/redis"
)

// BenchmarkLoad measures Load from 16 goroutines per CPU (as concurrent requests would) on one
// session record, read from Redis every time and through the client-side cache. Redis runs on the
// same machine, so the figures include its share of the CPU only as wall time.
func BenchmarkLoad(b *testing.B) {
	for _, bc := range []struct {
		name  string
		query string
		cache time.Duration
	}{{"redis", "", 0}, {"client_cache", "?client_cache=1m", time.Minute}} {
		b.Run(bc.name, func(b *testing.B) {
			client := openURL(b, standaloneURL(b)+bc.query).Client()
			st := newStoreOpts(b, client, redis.Options{ClientCache: bc.cache})
			ctx := context.Background()
			id := newID(b)
			rec := newRecord("7", time.Hour)
			if err := st.Save(ctx, id, &rec); err != nil {
				b.Fatal(err)
			}
			time.Sleep(1100 * time.Millisecond) // past the own-write window, so the cache is used
			b.ReportAllocs()
			b.SetParallelism(16) // goroutines per CPU: requests waiting on Redis at the same time
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := st.Load(ctx, id); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
