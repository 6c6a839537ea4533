package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/session"
)

// sessions lists the client's user's sessions through GET /sessions.
func sessions(t *testing.T, c *client) []auth.SessionInfo {
	t.Helper()
	res := c.send("GET", "/sessions", nil)
	if res.status != http.StatusOK {
		t.Fatalf("GET /sessions: %d %s", res.status, res.body)
	}
	var list []auth.SessionInfo
	if err := json.Unmarshal([]byte(res.body), &list); err != nil {
		t.Fatal(err)
	}
	return list
}

func byUA(list []auth.SessionInfo, ua string) (auth.SessionInfo, bool) {
	for _, s := range list {
		if s.UserAgent == ua {
			return s, true
		}
	}
	return auth.SessionInfo{}, false
}

// TestUserSessions covers OUT-05 (listing): each session shows its address, User-Agent and whether it
// is the caller's; the JSON carries neither a cookie value nor a store id.
func TestUserSessions(t *testing.T) {
	e := newEnv(t)
	e.createUser("alice")
	e.createUser("bob")
	a := e.client("Laptop/1.0", "198.51.100.1")
	a.login("alice", goodPass)
	b := e.client("Phone/2.0", "2001:db8::2")
	b.login("alice", goodPass)
	bob := e.client("Bob/1.0", "198.51.100.9")
	bob.login("bob", goodPass)

	res := a.send("GET", "/sessions", nil)
	for _, key := range []string{a.cookies["sessionid"], b.cookies["sessionid"], bob.cookies["sessionid"]} {
		for _, secret := range []string{key, session.HashKey(key)} {
			if strings.Contains(res.body, secret) {
				t.Fatalf("the session list shows a raw key or store id: %s", res.body)
			}
		}
	}
	list := sessions(t, a)
	if len(list) != 2 {
		t.Fatalf("alice has %d sessions listed, want 2: %+v", len(list), list)
	}
	la, okA := byUA(list, "Laptop/1.0")
	lb, okB := byUA(list, "Phone/2.0")
	if !okA || !okB || la.IP != "198.51.100.1" || lb.IP != "2001:db8::2" {
		t.Fatalf("list %+v", list)
	}
	if !la.Current || lb.Current {
		t.Fatalf("current flags: laptop %v, phone %v (asked from the laptop)", la.Current, lb.Current)
	}
	if la.ID == lb.ID || len(la.ID) != 20 || la.ID != session.PublicID(session.HashKey(a.cookies["sessionid"])) {
		t.Fatalf("public ids %q %q", la.ID, lb.ID)
	}
	if la.Created.IsZero() || la.Expires.Before(la.LastSeen) {
		t.Fatalf("times %+v", la)
	}
	// From the phone the flags swap.
	list = sessions(t, b)
	if s, _ := byUA(list, "Phone/2.0"); !s.Current {
		t.Fatal("the phone's own session is not marked current")
	}
	// Without a per-user index, listing is refused with ErrNoSessionIndex.
	m := &auth.Manager{Users: e.st, Sessions: &session.Manager{Store: noIndex{e.st}}, SecretKey: testSecret}
	if _, err := m.UserSessions(context.Background(), 1, ""); !errors.Is(err, auth.ErrNoSessionIndex) {
		t.Fatalf("UserSessions without an index: %v", err)
	}
}

// noIndex hides the store's UserIndex.
type noIndex struct{ session.Store }

