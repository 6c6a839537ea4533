package sqlite_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/auth/authtest"
	"github.com/sessionauth/sessionauth/session"
	"github.com/sessionauth/sessionauth/session/sessiontest"
	"github.com/sessionauth/sessionauth/store/sqlite"
	"github.com/sessionauth/sessionauth/throttle"
	"github.com/sessionauth/sessionauth/throttle/throttletest"
)

func open(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "test.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestSessionStore(t *testing.T) {
	sessiontest.Run(t, func(t *testing.T) session.Store { return open(t) })
}

func TestThrottleStore(t *testing.T) {
	throttletest.Run(t, func(t *testing.T) throttle.Store { return open(t) })
}

func TestUserStore(t *testing.T) {
	authtest.RunUserStore(t, func(t *testing.T) auth.UserStore { return open(t) })
}

func TestTokenStore(t *testing.T) {
	authtest.RunTokenStore(t, func(t *testing.T) authtest.UserTokenStore { return open(t) })
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db.sqlite")
	st, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u := &auth.User{Username: "kept", Password: "!x", IsActive: true, DateJoined: time.Now()}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if v, err := st.SetSettingOnce(ctx, "secret_key", "first"); err != nil || v != "first" {
		t.Fatalf("SetSettingOnce: %q %v", v, err)
	}
	st.Close()

	st, err = sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.UserByUsername(ctx, "kept"); err != nil {
		t.Fatal(err)
	}
	if v, err := st.SetSettingOnce(ctx, "secret_key", "second"); err != nil || v != "first" {
		t.Fatalf("a setting was overwritten: %q %v", v, err)
	}
	if v, ok, err := st.Setting(ctx, "secret_key"); !ok || err != nil || v != "first" {
		t.Fatalf("Setting: %q %v %v", v, ok, err)
	}
	for _, v := range []string{"one", "two"} { // SetSetting replaces
		if err := st.SetSetting(ctx, "session_store", v); err != nil {
			t.Fatal(err)
		}
		if got, ok, err := st.Setting(ctx, "session_store"); !ok || err != nil || got != v {
			t.Fatalf("Setting after SetSetting(%q): %q %v %v", v, got, ok, err)
		}
	}
	if n, err := st.SchemaVersion(ctx); err != nil || n < 1 {
		t.Fatalf("schema version %d, %v", n, err)
	}
}

