package auth_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/sessionauth/sessionauth/auth"
)

func TestTokens(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	alice := e.createUser("alice")
	key, tok, err := e.am().CreateToken(ctx, alice.ID, "  deploy bot  ")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(key) {
		t.Fatalf("token key %q is not 40 lowercase hex characters", key)
	}
	if tok.ID == 0 || tok.UserID != alice.ID || tok.Name != "deploy bot" || tok.Created.IsZero() {
		t.Fatalf("token %+v", tok)
	}
	if tok.KeyHash == key || strings.Contains(tok.KeyHash, key) || tok.KeyHash != auth.HashTokenKey(key) {
		t.Fatalf("stored KeyHash %q must be the hash of the key, not the key", tok.KeyHash)
	}
	stored, err := e.st.Tokens(ctx, alice.ID)
	if err != nil || len(stored) != 1 || stored[0].KeyHash == key {
		t.Fatalf("stored tokens %v, %v", stored, err)
	}
	u, got, err := e.am().TokenUser(ctx, key)
	if err != nil || u.ID != alice.ID || got.ID != tok.ID {
		t.Fatalf("TokenUser = %v, %v, %v", u, got, err)
	}
	// Keys are distinct.
	key2, _, err := e.am().CreateToken(ctx, alice.ID, "deploy bot")
	if err != nil || key2 == key {
		t.Fatalf("second token: %q, %v", key2, err)
	}

	for _, bad := range []string{
		"", strings.Repeat("0", 40), strings.ToUpper(key), key[:39], key + "0", key + " ", " " + key,
		"../../etc/passwd", "ключ", strings.Repeat("a", 1<<16), key[:20] + "\x00" + key[21:],
	} {
		if _, _, err := e.am().TokenUser(ctx, bad); !errors.Is(err, auth.ErrTokenNotFound) {
			t.Fatalf("TokenUser(%.50q) = %v, want ErrTokenNotFound", bad, err)
		}
	}

	// Inactive user: the token is found but refused with ErrUserInactive (DRF's "User inactive or deleted.").
	f := false
	if err := e.st.UpdateUser(ctx, alice.ID, auth.UserChange{IsActive: &f}); err != nil {
		t.Fatal(err)
	}
	if u, _, err := e.am().TokenUser(ctx, key); !errors.Is(err, auth.ErrUserInactive) || u != nil {
		t.Fatalf("TokenUser of an inactive user = %v, %v; want ErrUserInactive", u, err)
	}
	// Revoked: OUT-08.
	if err := e.st.DeleteToken(ctx, alice.ID, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.am().TokenUser(ctx, key); !errors.Is(err, auth.ErrTokenNotFound) {
		t.Fatalf("TokenUser of a deleted token = %v", err)
	}
}

func TestCreateTokenValidation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	alice := e.createUser("alice")
	for _, name := range []string{"", "   ", strings.Repeat("n", 101), strings.Repeat("é", 101)} {
		var fe auth.FieldErrors
		if _, _, err := e.am().CreateToken(ctx, alice.ID, name); !errors.As(err, &fe) || len(fe["name"]) == 0 {
			t.Fatalf("CreateToken(name %q) = %v, want a name field error", name, err)
		}
	}
	if _, _, err := e.am().CreateToken(ctx, alice.ID, strings.Repeat("é", 100)); err != nil {
		t.Fatalf("100-character name: %v", err)
	}
	m := e.newManager(testSecret)
	m.Tokens = nil
	if _, _, err := m.CreateToken(ctx, alice.ID, "x"); !errors.Is(err, auth.ErrNoTokenStore) {
		t.Fatalf("CreateToken without a token store: %v", err)
	}
	if _, _, err := m.TokenUser(ctx, strings.Repeat("a", 40)); !errors.Is(err, auth.ErrTokenNotFound) {
		t.Fatalf("TokenUser without a token store: %v", err)
	}
}
