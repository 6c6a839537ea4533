package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/auth/authtest"
	"github.com/sessionauth/sessionauth/session"
	"github.com/sessionauth/sessionauth/session/sessiontest"
	"github.com/sessionauth/sessionauth/store/postgres"
	"github.com/sessionauth/sessionauth/throttle"
	"github.com/sessionauth/sessionauth/throttle/throttletest"
)

// The store has every capability the packages above it look for.
var (
	_ session.Store          = (*postgres.Store)(nil)
	_ session.UserIndex      = (*postgres.Store)(nil)
	_ session.ExpiredDeleter = (*postgres.Store)(nil)
	_ auth.UserStore         = (*postgres.Store)(nil)
	_ auth.TokenStore        = (*postgres.Store)(nil)
	_ throttle.Store         = (*postgres.Store)(nil)
)

func TestSessionStore(t *testing.T) {
	t.Parallel()
	sessiontest.Run(t, func(t *testing.T) session.Store { return open(t) })
}

func TestThrottleStore(t *testing.T) {
	t.Parallel()
	throttletest.Run(t, func(t *testing.T) throttle.Store { return open(t) })
}

func TestUserStore(t *testing.T) {
	t.Parallel()
	authtest.RunUserStore(t, func(t *testing.T) auth.UserStore { return open(t) })
}

func TestTokenStore(t *testing.T) {
	t.Parallel()
	authtest.RunTokenStore(t, func(t *testing.T) authtest.UserTokenStore { return open(t) })
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := serverURL(t)
	opts := postgres.Options{Schema: newSchema(t, u), SweepInterval: -1}
	st, err := postgres.Open(ctx, u, opts)
	if err != nil {
		t.Fatal(err)
	}
	user := &auth.User{Username: "kept", Password: "!x", IsActive: true, DateJoined: time.Now()}
	if err := st.CreateUser(ctx, user); err != nil {
		t.Fatal(err)
	}
	if v, err := st.SetSettingOnce(ctx, "secret_key", "first"); err != nil || v != "first" {
		t.Fatalf("SetSettingOnce: %q %v", v, err)
	}
	st.Close()

	st = openAt(t, u, opts)
	if _, err := st.UserByUsername(ctx, "kept"); err != nil {
		t.Fatal(err)
	}
	if v, err := st.SetSettingOnce(ctx, "secret_key", "second"); err != nil || v != "first" {
		t.Fatalf("a setting was overwritten: %q %v", v, err)
	}
	if v, ok, err := st.Setting(ctx, "secret_key"); !ok || err != nil || v != "first" {
		t.Fatalf("Setting: %q %v %v", v, ok, err)
	}
	if v, ok, err := st.Setting(ctx, "unset"); ok || err != nil || v != "" {
		t.Fatalf("Setting of an unset name: %q %v %v", v, ok, err)
	}
	for _, v := range []string{"one", "two"} { // SetSetting replaces
		if err := st.SetSetting(ctx, "session_store", v); err != nil {
			t.Fatal(err)
		}
		if got, ok, err := st.Setting(ctx, "session_store"); !ok || err != nil || got != v {
			t.Fatalf("Setting after SetSetting(%q): %q %v %v", v, got, ok, err)
		}
	}
	if n, err := st.SchemaVersion(ctx); err != nil || n != postgres.Migrations {
		t.Fatalf("schema version %d, %v; want %d", n, err, postgres.Migrations)
	}
	var applied int
	if err := st.Pool().QueryRow(ctx, "SELECT count(*) FROM sessionauth_migrations").Scan(&applied); err != nil || applied != postgres.Migrations {
		t.Fatalf("%d migrations recorded (%v), want %d: a reopen applied one again", applied, err, postgres.Migrations)
	}
}

// Instances starting together on an empty schema take turns: each migration is applied once and
// every Open succeeds.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	t.Parallel()
	u := serverURL(t)
	schema := newSchema(t, u)
	const n = 3
	stores := make([]*postgres.Store, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			stores[i], errs[i] = postgres.Open(ctx, u, postgres.Options{Schema: schema, SweepInterval: -1})
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d of %d concurrent ones: %v", i+1, n, err)
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	ctx := context.Background()
	var applied int
	if err := stores[0].Pool().QueryRow(ctx, "SELECT count(*) FROM sessionauth_migrations").Scan(&applied); err != nil || applied != postgres.Migrations {
		t.Fatalf("%d migrations recorded (%v), want %d", applied, err, postgres.Migrations)
	}
	// The tables are in the schema asked for, and each store can use them.
	var tables int
	if err := stores[0].Pool().QueryRow(ctx, `SELECT count(*) FROM pg_tables
		WHERE schemaname = $1 AND tablename LIKE 'sessionauth\_%'`, schema).Scan(&tables); err != nil || tables != 6 {
		t.Fatalf("%d sessionauth_ tables in %s (%v), want 6", tables, schema, err)
	}
	for i, st := range stores {
		if v, err := st.SchemaVersion(ctx); err != nil || v != postgres.Migrations {
			t.Fatalf("store %d: schema version %d, %v", i, v, err)
		}
		id := session.HashKey(fmt.Sprint("concurrent-open-", i))
		now := time.Now()
		rec := session.Record{Created: now, LastSeen: now, Expires: now.Add(time.Hour)}
		if err := st.Save(ctx, id, &rec); err != nil {
			t.Fatalf("store %d: %v", i, err)
		}
	}
}

