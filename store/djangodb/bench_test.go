package djangodb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/internal/benchloop"
	"github.com/sessionauth/sessionauth/session"
	"github.com/sessionauth/sessionauth/store/djangodb"
)

// BenchmarkLoad is one session lookup, the per-request cost.
// BenchmarkUserSessions lists one user's sessions among n live ones: Django keeps no index, so the
// store reads and decodes every row (see the package documentation).
func BenchmarkLoad(b *testing.B) {
	for _, kind := range databases {
		b.Run(kind.name, func(b *testing.B) {
			st := openStore(b, kind.db(b), djangodb.Options{})
			ids := fill(b, st, 1000)
			ctx := context.Background()
			benchloop.Serial(b, ids, func(id string) error { _, err := st.Load(ctx, id); return err })
		})
	}
}

func BenchmarkUserSessions(b *testing.B) {
	for _, kind := range databases {
		for _, n := range []int{1_000, 10_000} {
			b.Run(fmt.Sprintf("%s/sessions=%d", kind.name, n), func(b *testing.B) {
				st := openStore(b, kind.db(b), djangodb.Options{})
				fill(b, st, n)
				ctx := context.Background()
				b.ReportAllocs()
				for b.Loop() {
					list, err := st.UserSessions(ctx, "7")
					if err != nil || len(list) != 10 {
						b.Fatalf("%d sessions, %v", len(list), err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/row")
			})
		}
	}
}

// fill stores n logged-in sessions, ten per user.
func fill(b *testing.B, st *djangodb.Store, n int) []string {
	b.Helper()
	now := time.Now()
	rec := session.Record{
		Data: map[string]json.RawMessage{
			auth.HashSessionKey: json.RawMessage(`"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"`),
			"_csrftoken":        json.RawMessage(`"abcdefghijklmnopqrstuvwxyzABCDEF"`),
		},
		Created: now, LastSeen: now, Expires: now.Add(time.Hour), IP: "192.0.2.1", UserAgent: "Mozilla/5.0 (X11; Linux x86_64)",
	}
	ids, err := st.FillSessions(context.Background(), n, 10, rec)
	if err != nil {
		b.Fatal(err)
	}
	return ids
}
