package e2e

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
)

const msgLoginFailed = `{"detail":"Unable to log in with provided credentials."}`

// expectThrottled checks a 429 with an integer Retry-After in (0, maxWait] and DRF's message
// giving the same number of seconds.
func expectThrottled(t *testing.T, r *response, maxWait int, what string) int {
	t.Helper()
	expect(t, r, http.StatusTooManyRequests, what)
	ra := r.Header.Get("Retry-After")
	n, err := strconv.Atoi(ra)
	if err != nil || n < 1 || n > maxWait {
		t.Fatalf("%s: Retry-After %q, want whole seconds in [1, %d]", what, ra, maxWait)
	}
	unit := "seconds"
	if n == 1 {
		unit = "second"
	}
	expectBody(t, r, http.StatusTooManyRequests, fmt.Sprintf(`{"detail":"Request was throttled. Expected available in %d %s."}`, n, unit), what)
	if r.setCookie("sessionid") != nil {
		t.Errorf("%s: a throttled login set a session cookie", what)
	}
	return n
}

// --login-rate limits attempts per account: the 4th attempt in a minute is refused with 429, even
// with the right password, and unknown usernames are throttled exactly like known ones (checklist
// BF-01, BF-06c, BF-08).
func TestLoginThrottlePerAccount(t *testing.T) {
	t.Parallel()
	_, srv := start(t, "--login-rate", "3/min")
	for _, user := range []string{"alice", "nobody-at-all"} {
		for i := range 3 {
			expectBody(t, srv.client().login(user, "wrong-password-"+strconv.Itoa(i)), http.StatusBadRequest, msgLoginFailed, fmt.Sprintf("%s attempt %d", user, i+1))
		}
		expectThrottled(t, srv.client().login(user, "wrong-password-x"), 60, user+" attempt 4")
	}
	expectThrottled(t, srv.client().login("alice", alicePassword), 60, "alice with the right password")
	// The username is normalised (NFKC) before counting: full-width letters are the same account.
	// Case is significant, as in Django: "ALICE" is another (unknown) account.
	expectThrottled(t, srv.client().login("ａｌｉｃｅ", alicePassword), 60, "full-width alice")
	expectBody(t, srv.client().login("ALICE", alicePassword), http.StatusBadRequest, msgLoginFailed, "ALICE")
	// Other accounts are not affected.
	expect(t, srv.client().login("bob", bobPassword), http.StatusOK, "bob")
	// A success clears the account's count.
	b := srv.client()
	expect(t, b.login("bob", "wrong-password-1"), http.StatusBadRequest, "bob wrong 1")
	expect(t, b.login("bob", "wrong-password-2"), http.StatusBadRequest, "bob wrong 2")
	expect(t, b.login("bob", bobPassword), http.StatusOK, "bob right")
	expect(t, b.login("bob", "wrong-password-3"), http.StatusBadRequest, "bob wrong after success")

	m := srv.client().get("/metrics")
	if v, _ := metric(string(m.body), `sessionauth_logins_total{result="throttled"}`); v != 4 {
		t.Errorf("throttled logins metric %v, want 4", v)
	}
}

// Wrong old passwords on POST /api/auth/password count against the same budget as logins: it is a
// password oracle too (checklist PWD-01, BF-05).
func TestPasswordChangeThrottled(t *testing.T) {
	t.Parallel()
	_, srv := start(t, "--login-rate", "3/min")
	c := srv.loggedIn("bob", bobPassword)
	body := func(old string) map[string]any {
		return map[string]any{"old_password": old, "new_password": "bob-N3w-passphrase-e2e"}
	}
	for i := range 3 {
		expect(t, c.post("/api/auth/password", body("wrong-old-"+strconv.Itoa(i))), http.StatusBadRequest, fmt.Sprintf("wrong old password %d", i+1))
	}
	expectThrottled(t, c.post("/api/auth/password", body(bobPassword)), 60, "4th password change")
	expectThrottled(t, srv.client().login("bob", bobPassword), 60, "login after the password guesses")
	expect(t, c.get("/api/auth/me"), http.StatusOK, "the session survives throttling")
}

