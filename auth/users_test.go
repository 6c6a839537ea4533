package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/auth/password"
)

func TestCreateUser(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, err := e.am().CreateUser(ctx, auth.NewUser{Username: "alice", Email: "  alice@example.com ", Password: goodPass, IsStaff: true})
	if err != nil {
		t.Fatal(err)
	}
	got := e.stored(u.ID)
	if got.Username != "alice" || got.Email != "alice@example.com" || !got.IsActive || !got.IsStaff || got.IsSuperuser {
		t.Fatalf("stored %+v", got)
	}
	if !strings.HasPrefix(got.Password, "argon2$argon2id$") || strings.Contains(got.Password, goodPass) {
		t.Fatalf("stored password %q", got.Password)
	}
	if got.DateJoined.IsZero() || !got.LastLogin.IsZero() {
		t.Fatalf("times %v %v", got.DateJoined, got.LastLogin)
	}
	// Same password, different salt (PS-01).
	v, err := e.am().CreateUser(ctx, auth.NewUser{Username: "bob", Password: goodPass})
	if err != nil || v.Password == u.Password {
		t.Fatalf("two users with one password share a hash (%v)", err)
	}
	// No password: unusable, cannot log in.
	sso, err := e.am().CreateUser(ctx, auth.NewUser{Username: "sso"})
	if err != nil || password.IsUsable(sso.Password) {
		t.Fatalf("user without a password: %q, %v", sso.Password, err)
	}
	inactive, err := e.am().CreateUser(ctx, auth.NewUser{Username: "off", Password: goodPass, Inactive: true})
	if err != nil || e.stored(inactive.ID).IsActive {
		t.Fatalf("inactive user: %v", err)
	}
}

func TestCreateUserUsernames(t *testing.T) {
	e := newEnv(t, withoutThrottle())
	ctx := context.Background()
	create := func(name string) (*auth.User, error) {
		return e.am().CreateUser(ctx, auth.NewUser{Username: name})
	}
	// Accepted, with their normal forms.
	for in, want := range map[string]string{
		"ｆｏｏ":                       "foo",
		"ﬁle":                       "file", // ligature
		"Ünïcødé":                   "Ünïcødé",
		"cafe\u0301":                "café", // combining accent composed
		"user.name+tag@example-x_y": "user.name+tag@example-x_y",
		"ユーザー":                      "ユーザー",
		"Ⅻ":                         "XII",
		strings.Repeat("a", 150):    strings.Repeat("a", 150),
		strings.Repeat("ü", 150):    strings.Repeat("ü", 150),
		"٣":                         "٣", // Arabic-Indic digit
		"x²":                        "x2",
	} {
		u, err := create(in)
		if err != nil {
			t.Fatalf("CreateUser(%q): %v", in, err)
		}
		if u.Username != want {
			t.Fatalf("CreateUser(%q) stored %q, want %q", in, u.Username, want)
		}
	}
	// Refused with a username field error.
	for _, in := range []string{
		"", "a b", " alice", "alice ", "a\u200bb", "a\u200db", "\u202egnp.exe", "a\u2066b", "a\x00b", "a\x07b", "a\tb",
		"a\nb", "a/b", "a\\b", "a:b", "<script>", "a'b", "a\"b", "a%b", "a;b", "a\u00adb", "a\ufeffb",
		strings.Repeat("a", 151), strings.Repeat("ü", 151), "\xff\xfe",
	} {
		var fe auth.FieldErrors
		_, err := create(in)
		if !errors.As(err, &fe) || len(fe["username"]) == 0 {
			t.Fatalf("CreateUser(%q) = %v, want a username field error", in, err)
		}
	}
	// Duplicates, including ones that are equal after NFKC; case differs → another user.
	for _, dup := range []string{"foo", "ｆｏｏ", "ﬁle", "café"} {
		var fe auth.FieldErrors
		_, err := create(dup)
		if !errors.As(err, &fe) || len(fe["username"]) == 0 {
			t.Fatalf("duplicate CreateUser(%q) = %v, want a username field error", dup, err)
		}
	}
	if _, err := create("FOO"); err != nil {
		t.Fatalf("CreateUser(FOO) after foo: %v (usernames are case-sensitive)", err)
	}
	// A duplicate username costs no hash (validation comes first) — and a weak password is reported
	// under "password".
	var fe auth.FieldErrors
	_, err := e.am().CreateUser(ctx, auth.NewUser{Username: "weakling", Password: "123"})
	if !errors.As(err, &fe) || len(fe["password"]) == 0 {
		t.Fatalf("weak password: %v", err)
	}
	if _, err := e.st.UserByUsername(ctx, "weakling"); !errors.Is(err, auth.ErrUserNotFound) {
		t.Fatal("a user with a refused password was created")
	}
}

func TestNormalizeAndValidateUsername(t *testing.T) {
	if got := auth.NormalizeUsername("ｆｏｏ"); got != "foo" {
		t.Fatalf("NormalizeUsername(ｆｏｏ) = %q", got)
	}
	if got := auth.NormalizeUsername("Foo"); got != "Foo" {
		t.Fatalf("NormalizeUsername folds case: %q", got)
	}
	if err := auth.ValidateUsername(strings.Repeat("x", auth.MaxUsernameLength)); err != nil {
		t.Fatal(err)
	}
	if err := auth.ValidateUsername(strings.Repeat("x", auth.MaxUsernameLength+1)); err == nil {
		t.Fatal("151 characters accepted")
	}
}
