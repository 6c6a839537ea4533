package demo_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/internal/demo"
)

// notesEnv is a server with alice and bob logged in on their own clients.
func notesEnv(t *testing.T, open func(*testing.T) demoStore) (e *env, alice, bob *client) {
	t.Helper()
	e = newEnv(t, open(t))
	e.createUser(t, "alice")
	e.createUser(t, "bob")
	alice, bob = e.client(t), e.client(t)
	alice.login("alice")
	bob.login("bob")
	return e, alice, bob
}

// create posts a note and returns its path.
func create(t *testing.T, c *client, title, body string) string {
	t.Helper()
	res := c.do("POST", "/api/notes", map[string]string{"title": title, "body": body})
	wantStatus(t, res, http.StatusCreated)
	return fmt.Sprintf("/api/notes/%d", int64(res.json(t)["id"].(float64)))
}

func forEachStore(t *testing.T, f func(t *testing.T, open func(*testing.T) demoStore)) {
	for _, s := range noteStores {
		t.Run(s.name, func(t *testing.T) { f(t, s.open) })
	}
}

func TestNotesCRUD(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(*testing.T) demoStore) {
		_, alice, _ := notesEnv(t, open)
		wantBody(t, alice.do("GET", "/api/notes", nil), http.StatusOK, `[]`)

		before := time.Now().UTC()
		res := alice.do("POST", "/api/notes", map[string]string{"title": "  Groceries ", "body": "milk"})
		wantStatus(t, res, http.StatusCreated)
		n := res.json(t)
		if got := keys(n); !slices.Equal(got, []string{"body", "created", "id", "title", "updated"}) {
			t.Fatalf("note keys %v", got)
		}
		if n["title"] != "Groceries" || n["body"] != "milk" || n["created"] != n["updated"] {
			t.Fatalf("created note %s", res.body)
		}
		created, err := time.Parse(time.RFC3339Nano, n["created"].(string))
		if err != nil || created.Before(before.Add(-time.Second)) || !strings.HasSuffix(n["created"].(string), "Z") {
			t.Fatalf("created %v (%v)", n["created"], err)
		}
		path := fmt.Sprintf("/api/notes/%d", int64(n["id"].(float64)))

		wantBody(t, alice.do("GET", path, nil), http.StatusOK, res.body)
		list := alice.do("GET", "/api/notes", nil)
		wantBody(t, list, http.StatusOK, "["+res.body+"]")

		// PUT replaces the title; a body left out keeps its value (DRF's ModelSerializer).
		res = alice.do("PUT", path, map[string]string{"title": "Shopping"})
		wantStatus(t, res, http.StatusOK)
		if m := res.json(t); m["title"] != "Shopping" || m["body"] != "milk" || m["created"] != n["created"] || parseTime(t, m["updated"]).Before(parseTime(t, n["updated"])) {
			t.Fatalf("after PUT %s", res.body)
		}
		// PATCH changes only what it is given.
		res = alice.do("PATCH", path, map[string]string{"body": "milk, eggs"})
		wantStatus(t, res, http.StatusOK)
		if m := res.json(t); m["title"] != "Shopping" || m["body"] != "milk, eggs" {
			t.Fatalf("after PATCH %s", res.body)
		}
		res = alice.do("PATCH", path, map[string]string{})
		wantStatus(t, res, http.StatusOK)
		if m := res.json(t); m["title"] != "Shopping" || m["body"] != "milk, eggs" {
			t.Fatalf("after an empty PATCH %s", res.body)
		}
		got := alice.do("GET", path, nil).json(t)
		if got["body"] != "milk, eggs" {
			t.Fatalf("not stored: %v", got)
		}

		wantBody(t, alice.do("DELETE", path, nil), http.StatusNoContent, "")
		wantBody(t, alice.do("GET", path, nil), http.StatusNotFound, `{"detail":"Not found."}`)
		wantBody(t, alice.do("DELETE", path, nil), http.StatusNotFound, `{"detail":"Not found."}`)
		wantBody(t, alice.do("GET", "/api/notes", nil), http.StatusOK, `[]`)

		// Ids are not reused after a delete.
		if next := create(t, alice, "again", ""); next == path {
			t.Fatal("a deleted note's id was reused")
		}
	})
}

