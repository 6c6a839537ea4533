package password

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// Django's bcrypt encodings are the algorithm name, "$", and the 60-character
// modular-crypt bcrypt string:
//
//	bcrypt_sha256$$2b$<cost>$<22 salt chars><31 hash chars>
//	bcrypt$$2b$<cost>$...
//
// bcrypt_sha256 feeds bcrypt with the lowercase hex SHA-256 of the password
// (64 bytes), which avoids bcrypt's 72-byte limit and its NUL-byte pitfalls.
// Plain bcrypt uses the password itself; since bcrypt ignores everything
// after byte 72, a password longer than that never matches a plain bcrypt
// hash here (the work is still done, for timing).
const (
	algBCryptSHA256 = "bcrypt_sha256"
	algBCrypt       = "bcrypt"

	bcryptMaxPassword = 72 // bytes bcrypt actually uses
	bcryptLen         = 60 // length of a modular-crypt bcrypt string
)

type bcryptHash struct {
	prehash bool
	hash    []byte // "$2b$12$..."
}

// EncodeBCryptSHA256 returns Django's bcrypt_sha256 encoding of password with
// the given cost (Django's default is 12), for writing into a Django
// auth_user table. Unlike Hasher.Hash it runs immediately, outside any
// Hasher's concurrency limit and counter. Errors: ErrTooLong and
// ErrUnsafeParameters for a cost outside 4..MaxBCryptCost.
func EncodeBCryptSHA256(password string, cost int) (string, error) {
	if len(password) > MaxLength {
		return "", ErrTooLong
	}
	if cost < bcrypt.MinCost || cost > MaxBCryptCost {
		return "", ErrUnsafeParameters
	}
	b, err := bcrypt.GenerateFromPassword(sha256Hex(password), cost)
	if err != nil {
		return "", err
	}
	// x/crypto writes the "2a" revision; Django's bcrypt library writes
	// "2b". For inputs shorter than 256 bytes (ours is 64) they compute the
	// same function, so only the label changes.
	if len(b) > 3 && b[2] == 'a' {
		b[2] = 'b'
	}
	return algBCryptSHA256 + "$" + string(b), nil
}

// sha256Hex is Django's bcrypt_sha256 pre-hash: lowercase hex of SHA-256.
func sha256Hex(password string) []byte {
	sum := sha256.Sum256([]byte(password))
	out := make([]byte, hex.EncodedLen(len(sum)))
	hex.Encode(out, sum[:])
	return out
}

// parseBCrypt parses what follows "bcrypt_sha256$" or "bcrypt$".
func parseBCrypt(alg, rest string, lim *limits) (storedHash, error) {
	s := rest
	if len(s) != bcryptLen || s[0] != '$' || s[1] != '2' || s[3] != '$' || s[6] != '$' {
		return nil, ErrUnknownFormat
	}
	switch s[2] {
	case 'a', 'b', 'y':
	default:
		return nil, ErrUnknownFormat
	}
	if !isDigits(s[4:6]) {
		return nil, ErrUnknownFormat
	}
	for i := 7; i < len(s); i++ {
		if !isBcryptBase64(s[i]) {
			return nil, ErrUnknownFormat
		}
	}
	cost := int(s[4]-'0')*10 + int(s[5]-'0')
	if cost < bcrypt.MinCost || cost > lim.bcryptCost {
		return nil, ErrUnsafeParameters
	}
	return &bcryptHash{prehash: alg == algBCryptSHA256, hash: []byte(s)}, nil
}

func isBcryptBase64(c byte) bool {
	return c == '.' || c == '/' || ('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z') || ('0' <= c && c <= '9')
}

func (b *bcryptHash) check(password string) bool {
	if b.prehash {
		return bcrypt.CompareHashAndPassword(b.hash, sha256Hex(password)) == nil
	}
	// bcrypt would silently ignore bytes past 72: compute anyway (same
	// time), but never accept such a password.
	err := bcrypt.CompareHashAndPassword(b.hash, []byte(password))
	return err == nil && len(password) <= bcryptMaxPassword
}

