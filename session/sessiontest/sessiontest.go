// Package sessiontest is the conformance suite for session.Store implementations. A store's test calls
// Run with a function that returns a fresh, empty store:
//
//	func TestConformance(t *testing.T) {
//		sessiontest.Run(t, func(t *testing.T) session.Store { return newEmptyStore(t) })
//	}
//
// The suite checks the contract written on session.Store, the optional session.UserIndex and
// session.ExpiredDeleter capabilities, and the behaviour a session.Manager builds on the store under
// concurrent requests (no resurrection after a delete, no lost writes to different keys).
package sessiontest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/session"
)

// Run runs the conformance suite. newStore must return an empty store; it is called once per subtest.
func Run(t *testing.T, newStore func(t *testing.T) session.Store) {
	t.Run("LoadMissing", func(t *testing.T) { testLoadMissing(t, newStore(t)) })
	t.Run("CreateAndLoad", func(t *testing.T) { testCreateAndLoad(t, newStore(t)) })
	t.Run("CreateIsInsertOnly", func(t *testing.T) { testCreateIsInsertOnly(t, newStore(t)) })
	t.Run("UpdateCompareAndSwap", func(t *testing.T) { testUpdateCAS(t, newStore(t)) })
	t.Run("NoResurrection", func(t *testing.T) { testNoResurrection(t, newStore(t)) })
	t.Run("DeleteIsIdempotent", func(t *testing.T) { testDeleteIdempotent(t, newStore(t)) })
	t.Run("Expiry", func(t *testing.T) { testExpiry(t, newStore(t)) })
	t.Run("ConcurrentCAS", func(t *testing.T) { testConcurrentCAS(t, newStore(t)) })
	t.Run("CancelledContext", func(t *testing.T) { testCancelled(t, newStore(t)) })
	t.Run("UserIndex", func(t *testing.T) { testUserIndex(t, newStore(t)) })
	t.Run("DeleteExpired", func(t *testing.T) { testDeleteExpired(t, newStore(t)) })
	t.Run("Lister", func(t *testing.T) { testLister(t, newStore(t)) })
	t.Run("Manager", func(t *testing.T) { runManager(t, newStore) })
}

// idCounter makes user ids unique per call.
var idCounter atomic.Uint64

// newID returns a fresh id shaped as the Manager would derive it from a new session key: the store's
// own mapping when it is a session.KeyMapper, the hex SHA-256 of the key otherwise.
func newID(t testing.TB, st session.Store) string {
	key, err := session.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	if km, ok := st.(session.KeyMapper); ok {
		return km.StoreID(key)
	}
	return session.HashKey(key)
}

func newRecord(user string, data map[string]any) session.Record {
	now := time.Now()
	rec := session.Record{
		Data:    map[string]json.RawMessage{},
		UserID:  user,
		Created: now, LastSeen: now, Expires: now.Add(time.Hour),
		IP: "192.0.2.7", UserAgent: "sessiontest/1.0 (ünïcode)",
	}
	for k, v := range data {
		b, _ := json.Marshal(v)
		rec.Data[k] = b
	}
	return rec
}

func save(t *testing.T, st session.Store, id string, rec *session.Record) {
	t.Helper()
	if err := st.Save(context.Background(), id, rec); err != nil {
		t.Fatalf("Save(%s, version %d): %v", id[:8], rec.Version, err)
	}
}