// TestRevokeSession covers OUT-05/OUT-07: revoking by public id ends that session only; another user's
// public id (or a made-up one) is ErrSessionNotFound and leaves it alone.
func TestRevokeSession(t *testing.T) {
	e := newEnv(t)
	alice := e.createUser("alice")
	e.createUser("bob")
	a := e.client("A", "")
	a.login("alice", goodPass)
	b := e.client("B", "")
	b.login("alice", goodPass)
	bob := e.client("Bob", "")
	bob.login("bob", goodPass)
	bobsID := sessions(t, bob)[0].ID

	// Another user's session: 404, untouched.
	if res := a.send("DELETE", "/sessions/"+bobsID, nil); res.status != http.StatusNotFound {
		t.Fatalf("revoking bob's session as alice: %d", res.status)
	}
	if status, _ := bob.me(); status != http.StatusOK {
		t.Fatal("bob's session was revoked by alice")
	}
	if err := e.am().RevokeSession(context.Background(), alice.ID, bobsID); !errors.Is(err, auth.ErrSessionNotFound) {
		t.Fatalf("RevokeSession(alice, bob's id) = %v", err)
	}
	for _, id := range []string{"", "0000000000", strings.Repeat("f", 20), session.HashKey(b.cookies["sessionid"]), b.cookies["sessionid"]} {
		if err := e.am().RevokeSession(context.Background(), alice.ID, id); !errors.Is(err, auth.ErrSessionNotFound) {
			t.Fatalf("RevokeSession with %q = %v, want ErrSessionNotFound (only public ids)", id, err)
		}
	}
	if status, _ := b.me(); status != http.StatusOK {
		t.Fatal("B was revoked by a store id or key")
	}

	bID, _ := byUA(sessions(t, a), "B")
	if res := a.send("DELETE", "/sessions/"+bID.ID, nil); res.status != http.StatusNoContent {
		t.Fatalf("revoking B: %d %s", res.status, res.body)
	}
	if status, _ := b.me(); status != http.StatusUnauthorized {
		t.Fatal("B still works after being revoked")
	}
	if status, _ := a.me(); status != http.StatusOK {
		t.Fatal("A was ended by revoking B")
	}
	if res := a.send("DELETE", "/sessions/"+bID.ID, nil); res.status != http.StatusNotFound {
		t.Fatalf("revoking B twice: %d", res.status)
	}
}

func TestRevokeOtherSessions(t *testing.T) {
	e := newEnv(t)
	alice := e.createUser("alice")
	e.createUser("bob")
	clients := make([]*client, 4)
	for i := range clients {
		clients[i] = e.client("", "")
		clients[i].login("alice", goodPass)
	}
	bob := e.client("", "")
	bob.login("bob", goodPass)
	res := clients[0].send("POST", "/sessions/revoke-others", nil)
	if res.status != http.StatusOK || res.json(t)["revoked"] != float64(3) {
		t.Fatalf("revoke-others: %d %s", res.status, res.body)
	}
	if status, _ := clients[0].me(); status != http.StatusOK {
		t.Fatal("the calling session was revoked")
	}
	for i, c := range clients[1:] {
		if status, _ := c.me(); status != http.StatusUnauthorized {
			t.Fatalf("session %d survived revoke-others", i+1)
		}
	}
	if status, _ := bob.me(); status != http.StatusOK {
		t.Fatal("bob's session was revoked")
	}

	// RevokeUserSessions: keep must be one of the user's public ids; "" keeps none.
	ctx := context.Background()
	if _, err := e.am().RevokeUserSessions(ctx, alice.ID, "ffffffffffffffffffff"); !errors.Is(err, auth.ErrSessionNotFound) {
		t.Fatalf("RevokeUserSessions with an unknown keep: %v", err)
	}
	if status, _ := clients[0].me(); status != http.StatusOK {
		t.Fatal("a refused RevokeUserSessions revoked anyway")
	}
	n, err := e.am().RevokeUserSessions(ctx, alice.ID, "")
	if err != nil || n != 1 {
		t.Fatalf("RevokeUserSessions(alice, \"\") = %d, %v; want 1", n, err)
	}
	if status, _ := clients[0].me(); status != http.StatusUnauthorized {
		t.Fatal("the last session survived RevokeUserSessions")
	}
}

