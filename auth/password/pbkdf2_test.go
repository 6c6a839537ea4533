package password

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

func TestEncodePBKDF2Vectors(t *testing.T) {
	const salt = "abcdefghijklmnopqrstuv"
	cases := []struct {
		password   string
		iterations int
		sha1       bool
		want       string
	}{
		// Spec §2.7, verified against Django 3.2.
		{"password", 260000, false, "pbkdf2_sha256$260000$abcdefghijklmnopqrstuv$9jpp8cVQt7a7ujJrWzr0KoytR5UBy9qbF8d2OUhc1SY="},
		{"password", 260000, true, "pbkdf2_sha1$260000$abcdefghijklmnopqrstuv$PBikbj8HN5hQ3Xtis2Bwo41d+TM="},
		// Made by Django 3.2.25, see djangoVectors.
		{"pa\x00ss", 1000, false, "pbkdf2_sha256$1000$abcdefghijklmnopqrstuv$1mD41okvTYzjKdvieyRcByLsHLRkjNeo110xOHK+PYo="},
		{"p\u00e4ssw\u00f6rd \U0001F600", 1000, false, "pbkdf2_sha256$1000$abcdefghijklmnopqrstuv$atFkgoQm6hevnrWHNG4Sq7r35OzIGOXVeKhu7YKb6Bo="},
		{"", 1000, false, "pbkdf2_sha256$1000$abcdefghijklmnopqrstuv$vqafFtFOwJN9wrhga0SNKKw1GODAJgholvjeoMoWcZs="},
	}
	for _, c := range cases {
		if c.iterations > 1000 && testing.Short() {
			continue
		}
		got, err := EncodePBKDF2(c.password, salt, c.iterations, c.sha1)
		if err != nil || got != c.want {
			t.Errorf("EncodePBKDF2(%q) = %q, %v\n                 want %q", c.password, got, err, c.want)
		}
	}
}

func TestEncodePBKDF2Errors(t *testing.T) {
	for _, c := range []struct {
		salt  string
		iters int
		want  error
	}{
		{"", 1000, errBadSalt},
		{"a$b", 1000, errBadSalt},
		{"salt", 0, ErrUnsafeParameters},
		{"salt", -1, ErrUnsafeParameters},
		{"salt", MaxPBKDF2Iterations + 1, ErrUnsafeParameters},
	} {
		if _, err := EncodePBKDF2("pw", c.salt, c.iters, false); !errors.Is(err, c.want) {
			t.Errorf("EncodePBKDF2(salt %q, %d) error = %v, want %v", c.salt, c.iters, err, c.want)
		}
	}
}

func TestPBKDF2RoundTrip(t *testing.T) {
	h := cheap(nil)
	ctx := context.Background()
	for _, sha1 := range []bool{false, true} {
		salt, err := Salt()
		if err != nil {
			t.Fatal(err)
		}
		enc, err := EncodePBKDF2("s3cret \U0001F512", salt, 1200, sha1)
		if err != nil {
			t.Fatal(err)
		}
		ok, upgrade, err := h.Verify(ctx, "s3cret \U0001F512", enc)
		if !ok || !upgrade || err != nil {
			t.Errorf("Verify(%s) = %v, %v, %v; want true, true, nil", enc, ok, upgrade, err)
		}
		if ok, upgrade, err := h.Verify(ctx, "s3cret", enc); ok || upgrade || err != nil {
			t.Errorf("wrong password: %v, %v, %v", ok, upgrade, err)
		}
	}
}

