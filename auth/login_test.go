package auth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/session"
	"github.com/sessionauth/sessionauth/store/memory"
)

// TestLoginCyclesKey covers FIX-01, FIX-02, FIX-03 and the first branch of FIX-07: login gives the
// session a new key, the pre-login key is dead at once (no state, no record), and the anonymous
// session's data is kept.
func TestLoginCyclesKey(t *testing.T) {
	e := newEnv(t)
	alice := e.createUser("alice")
	c := e.client("", "")
	c.csrf()
	if res := c.send("POST", "/data?k=cart&v=apples", nil); res.status != http.StatusNoContent {
		t.Fatalf("POST /data: %d %s", res.status, res.body)
	}
	s0 := c.cookies["sessionid"]
	if s0 == "" {
		t.Fatal("no anonymous session")
	}
	c.login("alice", goodPass)
	s1 := c.cookies["sessionid"]
	if s1 == s0 {
		t.Fatal("FIX-01: login kept the pre-login session key")
	}
	if _, ok := e.record(s0); ok {
		t.Fatal("FIX-02: the pre-login session record still exists")
	}
	if status, name := c.me(); status != 200 || name != "alice" {
		t.Fatalf("/me after login: %d %q", status, name)
	}
	if res := c.send("GET", "/data?k=cart", nil); res.json(t)["v"] != "apples" {
		t.Fatalf("FIX-07: anonymous session data lost at login: %s", res.body)
	}
	rec, ok := e.record(s1)
	if !ok || rec.UserID != strconv.FormatInt(alice.ID, 10) {
		t.Fatalf("new session record: %v %+v", ok, rec)
	}
	// Replaying the old key: anonymous, on a safe and on an unsafe request, and the cookie is deleted.
	status, res := e.meWithKey(s0)
	if status != http.StatusUnauthorized {
		t.Fatalf("FIX-02: /me with the pre-login key: %d", status)
	}
	if _, _, deleted := res.setCookie("sessionid"); !deleted {
		t.Fatal("the dead pre-login cookie was not deleted")
	}
	attacker := e.client("", "")
	attacker.csrf()
	attacker.cookies["sessionid"] = s0
	if res := attacker.send("POST", "/password", map[string]string{"old_password": goodPass, "new_password": newPass}); res.status != http.StatusUnauthorized {
		t.Fatalf("FIX-02: unsafe request with the pre-login key: %d %s", res.status, res.body)
	}
}

// TestLoginPlantedSession covers FIX-03: a session id the attacker obtained (anonymous) and one never
// issued; the victim's login gives a fresh id and the attacker's copy stays anonymous.
func TestLoginPlantedSession(t *testing.T) {
	e := newEnv(t)
	e.createUser("alice")
	attacker := e.client("", "")
	attacker.csrf()
	attacker.send("POST", "/data?k=planted&v=1", nil)
	planted := attacker.cookies["sessionid"]

	for _, key := range []string{planted, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "not-a-key"} {
		victim := e.client("", "")
		victim.csrf()
		victim.cookies["sessionid"] = key
		victim.login("alice", goodPass)
		if victim.cookies["sessionid"] == key {
			t.Fatalf("login kept the planted id %q", key)
		}
		if status, _ := e.meWithKey(key); status != http.StatusUnauthorized {
			t.Fatalf("the planted id %q is authenticated after the victim's login", key)
		}
	}
	if status, _ := attacker.me(); status != http.StatusUnauthorized {
		t.Fatal("the attacker's session became authenticated")
	}
}

// TestLoginAsAnotherUserFlushes covers FIX-04: a login as bob over alice's session starts an empty
// session (nothing of alice's is visible) under a new key.
func TestLoginAsAnotherUserFlushes(t *testing.T) {
	e := newEnv(t)
	e.createUser("alice")
	e.createUser("bob")
	c := e.client("", "")
	c.login("alice", goodPass)
	c.send("POST", "/data?k=secret&v=alice-only", nil)
	alicesKey := c.cookies["sessionid"]
	c.login("bob", goodPass)
	if c.cookies["sessionid"] == alicesKey {
		t.Fatal("login as another user kept the key")
	}
	if status, name := c.me(); status != 200 || name != "bob" {
		t.Fatalf("/me: %d %q", status, name)
	}
	if res := c.send("GET", "/data?k=secret", nil); res.json(t)["v"] != "" {
		t.Fatalf("bob sees alice's session data: %s", res.body)
	}
	if _, ok := e.record(alicesKey); ok {
		t.Fatal("alice's session record survived bob's login")
	}
}

