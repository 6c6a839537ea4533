package redis_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/sessionauth/sessionauth/internal/testenv"
	"github.com/sessionauth/sessionauth/session"
	"github.com/sessionauth/sessionauth/session/sessiontest"
	"github.com/sessionauth/sessionauth/store/redis"
	"github.com/sessionauth/sessionauth/throttle"
	"github.com/sessionauth/sessionauth/throttle/throttletest"
)

// randomPrefix isolates one test's keys on a shared server.
func randomPrefix() string {
	var b [6]byte
	rand.Read(b[:])
	return "sessionauth-test:" + hex.EncodeToString(b[:]) + ":"
}

// openURL opens a store at rawURL with a random prefix; when the test ends it deletes the store's
// keys and closes it.
func openURL(t testing.TB, rawURL string) *redis.Store {
	t.Helper()
	prefix := randomPrefix()
	st, err := redis.Open(context.Background(), rawURL, redis.Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	t.Cleanup(func() { deletePrefix(t, st.Client(), prefix) }) // runs first
	return st
}

func standaloneURL(t testing.TB) string { return testenv.Service(t, testenv.RedisURL) }

func clusterURL(t testing.TB) string {
	return "redis+cluster://" + testenv.Service(t, testenv.RedisCluster)
}

func sentinelURL(t testing.TB) string {
	return "redis+sentinel://" + testenv.Service(t, testenv.RedisSentinel)
}

// newStore returns a store with a fresh prefix over client and deletes its keys when the test ends.
func newStore(t testing.TB, client rueidis.Client) *redis.Store {
	t.Helper()
	return newStoreOpts(t, client, redis.Options{})
}

func newStoreOpts(t testing.TB, client rueidis.Client, opts redis.Options) *redis.Store {
	t.Helper()
	opts.Prefix = randomPrefix()
	st := redis.New(client, opts)
	t.Cleanup(func() { deletePrefix(t, client, opts.Prefix) })
	return st
}

// deletePrefix deletes every key under prefix (found on every node of a Cluster).
func deletePrefix(t testing.TB, client rueidis.Client, prefix string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nodes := map[string]rueidis.Client{"": client}
	if client.Mode() == rueidis.ClientModeCluster {
		nodes = client.Nodes()
	}
	for addr, node := range nodes {
		var cursor uint64
		for {
			e, err := node.Do(ctx, node.B().Scan().Cursor(cursor).Match(prefix+"*").Count(1000).Build()).AsScanEntry()
			if err != nil {
				t.Errorf("scanning %s for the test's keys under %s: %v", addr, prefix, err)
				return
			}
			for _, k := range e.Elements {
				if err := client.Do(ctx, client.B().Del().Key(k).Build()).Error(); err != nil {
					t.Errorf("deleting %s: %v", k, err)
				}
			}
			if e.Cursor == 0 {
				break
			}
			cursor = e.Cursor
		}
	}
}

func TestSessionConformanceStandalone(t *testing.T) {
	client := openURL(t, standaloneURL(t)).Client()
	sessiontest.Run(t, func(t *testing.T) session.Store { return newStore(t, client) })
}

func TestThrottleConformanceStandalone(t *testing.T) {
	client := openURL(t, standaloneURL(t)).Client()
	throttletest.Run(t, func(t *testing.T) throttle.Store { return newStore(t, client) })
}

func TestSessionConformanceCluster(t *testing.T) {
	client := openURL(t, clusterURL(t)).Client()
	if client.Mode() != rueidis.ClientModeCluster {
		t.Fatalf("a redis+cluster:// URL gave a %s client", client.Mode())
	}
	sessiontest.Run(t, func(t *testing.T) session.Store { return newStore(t, client) })
}

func TestThrottleConformanceCluster(t *testing.T) {
	client := openURL(t, clusterURL(t)).Client()
	throttletest.Run(t, func(t *testing.T) throttle.Store { return newStore(t, client) })
}

func TestSessionConformanceSentinel(t *testing.T) {
	client := openURL(t, sentinelURL(t)).Client()
	if client.Mode() != rueidis.ClientModeSentinel {
		t.Fatalf("a redis+sentinel:// URL gave a %s client", client.Mode())
	}
	sessiontest.Run(t, func(t *testing.T) session.Store { return newStore(t, client) })
}

func TestThrottleConformanceSentinel(t *testing.T) {
	client := openURL(t, sentinelURL(t)).Client()
	throttletest.Run(t, func(t *testing.T) throttle.Store { return newStore(t, client) })
}

// With the client-side cache on, the store still passes the whole contract: its own writes and
// deletes reach its cache before the next Load.
func TestSessionConformanceClientCache(t *testing.T) {
	for _, name := range []string{"standalone", "cluster"} {
		t.Run(name, func(t *testing.T) {
			rawURL := standaloneURL
			if name == "cluster" {
				rawURL = clusterURL
			}
			client := openURL(t, rawURL(t)+"?client_cache=1m").Client()
			sessiontest.Run(t, func(t *testing.T) session.Store {
				return newStoreOpts(t, client, redis.Options{ClientCache: time.Minute})
			})
		})
	}
}

func newRecord(user string, ttl time.Duration) session.Record {
	now := time.Now()
	return session.Record{
		Data:   map[string]json.RawMessage{"k": json.RawMessage(`"v"`)},
		UserID: user, Created: now, LastSeen: now, Expires: now.Add(ttl),
	}
}

func newID(t testing.TB) string {
	var b [16]byte
	rand.Read(b[:])
	return session.HashKey(hex.EncodeToString(b[:]))
}

// TestSentinel is a smoke test through Sentinel: the URL form, sessions, the index and throttling.
func TestSentinel(t *testing.T) {
	st := openURL(t, sentinelURL(t))
	ctx := context.Background()
	id := newID(t)
	rec := newRecord("sentinel-user", time.Hour)
	if err := st.Save(ctx, id, &rec); err != nil {
		t.Fatal(err)
	}
	got, err := st.Load(ctx, id)
	if err != nil || got.UserID != "sentinel-user" || got.Version != 1 {
		t.Fatalf("Load through sentinel: %+v, %v", got, err)
	}
	list, err := st.UserSessions(ctx, "sentinel-user")
	if err != nil || len(list) != 1 || list[0].ID != id {
		t.Fatalf("UserSessions through sentinel: %v, %v", list, err)
	}
	res, err := st.Hit(ctx, "k", time.Now(), 1, time.Minute)
	if err != nil || !res.Allowed || res.Count != 1 {
		t.Fatalf("Hit through sentinel: %+v, %v", res, err)
	}
	if n, err := st.DeleteUserSessions(ctx, "sentinel-user", ""); err != nil || n != 1 {
		t.Fatalf("DeleteUserSessions through sentinel: %d, %v", n, err)
	}
	if _, err := st.Load(ctx, id); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Load after revocation: %v", err)
	}
}