// TestNotesOtherUsers covers AZ-03: another user's note is 404 for every method and stays unchanged;
// lists show only the caller's notes.
func TestNotesOtherUsers(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(*testing.T) demoStore) {
		_, alice, bob := notesEnv(t, open)
		path := create(t, alice, "secret", "alice's")
		create(t, bob, "bob's", "")
		original := alice.do("GET", path, nil).body

		for _, tc := range []struct {
			method string
			body   any
		}{
			{"GET", nil},
			{"PUT", map[string]string{"title": "pwned"}},
			{"PATCH", map[string]string{"body": "pwned"}},
			{"PATCH", `{"title": ` + strings.Repeat("[", 50)}, // malformed: still 404, not 400
			{"DELETE", nil},
		} {
			wantBody(t, bob.do(tc.method, path, tc.body), http.StatusNotFound, `{"detail":"Not found."}`)
		}
		wantBody(t, alice.do("GET", path, nil), http.StatusOK, original)

		for _, c := range []*client{alice, bob} {
			res := c.do("GET", "/api/notes", nil)
			wantStatus(t, res, http.StatusOK)
			if n := strings.Count(res.body, `"id":`); n != 1 {
				t.Fatalf("list shows %d notes: %s", n, res.body)
			}
		}
		if strings.Contains(bob.do("GET", "/api/notes", nil).body, "secret") {
			t.Fatal("bob's list shows alice's note")
		}

		// Missing and malformed ids look the same.
		for _, id := range []string{"999999", "0", "-1", "abc", "1.5", "1e2"} {
			wantBody(t, alice.do("GET", "/api/notes/"+id, nil), http.StatusNotFound, `{"detail":"Not found."}`)
		}
	})
}

// TestNotesMassAssignment covers AZ-05: id, owner and times in a body are ignored.
func TestNotesMassAssignment(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(*testing.T) demoStore) {
		_, alice, bob := notesEnv(t, open)
		bobsPath := create(t, bob, "bob's", "")
		res := alice.do("POST", "/api/notes", map[string]any{
			"title": "mine", "id": 1, "owner": 2, "owner_id": 2, "created": "2000-01-01T00:00:00Z",
		})
		wantStatus(t, res, http.StatusCreated)
		n := res.json(t)
		if n["id"] == float64(1) || strings.HasPrefix(n["created"].(string), "2000") {
			t.Fatalf("mass-assigned: %s", res.body)
		}
		if _, ok := n["owner"]; ok {
			t.Fatal("the owner is shown")
		}
		path := fmt.Sprintf("/api/notes/%d", int64(n["id"].(float64)))
		res = alice.do("PATCH", path, map[string]any{"id": 1, "owner": 2, "created": "2000-01-01T00:00:00Z"})
		wantStatus(t, res, http.StatusOK)
		if m := res.json(t); m["id"] != n["id"] || m["created"] != n["created"] {
			t.Fatalf("PATCH changed read-only fields: %s", res.body)
		}
		// Still alice's, and bob's note untouched.
		wantStatus(t, alice.do("GET", path, nil), http.StatusOK)
		wantStatus(t, bob.do("GET", path, nil), http.StatusNotFound)
		wantStatus(t, bob.do("GET", bobsPath, nil), http.StatusOK)
	})
}

func TestNotesValidation(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(*testing.T) demoStore) {
		_, alice, _ := notesEnv(t, open)
		path := create(t, alice, "t", "b")
		cases := []struct {
			method, path string
			body         any
			want         string
		}{
			{"POST", "/api/notes", map[string]any{}, `{"title":["This field is required."]}`},
			{"POST", "/api/notes", map[string]any{"body": "x"}, `{"title":["This field is required."]}`},
			{"POST", "/api/notes", map[string]any{"title": "  "}, `{"title":["This field may not be blank."]}`},
			{"POST", "/api/notes", map[string]any{"title": nil}, `{"title":["This field may not be null."]}`},
			{"POST", "/api/notes", map[string]any{"title": []string{"a"}}, `{"title":["Not a valid string."]}`},
			{"POST", "/api/notes", map[string]any{"title": strings.Repeat("é", 201)}, `{"title":["Ensure this field has no more than 200 characters."]}`},
			{"POST", "/api/notes", map[string]any{"title": "ok", "body": strings.Repeat("b", 10001)}, `{"body":["Ensure this field has no more than 10000 characters."]}`},
			{"POST", "/api/notes", map[string]any{"title": "", "body": strings.Repeat("b", 10001)},
				`{"body":["Ensure this field has no more than 10000 characters."],"title":["This field may not be blank."]}`},
			{"POST", "/api/notes", `{"title": "a", "title": "b"}`, `{"detail":"JSON parse error - duplicate key \"title\""}`},
			{"POST", "/api/notes", `[]`, `{"detail":"JSON parse error - expected a JSON object"}`},
			{"PUT", path, map[string]any{"body": "x"}, `{"title":["This field is required."]}`},
			{"PATCH", path, map[string]any{"title": ""}, `{"title":["This field may not be blank."]}`},
			{"PATCH", path, map[string]any{"body": true}, `{"body":["Not a valid string."]}`},
		}
		for _, tc := range cases {
			wantBody(t, alice.do(tc.method, tc.path, tc.body), http.StatusBadRequest, tc.want)
		}
		// The limits are inclusive, and counted in characters, not bytes.
		wantStatus(t, alice.do("POST", "/api/notes", map[string]any{"title": strings.Repeat("é", 200), "body": strings.Repeat("€", 10000)}), http.StatusCreated)
		// A blank body is fine; failed updates changed nothing.
		wantStatus(t, alice.do("PATCH", path, map[string]any{"body": ""}), http.StatusOK)
		if m := alice.do("GET", path, nil).json(t); m["title"] != "t" || m["body"] != "" {
			t.Fatalf("note %v", m)
		}
		wantStatus(t, alice.do("POST", "/api/notes", `{"title": "x", "body": "`+strings.Repeat("y", 2<<20)+`"}`), http.StatusRequestEntityTooLarge)
	})
}

