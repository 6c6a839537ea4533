package auth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/throttle"
)

func isThrottled(err error) bool {
	var th *auth.ThrottledError
	return errors.As(err, &th)
}

func perMinute(n int) []throttle.Rate { return []throttle.Rate{{N: n, Period: time.Minute}} }

// TestLoginThrottleParallel covers BF-04/CC-04: 100 wrong-password attempts on one account released
// together, account limit 10 → at most 10 password verifications and at least 90 throttled answers.
// Each attempt comes from its own address, so only the account limit applies.
func TestLoginThrottleParallel(t *testing.T) {
	e := newEnv(t, withThrottle(perMinute(10), perMinute(1000)))
	ctx := context.Background()
	for round := range 5 {
		name := fmt.Sprintf("victim%d", round)
		e.createUser(name)
		var throttled, invalid atomic.Int32
		var other atomic.Value
		n := e.countHashes(func() {
			barrier(100, func(i int) {
				_, err := e.am().Authenticate(ctx, name, "guess"+strconv.Itoa(i), fmt.Sprintf("10.%d.%d.%d", round, i/250, i%250))
				switch {
				case isThrottled(err):
					throttled.Add(1)
				case err == auth.ErrInvalidCredentials:
					invalid.Add(1)
				default:
					other.Store(fmt.Sprint(err))
				}
			})
		})
		if v := other.Load(); v != nil {
			t.Fatalf("round %d: unexpected result %v", round, v)
		}
		if n > 10 || throttled.Load() < 90 {
			t.Fatalf("round %d: %d hash computations, %d throttled, %d refused; want ≤ 10 and ≥ 90 throttled", round, n, throttled.Load(), invalid.Load())
		}
		if int64(invalid.Load()) != n {
			t.Fatalf("round %d: %d ErrInvalidCredentials but %d hash computations", round, invalid.Load(), n)
		}
		// The right password is throttled too until the window passes.
		if _, err := e.am().Authenticate(ctx, name, goodPass, "192.0.2.250"); !isThrottled(err) {
			t.Fatalf("round %d: correct password during lockout: %v", round, err)
		}
	}
	// BF-06a: after the window, the right password works.
	e.clock.Advance(time.Minute)
	if _, err := e.am().Authenticate(ctx, "victim0", goodPass, "192.0.2.250"); err != nil {
		t.Fatalf("login after the window: %v", err)
	}
}

// TestLoginThrottleParallelHTTP is BF-04 through the server: 429 with Retry-After.
func TestLoginThrottleParallelHTTP(t *testing.T) {
	e := newEnv(t, withThrottle(perMinute(10), perMinute(1000)))
	e.createUser("alice")
	var mu sync.Mutex
	statuses := map[int]int{}
	retry := map[string]bool{}
	clients := make([]*client, 100)
	for i := range clients {
		clients[i] = e.client("", fmt.Sprintf("10.9.0.%d", i))
		clients[i].csrf()
	}
	n := e.countHashes(func() {
		barrier(100, func(i int) {
			res := clients[i].send("POST", "/login", map[string]string{"username": "alice", "password": "guess"})
			mu.Lock()
			statuses[res.status]++
			if res.status == http.StatusTooManyRequests {
				retry[res.header.Get("Retry-After")] = true
			}
			mu.Unlock()
		})
	})
	if n > 10 || statuses[http.StatusTooManyRequests] < 90 || statuses[http.StatusBadRequest]+statuses[http.StatusTooManyRequests] != 100 {
		t.Fatalf("%d hash computations, statuses %v", n, statuses)
	}
	// The clock does not move: the wait is the whole window spread over one free slot.
	if len(retry) != 1 || !retry["60"] {
		t.Fatalf("Retry-After values %v, want 60", retry)
	}
}