// TestClusterUserSessionsAcrossNodes: one user's sessions land on several masters; all are listed
// and all are revoked.
func TestClusterUserSessionsAcrossNodes(t *testing.T) {
	client := openURL(t, clusterURL(t)).Client()
	if client.Mode() != rueidis.ClientModeCluster {
		t.Fatal("not a cluster client")
	}
	st := newStore(t, client)
	ctx := context.Background()
	owner := slotOwners(t, client)
	const user, n = "spread-user", 24
	var ids []string
	nodes := map[string]int{}
	slots := map[int64]bool{}
	for range n {
		id := newID(t)
		rec := newRecord(user, time.Hour)
		if err := st.Save(ctx, id, &rec); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		slot, err := client.Do(ctx, client.B().ClusterKeyslot().Key(st.RecordKey(id)).Build()).AsInt64()
		if err != nil {
			t.Fatal(err)
		}
		nodes[owner(slot)]++
		slots[slot] = true
	}
	if len(nodes) < 2 || len(slots) < n/2 {
		t.Fatalf("the sessions did not spread: %d slots on nodes %v", len(slots), nodes)
	}
	t.Logf("%d sessions in %d slots on %d masters: %v", n, len(slots), len(nodes), nodes)

	list, err := st.UserSessions(ctx, user)
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, e := range list {
		listed = append(listed, e.ID)
	}
	slices.Sort(listed)
	want := slices.Clone(ids)
	slices.Sort(want)
	if !slices.Equal(listed, want) {
		t.Fatalf("UserSessions listed %d sessions, want all %d", len(listed), n)
	}

	keep := ids[0]
	got, err := st.DeleteUserSessions(ctx, user, keep)
	if err != nil || got != n-1 {
		t.Fatalf("DeleteUserSessions = %d, %v; want %d", got, err, n-1)
	}
	for _, id := range ids[1:] {
		if _, err := st.Load(ctx, id); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("revoked session %s on %s still loads: %v", id[:8], st.RecordKey(id), err)
		}
	}
	if _, err := st.Load(ctx, keep); err != nil {
		t.Fatalf("the kept session: %v", err)
	}
	if list, err := st.UserSessions(ctx, user); err != nil || len(list) != 1 || list[0].ID != keep {
		t.Fatalf("after revoking the others: %v, %v", list, err)
	}
}

