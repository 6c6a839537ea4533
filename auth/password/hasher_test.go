package password

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
)

// cheap returns a Hasher with the cheapest parameters Django's vectors below
// use (m=64 KiB, t=1, p=1), counting its computations in *n.
func cheap(n *atomic.Int64) *Hasher {
	h := &Hasher{Memory: 64, Time: 1, Threads: 1}
	if n != nil {
		h.OnCompute = func() { n.Add(1) }
	}
	return h
}

// Vectors made by Django 3.2.25 (Debian python3-django 3:3.2.25-0+deb12u7,
// python3-argon2 21.1.0, python3-bcrypt 3.2.2), salt "abcdefghijklmnopqrstuv"
// where Django takes one, each confirmed with django's check_password:
//
//	make_password('password', 'abcdefghijklmnopqrstuv', 'argon2')
//	Argon2PasswordHasher subclass with time_cost=1, memory_cost=64, parallelism=1
//	argon2.low_level.hash_secret(..., type=Type.I) / (t=2, m=32, p=4, hash_len=32)
//	PBKDF2PasswordHasher().encode(pw, salt, iterations)
//	BCryptSHA256PasswordHasher (rounds 12 and a subclass with rounds=4)
//	BCryptPasswordHasher subclass with rounds=4
var djangoVectors = []struct {
	name     string
	password string
	encoded  string
	slow     bool // real-world cost: right password only, skipped with -short
}{
	{"argon2 django default", "password", "argon2$argon2id$v=19$m=102400,t=2,p=8$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$vig2txb5cKbyUuIOSPXung", true},
	{"argon2id cheap", "password", "argon2$argon2id$v=19$m=64,t=1,p=1$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$18cLW5YVQqb3oCAwQymu6Q", false},
	{"argon2id NUL", "pa\x00ss", "argon2$argon2id$v=19$m=64,t=1,p=1$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$aKRP86HeKvIv2AnZxya1kQ", false},
	{"argon2id unicode", "p\u00e4ssw\u00f6rd \U0001F600", "argon2$argon2id$v=19$m=64,t=1,p=1$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$SM9CWVxzbjKq4UpHZOO/yw", false},
	{"argon2id spaces", " lead and trail ", "argon2$argon2id$v=19$m=64,t=1,p=1$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$n+utqMY24melXSe5dRu/Bg", false},
	{"argon2i", "password", "argon2$argon2i$v=19$m=64,t=1,p=1$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$MRrRnapyiQAS71MOvGdJsA", false},
	{"argon2id p=4", "password", "argon2$argon2id$v=19$m=32,t=2,p=4$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$mE9ouIBYqPRU3GsWqGvgmkBoUpfn2Czdf6ieh6u3T54", false},
	{"pbkdf2_sha256 spec", "password", "pbkdf2_sha256$260000$abcdefghijklmnopqrstuv$9jpp8cVQt7a7ujJrWzr0KoytR5UBy9qbF8d2OUhc1SY=", true},
	{"pbkdf2_sha1 spec", "password", "pbkdf2_sha1$260000$abcdefghijklmnopqrstuv$PBikbj8HN5hQ3Xtis2Bwo41d+TM=", true},
	{"pbkdf2_sha256 NUL", "pa\x00ss", "pbkdf2_sha256$1000$abcdefghijklmnopqrstuv$1mD41okvTYzjKdvieyRcByLsHLRkjNeo110xOHK+PYo=", false},
	{"pbkdf2_sha256 unicode", "p\u00e4ssw\u00f6rd \U0001F600", "pbkdf2_sha256$1000$abcdefghijklmnopqrstuv$atFkgoQm6hevnrWHNG4Sq7r35OzIGOXVeKhu7YKb6Bo=", false},
	{"pbkdf2_sha256 empty", "", "pbkdf2_sha256$1000$abcdefghijklmnopqrstuv$vqafFtFOwJN9wrhga0SNKKw1GODAJgholvjeoMoWcZs=", false},
	{"bcrypt_sha256 12", "password", "bcrypt_sha256$$2b$12$RRfTV/xaEpo/iKmyeauMH.44Skn5tl6Fiaq1CsCqirnzGLlopWq3y", true},
	{"bcrypt_sha256 4", "password", "bcrypt_sha256$$2b$04$G922nYDxp.dQM9pP.yNuPO9y3dwZU3NT1a0qGlkIRXmjKKyNe3L/u", false},
	{"bcrypt_sha256 80a", strings.Repeat("a", 80), "bcrypt_sha256$$2b$04$8lFsHJ2mju2OUNCQMxlNFesHKHfayX7058kYuPGIcBSPdAMNsiO3y", false},
	{"bcrypt_sha256 emoji NUL", "\U0001F600\x00x", "bcrypt_sha256$$2b$04$CmjUEJEfxINp1pClcrTNQuFPhF5p0suuvKtvupN0GX/wMjvOnccIC", false},
	{"bcrypt", "password", "bcrypt$$2b$04$JejU0D8kaSBZLanwkOxJBuGTXEXLlg0JpX2NYFxMwPBljRVqVtvty", false},
	{"bcrypt 72a", strings.Repeat("a", 72), "bcrypt$$2b$04$ziSOhhbrsfVfbumT./JXbe9bR0WL/2sHTco.uTP9XGcbCg3P6yE9m", false},
}

