package session_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/sessionauth/sessionauth/session"
	"github.com/sessionauth/sessionauth/store/memory"
)

// A visit counter. The first response sets the session cookie; a client that sends it back gets the
// same session, so the second request reads what the first one stored.
func ExampleManager() {
	store := memory.New(memory.Options{})
	defer store.Close()
	sessions := &session.Manager{Store: store}

	handler := sessions.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		var visits int
		if _, err := s.Get("visits", &visits); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		visits++
		if err := s.Set("visits", visits); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "visit %d\n", visits)
	}))

	first := httptest.NewRecorder()
	handler.ServeHTTP(first, httptest.NewRequest("GET", "/", nil))
	cookie := first.Result().Cookies()[0]
	fmt.Printf("cookie %s: %d characters\n", cookie.Name, len(cookie.Value))

	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(cookie)
	second := httptest.NewRecorder()
	handler.ServeHTTP(second, req)
	fmt.Print(second.Body)

	// Output:
	// cookie sessionid: 32 characters
	// visit 2
}