// slotOwners returns a function naming the master that serves a slot (from CLUSTER SLOTS).
func slotOwners(t *testing.T, client rueidis.Client) func(slot int64) string {
	t.Helper()
	ranges, err := client.Do(context.Background(), client.B().ClusterSlots().Build()).ToArray()
	if err != nil {
		t.Fatal(err)
	}
	type span struct {
		lo, hi int64
		addr   string
	}
	var spans []span
	for _, r := range ranges {
		parts, _ := r.ToArray()
		lo, _ := parts[0].AsInt64()
		hi, _ := parts[1].AsInt64()
		node, _ := parts[2].ToArray()
		ip, _ := node[0].ToString()
		port, _ := node[1].AsInt64()
		spans = append(spans, span{lo, hi, fmt.Sprintf("%s:%d", ip, port)})
	}
	return func(slot int64) string {
		for _, sp := range spans {
			if sp.lo <= slot && slot <= sp.hi {
				return sp.addr
			}
		}
		t.Fatalf("no master serves slot %d", slot)
		return ""
	}
}

// TestIndexPrune: members of deleted, moved and expired sessions are pruned after the grace period,
// and a live session is never pruned.
func TestIndexPrune(t *testing.T) {
	for _, tc := range []struct{ name, url string }{{"standalone", ""}, {"cluster", "cluster"}} {
		t.Run(tc.name, func(t *testing.T) {
			rawURL := standaloneURL
			if tc.url == "cluster" {
				rawURL = clusterURL
			}
			client := openURL(t, rawURL(t)).Client()
			st := newStore(t, client)
			const grace = 2 * time.Second
			st.SetIndexGrace(grace)
			ctx := context.Background()
			user := "prune-user"
			save := func(id string, rec session.Record) session.Record {
				t.Helper()
				if err := st.Save(ctx, id, &rec); err != nil {
					t.Fatal(err)
				}
				return rec
			}
			live, deleted, moved, expired := newID(t), newID(t), newID(t), newID(t)
			save(live, newRecord(user, time.Hour))
			save(deleted, newRecord(user, time.Hour))
			m := save(moved, newRecord(user, time.Hour))
			save(expired, newRecord(user, 300*time.Millisecond))
			time.Sleep(400 * time.Millisecond) // past the expiry, well within the grace period
			if err := st.Delete(ctx, deleted); err != nil {
				t.Fatal(err)
			}
			m.UserID = "someone-else"
			save(moved, m)

			members := func() []string {
				t.Helper()
				ms, err := client.Do(ctx, client.B().Zrange().Key(st.IndexKey(user)).Min("0").Max("-1").Build()).AsStrSlice()
				if err != nil {
					t.Fatal(err)
				}
				slices.Sort(ms)
				return ms
			}
			// Within the grace period nothing is pruned, but only the live session is listed.
			list, err := st.UserSessions(ctx, user)
			if err != nil || len(list) != 1 || list[0].ID != live {
				t.Fatalf("UserSessions: %v, %v; want only the live session", list, err)
			}
			if got := members(); len(got) != 4 {
				t.Fatalf("index pruned within the grace period: %d members left, want 4", len(got))
			}
			time.Sleep(grace + 200*time.Millisecond)
			if list, err := st.UserSessions(ctx, user); err != nil || len(list) != 1 || list[0].ID != live {
				t.Fatalf("UserSessions after the grace period: %v, %v", list, err)
			}
			if got := members(); !slices.Equal(got, []string{live}) {
				t.Fatalf("index after pruning has %d members, want only the live session", len(got))
			}
			// The index key outlives the user's last record: it expires after it, not before.
			pt, err := client.Do(ctx, client.B().Pexpiretime().Key(st.IndexKey(user)).Build()).AsInt64()
			if err != nil {
				t.Fatal(err)
			}
			if rec, _ := st.Load(ctx, live); time.UnixMilli(pt).Before(rec.Expires) {
				t.Fatalf("index expires at %v, before its live record (%v)", pt, rec.Expires)
			}
		})
	}
}

