package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash/maphash"
	"sync/atomic"

	"github.com/sessionauth/sessionauth/internal/saltedhmac"
)

// The session auth hash is Django's: HMAC-SHA256 of the user's encoded password under a key derived
// from the secret key. Any password change (including a hash upgrade) changes it, which is what logs
// out the user's other sessions.
const sessionHashSalt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"

func sessionHashKey(secret string) []byte { return saltedhmac.Key(sessionHashSalt, secret) }

// SessionAuthHash returns the session auth hash of an encoded password under secretKey, exactly as
// Django's AbstractBaseUser.get_session_auth_hash computes it.
func SessionAuthHash(secretKey, encodedPassword string) string {
	return hex.EncodeToString(saltedhmac.Sum(sessionHashSalt, secretKey, []byte(encodedPassword)))
}

func (m *Manager) sessionHash(encodedPassword string, key []byte) string {
	sum := m.hashSum(encodedPassword, key)
	return hex.EncodeToString(sum[:])
}

// hashMatches compares a stored hex hash with the expected one in constant time.
func (m *Manager) hashMatches(stored, encodedPassword string, key []byte) bool {
	return m.rawHashMatches([]byte(stored), encodedPassword, key)
}

// rawHashMatches is hashMatches on the stored hex digits, without quotes.
func (m *Manager) rawHashMatches(stored []byte, encodedPassword string, key []byte) bool {
	var got [sha256.Size]byte
	if len(stored) != 2*sha256.Size {
		return false
	}
	if _, err := hex.Decode(got[:], stored); err != nil {
		return false
	}
	want := m.hashSum(encodedPassword, key)
	return hmac.Equal(got[:], want[:])
}

// The HMAC is checked on every session-authenticated request; a small direct-mapped cache keyed by
// (key, encoded password) keeps that from costing an HMAC and its allocations each time. Entries are
// immutable and replaced whole, so readers need no lock.
const hashCacheSize = 1024

type hashEntry struct {
	key      []byte
	password string
	sum      [sha256.Size]byte
}

type hashCache struct {
	seed  maphash.Seed
	slots [hashCacheSize]atomic.Pointer[hashEntry]
}

func (m *Manager) hashSum(encodedPassword string, key []byte) [sha256.Size]byte {
	c := &m.cache
	slot := &c.slots[maphash.String(c.seed, encodedPassword)%hashCacheSize]
	if e := slot.Load(); e != nil && e.password == encodedPassword && &e.key[0] == &key[0] {
		return e.sum
	}
	e := &hashEntry{key: key, password: encodedPassword}
	copy(e.sum[:], saltedhmac.SumKey(key, []byte(encodedPassword)))
	slot.Store(e)
	return e.sum
}
