package saltedhmac

import (
	"encoding/hex"
	"testing"
)

// The spec's vector (§2.6): the session auth hash of a known password field under a known SECRET_KEY.
func TestDjangoVector(t *testing.T) {
	got := hex.EncodeToString(Sum("django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
		"probe-secret-key-not-secret",
		[]byte("pbkdf2_sha256$260000$abcdefghijklmnopqrstuv$9jpp8cVQt7a7ujJrWzr0KoytR5UBy9qbF8d2OUhc1SY=")))
	if want := "164d23c0381d8d98fa843ef7a94a37f90fada5aea6f81f0c0148ed85da53cf0b"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
