package auth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/auth/password"
	"github.com/sessionauth/sessionauth/csrf"
	"github.com/sessionauth/sessionauth/internal/testclock"
	"github.com/sessionauth/sessionauth/session"
	"github.com/sessionauth/sessionauth/store/memory"
	"github.com/sessionauth/sessionauth/throttle"
)

const (
	testSecret = "auth-tests-secret-key-0123456789-abcdefghijklmnop"
	goodPass   = "vivid-otter-marble-42"
	newPass    = "quiet-lantern-harbor-97"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// env is a real server: session.Manager over the memory store, CSRF checked on every unsafe request
// (login included), an auth.Manager with cheap hashing whose computations are counted, and handlers
// shaped like the JSON API of DESIGN §5.
type env struct {
	t      *testing.T
	st     *memory.Store
	sm     *session.Manager
	policy *csrf.Policy
	hasher *password.Hasher
	clock  *testclock.Clock // the auth Manager's (throttle windows, last_login); sessions use the real clock
	hashes atomic.Int64     // password-hash computations (OnCompute)
	mgr    atomic.Pointer[auth.Manager]
	mux    *http.ServeMux
	srv    *httptest.Server

	// hook, when set, runs inside OnCompute (to hold a computation slot).
	hook atomic.Pointer[func()]
}

type option func(e *env, m *auth.Manager)

// withThrottle sets login throttling with the given rates (nil keeps the Manager's defaults).
func withThrottle(account, address []throttle.Rate) option {
	return func(e *env, m *auth.Manager) {
		m.Throttle = &auth.LoginThrottle{Store: e.st, Account: account, Address: address}
	}
}

func withoutThrottle() option { return func(e *env, m *auth.Manager) { m.Throttle = nil } }

func newEnv(t *testing.T, opts ...option) *env {
	t.Helper()
	st := memory.New(memory.Options{SweepInterval: -1})
	t.Cleanup(func() { st.Close() })
	e := &env{
		t:      t,
		st:     st,
		sm:     &session.Manager{Store: st, Logger: quiet},
		policy: &csrf.Policy{Logger: quiet},
		clock:  testclock.New(time.Now().UTC().Truncate(time.Second)),
		mux:    http.NewServeMux(),
	}
	e.hasher = &password.Hasher{Memory: 64, Time: 1, Threads: 1, OnCompute: func() {
		e.hashes.Add(1)
		if h := e.hook.Load(); h != nil {
			(*h)()
		}
	}}
	m := e.newManager(testSecret)
	m.Throttle = &auth.LoginThrottle{Store: st}
	for _, o := range opts {
		o(e, m)
	}
	if err := m.Validate(); err != nil {
		t.Fatalf("Manager.Validate: %v", err)
	}
	e.mgr.Store(m)
	e.routes()
	e.srv = httptest.NewServer(e.sm.Handler(e.csrfCheck(e.mux)))
	t.Cleanup(e.srv.Close)
	return e
}

// newManager returns a Manager sharing the env's stores, sessions, CSRF policy and hasher.
func (e *env) newManager(secret string, fallbacks ...string) *auth.Manager {
	return &auth.Manager{
		Users: e.st, Tokens: e.st, Sessions: e.sm, CSRF: e.policy, Hasher: e.hasher,
		SecretKey: secret, SecretKeyFallbacks: fallbacks,
		ClientIP: clientIP,
		Now:      e.clock.Now,
		Logger:   quiet,
	}
}

// am is the Manager the handlers use (tests may swap it, e.g. to rotate the secret key).
func (e *env) am() *auth.Manager { return e.mgr.Load() }

// clientIP lets tests pick the client address with X-Test-Client; otherwise the peer address.
func clientIP(r *http.Request) string {
	if v := r.Header.Get("X-Test-Client"); v != "" {
		return v
	}
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	return host
}

func (e *env) csrfCheck(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := e.policy.Check(r); err != nil {
			writeJSON(w, http.StatusForbidden, map[string]any{"detail": "CSRF Failed: " + err.Error()})
			return
		}
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeErr maps the auth package's errors to responses the way the JSON API does.
func writeErr(w http.ResponseWriter, err error) {
	var fe auth.FieldErrors
	var th *auth.ThrottledError
	switch {
	case errors.As(err, &th):
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(th.Wait.Seconds()))))
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"detail": "Request was throttled."})
	case errors.As(err, &fe):
		writeJSON(w, http.StatusBadRequest, fe)
	case errors.Is(err, auth.ErrInvalidCredentials):
		writeJSON(w, http.StatusBadRequest, map[string]any{"detail": "Unable to log in with provided credentials."})
	case errors.Is(err, auth.ErrSessionNotFound):
		writeJSON(w, http.StatusNotFound, map[string]any{"detail": "Not found."})
	default:
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"detail": "Service unavailable.", "error": err.Error()})
	}
}

