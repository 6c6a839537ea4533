package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/auth/password"
	"github.com/sessionauth/sessionauth/csrf"
	"github.com/sessionauth/sessionauth/session"
	"github.com/sessionauth/sessionauth/store/memory"
)

const (
	testSecret = "web-tests-secret-key-0123456789-abcdefghijklmnop"
	goodPass   = "vivid-otter-marble-42"
	newPass    = "quiet-lantern-harbor-97"

	uaFirefoxLinux   = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
	uaChromeAndroid  = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36"
	uaSafariMac      = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15"
	genericLoginFail = "Please enter a correct username and password. Note that both fields may be case-sensitive."
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

var errStoreDown = errors.New("test: store down")

// flakyStore is the memory store with a switch that makes every read of sessions and users fail, the
// way an unreachable database does.
type flakyStore struct {
	*memory.Store
	down atomic.Bool
}

func (s *flakyStore) Load(ctx context.Context, id string) (session.Record, error) {
	if s.down.Load() {
		return session.Record{}, errStoreDown
	}
	return s.Store.Load(ctx, id)
}

func (s *flakyStore) User(ctx context.Context, id int64) (*auth.User, error) {
	if s.down.Load() {
		return nil, errStoreDown
	}
	return s.Store.User(ctx, id)
}

func (s *flakyStore) UserByUsername(ctx context.Context, username string) (*auth.User, error) {
	if s.down.Load() {
		return nil, errStoreDown
	}
	return s.Store.UserByUsername(ctx, username)
}

func (s *flakyStore) UserSessions(ctx context.Context, userID string) ([]session.Entry, error) {
	if s.down.Load() {
		return nil, errStoreDown
	}
	return s.Store.UserSessions(ctx, userID)
}

// env is a real server: the web pages on a ServeMux behind the session middleware, over the memory
// store, with an auth.Manager using cheap password hashing and a default csrf.Policy.
type env struct {
	t     *testing.T
	store *flakyStore
	am    *auth.Manager
	srv   *httptest.Server
}

type option func(*auth.Manager)

func newEnv(t *testing.T, opts ...option) *env {
	t.Helper()
	mem := memory.New(memory.Options{SweepInterval: -1})
	t.Cleanup(func() { mem.Close() })
	st := &flakyStore{Store: mem}
	am := &auth.Manager{
		Users:     st,
		Tokens:    st,
		Sessions:  &session.Manager{Store: st, Logger: quiet},
		CSRF:      &csrf.Policy{Logger: quiet},
		Hasher:    &password.Hasher{Memory: 64, Time: 1, Threads: 1},
		SecretKey: testSecret,
		Throttle:  &auth.LoginThrottle{Store: st},
		Logger:    quiet,
	}
	for _, o := range opts {
		o(am)
	}
	if err := am.Validate(); err != nil {
		t.Fatalf("auth.Manager.Validate: %v", err)
	}
	mux := http.NewServeMux()
	if err := (&Handler{Auth: am, Logger: quiet}).Register(mux); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(am.Sessions.Handler(mux))
	t.Cleanup(srv.Close)
	return &env{t: t, store: st, am: am, srv: srv}
}

// user creates an account with goodPass.
func (e *env) user(username, email string, staff, superuser bool) *auth.User {
	e.t.Helper()
	u, err := e.am.CreateUser(context.Background(), auth.NewUser{
		Username: username, Email: email, Password: goodPass, IsStaff: staff, IsSuperuser: superuser,
	})
	if err != nil {
		e.t.Fatalf("CreateUser(%q): %v", username, err)
	}
	return u
}

// client is a browser: a cookie jar, a User-Agent, no automatic redirects. It remembers the CSRF token
// of the last page it fetched, as a form on that page would send it.
type client struct {
	t     *testing.T
	e     *env
	hc    *http.Client
	ua    string
	token string
}

func (e *env) client(ua string) *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &client{t: e.t, e: e, ua: ua, hc: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// response is an answer with its body read.
type response struct {
	*http.Response
	body string
}

var tokenField = regexp.MustCompile(`name="csrfmiddlewaretoken" value="([^"]*)"`)

func (c *client) do(req *http.Request) *response {
	c.t.Helper()
	if c.ua != "" {
		req.Header.Set("User-Agent", c.ua)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: reading body: %v", req.Method, req.URL.Path, err)
	}
	if m := tokenField.FindStringSubmatch(string(b)); m != nil {
		c.token = m[1]
	}
	return &response{Response: resp, body: string(b)}
}

func (c *client) get(path string) *response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.e.srv.URL+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

// post sends a form with the CSRF token of the last page fetched (unless form sets it already).
func (c *client) post(path string, form url.Values, header ...string) *response {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrfmiddlewaretoken"]; !ok && c.token != "" {
		form.Set("csrfmiddlewaretoken", c.token)
	}
	req, err := http.NewRequest(http.MethodPost, c.e.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(req)
}

// login signs in through the form and expects success.
func (c *client) login(username string, remember bool) *response {
	c.t.Helper()
	c.get("/login")
	form := url.Values{"username": {username}, "password": {goodPass}}
	if remember {
		form.Set("remember", "on")
	}
	resp := c.post("/login", form)
	if resp.StatusCode != http.StatusFound {
		c.t.Fatalf("login as %q: status %d, want 302; body:\n%s", username, resp.StatusCode, resp.body)
	}
	return resp
}

// signedIn reports whether the client's session is signed in, asking the account page.
func (c *client) signedIn() bool {
	c.t.Helper()
	resp := c.get("/account")
	switch resp.StatusCode {
	case http.StatusOK:
		return true
	case http.StatusFound:
		return false
	}
	c.t.Fatalf("GET /account: status %d", resp.StatusCode)
	return false
}

// cookie returns the Set-Cookie of name in resp, or nil.
func cookie(resp *response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// jarCookie returns the value the client holds for name, "" if none.
func (c *client) jarCookie(name string) string {
	u, _ := url.Parse(c.e.srv.URL)
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

func wantStatus(t *testing.T, resp *response, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d; body:\n%s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, want, resp.body)
	}
}

func wantBody(t *testing.T, resp *response, substrings ...string) {
	t.Helper()
	for _, s := range substrings {
		if !strings.Contains(resp.body, s) {
			t.Errorf("%s %s: body lacks %q; body:\n%s", resp.Request.Method, resp.Request.URL.Path, s, resp.body)
		}
	}
}

func wantNotBody(t *testing.T, resp *response, substrings ...string) {
	t.Helper()
	for _, s := range substrings {
		if strings.Contains(resp.body, s) {
			t.Errorf("%s %s: body contains %q", resp.Request.Method, resp.Request.URL.Path, s)
		}
	}
}
