package auth

import (
	"crypto/hmac"
	"encoding/hex"

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
	return hex.EncodeToString(saltedhmac.SumKey(key, []byte(encodedPassword)))
}

func (m *Manager) hashMatches(stored, encodedPassword string, key []byte) bool {
	if stored == "" {
		return false
	}
	return hmac.Equal([]byte(stored), []byte(m.sessionHash(encodedPassword, key)))
}
