package authapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/auth/password"
	"github.com/sessionauth/sessionauth/authapi"
	"github.com/sessionauth/sessionauth/csrf"
	"github.com/sessionauth/sessionauth/rest"
	"github.com/sessionauth/sessionauth/session"
	"github.com/sessionauth/sessionauth/store/memory"
	"github.com/sessionauth/sessionauth/throttle"
)

const (
	testSecret = "authapi-tests-secret-key-0123456789-abcdefghij"
	goodPass   = "vivid-otter-marble-42"
	newPass    = "quiet-lantern-harbor-97"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// env is a real server wired as cmd/sessionauth wires it: session middleware over the memory store,
// an auth.Manager with cheap hashing, login throttling in the same store, and a rest.API whose
// defaults are [Token, Session].
type env struct {
	t   *testing.T
	st  *faultyStore
	sm  *session.Manager
	am  *auth.Manager
	api *rest.API
	srv *httptest.Server
}

type option func(*env)

// withAccountRate limits login attempts per account to n a minute.
func withAccountRate(n int) option {
	return func(e *env) { e.am.Throttle.Account = []throttle.Rate{{N: n, Period: time.Minute}} }
}

func newEnv(t *testing.T, opts ...option) *env {
	t.Helper()
	mem := memory.New(memory.Options{SweepInterval: -1})
	t.Cleanup(func() { mem.Close() })
	st := &faultyStore{Store: mem}
	sm := &session.Manager{Store: st, Logger: quiet}
	am := &auth.Manager{
		Users: st, Tokens: st, Sessions: sm,
		CSRF:      &csrf.Policy{Logger: quiet},
		Hasher:    &password.Hasher{Memory: 64, Time: 1, Threads: 1},
		SecretKey: testSecret,
		Throttle:  &auth.LoginThrottle{Store: st},
		Logger:    quiet,
	}
	api := &rest.API{
		Authenticators: []rest.Authenticator{&rest.TokenAuthentication{Auth: am}, &rest.SessionAuthentication{Auth: am}},
		Logger:         quiet,
	}
	e := &env{t: t, st: st, sm: sm, am: am, api: api}
	for _, o := range opts {
		o(e)
	}
	if err := am.Validate(); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	if err := (&authapi.Handler{Auth: am, API: api}).Register(mux); err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(sm.Handler(mux))
	t.Cleanup(e.srv.Close)
	return e
}

// faultyStore is the memory store with switchable failures, for the fail-closed paths.
type faultyStore struct {
	*memory.Store
	failUsers          atomic.Bool // UserByUsername fails
	failSessionDeletes atomic.Bool // session Delete fails
}

var errDown = errors.New("store unreachable (test)")

func (s *faultyStore) UserByUsername(ctx context.Context, name string) (*auth.User, error) {
	if s.failUsers.Load() {
		return nil, errDown
	}
	return s.Store.UserByUsername(ctx, name)
}

func (s *faultyStore) Delete(ctx context.Context, id string) error {
	if s.failSessionDeletes.Load() {
		return errDown
	}
	return s.Store.Delete(ctx, id)
}

func (e *env) createUser(name string) *auth.User {
	e.t.Helper()
	u, err := e.am.CreateUser(context.Background(), auth.NewUser{Username: name, Email: name + "@example.com", Password: goodPass})
	if err != nil {
		e.t.Fatalf("CreateUser(%q): %v", name, err)
	}
	return u
}

// sessionCount is the number of live sessions of u in the store.
func (e *env) sessionCount(u *auth.User) int {
	e.t.Helper()
	list, err := e.am.UserSessions(context.Background(), u.ID, "")
	if err != nil {
		e.t.Fatal(err)
	}
	return len(list)
}

// client keeps cookies by name (no jar, so tests can replay, drop or plant cookies) and sends the
// csrftoken cookie's value as X-CSRFToken unless a test overrides the header.
type client struct {
	e       *env
	cookies map[string]string
	ua      string
}

func (e *env) client() *client { return &client{e: e, cookies: map[string]string{}} }

type response struct {
	status  int
	header  http.Header
	body    string
	cookies map[string]*http.Cookie // the response's Set-Cookie lines by name
}

// form is sent as application/x-www-form-urlencoded; a string is sent as is with Content-Type
// application/json; anything else non-nil is JSON-encoded.
type form url.Values

// do sends a request. hdr holds header name/value pairs applied last; an empty value removes the
// header (hdr "X-CSRFToken", "" sends no token).
func (c *client) do(method, path string, body any, hdr ...string) *response {
	c.e.t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case form:
		rd, ct = strings.NewReader(url.Values(b).Encode()), "application/x-www-form-urlencoded"
	case string:
		rd, ct = strings.NewReader(b), "application/json"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.e.t.Fatal(err)
		}
		rd, ct = bytes.NewReader(j), "application/json"
	}
	req, err := http.NewRequest(method, c.e.srv.URL+path, rd)
	if err != nil {
		c.e.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if tok := c.cookies["csrftoken"]; tok != "" {
		req.Header.Set("X-CSRFToken", tok)
	}
	if c.ua != "" {
		req.Header.Set("User-Agent", c.ua)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	for name, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: v})
	}
	res, err := c.e.srv.Client().Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	out := &response{status: res.StatusCode, header: res.Header, body: string(b), cookies: map[string]*http.Cookie{}}
	for _, ck := range res.Cookies() {
		out.cookies[ck.Name] = ck
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	return out
}

// csrf fetches a CSRF cookie (and returns the masked token the endpoint gave).
func (c *client) csrf() string {
	c.e.t.Helper()
	res := c.do("GET", "/api/auth/csrf", nil)
	wantStatus(c.e.t, res, http.StatusOK)
	tok, _ := res.json(c.e.t)["csrfToken"].(string)
	return tok
}

// login logs in through the API and fails the test unless it succeeds.
func (c *client) login(username, pw string) *response {
	c.e.t.Helper()
	if c.cookies["csrftoken"] == "" {
		c.csrf()
	}
	res := c.do("POST", "/api/auth/login", map[string]any{"username": username, "password": pw})
	wantStatus(c.e.t, res, http.StatusOK)
	if c.cookies["sessionid"] == "" {
		c.e.t.Fatal("login set no session cookie")
	}
	return res
}

// me returns the status of GET /api/auth/me.
func (c *client) me() int {
	c.e.t.Helper()
	return c.do("GET", "/api/auth/me", nil).status
}

func (r *response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

func (r *response) list(t *testing.T) []map[string]any {
	t.Helper()
	var l []map[string]any
	if err := json.Unmarshal([]byte(r.body), &l); err != nil {
		t.Fatalf("body %q is not a JSON list: %v", r.body, err)
	}
	return l
}

func wantStatus(t *testing.T, res *response, status int) {
	t.Helper()
	if res.status != status {
		t.Fatalf("status %d, want %d; body %s", res.status, status, res.body)
	}
	if cc := res.header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("Cache-Control %q, want no-store (status %d)", cc, res.status)
	}
}

// wantBody checks the status and the exact body.
func wantBody(t *testing.T, res *response, status int, body string) {
	t.Helper()
	wantStatus(t, res, status)
	if res.body != body {
		t.Fatalf("body %s, want %s", res.body, body)
	}
}

// wantNoSessionCookie fails when the response set or deleted the session cookie.
func wantNoSessionCookie(t *testing.T, res *response) {
	t.Helper()
	if c, ok := res.cookies["sessionid"]; ok {
		t.Fatalf("response touched the session cookie: %s", c)
	}
}

// keys returns the sorted keys of m.
func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
