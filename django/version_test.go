package django

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/sessionauth/sessionauth/auth/password"
	"github.com/sessionauth/sessionauth/csrf"
)

func TestParseVersion(t *testing.T) {
	for _, c := range []struct {
		s    string
		want Version
	}{
		{"3.2", Version{3, 2}}, {"3.2.25", Version{3, 2}}, {"4.2.11", Version{4, 2}}, {"5.1rc1", Version{5, 1}},
		{"5.0a1", Version{5, 0}}, {"5.0b1", Version{5, 0}}, {"6.1.dev20260101120000", Version{6, 1}}, {"10.0", Version{10, 0}},
	} {
		got, err := ParseVersion(c.s)
		if err != nil || got != c.want {
			t.Errorf("ParseVersion(%q) = %v, %v; want %v", c.s, got, err, c.want)
		}
		if c.want.String() != c.s[:len(c.want.String())] {
			t.Errorf("%v.String() = %q", c.want, c.want.String())
		}
	}
	for _, s := range []string{"", "3", "3.", ".2", "3.2.", "a.b", "-3.2", "+3.2", " 3.2", "3.2 ", "3.2.x", "3.2final", "3.2.1.1", "99999.1"} {
		if v, err := ParseVersion(s); err == nil {
			t.Errorf("ParseVersion(%q) = %v, want an error", s, v)
		}
	}
}

func TestMasksCSRFCookie(t *testing.T) {
	for _, c := range []struct {
		v    Version
		want bool
	}{
		{Version{1, 11}, true}, {Version{3, 2}, true}, {Version{4, 0}, true},
		{Version{4, 1}, false}, {Version{4, 2}, false}, {Version{5, 0}, false}, {Version{10, 0}, false},
	} {
		if got := c.v.MasksCSRFCookie(); got != c.want {
			t.Errorf("%v.MasksCSRFCookie() = %v", c.v, got)
		}
	}
}

func TestCSRFCookieValue(t *testing.T) {
	const secret = "PL0s3Xpu29IDO9BRiguterOShoFnL00v"
	a, _ := CSRFCookieValue(secret, Version{4, 0})
	b, _ := CSRFCookieValue(secret, Version{4, 0})
	if a == b || a[:32] == b[:32] {
		t.Errorf("two masked cookies share a mask: %q %q", a, b)
	}
	for _, c := range []struct {
		in   string
		want error
	}{
		{"", csrf.ErrIncorrectLength},
		{secret[:31], csrf.ErrIncorrectLength},
		{secret + "x", csrf.ErrIncorrectLength},
		{secret[:31] + "!", csrf.ErrInvalidCharacters},
		{secret[:31] + "\u00e9"[:1], csrf.ErrInvalidCharacters},
	} {
		for _, v := range []Version{{3, 2}, {5, 2}} {
			if got, err := CSRFCookieValue(c.in, v); !errors.Is(err, c.want) {
				t.Errorf("CSRFCookieValue(%q, %v) = %q, %v; want %v", c.in, v, got, err, c.want)
			}
		}
		if got, err := CSRFSecret(c.in); !errors.Is(err, c.want) {
			t.Errorf("CSRFSecret(%q) = %q, %v; want %v", c.in, got, err, c.want)
		}
	}
}

// PasswordHasher configures each hasher with the release's parameters and
// refuses what it cannot match.
func TestPasswordHasher(t *testing.T) {
	for _, c := range []struct {
		v         Version
		algorithm string
		keyLen    int
		want      password.DjangoHasher
	}{
		{Version{3, 2}, HasherPBKDF2SHA256, 0, &password.PBKDF2SHA256{Iterations: 260_000}},
		{Version{5, 2}, HasherPBKDF2SHA256, 0, &password.PBKDF2SHA256{Iterations: 1_000_000}},
		{Version{3, 1}, HasherPBKDF2SHA256, 0, &password.PBKDF2SHA256{Iterations: 216_000}},
		{Version{3, 2}, HasherArgon2, 16, &password.DjangoArgon2{KeyLen: 16}},
		{Version{5, 2}, HasherArgon2, 32, &password.DjangoArgon2{KeyLen: 32}},
		{Version{3, 1}, HasherBCryptSHA256, 0, &password.BCryptSHA256{}},
		{Version{6, 1}, HasherBCryptSHA256, 0, &password.BCryptSHA256{}},
	} {
		got, err := c.v.PasswordHasher(c.algorithm, c.keyLen)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%v.PasswordHasher(%q, %d) = %#v, %v; want %#v", c.v, c.algorithm, c.keyLen, got, err, c.want)
			continue
		}
		if got.Algorithm() != c.algorithm {
			t.Errorf("%v.PasswordHasher(%q): algorithm %q", c.v, c.algorithm, got.Algorithm())
		}
		if err := (&password.Hasher{Django: got}).Check(); err != nil && !errors.Is(err, password.ErrWeakParameters) {
			t.Errorf("%v.PasswordHasher(%q): Check() = %v", c.v, c.algorithm, err)
		}
	}
	for _, c := range []struct {
		v         Version
		algorithm string
		keyLen    int
		want      string
	}{
		{Version{3, 0}, HasherPBKDF2SHA256, 0, "not supported"},
		{Version{6, 2}, HasherBCryptSHA256, 0, "not supported"},
		{Version{3, 1}, HasherArgon2, 16, "argon2i"},
		{Version{3, 2}, HasherArgon2, 0, "hash length 0"},
		{Version{3, 2}, HasherArgon2, 24, "hash length 24"},
		{Version{3, 2}, HasherPBKDF2SHA256, 16, "only for the argon2 hasher"},
		{Version{3, 2}, "pbkdf2_sha1", 0, "unknown password hasher"},
		{Version{3, 2}, "scrypt", 0, "unknown password hasher"},
		{Version{3, 2}, "", 0, "unknown password hasher"},
	} {
		if got, err := c.v.PasswordHasher(c.algorithm, c.keyLen); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v.PasswordHasher(%q, %d) = %v, %v; want an error with %q", c.v, c.algorithm, c.keyLen, got, err, c.want)
		}
	}
}
