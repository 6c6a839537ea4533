package session

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// KeyLength is the length of a session key: Django's format, 32 characters of [a-z0-9] (~165 bits).
const KeyLength = 32

const keyChars = "abcdefghijklmnopqrstuvwxyz0123456789"

// NewKey returns a fresh session key from crypto/rand. It fails rather than fall back to a weaker source.
func NewKey() (string, error) {
	var out [KeyLength]byte
	var buf [64]byte
	n := 0
	for n < KeyLength {
		if _, err := rand.Read(buf[:]); err != nil {
			return "", fmt.Errorf("session: reading random bytes: %w", err)
		}
		for _, b := range buf {
			// 252 = 7*36: rejecting larger bytes keeps every character equally likely.
			if b >= 252 {
				continue
			}
			out[n] = keyChars[b%36]
			n++
			if n == KeyLength {
				break
			}
		}
	}
	return string(out[:]), nil
}

// ValidKey reports whether s has the form of a key this package issues. Anything else sent as a session
// cookie is treated as no session, without touching the store.
func ValidKey(s string) bool {
	if len(s) != KeyLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// HashKey is the default mapping from a session key to its store id: the hex SHA-256 of the key.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}

// PublicID derives the identifier under which a session may be shown to its owner (for example in a
// list of devices) from its store id. It reveals neither the key nor the store id.
func PublicID(storeID string) string {
	sum := sha256.Sum256([]byte("sessionauth.session.public\x00" + storeID))
	return hex.EncodeToString(sum[:10])
}
