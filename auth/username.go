package auth

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxUsernameLength is Django's limit on auth.User.username.
const MaxUsernameLength = 150

// NormalizeUsername applies NFKC, as Django's AbstractBaseUser.normalize_username does, so that
// "ｆｏｏ" (full width) and "foo" are one username. Comparison after normalisation is exact
// (case-sensitive), as in Django.
func NormalizeUsername(s string) string {
	if isASCII(s) {
		return s
	}
	return norm.NFKC.String(s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// ValidateUsername checks a normalised username the way Django's UnicodeUsernameValidator does:
// 1 to 150 characters, each a letter, a number, or one of _ . @ + -. Control, invisible and
// bidirectional-override characters are therefore refused.
func ValidateUsername(s string) error {
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return FieldErrors{"username": {"This field may not be blank."}}
	}
	if n > MaxUsernameLength {
		return FieldErrors{"username": {"A username has at most 150 characters."}}
	}
	for _, r := range s {
		if !(unicode.IsLetter(r) || unicode.IsNumber(r) || r == '_' || r == '.' || r == '@' || r == '+' || r == '-') {
			return FieldErrors{"username": {"A username may contain only letters, numbers and the characters @ . + - _."}}
		}
	}
	return nil
}