// Attempts are counted atomically: 10 parallel guesses against a limit of 3 give exactly 3
// password checks (checklist BF-04).
func TestLoginThrottleAtomic(t *testing.T) {
	t.Parallel()
	_, srv := start(t, "--login-rate", "3/min")
	var wg sync.WaitGroup
	gate := make(chan struct{})
	statuses := make([]int, 10)
	clients := make([]*client, 10)
	tokens := make([]string, 10)
	for i := range clients {
		clients[i] = srv.client()
		tokens[i] = clients[i].csrf()
	}
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			r := clients[i].post("/api/auth/login", map[string]any{"username": "alice", "password": "wrong-password"}, "X-CSRFToken", tokens[i])
			statuses[i] = r.StatusCode
		}()
	}
	close(gate)
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	if count[http.StatusBadRequest] != 3 || count[http.StatusTooManyRequests] != 7 {
		t.Fatalf("10 parallel attempts with a limit of 3: statuses %v, want 3×400 and 7×429", count)
	}
}

// localClient returns a client whose connections come from the loopback address ip (any of
// 127.0.0.0/8 works on Linux), so the server sees another client address.
func (srv *server) localClient(t *testing.T, ip string) *client {
	c := srv.client()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	c.hc.Transport = &http.Transport{DialContext: d.DialContext}
	t.Cleanup(c.hc.CloseIdleConnections)
	return c
}

// --login-address-rate limits attempts per client address across usernames (password spraying);
// X-Forwarded-For is not believed unless the peer is a trusted proxy (checklist BF-02, BF-03).
func TestLoginThrottlePerAddress(t *testing.T) {
	t.Parallel()
	_, srv := start(t, "--login-address-rate", "3/min", "--login-rate", "100/min")
	for i := range 3 {
		c := srv.client()
		expect(t, c.login(fmt.Sprintf("user%d", i), "some-password"), http.StatusBadRequest, fmt.Sprintf("attempt %d", i+1))
	}
	expectThrottled(t, srv.client().login("alice", alicePassword), 60, "4th attempt from the address, right password")
	c := srv.client()
	c.Header.Set("X-Forwarded-For", "203.0.113.9")
	expectThrottled(t, c.login("bob", bobPassword), 60, "with a forged X-Forwarded-For")

	// Another address is not throttled.
	other := srv.localClient(t, "127.0.0.2")
	expect(t, other.login("alice", alicePassword), http.StatusOK, "login from 127.0.0.2")
}

// With --trusted-proxies, the proxy's X-Forwarded-For names the client.
func TestLoginThrottleTrustedProxy(t *testing.T) {
	t.Parallel()
	_, srv := start(t, "--login-address-rate", "2/min", "--login-rate", "100/min", "--trusted-proxies", "127.0.0.1/32")
	for i := range 2 {
		c := srv.client()
		c.Header.Set("X-Forwarded-For", "203.0.113.9")
		expect(t, c.login("nobody", "some-password"), http.StatusBadRequest, fmt.Sprintf("attempt %d from 203.0.113.9", i+1))
	}
	c := srv.client()
	c.Header.Set("X-Forwarded-For", "203.0.113.9")
	expectThrottled(t, c.login("nobody", "some-password"), 60, "3rd attempt from 203.0.113.9")
	d := srv.client()
	d.Header.Set("X-Forwarded-For", "203.0.113.10")
	expect(t, d.login("alice", alicePassword), http.StatusOK, "login from 203.0.113.10")

	// The session records the forwarded address.
	r := d.get("/api/auth/sessions")
	var list []map[string]any
	r.json(t, &list)
	if len(list) != 1 || list[0]["ip"] != "203.0.113.10" {
		t.Errorf("sessions %s: want ip 203.0.113.10", r)
	}
	// A proxy that is not trusted is not believed.
	e := srv.localClient(t, "127.0.0.3")
	e.Header.Set("X-Forwarded-For", "203.0.113.11")
	expect(t, e.login("alice", alicePassword), http.StatusOK, "login from 127.0.0.3")
	r = e.get("/api/auth/sessions")
	list = nil
	r.json(t, &list)
	for _, s := range list {
		if s["current"] == true && s["ip"] != "127.0.0.3" {
			t.Errorf("session from an untrusted peer has ip %v, want 127.0.0.3", s["ip"])
		}
	}
}