// An anonymous session that still carries an auth hash holds a login this side does not accept (in
// Django's table: another authentication backend's). Logging in over it starts an empty session, as
// a login over another user's does: none of that login's data is carried into the new one.
func TestLoginOverForeignLoginFlushes(t *testing.T) {
	e := newEnv(t)
	alice := e.createUser("alice")
	key, err := session.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	planted := session.Record{Created: now, LastSeen: now, Expires: now.Add(time.Hour), Data: map[string]json.RawMessage{
		auth.HashSessionKey: json.RawMessage(`"` + auth.SessionAuthHash(testSecret, "another login's password") + `"`),
		"secret":            json.RawMessage(`"the other login's"`),
	}}
	if err := e.st.Save(context.Background(), session.HashKey(key), &planted); err != nil {
		t.Fatal(err)
	}
	c := e.client("", "")
	c.cookies["sessionid"] = key
	if status, _ := c.me(); status != http.StatusUnauthorized {
		t.Fatalf("/me on the foreign login: %d, want anonymous", status)
	}
	if _, ok := e.record(key); !ok {
		t.Fatal("reading the foreign login as anonymous deleted it")
	}
	c.csrf()
	c.login("alice", goodPass)
	if c.cookies["sessionid"] == key {
		t.Fatal("login kept the key")
	}
	if _, ok := e.record(key); ok {
		t.Fatal("the foreign login's record survived the login")
	}
	if res := c.send("GET", "/data?k=secret", nil); res.json(t)["v"] != "" {
		t.Fatalf("the new login carries the foreign login's data: %s", res.body)
	}
	rec, ok := e.record(c.cookies["sessionid"])
	if !ok || rec.UserID != strconv.FormatInt(alice.ID, 10) {
		t.Fatalf("the new session: %v %+v", ok, rec)
	}
}

// TestReLoginSameUser covers FIX-05 and the second branch of FIX-07: logging in again as the same
// user cycles the key every time and keeps the session's data.
func TestReLoginSameUser(t *testing.T) {
	e := newEnv(t)
	e.createUser("alice")
	c := e.client("", "")
	c.login("alice", goodPass)
	c.send("POST", "/data?k=pref&v=dark", nil)
	seen := map[string]bool{c.cookies["sessionid"]: true}
	for range 3 {
		prev := c.cookies["sessionid"]
		c.login("alice", goodPass)
		key := c.cookies["sessionid"]
		if seen[key] {
			t.Fatal("FIX-05: re-login reused a session key")
		}
		seen[key] = true
		if _, ok := e.record(prev); ok {
			t.Fatal("the key before re-login is still stored")
		}
	}
	if res := c.send("GET", "/data?k=pref", nil); res.json(t)["v"] != "dark" {
		t.Fatalf("same-user re-login lost data: %s", res.body)
	}
}

// TestLoginRotatesCSRF covers FIX-06: the login response sets a new CSRF secret and the token from
// before login is refused afterwards.
func TestLoginRotatesCSRF(t *testing.T) {
	e := newEnv(t)
	e.createUser("alice")
	c := e.client("", "")
	t0 := c.csrf()
	res := c.login("alice", goodPass)
	t1, set, deleted := res.setCookie("csrftoken")
	if !set || deleted || t1 == t0 {
		t.Fatalf("login did not rotate the CSRF cookie (set=%v, same=%v)", set, t1 == t0)
	}
	if res := c.sendWith("POST", "/data?k=x&v=y", nil, t0, true); res.status != http.StatusForbidden {
		t.Fatalf("FIX-06: the pre-login CSRF token was accepted after login: %d", res.status)
	}
	if res := c.send("POST", "/data?k=x&v=y", nil); res.status != http.StatusNoContent {
		t.Fatalf("the new CSRF token was refused: %d %s", res.status, res.body)
	}
	// Login itself needs the CSRF token (login CSRF).
	other := e.client("", "")
	other.csrf()
	if res := other.sendWith("POST", "/login", map[string]string{"username": "alice", "password": goodPass}, "", true); res.status != http.StatusForbidden {
		t.Fatalf("login without a CSRF token: %d", res.status)
	}
}

