package auth_test

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/auth/password"
)

func TestAuthenticateSuccess(t *testing.T) {
	e := newEnv(t)
	alice := e.createUser("alice")
	var u *auth.User
	var err error
	n := e.countHashes(func() { u, err = e.am().Authenticate(context.Background(), "alice", goodPass, "192.0.2.1") })
	if err != nil || u == nil || u.ID != alice.ID {
		t.Fatalf("Authenticate = %v, %v; want alice", u, err)
	}
	if n != 1 {
		t.Fatalf("a successful login cost %d hash computations, want 1", n)
	}
	if u.Password != alice.Password {
		t.Fatal("an up-to-date hash was rewritten on login")
	}
}

// TestAuthenticateFailuresAreIdentical covers ENUM-01/ENUM-02 and PS-02/PS-04: every failure is the
// same error and costs exactly one hash computation, except over-long passwords (refused before any
// work).
func TestAuthenticateFailuresAreIdentical(t *testing.T) {
	e := newEnv(t, withoutThrottle())
	ctx := context.Background()
	am := e.am()
	e.createUser("alice")
	_, err := am.CreateUser(ctx, auth.NewUser{Username: "sleepy", Password: goodPass, Inactive: true})
	if err != nil {
		t.Fatal(err)
	}
	sso, err := am.CreateUser(ctx, auth.NewUser{Username: "sso", Password: ""}) // unusable password
	if err != nil {
		t.Fatal(err)
	}
	// A stored hash that names a supported algorithm in a variant we cannot verify (argon2d).
	weird := &auth.User{Username: "imported", Password: "argon2$argon2d$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA", IsActive: true}
	if err := e.st.CreateUser(ctx, weird); err != nil {
		t.Fatal(err)
	}
	// Empty stored password (PS-04).
	empty := &auth.User{Username: "emptyhash", Password: "", IsActive: true}
	if err := e.st.CreateUser(ctx, empty); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name, username, pw string
		hashes             int64
	}{
		{"wrong password", "alice", "not-the-password", 1},
		{"empty password", "alice", "", 1},
		{"case differs", "Alice", goodPass, 1},
		{"unknown user", "nobody", goodPass, 1},
		{"unknown user, empty password", "nobody", "", 1},
		{"empty username", "", goodPass, 1},
		{"inactive, right password", "sleepy", goodPass, 1},
		{"inactive, wrong password", "sleepy", "not-the-password", 1},
		{"unusable password", "sso", "", 1},
		{"unusable password, guess", "sso", "null", 1},
		{"unusable password, its own value", "sso", sso.Password, 1},
		{"empty stored hash", "emptyhash", "", 1},
		{"empty stored hash, null", "emptyhash", "null", 1},
		{"unsupported hash variant", "imported", goodPass, 1},
		{"4097-byte password", "alice", strings.Repeat("a", password.MaxLength+1), 0},
		{"4097-byte password, unknown user", "nobody", strings.Repeat("a", password.MaxLength+1), 0},
		{"1 MiB password", "alice", strings.Repeat("x", 1<<20), 0},
	}
	for _, c := range cases {
		var u *auth.User
		var err error
		n := e.countHashes(func() { u, err = am.Authenticate(ctx, c.username, c.pw, "192.0.2.1") })
		if u != nil || err != auth.ErrInvalidCredentials {
			t.Errorf("%s: Authenticate = %v, %v; want exactly ErrInvalidCredentials", c.name, u, err)
		}
		if n != c.hashes {
			t.Errorf("%s: %d hash computations, want %d", c.name, n, c.hashes)
		}
	}
}

