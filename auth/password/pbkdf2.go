package password

import (
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"unicode/utf8"
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

// Iteration counts for pbkdf2_sha256.
const (
	// DefaultPBKDF2Iterations is the iteration count of a PBKDF2SHA256 whose
	// Iterations is 0: Django 5.2's default (5.2 is the long-term support
	// release current when this was written). Django's defaults by version
	// are 260000 (3.2), 320000 (4.0), 390000 (4.1), 600000 (4.2), 720000
	// (5.0), 870000 (5.1), 1000000 (5.2), 1200000 (6.0), 1500000 (6.1).
	DefaultPBKDF2Iterations = 1_000_000

	// OWASPPBKDF2Iterations is the OWASP Password Storage Cheat Sheet's
	// minimum for PBKDF2-HMAC-SHA256; Hasher.Check reports fewer as
	// ErrWeakParameters.
	OWASPPBKDF2Iterations = 600_000
)

// djangoSaltChars is the length from which Django stops asking for a new
// salt: must_update_salt is true while len(salt) * log2(62) < 128 bits.
const djangoSaltChars = saltLen

// PBKDF2SHA256 is Django's default password hasher, PBKDF2PasswordHasher
// (algorithm name "pbkdf2_sha256", the first entry of Django's default
// PASSWORD_HASHERS). Set it as [Hasher.Django] to make a Hasher write and
// prefer it; its Hash method can also be called directly by tools.
type PBKDF2SHA256 struct {
	// Iterations is the PBKDF2 iteration count; 0 means
	// DefaultPBKDF2Iterations. Use the count of the Django version that
	// shares the user table (see DefaultPBKDF2Iterations): Django rehashes
	// any hash whose count differs from its own, in either direction.
	Iterations int
}

func (p *PBKDF2SHA256) iterations() int {
	if p.Iterations == 0 {
		return DefaultPBKDF2Iterations
	}
	return p.Iterations
}

// Algorithm returns "pbkdf2_sha256".
func (p *PBKDF2SHA256) Algorithm() string { return algPBKDF2SHA256 }

// Hash returns Django's encoding of password,
//
//	pbkdf2_sha256$<iterations>$<salt>$<base64 of the 32-byte key>
//
// with a new 22-character salt of [a-zA-Z0-9] from crypto/rand: what Django's
// make_password(password) writes. It runs immediately, outside any Hasher's
// concurrency limit and counter; a server hashes through a Hasher with
// Django set instead. Errors: ErrTooLong, and ErrUnsafeParameters for
// iterations outside 1..MaxPBKDF2Iterations.
func (p *PBKDF2SHA256) Hash(password string) (string, error) {
	return EncodePBKDF2(password, randomAlnum(saltLen), p.iterations(), false)
}

func (p *PBKDF2SHA256) validate(lim *limits) error {
	if n := p.iterations(); n < 1 || n > lim.iterations {
		return fmt.Errorf("%w: pbkdf2_sha256 with %d iterations (limits 1..%d)", ErrUnsafeParameters, n, lim.iterations)
	}
	return nil
}

func (p *PBKDF2SHA256) weak() error {
	if n := p.iterations(); n < OWASPPBKDF2Iterations {
		return fmt.Errorf("%w: pbkdf2_sha256 with %d iterations needs at least %d", ErrWeakParameters, n, OWASPPBKDF2Iterations)
	}
	return nil
}

// current reports whether st is a pbkdf2_sha256 hash that Django, with p as
// its preferred hasher, would not update: same iteration count and a salt of
// at least 22 characters (Django counts characters, not bytes).
func (p *PBKDF2SHA256) current(st storedHash) bool {
	h, ok := st.(*pbkdf2Hash)
	return ok && !h.sha1 && h.iterations == p.iterations() && utf8.RuneCountInString(h.salt) >= djangoSaltChars
}

func (p *PBKDF2SHA256) dummy(salt []byte) storedHash {
	return &pbkdf2Hash{iterations: p.iterations(), salt: string(salt), key: "-"}
}

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

// outdated: any PBKDF2 hash is replaced by argon2id (a Hasher with Django
// set asks DjangoHasher.current instead).
func (p *pbkdf2Hash) outdated(params) bool { return true }
