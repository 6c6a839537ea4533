package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/auth/password"
	"github.com/sessionauth/sessionauth/throttle"
)

func fieldErrors(t *testing.T, res *response) map[string][]string {
	t.Helper()
	var fe map[string][]string
	if err := json.Unmarshal([]byte(res.body), &fe); err != nil {
		t.Fatalf("body %q is not field errors: %v", res.body, err)
	}
	return fe
}

// TestChangePasswordWrongOld covers PWD-01: a wrong current password is a field error, the password is
// unchanged and the session continues.
func TestChangePasswordWrongOld(t *testing.T) {
	e := newEnv(t)
	alice := e.createUser("alice")
	c := e.client("", "")
	c.login("alice", goodPass)
	key := c.cookies["sessionid"]
	for _, old := range []string{"wrong", "", strings.Repeat("a", password.MaxLength+1)} {
		var res *response
		n := e.countHashes(func() {
			res = c.send("POST", "/password", map[string]string{"old_password": old, "new_password": newPass})
		})
		if res.status != http.StatusBadRequest {
			t.Fatalf("old password of %d bytes: %d %s", len(old), res.status, res.body)
		}
		fe := fieldErrors(t, res)
		if len(fe) != 1 || len(fe["old_password"]) == 0 {
			t.Fatalf("field errors %v, want only old_password", fe)
		}
		want := int64(1)
		if len(old) > password.MaxLength {
			want = 0
		}
		if n != want {
			t.Fatalf("old password of %d bytes cost %d hash computations, want %d", len(old), n, want)
		}
	}
	if e.stored(alice.ID).Password != alice.Password {
		t.Fatal("a failed change changed the password")
	}
	if c.cookies["sessionid"] != key {
		t.Fatal("a failed change cycled the session key")
	}
	if status, _ := c.me(); status != http.StatusOK {
		t.Fatal("a failed change ended the session")
	}
}

// TestChangePasswordWeak covers PWD-05 through ChangePassword: the validators' messages come back under
// new_password and nothing changes.
func TestChangePasswordWeak(t *testing.T) {
	e := newEnv(t, withoutThrottle())
	alice := e.createUser("alice")
	c := e.client("", "")
	c.login("alice", goodPass)
	attrs := password.Attributes{"username": "alice", "email address": "alice@example.com"}
	for _, weak := range []string{"123", "password", "12345678901", "alice@example.com", "alice1"} {
		res := c.send("POST", "/password", map[string]string{"old_password": goodPass, "new_password": weak})
		if res.status != http.StatusBadRequest {
			t.Fatalf("new password %q: %d %s", weak, res.status, res.body)
		}
		var want password.ValidationError
		if err := password.Validate(weak, attrs, password.DefaultValidators()...); !errors.As(err, &want) {
			t.Fatalf("password.Validate(%q) = %v; the test expects it to be refused", weak, err)
		}
		fe := fieldErrors(t, res)
		if len(fe) != 1 || !reflect.DeepEqual(fe["new_password"], []string(want)) {
			t.Fatalf("new password %q: field errors %v, want new_password: %q", weak, fe, want)
		}
	}
	if e.stored(alice.ID).Password != alice.Password {
		t.Fatal("a refused new password was stored")
	}
	// Over-long new passwords are refused without hashing.
	var res *response
	n := e.countHashes(func() {
		res = c.send("POST", "/password", map[string]string{"old_password": goodPass, "new_password": strings.Repeat("z", password.MaxLength+1)})
	})
	if res.status != http.StatusBadRequest || len(fieldErrors(t, res)["new_password"]) == 0 || n != 1 {
		t.Fatalf("over-long new password: %d %s, %d hashes (want 400 new_password, 1 for the old password)", res.status, res.body, n)
	}
}

