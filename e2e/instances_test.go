package e2e

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/rueidis"

	"github.com/sessionauth/sessionauth/internal/tcpproxy"
	"github.com/sessionauth/sessionauth/internal/testenv"
)

// startProxy puts a tcpproxy in front of target for the test's duration.
func startProxy(t *testing.T, target string) *tcpproxy.Proxy {
	t.Helper()
	p, err := tcpproxy.Start(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// proxied starts a proxy to the server of rawURL and returns it with the URL pointed at it.
func proxied(t *testing.T, rawURL string) (*tcpproxy.Proxy, *url.URL) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	p := startProxy(t, u.Host)
	u.Host = p.Addr()
	return p, u
}

// sharedSite is a site whose database is a fresh PostgreSQL database (created for the test, dropped
// after it) and whose servers keep sessions in a Redis database of their own, as several instances
// behind a load balancer would.
func sharedSite(t *testing.T) (s *site, redisURL string) {
	t.Helper()
	pgURL := testenv.Service(t, testenv.PostgresURL)
	base := testenv.Service(t, testenv.RedisURL)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		t.Fatalf("connecting to %s: %v", testenv.PostgresURL, err)
	}
	defer admin.Close(ctx)
	name := "sa_e2e_" + strings.ToLower(rand.Text()[:12])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("CREATE DATABASE: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, pgURL); err == nil {
			c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(ctx)
		}
	})
	u, err := url.Parse(pgURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name

	s = newSite(t)
	s.db = u.String()
	return s, redisDatabase(t, base)
}

// redisDatabases hands each test a Redis database number of its own (1-14; 0 is the store tests', 15
// bench/run.sh's).
var redisDatabases struct {
	sync.Mutex
	next int
}

// redisDatabase returns base with a database number no other test of this run uses, emptied before
// and after the test.
func redisDatabase(t *testing.T, base string) string {
	t.Helper()
	redisDatabases.Lock()
	redisDatabases.next++
	n := redisDatabases.next
	redisDatabases.Unlock()
	if n > 14 {
		t.Fatal("more than 14 tests need a Redis database of their own")
	}
	opts, err := rueidis.ParseURL(base)
	if err != nil {
		t.Fatalf("%s: %v", testenv.RedisURL, err)
	}
	opts.SelectDB = n
	opts.DisableCache = true
	flush := func() {
		c, err := rueidis.NewClient(opts)
		if err != nil {
			t.Errorf("FLUSHDB %d: %v", n, err)
			return
		}
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.Do(ctx, c.B().Flushdb().Build()).Error(); err != nil {
			t.Errorf("FLUSHDB %d: %v", n, err)
		}
	}
	flush()
	t.Cleanup(flush)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = fmt.Sprintf("/%d", n)
	return u.String()
}

// startInstances starts n servers on the shared site, all at once (so that they race to create the
// schema and the secret key, as a rolling deployment's first start does).
func startInstances(t *testing.T, s *site, n int, args ...string) []*server {
	t.Helper()
	servers := make([]*server, n)
	var wg sync.WaitGroup
	for i := range servers {
		wg.Go(func() { servers[i] = s.serve(args...) })
	}
	wg.Wait()
	for i, srv := range servers {
		if srv == nil {
			t.Fatalf("instance %d did not start", i)
		}
	}
	return servers
}