// Two stores on one schema stand for two server instances: what one changes, the other sees at once
// (there is no cache), and their throttle counts and settings agree.
func TestInstancesShareOneDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := serverURL(t)
	opts := postgres.Options{Schema: newSchema(t, u), SweepInterval: -1}
	a := openAt(t, u, opts)
	b := openAt(t, u, opts)

	user := &auth.User{Username: "shared", Password: "!x", IsActive: true, DateJoined: time.Now()}
	if err := a.CreateUser(ctx, user); err != nil {
		t.Fatal(err)
	}
	id := session.HashKey("shared-key")
	now := time.Now()
	rec := session.Record{UserID: fmt.Sprint(user.ID), Created: now, LastSeen: now, Expires: now.Add(time.Hour)}
	if err := a.Save(ctx, id, &rec); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Load(ctx, id); err != nil {
		t.Fatalf("a session saved by one instance does not load on the other: %v", err)
	}
	if n, err := b.DeleteUserSessions(ctx, fmt.Sprint(user.ID), ""); err != nil || n != 1 {
		t.Fatalf("revoke from the other instance: %d %v", n, err)
	}
	if _, err := a.Load(ctx, id); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("a session revoked by another instance still loads: %v", err)
	}

	tok := &auth.Token{UserID: user.ID, Name: "cli", KeyHash: auth.HashTokenKey("shared-token"), Created: now}
	if err := a.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if _, u, err := a.TokenUser(ctx, tok.KeyHash); err != nil || !u.IsActive {
		t.Fatalf("TokenUser: %+v %v", u, err)
	}
	inactive := false
	if err := b.UpdateUser(ctx, user.ID, auth.UserChange{IsActive: &inactive}); err != nil {
		t.Fatal(err)
	}
	if _, u, err := a.TokenUser(ctx, tok.KeyHash); err != nil || u.IsActive {
		t.Fatalf("a user deactivated by another instance is still active: %+v %v", u, err)
	}
	if err := b.DeleteToken(ctx, 0, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.TokenUser(ctx, tok.KeyHash); !errors.Is(err, auth.ErrTokenNotFound) {
		t.Fatalf("a token deleted by another instance still works: %v", err)
	}

	// Throttle hits from both instances count together, atomically.
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
		t.Fatalf("%d hits allowed across two instances, want 10", allowed.Load())
	}

	// Instances starting together agree on one secret key.
	values := make([]string, 20)
	start = make(chan struct{})
	for i := range values {
		st := a
		if i%2 == 1 {
			st = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			v, err := st.SetSettingOnce(ctx, "secret_key", fmt.Sprint("candidate-", i))
			if err != nil {
				t.Error(err)
			}
			values[i] = v
		}()
	}
	close(start)
	wg.Wait()
	for i, v := range values {
		if v == "" || v != values[0] {
			t.Fatalf("SetSettingOnce %d returned %q, another %q: instances disagree", i, v, values[0])
		}
	}
}

func TestCorruptRowIsCorrupt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := open(t)
	id := session.HashKey("corrupt")
	now := time.Now()
	rec := session.Record{UserID: "7", Created: now, LastSeen: now, Expires: now.Add(time.Hour),
		Data: map[string]json.RawMessage{"a": json.RawMessage("1")}}
	if err := st.Save(ctx, id, &rec); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Pool().Exec(ctx, "UPDATE sessionauth_sessions SET data = 'not json' WHERE id = $1", id); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Load(ctx, id); !errors.Is(err, session.ErrCorrupt) {
		t.Fatalf("Load of a corrupt row: %v, want ErrCorrupt", err)
	}
	if list, err := st.UserSessions(ctx, "7"); err != nil || len(list) != 0 {
		t.Fatalf("UserSessions lists a corrupt record: %v %v", list, err)
	}
}

func TestDeleteExpiredInBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := open(t)
	past := time.Now().Add(-time.Hour)
	const expired, live = 2500, 10
	for i := range expired {
		rec := session.Record{UserID: "1", Created: past, LastSeen: past, Expires: past.Add(time.Minute)}
		if err := st.Save(ctx, session.HashKey(fmt.Sprint("old", i)), &rec); err != nil {
			t.Fatal(err)
		}
	}
	var liveIDs []string
	for i := range live {
		id := session.HashKey(fmt.Sprint("live", i))
		now := time.Now()
		rec := session.Record{UserID: "1", Created: now, LastSeen: now, Expires: now.Add(time.Hour)}
		if err := st.Save(ctx, id, &rec); err != nil {
			t.Fatal(err)
		}
		liveIDs = append(liveIDs, id)
	}
	n, err := st.DeleteExpired(ctx)
	if err != nil || n != expired {
		t.Fatalf("DeleteExpired = %d, %v; want %d (more than two batches)", n, err, expired)
	}
	var rows int
	if err := st.Pool().QueryRow(ctx, "SELECT count(*) FROM sessionauth_sessions").Scan(&rows); err != nil || rows != live {
		t.Fatalf("%d rows left (%v), want the %d live ones", rows, err, live)
	}
	if c, err := st.CountSessions(ctx); err != nil || c != live {
		t.Fatalf("CountSessions = %d, %v; want %d", c, err, live)
	}
	for _, id := range liveIDs {
		if _, err := st.Load(ctx, id); err != nil {
			t.Fatalf("a live session was deleted: %v", err)
		}
	}
	if n, err := st.DeleteExpired(ctx); err != nil || n != 0 {
		t.Fatalf("second DeleteExpired = %d, %v", n, err)
	}
}