func TestVerifyDjangoVectors(t *testing.T) {
	var n atomic.Int64
	h := cheap(&n)
	ctx := context.Background()
	for _, v := range djangoVectors {
		t.Run(v.name, func(t *testing.T) {
			if v.slow && testing.Short() {
				t.Skip("real-world cost parameters")
			}
			before := n.Load()
			ok, upgrade, err := h.Verify(ctx, v.password, v.encoded)
			if err != nil || !ok {
				t.Fatalf("Verify(right password) = %v, %v, %v", ok, upgrade, err)
			}
			// Only Django's argon2id made with the Hasher's own m/t/p and a
			// long enough salt needs no upgrade.
			wantUpgrade := !strings.HasPrefix(v.encoded, "argon2$argon2id$v=19$m=64,t=1,p=1$")
			if upgrade != wantUpgrade {
				t.Errorf("upgrade = %v, want %v", upgrade, wantUpgrade)
			}
			wrongs := []string{v.password + "x", "x" + v.password, strings.ToUpper(v.password) + "!", ""}
			if v.slow {
				wrongs = nil // the cheap vectors of the same format cover wrong passwords
			}
			for _, wrong := range wrongs {
				if wrong == v.password {
					continue
				}
				ok, upgrade, err := h.Verify(ctx, wrong, v.encoded)
				if ok || upgrade || err != nil {
					t.Errorf("Verify(%q) = %v, %v, %v; want false, false, nil", wrong, ok, upgrade, err)
				}
			}
			want := int64(1 + len(wrongs))
			if v.password == "" {
				want-- // "" is not tried as a wrong password
			}
			if got := n.Load() - before; got != want {
				t.Errorf("%d computations for %d Verify calls", got, want)
			}
		})
	}
}