// TestNotesAuthentication: the API's defaults authenticate (Token first: anonymous is 401), the
// session needs CSRF on writes, a token does not.
func TestNotesAuthentication(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(*testing.T) demoStore) {
		e, alice, _ := notesEnv(t, open)
		path := create(t, alice, "t", "")

		anon := e.client(t)
		for _, m := range []string{"GET", "POST"} {
			res := anon.do(m, "/api/notes", map[string]string{"title": "x"})
			wantBody(t, res, http.StatusUnauthorized, `{"detail":"Authentication credentials were not provided."}`)
			if res.header.Get("WWW-Authenticate") != "Token" {
				t.Fatalf("WWW-Authenticate %q", res.header.Get("WWW-Authenticate"))
			}
		}
		wantStatus(t, anon.do("DELETE", path, nil), http.StatusUnauthorized)

		// Session without the CSRF token: refused before anything changes.
		tok := alice.cookies["csrftoken"]
		delete(alice.cookies, "csrftoken")
		res := alice.do("DELETE", path, nil)
		wantStatus(t, res, http.StatusForbidden)
		if !strings.HasPrefix(res.json(t)["detail"].(string), "CSRF Failed: ") {
			t.Fatalf("detail %s", res.body)
		}
		alice.cookies["csrftoken"] = tok
		wantStatus(t, alice.do("GET", path, nil), http.StatusOK)

		// A token needs no CSRF token.
		u, err := e.am.Users.UserByUsername(context.Background(), "alice")
		if err != nil {
			t.Fatal(err)
		}
		key, _, err := e.am.CreateToken(context.Background(), u.ID, "cli")
		if err != nil {
			t.Fatal(err)
		}
		api := e.client(t)
		api.header["Authorization"] = "Token " + key
		wantStatus(t, api.do("PATCH", path, map[string]string{"title": "by token"}), http.StatusOK)
		wantStatus(t, api.do("POST", "/api/notes", map[string]string{"title": "by token"}), http.StatusCreated)

		res = alice.do("POST", path, map[string]string{"title": "x"})
		wantBody(t, res, http.StatusMethodNotAllowed, `{"detail":"Method \"POST\" not allowed."}`)
		if res.header.Get("Allow") != "GET, PUT, PATCH, DELETE, OPTIONS" {
			t.Fatalf("Allow %q", res.header.Get("Allow"))
		}
		res = alice.do("DELETE", "/api/notes", nil)
		wantStatus(t, res, http.StatusMethodNotAllowed)
		if res.header.Get("Allow") != "GET, POST, OPTIONS" {
			t.Fatalf("Allow %q", res.header.Get("Allow"))
		}
	})
}

// failingNotes is a NoteStore that cannot answer.
type failingNotes struct{}

var errDown = errors.New("notes store unreachable (test)")

func (failingNotes) CreateNote(context.Context, *demo.Note) error       { return errDown }
func (failingNotes) Note(context.Context, int64) (*demo.Note, error)    { return nil, errDown }
func (failingNotes) Notes(context.Context, int64) ([]*demo.Note, error) { return nil, errDown }
func (failingNotes) UpdateNote(context.Context, *demo.Note) error       { return errDown }
func (failingNotes) DeleteNote(context.Context, int64, int64) error     { return errDown }

// TestNotesStoreDown: a store failure is a 503 that does not show the cause, never a 404 or a 500.
func TestNotesStoreDown(t *testing.T) {
	e := newEnv(t, failingNotes{})
	e.createUser(t, "alice")
	c := e.client(t)
	c.login("alice")
	for _, r := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/api/notes", nil},
		{"POST", "/api/notes", map[string]string{"title": "x"}},
		{"GET", "/api/notes/1", nil},
		{"DELETE", "/api/notes/1", nil},
	} {
		res := c.do(r.method, r.path, r.body)
		wantStatus(t, res, http.StatusServiceUnavailable)
		if strings.Contains(res.body, "unreachable") {
			t.Fatalf("503 shows the cause: %s", res.body)
		}
	}
}

func parseTime(t *testing.T, v any) time.Time {
	t.Helper()
	s, _ := v.(string)
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("time %v: %v", v, err)
	}
	return ts
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