// TestIndexPruneRace: listings that prune while the same user's sessions are saved, moved away and
// moved back never lose a live session from the index.
func TestIndexPruneRace(t *testing.T) {
	client := openURL(t, standaloneURL(t)).Client()
	st := newStore(t, client)
	// A short grace period, so that listings do prune during the test; it still leaves each Save
	// 150 ms between its index write and its record write, plenty on loopback even under -race.
	const grace = 300 * time.Millisecond
	st.SetIndexGrace(grace)
	ctx := context.Background()
	const user, writers, rounds = "race-user", 4, 4
	var wg sync.WaitGroup
	ids := make(chan string, writers*rounds)
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				id := newID(t)
				r := newRecord(user, time.Hour)
				if err := st.Save(ctx, id, &r); err != nil {
					t.Error(err)
					return
				}
				ids <- id
				// Move it away for longer than the grace period, so that a listing prunes it, then
				// back: the second Save must index it again.
				r.UserID = "other"
				if err := st.Save(ctx, id, &r); err != nil {
					t.Error(err)
					return
				}
				time.Sleep(grace + 100*time.Millisecond)
				r.UserID = user
				if err := st.Save(ctx, id, &r); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	stop := make(chan struct{})
	var lwg sync.WaitGroup
	lwg.Add(1)
	go func() {
		defer lwg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := st.UserSessions(ctx, user); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	wg.Wait()
	close(stop)
	lwg.Wait()
	close(ids)
	if t.Failed() {
		return
	}
	list, err := st.UserSessions(ctx, user)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != writers*rounds {
		t.Fatalf("UserSessions lists %d sessions, want %d", len(list), writers*rounds)
	}
	for id := range ids {
		if _, err := client.Do(ctx, client.B().Zscore().Key(st.IndexKey(user)).Member(id).Build()).AsFloat64(); err != nil {
			t.Fatalf("live session %s missing from the index: %v", id[:8], err)
		}
	}
	// The moved-away phases were pruned from the other user's index once they were stale.
	time.Sleep(grace + 50*time.Millisecond)
	if list, err := st.UserSessions(ctx, "other"); err != nil || len(list) != 0 {
		t.Fatalf("UserSessions(other) = %v, %v; want none", list, err)
	}
	if n, err := client.Do(ctx, client.B().Zcard().Key(st.IndexKey("other")).Build()).AsInt64(); err != nil || n != 0 {
		t.Fatalf("the other user's index still has %d members (%v)", n, err)
	}
}

// TestStoredFormat checks the layout the package documentation promises, and that a corrupt value is
// ErrCorrupt, not ErrNotFound or a store failure.
func TestStoredFormat(t *testing.T) {
	client := openURL(t, standaloneURL(t)).Client()
	st := newStore(t, client)
	ctx := context.Background()
	id := newID(t)
	rec := newRecord("7", time.Hour)
	if err := st.Save(ctx, id, &rec); err != nil {
		t.Fatal(err)
	}
	raw, err := client.Do(ctx, client.B().Get().Key(st.RecordKey(id)).Build()).ToString()
	if err != nil {
		t.Fatal(err)
	}
	// version 1, a user id of length 1, the user id "7", then the JSON
	if !strings.HasPrefix(raw, "1:1:7{") || !strings.HasSuffix(st.RecordKey(id), "s:{"+id+"}") {
		t.Fatalf("stored %q under %q", raw[:min(len(raw), 20)], st.RecordKey(id))
	}
	pt, err := client.Do(ctx, client.B().Pexpiretime().Key(st.RecordKey(id)).Build()).AsInt64()
	if err != nil || pt != rec.Expires.UnixMilli() {
		t.Fatalf("record expires at %v ms (%v), want %d", pt, err, rec.Expires.UnixMilli())
	}
	if !strings.Contains(raw, `"u":"7"`) {
		t.Fatalf("stored JSON lacks the user: %s", raw)
	}

	for _, bad := range []string{"garbage", "1:{}", "1:1:7{not json", "2:" + raw[2:], ":1:7{}", "x:1:7{}",
		"1:x:7{}", "1:-1:7{}", "1:99:7{}", "1:1:8" + raw[5:]} {
		if err := client.Do(ctx, client.B().Set().Key(st.RecordKey(id)).Value(bad).Ex(time.Hour).Build()).Error(); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Load(ctx, id); !errors.Is(err, session.ErrCorrupt) {
			t.Fatalf("Load of %q: %v, want ErrCorrupt", bad, err)
		}
	}
	// A corrupt record blocks neither listing nor revocation.
	if list, err := st.UserSessions(ctx, "7"); err != nil || len(list) != 0 {
		t.Fatalf("UserSessions with a corrupt record: %v, %v", list, err)
	}
	if n, err := st.DeleteUserSessions(ctx, "7", ""); err != nil || n != 0 {
		t.Fatalf("DeleteUserSessions with a corrupt record: %d, %v", n, err)
	}
}

// TestSaveRetryIsIdempotent: a Save repeated after a lost reply (the client retries idempotent commands after a broken connection)
// reports success, not ErrExists or ErrConflict.
func TestSaveRetryIsIdempotent(t *testing.T) {
	st := newStore(t, openURL(t, standaloneURL(t)).Client())
	ctx := context.Background()
	id := newID(t)
	rec := newRecord("", time.Hour)
	again := rec
	if err := st.Save(ctx, id, &rec); err != nil {
		t.Fatal(err)
	}
	if err := st.Save(ctx, id, &again); err != nil || again.Version != 1 {
		t.Fatalf("repeated create: version %d, %v", again.Version, err)
	}
	next := rec
	next.Data = map[string]json.RawMessage{"k": json.RawMessage(`2`)}
	repeat := next
	if err := st.Save(ctx, id, &next); err != nil {
		t.Fatal(err)
	}
	if err := st.Save(ctx, id, &repeat); err != nil || repeat.Version != 2 {
		t.Fatalf("repeated update: version %d, %v", repeat.Version, err)
	}
	other := rec
	other.Data = map[string]json.RawMessage{"k": json.RawMessage(`3`)}
	if err := st.Save(ctx, id, &other); !errors.Is(err, session.ErrConflict) {
		t.Fatalf("a different update from the old version: %v, want ErrConflict", err)
	}
}

// TestDeleteUserSessionsConcurrentSaves: sessions that are being saved continuously are all revoked
// in one call, and no Save brings one back.
func TestDeleteUserSessionsConcurrentSaves(t *testing.T) {
	st := newStore(t, openURL(t, standaloneURL(t)).Client())
	ctx := context.Background()
	const user = "busy-user"
	var ids []string
	for range 10 {
		id := newID(t)
		rec := newRecord(user, time.Hour)
		if err := st.Save(ctx, id, &rec); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	var wg sync.WaitGroup
	var saves sync.WaitGroup // each writer has saved at least once
	saves.Add(len(ids))
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first := true
			for {
				rec, err := st.Load(ctx, id)
				if errors.Is(err, session.ErrNotFound) {
					if first {
						saves.Done()
					}
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				rec.Data = map[string]json.RawMessage{"n": json.RawMessage(fmt.Sprint(rec.Version))}
				err = st.Save(ctx, id, &rec)
				if err != nil && !errors.Is(err, session.ErrConflict) && !errors.Is(err, session.ErrNotFound) {
					t.Error(err)
				}
				if first {
					first = false
					saves.Done()
				}
			}
		}()
	}
	saves.Wait()
	n, err := st.DeleteUserSessions(ctx, user, "")
	if err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if n != len(ids) {
		t.Fatalf("DeleteUserSessions = %d, want %d", n, len(ids))
	}
	for _, id := range ids {
		if _, err := st.Load(ctx, id); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("a revoked session survived concurrent saves: %v", err)
		}
	}
}