// TestLoginThrottlePerAddress covers BF-02: one address spraying many usernames (known and unknown) is
// stopped by the address limit; another address is not.
func TestLoginThrottlePerAddress(t *testing.T) {
	e := newEnv(t, withThrottle(perMinute(100), perMinute(5)))
	ctx := context.Background()
	for i := range 10 {
		e.createUser(fmt.Sprintf("user%d", i))
	}
	var results []string
	n := e.countHashes(func() {
		for i := range 20 {
			_, err := e.am().Authenticate(ctx, fmt.Sprintf("user%d", i), "Summer2024!", "203.0.113.5")
			switch {
			case isThrottled(err):
				results = append(results, "T")
			case err == auth.ErrInvalidCredentials:
				results = append(results, "I")
			default:
				t.Fatalf("attempt %d: %v", i, err)
			}
		}
	})
	if got := fmt.Sprint(results); got != "[I I I I I T T T T T T T T T T T T T T T]" {
		t.Fatalf("results %s", got)
	}
	if n != 5 {
		t.Fatalf("%d hash computations, want 5", n)
	}
	if _, err := e.am().Authenticate(ctx, "user9", goodPass, "203.0.113.6"); err != nil {
		t.Fatalf("another address: %v", err)
	}
	// A blocked address does not spend the targeted accounts' budgets: user0..user4 were tried once
	// each, user5..user19 not at all.
	if _, err := e.am().Authenticate(ctx, "user7", goodPass, "203.0.113.7"); err != nil {
		t.Fatalf("an account only targeted by a blocked address: %v", err)
	}
	// Without an address (clientIP ""), only the account limit applies.
	for range 3 {
		if _, err := e.am().Authenticate(ctx, "user3", "x", ""); err != auth.ErrInvalidCredentials {
			t.Fatalf("no address: %v", err)
		}
	}
}

// TestLoginThrottleUnknownUsers covers BF-06c and BF-08: an unknown username is throttled at the same
// threshold, with the same answers, the same hashing cost and the same wait as a real one.
func TestLoginThrottleUnknownUsers(t *testing.T) {
	e := newEnv(t, withThrottle(perMinute(3), perMinute(1000)))
	ctx := context.Background()
	e.createUser("alice")
	trace := func(name string) string {
		var out []string
		for i := range 6 {
			var err error
			n := e.countHashes(func() { _, err = e.am().Authenticate(ctx, name, "wrong", fmt.Sprintf("198.51.100.%d", i)) })
			var th *auth.ThrottledError
			switch {
			case errors.As(err, &th):
				out = append(out, fmt.Sprintf("throttled(%s,%d)", th.Wait, n))
			default:
				out = append(out, fmt.Sprintf("%v(%d)", err, n))
			}
		}
		return fmt.Sprint(out)
	}
	known, unknown := trace("alice"), trace("nobody")
	if known != unknown {
		t.Fatalf("known user:   %s\nunknown user: %s", known, unknown)
	}
	want := "[auth: invalid credentials(1) auth: invalid credentials(1) auth: invalid credentials(1) throttled(1m0s,0) throttled(1m0s,0) throttled(1m0s,0)]"
	if known != want {
		t.Fatalf("trace %s, want %s", known, want)
	}
	// Usernames are normalised before counting: "ａｌｉｃｅ" spends alice's budget.
	if _, err := e.am().Authenticate(ctx, "ａｌｉｃｅ", goodPass, "198.51.100.99"); !isThrottled(err) {
		t.Fatalf("full-width alias of a throttled account: %v", err)
	}
}

// TestLoginThrottleSuccessClears: a successful login clears the account's count (not the address's).
func TestLoginThrottleSuccessClears(t *testing.T) {
	e := newEnv(t, withThrottle(perMinute(3), perMinute(1000)))
	ctx := context.Background()
	e.createUser("alice")
	for range 2 {
		e.am().Authenticate(ctx, "alice", "wrong", "192.0.2.1")
	}
	if _, err := e.am().Authenticate(ctx, "alice", goodPass, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := e.am().Authenticate(ctx, "alice", "wrong", "192.0.2.1"); err != auth.ErrInvalidCredentials {
			t.Fatalf("failure %d after a success: %v (the count was not cleared)", i+1, err)
		}
	}
	if _, err := e.am().Authenticate(ctx, "alice", goodPass, "192.0.2.1"); !isThrottled(err) {
		t.Fatalf("4th attempt: %v", err)
	}
	// A failed attempt does not clear anything.
	e.clock.Advance(time.Minute)
	for range 3 {
		e.am().Authenticate(ctx, "alice", "wrong", "192.0.2.1")
	}
	if _, err := e.am().Authenticate(ctx, "alice", goodPass, "192.0.2.1"); !isThrottled(err) {
		t.Fatalf("after 3 failures: %v", err)
	}
}

