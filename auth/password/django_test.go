package password

import (
	"context"
	"encoding/base64"
	"errors"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
)

// vector returns the Django vector of that name.
func vector(t *testing.T, name string) (password, encoded string) {
	t.Helper()
	for _, v := range djangoVectors {
		if v.name == name {
			return v.password, v.encoded
		}
	}
	t.Fatalf("no Django vector %q", name)
	return "", ""
}

// DjangoArgon2 computes exactly what Django 3.2's Argon2PasswordHasher wrote
// (with argon2-cffi 21.1, 16-byte hashes) for the same salt: with Django's
// own parameters and with a cheap subclass's.
func TestDjangoArgon2MatchesDjango(t *testing.T) {
	const salt = "abcdefghijklmnopqrstuv"
	cheapArgon := &DjangoArgon2{Time: 1, Memory: 64, Threads: 1, KeyLen: DjangoArgon2KeyLenPre212}
	for _, name := range []string{"argon2id cheap", "argon2id NUL", "argon2id unicode", "argon2id spaces"} {
		pw, want := vector(t, name)
		if got := cheapArgon.encode(pw, salt); got != want {
			t.Errorf("%s: encode = %s\n  want %s", name, got, want)
		}
	}
	if testing.Short() {
		t.Skip("Django's own argon2 parameters cost 100 MiB")
	}
	pw, want := vector(t, "argon2 django default")
	if got := (&DjangoArgon2{KeyLen: 16}).encode(pw, salt); got != want {
		t.Errorf("Django's parameters: encode = %s\n  want %s", got, want)
	}
}

var djangoArgon2Re = regexp.MustCompile(`^argon2\$argon2id\$v=19\$m=64,t=1,p=1\$([A-Za-z0-9+/]{30})\$([A-Za-z0-9+/]+)$`)

// A Hasher preferring Django's argon2 writes Django's salt and hash length,
// and asks for an upgrade exactly when Argon2PasswordHasher.must_update is
// true or the algorithm is another (spec §2.7): any argon2-cffi parameter
// differs (variant, m, t, p, hash length) or the salt is under 22 bytes.
func TestHasherPreferringDjangoArgon2(t *testing.T) {
	ctx := context.Background()
	for _, keyLen := range []uint32{16, 32} {
		var n atomic.Int64
		d := &DjangoArgon2{Time: 1, Memory: 64, Threads: 1, KeyLen: keyLen}
		h := &Hasher{Django: d, OnCompute: func() { n.Add(1) }}
		enc, err := h.Hash(ctx, "pw")
		if err != nil {
			t.Fatal(err)
		}
		m := djangoArgon2Re.FindStringSubmatch(enc)
		if m == nil {
			t.Fatalf("Hash = %q, want argon2id m=64,t=1,p=1 with a 22-byte salt", enc)
		}
		salt, _ := base64.RawStdEncoding.DecodeString(m[1])
		key, _ := base64.RawStdEncoding.DecodeString(m[2])
		if !regexp.MustCompile(`^[a-zA-Z0-9]{22}$`).Match(salt) || uint32(len(key)) != keyLen {
			t.Fatalf("Hash = %q: salt %q (want 22 of [a-zA-Z0-9]), %d-byte hash (want %d)", enc, salt, len(key), keyLen)
		}
		if n.Load() != 1 {
			t.Errorf("Hash: %d computations, want 1", n.Load())
		}
		other := func(variant string, p params, salt string, keyLen int) string {
			a := &argon2Hash{variant: variant, p: p, salt: []byte(salt), key: make([]byte, keyLen)}
			return encodeArgon2(variant, p, a.salt, a.derive("pw"))
		}
		own := params{memory: 64, time: 1, threads: 1}
		const salt22 = "abcdefghijklmnopqrstuv"
		pbkdf2, _ := EncodePBKDF2("pw", salt22, 1000, false)
		bcrypt, _ := EncodeBCryptSHA256("pw", 4)
		for _, c := range []struct {
			name    string
			encoded string
			upgrade bool
		}{
			{"own hash", enc, false},
			{"Django's salt", other(argon2ID, own, salt22, int(keyLen)), false},
			{"a longer salt", other(argon2ID, own, salt22+"xyz", int(keyLen)), false},
			{"a 21-byte salt", other(argon2ID, own, salt22[:21], int(keyLen)), true},
			{"a 16-byte salt", other(argon2ID, own, salt22[:16], int(keyLen)), true},
			{"another hash length", other(argon2ID, own, salt22, 48-int(keyLen)), true},
			{"argon2i", other(argon2I, own, salt22, int(keyLen)), true},
			{"more memory", other(argon2ID, params{72, 1, 1}, salt22, int(keyLen)), true},
			{"more time", other(argon2ID, params{64, 2, 1}, salt22, int(keyLen)), true},
			{"more lanes", other(argon2ID, params{64, 1, 2}, salt22, int(keyLen)), true},
			{"pbkdf2_sha256", pbkdf2, true},
			{"bcrypt_sha256", bcrypt, true},
		} {
			before := n.Load()
			ok, up, err := h.Verify(ctx, "pw", c.encoded)
			if !ok || up != c.upgrade || err != nil {
				t.Errorf("%d-byte hashes, %s: Verify = %v, %v, %v; want true, %v, nil", keyLen, c.name, ok, up, err, c.upgrade)
			}
			if ok, up, err := h.Verify(ctx, "wrong", c.encoded); ok || up || err != nil {
				t.Errorf("%d-byte hashes, %s, wrong password: %v, %v, %v", keyLen, c.name, ok, up, err)
			}
			if got := n.Load() - before; got != 2 {
				t.Errorf("%s: %d computations for 2 Verify calls", c.name, got)
			}
		}
		before := n.Load()
		if err := h.Burn(ctx, "pw"); err != nil {
			t.Fatal(err)
		}
		if n.Load()-before != 1 {
			t.Errorf("Burn: %d computations", n.Load()-before)
		}
	}
}

