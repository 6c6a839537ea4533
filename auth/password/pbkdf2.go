package password

import (
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"hash"
	"strconv"
	"strings"
)

// Django's PBKDF2 encodings:
//
//	pbkdf2_sha256$<iterations>$<salt>$<base64 of the 32-byte key>
//	pbkdf2_sha1$<iterations>$<salt>$<base64 of the 20-byte key>
//
// The salt is used as its UTF-8 bytes (Django makes 22 characters of
// [a-zA-Z0-9]); the key is standard base64 with padding.
const (
	algPBKDF2SHA256 = "pbkdf2_sha256"
	algPBKDF2SHA1   = "pbkdf2_sha1"
)

// errBadSalt is returned by the encoders for a salt Django could not store.
var errBadSalt = errors.New("password: salt must be non-empty and must not contain '$'")

type pbkdf2Hash struct {
	sha1       bool
	iterations int
	salt       string
	key        string // base64, as stored
}

// EncodePBKDF2 returns Django's pbkdf2_sha256 (or, with sha1 set,
// pbkdf2_sha1) encoding of password with the given salt and iteration count,
// for writing into a Django auth_user table; [Salt] makes a salt like
// Django's. Unlike Hasher.Hash it runs immediately, outside any Hasher's
// concurrency limit and counter. Errors: ErrTooLong, ErrUnsafeParameters for
// iterations outside 1..MaxPBKDF2Iterations, and an error for an empty salt
// or one containing '$'.
//
// Django 3.2 used 260000 iterations for pbkdf2_sha256 and later versions use
// more (1,000,000 in 5.2); OWASP asks for at least 600000 with SHA-256 and
// 1300000 with SHA-1.
func EncodePBKDF2(password, salt string, iterations int, sha1 bool) (string, error) {
	if len(password) > MaxLength {
		return "", ErrTooLong
	}
	if salt == "" || strings.Contains(salt, "$") {
		return "", errBadSalt
	}
	if iterations < 1 || iterations > MaxPBKDF2Iterations {
		return "", ErrUnsafeParameters
	}
	h := &pbkdf2Hash{sha1: sha1, iterations: iterations, salt: salt}
	key, err := h.derive(password)
	if err != nil {
		return "", err
	}
	alg := algPBKDF2SHA256
	if sha1 {
		alg = algPBKDF2SHA1
	}
	return alg + "$" + strconv.Itoa(iterations) + "$" + salt + "$" + key, nil
}

// parsePBKDF2 parses what follows "pbkdf2_sha256$" or "pbkdf2_sha1$".
func parsePBKDF2(alg, rest string, lim *limits) (storedHash, error) {
	f := strings.Split(rest, "$")
	if len(f) != 3 {
		return nil, ErrUnknownFormat
	}
	iters, salt, key := f[0], f[1], f[2]
	h := &pbkdf2Hash{sha1: alg == algPBKDF2SHA1, salt: salt, key: key}
	if !isDigits(iters) || salt == "" {
		return nil, ErrUnknownFormat
	}
	if len(iters) > 10 {
		return nil, ErrUnsafeParameters
	}
	n, err := strconv.Atoi(iters)
	if err != nil {
		return nil, ErrUnknownFormat
	}
	if n < 1 || n > lim.iterations {
		return nil, ErrUnsafeParameters
	}
	h.iterations = n
	if len(key) != base64.StdEncoding.EncodedLen(h.size()) {
		return nil, ErrUnknownFormat
	}
	if _, err := base64.StdEncoding.DecodeString(key); err != nil {
		return nil, ErrUnknownFormat
	}
	return h, nil
}

func (p *pbkdf2Hash) size() int {
	if p.sha1 {
		return sha1.Size
	}
	return sha256.Size
}

// derive returns the base64 key for password.
func (p *pbkdf2Hash) derive(password string) (string, error) {
	var key []byte
	var err error
	if p.sha1 {
		key, err = pbkdf2.Key(func() hash.Hash { return sha1.New() }, password, []byte(p.salt), p.iterations, sha1.Size)
	} else {
		key, err = pbkdf2.Key(sha256.New, password, []byte(p.salt), p.iterations, sha256.Size)
	}
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(key), nil
}

func (p *pbkdf2Hash) check(password string) bool {
	got, err := p.derive(password)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(p.key)) == 1
}

// outdated: any PBKDF2 hash is replaced by argon2id.
func (p *pbkdf2Hash) outdated(params) bool { return true }
