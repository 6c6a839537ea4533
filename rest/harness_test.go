package rest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/auth/password"
	"github.com/sessionauth/sessionauth/csrf"
	"github.com/sessionauth/sessionauth/internal/testclock"
	"github.com/sessionauth/sessionauth/rest"
	"github.com/sessionauth/sessionauth/session"
	"github.com/sessionauth/sessionauth/store/memory"
)

// harness is a real server with DRF's test settings: default authenticators [Session, Basic], user
// john/password and his token, cheap password hashing (as DRF's suite uses MD5).
type harness struct {
	t     *testing.T
	srv   *httptest.Server
	mux   *http.ServeMux
	store *memory.Store
	auth  *auth.Manager
	api   *rest.API
	csrf  *csrf.Policy
	clock *testclock.Clock
	john  *auth.User
	token string // john's API token key
}

// epoch is where the fake clock of the throttle tests starts; they set it in offsets from there, as
// DRF's tests set their throttle timer in seconds.
var epoch = time.Unix(1_700_000_000, 0)

func cheapHasher() *password.Hasher { return &password.Hasher{Memory: 64, Time: 1, Threads: 1} }

func newHarness(t *testing.T) *harness {
	t.Helper()
	st := memory.New(memory.Options{SweepInterval: -1})
	t.Cleanup(func() { st.Close() })
	sm := &session.Manager{Store: st}
	policy := &csrf.Policy{}
	am := &auth.Manager{
		Users: st, Tokens: st, Sessions: sm, CSRF: policy, Hasher: cheapHasher(),
		SecretKey:  "not very secret in tests, but long enough",
		Validators: []password.Validator{}, // tests use DRF's fixture passwords
	}
	clock := testclock.New(epoch)
	api := &rest.API{
		Authenticators: []rest.Authenticator{&rest.SessionAuthentication{Auth: am}, &rest.BasicAuthentication{Auth: am}},
		ThrottleStore:  st,
		Now:            clock.Now,
	}
	h := &harness{t: t, mux: http.NewServeMux(), store: st, auth: am, api: api, csrf: policy, clock: clock}
	h.srv = httptest.NewServer(sm.Handler(h.mux))
	t.Cleanup(h.srv.Close)

	h.john = h.createUser("john", "lennon@thebeatles.com", "password")
	key, _, err := am.CreateToken(context.Background(), h.john.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	h.token = key

	// The Django test client's login(): creates a session for the user and gives the client only the
	// session cookie.
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
	return h
}

func (h *harness) createUser(username, email, pw string) *auth.User {
	h.t.Helper()
	u, err := h.auth.CreateUser(context.Background(), auth.NewUser{Username: username, Email: email, Password: pw})
	if err != nil {
		h.t.Fatal(err)
	}
	return u
}

// mockView is DRF's MockView: IsAuthenticated; GET/POST/PUT answer "abc"; other methods 405.
func (h *harness) mockView(opts ...rest.Option) *rest.View {
	opts = append([]rest.Option{rest.Methods("GET", "POST", "PUT"), rest.Permissions(rest.IsAuthenticated)}, opts...)
	return h.api.View(func(w http.ResponseWriter, r *http.Request) error {
		if r.Method == "POST" || r.Method == "PUT" {
			if _, err := rest.Parse(r); err != nil {
				return err
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, err := io.WriteString(w, "abc")
		return err
	}, opts...)
}

// client keeps cookies by name (no jar, so tests can drop or plant cookies).
type client struct {
	h       *harness
	cookies map[string]string
}

func (h *harness) client() *client { return &client{h: h, cookies: map[string]string{}} }

type response struct {
	*http.Response
	body string
}

func (r *response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

func (r *response) detail(t *testing.T) string {
	t.Helper()
	d, _ := r.json(t)["detail"].(string)
	return d
}

// do sends a request. body may be nil, a url.Values (multipart form, DRF's test default), a
// formBody (urlencoded), a string (sent as is) or anything else (sent as JSON).
func (c *client) do(method, path string, body any, header map[string]string) *response {
	c.h.t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case url.Values:
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k, vs := range b {
			for _, v := range vs {
				mw.WriteField(k, v)
			}
		}
		mw.Close()
		rd, ct = &buf, mw.FormDataContentType()
	case formBody:
		rd, ct = strings.NewReader(url.Values(b).Encode()), "application/x-www-form-urlencoded"
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd, ct = bytes.NewReader(j), "application/json"
	}
	req, err := http.NewRequest(method, c.h.srv.URL+path, rd)
	if err != nil {
		c.h.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	for k, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	res, err := c.h.srv.Client().Do(req)
	if err != nil {
		c.h.t.Fatal(err)
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
	return &response{res, string(b)}
}

type formBody url.Values

// login logs the client in like Django's test client: afterwards it holds only the session cookie.
func (c *client) login(username, pw string) {
	c.h.t.Helper()
	res := c.do("POST", "/__test/login", formBody{"username": {username}, "password": {pw}}, nil)
	if res.StatusCode != 200 {
		c.h.t.Fatalf("login: %d %s", res.StatusCode, res.body)
	}
	delete(c.cookies, "csrftoken")
}

// csrfToken plants a CSRF cookie and returns a matching masked token.
func (c *client) csrfToken() string {
	c.h.t.Helper()
	secret, err := csrf.NewSecret()
	if err != nil {
		c.h.t.Fatal(err)
	}
	c.cookies["csrftoken"] = secret
	tok, err := csrf.Mask(secret)
	if err != nil {
		c.h.t.Fatal(err)
	}
	return tok
}

func wantStatus(t *testing.T, res *response, status int) {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("status %d, want %d; body %s", res.StatusCode, status, res.body)
	}
}

func wantDetail(t *testing.T, res *response, status int, detail string) {
	t.Helper()
	wantStatus(t, res, status)
	if got := res.detail(t); got != detail {
		t.Fatalf("detail %q, want %q", got, detail)
	}
}