// TestDeleteUserSessionsLeavesMovedSession: a session listed under the user but now another user's
// is not deleted.
func TestDeleteUserSessionsLeavesMovedSession(t *testing.T) {
	st := newStore(t, openURL(t, standaloneURL(t)).Client())
	ctx := context.Background()
	id := newID(t)
	rec := newRecord("a", time.Hour)
	if err := st.Save(ctx, id, &rec); err != nil {
		t.Fatal(err)
	}
	rec.UserID = "b" // still listed in a's index
	if err := st.Save(ctx, id, &rec); err != nil {
		t.Fatal(err)
	}
	if n, err := st.DeleteUserSessions(ctx, "a", ""); err != nil || n != 0 {
		t.Fatalf("DeleteUserSessions(a) = %d, %v; want 0", n, err)
	}
	if got, err := st.Load(ctx, id); err != nil || got.UserID != "b" {
		t.Fatalf("b's session after revoking a's: %+v, %v", got, err)
	}
}

// TestUserIDBytes: user ids that are not valid UTF-8 or contain the header separator or braces keep
// their exact bytes, and the index and revocation work with them.
func TestUserIDBytes(t *testing.T) {
	st := newStore(t, openURL(t, standaloneURL(t)).Client())
	ctx := context.Background()
	for _, user := range []string{"a:b:c", "12:x", "\xff\xfe", "{tag}", "ünï", "x}y{"} {
		user = strings.ReplaceAll(strings.ReplaceAll(user, "\\xff", "\xff"), "\\xfe", "\xfe")
		id := newID(t)
		rec := newRecord(user, time.Hour)
		if err := st.Save(ctx, id, &rec); err != nil {
			t.Fatal(err)
		}
		got, err := st.Load(ctx, id)
		if err != nil || got.UserID != user {
			t.Fatalf("user %q came back as %q (%v)", user, got.UserID, err)
		}
		if list, err := st.UserSessions(ctx, user); err != nil || len(list) != 1 || list[0].Record.UserID != user {
			t.Fatalf("UserSessions(%q): %v, %v", user, list, err)
		}
		if n, err := st.DeleteUserSessions(ctx, user, ""); err != nil || n != 1 {
			t.Fatalf("DeleteUserSessions(%q) = %d, %v", user, n, err)
		}
	}
}

