// Package password hashes and verifies user passwords and checks new
// passwords against a password policy.
//
// # Hashing
//
// A [Hasher] creates new hashes with argon2id (unless [Hasher.Django] is
// set, see below), written in the encoding that
// Django's Argon2PasswordHasher uses, so that a Django project sharing the
// same user table can verify them:
//
//	argon2$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
//
// (salt and hash in standard base64 without padding; 16 random salt bytes and
// a 32-byte key). The zero Hasher uses the OWASP Password Storage Cheat Sheet
// parameters: 19 MiB of memory, 2 passes, 1 lane.
//
// [Hasher.Verify] also accepts the hashes a Django project already stores:
//
//	argon2$argon2id$v=19$...      argon2$argon2i$v=19$...
//	pbkdf2_sha256$<iterations>$<salt>$<base64>
//	pbkdf2_sha1$<iterations>$<salt>$<base64>
//	bcrypt_sha256$$2b$<cost>$...  (SHA-256 pre-hash, hex encoded, then bcrypt)
//	bcrypt$$2b$<cost>$...         (plain bcrypt; passwords over 72 bytes never match)
//
// It reports whether the hash should be replaced by a fresh [Hasher.Hash]
// (another algorithm or other argon2 parameters than the Hasher's), which is
// how old hashes get upgraded on the next successful login. The encoders
// [EncodePBKDF2] and [EncodeBCryptSHA256] write Django's other formats, for
// tools that must produce hashes an older Django can read.
//
// When the user table is shared with a Django project, set [Hasher.Django]
// to the [DjangoHasher] first in that project's PASSWORD_HASHERS, with that
// Django version's parameters: [PBKDF2SHA256] (the default; its iteration
// count changes with every release), [DjangoArgon2] or [BCryptSHA256]
// (package django's Version.PasswordHasher picks them by version). The
// Hasher then writes that format with Django's parameters and salt, and asks
// for an upgrade exactly when Django would rehash, so that neither side keeps
// rewriting the other's hashes.
//
// # Safety rules
//
//   - Passwords longer than [MaxLength] bytes are refused with [ErrTooLong]
//     before any hashing is done. Shorter passwords are used byte for byte:
//     never trimmed, normalised or truncated. NUL bytes and any Unicode are
//     fine.
//   - Stored hashes whose cost parameters exceed [MaxArgon2Memory],
//     [MaxArgon2Time], [MaxArgon2Threads], [MaxPBKDF2Iterations] or
//     [MaxBCryptCost] are refused with [ErrUnsafeParameters] instead of being
//     computed: a tampered or corrupt row cannot make the server allocate
//     gigabytes or spin for minutes.
//   - Every call to Verify performs exactly one password-hash computation,
//     whatever the stored value: unusable ("!..."), empty, unknown and
//     malformed values cost the same as a hash made with the Hasher's own
//     parameters. [Hasher.Burn] does that same work for users that do not
//     exist. [Hasher.OnCompute] and [Hasher.Computations] let tests assert
//     "exactly one computation per login attempt".
//   - At most [Hasher.MaxConcurrent] computations run at once; a bounded
//     number of callers may wait for a slot, further callers get [ErrBusy]
//     at once, and waiting callers give up when their context ends.
//   - Comparisons of derived keys are constant time.
//
// Hashes stored in another format than the Hasher's (PBKDF2, bcrypt, other
// argon2 parameters) take a different time to verify than the Hasher's own;
// such users can be told apart by timing until their hash is upgraded (on
// their next login, or by a bulk migration). This is the same trade-off
// Django makes across algorithms.
//
// # Password policy
//
// [Validate] runs the equivalents of Django's default
// AUTH_PASSWORD_VALIDATORS ([UserAttributeSimilarity], [MinimumLength],
// [CommonPassword], [Numeric]) and returns every failure as a
// [ValidationError] with Django's English messages. The list of common
// passwords is embedded in the package (see COMMON-PASSWORDS.md for its source
// and licence).
package password