// TestLoginFailuresLookTheSame: through HTTP, every failing login answers the same status, body and
// header names (ENUM-01), and creates no session.
func TestLoginFailuresLookTheSame(t *testing.T) {
	e := newEnv(t, withoutThrottle())
	ctx := context.Background()
	e.createUser("alice")
	if _, err := e.am().CreateUser(ctx, auth.NewUser{Username: "sleepy", Password: goodPass, Inactive: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.am().CreateUser(ctx, auth.NewUser{Username: "sso"}); err != nil {
		t.Fatal(err)
	}
	attempts := [][2]string{
		{"alice", "wrong"}, {"nobody", "wrong"}, {"sleepy", goodPass}, {"sleepy", "wrong"}, {"sso", ""},
		{"alice", strings.Repeat("a", 5000)},
	}
	var first *response
	for _, a := range attempts {
		c := e.client("", "")
		c.csrf()
		res := c.send("POST", "/login", map[string]string{"username": a[0], "password": a[1]})
		if res.status != http.StatusBadRequest {
			t.Fatalf("%v: status %d, want 400", a, res.status)
		}
		if _, set, _ := res.setCookie("sessionid"); set {
			t.Fatalf("%v: a failed login set a session cookie", a)
		}
		if first == nil {
			first = res
			continue
		}
		if res.body != first.body {
			t.Fatalf("%v: body %q differs from %q", a, res.body, first.body)
		}
		if headerNames(res.header) != headerNames(first.header) {
			t.Fatalf("%v: headers %s differ from %s", a, headerNames(res.header), headerNames(first.header))
		}
	}
}

func headerNames(h http.Header) string {
	var names []string
	for k := range h {
		if k != "Date" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

func TestAuthenticateNFKC(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// Created as full-width "ｆｏｏ", stored as "foo".
	u, err := e.am().CreateUser(ctx, auth.NewUser{Username: "ｆｏｏ", Password: goodPass})
	if err != nil {
		t.Fatal(err)
	}
	if u.Username != "foo" {
		t.Fatalf("stored username %q, want NFKC \"foo\"", u.Username)
	}
	for _, name := range []string{"foo", "ｆｏｏ", "ｆoｏ"} {
		got, err := e.am().Authenticate(ctx, name, goodPass, "")
		if err != nil || got.ID != u.ID {
			t.Fatalf("Authenticate(%q) = %v, %v; want foo", name, got, err)
		}
	}
	// Through HTTP as well.
	c := e.client("", "")
	c.login("ｆｏｏ", goodPass)
	if status, name := c.me(); status != 200 || name != "foo" {
		t.Fatalf("/me after logging in as ｆｏｏ: %d %q", status, name)
	}
	// NFKC does not fold case.
	if _, err := e.am().Authenticate(ctx, "ＦＯＯ", goodPass, ""); err != auth.ErrInvalidCredentials {
		t.Fatalf("Authenticate(ＦＯＯ) = %v, want ErrInvalidCredentials", err)
	}
}

// TestAuthenticateLongPasswords: PS-02 — a 4096-byte password works end to end, one byte more is
// refused before hashing, and passwords are not truncated.
func TestAuthenticateLongPasswords(t *testing.T) {
	e := newEnv(t, withoutThrottle())
	ctx := context.Background()
	long := strings.Repeat("ab1", password.MaxLength/3) + "x"
	if len(long) != password.MaxLength {
		t.Fatalf("test password has %d bytes", len(long))
	}
	u, err := e.am().CreateUser(ctx, auth.NewUser{Username: "longpw", Password: long})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := e.am().Authenticate(ctx, "longpw", long, ""); err != nil || got.ID != u.ID {
		t.Fatalf("4096-byte password: %v, %v", got, err)
	}
	if _, err := e.am().Authenticate(ctx, "longpw", long[:len(long)-1]+"y", ""); err != auth.ErrInvalidCredentials {
		t.Fatalf("differing last byte: %v", err)
	}
	if _, err := e.am().Authenticate(ctx, "longpw", long+"x", ""); err != auth.ErrInvalidCredentials {
		t.Fatalf("4097 bytes: %v", err)
	}
	// 80 × 'a' stored; 72 × 'a' + 8 × 'b' must fail (no bcrypt-style truncation).
	pw80 := strings.Repeat("a", 40) + strings.Repeat("Z9", 20)
	if _, err := e.am().CreateUser(ctx, auth.NewUser{Username: "pw80", Password: pw80}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.am().Authenticate(ctx, "pw80", pw80[:72]+"bbbbbbbb", ""); err != auth.ErrInvalidCredentials {
		t.Fatalf("72-byte prefix: %v", err)
	}
	// CreateUser refuses an over-long password with a field error, without hashing.
	n := e.countHashes(func() {
		_, err = e.am().CreateUser(ctx, auth.NewUser{Username: "huge", Password: strings.Repeat("q", 1<<20)})
	})
	var fe auth.FieldErrors
	if !errors.As(err, &fe) || len(fe["password"]) == 0 || n != 0 {
		t.Fatalf("CreateUser with 1 MiB password: %v (%d hashes)", err, n)
	}
}

// TestAuthenticateUpgradesHash: PS-05 — a Django pbkdf2_sha256 hash is replaced by argon2id on login,
// and the new hash verifies the same password.
func TestAuthenticateUpgradesHash(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	enc, err := password.EncodePBKDF2(goodPass, "legacysalt1234", 1000, false)
	if err != nil {
		t.Fatal(err)
	}
	legacy := &auth.User{Username: "legacy", Password: enc, IsActive: true}
	if err := e.st.CreateUser(ctx, legacy); err != nil {
		t.Fatal(err)
	}
	sleepy := &auth.User{Username: "legacy-inactive", Password: enc, IsActive: false}
	if err := e.st.CreateUser(ctx, sleepy); err != nil {
		t.Fatal(err)
	}

	// A wrong password changes nothing.
	if _, err := e.am().Authenticate(ctx, "legacy", "wrong", ""); err != auth.ErrInvalidCredentials {
		t.Fatal(err)
	}
	if got := e.stored(legacy.ID).Password; got != enc {
		t.Fatalf("a failed login rewrote the hash to %q", got)
	}
	// An inactive user is refused at the cost of one verification, with no upgrade.
	var n int64
	n = e.countHashes(func() { _, err = e.am().Authenticate(ctx, "legacy-inactive", goodPass, "") })
	if err != auth.ErrInvalidCredentials || n != 1 {
		t.Fatalf("inactive legacy user: %v, %d hashes; want ErrInvalidCredentials, 1", err, n)
	}
	if got := e.stored(sleepy.ID).Password; got != enc {
		t.Fatal("an inactive user's hash was upgraded")
	}

	var u *auth.User
	n = e.countHashes(func() { u, err = e.am().Authenticate(ctx, "legacy", goodPass, "") })
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("login with upgrade cost %d computations, want 2 (verify + hash)", n)
	}
	stored := e.stored(legacy.ID).Password
	if !strings.HasPrefix(stored, "argon2$argon2id$") || u.Password != stored {
		t.Fatalf("stored hash %q (returned %q), want a new argon2id hash", stored, u.Password)
	}
	ok, upgrade, err := e.hasher.Verify(ctx, goodPass, stored)
	if !ok || upgrade || err != nil {
		t.Fatalf("upgraded hash: Verify = %v, %v, %v", ok, upgrade, err)
	}
	// The next login costs one computation and changes nothing.
	n = e.countHashes(func() { _, err = e.am().Authenticate(ctx, "legacy", goodPass, "") })
	if err != nil || n != 1 || e.stored(legacy.ID).Password != stored {
		t.Fatalf("second login: %v, %d hashes", err, n)
	}
	// Logging in through HTTP after the upgrade stores the auth hash of the new password hash.
	c := e.client("", "")
	c.login("legacy", goodPass)
	rec, _ := e.record(c.cookies["sessionid"])
	if got := string(rec.Data[auth.HashSessionKey]); got != `"`+auth.SessionAuthHash(testSecret, stored)+`"` {
		t.Fatalf("session auth hash %s does not match the upgraded password hash", got)
	}
}

// TestAuthenticateBusyHasher: PS-07 — with every hashing slot held and the queue full, further
// attempts fail fast with ErrBusy (a 503, never a success or an ErrInvalidCredentials that would count
// as a guess), the same for known and unknown users; afterwards logins work.
func TestAuthenticateBusyHasher(t *testing.T) {
	st := func(e *env, m *auth.Manager) {
		m.Throttle = nil
		e.hasher.MaxConcurrent, e.hasher.MaxWaiting = 2, 3
	}
	e := newEnv(t, st)
	ctx := context.Background()
	e.createUser("alice") // initialises the hasher's limits
	entered := make(chan struct{}, 100)
	release := make(chan struct{})
	hold := func() {
		entered <- struct{}{}
		<-release
	}
	e.hook.Store(&hold)

	const n = 50
	results := make(chan error, n)
	go barrier(n, func(i int) {
		name := "alice"
		if i%2 == 1 {
			name = "ghost"
		}
		_, err := e.am().Authenticate(ctx, name, "wrong", "")
		results <- err
	})
	var errs []error
	for range n - 5 {
		errs = append(errs, <-results)
	}
	for _, err := range errs {
		if !errors.Is(err, password.ErrBusy) {
			t.Fatalf("an attempt beyond the slots and the queue got %v, want ErrBusy", err)
		}
	}
	<-entered
	<-entered
	e.hook.Store(nil)
	close(release)
	for range 5 {
		if err := <-results; err != auth.ErrInvalidCredentials {
			t.Fatalf("a queued attempt got %v, want ErrInvalidCredentials", err)
		}
	}
	if _, err := e.am().Authenticate(ctx, "alice", goodPass, ""); err != nil {
		t.Fatalf("login after the flood: %v", err)
	}
}
