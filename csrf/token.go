package csrf

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"io"
)

const (
	// SecretLength is the length of an unmasked CSRF secret, the value the
	// cookie holds (Django's CSRF_SECRET_LENGTH).
	SecretLength = 32

	// TokenLength is the length of a masked token: a 32-character random mask
	// followed by the 32-character cipher of the secret (Django's
	// CSRF_TOKEN_LENGTH).
	TokenLength = 2 * SecretLength
)

// allowedChars is the token alphabet. The order matters: masking adds and
// subtracts positions in this string, so it must be Django's
// string.ascii_letters + string.digits for tokens to interoperate.
const allowedChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

const numChars = len(allowedChars) // 62

// charIndex maps a byte to its position in allowedChars, or -1.
var charIndex = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < numChars; i++ {
		t[allowedChars[i]] = int8(i)
	}
	return t
}()

// Format errors. Their texts are Django's InvalidTokenFormat reasons, so a
// Failure can say "CSRF cookie has incorrect length." by composition.
var (
	// ErrIncorrectLength reports a token or secret whose length is neither
	// SecretLength nor TokenLength.
	ErrIncorrectLength = errors.New("has incorrect length")
	// ErrInvalidCharacters reports a token or secret with a character
	// outside [a-zA-Z0-9].
	ErrInvalidCharacters = errors.New("has invalid characters")
)

// randReader is the only source of randomness. It is a variable so tests can
// make it fail; production code never replaces it.
var randReader io.Reader = rand.Reader

// rejectAbove is the largest multiple of numChars that fits in a byte (248).
// Bytes at or above it are discarded so that every character is equally
// likely; reducing them modulo 62 would favour the first eight characters.
const rejectAbove = 256 / numChars * numChars

// fillRandom overwrites dst with characters drawn uniformly from
// allowedChars. It reads into dst itself and compacts the accepted bytes in
// place (the write position never passes the read position), so it needs no
// scratch buffer. A reader error is returned as is: there is no fallback.
func fillRandom(dst []byte) error {
	for n := 0; n < len(dst); {
		chunk := dst[n:]
		if _, err := io.ReadFull(randReader, chunk); err != nil {
			return err
		}
		for _, b := range chunk {
			if int(b) < rejectAbove {
				dst[n] = allowedChars[int(b)%numChars]
				n++
			}
		}
	}
	return nil
}

// NewSecret returns a new random 32-character secret from crypto/rand.
// It returns an error, and no secret, if the random source fails.
func NewSecret() (string, error) {
	var buf [SecretLength]byte
	if err := fillRandom(buf[:]); err != nil {
		return "", err
	}
	return string(buf[:]), nil
}

// Mask returns a 64-character token that unmasks to secret, using a fresh
// random mask on every call. Because every rendered token differs, a page
// that is compressed together with attacker-controlled text does not leak
// the secret (the BREACH attack). The result is interchangeable with
// Django's get_token() output for the same secret.
//
// secret must be a well-formed 32-character secret; a 64-character legacy
// cookie value must be passed through Unmask first.
func Mask(secret string) (string, error) {
	if len(secret) != SecretLength {
		return "", ErrIncorrectLength
	}
	if !validChars(secret) {
		return "", ErrInvalidCharacters
	}
	var buf [TokenLength]byte
	if err := fillRandom(buf[:SecretLength]); err != nil {
		return "", err
	}
	cipher(buf[SecretLength:], secret, buf[:SecretLength])
	return string(buf[:]), nil
}

// maskWith masks secret with a caller-chosen mask. It exists for the spec's
// test vector; production code always uses Mask's random masks. Both inputs
// must be well-formed 32-character strings.
func maskWith(secret, mask string) string {
	var buf [TokenLength]byte
	copy(buf[:SecretLength], mask)
	cipher(buf[SecretLength:], secret, buf[:SecretLength])
	return string(buf[:])
}

// cipher writes secret+mask (position-wise, modulo 62) into dst.
func cipher(dst []byte, secret string, mask []byte) {
	for i := range SecretLength {
		s := int(charIndex[secret[i]])
		m := int(charIndex[mask[i]])
		dst[i] = allowedChars[(s+m)%numChars]
	}
}

// Unmask returns the secret a token stands for. A 64-character token is
// unmasked; a 32-character value is already a secret and is returned as is
// (Django accepts both forms in the header, the form field and the cookie).
// Any other length gives ErrIncorrectLength and a character outside
// [a-zA-Z0-9] gives ErrInvalidCharacters.
func Unmask(token string) (string, error) {
	if len(token) == SecretLength {
		if !validChars(token) {
			return "", ErrInvalidCharacters
		}
		return token, nil
	}
	var buf [SecretLength]byte
	if err := unmaskInto(&buf, token); err != nil {
		return "", err
	}
	return string(buf[:]), nil
}

// unmaskInto writes the secret of token (32 or 64 characters) into dst
// without allocating; Match uses it on the hot path.
func unmaskInto(dst *[SecretLength]byte, token string) error {
	if err := CheckFormat(token); err != nil {
		return err
	}
	if len(token) == SecretLength {
		copy(dst[:], token)
		return nil
	}
	mask, ciph := token[:SecretLength], token[SecretLength:]
	for i := range SecretLength {
		c := int(charIndex[ciph[i]])
		m := int(charIndex[mask[i]])
		dst[i] = allowedChars[(c-m+numChars)%numChars]
	}
	return nil
}

// CheckFormat reports whether token could be a secret or a masked token:
// ErrIncorrectLength unless it has 32 or 64 characters, then
// ErrInvalidCharacters unless every character is in [a-zA-Z0-9]. Length is
// checked first, as Django does, so a huge value is rejected without being
// scanned.
func CheckFormat(token string) error {
	if len(token) != SecretLength && len(token) != TokenLength {
		return ErrIncorrectLength
	}
	if !validChars(token) {
		return ErrInvalidCharacters
	}
	return nil
}

func validChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if charIndex[s[i]] < 0 {
			return false
		}
	}
	return true
}

// Match reports whether requestToken (a secret or a masked token, as sent by
// the client) stands for secret (the cookie's value: a 32-character secret,
// or a 64-character masked value written by Django 4.0 or earlier).
//
// Both are unmasked and compared in constant time. Empty or malformed
// values never match anything, not even each other.
func Match(requestToken, secret string) bool {
	var got, want [SecretLength]byte
	if unmaskInto(&got, requestToken) != nil || unmaskInto(&want, secret) != nil {
		return false
	}
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}