// TestSeveralInstances runs three servers on one PostgreSQL database and one Redis: a session made
// on one is valid on all; logout, revocation, password change and deactivation through one take
// effect on all at once; login throttling counts attempts made on any of them.
func TestSeveralInstances(t *testing.T) {
	t.Parallel()
	s, redisURL := sharedSite(t)
	s.createUser("alice", alicePassword, "--email", "alice@example.com")
	s.createUser("bob", bobPassword)
	servers := startInstances(t, s, 3, "--session-store", redisURL, "--login-rate", "5/min")
	a, b, c := servers[0], servers[1], servers[2]

	me := func(cl *client, srv *server, want int, what string) {
		t.Helper()
		r := cl.to(srv).get("/api/auth/me")
		expect(t, r, want, what+" on "+srv.addr)
		if want == http.StatusOK {
			if got := r.object(t)["username"]; got != "alice" && got != "bob" {
				t.Fatalf("%s: /me says %v", what, got)
			}
		}
	}
	everywhere := func(cl *client, want int, what string) {
		t.Helper()
		for _, srv := range servers {
			me(cl, srv, want, what)
		}
	}

	t.Run("session made on one is valid on all", func(t *testing.T) {
		alice := a.loggedIn("alice", alicePassword)
		everywhere(alice, http.StatusOK, "alice's session")
		// A write through another instance (CSRF cookie from A, header read from it) works.
		r := alice.to(b).post("/api/notes", map[string]any{"title": "from b", "body": "x"})
		expect(t, r, http.StatusCreated, "POST /api/notes on b with a session made on a")
		r = alice.to(c).get("/api/notes")
		expect(t, r, http.StatusOK, "GET /api/notes on c")
		if !strings.Contains(string(r.body), "from b") {
			t.Fatalf("the note written through b is not listed by c: %s", r)
		}
	})

	t.Run("logout through one ends the session on all", func(t *testing.T) {
		alice := a.loggedIn("alice", alicePassword)
		stolen := alice.clone()
		everywhere(alice, http.StatusOK, "before logout")
		expect(t, alice.to(b).post("/api/auth/logout", nil), http.StatusNoContent, "logout on b")
		everywhere(stolen, http.StatusUnauthorized, "the logged-out cookie")
	})

	t.Run("revocation through one takes effect on all", func(t *testing.T) {
		phone := b.loggedIn("alice", alicePassword)
		laptop := c.loggedIn("alice", alicePassword)
		r := laptop.to(a).get("/api/auth/sessions")
		expect(t, r, http.StatusOK, "session list on a")
		var list []map[string]any
		r.json(t, &list)
		var phoneID string
		for _, e := range list {
			if e["current"] != true {
				phoneID = fmt.Sprint(e["id"]) // any other session of alice; revoke-others below covers the rest
				break
			}
		}
		if phoneID == "" {
			t.Fatalf("the session list on a does not show alice's other sessions: %s", r)
		}
		expect(t, laptop.to(a).post("/api/auth/sessions/revoke-others", nil), http.StatusOK, "revoke-others on a")
		everywhere(phone, http.StatusUnauthorized, "the revoked phone session")
		everywhere(laptop, http.StatusOK, "the session that revoked the others")
	})

	t.Run("password change through one logs out the other sessions on all", func(t *testing.T) {
		first := a.loggedIn("alice", alicePassword)
		other := b.loggedIn("alice", alicePassword)
		const newPassword = "a-brand-new-passphrase-42"
		s.secret(newPassword, "alice's new password")
		first = first.to(c) // the same browser, now talking to c: it keeps the cookies c sets
		r := first.post("/api/auth/password", map[string]any{"old_password": alicePassword, "new_password": newPassword})
		expect(t, r, http.StatusNoContent, "password change on c")
		everywhere(other, http.StatusUnauthorized, "the other session after the password change")
		everywhere(first, http.StatusOK, "the session that changed the password")
		expect(t, b.client().login("alice", alicePassword), http.StatusBadRequest, "the old password on b")
		c.client().mustLogin("alice", newPassword)
		// Put the password back for the other subtests.
		r = first.to(a).post("/api/auth/password", map[string]any{"old_password": newPassword, "new_password": alicePassword})
		expect(t, r, http.StatusNoContent, "password change back on a")
	})

	t.Run("deactivation takes effect on all", func(t *testing.T) {
		bob := a.loggedIn("bob", bobPassword)
		tok := createToken(t, bob.to(b), "ci")
		api := c.client()
		api.Header.Set("Authorization", "Token "+tok)
		expect(t, api.get("/api/auth/me"), http.StatusOK, "bob's token on c")
		everywhere(bob, http.StatusOK, "bob before deactivation")
		// Without the servers' --session-store the command would revoke sessions in PostgreSQL,
		// where there are none, and report success: it refuses instead.
		if res := s.cli("", "users", "deactivate", "bob"); res.code != 1 || !strings.Contains(res.stderr, "redis://") ||
			!strings.Contains(res.stderr, "--session-store") {
			t.Fatalf("deactivate without --session-store: %s", res)
		}
		everywhere(bob, http.StatusOK, "bob after the refused command")
		s.mustCLI("", "users", "deactivate", "bob", "--session-store", redisURL)
		everywhere(bob, http.StatusUnauthorized, "bob's session after deactivation")
		// The session itself is gone from Redis: activating bob again does not bring it back.
		s.mustCLI("", "users", "activate", "bob", "--session-store", redisURL)
		everywhere(bob, http.StatusUnauthorized, "bob's old session after reactivation")
		s.mustCLI("", "users", "deactivate", "bob", "--session-store", redisURL)
		for _, srv := range servers {
			api := srv.client()
			api.Header.Set("Authorization", "Token "+tok)
			expect(t, api.get("/api/auth/me"), http.StatusUnauthorized, "bob's token after deactivation on "+srv.addr)
		}
		expect(t, b.client().login("bob", bobPassword), http.StatusBadRequest, "bob logging in while inactive")
	})

	t.Run("login throttling counts attempts on every instance", func(t *testing.T) {
		s.createUser("carol", "carol-password-123")
		// 5 wrong passwords spread over the three instances use up carol's 5/min.
		for i := range 5 {
			srv := servers[i%3]
			expect(t, srv.client().login("carol", "wrong-password"), http.StatusBadRequest, fmt.Sprintf("wrong password %d on %s", i+1, srv.addr))
		}
		for _, srv := range servers {
			expectThrottled(t, srv.client().login("carol", "carol-password-123"), 60, "carol's sixth attempt on "+srv.addr)
		}
	})

	t.Run("two instances agree on the secret key", func(t *testing.T) {
		// The first start raced to store the key; every instance must have the one that won, or
		// a session made on one would fail the auth hash check on another (tested above). Here the
		// key is read back: all the servers' sessions validate on a fourth instance started later.
		alice := c.loggedIn("alice", alicePassword)
		late := s.serve("--session-store", redisURL)
		me(alice, late, http.StatusOK, "a session from c on an instance started later")
	})
}

