package password

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Django's argon2 encoding is "argon2" followed by the PHC string argon2-cffi
// produces, without its leading "$":
//
//	argon2$<variant>$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>
//
// salt and hash are standard base64 without padding. Only version 19 (0x13)
// exists in x/crypto; the older version 16 encodings (no "v=" field, made by
// Django 1.10 with old argon2-cffi releases) are reported as ErrUnknownFormat.
const (
	argon2ID = "argon2id"
	argon2I  = "argon2i"

	argon2MinSalt     = 8  // bytes, the argon2 specification's minimum
	argon2UpgradeSalt = 16 // salts shorter than this trigger an upgrade
	argon2MinKey      = 16 // shorter stored hashes are refused (Django's default length)
)

type argon2Hash struct {
	variant string
	p       params
	salt    []byte
	key     []byte
}

var b64raw = base64.RawStdEncoding

func encodeArgon2(variant string, p params, salt, key []byte) string {
	var b strings.Builder
	b.Grow(64 + b64raw.EncodedLen(len(salt)) + b64raw.EncodedLen(len(key)))
	b.WriteString("argon2$")
	b.WriteString(variant)
	b.WriteString("$v=19$m=")
	b.WriteString(strconv.FormatUint(uint64(p.memory), 10))
	b.WriteString(",t=")
	b.WriteString(strconv.FormatUint(uint64(p.time), 10))
	b.WriteString(",p=")
	b.WriteString(strconv.FormatUint(uint64(p.threads), 10))
	b.WriteByte('$')
	b.WriteString(b64raw.EncodeToString(salt))
	b.WriteByte('$')
	b.WriteString(b64raw.EncodeToString(key))
	return b.String()
}

// parseArgon2 parses what follows "argon2$".
func parseArgon2(_, rest string, lim *limits) (storedHash, error) {
	f := strings.Split(rest, "$")
	if len(f) != 5 {
		return nil, ErrUnknownFormat
	}
	variant, version, ps, salt64, key64 := f[0], f[1], f[2], f[3], f[4]
	if variant != argon2ID && variant != argon2I {
		return nil, ErrUnknownFormat // argon2d is not implemented by x/crypto
	}
	if version != "v=19" {
		return nil, ErrUnknownFormat
	}
	mem, ps, ok1 := cutNumber(ps, "m=", ",")
	tim, ps, ok2 := cutNumber(ps, "t=", ",")
	thr, ps, ok3 := cutNumber(ps, "p=", "")
	if !ok1 || !ok2 || !ok3 || ps != "" {
		return nil, ErrUnknownFormat
	}
	salt, err := b64raw.DecodeString(salt64)
	if err != nil || len(salt) < argon2MinSalt {
		return nil, ErrUnknownFormat
	}
	key, err := b64raw.DecodeString(key64)
	if err != nil || len(key) < argon2MinKey {
		return nil, ErrUnknownFormat
	}
	if mem > uint64(^uint32(0)) || tim > uint64(^uint32(0)) || thr > 255 {
		return nil, ErrUnsafeParameters
	}
	p := params{memory: uint32(mem), time: uint32(tim), threads: uint8(thr)}
	if err := p.check(lim); err != nil {
		return nil, err
	}
	return &argon2Hash{variant: variant, p: p, salt: salt, key: key}, nil
}

// check validates argon2 parameters: what the algorithm requires (t>=1,
// p>=1, m>=8p) and the limits.
func (p params) check(lim *limits) error {
	if p.time < 1 || p.threads < 1 || uint64(p.memory) < 8*uint64(p.threads) {
		return ErrUnsafeParameters
	}
	if p.memory > lim.memory || p.time > lim.time || p.threads > lim.threads {
		return ErrUnsafeParameters
	}
	return nil
}

// derive computes the argon2 key of password with a's variant, parameters,
// salt and key length.
func (a *argon2Hash) derive(password string) []byte {
	n := uint32(len(a.key))
	if a.variant == argon2ID {
		return argon2.IDKey([]byte(password), a.salt, a.p.time, a.p.memory, a.p.threads, n)
	}
	return argon2.Key([]byte(password), a.salt, a.p.time, a.p.memory, a.p.threads, n)
}

func (a *argon2Hash) check(password string) bool {
	return subtle.ConstantTimeCompare(a.derive(password), a.key) == 1
}

func (a *argon2Hash) outdated(p params) bool {
	return a.variant != argon2ID || a.p != p || len(a.salt) < argon2UpgradeSalt
}

// cutNumber parses s = prefix + decimal digits + sep + tail and returns the
// number and the tail. With sep == "" the digits must run to the end of s.
// Signs, spaces and more than 10 digits are refused.
func cutNumber(s, prefix, sep string) (uint64, string, bool) {
	s, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return 0, "", false
	}
	num, tail := s, ""
	if sep != "" {
		num, tail, ok = strings.Cut(s, sep)
		if !ok {
			return 0, "", false
		}
	}
	if !isDigits(num) || len(num) > 10 {
		return 0, "", false
	}
	n, err := strconv.ParseUint(num, 10, 64)
	return n, tail, err == nil
}

// isDigits reports whether s is a non-empty run of ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Parameters of Django's Argon2PasswordHasher from Django 3.2 on (read in
// Django 3.2's and 5.2's hashers.py; earlier releases used argon2i with
// m=512, p=2).
const (
	DjangoArgon2Time    = 2
	DjangoArgon2Memory  = 102400 // KiB
	DjangoArgon2Threads = 8
)