type credentials struct {
	Username    string `json:"username"`
	Password    string `json:"password"`
	OldPassword string `json:"old_password"`
	NewPassword string `json:"new_password"`
}

func readJSON(r *http.Request) credentials {
	var c credentials
	json.NewDecoder(io.LimitReader(r.Body, 4<<20)).Decode(&c)
	return c
}

// user answers 401 and returns nil when the request's session has no valid user.
func (e *env) user(w http.ResponseWriter, r *http.Request) *auth.User {
	u, err := e.am().SessionUser(r)
	if err != nil {
		writeErr(w, err)
		return nil
	}
	if u == nil {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"detail": "Authentication credentials were not provided."})
		return nil
	}
	return u
}

func (e *env) routes() {
	e.mux.HandleFunc("GET /csrf", func(w http.ResponseWriter, r *http.Request) {
		tok, err := e.policy.Token(w, r)
		if err != nil {
			writeErr(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"csrfToken": tok})
	})
	e.mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		in := readJSON(r)
		am := e.am()
		u, err := am.Authenticate(r.Context(), in.Username, in.Password, am.ClientAddress(r))
		if err != nil {
			writeErr(w, err)
			return
		}
		if err := am.Login(w, r, u); err != nil {
			writeErr(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": u.ID, "username": u.Username})
	})
	e.mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		if err := e.am().Logout(w, r); err != nil {
			writeErr(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	e.mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		if u := e.user(w, r); u != nil {
			writeJSON(w, http.StatusOK, map[string]any{"id": u.ID, "username": u.Username})
		}
	})
	e.mux.HandleFunc("POST /password", func(w http.ResponseWriter, r *http.Request) {
		u := e.user(w, r)
		if u == nil {
			return
		}
		in := readJSON(r)
		if err := e.am().ChangePassword(w, r, u, in.OldPassword, in.NewPassword); err != nil {
			writeErr(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	e.mux.HandleFunc("GET /sessions", func(w http.ResponseWriter, r *http.Request) {
		u := e.user(w, r)
		if u == nil {
			return
		}
		current, err := session.From(r).PublicID()
		if err != nil {
			writeErr(w, err)
			return
		}
		list, err := e.am().UserSessions(r.Context(), u.ID, current)
		if err != nil {
			writeErr(w, err)
			return
		}
		writeJSON(w, http.StatusOK, list)
	})
	e.mux.HandleFunc("DELETE /sessions/{id}", func(w http.ResponseWriter, r *http.Request) {
		u := e.user(w, r)
		if u == nil {
			return
		}
		if err := e.am().RevokeSession(r.Context(), u.ID, r.PathValue("id")); err != nil {
			writeErr(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	e.mux.HandleFunc("POST /sessions/revoke-others", func(w http.ResponseWriter, r *http.Request) {
		u := e.user(w, r)
		if u == nil {
			return
		}
		n, err := e.am().RevokeOtherSessions(r, u)
		if err != nil {
			writeErr(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"revoked": n})
	})
	// /data reads (GET) or writes (POST) one session value, anonymous or not.
	e.mux.HandleFunc("GET /data", func(w http.ResponseWriter, r *http.Request) {
		v, err := session.From(r).GetString(r.URL.Query().Get("k"))
		if err != nil {
			writeErr(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"v": v})
	})
	e.mux.HandleFunc("POST /data", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if err := session.From(r).Set(q.Get("k"), q.Get("v")); err != nil {
			writeErr(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	// /plant makes the session claim a user id with a bogus hash: a session whose user was deleted.
	e.mux.HandleFunc("POST /plant", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		if err := s.SetUserID(r.URL.Query().Get("id")); err != nil {
			writeErr(w, err)
			return
		}
		if err := s.Set(auth.HashSessionKey, r.URL.Query().Get("hash")); err != nil {
			writeErr(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// createUser creates an account through the Manager (validated, hashed).
func (e *env) createUser(name string) *auth.User {
	e.t.Helper()
	u, err := e.am().CreateUser(context.Background(), auth.NewUser{Username: name, Email: name + "@example.com", Password: goodPass})
	if err != nil {
		e.t.Fatalf("CreateUser(%q): %v", name, err)
	}
	return u
}

// stored returns the user as the store has it now.
func (e *env) stored(id int64) *auth.User {
	e.t.Helper()
	u, err := e.st.User(context.Background(), id)
	if err != nil {
		e.t.Fatalf("User(%d): %v", id, err)
	}
	return u
}

// record loads the session record of a cookie value; ok is false when there is none.
func (e *env) record(key string) (session.Record, bool) {
	rec, err := e.st.Load(context.Background(), session.HashKey(key))
	if errors.Is(err, session.ErrNotFound) {
		return rec, false
	}
	if err != nil {
		e.t.Fatalf("Load: %v", err)
	}
	return rec, true
}

// client keeps cookies by name (no jar, so tests can replay or plant cookies).
type client struct {
	e       *env
	cookies map[string]string
	ua, ip  string
}

func (e *env) client(ua, ip string) *client {
	return &client{e: e, cookies: map[string]string{}, ua: ua, ip: ip}
}

type response struct {
	status  int
	header  http.Header
	body    string
	cookies map[string]*http.Cookie // Set-Cookie lines by name
}

func (r *response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

// setCookie returns the value the response set for name; deleted reports a deletion.
func (r *response) setCookie(name string) (value string, set, deleted bool) {
	c, ok := r.cookies[name]
	if !ok {
		return "", false, false
	}
	if c.MaxAge < 0 || c.Value == "" {
		return "", true, true
	}
	return c.Value, true, false
}

// send makes a request with the client's cookies and the CSRF header (the cookie's secret) and
// records the cookies the response sets.
func (c *client) send(method, path string, body any) *response {
	c.e.t.Helper()
	return c.sendWith(method, path, body, c.cookies["csrftoken"], true)
}

func (c *client) sendWith(method, path string, body any, csrfToken string, keep bool) *response {
	c.e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.e.srv.URL+path, rd)
	if err != nil {
		c.e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for name, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: v})
	}
	if csrfToken != "" {
		req.Header.Set("X-CSRFToken", csrfToken)
	}
	if c.ua != "" {
		req.Header.Set("User-Agent", c.ua)
	}
	if c.ip != "" {
		req.Header.Set("X-Test-Client", c.ip)
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
		if !keep {
			continue
		}
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	return out
}

// csrf fetches the CSRF cookie.
func (c *client) csrf() string {
	c.e.t.Helper()
	if res := c.send("GET", "/csrf", nil); res.status != http.StatusOK {
		c.e.t.Fatalf("GET /csrf: %d %s", res.status, res.body)
	}
	if c.cookies["csrftoken"] == "" {
		c.e.t.Fatal("GET /csrf set no csrftoken cookie")
	}
	return c.cookies["csrftoken"]
}

// login logs in through POST /login and fails the test unless it succeeds.
func (c *client) login(username, pw string) *response {
	c.e.t.Helper()
	if c.cookies["csrftoken"] == "" {
		c.csrf()
	}
	res := c.send("POST", "/login", map[string]string{"username": username, "password": pw})
	if res.status != http.StatusOK {
		c.e.t.Fatalf("login as %q: %d %s", username, res.status, res.body)
	}
	if c.cookies["sessionid"] == "" {
		c.e.t.Fatal("login set no session cookie")
	}
	return res
}

// me returns the status of GET /me and the username it reports.
func (c *client) me() (int, string) {
	c.e.t.Helper()
	res := c.send("GET", "/me", nil)
	if res.status != http.StatusOK {
		return res.status, ""
	}
	name, _ := res.json(c.e.t)["username"].(string)
	return res.status, name
}

// meWithKey sends GET /me with a given session cookie and no client state.
func (e *env) meWithKey(key string) (int, *response) {
	e.t.Helper()
	c := e.client("", "")
	c.cookies["sessionid"] = key
	res := c.send("GET", "/me", nil)
	return res.status, res
}

// countHashes returns the number of password-hash computations f causes.
func (e *env) countHashes(f func()) int64 {
	before := e.hashes.Load()
	f()
	return e.hashes.Load() - before
}

// failingThrottle is a throttle store that cannot answer.
type failingThrottle struct{}

var errThrottleDown = errors.New("throttle store unreachable")

func (failingThrottle) Hit(context.Context, string, time.Time, int, time.Duration) (throttle.Result, error) {
	return throttle.Result{}, errThrottleDown
}
func (failingThrottle) ClearHits(context.Context, string) error { return errThrottleDown }

// barrier runs n goroutines that start together and waits for them.
func barrier(n int, f func(i int)) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			f(i)
		}()
	}
	close(start)
	wg.Wait()
}