func TestParsePBKDF2(t *testing.T) {
	const good = "pbkdf2_sha256$1000$abcdefghijklmnopqrstuv$vqafFtFOwJN9wrhga0SNKKw1GODAJgholvjeoMoWcZs="
	cases := []struct {
		encoded string
		want    error
	}{
		{good, nil},
		{"pbkdf2_sha1$1$x$PBikbj8HN5hQ3Xtis2Bwo41d+TM=", nil},
		{"pbkdf2_sha256$10000000$abc$vqafFtFOwJN9wrhga0SNKKw1GODAJgholvjeoMoWcZs=", nil},
		{"pbkdf2_sha256$1000$abcdefghijklmnopqrstuv", ErrUnknownFormat},
		{"pbkdf2_sha256$1000$$vqafFtFOwJN9wrhga0SNKKw1GODAJgholvjeoMoWcZs=", ErrUnknownFormat},
		{"pbkdf2_sha256$+1000$abc$vqafFtFOwJN9wrhga0SNKKw1GODAJgholvjeoMoWcZs=", ErrUnknownFormat},
		{"pbkdf2_sha256$ 1000$abc$vqafFtFOwJN9wrhga0SNKKw1GODAJgholvjeoMoWcZs=", ErrUnknownFormat},
		{"pbkdf2_sha256$$abc$vqafFtFOwJN9wrhga0SNKKw1GODAJgholvjeoMoWcZs=", ErrUnknownFormat},
		{"pbkdf2_sha256$1000$abc$vqafFtFOwJN9wrhga0SNKKw1GODAJgholvjeoMoWcZs", ErrUnknownFormat},
		{"pbkdf2_sha256$1000$abc$vqafFtFOwJN9wrhga0SNKKw1GODAJgholvjeoMoWc!s=", ErrUnknownFormat},
		{"pbkdf2_sha1$1000$abc$vqafFtFOwJN9wrhga0SNKKw1GODAJgholvjeoMoWcZs=", ErrUnknownFormat},
		{"pbkdf2_sha256$1000$a$b$vqafFtFOwJN9wrhga0SNKKw1GODAJgholvjeoMoWcZs=", ErrUnknownFormat},
		{"pbkdf2_sha256$0$abc$vqafFtFOwJN9wrhga0SNKKw1GODAJgholvjeoMoWcZs=", ErrUnsafeParameters},
		{"pbkdf2_sha256$10000001$abc$vqafFtFOwJN9wrhga0SNKKw1GODAJgholvjeoMoWcZs=", ErrUnsafeParameters},
		{"pbkdf2_sha256$99999999999$abc$vqafFtFOwJN9wrhga0SNKKw1GODAJgholvjeoMoWcZs=", ErrUnsafeParameters},
	}
	for _, c := range cases {
		st, err := parseEncoded(c.encoded, &defaultLimits)
		if c.want == nil {
			if st == nil || err != nil {
				t.Errorf("%s: %v, %v", c.encoded, st, err)
			}
			continue
		}
		if st != nil || !errors.Is(err, c.want) || errors.Is(err, ErrUnsafeParameters) != errors.Is(c.want, ErrUnsafeParameters) {
			t.Errorf("%s: %v, %v; want %v", c.encoded, st, err, c.want)
		}
	}
	// The stored base64 is compared as a string, as Django does: a
	// non-canonical encoding of the same key bytes (here the unused low bit
	// of the last character set) does not match.
	h := cheap(nil)
	alt := strings.Replace(good, "Zs=", "Zt=", 1)
	if ok, _, _ := h.Verify(context.Background(), "", alt); ok {
		t.Errorf("modified hash matched")
	}
}

func BenchmarkVerifyPBKDF2_260000(b *testing.B) {
	var h Hasher
	ctx := context.Background()
	const enc = "pbkdf2_sha256$260000$abcdefghijklmnopqrstuv$9jpp8cVQt7a7ujJrWzr0KoytR5UBy9qbF8d2OUhc1SY="
	b.ReportAllocs()
	for b.Loop() {
		if ok, _, _ := h.Verify(ctx, "password", enc); !ok {
			b.Fatal("no match")
		}
	}
}

var pbkdf2Re = regexp.MustCompile(`^pbkdf2_sha256\$(\d+)\$([a-zA-Z0-9]{22})\$[A-Za-z0-9+/]{43}=$`)

// PBKDF2SHA256.Hash writes Django's format with a 22-character salt of
// Django's alphabet; recomputing with the same salt through the vector-tested
// EncodePBKDF2 (spec §2.7) gives the same string.
func TestPBKDF2SHA256Hash(t *testing.T) {
	for _, p := range []PBKDF2SHA256{{Iterations: 1000}, {Iterations: 1}} {
		enc, err := p.Hash("s3cret \U0001F512")
		if err != nil {
			t.Fatal(err)
		}
		m := pbkdf2Re.FindStringSubmatch(enc)
		if m == nil || m[1] != strconv.Itoa(p.Iterations) {
			t.Fatalf("Hash = %q, want pbkdf2_sha256$%d$<22 alnum>$<44 base64>", enc, p.Iterations)
		}
		again, err := EncodePBKDF2("s3cret \U0001F512", m[2], p.Iterations, false)
		if err != nil || again != enc {
			t.Errorf("EncodePBKDF2 with the same salt = %q, %v; want %q", again, err, enc)
		}
		if other, _ := p.Hash("s3cret \U0001F512"); other == enc {
			t.Errorf("two hashes share a salt: %q", enc)
		}
	}
	if got := (&PBKDF2SHA256{}).iterations(); got != DefaultPBKDF2Iterations {
		t.Errorf("zero Iterations = %d, want %d", got, DefaultPBKDF2Iterations)
	}
	for _, n := range []int{-1, MaxPBKDF2Iterations + 1} {
		if _, err := (&PBKDF2SHA256{Iterations: n}).Hash("pw"); !errors.Is(err, ErrUnsafeParameters) {
			t.Errorf("Iterations %d: %v", n, err)
		}
	}
	if _, err := (&PBKDF2SHA256{Iterations: 1}).Hash(strings.Repeat("a", MaxLength+1)); err != ErrTooLong {
		t.Errorf("over-long password: %v", err)
	}
}

