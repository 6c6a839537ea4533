// Package saltedhmac computes Django's salted_hmac: HMAC-SHA256 keyed by SHA256(keySalt + secret).
// sessionauth uses it wherever its values must be readable by Django (the session auth hash, signing).
package saltedhmac

import (
	"crypto/hmac"
	"crypto/sha256"
)

// Key derives the HMAC key for keySalt and secret, as Django does.
func Key(keySalt, secret string) []byte {
	sum := sha256.Sum256([]byte(keySalt + secret))
	return sum[:]
}

// Sum returns HMAC-SHA256(Key(keySalt, secret), value).
func Sum(keySalt, secret string, value []byte) []byte {
	return SumKey(Key(keySalt, secret), value)
}

// SumKey returns HMAC-SHA256 of value under a key made by Key.
func SumKey(key []byte, value []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(value)
	return m.Sum(nil)
}