// outdated: any bcrypt hash is replaced by argon2id.
func (b *bcryptHash) outdated(params) bool { return true }

// bcrypt costs.
const (
	// DjangoBCryptCost is the work factor of Django's
	// BCryptSHA256PasswordHasher (its rounds, 12 in Django 3.2 and 5.2).
	DjangoBCryptCost = 12
	// OWASPBCryptCost is the OWASP Password Storage Cheat Sheet's minimum
	// bcrypt work factor; Hasher.Check reports less as ErrWeakParameters.
	OWASPBCryptCost = 10
)

// BCryptSHA256 is Django's BCryptSHA256PasswordHasher (algorithm name
// "bcrypt_sha256"): bcrypt of the lowercase hex SHA-256 of the password,
//
//	bcrypt_sha256$$2b$12$<22 salt characters><31 hash characters>
//
// Django rehashes such a hash at login when its work factor differs from
// Django's (in either direction); a Hasher with this BCryptSHA256 as its
// Django hasher asks for an upgrade in exactly that case, and for any other
// algorithm (plain bcrypt included). The zero value is Django's hasher.
type BCryptSHA256 struct {
	// Cost is the bcrypt work factor; zero means DjangoBCryptCost. Set it
	// only for a project that subclasses the hasher with other rounds.
	Cost int
}

func (b *BCryptSHA256) cost() int {
	if b.Cost == 0 {
		return DjangoBCryptCost
	}
	return b.Cost
}

// Algorithm returns "bcrypt_sha256".
func (b *BCryptSHA256) Algorithm() string { return algBCryptSHA256 }

// Hash returns EncodeBCryptSHA256(password, cost): what Django's
// make_password writes with BCryptSHA256PasswordHasher first in
// PASSWORD_HASHERS. It runs immediately, outside any Hasher's concurrency
// limit and counter. Errors: ErrTooLong, and ErrUnsafeParameters for a cost
// outside 4..MaxBCryptCost.
func (b *BCryptSHA256) Hash(password string) (string, error) {
	return EncodeBCryptSHA256(password, b.cost())
}

func (b *BCryptSHA256) validate(lim *limits) error {
	if c := b.cost(); c < bcrypt.MinCost || c > lim.bcryptCost {
		return fmt.Errorf("%w: bcrypt_sha256 with cost %d (limits %d..%d)", ErrUnsafeParameters, c, bcrypt.MinCost, lim.bcryptCost)
	}
	return nil
}

func (b *BCryptSHA256) weak() error {
	if c := b.cost(); c < OWASPBCryptCost {
		return fmt.Errorf("%w: bcrypt_sha256 with cost %d needs at least %d", ErrWeakParameters, c, OWASPBCryptCost)
	}
	return nil
}

// current mirrors BCryptSHA256PasswordHasher.must_update: only the work
// factor counts (Django ignores the 2a/2b/2y label).
func (b *BCryptSHA256) current(st storedHash) bool {
	h, ok := st.(*bcryptHash)
	return ok && h.prehash && h.cost() == b.cost()
}

// bcryptB64 is bcrypt's own base64 alphabet, for the dummy hash's salt.
var bcryptB64 = base64.NewEncoding("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789").WithPadding(base64.NoPadding)

// dummy is a well-formed bcrypt_sha256 hash of b's cost that no password
// matches (its hash part is not one bcrypt can output for this salt, bar a
// 2^-184 chance), so that checking it costs what checking a real one does.
func (b *BCryptSHA256) dummy(salt []byte) storedHash {
	s := bcryptB64.EncodeToString(salt)
	for len(s) < 22 {
		s += "."
	}
	return &bcryptHash{prehash: true, hash: []byte(fmt.Sprintf("$2b$%02d$%s%s", b.cost(), s[:22], strings.Repeat(".", 31)))}
}

// cost is the work factor of a parsed hash (parseBCrypt checked its digits).
func (b *bcryptHash) cost() int { return int(b.hash[4]-'0')*10 + int(b.hash[5]-'0') }
