package password_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/sessionauth/sessionauth/auth/password"
)

func ExampleHasher() {
	// The zero Hasher uses the OWASP parameters; these cheap ones keep the
	// example fast and must not be used in production.
	h := &password.Hasher{Memory: 64, Time: 1}
	ctx := context.Background()

	encoded, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.HasPrefix(encoded, "argon2$argon2id$v=19$m=64,t=1,p=1$"))

	ok, upgrade, err := h.Verify(ctx, "correct horse battery staple", encoded)
	fmt.Println(ok, upgrade, err)

	ok, upgrade, err = h.Verify(ctx, "Correct horse battery staple", encoded)
	fmt.Println(ok, upgrade, err)

	// A hash written by Django 3.2: right password, and it should be
	// replaced by h.Hash(ctx, password) now that the password is known.
	django := "pbkdf2_sha256$260000$abcdefghijklmnopqrstuv$9jpp8cVQt7a7ujJrWzr0KoytR5UBy9qbF8d2OUhc1SY="
	ok, upgrade, err = h.Verify(ctx, "password", django)
	fmt.Println(ok, upgrade, err)

	// Users without a usable password never match, at the same cost.
	ok, upgrade, err = h.Verify(ctx, "password", password.Unusable())
	fmt.Println(ok, upgrade, err)
	// Output:
	// true
	// true false <nil>
	// false false <nil>
	// true true <nil>
	// false false <nil>
}

// A login check that costs one hash computation whether or not the user
// exists.
func ExampleHasher_Burn() {
	h := &password.Hasher{Memory: 64, Time: 1}
	ctx := context.Background()
	stored := map[string]string{}
	stored["alice"], _ = h.Hash(ctx, "s3cret-s3cret")

	login := func(username, pw string) bool {
		encoded, found := stored[username]
		if !found {
			h.Burn(ctx, pw) // same work as for a real user
			return false
		}
		ok, _, err := h.Verify(ctx, pw, encoded)
		return ok && err == nil
	}
	fmt.Println(login("alice", "s3cret-s3cret"), login("alice", "guess"), login("mallory", "guess"))
	fmt.Println(h.Computations())
	// Output:
	// true false false
	// 4
}

func ExampleValidate() {
	user := password.Attributes{"username": "johnsmith", "email": "john@example.org"}

	fmt.Println(password.Validate("johnsmith1", user))

	err := password.Validate("12345", user)
	var ve password.ValidationError
	if errors.As(err, &ve) {
		for _, msg := range ve {
			fmt.Println(msg)
		}
	}

	fmt.Println(password.Validate("Tr0ub4dor&3-horse", user))
	// Output:
	// The password is too similar to the username.
	// This password is too short. It must contain at least 8 characters.
	// This password is too common.
	// This password is entirely numeric.
	// <nil>
}