// TestChangePassword covers PWD-02, PWD-04 (documented: tokens are kept, as in DRF), PWD-06 (rotation)
// and OUT-05: the session that changed the password continues under a new key; every other session of
// the user is rejected and gone from the store; other users are untouched.
func TestChangePassword(t *testing.T) {
	e := newEnv(t)
	alice := e.createUser("alice")
	e.createUser("bob")
	tokenKey, _, err := e.am().CreateToken(context.Background(), alice.ID, "cli")
	if err != nil {
		t.Fatal(err)
	}
	a := e.client("laptop", "198.51.100.1")
	a.login("alice", goodPass)
	b := e.client("phone", "198.51.100.2")
	b.login("alice", goodPass)
	c := e.client("tablet", "198.51.100.3")
	c.login("alice", goodPass)
	bob := e.client("bob's", "198.51.100.4")
	bob.login("bob", goodPass)
	oldA, oldB, oldC := a.cookies["sessionid"], b.cookies["sessionid"], c.cookies["sessionid"]
	csrfA := a.cookies["csrftoken"]

	res := a.send("POST", "/password", map[string]string{"old_password": goodPass, "new_password": newPass})
	if res.status != http.StatusNoContent {
		t.Fatalf("change: %d %s", res.status, res.body)
	}
	newA, set, _ := res.setCookie("sessionid")
	if !set || newA == "" || newA == oldA {
		t.Fatal("the changing session did not get a new key")
	}
	if tok, set, _ := res.setCookie("csrftoken"); !set || tok == csrfA {
		t.Fatal("PWD-06: the CSRF secret was not rotated")
	}
	// The other sessions are deleted from the store by the change itself, before any of them is used
	// again (not only refused on their next request).
	others := map[string]string{"A's old key": oldA, "B": oldB, "C": oldC}
	for name, key := range others {
		if _, ok := e.record(key); ok {
			t.Fatalf("%s's record survived the change", name)
		}
	}
	if list, err := e.am().UserSessions(context.Background(), alice.ID, ""); err != nil || len(list) != 1 {
		t.Fatalf("alice has %d sessions in the store after the change (%v), want 1", len(list), err)
	}
	if status, name := a.me(); status != http.StatusOK || name != "alice" {
		t.Fatalf("the changing session: /me %d %q", status, name)
	}
	for name, key := range others {
		if status, _ := e.meWithKey(key); status != http.StatusUnauthorized {
			t.Fatalf("PWD-02: %s still authenticates after the change", name)
		}
	}
	if status, _ := b.me(); status != http.StatusUnauthorized {
		t.Fatal("PWD-02: client B still logged in")
	}
	if status, name := bob.me(); status != http.StatusOK || name != "bob" {
		t.Fatal("another user's session was ended")
	}
	// Only A's session is listed.
	list := sessions(t, a)
	if len(list) != 1 || !list[0].Current {
		t.Fatalf("sessions after the change: %+v", list)
	}
	// The stored hash is new and verifies the new password; logins follow.
	stored := e.stored(alice.ID).Password
	if stored == alice.Password {
		t.Fatal("password hash unchanged")
	}
	if ok, _, _ := e.hasher.Verify(context.Background(), newPass, stored); !ok {
		t.Fatal("the stored hash does not verify the new password")
	}
	if _, err := e.am().Authenticate(context.Background(), "alice", goodPass, ""); err != auth.ErrInvalidCredentials {
		t.Fatalf("old password after the change: %v", err)
	}
	d := e.client("", "")
	d.login("alice", newPass)
	// PWD-04: API tokens survive a password change (DRF's behaviour, documented on ChangePassword).
	if _, _, err := e.am().TokenUser(context.Background(), tokenKey); err != nil {
		t.Fatalf("token after a password change: %v", err)
	}
}

