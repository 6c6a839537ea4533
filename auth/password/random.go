package password

import (
	"crypto/rand"
	"strings"
)

// UnusablePrefix starts every unusable password value (Django's
// UNUSABLE_PASSWORD_PREFIX); such a value never matches any password.
const UnusablePrefix = "!"

const (
	unusableSuffixLen = 40
	saltLen           = 22 // 22 * log2(62) > 128 bits, Django's salt length
	alnum             = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
)

// randomAlnum returns n characters drawn uniformly from [a-zA-Z0-9] with
// crypto/rand.
func randomAlnum(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2+8)
	for len(out) < n {
		rand.Read(buf) // never fails (Go 1.24+: it crashes the program instead)
		for _, c := range buf {
			// 248 = 4*62: reject the top 8 byte values to avoid modulo bias.
			if c < 248 && len(out) < n {
				out = append(out, alnum[c%62])
			}
		}
	}
	return string(out)
}

// Salt returns a new 22-character salt of [a-zA-Z0-9] (128 bits of entropy)
// from crypto/rand, like Django's, for EncodePBKDF2. The error is always nil
// (crypto/rand cannot fail since Go 1.24); it is kept so that callers need
// not change if the source of randomness ever can.
func Salt() (string, error) {
	return randomAlnum(saltLen), nil
}

// Unusable returns a new unusable password value: "!" followed by 40 random
// characters of [a-zA-Z0-9], like Django's make_password(None). Store it for
// users who must not log in with a password (for example single sign-on
// accounts); Verify never accepts any password for it, at full cost.
func Unusable() string {
	return UnusablePrefix + randomAlnum(unusableSuffixLen)
}

// IsUsable reports whether encoded may match some password: false for
// unusable values (starting with "!") and for the empty string. Unlike
// Django's is_password_usable, the empty string counts as unusable, since no
// password can ever match it. It does not check that the format is supported.
func IsUsable(encoded string) bool {
	return encoded != "" && !strings.HasPrefix(encoded, UnusablePrefix)
}
