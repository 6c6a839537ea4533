package auth_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/auth/password"
	"github.com/sessionauth/sessionauth/session"
	"github.com/sessionauth/sessionauth/store/memory"
)

// A login handler: authenticate (throttled, one generic failure), then Login, which cycles the session
// key, stores the user and the session auth hash, and rotates the CSRF secret when a csrf.Policy is
// configured. A real server also checks the CSRF token before (csrf.Policy.Check).
func ExampleManager_Login() {
	store := memory.New(memory.Options{})
	defer store.Close()
	sessions := &session.Manager{Store: store}
	am := &auth.Manager{
		Users:     store,
		Sessions:  sessions,
		SecretKey: "change-me-to-a-long-random-secret-key",
		Hasher:    &password.Hasher{Memory: 64, Time: 1, Threads: 1}, // cheap, for the example only
		Throttle:  &auth.LoginThrottle{Store: store},
	}
	if _, err := am.CreateUser(context.Background(), auth.NewUser{Username: "alice", Password: "correct horse battery staple"}); err != nil {
		fmt.Println(err)
		return
	}

	login := func(w http.ResponseWriter, r *http.Request) {
		u, err := am.Authenticate(r.Context(), r.PostFormValue("username"), r.PostFormValue("password"), am.ClientAddress(r))
		var throttled *auth.ThrottledError
		switch {
		case errors.As(err, &throttled):
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(throttled.Wait.Seconds()))))
			http.Error(w, "Too many attempts.", http.StatusTooManyRequests)
			return
		case errors.Is(err, auth.ErrInvalidCredentials):
			http.Error(w, "Unable to log in with provided credentials.", http.StatusBadRequest)
			return
		case err != nil: // a store or hasher failure: fail closed
			http.Error(w, "Service unavailable.", http.StatusServiceUnavailable)
			return
		}
		if err := am.Login(w, r, u); err != nil {
			http.Error(w, "Service unavailable.", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "Welcome, %s!\n", u.Username)
	}
	me := func(w http.ResponseWriter, r *http.Request) {
		u, err := am.SessionUser(r)
		switch {
		case err != nil:
			http.Error(w, "Service unavailable.", http.StatusServiceUnavailable)
		case u == nil:
			http.Error(w, "Authentication credentials were not provided.", http.StatusUnauthorized)
		default:
			fmt.Fprintf(w, "You are %s.\n", u.Username)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", login)
	mux.HandleFunc("GET /me", me)
	handler := sessions.Handler(mux)

	var cookie *http.Cookie
	do := func(method, path string, form url.Values) {
		req := httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if cookie != nil {
			req.AddCookie(cookie)
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		for _, c := range rec.Result().Cookies() {
			if c.Name == "sessionid" {
				cookie = c
			}
		}
		fmt.Printf("%s %s → %d %s", method, path, rec.Code, rec.Body.String())
	}
	do("POST", "/login", url.Values{"username": {"alice"}, "password": {"wrong"}})
	do("GET", "/me", nil)
	do("POST", "/login", url.Values{"username": {"ａｌｉｃｅ"}, "password": {"correct horse battery staple"}})
	do("GET", "/me", nil)
	// Output:
	// POST /login → 400 Unable to log in with provided credentials.
	// GET /me → 401 Authentication credentials were not provided.
	// POST /login → 200 Welcome, alice!
	// GET /me → 200 You are alice.
}