func TestLoginSetsLastLogin(t *testing.T) {
	e := newEnv(t)
	alice := e.createUser("alice")
	if !e.stored(alice.ID).LastLogin.IsZero() {
		t.Fatal("a new user has a last_login")
	}
	e.clock.Advance(42 * time.Second)
	want := e.clock.Now()
	c := e.client("", "")
	c.login("alice", goodPass)
	if got := e.stored(alice.ID).LastLogin; !got.Equal(want) {
		t.Fatalf("last_login = %v, want %v", got, want)
	}
	// Authenticate alone does not count as a login.
	e.clock.Advance(time.Second)
	if _, err := e.am().Authenticate(context.Background(), "alice", goodPass, ""); err != nil {
		t.Fatal(err)
	}
	if got := e.stored(alice.ID).LastLogin; !got.Equal(want) {
		t.Fatalf("Authenticate changed last_login to %v", got)
	}
}

// TestLoginStoresDjangoKeys: the session holds the user id as a string and the session auth hash of
// the password hash under the current secret key, as Django's login does.
func TestLoginStoresDjangoKeys(t *testing.T) {
	e := newEnv(t)
	alice := e.createUser("alice")
	c := e.client("agent/1.0", "198.51.100.7")
	c.login("alice", goodPass)
	rec, ok := e.record(c.cookies["sessionid"])
	if !ok {
		t.Fatal("no session record")
	}
	var h string
	if err := json.Unmarshal(rec.Data[auth.HashSessionKey], &h); err != nil {
		t.Fatal(err)
	}
	if h != auth.SessionAuthHash(testSecret, alice.Password) || len(h) != 64 {
		t.Fatalf("%s = %q, want the session auth hash", auth.HashSessionKey, h)
	}
	if rec.UserID != strconv.FormatInt(alice.ID, 10) || rec.IP != "198.51.100.7" || rec.UserAgent != "agent/1.0" {
		t.Fatalf("record %+v", rec)
	}
}

func TestSessionUserAnonymous(t *testing.T) {
	e := newEnv(t)
	c := e.client("", "")
	if status, _ := c.me(); status != http.StatusUnauthorized {
		t.Fatalf("/me without a session: %d", status)
	}
	c.csrf()
	c.send("POST", "/data?k=a&v=b", nil)
	if status, _ := c.me(); status != http.StatusUnauthorized {
		t.Fatalf("/me with an anonymous session: %d", status)
	}
	if c.cookies["sessionid"] == "" {
		t.Fatal("an anonymous session was flushed by SessionUser")
	}
	// Outside a session.Manager: nil user, no error.
	r, _ := http.NewRequest("GET", "/", nil)
	if u, err := e.am().SessionUser(r); u != nil || err != nil {
		t.Fatalf("SessionUser without a session: %v, %v", u, err)
	}
}

// TestSessionUserPasswordChangedOutOfBand covers PWD-03: a password hash changed directly in the store
// makes the next request anonymous and deletes the session cookie and record.
func TestSessionUserPasswordChangedOutOfBand(t *testing.T) {
	e := newEnv(t)
	alice := e.createUser("alice")
	c := e.client("", "")
	c.login("alice", goodPass)
	key := c.cookies["sessionid"]
	enc, err := e.hasher.Hash(context.Background(), "set-by-an-admin-123")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.UpdateUser(context.Background(), alice.ID, auth.UserChange{Password: &enc}); err != nil {
		t.Fatal(err)
	}
	res := c.send("GET", "/me", nil)
	if res.status != http.StatusUnauthorized {
		t.Fatalf("PWD-03: /me after an out-of-band password change: %d", res.status)
	}
	if _, _, deleted := res.setCookie("sessionid"); !deleted {
		t.Fatal("the session cookie was not deleted")
	}
	if _, ok := e.record(key); ok {
		t.Fatal("the session record survived")
	}
}