func mustLoad(t *testing.T, st session.Store, id string) session.Record {
	t.Helper()
	rec, err := st.Load(context.Background(), id)
	if err != nil {
		t.Fatalf("Load(%s): %v", id[:8], err)
	}
	return rec
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

// sameTime compares at microsecond precision, the finest every supported backend keeps.
func sameTime(a, b time.Time) bool {
	return a.Truncate(time.Microsecond).Equal(b.Truncate(time.Microsecond))
}

func testLoadMissing(t *testing.T, st session.Store) {
	_, err := st.Load(context.Background(), newID(t, st))
	wantErr(t, "Load of a missing id", err, session.ErrNotFound)
}

func testCreateAndLoad(t *testing.T, st session.Store) {
	id := newID(t, st)
	rec := newRecord("42", map[string]any{
		"s": "héllo \u2028 \"quoted\"", "n": 3.5, "b": true, "nil": nil,
		"nested": map[string]any{"list": []any{1, "two", map[string]any{}}},
	})
	rec.Transient = true
	save(t, st, id, &rec)
	if rec.Version != 1 {
		t.Fatalf("version after create = %d, want 1", rec.Version)
	}
	got := mustLoad(t, st, id)
	if got.Version != 1 || got.UserID != "42" || !got.Transient || got.IP != rec.IP || got.UserAgent != rec.UserAgent {
		t.Fatalf("loaded record %+v differs from saved %+v", got, rec)
	}
	for _, pair := range [][2]time.Time{{got.Created, rec.Created}, {got.LastSeen, rec.LastSeen}, {got.Expires, rec.Expires}} {
		if !sameTime(pair[0], pair[1]) {
			t.Fatalf("time %v came back as %v", pair[1], pair[0])
		}
	}
	if len(got.Data) != len(rec.Data) {
		t.Fatalf("data has %d keys, want %d", len(got.Data), len(rec.Data))
	}
	for k, v := range rec.Data {
		var a, b any
		if json.Unmarshal(v, &a) != nil || json.Unmarshal(got.Data[k], &b) != nil || fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("data[%q] = %s, want %s", k, got.Data[k], v)
		}
	}
}

func testCreateIsInsertOnly(t *testing.T, st session.Store) {
	id := newID(t, st)
	first := newRecord("1", map[string]any{"owner": "first"})
	save(t, st, id, &first)
	second := newRecord("2", map[string]any{"owner": "second"})
	wantErr(t, "create over a live id", st.Save(context.Background(), id, &second), session.ErrExists)
	if got := mustLoad(t, st, id); got.UserID != "1" || string(got.Data["owner"]) != `"first"` {
		t.Fatalf("a failed create overwrote the record: %+v", got)
	}
}

func testUpdateCAS(t *testing.T, st session.Store) {
	id := newID(t, st)
	rec := newRecord("", map[string]any{"k": 1})
	save(t, st, id, &rec)

	next := newRecord("7", map[string]any{"k": 2})
	next.Version = 1
	save(t, st, id, &next)
	if next.Version != 2 {
		t.Fatalf("version after update = %d, want 2", next.Version)
	}
	if got := mustLoad(t, st, id); got.Version != 2 || got.UserID != "7" || string(got.Data["k"]) != "2" {
		t.Fatalf("after update: %+v", got)
	}

	stale := newRecord("", map[string]any{"k": 3})
	stale.Version = 1
	wantErr(t, "update with a stale version", st.Save(context.Background(), id, &stale), session.ErrConflict)
	ahead := newRecord("", map[string]any{"k": 3})
	ahead.Version = 5
	wantErr(t, "update with a future version", st.Save(context.Background(), id, &ahead), session.ErrConflict)
	if got := mustLoad(t, st, id); string(got.Data["k"]) != "2" {
		t.Fatalf("a refused update changed the data: %s", got.Data["k"])
	}

	missing := newRecord("", nil)
	missing.Version = 1
	wantErr(t, "update of a missing id", st.Save(context.Background(), newID(t, st), &missing), session.ErrNotFound)
}

