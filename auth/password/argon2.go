package password

import (
	"crypto/subtle"
	"encoding/base64"
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