// TestLoginThrottleWait: the wait reported is positive, at most the window, and shrinks as the oldest
// attempt ages (DRF's formula).
func TestLoginThrottleWait(t *testing.T) {
	e := newEnv(t, withThrottle(perMinute(2), perMinute(1000)))
	ctx := context.Background()
	e.createUser("alice")
	e.am().Authenticate(ctx, "alice", "wrong", "")
	e.clock.Advance(20 * time.Second)
	e.am().Authenticate(ctx, "alice", "wrong", "")
	e.clock.Advance(10 * time.Second)
	_, err := e.am().Authenticate(ctx, "alice", goodPass, "")
	var th *auth.ThrottledError
	if !errors.As(err, &th) {
		t.Fatalf("3rd attempt: %v", err)
	}
	if th.Wait != 30*time.Second {
		t.Fatalf("Wait = %s, want 30s (oldest attempt 30 s old in a 60 s window)", th.Wait)
	}
	if th.Error() == "" {
		t.Fatal("empty error text")
	}
	e.clock.Advance(29 * time.Second)
	_, err = e.am().Authenticate(ctx, "alice", goodPass, "")
	if !errors.As(err, &th) || th.Wait <= 0 || th.Wait > time.Second {
		t.Fatalf("1 s before the window opens: %v", err)
	}
	e.clock.Advance(time.Second)
	if _, err := e.am().Authenticate(ctx, "alice", goodPass, ""); err != nil {
		t.Fatalf("when the oldest attempt left the window: %v", err)
	}
}

// TestLoginThrottleDefaults: without rates, 5 a minute per account and 30 a minute per address.
func TestLoginThrottleDefaults(t *testing.T) {
	e := newEnv(t) // default LoginThrottle
	ctx := context.Background()
	e.createUser("alice")
	for i := range 5 {
		if _, err := e.am().Authenticate(ctx, "alice", "wrong", fmt.Sprint("192.0.2.", i)); err != auth.ErrInvalidCredentials {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	if _, err := e.am().Authenticate(ctx, "alice", goodPass, "192.0.2.99"); !isThrottled(err) {
		t.Fatalf("6th attempt in a minute: %v", err)
	}
	for i := range 30 {
		if _, err := e.am().Authenticate(ctx, fmt.Sprint("spray", i), "x", "198.51.100.1"); err != auth.ErrInvalidCredentials {
			t.Fatalf("address attempt %d: %v", i+1, err)
		}
	}
	if _, err := e.am().Authenticate(ctx, "spray99", "x", "198.51.100.1"); !isThrottled(err) {
		t.Fatalf("31st attempt from one address: %v", err)
	}
	// Defaults include 100 an hour per account (ASVS: at most 100 failures an hour).
	e.clock.Advance(time.Minute)
	for fails := 0; fails < 100; {
		for range 5 {
			if _, err := e.am().Authenticate(ctx, "bob", "x", fmt.Sprint("203.0.113.", fails)); err != auth.ErrInvalidCredentials {
				t.Fatalf("bob attempt %d: %v", fails+1, err)
			}
			fails++
		}
		e.clock.Advance(time.Minute)
	}
	if _, err := e.am().Authenticate(ctx, "bob", "x", "203.0.113.250"); !isThrottled(err) {
		t.Fatalf("101st attempt in an hour: %v", err)
	}
}

// TestLoginThrottleStoreDown covers ST-04: a failing throttle store refuses the attempt with an error —
// never a success, never ErrInvalidCredentials — and no password is checked.
func TestLoginThrottleStoreDown(t *testing.T) {
	e := newEnv(t, func(e *env, m *auth.Manager) { m.Throttle = &auth.LoginThrottle{Store: failingThrottle{}} })
	ctx := context.Background()
	e.createUser("alice")
	var u *auth.User
	var err error
	n := e.countHashes(func() { u, err = e.am().Authenticate(ctx, "alice", goodPass, "192.0.2.1") })
	if u != nil || err == nil || err == auth.ErrInvalidCredentials || isThrottled(err) || !errors.Is(err, errThrottleDown) {
		t.Fatalf("Authenticate with the throttle store down = %v, %v", u, err)
	}
	if n != 0 {
		t.Fatalf("%d hash computations with the throttle store down", n)
	}
	c := e.client("", "")
	c.csrf()
	if res := c.send("POST", "/login", map[string]string{"username": "alice", "password": goodPass}); res.status != http.StatusServiceUnavailable {
		t.Fatalf("login with the throttle store down: %d %s", res.status, res.body)
	}
	if c.cookies["sessionid"] != "" {
		t.Fatal("a session was created")
	}
	// LoginThrottle without a store is a configuration error.
	m := e.newManager(testSecret)
	m.Throttle = &auth.LoginThrottle{}
	if err := m.Validate(); err == nil {
		t.Fatal("Validate accepted a LoginThrottle without a store")
	}
}
