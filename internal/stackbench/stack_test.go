package stackbench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/auth/password"
	"github.com/sessionauth/sessionauth/internal/benchloop"
	"github.com/sessionauth/sessionauth/rest"
	"github.com/sessionauth/sessionauth/session"
	"github.com/sessionauth/sessionauth/store/memory"
	"github.com/sessionauth/sessionauth/store/sqlite"
)

// backend is what a benchmark needs from a store.
type backend interface {
	session.Store
	auth.UserStore
	auth.TokenStore
}

var helloBody = []byte(`{"message":"Hello, authenticated user!"}`)

// bare is the baseline: the same JSON from a plain handler.
func bare() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(helloBody)
	})
}

// stack builds the seed's view behind the session middleware and returns it with a logged-in cookie.
func stack(tb testing.TB, st backend) (http.Handler, string) {
	sm := &session.Manager{Store: st}
	am := &auth.Manager{Users: st, Tokens: st, Sessions: sm, Hasher: &password.Hasher{Memory: 64, Time: 1, Threads: 1},
		SecretKey: "benchmark secret key, long enough to pass validation"}
	api := &rest.API{}
	mux := http.NewServeMux()
	mux.Handle("GET /api/hello", api.View(func(w http.ResponseWriter, r *http.Request) error {
		return rest.JSON(w, http.StatusOK, map[string]string{"message": "Hello, authenticated user!"})
	}, rest.Authenticators(&rest.SessionAuthentication{Auth: am}), rest.Permissions(rest.IsAuthenticated)))
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		u, err := am.Authenticate(r.Context(), "bench", "bench password", "")
		if err == nil {
			err = am.Login(w, r, u)
		}
		if err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	h := sm.Handler(mux)
	if _, err := am.CreateUser(context.Background(), auth.NewUser{Username: "bench", Password: "bench password"}); err != nil {
		tb.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/login", nil))
	var cookie string
	for _, c := range rec.Result().Cookies() {
		if c.Name == "sessionid" {
			cookie = "sessionid=" + c.Value
		}
	}
	if cookie == "" {
		tb.Fatalf("login failed: %d %s", rec.Code, rec.Body)
	}
	return h, cookie
}

type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

func run(b *testing.B, h http.Handler, cookie string) {
	req := httptest.NewRequest("GET", "/api/hello", nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	w := &discard{h: http.Header{}}
	h.ServeHTTP(w, req)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
}

func newMemory(tb testing.TB) *memory.Store {
	st := memory.New(memory.Options{SweepInterval: -1})
	tb.Cleanup(func() { st.Close() })
	return st
}

func BenchmarkBare(b *testing.B) { run(b, bare(), "") }

func BenchmarkHelloMemory(b *testing.B) {
	h, cookie := stack(b, newMemory(b))
	run(b, h, cookie)
}

// TestStackAnswers checks that the benchmarked request really is authenticated.
func TestStackAnswers(t *testing.T) {
	h, cookie := stack(t, newMemory(t))
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/api/hello", nil)
	req.Header.Set("Cookie", cookie)
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || rec.Body.String() != string(helloBody) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

// BenchmarkLookup compares a session lookup among 10³ and 10⁶ live sessions.
func BenchmarkLookupMemory(b *testing.B) {
	for _, n := range []int{1_000, 1_000_000} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			st := newMemory(b)
			lookupBench(b, st, n)
		})
	}
}

func lookupBench(b *testing.B, st session.Store, n int) {
	ctx := context.Background()
	now := time.Now()
	// Look up 1024 ids spread over the whole set, so that the lookups are not all among the first
	// records inserted.
	ids := make([]string, 0, 1024)
	stride := max(n/cap(ids), 1)
	for i := range n {
		id := session.HashKey(fmt.Sprintf("key-%d", i))
		rec := session.Record{Created: now, LastSeen: now, Expires: now.Add(time.Hour), UserID: fmt.Sprint(i % 5000)}
		if err := st.Save(ctx, id, &rec); err != nil {
			b.Fatal(err)
		}
		if i%stride == 0 && len(ids) < cap(ids) {
			ids = append(ids, id)
		}
	}
	benchloop.Serial(b, ids, func(id string) error { _, err := st.Load(ctx, id); return err })
}

func newSQLite(tb testing.TB) *sqlite.Store {
	st, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "bench.db"), sqlite.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

func BenchmarkHelloSQLite(b *testing.B) {
	h, cookie := stack(b, newSQLite(b))
	run(b, h, cookie)
}

// BenchmarkLookupSQLite compares a session lookup among 10³ and 10⁵ live sessions (10⁶ rows take
// minutes to insert; the B-tree depth grows by one level at most between the two).
func BenchmarkLookupSQLite(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			lookupBench(b, newSQLite(b), n)
		})
	}
}