var argon2Re = regexp.MustCompile(`^argon2\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashRoundTrip(t *testing.T) {
	var n atomic.Int64
	h := cheap(&n)
	ctx := context.Background()
	for _, pw := range []string{"password", "", "pa\x00ss", "\U0001F600\U0001F601", " x ", strings.Repeat("\u00e9", MaxLength/2-1)} {
		enc, err := h.Hash(ctx, pw)
		if err != nil {
			t.Fatal(err)
		}
		m := argon2Re.FindStringSubmatch(enc)
		if m == nil || m[1] != "64" || m[2] != "1" || m[3] != "1" {
			t.Fatalf("Hash(%q) = %q: not argon2id m=64,t=1,p=1 with 16-byte salt and 32-byte key", pw, enc)
		}
		ok, upgrade, err := h.Verify(ctx, pw, enc)
		if !ok || upgrade || err != nil {
			t.Errorf("Verify(own hash of %q) = %v, %v, %v", pw, ok, upgrade, err)
		}
		if ok, _, _ := h.Verify(ctx, pw+"\x00", enc); ok {
			t.Errorf("%q+NUL matched", pw)
		}
		enc2, _ := h.Hash(ctx, pw)
		if enc2 == enc {
			t.Errorf("two hashes of %q are equal: salt not random", pw)
		}
	}
	// Exactly one computation per call: 6 × (Hash, Verify, Verify, Hash).
	if got := n.Load(); got != 24 {
		t.Errorf("computations = %d, want 24", got)
	}
	if h.Computations() != 24 {
		t.Errorf("Computations() = %d", h.Computations())
	}
}

func TestNULAndUnicode(t *testing.T) {
	h := cheap(nil)
	ctx := context.Background()
	cases := []struct{ set, try string }{
		{"pa\x00ss", "pa"},
		{"pa\x00ss", "pa\x00sx"},
		{"\U0001F600", "\U0001F601"},
		{"e\u0301", "\u00e9"},                              // no Unicode normalisation
		{" secret ", "secret"},                             // no trimming
		{"\u05e9\u05dc\u05d5\u05dd", "\u05e9\u05dc\u05d5"}, // RTL
	}
	for _, c := range cases {
		enc, err := h.Hash(ctx, c.set)
		if err != nil {
			t.Fatal(err)
		}
		if ok, _, _ := h.Verify(ctx, c.set, enc); !ok {
			t.Errorf("%q does not verify", c.set)
		}
		if ok, _, _ := h.Verify(ctx, c.try, enc); ok {
			t.Errorf("%q matched the hash of %q", c.try, c.set)
		}
	}
}

func TestZeroHasherUsesOWASPParameters(t *testing.T) {
	var h Hasher
	if err := h.Check(); err != nil {
		t.Fatalf("Check() = %v", err)
	}
	enc, err := h.Hash(context.Background(), "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "argon2$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("Hash = %q", enc)
	}
	ok, upgrade, err := h.Verify(context.Background(), "correct horse", enc)
	if !ok || upgrade || err != nil {
		t.Fatalf("Verify = %v, %v, %v", ok, upgrade, err)
	}
}

func TestUpgradeFlags(t *testing.T) {
	ctx := context.Background()
	mk := func(m, tm uint32, p uint8) *Hasher { return &Hasher{Memory: m, Time: tm, Threads: p} }
	enc, err := mk(64, 1, 1).Hash(ctx, "pw")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		h    *Hasher
		want bool
	}{
		{mk(64, 1, 1), false},
		{mk(72, 1, 1), true},
		{mk(64, 2, 1), true},
		{mk(64, 1, 2), true},
	} {
		ok, up, err := c.h.Verify(ctx, "pw", enc)
		if !ok || up != c.want || err != nil {
			t.Errorf("m=%d,t=%d,p=%d: Verify = %v, %v, %v; want upgrade %v", c.h.Memory, c.h.Time, c.h.Threads, ok, up, err, c.want)
		}
		// Never an upgrade for a wrong password.
		if ok, up, _ := c.h.Verify(ctx, "wrong", enc); ok || up {
			t.Errorf("wrong password: ok=%v upgrade=%v", ok, up)
		}
	}

	// Salt length: 15 bytes → upgrade, 16 → none (hash length is irrelevant).
	h := mk(64, 1, 1)
	p := h.params()
	for _, c := range []struct {
		salt, key int
		want      bool
	}{{8, 32, true}, {15, 32, true}, {16, 32, false}, {16, 16, false}, {22, 64, false}} {
		salt := []byte(strings.Repeat("s", c.salt))
		key := (&argon2Hash{variant: argon2ID, p: p, salt: salt, key: make([]byte, c.key)}).derive("pw")
		enc := encodeArgon2(argon2ID, p, salt, key)
		ok, up, err := h.Verify(ctx, "pw", enc)
		if !ok || up != c.want || err != nil {
			t.Errorf("salt %d, key %d: Verify = %v, %v, %v; want upgrade %v", c.salt, c.key, ok, up, err, c.want)
		}
	}
}

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		h    *Hasher
		want error
	}{
		{&Hasher{}, nil},
		{&Hasher{Memory: 47104, Time: 1}, nil},
		{&Hasher{Memory: 12288, Time: 3}, nil},
		{&Hasher{Memory: 7168, Time: 5}, nil},
		{&Hasher{Memory: 19455}, ErrWeakParameters},
		{&Hasher{Memory: 19456, Time: 1}, ErrWeakParameters},
		{&Hasher{Memory: 64, Time: 1}, ErrWeakParameters},
		{&Hasher{Memory: 7, Time: 1}, ErrUnsafeParameters},
		{&Hasher{Memory: 64, Threads: 9}, ErrUnsafeParameters},
		{&Hasher{Memory: MaxArgon2Memory + 1}, ErrUnsafeParameters},
		{&Hasher{Time: MaxArgon2Time + 1}, ErrUnsafeParameters},
		{&Hasher{Memory: 1 << 20, Threads: MaxArgon2Threads + 1}, ErrUnsafeParameters},
	} {
		if err := c.h.Check(); !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("Hasher{m=%d,t=%d,p=%d}.Check() = %v, want %v", c.h.Memory, c.h.Time, c.h.Threads, err, c.want)
		}
	}
	// A Hasher with unusable parameters refuses to hash, verify or burn.
	refusesUnsafe(t, &Hasher{Memory: 4})
}

func TestTooLong(t *testing.T) {
	var n atomic.Int64
	h := cheap(&n)
	ctx := context.Background()
	huge := strings.Repeat("a", 1<<20)
	justOver := strings.Repeat("\u00e9", MaxLength/2) + "x" // 4097 bytes, 2049 characters
	for _, pw := range []string{huge, justOver} {
		if _, err := h.Hash(ctx, pw); err != ErrTooLong {
			t.Errorf("Hash: %v", err)
		}
		for _, enc := range []string{djangoVectors[1].encoded, djangoVectors[7].encoded, "!", ""} {
			if ok, up, err := h.Verify(ctx, pw, enc); ok || up || err != ErrTooLong {
				t.Errorf("Verify(%.20q): %v, %v, %v", enc, ok, up, err)
			}
		}
		if err := h.Burn(ctx, pw); err != ErrTooLong {
			t.Errorf("Burn: %v", err)
		}
		if _, err := EncodePBKDF2(pw, "salt", 1000, false); err != ErrTooLong {
			t.Errorf("EncodePBKDF2: %v", err)
		}
		if _, err := EncodeBCryptSHA256(pw, 4); err != ErrTooLong {
			t.Errorf("EncodeBCryptSHA256: %v", err)
		}
	}
	if n.Load() != 0 || h.Computations() != 0 {
		t.Fatalf("%d computations for over-long passwords, want 0", n.Load())
	}
	if ErrTooLong.Error() != "password is too long" {
		t.Errorf("ErrTooLong = %q", ErrTooLong)
	}
	// Exactly MaxLength bytes is fine.
	pw := strings.Repeat("b", MaxLength)
	enc, err := h.Hash(ctx, pw)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, err := h.Verify(ctx, pw, enc); !ok || err != nil {
		t.Errorf("MaxLength password: %v, %v", ok, err)
	}
}

// TestOneComputationPerVerify is the ENUM-02/TS-04 guarantee: every Verify
// and Burn costs exactly one computation, whatever the stored value.
func TestOneComputationPerVerify(t *testing.T) {
	var n atomic.Int64
	h := cheap(&n)
	ctx := context.Background()
	good, _ := h.Hash(ctx, "pw")
	cases := []struct {
		encoded string
		wantErr error
	}{
		{good, nil},
		{djangoVectors[9].encoded, nil},  // pbkdf2 1000
		{djangoVectors[13].encoded, nil}, // bcrypt_sha256 cost 4
		{djangoVectors[16].encoded, nil}, // bcrypt cost 4
		{Unusable(), nil},
		{"!", nil},
		{"", nil},
		{"md5$abc$0123456789abcdef0123456789abcdef", nil},
		{"sha1$$0123456789abcdef0123456789abcdef01234567", nil},
		{"0123456789abcdef0123456789abcdef", nil}, // unsalted md5
		{"scrypt$16384$salt$8$1$aGFzaA==", nil},
		{"plaintext", nil},
		{"argon2$argon2d$v=19$m=64,t=1,p=1$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$18cLW5YVQqb3oCAwQymu6Q", ErrUnknownFormat},
		{"pbkdf2_sha256$x$salt$hash", ErrUnknownFormat},
		{"argon2$argon2id$v=19$m=4194304,t=1,p=1$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$18cLW5YVQqb3oCAwQymu6Q", ErrUnsafeParameters},
	}
	for _, c := range cases {
		before := n.Load()
		ok, up, err := h.Verify(ctx, "pw", c.encoded)
		if got := n.Load() - before; got != 1 {
			t.Errorf("Verify(%.30q): %d computations, want 1", c.encoded, got)
		}
		if c.encoded == good {
			if !ok {
				t.Errorf("own hash did not verify")
			}
			continue
		}
		if ok || up || !errors.Is(err, c.wantErr) || (c.wantErr == nil) != (err == nil) {
			t.Errorf("Verify(%.30q) = %v, %v, %v; want false, false, %v", c.encoded, ok, up, err, c.wantErr)
		}
	}
	before := n.Load()
	for i := 0; i < 3; i++ {
		if err := h.Burn(ctx, "someone"); err != nil {
			t.Fatal(err)
		}
	}
	if got := n.Load() - before; got != 3 {
		t.Errorf("3 Burn calls: %d computations", got)
	}
}

func TestContextCanceled(t *testing.T) {
	var n atomic.Int64
	h := cheap(&n)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(ctx, "pw"); err != context.Canceled {
		t.Errorf("Hash: %v", err)
	}
	if _, _, err := h.Verify(ctx, "pw", djangoVectors[1].encoded); err != context.Canceled {
		t.Errorf("Verify: %v", err)
	}
	if _, _, err := h.Verify(ctx, "pw", "!"); err != context.Canceled {
		t.Errorf("Verify(unusable): %v", err)
	}
	if err := h.Burn(ctx, "pw"); err != context.Canceled {
		t.Errorf("Burn: %v", err)
	}
	if n.Load() != 0 {
		t.Errorf("%d computations with a canceled context", n.Load())
	}
}

func BenchmarkHashDefault(b *testing.B) {
	var h Hasher
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyDefault(b *testing.B) {
	var h Hasher
	ctx := context.Background()
	enc, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if ok, _, _ := h.Verify(ctx, "correct horse battery staple", enc); !ok {
			b.Fatal("no match")
		}
	}
}

func BenchmarkVerifyUnusable(b *testing.B) {
	var h Hasher
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if ok, _, _ := h.Verify(ctx, "correct horse battery staple", "!"); ok {
			b.Fatal("match")
		}
	}
}

// refusesUnsafe checks that bad, a Hasher with unusable parameters, refuses to hash, verify or burn,
// and computes nothing.
func refusesUnsafe(t *testing.T, bad *Hasher) {
	t.Helper()
	var n atomic.Int64
	bad.OnCompute = func() { n.Add(1) }
	ctx := context.Background()
	if _, err := bad.Hash(ctx, "x"); !errors.Is(err, ErrUnsafeParameters) {
		t.Errorf("Hash: %v", err)
	}
	if _, _, err := bad.Verify(ctx, "x", "!"); !errors.Is(err, ErrUnsafeParameters) {
		t.Errorf("Verify: %v", err)
	}
	if err := bad.Burn(ctx, "x"); !errors.Is(err, ErrUnsafeParameters) {
		t.Errorf("Burn: %v", err)
	}
	if n.Load() != 0 {
		t.Errorf("%d computations", n.Load())
	}
}
