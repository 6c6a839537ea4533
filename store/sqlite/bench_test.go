package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/internal/benchloop"
	"github.com/sessionauth/sessionauth/store/sqlite"
)

// BenchmarkLoad compares a session lookup among 10³ and 10⁶ live sessions, reading the database
// (cache off) and through the read cache.
func BenchmarkLoad(b *testing.B) {
	for _, bc := range []struct {
		name     string
		n        int
		interval time.Duration
	}{{"db/sessions=1000", 1_000, -1}, {"db/sessions=1000000", 1_000_000, -1},
		{"cached/sessions=1000", 1_000, 0}, {"cached/sessions=1000000", 1_000_000, 0}} {
		n := bc.n
		b.Run(bc.name, func(b *testing.B) {
			st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), sqlite.Options{CacheCheckInterval: bc.interval})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			ids, err := sqlite.FillSessions(st, n)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			benchloop.Serial(b, ids, func(id string) error { _, err := st.Load(ctx, id); return err })
		})
	}
}