// TestSessionStoreLost: the Redis session store goes away under a running server and comes back.
// While it is gone, requests that need the session get 503 with {"detail": ...}, nobody is treated
// as logged in, and /healthz answers 503; when it is back the same cookie works again, without a
// restart.
func TestSessionStoreLost(t *testing.T) {
	t.Parallel()
	s, redisURL := sharedSite(t)
	s.createUser("alice", alicePassword)
	proxy, u := proxied(t, redisURL)
	srv := s.serve("--session-store", u.String())

	alice := srv.loggedIn("alice", alicePassword)
	expect(t, alice.get("/api/auth/me"), http.StatusOK, "/me with the store up")

	proxy.Down()
	for _, path := range []string{"/api/auth/me", "/api/hello"} {
		r := alice.get(path)
		expect(t, r, http.StatusServiceUnavailable, path+" with the store down")
		if d, ok := r.object(t)["detail"].(string); !ok || d == "" {
			t.Fatalf("%s: 503 without a detail: %s", path, r)
		}
	}
	expect(t, alice.post("/api/auth/logout", nil), http.StatusServiceUnavailable, "logout with the store down (must not claim success)")
	expect(t, srv.client().get("/healthz"), http.StatusServiceUnavailable, "/healthz with the store down")
	r := srv.client().login("alice", alicePassword)
	if r.StatusCode == http.StatusOK {
		t.Fatalf("login succeeded with the session store down: %s", r)
	}

	proxy.Up()
	awaitRecovery(t, alice, "after the store came back")
	expect(t, srv.client().get("/healthz"), http.StatusOK, "/healthz after recovery")
	expect(t, alice.post("/api/auth/logout", nil), http.StatusNoContent, "logout after recovery")
	expectAnonymous(t, alice, "after logout")
}

// TestSessionStoreSlow: a Redis that answers too slowly costs requests a 503 after the store's
// timeout (the URL's timeout parameter), not a request held for as long as Redis takes; once it is
// fast again the same cookie works.
func TestSessionStoreSlow(t *testing.T) {
	t.Parallel()
	s, redisURL := sharedSite(t)
	s.createUser("alice", alicePassword)
	proxy, u := proxied(t, redisURL)
	u.RawQuery = "timeout=300ms"
	srv := s.serve("--session-store", u.String())
	alice := srv.loggedIn("alice", alicePassword)

	proxy.SetDelay(5 * time.Second) // each chunk of bytes through the link waits this long
	start := time.Now()
	r := alice.get("/api/auth/me")
	// A 200 would mean the request waited for the slow reply.
	expect(t, r, http.StatusServiceUnavailable, "/me with a slow store")
	if d, ok := r.object(t)["detail"].(string); !ok || d == "" {
		t.Fatalf("503 without a detail: %s", r)
	}
	t.Logf("answered after %s", time.Since(start))

	proxy.SetDelay(0)
	awaitRecovery(t, alice, "once the store was fast again")
}

// awaitRecovery polls /api/auth/me with c's session until it answers 200: the server recovers by
// itself, without a restart.
func awaitRecovery(t *testing.T, c *client, when string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := c.get("/api/auth/me")
		if r.StatusCode == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not recover %s: %s", when, r)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestDatabaseLost: the same for PostgreSQL (users, tokens, throttle counters).
func TestDatabaseLost(t *testing.T) {
	t.Parallel()
	s, _ := sharedSite(t)
	s.createUser("alice", alicePassword)
	proxy, u := proxied(t, s.db)
	s.db = u.String()
	srv := s.serve() // sessions in PostgreSQL too

	alice := srv.loggedIn("alice", alicePassword)
	proxy.Down()
	r := alice.get("/api/auth/me")
	expect(t, r, http.StatusServiceUnavailable, "/me with the database down")
	expect(t, srv.client().get("/healthz"), http.StatusServiceUnavailable, "/healthz with the database down")
	if r := srv.client().login("alice", alicePassword); r.StatusCode == http.StatusOK {
		t.Fatalf("login succeeded with the database down: %s", r)
	}
	proxy.Up()
	awaitRecovery(t, alice, "after the database came back")
	expect(t, srv.client().get("/healthz"), http.StatusOK, "/healthz after recovery")
}

// TestStoreDownAtStart: serve refuses to start, with one clear line, when a store does not answer.
func TestStoreDownAtStart(t *testing.T) {
	t.Parallel()
	s, redisURL := sharedSite(t)
	proxy, u := proxied(t, redisURL)
	proxy.Down()
	serveMustFail(t, nil, "--session-store", "--database", s.db, "--session-store", u.String())

	pgProxy, pg := proxied(t, s.db)
	pgProxy.Down()
	serveMustFail(t, nil, "--database", "--database", pg.String())
}