func TestSessionUserDeactivated(t *testing.T) {
	e := newEnv(t)
	alice := e.createUser("alice")
	c := e.client("", "")
	c.login("alice", goodPass)
	key := c.cookies["sessionid"]
	f := false
	if err := e.st.UpdateUser(context.Background(), alice.ID, auth.UserChange{IsActive: &f}); err != nil {
		t.Fatal(err)
	}
	if status, _ := c.me(); status != http.StatusUnauthorized {
		t.Fatalf("/me of a deactivated user: %d", status)
	}
	if _, ok := e.record(key); ok {
		t.Fatal("the deactivated user's session survived")
	}
	// Reactivated: the flushed session stays dead.
	tr := true
	e.st.UpdateUser(context.Background(), alice.ID, auth.UserChange{IsActive: &tr})
	if status, _ := e.meWithKey(key); status != http.StatusUnauthorized {
		t.Fatal("the session came back after reactivation")
	}
}

// TestSessionUserUnknownUser: sessions naming a user that does not exist (deleted), or a malformed id,
// are anonymous and flushed.
func TestSessionUserUnknownUser(t *testing.T) {
	e := newEnv(t)
	alice := e.createUser("alice")
	for _, id := range []string{"999999", "0", "-1", "abc", strconv.FormatInt(alice.ID, 10) + " ", "1e3"} {
		c := e.client("", "")
		c.csrf()
		q := url.Values{"id": {id}, "hash": {auth.SessionAuthHash(testSecret, alice.Password)}}
		if res := c.send("POST", "/plant?"+q.Encode(), nil); res.status != http.StatusNoContent {
			t.Fatalf("plant: %d", res.status)
		}
		key := c.cookies["sessionid"]
		res := c.send("GET", "/me", nil)
		if res.status != http.StatusUnauthorized {
			t.Fatalf("user id %q: /me %d %s", id, res.status, res.body)
		}
		if _, _, deleted := res.setCookie("sessionid"); !deleted {
			t.Fatalf("user id %q: cookie not deleted", id)
		}
		if _, ok := e.record(key); ok {
			t.Fatalf("user id %q: record survived", id)
		}
	}
	// A session claiming alice without her hash is refused too.
	for _, hash := range []string{"", "00", auth.SessionAuthHash("another-secret-key-entirely-xxxxxxxx", alice.Password)} {
		c := e.client("", "")
		c.csrf()
		c.send("POST", "/plant?"+url.Values{"id": {strconv.FormatInt(alice.ID, 10)}, "hash": {hash}}.Encode(), nil)
		if status, _ := c.me(); status != http.StatusUnauthorized {
			t.Fatalf("session with hash %q accepted", hash)
		}
	}
}

// TestSecretKeyFallbacks: a session hashed under a retired key listed in SecretKeyFallbacks is accepted
// and moved to the current key (new session key, hash under the current secret); a session hashed
// under a key that is no longer listed is refused.
func TestSecretKeyFallbacks(t *testing.T) {
	const oldKey = "the-old-secret-key-0123456789-abcdefghij"
	const newKey = "the-new-secret-key-0123456789-abcdefghij"
	e := newEnv(t)
	alice := e.createUser("alice")
	e.mgr.Store(e.newManager(oldKey))
	c := e.client("", "")
	c.login("alice", goodPass)
	before := c.cookies["sessionid"]

	e.mgr.Store(e.newManager(newKey, "unrelated-fallback-key-xxxxxxxxxxxxxxxx", oldKey))
	res := c.send("GET", "/me", nil)
	if res.status != http.StatusOK {
		t.Fatalf("/me with a session hashed under a fallback key: %d %s", res.status, res.body)
	}
	after := c.cookies["sessionid"]
	if after == before {
		t.Fatal("the session key was not cycled when the hash was upgraded")
	}
	rec, ok := e.record(after)
	if !ok {
		t.Fatal("no record under the new key")
	}
	if got := string(rec.Data[auth.HashSessionKey]); got != `"`+auth.SessionAuthHash(newKey, alice.Password)+`"` {
		t.Fatalf("stored hash %s is not the current key's", got)
	}
	if _, ok := e.record(before); ok {
		t.Fatal("the record under the old session key survived")
	}
	// Now valid without the fallback.
	e.mgr.Store(e.newManager(newKey))
	if status, _ := c.me(); status != http.StatusOK {
		t.Fatalf("/me after the upgrade, without fallbacks: %d", status)
	}

	// A session hashed under a key nobody lists any more is refused and flushed.
	e.mgr.Store(e.newManager(oldKey))
	d := e.client("", "")
	d.login("alice", goodPass)
	e.mgr.Store(e.newManager(newKey, "some-other-retired-key-xxxxxxxxxxxxxxxx"))
	if status, _ := d.me(); status != http.StatusUnauthorized {
		t.Fatalf("/me with a session hashed under an unknown key: %d", status)
	}
}

