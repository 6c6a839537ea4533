package auth_test

import (
	"fmt"
	"testing"

	"github.com/sessionauth/sessionauth/auth"
)

// TestSessionAuthHashVector is the vector of drf-django-spec §2.6, computed by Django's
// AbstractBaseUser.get_session_auth_hash.
func TestSessionAuthHashVector(t *testing.T) {
	const (
		secret  = "probe-secret-key-not-secret"
		encoded = "pbkdf2_sha256$260000$abcdefghijklmnopqrstuv$9jpp8cVQt7a7ujJrWzr0KoytR5UBy9qbF8d2OUhc1SY="
		want    = "164d23c0381d8d98fa843ef7a94a37f90fada5aea6f81f0c0148ed85da53cf0b"
	)
	if got := auth.SessionAuthHash(secret, encoded); got != want {
		t.Fatalf("SessionAuthHash = %s, want %s", got, want)
	}
	// Any change of the password field or of the secret changes it.
	for _, c := range [][2]string{
		{secret, encoded[:len(encoded)-1] + "0"},
		{secret + "x", encoded},
		{secret, ""},
	} {
		if auth.SessionAuthHash(c[0], c[1]) == want {
			t.Fatalf("SessionAuthHash(%q, %q) collides with the vector", c[0], c[1])
		}
	}
}

// TestSessionAuthHashUsedByLogin: a session written by Django (user id as a string, the hash of the
// vector) is accepted when the user's stored password field is the vector's, under that secret.
func TestSessionAuthHashUsedByLogin(t *testing.T) {
	e := newEnv(t)
	const secret = "probe-secret-key-not-secret-but-32+"
	e.mgr.Store(e.newManager(secret))
	alice := e.createUser("alice")
	c := e.client("", "")
	c.login("alice", goodPass)
	rec, _ := e.record(c.cookies["sessionid"])
	if got, want := string(rec.Data[auth.HashSessionKey]), fmt.Sprintf("%q", auth.SessionAuthHash(secret, alice.Password)); got != want {
		t.Fatalf("session holds %s, want %s", got, want)
	}
}

func ExampleSessionAuthHash() {
	fmt.Println(auth.SessionAuthHash("probe-secret-key-not-secret",
		"pbkdf2_sha256$260000$abcdefghijklmnopqrstuv$9jpp8cVQt7a7ujJrWzr0KoytR5UBy9qbF8d2OUhc1SY="))
	// Output: 164d23c0381d8d98fa843ef7a94a37f90fada5aea6f81f0c0148ed85da53cf0b
}
