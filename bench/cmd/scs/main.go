// Command scs is the comparison server of bench/run.sh: the work of sessionauth's session-authenticated
// GET /api/hello done with the scs library (github.com/alexedwards/scs/v2), with its memory store or
// its SQLite store (github.com/alexedwards/scs/sqlite3store over mattn/go-sqlite3).
//
//   - POST /api/auth/login renews the session token and puts a user id in the session. It checks no
//     password: it only exists to hand the benchmark a logged-in cookie.
//   - GET /api/hello reads the user id from the session and answers {"message":"Hello, authenticated user!"},
//     or 403 {"detail":"Authentication credentials were not provided."} when there is none.
//
// Everything sits behind scs's LoadAndSave middleware, and the http.Server has the same settings as
// `sessionauth serve` and bench/cmd/bare.
package main

import (
	"database/sql"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/alexedwards/scs/sqlite3store"
	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	_ "github.com/mattn/go-sqlite3"
)

var (
	helloBody     = []byte(`{"message":"Hello, authenticated user!"}`)
	forbiddenBody = []byte(`{"detail":"Authentication credentials were not provided."}`)
	loginBody     = []byte(`{"user":{"id":1,"username":"bench"}}`)
)

// schema is the table sqlite3store expects (its README).
const schema = `
CREATE TABLE IF NOT EXISTS sessions (
	token TEXT PRIMARY KEY,
	data BLOB NOT NULL,
	expiry REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_expiry_idx ON sessions(expiry);`

func main() {
	addr := flag.String("addr", "127.0.0.1:8002", "address to listen on")
	store := flag.String("store", "memory", "session store: memory or sqlite")
	database := flag.String("database", "scs.db", "SQLite file (with -store sqlite)")
	conns := flag.Int("conns", 4, "SQLite connection pool size (sessionauth's read pool is 4)")
	flag.Parse()

	sm := scs.New()
	sm.Lifetime = 14 * 24 * time.Hour // Django's SESSION_COOKIE_AGE, as sessionauth
	sm.Cookie.Name = "sessionid"
	sm.Cookie.Secure = false
	sm.Cookie.SameSite = http.SameSiteLaxMode
	switch *store {
	case "memory":
		sm.Store = memstore.New()
	case "sqlite":
		db, err := openSQLite(*database, *conns)
		if err != nil {
			log.Fatal(err)
		}
		defer db.Close()
		sm.Store = sqlite3store.New(db)
	default:
		log.Fatalf("-store: %q is neither memory nor sqlite", *store)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/auth/login", func(w http.ResponseWriter, r *http.Request) {
		if err := sm.RenewToken(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		sm.Put(r.Context(), "_auth_user_id", 1)
		writeJSON(w, http.StatusOK, loginBody)
	})
	mux.HandleFunc("GET /api/hello", func(w http.ResponseWriter, r *http.Request) {
		if sm.GetInt(r.Context(), "_auth_user_id") == 0 {
			writeJSON(w, http.StatusForbidden, forbiddenBody)
			return
		}
		writeJSON(w, http.StatusOK, helloBody)
	})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	hs := &http.Server{
		Handler:           sm.LoadAndSave(mux),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	fmt.Fprintf(os.Stdout, "scs (%s store) listening on http://%s/\n", *store, ln.Addr())
	log.Fatal(hs.Serve(ln))
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

// openSQLite opens the file with the pragmas sessionauth's SQLite store uses (WAL, synchronous=NORMAL,
// a busy timeout) and a pool of the same size as sessionauth's read pool, and creates the table.
func openSQLite(path string, conns int) (*sql.DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "NORMAL")
	q.Set("_busy_timeout", "5000")
	db, err := sql.Open("sqlite3", "file:"+abs+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxLifetime(0)
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
