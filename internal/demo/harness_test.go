package demo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/auth/password"
	"github.com/sessionauth/sessionauth/authapi"
	"github.com/sessionauth/sessionauth/csrf"
	"github.com/sessionauth/sessionauth/internal/demo"
	"github.com/sessionauth/sessionauth/rest"
	"github.com/sessionauth/sessionauth/session"
	"github.com/sessionauth/sessionauth/store/memory"
)

const goodPass = "vivid-otter-marble-42"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// noteStores are the NoteStore implementations every notes test runs against.
var noteStores = []struct {
	name string
	open func(t *testing.T) demo.NoteStore
}{
	{"memory", func(t *testing.T) demo.NoteStore { return demo.NewMemoryNotes() }},
	{"sqlite", func(t *testing.T) demo.NoteStore {
		s, err := demo.OpenSQLiteNotes(context.Background(), filepath.Join(t.TempDir(), "demo.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
}

// env is a real server wired as cmd/sessionauth wires it: session middleware over the memory store,
// the auth API for logging in, and the demo resources with the API's defaults [Token, Session].
type env struct {
	t   *testing.T
	am  *auth.Manager
	srv *httptest.Server
}

func newEnv(t testing.TB, notes demo.NoteStore) *env {
	st := memory.New(memory.Options{SweepInterval: -1})
	t.Cleanup(func() { st.Close() })
	sm := &session.Manager{Store: st, Logger: quiet}
	am := &auth.Manager{
		Users: st, Tokens: st, Sessions: sm,
		CSRF:      &csrf.Policy{Logger: quiet},
		Hasher:    &password.Hasher{Memory: 64, Time: 1, Threads: 1},
		SecretKey: "demo-tests-secret-key-0123456789-abcdefghij",
		Throttle:  &auth.LoginThrottle{Store: st},
		Logger:    quiet,
	}
	sessionAuth := &rest.SessionAuthentication{Auth: am}
	api := &rest.API{
		Authenticators: []rest.Authenticator{&rest.TokenAuthentication{Auth: am}, sessionAuth},
		Logger:         quiet,
	}
	mux := http.NewServeMux()
	(&authapi.Handler{Auth: am, API: api}).Register(mux)
	demo.Register(mux, api, sessionAuth, notes)
	srv := httptest.NewServer(sm.Handler(mux))
	t.Cleanup(srv.Close)
	e := &env{am: am, srv: srv}
	if tt, ok := t.(*testing.T); ok {
		e.t = tt
	}
	return e
}

func (e *env) createUser(t testing.TB, name string) *auth.User {
	t.Helper()
	u, err := e.am.CreateUser(context.Background(), auth.NewUser{Username: name, Password: goodPass})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// client keeps cookies by name and sends the csrftoken cookie as X-CSRFToken.
type client struct {
	t       testing.TB
	e       *env
	cookies map[string]string
	header  map[string]string // sent with every request
}

func (e *env) client(t testing.TB) *client {
	return &client{t: t, e: e, cookies: map[string]string{}, header: map[string]string{}}
}

type response struct {
	status int
	header http.Header
	body   string
}

// do sends body (nil, a raw JSON string, or a value to encode as JSON).
func (c *client) do(method, path string, body any) *response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.e.srv.URL+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok := c.cookies["csrftoken"]; tok != "" {
		req.Header.Set("X-CSRFToken", tok)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	for k, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	res, err := c.e.srv.Client().Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, ck := range res.Cookies() {
		if ck.MaxAge < 0 {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	return &response{res.StatusCode, res.Header, string(b)}
}

// login logs in through the auth API.
func (c *client) login(name string) {
	c.t.Helper()
	if res := c.do("GET", "/api/auth/csrf", nil); res.status != http.StatusOK {
		c.t.Fatalf("csrf: %d", res.status)
	}
	if res := c.do("POST", "/api/auth/login", map[string]string{"username": name, "password": goodPass}); res.status != http.StatusOK {
		c.t.Fatalf("login: %d %s", res.status, res.body)
	}
}

func (r *response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

func wantStatus(t *testing.T, res *response, status int) {
	t.Helper()
	if res.status != status {
		t.Fatalf("status %d, want %d; body %s", res.status, status, res.body)
	}
}

func wantBody(t *testing.T, res *response, status int, body string) {
	t.Helper()
	wantStatus(t, res, status)
	if res.body != body {
		t.Fatalf("body %s, want %s", res.body, body)
	}
}
