package rest_test

// The view's error handling: store failures fail closed (DESIGN §3: 503 {"detail": ...}, never an
// anonymous 200), handler errors, and the rendering rules every response follows (Allow on every
// response, Content-Type exactly application/json, DRF's JSON encoding).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/auth/password"
	"github.com/sessionauth/sessionauth/csrf"
	"github.com/sessionauth/sessionauth/internal/testclock"
	"github.com/sessionauth/sessionauth/rest"
	"github.com/sessionauth/sessionauth/session"
	"github.com/sessionauth/sessionauth/store/memory"
	"github.com/sessionauth/sessionauth/throttle"
)

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// syncBuffer is a log sink the server goroutines may write while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var errStoreDown = errors.New("store down: dial tcp 10.0.0.7:5432: connection refused")

// flakyStore is the memory store with switchable failures of the calls a request makes.
type flakyStore struct {
	*memory.Store
	users, tokens, sessions, hits atomic.Bool
}

func (s *flakyStore) User(ctx context.Context, id int64) (*auth.User, error) {
	if s.users.Load() {
		return nil, errStoreDown
	}
	return s.Store.User(ctx, id)
}

func (s *flakyStore) UserByUsername(ctx context.Context, username string) (*auth.User, error) {
	if s.users.Load() {
		return nil, errStoreDown
	}
	return s.Store.UserByUsername(ctx, username)
}

func (s *flakyStore) TokenUser(ctx context.Context, keyHash string) (*auth.Token, *auth.User, error) {
	if s.tokens.Load() {
		return nil, nil, errStoreDown
	}
	return s.Store.TokenUser(ctx, keyHash)
}

func (s *flakyStore) Load(ctx context.Context, id string) (session.Record, error) {
	if s.sessions.Load() {
		return session.Record{}, errStoreDown
	}
	return s.Store.Load(ctx, id)
}

func (s *flakyStore) Hit(ctx context.Context, key string, now time.Time, limit int, window time.Duration) (throttle.Result, error) {
	if s.hits.Load() {
		return throttle.Result{}, errStoreDown
	}
	return s.Store.Hit(ctx, key, now, limit, window)
}