// TestCountSessions counts records under the store's prefix on one server and across a Cluster.
func TestCountSessions(t *testing.T) {
	for _, name := range []string{"standalone", "cluster"} {
		t.Run(name, func(t *testing.T) {
			rawURL := standaloneURL
			if name == "cluster" {
				rawURL = clusterURL
			}
			st := newStore(t, openURL(t, rawURL(t)).Client())
			ctx := context.Background()
			if n, err := st.CountSessions(ctx); err != nil || n != 0 {
				t.Fatalf("empty store: %d, %v", n, err)
			}
			for i := range 30 {
				rec := newRecord(fmt.Sprint(i%3), time.Hour)
				if err := st.Save(ctx, newID(t), &rec); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := st.Hit(ctx, "x", time.Now(), 5, time.Minute); err != nil { // not a session
				t.Fatal(err)
			}
			if n, err := st.CountSessions(ctx); err != nil || n != 30 {
				t.Fatalf("CountSessions = %d, %v; want 30", n, err)
			}
		})
	}
}

// TestPrefixIsolation: stores with different prefixes on one server do not see each other.
func TestPrefixIsolation(t *testing.T) {
	client := openURL(t, standaloneURL(t)).Client()
	a, b := newStore(t, client), newStore(t, client)
	ctx := context.Background()
	id := newID(t)
	rec := newRecord("u", time.Hour)
	if err := a.Save(ctx, id, &rec); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Load(ctx, id); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("another prefix sees the record: %v", err)
	}
	if list, err := b.UserSessions(ctx, "u"); err != nil || len(list) != 0 {
		t.Fatalf("another prefix lists the session: %v, %v", list, err)
	}
	if res, err := a.Hit(ctx, "k", time.Now(), 1, time.Minute); err != nil || !res.Allowed {
		t.Fatal(res, err)
	}
	if res, err := b.Hit(ctx, "k", time.Now(), 1, time.Minute); err != nil || !res.Allowed {
		t.Fatalf("throttle counts leak across prefixes: %+v, %v", res, err)
	}
	if st := redis.New(client, redis.Options{}); !strings.HasPrefix(st.RecordKey("x"), redis.DefaultPrefix) {
		t.Fatalf("default prefix: %s", st.RecordKey("x"))
	}
}

