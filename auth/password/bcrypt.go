package password

import (
	"crypto/sha256"
	"encoding/hex"

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
