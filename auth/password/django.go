package password

// DjangoHasher is one of Django's password hashers, configured as a Django
// project runs it: [PBKDF2SHA256] (PBKDF2PasswordHasher, Django's default),
// [DjangoArgon2] (Argon2PasswordHasher) or [BCryptSHA256]
// (BCryptSHA256PasswordHasher). Set it as [Hasher.Django] to make a Hasher
// write and prefer that format; its Hash method can also be called directly
// by tools. The interface is closed: only this package implements it, since a
// Hasher relies on each implementation mirroring Django's must_update.
type DjangoHasher interface {
	// Algorithm is Django's name for the hasher, the prefix of its hashes:
	// "pbkdf2_sha256", "argon2" or "bcrypt_sha256".
	Algorithm() string
	// Hash returns a new hash of password in Django's encoding, with a fresh
	// salt made as Django makes it. It runs immediately, outside any
	// Hasher's concurrency limit and counter; a server hashes through a
	// Hasher instead. Errors: ErrTooLong, and ErrUnsafeParameters for
	// parameters outside the Max* limits.
	Hash(password string) (string, error)

	// validate reports parameters outside what the algorithm allows or
	// outside lim, as ErrUnsafeParameters.
	validate(lim *limits) error
	// weak reports parameters below the OWASP recommendations, as
	// ErrWeakParameters.
	weak() error
	// current reports whether Django, with this hasher first in
	// PASSWORD_HASHERS, would leave st alone: same algorithm and
	// must_update false.
	current(st storedHash) bool
	// dummy returns a stored hash of this hasher's cost that matches no
	// password, for Burn.
	dummy(salt []byte) storedHash
}

var (
	_ DjangoHasher = (*PBKDF2SHA256)(nil)
	_ DjangoHasher = (*DjangoArgon2)(nil)
	_ DjangoHasher = (*BCryptSHA256)(nil)
)