// Hash lengths Django's Argon2PasswordHasher takes from argon2-cffi's
// DEFAULT_HASH_LENGTH: 16 bytes up to argon2-cffi 21.1.0 (Debian 12's
// python3-argon2), 32 from 21.2.0 (December 2021, RFC 9106's profile).
const (
	DjangoArgon2KeyLenPre212 = 16
	DjangoArgon2KeyLen       = 32
)

// djangoArgon2MaxKey bounds DjangoArgon2.KeyLen; argon2-cffi writes 16 or 32.
const djangoArgon2MaxKey = 64

// DjangoArgon2 is Django's Argon2PasswordHasher (algorithm name "argon2") as
// Django 3.2 and later run it: argon2id, version 19, the parameters below,
// and Django's usual salt (22 characters of [a-zA-Z0-9], used as their
// bytes):
//
//	argon2$argon2id$v=19$m=102400,t=2,p=8$<salt>$<hash>
//
// Django rehashes an argon2 hash at login when any of variant, version,
// memory, time, parallelism or hash length differs from its own, or when the
// salt is shorter than 22 bytes; a Hasher with this DjangoArgon2 as its
// Django hasher asks for an upgrade in exactly those cases. The zero value
// is Django's hasher with argon2-cffi 21.2.0 or later.
type DjangoArgon2 struct {
	// Time, Memory (KiB) and Threads are the argon2 cost parameters; zero
	// means Django's (DjangoArgon2Time, DjangoArgon2Memory,
	// DjangoArgon2Threads). Set them only for a project that subclasses the
	// hasher with other values.
	Time    uint32
	Memory  uint32
	Threads uint8
	// KeyLen is the hash length in bytes, which Django does not fix but
	// takes from the argon2-cffi it runs with: DjangoArgon2KeyLenPre212 (16)
	// or DjangoArgon2KeyLen (32; zero means this). Print it with
	// python3 -c 'import argon2; print(argon2.DEFAULT_HASH_LENGTH)'.
	KeyLen uint32
}

func (d *DjangoArgon2) params() params {
	return params{memory: d.Memory, time: d.Time, threads: d.Threads}.or(params{DjangoArgon2Memory, DjangoArgon2Time, DjangoArgon2Threads})
}

func (d *DjangoArgon2) keyLen() uint32 {
	if d.KeyLen == 0 {
		return DjangoArgon2KeyLen
	}
	return d.KeyLen
}

// Algorithm returns "argon2".
func (d *DjangoArgon2) Algorithm() string { return "argon2" }

// Hash returns what Django's make_password writes with Argon2PasswordHasher
// first in PASSWORD_HASHERS: argon2id with d's parameters, a new
// 22-character salt of [a-zA-Z0-9] from crypto/rand, and a KeyLen-byte hash.
// It runs immediately, outside any Hasher's concurrency limit and counter.
// Errors: ErrTooLong, and ErrUnsafeParameters for parameters argon2 cannot
// use, beyond the Max* limits, or a KeyLen outside 16..64.
func (d *DjangoArgon2) Hash(password string) (string, error) {
	if len(password) > MaxLength {
		return "", ErrTooLong
	}
	if err := d.validate(&defaultLimits); err != nil {
		return "", err
	}
	return d.encode(password, randomAlnum(saltLen)), nil
}

// encode is Django's Argon2PasswordHasher.encode with the given salt.
func (d *DjangoArgon2) encode(password, salt string) string {
	p := d.params()
	key := argon2.IDKey([]byte(password), []byte(salt), p.time, p.memory, p.threads, d.keyLen())
	return encodeArgon2(argon2ID, p, []byte(salt), key)
}

func (d *DjangoArgon2) validate(lim *limits) error {
	p := d.params()
	if err := p.check(lim); err != nil {
		return fmt.Errorf("%w: Django argon2 hasher has m=%d,t=%d,p=%d (argon2 needs t>=1, m>=8p; limits m<=%d, t<=%d, p<=%d)",
			err, p.memory, p.time, p.threads, lim.memory, lim.time, lim.threads)
	}
	if n := d.keyLen(); n < argon2MinKey || n > djangoArgon2MaxKey {
		return fmt.Errorf("%w: Django argon2 hasher has a %d-byte hash (want %d..%d)", ErrUnsafeParameters, n, argon2MinKey, djangoArgon2MaxKey)
	}
	return nil
}

func (d *DjangoArgon2) weak() error { return d.params().weak() }

// current mirrors Argon2PasswordHasher.must_update: argon2-cffi's parameters
// (variant, version, memory, time, parallelism, hash length) must all match,
// and the salt must carry 128 bits by Django's count (22 characters of a
// 62-letter alphabet; Django decodes the salt as Latin-1, one character per
// byte).
func (d *DjangoArgon2) current(st storedHash) bool {
	a, ok := st.(*argon2Hash)
	return ok && a.variant == argon2ID && a.p == d.params() && uint32(len(a.key)) == d.keyLen() && len(a.salt) >= djangoSaltChars
}

func (d *DjangoArgon2) dummy(salt []byte) storedHash {
	return &argon2Hash{variant: argon2ID, p: d.params(), salt: salt, key: make([]byte, d.keyLen())}
}
