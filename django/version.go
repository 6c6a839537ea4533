package django

import (
	"fmt"
	"regexp"
	"strconv"
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