// TestSetActiveFalse covers OUT-06: deactivating an account ends every session and deletes every API
// token at once; reactivating does not bring them back.
func TestSetActiveFalse(t *testing.T) {
	e := newEnv(t)
	alice := e.createUser("alice")
	bob := e.createUser("bob")
	ctx := context.Background()
	a := e.client("", "")
	a.login("alice", goodPass)
	b := e.client("", "")
	b.login("alice", goodPass)
	keys := []string{a.cookies["sessionid"], b.cookies["sessionid"]}
	tok1, _, err := e.am().CreateToken(ctx, alice.ID, "one")
	if err != nil {
		t.Fatal(err)
	}
	tok2, _, _ := e.am().CreateToken(ctx, alice.ID, "two")
	bobTok, _, _ := e.am().CreateToken(ctx, bob.ID, "bob")

	if err := e.am().SetActive(ctx, alice.ID, false); err != nil {
		t.Fatal(err)
	}
	for _, key := range keys {
		if _, ok := e.record(key); ok {
			t.Fatal("a session record survived deactivation")
		}
		if status, _ := e.meWithKey(key); status != http.StatusUnauthorized {
			t.Fatal("a session works after deactivation")
		}
	}
	for _, k := range []string{tok1, tok2} {
		if _, _, err := e.am().TokenUser(ctx, k); !errors.Is(err, auth.ErrTokenNotFound) {
			t.Fatalf("token after deactivation: %v, want ErrTokenNotFound", err)
		}
	}
	if _, _, err := e.am().TokenUser(ctx, bobTok); err != nil {
		t.Fatalf("bob's token: %v", err)
	}
	if _, err := e.am().Authenticate(ctx, "alice", goodPass, ""); err != auth.ErrInvalidCredentials {
		t.Fatalf("login while inactive: %v", err)
	}
	if err := e.am().SetActive(ctx, alice.ID, true); err != nil {
		t.Fatal(err)
	}
	if status, _ := e.meWithKey(keys[0]); status != http.StatusUnauthorized {
		t.Fatal("a session came back on reactivation")
	}
	if _, _, err := e.am().TokenUser(ctx, tok1); !errors.Is(err, auth.ErrTokenNotFound) {
		t.Fatal("a token came back on reactivation")
	}
	a.login("alice", goodPass)
	if err := e.am().SetActive(ctx, 999999, false); !errors.Is(err, auth.ErrUserNotFound) {
		t.Fatalf("SetActive of a missing user: %v", err)
	}
}

// TestSetPassword: the administrators' SetPassword validates, stores and ends every session.
func TestSetPassword(t *testing.T) {
	e := newEnv(t)
	alice := e.createUser("alice")
	a := e.client("", "")
	a.login("alice", goodPass)
	ctx := context.Background()
	var fe auth.FieldErrors
	if err := e.am().SetPassword(ctx, alice, "123"); !errors.As(err, &fe) || len(fe["password"]) == 0 {
		t.Fatalf("SetPassword with a weak password: %v", err)
	}
	if status, _ := a.me(); status != http.StatusOK {
		t.Fatal("a refused SetPassword ended the session")
	}
	if err := e.am().SetPassword(ctx, alice, newPass); err != nil {
		t.Fatal(err)
	}
	if status, _ := a.me(); status != http.StatusUnauthorized {
		t.Fatal("the session survived SetPassword")
	}
	a.login("alice", newPass)
}

// SessionsByUser lists several users' sessions at once (the CLI's sessions list); through the index
// here, since the memory store is no session.Lister (store/djangodb tests the one-pass path).
func TestSessionsByUser(t *testing.T) {
	e := newEnv(t)
	alice, bob, carol := e.createUser("alice"), e.createUser("bob"), e.createUser("carol")
	for _, name := range []string{"alice", "alice", "bob"} {
		e.client(name+"-agent", "192.0.2.1").login(name, goodPass)
	}
	got, err := e.am().SessionsByUser(context.Background(), []int64{alice.ID, bob.ID, carol.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(got[alice.ID]) != 2 || len(got[bob.ID]) != 1 || len(got[carol.ID]) != 0 {
		t.Fatalf("SessionsByUser: alice %d, bob %d, carol %d sessions; want 2, 1, 0", len(got[alice.ID]), len(got[bob.ID]), len(got[carol.ID]))
	}
	if got[bob.ID][0].UserAgent != "bob-agent" || got[bob.ID][0].ID == "" {
		t.Fatalf("bob's session: %+v", got[bob.ID][0])
	}
}