// TestClientCacheSeesOtherWriters: with the client cache on, a record another client deletes or
// replaces stops being served from the cache once Redis's invalidation arrives (a push, so the test
// polls for it), and this store's own writes are seen at once.
func TestClientCacheSeesOtherWriters(t *testing.T) {
	cached := openURL(t, standaloneURL(t)+"?client_cache=1m").Client()
	a := newStoreOpts(t, cached, redis.Options{ClientCache: time.Minute})
	other := openURL(t, standaloneURL(t)).Client()
	b := redis.New(other, redis.Options{Prefix: strings.TrimSuffix(a.RecordKey("x"), "s:{x}")})
	ctx := context.Background()

	id := newID(t)
	rec := newRecord("7", time.Hour)
	if err := a.Save(ctx, id, &rec); err != nil {
		t.Fatal(err)
	}
	// Own writes: every Load sees the latest version at once.
	for v := 2; v <= 5; v++ {
		rec.Data = map[string]json.RawMessage{"n": json.RawMessage(fmt.Sprint(v))}
		if err := a.Save(ctx, id, &rec); err != nil {
			t.Fatal(err)
		}
		if got, err := a.Load(ctx, id); err != nil || got.Version != rec.Version {
			t.Fatalf("own write %d: Load gave version %d, %v", v, got.Version, err)
		}
	}
	time.Sleep(1100 * time.Millisecond) // past the own-write window: Loads now use the cache
	if _, err := a.Load(ctx, id); err != nil {
		t.Fatal(err)
	}

	await := func(what string, ok func() bool) {
		t.Helper()
		start := time.Now()
		for !ok() {
			if time.Since(start) > 5*time.Second {
				t.Fatalf("%s: the cached store still answers from before after %s", what, time.Since(start))
			}
			time.Sleep(100 * time.Microsecond)
		}
		t.Logf("%s reached the cache after %s", what, time.Since(start))
	}
	next := rec
	next.Data = map[string]json.RawMessage{"n": json.RawMessage(`99`)}
	if err := b.Save(ctx, id, &next); err != nil {
		t.Fatal(err)
	}
	await("another client's Save", func() bool {
		got, err := a.Load(ctx, id)
		return err == nil && got.Version == next.Version
	})
	if err := b.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	await("another client's Delete", func() bool {
		_, err := a.Load(ctx, id)
		return errors.Is(err, session.ErrNotFound)
	})
}