// A Hasher preferring bcrypt_sha256 writes Django's format and asks for an
// upgrade exactly when BCryptSHA256PasswordHasher.must_update is true (the
// work factor differs, either way) or the algorithm is another, plain bcrypt
// included (spec §2.7).
func TestHasherPreferringBCryptSHA256(t *testing.T) {
	ctx := context.Background()
	var n atomic.Int64
	h := &Hasher{Django: &BCryptSHA256{Cost: 4}, OnCompute: func() { n.Add(1) }}
	enc, err := h.Hash(ctx, "password")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^bcrypt_sha256\$\$2b\$04\$[./A-Za-z0-9]{53}$`).MatchString(enc) {
		t.Fatalf("Hash = %q", enc)
	}
	five, _ := EncodeBCryptSHA256("password", 5)
	_, django4 := vector(t, "bcrypt_sha256 4")
	_, plain := vector(t, "bcrypt")
	pbkdf2, _ := EncodePBKDF2("password", "abcdefghijklmnopqrstuv", 1000, false)
	for _, c := range []struct {
		name    string
		encoded string
		upgrade bool
	}{
		{"own hash", enc, false},
		{"Django's, same cost", django4, false},
		{"Django's, labelled 2a", strings.Replace(django4, "$2b$", "$2a$", 1), false},
		{"cost 5", five, true},
		{"plain bcrypt", plain, true},
		{"pbkdf2_sha256", pbkdf2, true},
	} {
		ok, up, err := h.Verify(ctx, "password", c.encoded)
		if !ok || up != c.upgrade || err != nil {
			t.Errorf("%s: Verify = %v, %v, %v; want true, %v, nil", c.name, ok, up, err, c.upgrade)
		}
		if ok, up, err := h.Verify(ctx, "Password", c.encoded); ok || up || err != nil {
			t.Errorf("%s, wrong password: %v, %v, %v", c.name, ok, up, err)
		}
	}
	// Django's default cost is 12, so a hash of cost 12 is current for the
	// zero BCryptSHA256 (verified without computing it: current only parses).
	_, twelve := vector(t, "bcrypt_sha256 12")
	st, err := parseEncoded(twelve, &defaultLimits)
	if err != nil || !(&BCryptSHA256{}).current(st) || (&BCryptSHA256{Cost: 4}).current(st) {
		t.Errorf("cost 12: current for the zero value %v, for cost 4 %v (%v)", (&BCryptSHA256{}).current(st), (&BCryptSHA256{Cost: 4}).current(st), err)
	}
	// Burn computes a well-formed hash of the same cost that nothing matches.
	d := (&BCryptSHA256{Cost: 4}).dummy([]byte("0123456789abcdef"))
	if _, err := parseBCrypt(algBCryptSHA256, string(d.(*bcryptHash).hash), &defaultLimits); err != nil {
		t.Errorf("the dummy hash %q does not parse: %v", d.(*bcryptHash).hash, err)
	}
	if d.check("") || d.check("password") {
		t.Error("the dummy hash matched a password")
	}
	before := n.Load()
	if err := h.Burn(ctx, "pw"); err != nil || n.Load()-before != 1 {
		t.Errorf("Burn: %v, %d computations", err, n.Load()-before)
	}
}

// Check and the parameter limits for each Django hasher; a Hasher whose Django
// hasher has unusable parameters refuses to hash, verify or burn.
func TestCheckDjangoHashers(t *testing.T) {
	for _, c := range []struct {
		d    DjangoHasher
		want error
	}{
		{&DjangoArgon2{}, nil},
		{&DjangoArgon2{KeyLen: 16}, nil},
		{&DjangoArgon2{Memory: 64, Time: 1, Threads: 1}, ErrWeakParameters},
		{&DjangoArgon2{KeyLen: 15}, ErrUnsafeParameters},
		{&DjangoArgon2{KeyLen: 65}, ErrUnsafeParameters},
		{&DjangoArgon2{Memory: 64}, ErrWeakParameters}, // m = 8p: argon2 takes it, OWASP does not
		{&DjangoArgon2{Memory: 63}, ErrUnsafeParameters},
		{&DjangoArgon2{Memory: 8, Threads: 8}, ErrUnsafeParameters},
		{&DjangoArgon2{Memory: MaxArgon2Memory + 1}, ErrUnsafeParameters},
		{&BCryptSHA256{}, nil},
		{&BCryptSHA256{Cost: OWASPBCryptCost}, nil},
		{&BCryptSHA256{Cost: OWASPBCryptCost - 1}, ErrWeakParameters},
		{&BCryptSHA256{Cost: 3}, ErrUnsafeParameters},
		{&BCryptSHA256{Cost: MaxBCryptCost + 1}, ErrUnsafeParameters},
		{&PBKDF2SHA256{}, nil},
	} {
		// The argon2 parameters of the Hasher itself do not count.
		h := &Hasher{Memory: 64, Time: 1, Django: c.d}
		if err := h.Check(); !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("%s %+v: Check() = %v, want %v", c.d.Algorithm(), c.d, err, c.want)
		}
		if c.want != ErrUnsafeParameters {
			continue
		}
		if _, err := c.d.Hash("x"); !errors.Is(err, ErrUnsafeParameters) {
			t.Errorf("%s %+v: Hash: %v", c.d.Algorithm(), c.d, err)
		}
		var n atomic.Int64
		h.OnCompute = func() { n.Add(1) }
		ctx := context.Background()
		if _, err := h.Hash(ctx, "x"); !errors.Is(err, ErrUnsafeParameters) {
			t.Errorf("%s %+v: Hasher.Hash: %v", c.d.Algorithm(), c.d, err)
		}
		if _, _, err := h.Verify(ctx, "x", "!"); !errors.Is(err, ErrUnsafeParameters) {
			t.Errorf("%s %+v: Verify: %v", c.d.Algorithm(), c.d, err)
		}
		if err := h.Burn(ctx, "x"); !errors.Is(err, ErrUnsafeParameters) {
			t.Errorf("%s %+v: Burn: %v", c.d.Algorithm(), c.d, err)
		}
		if n.Load() != 0 {
			t.Errorf("%s %+v: %d computations", c.d.Algorithm(), c.d, n.Load())
		}
	}
	for _, c := range []struct {
		d    DjangoHasher
		want string
	}{{&PBKDF2SHA256{}, "pbkdf2_sha256"}, {&DjangoArgon2{}, "argon2"}, {&BCryptSHA256{}, "bcrypt_sha256"}} {
		if got := c.d.Algorithm(); got != c.want {
			t.Errorf("Algorithm() = %q, want %q", got, c.want)
		}
	}
	if _, err := (&DjangoArgon2{}).Hash(strings.Repeat("a", MaxLength+1)); err != ErrTooLong {
		t.Errorf("DjangoArgon2.Hash of an over-long password: %v", err)
	}
}

// pbkdf2_sha1 hashes (PBKDF2SHA1PasswordHasher, in Django's default list)
// verify under every preferred algorithm and are always upgraded, since
// Django never prefers them by default.
func TestPBKDF2SHA1UnderEveryPreference(t *testing.T) {
	ctx := context.Background()
	enc, err := EncodePBKDF2("p\u00e4ss", "abcdefghijklmnopqrstuv", 1000, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []*Hasher{
		cheap(nil),
		{Django: &PBKDF2SHA256{Iterations: 1000}},
		{Django: &DjangoArgon2{Memory: 64, Time: 1, Threads: 1}},
		{Django: &BCryptSHA256{Cost: 4}},
	} {
		name := "argon2id"
		if h.Django != nil {
			name = h.Django.Algorithm()
		}
		if ok, up, err := h.Verify(ctx, "p\u00e4ss", enc); !ok || !up || err != nil {
			t.Errorf("preferring %s: Verify = %v, %v, %v; want true, true, nil", name, ok, up, err)
		}
		if ok, up, err := h.Verify(ctx, "pass", enc); ok || up || err != nil {
			t.Errorf("preferring %s, wrong password: %v, %v, %v", name, ok, up, err)
		}
	}
}
