package postgres_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/auth/authtest"
	"github.com/sessionauth/sessionauth/store/postgres"
)

// The user cache tests wait for what the cache promises "within a notification's latency" by
// polling for at most pollLimit; they never assert how fast anything is.
const pollLimit = 2 * time.Second

// eventually polls cond every few milliseconds until it holds or limit passes.
func eventually(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// openForTest opens a store whose user cache listener connects to listenURL ("" for dbURL), with a
// short heartbeat, and waits until its cache is live.
func openForTest(t *testing.T, dbURL, listenURL string, opts postgres.Options) *postgres.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := postgres.OpenForTest(ctx, dbURL, listenURL, 100*time.Millisecond, 300*time.Millisecond, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	eventually(t, 10*time.Second, "the user cache listener is live", func() bool { return postgres.UserCacheLive(st) })
	return st
}

// sqlConn is a plain connection to the schema, for writers that are not a Store.
func sqlConn(t *testing.T, dbURL, schema string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	if _, err := c.Exec(ctx, "SET search_path TO "+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	return c
}

func createUser(t *testing.T, st *postgres.Store, name string) *auth.User {
	t.Helper()
	u := &auth.User{Username: name, Email: name + "@example.com", Password: "!x", IsActive: true, DateJoined: time.Now()}
	if err := st.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

func user(t *testing.T, st *postgres.Store, id int64) *auth.User {
	t.Helper()
	u, err := st.User(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// cached reads the user twice and checks that the store now holds it in its cache, so that what
// follows tests the cache and not the database.
func cached(t *testing.T, st *postgres.Store, id int64) {
	t.Helper()
	user(t, st, id)
	user(t, st, id)
	if postgres.UserCacheLen(st) == 0 {
		t.Fatal("the user is not in the cache after two reads")
	}
}

func emailIs(t *testing.T, st *postgres.Store, id int64, want string) func() bool {
	return func() bool {
		u, err := st.User(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		return u.Email == want
	}
}

// Two instances on one schema: a change made through one, or by plain SQL, reaches the other's
// cache; the writing instance sees its own change at once.
func TestUserCacheAcrossInstances(t *testing.T) {
	t.Parallel()
	u := serverURL(t)
	schema := newSchema(t, u)
	opts := postgres.Options{Schema: schema, SweepInterval: -1}
	a := openForTest(t, u, "", opts)
	b := openForTest(t, u, "", opts)
	other := openForTest(t, u, "", postgres.Options{Schema: newSchema(t, u), SweepInterval: -1})
	ctx := context.Background()
	alice := createUser(t, a, "alice")

	cached(t, a, alice.ID)
	cached(t, b, alice.ID)
	email := "new@example.com"
	if err := a.UpdateUser(ctx, alice.ID, auth.UserChange{Email: &email}); err != nil {
		t.Fatal(err)
	}
	if got := user(t, a, alice.ID); got.Email != email {
		t.Fatalf("the writing instance reads %q right after its own update, want %q", got.Email, email)
	}
	eventually(t, pollLimit, "UpdateUser through A seen by B", emailIs(t, b, alice.ID, email))

	// Plain SQL, as another program or an administrator would write.
	sql := sqlConn(t, u, schema)
	cached(t, a, alice.ID)
	cached(t, b, alice.ID)
	if _, err := sql.Exec(ctx, "UPDATE sessionauth_users SET is_active = false WHERE id = $1", alice.ID); err != nil {
		t.Fatal(err)
	}
	for name, st := range map[string]*postgres.Store{"A": a, "B": b} {
		eventually(t, pollLimit, "an SQL UPDATE seen by "+name, func() bool { return !user(t, st, alice.ID).IsActive })
	}

	gone := func(st *postgres.Store, id int64) func() bool {
		return func() bool {
			_, err := st.User(ctx, id)
			if err != nil && !errors.Is(err, auth.ErrUserNotFound) {
				t.Fatal(err)
			}
			return errors.Is(err, auth.ErrUserNotFound)
		}
	}
	cached(t, b, alice.ID)
	if _, err := sql.Exec(ctx, "DELETE FROM sessionauth_users WHERE id = $1", alice.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, pollLimit, "an SQL DELETE seen by B", gone(b, alice.ID))

	bob := createUser(t, a, "bob")
	cached(t, b, bob.ID)
	if _, err := sql.Exec(ctx, "TRUNCATE sessionauth_users CASCADE"); err != nil {
		t.Fatal(err)
	}
	eventually(t, pollLimit, "a TRUNCATE seen by B", gone(b, bob.ID))

	// A store in another schema of the database listens on another channel.
	if n := postgres.UserCacheNotified(other); n != 0 {
		t.Fatalf("a store in another schema handled %d notifications about this schema's users", n)
	}
}

// The listener's link is cut (the pool's is not): once the store has noticed, every User call reads
// the database, so no stale row is served; when the link is back the cache works again. Then the
// same with a link that stalls without closing, which only the heartbeat can notice.
func TestUserCacheListenerCut(t *testing.T) {
	t.Parallel()
	u := serverURL(t)
	schema := newSchema(t, u)
	p, proxied := viaProxy(t, u)
	st := openForTest(t, u, proxied, postgres.Options{Schema: schema, SweepInterval: -1})
	sql := sqlConn(t, u, schema)
	ctx := context.Background()
	carol := createUser(t, st, "carol")
	n := 0
	update := func() string {
		n++
		email := fmt.Sprintf("carol%d@example.com", n)
		if _, err := sql.Exec(ctx, "UPDATE sessionauth_users SET email = $1 WHERE id = $2", email, carol.ID); err != nil {
			t.Fatal(err)
		}
		return email
	}
	// With the listener down, the answer must be the database's, on the first read after the write.
	neverStale := func(what string) {
		t.Helper()
		for range 20 {
			email := update()
			if got := user(t, st, carol.ID).Email; got != email {
				t.Fatalf("%s: User returned %q right after the row became %q", what, got, email)
			}
			if got := user(t, st, carol.ID).Email; got != email {
				t.Fatalf("%s: second read returned %q, want %q", what, got, email)
			}
			if postgres.UserCacheLen(st) != 0 {
				t.Fatalf("%s: the cache holds entries while its listener is down", what)
			}
		}
	}
	recovered := func(what string) {
		t.Helper()
		eventually(t, 15*time.Second, what+": the listener is live again", func() bool { return postgres.UserCacheLive(st) })
		email := update()
		if got := user(t, st, carol.ID).Email; got != email { // nothing stale survived the outage
			t.Fatalf("%s: User returned %q after the listener came back, want %q", what, got, email)
		}
		cached(t, st, carol.ID)
		email = update()
		eventually(t, pollLimit, what+": a change seen through the new LISTEN", emailIs(t, st, carol.ID, email))
	}

	cached(t, st, carol.ID)
	p.Down()
	eventually(t, 5*time.Second, "the cut is noticed", func() bool { return !postgres.UserCacheLive(st) })
	neverStale("link cut")
	p.Up()
	recovered("after the cut")

	// A link that stops carrying bytes but stays open: the heartbeat's ping times out.
	cached(t, st, carol.ID)
	p.SetDelay(3 * time.Second) // far beyond the 300ms ping timeout
	eventually(t, 5*time.Second, "the stall is noticed", func() bool { return !postgres.UserCacheLive(st) })
	neverStale("link stalled")
	p.SetDelay(0)
	p.Down() // frees the connections stuck in the proxy's delay
	p.Up()
	recovered("after the stall")
}

// A read that loaded a row just before an invalidation must not put the old row into the cache
// after it: the invalidation (by this instance's UpdateUser, or another writer's notification) is
// slipped between User's query and its insert.
func TestUserCacheEpochRace(t *testing.T) {
	t.Parallel()
	u := serverURL(t)
	schema := newSchema(t, u)
	st := openForTest(t, u, "", postgres.Options{Schema: schema, SweepInterval: -1})
	sql := sqlConn(t, u, schema)
	ctx := context.Background()
	dave := createUser(t, st, "dave")

	writers := map[string]func(email string){
		"own UpdateUser": func(email string) {
			if err := st.UpdateUser(ctx, dave.ID, auth.UserChange{Email: &email}); err != nil {
				t.Error(err)
			}
		},
		"SQL UPDATE": func(email string) {
			if _, err := sql.Exec(ctx, "UPDATE sessionauth_users SET email = $1 WHERE id = $2", email, dave.ID); err != nil {
				t.Error(err)
			}
		},
	}
	for _, name := range []string{"own UpdateUser", "SQL UPDATE"} {
		write := writers[name]
		old := user(t, st, dave.ID).Email
		postgres.DropUserCache(st) // the next read must be a miss
		email := "dave-" + strings.ReplaceAll(name, " ", "-") + "@example.com"
		var fired atomic.Bool
		postgres.SetUserCacheAfterLoad(st, func() {
			if fired.Swap(true) {
				return
			}
			before := postgres.UserCacheNotified(st)
			write(email)
			// Let the listener handle the change's notification first, so that only the epoch
			// can keep the old row out.
			deadline := time.Now().Add(pollLimit)
			for postgres.UserCacheNotified(st) == before && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
		})
		got := user(t, st, dave.ID) // a miss: reads the old row, then the change happens
		postgres.SetUserCacheAfterLoad(st, nil)
		if !fired.Load() {
			t.Fatalf("%s: the read was served from the cache; the test needs a miss", name)
		}
		if got.Email != old {
			t.Fatalf("%s: the racing read returned %q, want the row it read (%q)", name, got.Email, old)
		}
		if got := user(t, st, dave.ID).Email; got != email {
			t.Fatalf("%s: the stale row was cached: User returned %q after the change to %q", name, got, email)
		}
	}
}

// listenerGoroutines counts the goroutines running a user cache listener.
func listenerGoroutines() int {
	var b strings.Builder
	pprof.Lookup("goroutine").WriteTo(&b, 2) // one stack per goroutine
	return strings.Count(b.String(), "store/postgres.(*listener).run")
}

// Close stops the listener's goroutine and closes its connection, also while it is waiting to
// reconnect. Not parallel: it counts the package's listener goroutines.
func TestUserCacheCloseStopsListener(t *testing.T) {
	u := serverURL(t)
	schema := newSchema(t, u)
	ctx := context.Background()
	app := "sa_listener_" + strings.ToLower(rand.Text()[:10])
	listenURL := u + "&application_name=" + app
	if !strings.Contains(u, "?") {
		listenURL = u + "?application_name=" + app
	}
	admin := sqlConn(t, u, schema)
	backends := func() int {
		var n int
		if err := admin.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", app).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := listenerGoroutines()
	st, err := postgres.OpenForTest(ctx, u, listenURL, 0, 0, postgres.Options{Schema: schema, SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the listener is live", func() bool { return postgres.UserCacheLive(st) })
	if n := listenerGoroutines(); n != before+1 {
		t.Fatalf("%d listener goroutines with the store open, want %d", n, before+1)
	}
	if n := backends(); n != 1 {
		t.Fatalf("%d listener connections on the server, want 1", n)
	}
	st.Close()
	// Close has waited for the goroutine's last step; give it a moment to be gone from the list.
	eventually(t, pollLimit, "the listener goroutine ends", func() bool { return listenerGoroutines() == before })
	eventually(t, 5*time.Second, "the listener's connection is closed", func() bool { return backends() == 0 })

	// A listener that cannot reach its server (retrying with backoff) stops as promptly.
	p, proxied := viaProxy(t, u)
	p.Down()
	st, err = postgres.OpenForTest(ctx, u, proxied, 0, 0, postgres.Options{Schema: schema, SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // a few failed attempts
	if postgres.UserCacheLive(st) {
		t.Fatal("the cache is live although its listener cannot connect")
	}
	done := make(chan struct{})
	go func() { st.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close hangs while the listener is reconnecting")
	}
	eventually(t, pollLimit, "the reconnecting listener goroutine ends", func() bool { return listenerGoroutines() == before })
}

// changeUnannounced caches user id in st, then changes its row (set is an SQL SET list) with the
// notification trigger disabled, as a change whose notification never arrives.
func changeUnannounced(t *testing.T, st *postgres.Store, u, schema string, id int64, set string) {
	t.Helper()
	sql := sqlConn(t, u, schema)
	ctx := context.Background()
	if _, err := sql.Exec(ctx, "ALTER TABLE sessionauth_users DISABLE TRIGGER sessionauth_users_notify"); err != nil {
		t.Fatal(err)
	}
	cached(t, st, id)
	if _, err := sql.Exec(ctx, "UPDATE sessionauth_users SET "+set+" WHERE id = $1", id); err != nil {
		t.Fatal(err)
	}
}

// The TTL is the last line of defence: a change whose notification never comes (the trigger is
// disabled here) is seen once the entry is older than the TTL.
func TestUserCacheTTL(t *testing.T) {
	t.Parallel()
	u := serverURL(t)
	schema := newSchema(t, u)
	st := openForTest(t, u, "", postgres.Options{Schema: schema, SweepInterval: -1, UserCacheTTL: 200 * time.Millisecond})
	erin := createUser(t, st, "erin")
	changeUnannounced(t, st, u, schema, erin.ID, "email = 'ttl@example.com'")
	eventually(t, pollLimit, "an unannounced change seen after the TTL", emailIs(t, st, erin.ID, "ttl@example.com"))
}

// The cache holds at most UserCacheSize users and still answers right for all of them.
func TestUserCacheSize(t *testing.T) {
	t.Parallel()
	u := serverURL(t)
	st := openForTest(t, u, "", postgres.Options{Schema: newSchema(t, u), SweepInterval: -1, UserCacheSize: 3})
	var users []*auth.User
	for i := range 10 {
		users = append(users, createUser(t, st, fmt.Sprint("user", i)))
	}
	for range 3 {
		for _, want := range users {
			if got := user(t, st, want.ID); got.Username != want.Username {
				t.Fatalf("User(%d) = %q, want %q", want.ID, got.Username, want.Username)
			}
			if n := postgres.UserCacheLen(st); n > 3 {
				t.Fatalf("the cache holds %d users, more than its size 3", n)
			}
		}
	}
}

// Every User call returns a copy: changing it does not change what the cache serves next.
func TestUserCacheReturnsCopies(t *testing.T) {
	t.Parallel()
	st := openForTest(t, serverURL(t), "", postgres.Options{Schema: newSchema(t, serverURL(t)), SweepInterval: -1})
	frank := createUser(t, st, "frank")
	cached(t, st, frank.ID)
	got := user(t, st, frank.ID)
	got.Email, got.IsActive = "changed", false
	if again := user(t, st, frank.ID); again.Email != frank.Email || !again.IsActive {
		t.Fatalf("a change to a returned user leaked into the cache: %+v", again)
	}
}

// UserUncached reads the database even when the cache holds an entry the notification has not
// reached yet (simulated by disabling the trigger).
func TestUserUncached(t *testing.T) {
	t.Parallel()
	u := serverURL(t)
	schema := newSchema(t, u)
	st := openForTest(t, u, "", postgres.Options{Schema: schema, SweepInterval: -1})
	gina := createUser(t, st, "gina")
	changeUnannounced(t, st, u, schema, gina.ID, "is_active = false")
	if user(t, st, gina.ID).IsActive == false {
		t.Skip("the cached entry was already gone; nothing to compare") // the TTL passed (a very slow machine)
	}
	got, err := st.UserUncached(context.Background(), gina.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.IsActive {
		t.Fatal("UserUncached returned the cached row")
	}
	if user(t, st, gina.ID).IsActive {
		t.Fatal("User still serves the old row after UserUncached read the new one")
	}
}

// With the cache off there is no listener, and every read is the database's.
func TestUserCacheOff(t *testing.T) {
	t.Parallel()
	u := serverURL(t)
	schema := newSchema(t, u)
	st := openAt(t, u, postgres.Options{Schema: schema, SweepInterval: -1, UserCacheTTL: -1})
	if postgres.UserCacheLive(st) {
		t.Fatal("a cache is live with UserCacheTTL < 0")
	}
	sql := sqlConn(t, u, schema)
	ctx := context.Background()
	hal := createUser(t, st, "hal")
	user(t, st, hal.ID)
	if _, err := sql.Exec(ctx, "UPDATE sessionauth_users SET email = 'off@example.com' WHERE id = $1", hal.ID); err != nil {
		t.Fatal(err)
	}
	if got := user(t, st, hal.ID).Email; got != "off@example.com" {
		t.Fatalf("User returned %q with the cache off, want the database's row", got)
	}
	authtest.RunUserStore(t, func(t *testing.T) auth.UserStore {
		return openAt(t, u, postgres.Options{Schema: newSchema(t, u), SweepInterval: -1, UserCacheTTL: -1})
	})
}