func testNoResurrection(t *testing.T, st session.Store) {
	id := newID(t, st)
	rec := newRecord("9", map[string]any{"k": 1})
	save(t, st, id, &rec)
	if err := st.Delete(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	late := newRecord("9", map[string]any{"k": 2})
	late.Version = rec.Version
	wantErr(t, "update after delete", st.Save(context.Background(), id, &late), session.ErrNotFound)
	_, err := st.Load(context.Background(), id)
	wantErr(t, "load after a refused update", err, session.ErrNotFound)
}

func testDeleteIdempotent(t *testing.T, st session.Store) {
	id := newID(t, st)
	if err := st.Delete(context.Background(), id); err != nil {
		t.Fatalf("Delete of a missing id: %v", err)
	}
	rec := newRecord("", map[string]any{"k": 1})
	save(t, st, id, &rec)
	for range 2 {
		if err := st.Delete(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
}

func testExpiry(t *testing.T, st session.Store) {
	ctx := context.Background()
	id := newID(t, st)
	rec := newRecord("5", map[string]any{"k": 1})
	rec.Expires = time.Now().Add(300 * time.Millisecond)
	save(t, st, id, &rec)
	mustLoad(t, st, id)
	time.Sleep(time.Until(rec.Expires) + 100*time.Millisecond)

	_, err := st.Load(ctx, id)
	wantErr(t, "Load after Expires", err, session.ErrNotFound)
	late := newRecord("5", map[string]any{"k": 2})
	late.Version = rec.Version
	wantErr(t, "update after Expires", st.Save(ctx, id, &late), session.ErrNotFound)
	if ix, ok := st.(session.UserIndex); ok {
		list, err := ix.UserSessions(ctx, "5")
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 0 {
			t.Fatalf("UserSessions lists %d expired sessions", len(list))
		}
	}
	again := newRecord("6", map[string]any{"k": 3})
	save(t, st, id, &again) // an expired id may be created anew
	if got := mustLoad(t, st, id); got.UserID != "6" || got.Version != 1 {
		t.Fatalf("re-created record: %+v", got)
	}
}

func testConcurrentCAS(t *testing.T, st session.Store) {
	id := newID(t, st)
	rec := newRecord("", map[string]any{"k": 0})
	save(t, st, id, &rec)
	const n = 16
	var wins atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			next := newRecord("", map[string]any{"k": i + 1})
			next.Version = rec.Version
			<-start
			err := st.Save(context.Background(), id, &next)
			switch {
			case err == nil:
				wins.Add(1)
			case !errors.Is(err, session.ErrConflict):
				t.Errorf("concurrent update: %v", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d concurrent updates from the same version succeeded, want exactly 1", wins.Load())
	}
	if got := mustLoad(t, st, id); got.Version != 2 {
		t.Fatalf("version = %d, want 2", got.Version)
	}
}

func testCancelled(t *testing.T, st session.Store) {
	id := newID(t, st)
	rec := newRecord("", map[string]any{"k": 1})
	save(t, st, id, &rec)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := st.Load(ctx, id); err == nil || errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Load with a cancelled context: %v; want an error that is not ErrNotFound", err)
	}
}

func testUserIndex(t *testing.T, st session.Store) {
	ix, ok := st.(session.UserIndex)
	if !ok {
		t.Skip("store has no per-user index")
	}
	ctx := context.Background()
	user := fmt.Sprintf("u%d", idCounter.Add(1))
	other := user + "-other"
	var mine []string
	for range 3 {
		id := newID(t, st)
		rec := newRecord(user, map[string]any{"k": 1})
		save(t, st, id, &rec)
		mine = append(mine, id)
	}
	for _, u := range []string{other, ""} {
		rec := newRecord(u, nil)
		save(t, st, newID(t, st), &rec)
	}
	// An anonymous session that logs in joins the index.
	anonID := newID(t, st)
	anon := newRecord("", nil)
	save(t, st, anonID, &anon)
	login := newRecord(user, nil)
	login.Version = anon.Version
	save(t, st, anonID, &login)
	mine = append(mine, anonID)

	list := func(u string) []string {
		t.Helper()
		entries, err := ix.UserSessions(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, e := range entries {
			if e.Record.UserID != u {
				t.Fatalf("UserSessions(%q) listed a record of %q", u, e.Record.UserID)
			}
			ids = append(ids, e.ID)
		}
		slices.Sort(ids)
		return ids
	}
	slices.Sort(mine)
	if got := list(user); !slices.Equal(got, mine) {
		t.Fatalf("UserSessions = %v, want %v", got, mine)
	}
	// A session that changes hands leaves the old owner's list.
	moved := mustLoad(t, st, mine[0])
	moved.UserID = other
	save(t, st, mine[0], &moved)
	if got := list(user); len(got) != 3 || slices.Contains(got, mine[0]) {
		t.Fatalf("after moving a session away: %v", got)
	}

	keep := mine[1]
	n, err := ix.DeleteUserSessions(ctx, user, keep)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("DeleteUserSessions(keep one) = %d, want 2", n)
	}
	if got := list(user); !slices.Equal(got, []string{keep}) {
		t.Fatalf("after revoking the others: %v, want only %v", got, keep)
	}
	for _, id := range mine[2:] {
		if id == keep {
			continue
		}
		if _, err := st.Load(ctx, id); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("revoked session still loads: %v", err)
		}
	}
	if got := list(other); len(got) != 2 {
		t.Fatalf("the other user's sessions were touched: %v", got)
	}
	n, err = ix.DeleteUserSessions(ctx, user, "")
	if err != nil || n != 1 {
		t.Fatalf("DeleteUserSessions(all) = %d, %v; want 1", n, err)
	}
	if got := list(user); len(got) != 0 {
		t.Fatalf("after revoking all: %v", got)
	}
	if n, err := ix.DeleteUserSessions(ctx, "nobody", ""); err != nil || n != 0 {
		t.Fatalf("DeleteUserSessions of a user without sessions = %d, %v", n, err)
	}
}

func testDeleteExpired(t *testing.T, st session.Store) {
	del, ok := st.(session.ExpiredDeleter)
	if !ok {
		t.Skip("store has no DeleteExpired")
	}
	ctx := context.Background()
	short := newRecord("", map[string]any{"k": 1})
	short.Expires = time.Now().Add(200 * time.Millisecond)
	shortID := newID(t, st)
	save(t, st, shortID, &short)
	long := newRecord("", map[string]any{"k": 1})
	longID := newID(t, st)
	save(t, st, longID, &long)
	time.Sleep(time.Until(short.Expires) + 50*time.Millisecond)
	n, err := del.DeleteExpired(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n < 1 {
		t.Fatalf("DeleteExpired removed %d records, want at least 1", n)
	}
	mustLoad(t, st, longID)
}

func testLister(t *testing.T, st session.Store) {
	l, ok := st.(session.Lister)
	if !ok {
		t.Skip("store has no Lister")
	}
	ctx := context.Background()
	want := map[string]string{} // id → user
	for _, u := range []string{"lister-a", "lister-a", "lister-b", ""} {
		id := newID(t, st)
		rec := newRecord(u, map[string]any{"k": u})
		save(t, st, id, &rec)
		want[id] = u
	}
	gone := newID(t, st)
	rec := newRecord("lister-a", nil)
	save(t, st, gone, &rec)
	if err := st.Delete(ctx, gone); err != nil {
		t.Fatal(err)
	}
	short := newRecord("lister-b", nil)
	short.Expires = time.Now().Add(200 * time.Millisecond)
	shortID := newID(t, st)
	save(t, st, shortID, &short)
	time.Sleep(time.Until(short.Expires) + 50*time.Millisecond)

	all, err := l.Sessions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range all {
		got[e.ID] = e.Record.UserID
		if e.ID == gone || e.ID == shortID {
			t.Fatalf("Sessions lists a deleted or expired session (%s)", e.ID[:8])
		}
	}
	for id, u := range want {
		if g, ok := got[id]; !ok || g != u {
			t.Fatalf("Sessions: session %s of %q listed as %q (present %v)", id[:8], u, g, ok)
		}
	}
}