// TestLogout covers OUT-01, OUT-02 (cookie part) and OUT-04: the record is deleted before the answer,
// the cookie deleted, the old cookie replayed is anonymous; logout without a session is harmless.
func TestLogout(t *testing.T) {
	e := newEnv(t)
	e.createUser("alice")
	c := e.client("", "")
	c.login("alice", goodPass)
	key := c.cookies["sessionid"]
	csrfBefore := c.cookies["csrftoken"]
	res := c.send("POST", "/logout", nil)
	if res.status != http.StatusNoContent {
		t.Fatalf("logout: %d %s", res.status, res.body)
	}
	if _, _, deleted := res.setCookie("sessionid"); !deleted {
		t.Fatal("OUT-02: logout did not delete the session cookie")
	}
	if cc := res.header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("OUT-02: Cache-Control %q", cc)
	}
	if _, ok := e.record(key); ok {
		t.Fatal("OUT-01: the session record survived logout")
	}
	if status, _ := e.meWithKey(key); status != http.StatusUnauthorized {
		t.Fatalf("OUT-01: replayed cookie after logout: %d", status)
	}
	replay := e.client("", "")
	replay.cookies["sessionid"] = key
	replay.cookies["csrftoken"] = csrfBefore
	if res := replay.send("POST", "/password", map[string]string{"old_password": goodPass, "new_password": newPass}); res.status != http.StatusUnauthorized {
		t.Fatalf("OUT-01: unsafe request with the replayed cookie: %d", res.status)
	}
	// Django's logout does not touch the CSRF cookie.
	if _, set, _ := res.setCookie("csrftoken"); set {
		t.Fatal("logout changed the CSRF cookie")
	}
	// OUT-04: twice, without a session, with garbage: no error, no new session.
	before := e.st.Len()
	for _, cookie := range []string{"", key, "garbage", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"} {
		x := e.client("", "")
		x.csrf()
		if cookie != "" {
			x.cookies["sessionid"] = cookie
		}
		if res := x.send("POST", "/logout", nil); res.status != http.StatusNoContent {
			t.Fatalf("logout with cookie %q: %d", cookie, res.status)
		}
	}
	if e.st.Len() != before {
		t.Fatalf("logouts created sessions: %d → %d records", before, e.st.Len())
	}
}