// TestChangePasswordInFlight covers CC-05: session B sends requests continuously while A changes the
// password; every B request that starts after A's change response is rejected.
func TestChangePasswordInFlight(t *testing.T) {
	e := newEnv(t)
	e.createUser("alice")
	a := e.client("", "")
	a.login("alice", goodPass)
	b := e.client("", "")
	b.login("alice", goodPass)
	keyB := b.cookies["sessionid"]

	var changed atomic.Bool
	stop := make(chan struct{})
	type result struct {
		afterChange bool
		status      int
	}
	var mu sync.Mutex
	var results []result
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := e.client("", "")
			for {
				select {
				case <-stop:
					return
				default:
				}
				after := changed.Load()
				x.cookies["sessionid"] = keyB
				res := x.sendWith("GET", "/me", nil, "", false)
				mu.Lock()
				results = append(results, result{after, res.status})
				mu.Unlock()
			}
		}()
	}
	// Let B's requests run, then change the password, then let B run on.
	waitFor := func(n int) {
		for {
			mu.Lock()
			got := len(results)
			mu.Unlock()
			if got >= n {
				return
			}
			runtime.Gosched()
		}
	}
	waitFor(20)
	res := a.send("POST", "/password", map[string]string{"old_password": goodPass, "new_password": newPass})
	changed.Store(true)
	if res.status != http.StatusNoContent {
		close(stop)
		wg.Wait()
		t.Fatalf("change: %d %s", res.status, res.body)
	}
	mu.Lock()
	n := len(results)
	mu.Unlock()
	waitFor(n + 40)
	close(stop)
	wg.Wait()
	before, after := 0, 0
	for _, r := range results {
		if !r.afterChange {
			before++
			continue
		}
		after++
		if r.status != http.StatusUnauthorized {
			t.Fatalf("CC-05: a B request started after the change got %d", r.status)
		}
	}
	if before == 0 || after < 40 {
		t.Fatalf("%d requests before and %d after the change", before, after)
	}
}

// TestPasswordChangeIsThrottled covers PWD-01/BF-05: current-password checks spend the same per-account
// budget as logins, in both directions.
func TestPasswordChangeIsThrottled(t *testing.T) {
	e := newEnv(t, withThrottle([]throttle.Rate{{N: 3, Period: time.Minute}}, []throttle.Rate{{N: 1000, Period: time.Minute}}))
	e.createUser("alice")
	c := e.client("", "")
	c.login("alice", goodPass) // spends 1, then a success clears the account
	for i := range 3 {
		res := c.send("POST", "/password", map[string]string{"old_password": "guess", "new_password": newPass})
		if res.status != http.StatusBadRequest {
			t.Fatalf("guess %d: %d %s", i, res.status, res.body)
		}
	}
	var res *response
	n := e.countHashes(func() {
		res = c.send("POST", "/password", map[string]string{"old_password": goodPass, "new_password": newPass})
	})
	if res.status != http.StatusTooManyRequests || n != 0 {
		t.Fatalf("4th current-password check: %d (%d hashes), want 429 without hashing", res.status, n)
	}
	// Logins of the account are throttled by the same counter.
	if _, err := e.am().Authenticate(context.Background(), "alice", goodPass, "203.0.113.9"); !isThrottled(err) {
		t.Fatalf("login after 3 failed password checks: %v, want throttled", err)
	}
	// And the other way round: failed logins throttle ChangePassword.
	e.clock.Advance(time.Minute)
	for range 3 {
		e.am().Authenticate(context.Background(), "alice", "guess", "203.0.113.9")
	}
	if res := c.send("POST", "/password", map[string]string{"old_password": goodPass, "new_password": newPass}); res.status != http.StatusTooManyRequests {
		t.Fatalf("password change after 3 failed logins: %d", res.status)
	}
}

// TestChangePasswordFailingThrottle: ST-04 — a throttle store failure refuses the change.
func TestChangePasswordFailingThrottle(t *testing.T) {
	e := newEnv(t)
	alice := e.createUser("alice")
	c := e.client("", "")
	c.login("alice", goodPass)
	m := e.newManager(testSecret)
	m.Throttle = &auth.LoginThrottle{Store: failingThrottle{}}
	e.mgr.Store(m)
	res := c.send("POST", "/password", map[string]string{"old_password": goodPass, "new_password": newPass})
	if res.status != http.StatusServiceUnavailable {
		t.Fatalf("change with the throttle store down: %d %s", res.status, res.body)
	}
	if e.stored(alice.ID).Password != alice.Password {
		t.Fatal("password changed while the throttle store was down")
	}
}
