package web_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/csrf"
	"github.com/sessionauth/sessionauth/session"
	"github.com/sessionauth/sessionauth/store/memory"
	"github.com/sessionauth/sessionauth/web"
)

// Register adds the pages to a mux; serve the mux behind the session middleware (the pages would add
// it themselves otherwise, but other handlers on the mux need it too).
func ExampleHandler_Register() {
	store := memory.New(memory.Options{})
	defer store.Close()
	sessions := &session.Manager{Store: store}
	am := &auth.Manager{
		Users:     store,
		Tokens:    store,
		Sessions:  sessions,
		CSRF:      &csrf.Policy{},
		SecretKey: "change-me-to-a-long-random-secret-key",
		Throttle:  &auth.LoginThrottle{Store: store},
	}
	if err := am.Validate(); err != nil {
		log.Fatal(err)
	}

	mux := http.NewServeMux()
	if err := (&web.Handler{Auth: am}).Register(mux); err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(sessions.Handler(mux)) // in production: http.ListenAndServe(addr, sessions.Handler(mux))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/login?next=/account")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status)
	fmt.Println(resp.Header.Get("Cache-Control"))
	fmt.Println(strings.Contains(string(body), `name="csrfmiddlewaretoken"`))
	// Output:
	// 200 OK
	// no-store
	// true
}
