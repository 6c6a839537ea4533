package authapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/auth/password"
	"github.com/sessionauth/sessionauth/authapi"
	"github.com/sessionauth/sessionauth/csrf"
	"github.com/sessionauth/sessionauth/rest"
	"github.com/sessionauth/sessionauth/session"
	"github.com/sessionauth/sessionauth/store/memory"
)

// The wiring of a server: one store for sessions, users, tokens and throttle counters; the session
// middleware outside the mux; an auth.Manager with a CSRF policy (login is CSRF-protected); and the
// project's rest.API, whose authenticators serve /api/auth/me. A browser-like client then fetches a
// CSRF token, logs in, reads /me and logs out.
func ExampleHandler() {
	store := memory.New(memory.Options{})
	defer store.Close()
	sessions := &session.Manager{Store: store}
	am := &auth.Manager{
		Users: store, Tokens: store, Sessions: sessions,
		CSRF:      &csrf.Policy{},
		SecretKey: "replace me with 32+ random characters, kept secret",
		Throttle:  &auth.LoginThrottle{Store: store},
		// Cheap hashing keeps the example fast; leave Hasher nil in production (argon2id, OWASP's
		// parameters).
		Hasher: &password.Hasher{Memory: 64, Time: 1, Threads: 1},
	}
	api := &rest.API{Authenticators: []rest.Authenticator{
		&rest.TokenAuthentication{Auth: am}, &rest.SessionAuthentication{Auth: am},
	}}
	mux := http.NewServeMux()
	if err := (&authapi.Handler{Auth: am, API: api}).Register(mux); err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(sessions.Handler(mux))
	defer srv.Close()

	const pass = "a long and unusual passphrase"
	if _, err := am.CreateUser(context.Background(), auth.NewUser{Username: "alice", Password: pass}); err != nil {
		fmt.Println(err)
		return
	}

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	var token string
	call := func(method, path, body string) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRFToken", token)
		res, err := client.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		var v struct {
			CSRFToken string `json:"csrfToken"`
			Username  string `json:"username"`
			User      struct {
				Username string `json:"username"`
			} `json:"user"`
			Detail string `json:"detail"`
		}
		json.Unmarshal(b, &v)
		if v.CSRFToken != "" {
			token = v.CSRFToken
		}
		fmt.Printf("%-6s %-17s %d %s%s%s Cache-Control: %s\n", method, path, res.StatusCode,
			v.Username, v.User.Username, v.Detail, res.Header.Get("Cache-Control"))
	}

	call("GET", "/api/auth/me", "")
	call("GET", "/api/auth/csrf", "")
	call("POST", "/api/auth/login", `{"username": "alice", "password": "wrong"}`)
	call("POST", "/api/auth/login", `{"username": "alice", "password": "`+pass+`"}`)
	call("GET", "/api/auth/me", "")
	call("GET", "/api/auth/csrf", "") // login rotated the CSRF secret: fetch a token for the new one
	call("POST", "/api/auth/logout", "")
	call("GET", "/api/auth/me", "")

	// Output:
	// GET    /api/auth/me      401 Authentication credentials were not provided. Cache-Control: no-store
	// GET    /api/auth/csrf    200  Cache-Control: no-store
	// POST   /api/auth/login   400 Unable to log in with provided credentials. Cache-Control: no-store
	// POST   /api/auth/login   200 alice Cache-Control: no-store
	// GET    /api/auth/me      200 alice Cache-Control: no-store
	// GET    /api/auth/csrf    200  Cache-Control: no-store
	// POST   /api/auth/logout  204  Cache-Control: no-store
	// GET    /api/auth/me      401 Authentication credentials were not provided. Cache-Control: no-store
}