// A Hasher with Django set to PBKDF2SHA256 hashes in pbkdf2_sha256 and asks for an upgrade
// exactly when Django's check_password would rehash (spec §2.7: another
// algorithm, another iteration count either way, or a salt under 22
// characters).
func TestHasherPreferringPBKDF2(t *testing.T) {
	ctx := context.Background()
	var n atomic.Int64
	h := &Hasher{Memory: 64, Time: 1, Threads: 1, Django: &PBKDF2SHA256{Iterations: 1000}, OnCompute: func() { n.Add(1) }}
	enc, err := h.Hash(ctx, "pw")
	if err != nil {
		t.Fatal(err)
	}
	if m := pbkdf2Re.FindStringSubmatch(enc); m == nil || m[1] != "1000" {
		t.Fatalf("Hash = %q, want pbkdf2_sha256 with 1000 iterations", enc)
	}
	if n.Load() != 1 {
		t.Errorf("Hash: %d computations, want 1", n.Load())
	}
	argon, err := cheap(nil).Hash(ctx, "pw")
	if err != nil {
		t.Fatal(err)
	}
	mustEncode := func(salt string, iters int, sha1 bool) string {
		t.Helper()
		s, err := EncodePBKDF2("pw", salt, iters, sha1)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	const salt22 = "abcdefghijklmnopqrstuv"
	for _, c := range []struct {
		name    string
		encoded string
		upgrade bool
	}{
		{"own hash", enc, false},
		{"Django's format, same count", mustEncode(salt22, 1000, false), false},
		{"longer salt", mustEncode(salt22+"wxyz", 1000, false), false},
		{"22 non-ASCII characters", mustEncode(strings.Repeat("\u00e9", 22), 1000, false), false},
		{"21-character salt", mustEncode(salt22[:21], 1000, false), true},
		{"fewer iterations", mustEncode(salt22, 999, false), true},
		{"more iterations", mustEncode(salt22, 1001, false), true},
		{"pbkdf2_sha1", mustEncode(salt22, 1000, true), true},
		{"argon2id", argon, true},
		{"bcrypt_sha256", djangoVectors[13].encoded, true},
	} {
		pw := "pw"
		if c.name == "bcrypt_sha256" {
			pw = djangoVectors[13].password
		}
		before := n.Load()
		ok, up, err := h.Verify(ctx, pw, c.encoded)
		if !ok || up != c.upgrade || err != nil {
			t.Errorf("%s: Verify = %v, %v, %v; want true, %v, nil", c.name, ok, up, err, c.upgrade)
		}
		if ok, up, err := h.Verify(ctx, "wrong", c.encoded); ok || up || err != nil {
			t.Errorf("%s, wrong password: %v, %v, %v", c.name, ok, up, err)
		}
		if got := n.Load() - before; got != 2 {
			t.Errorf("%s: %d computations for 2 Verify calls", c.name, got)
		}
	}
	// Unusable values and Burn cost one computation each, as always.
	before := n.Load()
	if ok, up, err := h.Verify(ctx, "pw", "!"); ok || up || err != nil {
		t.Errorf("unusable: %v, %v, %v", ok, up, err)
	}
	if err := h.Burn(ctx, "pw"); err != nil {
		t.Fatal(err)
	}
	if got := n.Load() - before; got != 2 {
		t.Errorf("unusable + Burn: %d computations, want 2", got)
	}
	// A Hasher preferring argon2id upgrades the PBKDF2 hash it did not write.
	if ok, up, err := cheap(nil).Verify(ctx, "pw", enc); !ok || !up || err != nil {
		t.Errorf("argon2 Hasher on pbkdf2 hash: %v, %v, %v; want true, true, nil", ok, up, err)
	}
}

func TestCheckPBKDF2(t *testing.T) {
	for _, c := range []struct {
		iters int
		want  error
	}{
		{0, nil}, // DefaultPBKDF2Iterations
		{OWASPPBKDF2Iterations, nil},
		{OWASPPBKDF2Iterations - 1, ErrWeakParameters},
		{260000, ErrWeakParameters}, // Django 3.2
		{-1, ErrUnsafeParameters},
		{MaxPBKDF2Iterations + 1, ErrUnsafeParameters},
	} {
		// Weak argon2 parameters do not matter once PBKDF2 is preferred.
		h := &Hasher{Memory: 64, Time: 1, Django: &PBKDF2SHA256{Iterations: c.iters}}
		if err := h.Check(); !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("PBKDF2 iterations %d: Check() = %v, want %v", c.iters, err, c.want)
		}
	}
	refusesUnsafe(t, &Hasher{Django: &PBKDF2SHA256{Iterations: MaxPBKDF2Iterations + 1}})
}