// Two stores on one file stand for the server and the admin CLI in another process.
func TestTwoProcessesShareOneFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	a, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	id := session.HashKey("shared-key")
	now := time.Now()
	rec := session.Record{UserID: "1", Created: now, LastSeen: now, Expires: now.Add(time.Hour)}
	if err := a.Save(ctx, id, &rec); err != nil {
		t.Fatal(err)
	}
	if n, err := b.DeleteUserSessions(ctx, "1", ""); err != nil || n != 1 {
		t.Fatalf("revoke from the other process: %d %v", n, err)
	}
	if _, err := a.Load(ctx, id); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("a session revoked by another process still loads: %v", err)
	}

	// Throttle hits from both stores count together, atomically.
	var wg sync.WaitGroup
	var allowed atomic.Int32
	start := make(chan struct{})
	for i := range 40 {
		st := a
		if i%2 == 1 {
			st = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, err := st.Hit(ctx, "shared", now, 10, time.Minute)
			if err != nil {
				t.Error(err)
				return
			}
			if res.Allowed {
				allowed.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	if allowed.Load() != 10 {
		t.Fatalf("%d hits allowed across two processes, want 10", allowed.Load())
	}
}

func TestCorruptRowIsCorrupt(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.db")
	st, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	id := session.HashKey("corrupt")
	now := time.Now()
	rec := session.Record{Created: now, LastSeen: now, Expires: now.Add(time.Hour), Data: map[string]json.RawMessage{"a": json.RawMessage("1")}}
	if err := st.Save(ctx, id, &rec); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("UPDATE sessions SET data = 'not json' WHERE id = ?", id); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Load(ctx, id); !errors.Is(err, session.ErrCorrupt) {
		t.Fatalf("Load of a corrupt row: %v, want ErrCorrupt", err)
	}
}

// Open leaves the file in WAL mode (readers do not block the writer, and the mode is a property of
// the file, so another process opening it plainly sees it too), for every pool of the store.
func TestOpenSetsWAL(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "wal.db")
	st, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	db, err := sql.Open("sqlite3", path) // no pragmas of its own
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Fatalf("journal_mode = %q after Open, want wal", mode)
	}
	modes, err := sqlite.JournalModes(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range modes {
		if got != "wal" {
			t.Fatalf("the store's %s pool runs in journal_mode %q, want wal", name, got)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := sqlite.Open(context.Background(), "", sqlite.Options{}); err == nil {
		t.Fatal("empty path accepted")
	}
	if _, err := sqlite.Open(context.Background(), "/nonexistent-dir/x.db", sqlite.Options{}); err == nil {
		t.Fatal("missing directory accepted")
	}
}

func TestDeleteExpiredInBatches(t *testing.T) {
	ctx := context.Background()
	st := open(t)
	past := time.Now().Add(-time.Hour)
	for i := range 2500 {
		rec := session.Record{Created: past, LastSeen: past, Expires: time.Now().Add(50 * time.Millisecond)}
		if err := st.Save(ctx, session.HashKey(fmt.Sprint("old", i)), &rec); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(100 * time.Millisecond)
	n, err := st.DeleteExpired(ctx)
	if err != nil || n != 2500 {
		t.Fatalf("DeleteExpired = %d, %v; want 2500", n, err)
	}
}

// The read cache must not serve what another process changed (the admin CLI revoking a session or
// deactivating a user): after the check interval the change is seen.
func TestCacheSeesOtherProcesses(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cache.db")
	server, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	cli, err := sqlite.Open(ctx, path, sqlite.Options{CacheCheckInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()

	u := &auth.User{Username: "cached", Password: "!x", IsActive: true, DateJoined: time.Now()}
	if err := server.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	id := session.HashKey("cached-session")
	now := time.Now()
	rec := session.Record{UserID: fmt.Sprint(u.ID), Created: now, LastSeen: now, Expires: now.Add(time.Hour)}
	if err := server.Save(ctx, id, &rec); err != nil {
		t.Fatal(err)
	}
	for range 3 { // fill the cache
		if _, err := server.Load(ctx, id); err != nil {
			t.Fatal(err)
		}
		if _, err := server.User(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
	}

	if n, err := cli.DeleteUserSessions(ctx, fmt.Sprint(u.ID), ""); err != nil || n != 1 {
		t.Fatalf("revoke: %d %v", n, err)
	}
	inactive := false
	if err := cli.UpdateUser(ctx, u.ID, auth.UserChange{IsActive: &inactive}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond) // > the 1 ms check interval
	if _, err := server.Load(ctx, id); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("a session revoked by another process is still served: %v", err)
	}
	if got, err := server.User(ctx, u.ID); err != nil || got.IsActive {
		t.Fatalf("a user deactivated by another process is still active in the cache: %+v %v", got, err)
	}
}

// Writes through the Store itself are seen at once, with no interval.
func TestCacheSeesOwnWritesAtOnce(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "own.db"), sqlite.Options{CacheCheckInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u := &auth.User{Username: "own", Password: "!x", IsActive: true, DateJoined: time.Now()}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	id := session.HashKey("own-session")
	now := time.Now()
	rec := session.Record{UserID: fmt.Sprint(u.ID), Created: now, LastSeen: now, Expires: now.Add(time.Hour)}
	if err := st.Save(ctx, id, &rec); err != nil {
		t.Fatal(err)
	}
	st.Load(ctx, id)
	st.User(ctx, u.ID)
	pw := "!changed"
	if err := st.UpdateUser(ctx, u.ID, auth.UserChange{Password: &pw}); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.User(ctx, u.ID); got.Password != pw {
		t.Fatal("own user update not seen")
	}
	if err := st.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Load(ctx, id); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("own delete not seen: %v", err)
	}
}