// TestLogoutRacingRequest covers CC-01: a request that loaded the session before a logout and writes it
// afterwards must not bring it back.
func TestLogoutRacingRequest(t *testing.T) {
	e := newEnv(t)
	e.createUser("alice")
	started := make(chan struct{})
	proceed := make(chan struct{})
	e.mux.HandleFunc("POST /slow", func(w http.ResponseWriter, r *http.Request) {
		u := e.user(w, r)
		if u == nil {
			return
		}
		started <- struct{}{}
		<-proceed
		if err := session.From(r).Set("slow", "written after logout"); err != nil {
			writeErr(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	c := e.client("", "")
	c.login("alice", goodPass)
	key := c.cookies["sessionid"]

	slow := make(chan *response, 1)
	go func() {
		s := e.client("", "")
		s.cookies["sessionid"] = key
		s.cookies["csrftoken"] = c.cookies["csrftoken"]
		slow <- s.sendWith("POST", "/slow", nil, c.cookies["csrftoken"], false)
	}()
	<-started
	if res := c.send("POST", "/logout", nil); res.status != http.StatusNoContent {
		t.Fatalf("logout: %d", res.status)
	}
	close(proceed)
	res := <-slow
	if res.status == http.StatusNoContent {
		t.Fatal("CC-01: the in-flight request saved the logged-out session")
	}
	if res.status != http.StatusBadRequest {
		t.Fatalf("in-flight request after logout: %d %s, want 400 (session interrupted)", res.status, res.body)
	}
	if _, ok := e.record(key); ok {
		t.Fatal("CC-01: the session was resurrected")
	}
	if status, _ := e.meWithKey(key); status != http.StatusUnauthorized {
		t.Fatal("CC-01: the logged-out cookie works again")
	}
}

// TestLogoutRacingWriters: logout released together with writers and readers of the same session, 20
// times; whatever the interleaving, the session ends dead.
func TestLogoutRacingWriters(t *testing.T) {
	e := newEnv(t, withoutThrottle())
	alice := e.createUser("alice")
	for round := range 20 {
		c := e.client("", "")
		c.login("alice", goodPass)
		key, tok := c.cookies["sessionid"], c.cookies["csrftoken"]
		barrier(9, func(i int) {
			x := e.client("", "")
			x.cookies["sessionid"], x.cookies["csrftoken"] = key, tok
			switch {
			case i == 0:
				x.send("POST", "/logout", nil)
			case i%2 == 0:
				x.send("POST", "/data?k=k"+strconv.Itoa(i)+"&v=1", nil)
			default:
				x.send("GET", "/me", nil)
			}
		})
		if _, ok := e.record(key); ok {
			t.Fatalf("round %d: the session survived a concurrent logout", round)
		}
		if status, _ := e.meWithKey(key); status != http.StatusUnauthorized {
			t.Fatalf("round %d: the cookie still authenticates", round)
		}
	}
	// No session of alice is left in the index.
	list, err := e.am().UserSessions(context.Background(), alice.ID, "")
	if err != nil || len(list) != 0 {
		t.Fatalf("alice has %d sessions left (%v)", len(list), err)
	}
}

// TestConcurrentLogins covers CC-06 at a small scale: parallel logins of several users give distinct
// keys, each naming its own user.
func TestConcurrentLogins(t *testing.T) {
	e := newEnv(t, withoutThrottle())
	names := []string{"u0", "u1", "u2", "u3"}
	for _, n := range names {
		e.createUser(n)
	}
	const n = 40
	keys := make([]string, n)
	var mu sync.Mutex
	var errs []string
	barrier(n, func(i int) {
		c := e.client("", "")
		c.csrf()
		res := c.send("POST", "/login", map[string]string{"username": names[i%len(names)], "password": goodPass})
		if res.status != http.StatusOK {
			mu.Lock()
			errs = append(errs, res.body)
			mu.Unlock()
			return
		}
		keys[i] = c.cookies["sessionid"]
	})
	if len(errs) > 0 {
		t.Fatalf("%d logins failed: %s", len(errs), errs[0])
	}
	seen := map[string]bool{}
	for i, k := range keys {
		if seen[k] {
			t.Fatal("two logins got the same session key")
		}
		seen[k] = true
		c := e.client("", "")
		c.cookies["sessionid"] = k
		if status, name := c.me(); status != 200 || name != names[i%len(names)] {
			t.Fatalf("key %d: /me = %d %q, want %q", i, status, name, names[i%len(names)])
		}
	}
}

// TestLoginRotationRace covers CC-03: requests carrying the pre-login key race the login; none of them
// ends up authenticated, the pre-login key is dead afterwards, and the login's key is the only
// authenticated successor.
func TestLoginRotationRace(t *testing.T) {
	e := newEnv(t, withoutThrottle())
	e.createUser("alice")
	for round := range 10 {
		c := e.client("", "")
		c.csrf()
		c.send("POST", "/data?k=a&v=1", nil)
		s0, tok := c.cookies["sessionid"], c.cookies["csrftoken"]
		var mu sync.Mutex
		var loginStatus int
		var loginKey string
		var others []string
		barrier(20, func(i int) {
			x := e.client("", "")
			x.cookies["sessionid"], x.cookies["csrftoken"] = s0, tok
			var res *response
			switch {
			case i == 0:
				res = x.send("POST", "/login", map[string]string{"username": "alice", "password": goodPass})
			case i%2 == 0:
				res = x.send("POST", "/data?k=b&v=2", nil)
			default:
				res = x.send("GET", "/me", nil)
			}
			v, set, deleted := res.setCookie("sessionid")
			mu.Lock()
			defer mu.Unlock()
			if i == 0 {
				loginStatus, loginKey = res.status, v
				return
			}
			if res.status == http.StatusOK && res.body != "" && i%2 == 1 {
				others = append(others, "authenticated:"+res.body)
			}
			if set && !deleted {
				others = append(others, v)
			}
		})
		if loginStatus != http.StatusOK || loginKey == "" || loginKey == s0 {
			t.Fatalf("round %d: login %d, key changed %v", round, loginStatus, loginKey != s0)
		}
		if _, ok := e.record(s0); ok {
			t.Fatalf("round %d: the pre-login key survived", round)
		}
		if status, _ := e.meWithKey(loginKey); status != http.StatusOK {
			t.Fatalf("round %d: the login's key does not authenticate", round)
		}
		for _, k := range others {
			if status, _ := e.meWithKey(k); status != http.StatusUnauthorized || len(k) != session.KeyLength {
				t.Fatalf("round %d: a racing request gained an authenticated session (%.60s)", round, k)
			}
		}
	}
}

// staleUsers stands for a store with a user cache that has not caught up yet: User answers the
// records in stale, UserUncached the store's own.
type staleUsers struct {
	*memory.Store
	mu    sync.Mutex
	stale map[int64]*auth.User
}

func (s *staleUsers) User(ctx context.Context, id int64) (*auth.User, error) {
	s.mu.Lock()
	u, ok := s.stale[id]
	s.mu.Unlock()
	if ok {
		c := *u
		return &c, nil
	}
	return s.Store.User(ctx, id)
}

func (s *staleUsers) set(id int64, u *auth.User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u == nil {
		delete(s.stale, id)
	} else {
		s.stale[id] = u
	}
}

func (s *staleUsers) UserUncached(ctx context.Context, id int64) (*auth.User, error) {
	return s.Store.User(ctx, id)
}

// A cached user record older than the session (its password changed through another instance,
// inactive before a reactivation) does not log the session out: SessionUser re-reads the user
// through FreshUserReader first. A record that is really changed still ends the session.
func TestSessionUserRereadsBeforeFlushing(t *testing.T) {
	users := &staleUsers{stale: map[int64]*auth.User{}}
	e := newEnv(t, func(e *env, m *auth.Manager) { users.Store = e.st; m.Users = users })
	alice := e.createUser("alice")
	c := e.client("", "")
	c.login("alice", goodPass)

	old := *alice
	old.Password = "pbkdf2_sha256$1000$oldsalt$b2xkIGhhc2g="
	users.set(alice.ID, &old) // the cache still holds the hash from before the password change
	if status, name := c.me(); status != http.StatusOK || name != "alice" {
		t.Fatalf("with a stale cached hash: %d %q, want 200 alice", status, name)
	}
	inactive := *alice
	inactive.IsActive = false
	users.set(alice.ID, &inactive)
	if status, _ := c.me(); status != http.StatusOK {
		t.Fatalf("with a stale cached deactivation: %d, want 200", status)
	}

	// Really changed: the fresh read agrees with the cache and the session ends.
	enc, err := e.hasher.Hash(context.Background(), "set-by-an-admin-123")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.UpdateUser(context.Background(), alice.ID, auth.UserChange{Password: &enc}); err != nil {
		t.Fatal(err)
	}
	users.set(alice.ID, nil)
	if status, _ := c.me(); status != http.StatusUnauthorized {
		t.Fatalf("after a real password change: %d, want 401", status)
	}
}