// newFlakyHarness is newHarness with every store call going through a flakyStore, and the API's and
// the session manager's logs captured.
func newFlakyHarness(t *testing.T) (*harness, *flakyStore, *syncBuffer) {
	t.Helper()
	mem := memory.New(memory.Options{SweepInterval: -1})
	t.Cleanup(func() { mem.Close() })
	fs := &flakyStore{Store: mem}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	sm := &session.Manager{Store: fs, Logger: logger}
	policy := &csrf.Policy{Logger: discardLogger()}
	am := &auth.Manager{
		Users: fs, Tokens: fs, Sessions: sm, CSRF: policy, Hasher: cheapHasher(),
		SecretKey: "not very secret in tests, but long enough", Validators: []password.Validator{}, Logger: logger,
	}
	clock := testclock.New(epoch)
	api := &rest.API{
		Authenticators: []rest.Authenticator{&rest.SessionAuthentication{Auth: am}, &rest.BasicAuthentication{Auth: am}},
		ThrottleStore:  fs,
		Now:            clock.Now,
		Logger:         logger,
	}
	h := &harness{t: t, mux: http.NewServeMux(), store: mem, auth: am, api: api, csrf: policy, clock: clock}
	h.srv = httptest.NewServer(sm.Handler(h.mux))
	t.Cleanup(h.srv.Close)
	h.john = h.createUser("john", "lennon@thebeatles.com", "password")
	key, _, err := am.CreateToken(context.Background(), h.john.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	h.token = key
	h.mux.HandleFunc("POST /__test/login", func(w http.ResponseWriter, r *http.Request) {
		u, err := am.Authenticate(r.Context(), r.PostFormValue("username"), r.PostFormValue("password"), "")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := am.Login(w, r, u); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	return h, fs, logs
}

const msgUnavailable = "Service temporarily unavailable, try again later."

// whoView answers {"user": <username or "">, "method": ...} for every method, with the API's defaults.
func (h *harness) whoView(opts ...rest.Option) *rest.View {
	opts = append([]rest.Option{rest.Methods("GET", "POST", "PUT", "PATCH", "DELETE")}, opts...)
	return h.api.View(func(w http.ResponseWriter, r *http.Request) error {
		name := ""
		if u := rest.User(r); u != nil {
			name = u.Username
		}
		return rest.JSON(w, http.StatusOK, map[string]string{"user": name, "method": r.Method})
	}, opts...)
}

func wantNoLeak(t *testing.T, res *response) {
	t.Helper()
	for _, s := range []string{"10.0.0.7", "connection refused", "store down", "dial tcp", "boom"} {
		if strings.Contains(res.body, s) {
			t.Fatalf("body leaks the cause (%q): %s", s, res.body)
		}
	}
}

func TestStoreFailureFailsClosed(t *testing.T) {
	h, fs, logs := newFlakyHarness(t)
	// AllowAny: if a failed lookup fell back to anonymous, these requests would succeed.
	h.mux.Handle("/who/", h.whoView())
	h.mux.Handle("/token-who/", h.whoView(rest.Authenticators(&rest.TokenAuthentication{Auth: h.auth})))

	c := h.client()
	c.login("john", "password")
	tok := c.csrfToken()
	csrfHeader := map[string]string{"X-CSRFToken": tok}
	if res := c.do("GET", "/who/", nil, nil); res.json(t)["user"] != "john" {
		t.Fatalf("precondition: %s", res.body)
	}

	t.Run("user lookup fails", func(t *testing.T) {
		fs.users.Store(true)
		defer fs.users.Store(false)
		for _, m := range []string{"GET", "POST", "PUT", "DELETE"} {
			res := c.do(m, "/who/", map[string]string{"a": "b"}, csrfHeader)
			wantDetail(t, res, 503, msgUnavailable)
			wantNoLeak(t, res)
		}
		// Without the CSRF token too: the lookup fails before the CSRF check could.
		wantDetail(t, c.do("POST", "/who/", nil, nil), 503, msgUnavailable)
		// The session survived the outage.
		if _, ok := c.cookies["sessionid"]; !ok {
			t.Fatal("the session cookie was deleted during an outage")
		}
	})
	if res := c.do("GET", "/who/", nil, nil); res.json(t)["user"] != "john" {
		t.Fatalf("after the user store recovered: %s", res.body)
	}

	t.Run("session load fails", func(t *testing.T) {
		fs.sessions.Store(true)
		defer fs.sessions.Store(false)
		for _, m := range []string{"GET", "POST"} {
			res := c.do(m, "/who/", nil, csrfHeader)
			wantDetail(t, res, 503, msgUnavailable)
			wantNoLeak(t, res)
			if sc := res.Header.Values("Set-Cookie"); len(sc) != 0 {
				t.Fatalf("%s: Set-Cookie during an outage: %q", m, sc)
			}
		}
		// A request without a session cookie does not need the store: anonymous is right.
		if res := h.client().do("GET", "/who/", nil, nil); res.StatusCode != 200 || res.json(t)["user"] != "" {
			t.Fatalf("anonymous without cookie: %d %s", res.StatusCode, res.body)
		}
	})
	if res := c.do("GET", "/who/", nil, nil); res.json(t)["user"] != "john" {
		t.Fatalf("after the session store recovered: %s", res.body)
	}

	t.Run("basic user lookup fails", func(t *testing.T) {
		fs.users.Store(true)
		defer fs.users.Store(false)
		res := h.client().do("POST", "/who/", nil, basic("john:password"))
		wantDetail(t, res, 503, msgUnavailable)
		wantNoLeak(t, res)
	})

	t.Run("token lookup fails", func(t *testing.T) {
		fs.tokens.Store(true)
		defer fs.tokens.Store(false)
		res := h.client().do("POST", "/token-who/", nil, map[string]string{"Authorization": "Token " + h.token})
		wantDetail(t, res, 503, msgUnavailable)
		wantNoLeak(t, res)
	})

	t.Run("throttle store fails", func(t *testing.T) {
		h.api.ThrottleRates = map[string]string{"anon": "100/min", "user": "100/min"}
		h.mux.Handle("/throttled/", h.whoView(rest.Throttles(&rest.AnonRateThrottle{}, &rest.UserRateThrottle{})))
		fs.hits.Store(true)
		defer fs.hits.Store(false)
		wantDetail(t, h.client().do("GET", "/throttled/", nil, nil), 503, msgUnavailable)
		wantDetail(t, c.do("POST", "/throttled/", nil, csrfHeader), 503, msgUnavailable)
	})

	if !strings.Contains(logs.String(), "connection refused") {
		t.Fatalf("the cause was not logged:\n%s", logs.String())
	}
}

func TestHandlerErrors(t *testing.T) {
	h := newHarness(t)
	logs := &syncBuffer{}
	h.api.Logger = slog.New(slog.NewTextHandler(logs, nil))
	route := func(path string, err error) {
		h.mux.Handle(path, h.api.View(func(http.ResponseWriter, *http.Request) error { return err }, rest.Methods("GET", "POST")))
	}
	route("/plain", errors.New("boom: secret internals"))
	route("/wrapped-unavailable", fmt.Errorf("boom: cache: %w", rest.ErrUnavailable))
	route("/deadline", fmt.Errorf("boom: query: %w", context.DeadlineExceeded))
	route("/fields", auth.FieldErrors{"username": {"This field is required."}, "password": {"Too short.", "Too common."}})
	route("/wrapped-fields", fmt.Errorf("creating user: %w", auth.FieldErrors{"email": {"Enter a valid email address."}}))
	route("/login-throttled", &auth.ThrottledError{Wait: 90 * time.Second})
	route("/interrupted", session.ErrInterrupted)
	route("/notfound", rest.NotFound())
	route("/api-error", &rest.Error{Status: 409, Detail: "Conflict."})
	c := h.client()

	t.Run("plain error is a generic 500", func(t *testing.T) {
		res := c.do("GET", "/plain", nil, nil)
		wantDetail(t, res, 500, "A server error occurred.")
		wantNoLeak(t, res)
		if !strings.Contains(logs.String(), "secret internals") {
			t.Fatalf("the error was not logged: %s", logs.String())
		}
	})
	t.Run("ErrUnavailable and deadlines are 503", func(t *testing.T) {
		for _, p := range []string{"/wrapped-unavailable", "/deadline"} {
			res := c.do("GET", p, nil, nil)
			wantDetail(t, res, 503, msgUnavailable)
			wantNoLeak(t, res)
		}
	})
	t.Run("auth.FieldErrors is a 400 field object", func(t *testing.T) {
		for p, want := range map[string]string{
			"/fields":         `{"password":["Too short.","Too common."],"username":["This field is required."]}`,
			"/wrapped-fields": `{"email":["Enter a valid email address."]}`,
		} {
			res := c.do("POST", p, nil, nil)
			wantStatus(t, res, 400)
			if res.body != want {
				t.Errorf("%s: body %s, want %s", p, res.body, want)
			}
		}
	})
	t.Run("auth.ThrottledError is a 429", func(t *testing.T) {
		res := c.do("POST", "/login-throttled", nil, nil)
		wantDetail(t, res, 429, "Request was throttled. Expected available in 90 seconds.")
		if res.Header.Get("Retry-After") != "90" {
			t.Fatalf("Retry-After %q", res.Header.Get("Retry-After"))
		}
	})
	t.Run("session.ErrInterrupted is a 400", func(t *testing.T) {
		wantDetail(t, c.do("POST", "/interrupted", nil, nil), 400,
			"The session ended while this request was running; its changes were not saved.")
	})
	t.Run("API errors as they are", func(t *testing.T) {
		wantDetail(t, c.do("GET", "/notfound", nil, nil), 404, "Not found.")
		wantDetail(t, c.do("GET", "/api-error", nil, nil), 409, "Conflict.")
	})
}

// Every response of a view carries Allow (DRF's finalize_response copies it onto errors too) and JSON
// responses have Content-Type exactly "application/json", without charset.
func TestAllowAndContentTypeOnEveryResponse(t *testing.T) {
	h := newHarness(t)
	h.api.Logger = discardLogger()
	h.api.ThrottleRates = map[string]string{"anon": "1/min"}
	mk := func(err error, opts ...rest.Option) *rest.View {
		opts = append([]rest.Option{rest.Methods("GET", "POST")}, opts...)
		return h.api.View(func(w http.ResponseWriter, r *http.Request) error {
			if err != nil {
				return err
			}
			if r.Method == "POST" {
				if _, err := rest.Parse(r); err != nil {
					return err
				}
			}
			return rest.JSON(w, 200, map[string]bool{"ok": true})
		}, opts...)
	}
	h.mux.Handle("/ok", mk(nil, rest.BodyLimit(16)))
	h.mux.Handle("/protected", mk(nil, rest.Permissions(rest.IsAuthenticated)))
	h.mux.Handle("/basic", mk(nil, rest.Authenticators(&rest.BasicAuthentication{Auth: h.auth}), rest.Permissions(rest.IsAuthenticated)))
	h.mux.Handle("/fail", mk(errors.New("boom")))
	h.mux.Handle("/unavailable", mk(rest.ErrUnavailable))
	h.mux.Handle("/throttled", mk(nil, rest.Throttles(&rest.AnonRateThrottle{})))
	h.mux.Handle("/nometa", mk(nil, rest.NoMetadata()))
	c := h.client()
	c.get(t, "/throttled", nil) // spend the budget

	for _, tc := range []struct {
		name, method, path string
		body               any
		header             map[string]string
		status             int
	}{
		{"200", "GET", "/ok", nil, nil, 200},
		{"OPTIONS", "OPTIONS", "/ok", nil, nil, 200},
		{"400", "POST", "/ok", "{", map[string]string{"Content-Type": "application/json"}, 400},
		{"401", "GET", "/basic", nil, nil, 401},
		{"403", "GET", "/protected", nil, nil, 403},
		{"405", "DELETE", "/ok", nil, nil, 405},
		{"405 OPTIONS without metadata", "OPTIONS", "/nometa", nil, nil, 405},
		{"406", "GET", "/ok", nil, map[string]string{"Accept": "application/xml"}, 406},
		{"413", "POST", "/ok", `{"a":"0123456789abcdef"}`, map[string]string{"Content-Type": "application/json"}, 413},
		{"415", "POST", "/ok", "a", map[string]string{"Content-Type": "text/plain"}, 415},
		{"429", "GET", "/throttled", nil, nil, 429},
		{"500", "GET", "/fail", nil, nil, 500},
		{"503", "GET", "/unavailable", nil, nil, 503},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := c.do(tc.method, tc.path, tc.body, tc.header)
			wantStatus(t, res, tc.status)
			if got := allowSet(res); !equalSets(got, "GET", "POST", "OPTIONS") {
				t.Errorf("Allow %q", res.Header.Get("Allow"))
			}
			if ct := res.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if tc.method != "HEAD" {
				res.json(t) // a JSON object
			}
		})
	}
}

// DRF's JSONRenderer: compact, UTF-8 rather than \u escapes, no HTML escaping, but U+2028 and U+2029
// escaped (they end lines in JavaScript).
func TestJSONRendering(t *testing.T) {
	h := newHarness(t)
	h.mux.Handle("/", h.api.View(func(w http.ResponseWriter, r *http.Request) error {
		return rest.JSON(w, http.StatusCreated, map[string]any{"s": "<a href='x'>&é€😀\u2028\u2029", "n": []int{1, 2}})
	}))
	h.mux.Handle("/empty", h.api.View(func(w http.ResponseWriter, r *http.Request) error { return rest.NoContent(w) }))
	c := h.client()
	res := c.do("GET", "/", nil, nil)
	wantStatus(t, res, 201)
	want := `{"n":[1,2],"s":"<a href='x'>&é€😀\u2028\u2029"}`
	if res.body != want {
		t.Fatalf("body\n%s\nwant\n%s", res.body, want)
	}
	if res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("Content-Type %q", res.Header.Get("Content-Type"))
	}
	res = c.do("GET", "/empty", nil, nil)
	wantStatus(t, res, 204)
	if res.body != "" {
		t.Fatalf("204 body %q", res.body)
	}
}

// The session is read by SessionAuthentication, so responses vary by cookie (DRF + SessionMiddleware:
// "Vary: Accept, Cookie"; we have a single renderer, so no Accept).
func TestVaryCookie(t *testing.T) {
	h := newHarness(t)
	h.mux.Handle("/", h.whoView())
	c := h.client()
	c.login("john", "password")
	res := c.do("GET", "/", nil, nil)
	if !headerHasToken(res.Header, "Vary", "Cookie") {
		t.Fatalf("Vary %q", res.Header.Values("Vary"))
	}
}

func allowSet(res *response) map[string]bool {
	set := map[string]bool{}
	for _, line := range res.Header.Values("Allow") {
		for _, m := range strings.Split(line, ",") {
			if m = strings.TrimSpace(m); m != "" {
				set[m] = true
			}
		}
	}
	return set
}

func equalSets(set map[string]bool, want ...string) bool {
	if len(set) != len(want) {
		return false
	}
	for _, w := range want {
		if !set[w] {
			return false
		}
	}
	return true
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, line := range h.Values(name) {
		for _, v := range strings.Split(line, ",") {
			if strings.EqualFold(strings.TrimSpace(v), token) {
				return true
			}
		}
	}
	return false
}
