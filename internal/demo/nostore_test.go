package demo_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/sessionauth/sessionauth/internal/demo"
)

// Every demo answer depends on the session (whose hello, whose notes, or that there is none), so
// each carries Cache-Control: no-store — successes, errors and 405s alike (checklist CK-05). A
// read-only request sets no cookie, so the session middleware adds nothing itself.
func TestDemoResponsesAreNotStored(t *testing.T) {
	e := newEnv(t, demo.NewMemoryNotes())
	e.createUser(t, "alice")
	e.createUser(t, "bob")
	alice, bob, anon := e.client(t), e.client(t), e.client(t)
	alice.login("alice")
	bob.login("bob")
	res := alice.do("POST", "/api/notes", map[string]string{"title": "mine", "body": "x"})
	wantStatus(t, res, http.StatusCreated)
	note := fmt.Sprintf("/api/notes/%d", int64(res.json(t)["id"].(float64)))

	for _, tc := range []struct {
		name   string
		c      *client
		method string
		path   string
		status int
	}{
		{"hello", alice, "GET", "/api/hello", http.StatusOK},
		{"hello, anonymous", anon, "GET", "/api/hello", http.StatusForbidden},
		{"hello, wrong method", alice, "DELETE", "/api/hello", http.StatusMethodNotAllowed},
		{"notes list", alice, "GET", "/api/notes", http.StatusOK},
		{"notes list, anonymous", anon, "GET", "/api/notes", http.StatusUnauthorized},
		{"note", alice, "GET", note, http.StatusOK},
		{"someone else's note", bob, "GET", note, http.StatusNotFound},
		{"note, wrong method", alice, "POST", note, http.StatusMethodNotAllowed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := tc.c.do(tc.method, tc.path, nil)
			wantStatus(t, res, tc.status)
			if cc := res.header.Get("Cache-Control"); cc != "no-store" {
				t.Fatalf("Cache-Control %q, want no-store", cc)
			}
			if res.header.Get("Set-Cookie") != "" {
				t.Fatalf("a read set a cookie: %q", res.header.Get("Set-Cookie"))
			}
		})
	}
	// Creating answers the same way.
	if cc := res.header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("POST /api/notes: Cache-Control %q, want no-store", cc)
	}
}
