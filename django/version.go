package django

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/sessionauth/sessionauth/auth/password"
)

// Version is a Django feature release, such as 3.2 or 5.2. Formats that
// changed between releases (the CSRF cookie, the PBKDF2 iteration count) are
// chosen by it.
type Version struct {
	Major, Minor int // 5 and 2 for Django 5.2
}

// ParseVersion parses a version as django.get_version() prints it: "X.Y",
// "X.Y.Z", or a pre-release such as "5.1rc1", "5.0a1" or "6.1.dev20260101".
// Only X and Y are kept.
func ParseVersion(s string) (Version, error) {
	m := versionRe.FindStringSubmatch(s)
	if m == nil {
		return Version{}, fmt.Errorf("django: bad version %q", s)
	}
	x, err1 := strconv.Atoi(m[1])
	y, err2 := strconv.Atoi(m[2])
	if err1 != nil || err2 != nil {
		return Version{}, fmt.Errorf("django: bad version %q", s)
	}
	return Version{x, y}, nil
}

var versionRe = regexp.MustCompile(`^(\d{1,4})\.(\d{1,4})(?:\.\d{1,4})?(?:(?:a|b|rc)\d{0,4})?(?:\.dev\d*)?$`)

// String returns "X.Y".
func (v Version) String() string { return strconv.Itoa(v.Major) + "." + strconv.Itoa(v.Minor) }

// before reports whether v is older than major.minor.
func (v Version) before(major, minor int) bool {
	return v.Major < major || v.Major == major && v.Minor < minor
}

// MasksCSRFCookie reports whether this version writes the CSRF cookie masked
// (64 characters): true before 4.1, false from 4.1 on, where the cookie holds
// the 32-character secret (Django 4.1's transitional CSRF_COOKIE_MASKED =
// True setting behaves like 4.0; pass Version{4, 0} for it).
func (v Version) MasksCSRFCookie() bool { return v.before(4, 1) }

// pbkdf2Iterations are PBKDF2PasswordHasher.iterations by release (spec
// §2.7 for 3.1 to 6.0; 6.1 from the Django 6.1 and 6.2 release notes).
var pbkdf2Iterations = map[Version]int{
	{3, 1}: 216_000,
	{3, 2}: 260_000,
	{4, 0}: 320_000,
	{4, 1}: 390_000,
	{4, 2}: 600_000,
	{5, 0}: 720_000,
	{5, 1}: 870_000,
	{5, 2}: 1_000_000,
	{6, 0}: 1_200_000,
	{6, 1}: 1_500_000,
}

// PBKDF2Iterations returns the pbkdf2_sha256 iteration count this release
// writes and keeps (it rehashes any other count at the next login), for
// password.PBKDF2SHA256.Iterations. ok is false for releases this package
// does not know (before 3.1 or after 6.1); configure the count explicitly
// for those.
func (v Version) PBKDF2Iterations() (n int, ok bool) {
	n, ok = pbkdf2Iterations[v]
	return n, ok
}

// Names of the password hashers PasswordHasher configures: Django's
// algorithm names, the prefixes of their hashes.
const (
	HasherPBKDF2SHA256 = "pbkdf2_sha256" // PBKDF2PasswordHasher, Django's default
	HasherArgon2       = "argon2"        // Argon2PasswordHasher (needs argon2-cffi)
	HasherBCryptSHA256 = "bcrypt_sha256" // BCryptSHA256PasswordHasher (needs bcrypt)
)

// PasswordHasher returns the hasher that writes what this release writes
// with the hasher named algorithm first in PASSWORD_HASHERS, for
// password.Hasher.Django: a Hasher with it keeps the hashes Django keeps and
// asks for an upgrade of the ones Django would rehash, so that neither side
// rewrites the other's hashes.
//
//   - "pbkdf2_sha256": this release's iteration count (PBKDF2Iterations).
//   - "argon2" (Django 3.2 and later; 3.1 wrote argon2i with other costs):
//     argon2id, m=102400, t=2, p=8, and a hash of argon2KeyLen bytes, which
//     Django takes from the argon2-cffi it runs with
//     (argon2.DEFAULT_HASH_LENGTH: 16 up to argon2-cffi 21.1, 32 from 21.2).
//   - "bcrypt_sha256": work factor 12.
//
// argon2KeyLen must be 16 or 32 for "argon2" and 0 otherwise. The argon2 and
// bcrypt parameters were read in Django 3.2's and 5.2's sources (the same in
// both) and checked against Django 3.2; for 6.0 and 6.1 they are assumed
// unchanged (their release notes change only the PBKDF2 count). It fails for
// an unknown algorithm or release, argon2 before 3.2, and a bad argon2KeyLen.
func (v Version) PasswordHasher(algorithm string, argon2KeyLen int) (password.DjangoHasher, error) {
	n, ok := v.PBKDF2Iterations()
	if !ok {
		return nil, fmt.Errorf("django: Django %s is not supported (3.1 to 6.1 are)", v)
	}
	if algorithm != HasherArgon2 && argon2KeyLen != 0 {
		return nil, errors.New("django: an argon2 hash length is only for the argon2 hasher")
	}
	switch algorithm {
	case HasherPBKDF2SHA256:
		return &password.PBKDF2SHA256{Iterations: n}, nil
	case HasherArgon2:
		if v.before(3, 2) {
			return nil, fmt.Errorf("django: Django %s's argon2 hasher (argon2i, other costs) is not supported; 3.2 and later are", v)
		}
		if argon2KeyLen != password.DjangoArgon2KeyLenPre212 && argon2KeyLen != password.DjangoArgon2KeyLen {
			return nil, fmt.Errorf("django: argon2 hash length %d: argon2-cffi writes 16 (up to 21.1) or 32 (21.2 and later)", argon2KeyLen)
		}
		return &password.DjangoArgon2{KeyLen: uint32(argon2KeyLen)}, nil
	case HasherBCryptSHA256:
		return &password.BCryptSHA256{}, nil
	}
	return nil, fmt.Errorf("django: unknown password hasher %q (want pbkdf2_sha256, argon2 or bcrypt_sha256)", algorithm)
}
