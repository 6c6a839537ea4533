package demo_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/sessionauth/sessionauth/internal/demo"
)

func TestHello(t *testing.T) {
	e := newEnv(t, demo.NewMemoryNotes())
	alice := e.createUser(t, "alice")

	anon := e.client(t)
	wantBody(t, anon.do("GET", "/api/hello", nil), http.StatusForbidden, `{"detail":"Authentication credentials were not provided."}`)

	c := e.client(t)
	c.login("alice")
	res := c.do("GET", "/api/hello", nil)
	wantBody(t, res, http.StatusOK, `{"message":"Hello, authenticated user!"}`)
	if ct := res.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
	if res.header.Get("Vary") != "Cookie" {
		t.Fatalf("Vary %q: the body depends on the session", res.header.Get("Vary"))
	}
	res = c.do("POST", "/api/hello", nil)
	wantBody(t, res, http.StatusMethodNotAllowed, `{"detail":"Method \"POST\" not allowed."}`)
	if res.header.Get("Allow") != "GET, OPTIONS" {
		t.Fatalf("Allow %q", res.header.Get("Allow"))
	}

	// Session authentication only: an API token does not open it.
	key, _, err := e.am.CreateToken(context.Background(), alice.ID, "cli")
	if err != nil {
		t.Fatal(err)
	}
	anon.header["Authorization"] = "Token " + key
	wantBody(t, anon.do("GET", "/api/hello", nil), http.StatusForbidden, `{"detail":"Authentication credentials were not provided."}`)

	// A logged-out cookie is anonymous.
	old := c.cookies["sessionid"]
	wantStatus(t, c.do("POST", "/api/auth/logout", nil), http.StatusNoContent)
	replay := e.client(t)
	replay.cookies["sessionid"] = old
	wantStatus(t, replay.do("GET", "/api/hello", nil), http.StatusForbidden)
}

// BenchmarkHello is the benchmarks' hot path through the whole stack: session middleware, session
// load, user lookup, view, handler.
func BenchmarkHello(b *testing.B) {
	e := newEnv(b, demo.NewMemoryNotes())
	e.createUser(b, "alice")
	c := e.client(b)
	c.login("alice")
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/hello", nil)
	req.AddCookie(&http.Cookie{Name: "sessionid", Value: c.cookies["sessionid"]})
	handler := e.srv.Config.Handler
	b.ReportAllocs()
	for b.Loop() {
		w := &discard{h: http.Header{}}
		handler.ServeHTTP(w, req)
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
}

type discard struct {
	h      http.Header
	status int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(s int)           { d.status = s }