func TestDeleteOldThrottleHits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := open(t)
	old := time.Now().Add(-25 * time.Hour)
	for i := range 1500 {
		if _, err := st.Hit(ctx, fmt.Sprint("old-", i), old, 10, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Hit(ctx, "recent", time.Now(), 10, time.Hour); err != nil {
		t.Fatal(err)
	}
	n, err := postgres.DeleteOldHits(ctx, st)
	if err != nil || n != 1500 {
		t.Fatalf("deleted %d old hits, %v; want 1500", n, err)
	}
	res, err := st.Hit(ctx, "recent", time.Now(), 10, time.Hour)
	if err != nil || res.Count != 2 {
		t.Fatalf("the recent hit was deleted: %+v %v", res, err)
	}
}

// The background sweeper removes expired sessions by itself, and Close stops it.
func TestSweeper(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := serverURL(t)
	st := openAt(t, u, postgres.Options{Schema: newSchema(t, u), SweepInterval: 20 * time.Millisecond})
	past := time.Now().Add(-time.Hour)
	rec := session.Record{Created: past, LastSeen: past, Expires: past.Add(time.Minute)}
	if err := st.Save(ctx, session.HashKey("swept"), &rec); err != nil {
		t.Fatal(err)
	}
	for attempt := 0; ; attempt++ {
		var rows int
		if err := st.Pool().QueryRow(ctx, "SELECT count(*) FROM sessionauth_sessions").Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if rows == 0 {
			break
		}
		if attempt == 200 {
			t.Fatal("the sweeper did not delete the expired session")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}

// PostgreSQL text cannot hold NUL bytes or invalid UTF-8. Lookups of such values find nothing (rather
// than fail), client details are cleaned, throttle keys (bytea) keep every byte, and writes of such
// names fail with an error that is not a "taken" or "not found" answer.
func TestTextPostgresCannotHold(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := open(t)
	bad := []string{"nul\x00byte", "invalid\xff\xfeutf8"}
	for _, s := range bad {
		if _, err := st.Load(ctx, s); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("Load(%q): %v, want ErrNotFound", s, err)
		}
		if err := st.Delete(ctx, s); err != nil {
			t.Fatalf("Delete(%q): %v", s, err)
		}
		rec := session.Record{Version: 1, Created: time.Now(), LastSeen: time.Now(), Expires: time.Now().Add(time.Hour)}
		if err := st.Save(ctx, s, &rec); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("update of id %q: %v, want ErrNotFound", s, err)
		}
		if _, err := st.UserByUsername(ctx, s); !errors.Is(err, auth.ErrUserNotFound) {
			t.Fatalf("UserByUsername(%q): %v, want ErrUserNotFound", s, err)
		}
		if _, _, err := st.TokenUser(ctx, s); !errors.Is(err, auth.ErrTokenNotFound) {
			t.Fatalf("TokenUser(%q): %v, want ErrTokenNotFound", s, err)
		}
		err := st.CreateUser(ctx, &auth.User{Username: s, Password: "!", DateJoined: time.Now()})
		if err == nil || errors.Is(err, auth.ErrUsernameTaken) || !strings.Contains(err.Error(), "UTF-8") {
			t.Fatalf("CreateUser(%q): %v, want an error naming the problem", s, err)
		}
		if list, err := st.UserSessions(ctx, s); err != nil || len(list) != 0 {
			t.Fatalf("UserSessions(%q): %v %v", s, list, err)
		}
		key := "login:" + s
		for i := 1; i <= 2; i++ {
			res, err := st.Hit(ctx, key, time.Now(), 2, time.Minute)
			if err != nil || !res.Allowed || res.Count != i {
				t.Fatalf("Hit %d on key %q: %+v %v", i, key, res, err)
			}
		}
		if res, err := st.Hit(ctx, "login:"+cleaned(s), time.Now(), 2, time.Minute); err != nil || res.Count != 1 {
			t.Fatalf("throttle keys differing in invalid bytes were merged: %+v %v", res, err)
		}
		if err := st.ClearHits(ctx, key); err != nil {
			t.Fatal(err)
		}
	}
	id := session.HashKey("odd-client")
	now := time.Now()
	rec := session.Record{Created: now, LastSeen: now, Expires: now.Add(time.Hour), IP: "192.0.2.1", UserAgent: "agent\x00/\xff1"}
	if err := st.Save(ctx, id, &rec); err != nil {
		t.Fatalf("a User-Agent with odd bytes made Save fail: %v", err)
	}
	got, err := st.Load(ctx, id)
	if err != nil || got.UserAgent != "agent/\uFFFD1" {
		t.Fatalf("User-Agent stored as %q (%v), want %q", got.UserAgent, err, "agent/\uFFFD1")
	}
}

// cleaned is what s would become if it were stored as text.
func cleaned(s string) string { return strings.ReplaceAll(strings.ToValidUTF8(s, "?"), "\x00", "") }

// UserSessions and DeleteUserSessions read the partial index on user_id even with generic plans, the
// ones prepared statements settle on after a few executions: the queries repeat the index's predicate
// so that the planner can use it without knowing the parameter. The store's connections are made to
// plan generically and to avoid sequential scans; the index's scan counter must then move.
func TestUserIndexUsedByGenericPlans(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := serverURL(t)
	schema := newSchema(t, u)
	forced, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := forced.Query()
	q.Set("plan_cache_mode", "force_generic_plan")
	q.Set("enable_seqscan", "off") // an unusable index then shows as a (penalised) sequential scan
	forced.RawQuery = q.Encode()
	st := openAt(t, forced.String(), postgres.Options{Schema: schema, SweepInterval: -1})

	scans := func() int64 {
		t.Helper()
		var n int64
		if _, err := st.Pool().Exec(ctx, "SELECT pg_stat_clear_snapshot()"); err != nil {
			t.Fatal(err)
		}
		err := st.Pool().QueryRow(ctx, `SELECT coalesce(sum(idx_scan), 0)::bigint FROM pg_stat_user_indexes
			WHERE schemaname = $1 AND indexrelname = 'sessionauth_sessions_user'`, schema).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	now := time.Now()
	rec := session.Record{UserID: "42", Created: now, LastSeen: now, Expires: now.Add(time.Hour)}
	if err := st.Save(ctx, session.HashKey("indexed"), &rec); err != nil {
		t.Fatal(err)
	}
	before := scans()
	if list, err := st.UserSessions(ctx, "42"); err != nil || len(list) != 1 {
		t.Fatalf("UserSessions: %v %v", list, err)
	}
	if n, err := st.DeleteUserSessions(ctx, "42", ""); err != nil || n != 1 {
		t.Fatalf("DeleteUserSessions: %d %v", n, err)
	}
	// Statistics reach the shared counters within about a second of a backend going idle.
	for range 50 {
		if scans()-before >= 2 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the user_id index was scanned %d times by UserSessions and DeleteUserSessions, want 2", scans()-before)
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := postgres.Open(ctx, "", postgres.Options{}); err == nil {
		t.Fatal("empty URL accepted")
	}
	const secret = "pa55-w0rd-secret"
	for _, bad := range []string{
		"postgres://user:" + secret + "@127.0.0.1:notaport/db",
		"postgres://user:" + secret + "@127.0.0.1:5432/db?connect_timeout=soon",
		"host=127.0.0.1 password=" + secret + " port=x",
		"postgres://user:x@" + secret + "@127.0.0.1:notaport/db", // a raw @ in the password
	} {
		_, err := postgres.Open(ctx, bad, postgres.Options{})
		if err == nil {
			t.Fatalf("Open(%q) succeeded", bad)
		}
		if strings.Contains(err.Error(), secret) {
			t.Fatalf("the error shows the password: %v", err)
		}
		if !strings.Contains(err.Error(), "invalid database URL") {
			t.Fatalf("the error does not say what is wrong: %v", err)
		}
	}
}
