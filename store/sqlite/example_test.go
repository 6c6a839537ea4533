package sqlite_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/sessionauth/sessionauth/session"
	"github.com/sessionauth/sessionauth/store/sqlite"
)

// A database file as the session store of a session.Manager. The file is created, and its schema
// migrated, by Open.
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "sessionauth-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(dir, "sessionauth.db"), sqlite.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()
	sessions := &session.Manager{Store: store}

	handler := sessions.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := session.From(r).Set("theme", "dark"); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}))
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Println(rec.Code, rec.Result().Cookies()[0].Name)

	n, err := store.CountSessions(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(n, "session stored")

	// Output:
	// 200 sessionid
	// 1 session stored
}
