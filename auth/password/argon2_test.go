package password

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// Vectors from the reference implementation's command-line tool (Debian
// package argon2 0~20171227-0.3+deb12u1, phc-winner-argon2 20171227), made
// with:
//
//	printf 'password' | argon2 somesaltsomesalt -id -t 1 -k 64 -p 1 -l 32 -e
//	printf 'password' | argon2 somesaltsomesalt -id -t 2 -k 19456 -p 1 -l 32 -e
//	printf 'correct horse' | argon2 somesaltsomesalt -i -t 3 -k 256 -p 2 -l 32 -e
var referenceVectors = []struct {
	password string
	variant  string
	p        params
	phc      string
}{
	{"password", argon2ID, params{64, 1, 1}, "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$55PWTvddWPUD1GMbKxSff4ASfF85k9ibHJt4HlHQtBM"},
	{"password", argon2ID, params{19456, 2, 1}, "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$K13EBUiG7JV+9ZxztmHFTdb7J0WQsnj2V8bZaqyPptE"},
	{"correct horse", argon2I, params{256, 3, 2}, "$argon2i$v=19$m=256,t=3,p=2$c29tZXNhbHRzb21lc2FsdA$pugtCg87mWUcNtaSdAVuZf7pe44CMcfenpx3g3bk7BM"},
}

func TestArgon2ReferenceVectors(t *testing.T) {
	salt := []byte("somesaltsomesalt")
	for _, v := range referenceVectors {
		a := &argon2Hash{variant: v.variant, p: v.p, salt: salt, key: make([]byte, 32)}
		got := encodeArgon2(v.variant, v.p, salt, a.derive(v.password))
		if want := "argon2" + v.phc; got != want {
			t.Errorf("encode = %s\n   want %s", got, want)
		}
		h := &Hasher{Memory: v.p.memory, Time: v.p.time, Threads: v.p.threads}
		ok, upgrade, err := h.Verify(context.Background(), v.password, "argon2"+v.phc)
		if !ok || err != nil || upgrade != (v.variant != argon2ID) {
			t.Errorf("Verify(%s) = %v, %v, %v", v.phc, ok, upgrade, err)
		}
	}
}

func TestParseArgon2(t *testing.T) {
	const salt, key = "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg", "18cLW5YVQqb3oCAwQymu6Q"
	enc := func(variant, ps string) string {
		return "argon2$" + variant + "$v=19$" + ps + "$" + salt + "$" + key
	}
	cases := []struct {
		name    string
		encoded string
		want    error
	}{
		{"valid", enc("argon2id", "m=64,t=1,p=1"), nil},
		{"valid argon2i", enc("argon2i", "m=64,t=1,p=1"), nil},
		{"at the caps", enc("argon2id", "m=262144,t=20,p=32"), nil},
		{"m = 8p", enc("argon2id", "m=16,t=1,p=2"), nil},
		{"argon2d", enc("argon2d", "m=64,t=1,p=1"), ErrUnknownFormat},
		{"no version (v=16 era)", "argon2$argon2i$m=64,t=1,p=1$" + salt + "$" + key, ErrUnknownFormat},
		{"version 16", strings.Replace(enc("argon2id", "m=64,t=1,p=1"), "v=19", "v=16", 1), ErrUnknownFormat},
		{"params out of order", enc("argon2id", "t=1,m=64,p=1"), ErrUnknownFormat},
		{"extra param", enc("argon2id", "m=64,t=1,p=1,x=1"), ErrUnknownFormat},
		{"missing param", enc("argon2id", "m=64,t=1"), ErrUnknownFormat},
		{"plus sign", enc("argon2id", "m=+64,t=1,p=1"), ErrUnknownFormat},
		{"minus sign", enc("argon2id", "m=-64,t=1,p=1"), ErrUnknownFormat},
		{"space", enc("argon2id", "m= 64,t=1,p=1"), ErrUnknownFormat},
		{"11 digits", enc("argon2id", "m=10000000000,t=1,p=1"), ErrUnknownFormat},
		{"padded salt", "argon2$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + key, ErrUnknownFormat},
		{"bad base64", "argon2$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key[:20] + "!!", ErrUnknownFormat},
		{"salt 7 bytes", "argon2$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbA$" + key, ErrUnknownFormat},
		{"key 15 bytes", "argon2$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key[:20], ErrUnknownFormat},
		{"extra field", enc("argon2id", "m=64,t=1,p=1") + "$x", ErrUnknownFormat},
		{"too few fields", "argon2$argon2id$v=19$m=64,t=1,p=1$" + salt, ErrUnknownFormat},
		{"empty rest", "argon2$", ErrUnknownFormat},
		{"too long", enc("argon2id", "m=64,t=1,p=1") + strings.Repeat("A", maxEncodedLength), ErrUnknownFormat},
		{"m above cap", enc("argon2id", "m=262145,t=1,p=1"), ErrUnsafeParameters},
		{"m = 4 GiB", enc("argon2id", "m=4194304,t=1,p=1"), ErrUnsafeParameters},
		{"m overflows uint32", enc("argon2id", "m=4294967296,t=1,p=1"), ErrUnsafeParameters},
		{"t above cap", enc("argon2id", "m=64,t=21,p=1"), ErrUnsafeParameters},
		{"t zero", enc("argon2id", "m=64,t=0,p=1"), ErrUnsafeParameters},
		{"p above cap", enc("argon2id", "m=1024,t=1,p=33"), ErrUnsafeParameters},
		{"p over 255", enc("argon2id", "m=4096,t=1,p=256"), ErrUnsafeParameters},
		{"p zero", enc("argon2id", "m=64,t=1,p=0"), ErrUnsafeParameters},
		{"m below 8p", enc("argon2id", "m=15,t=1,p=2"), ErrUnsafeParameters},
	}
	for _, c := range cases {
		st, err := parseEncoded(c.encoded, &defaultLimits)
		if c.want == nil {
			if st == nil || err != nil {
				t.Errorf("%s: parse = %v, %v; want a hash", c.name, st, err)
			}
			continue
		}
		if st != nil || !errors.Is(err, c.want) {
			t.Errorf("%s: parse = %v, %v; want %v", c.name, st, err, c.want)
		}
		if errors.Is(c.want, ErrUnsafeParameters) != errors.Is(err, ErrUnsafeParameters) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if !errors.Is(ErrUnsafeParameters, ErrUnknownFormat) {
		t.Error("ErrUnsafeParameters does not wrap ErrUnknownFormat")
	}
}

// TestVerifyRefusesAbsurdParameters checks that a stored hash demanding
// 4 GiB is refused (after the usual cheap burn) rather than computed.
func TestVerifyRefusesAbsurdParameters(t *testing.T) {
	h := cheap(nil)
	const key = "$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$18cLW5YVQqb3oCAwQymu6Q"
	for _, ps := range []string{"m=4194304,t=1,p=1", "m=64,t=4294967295,p=1", "m=262144,t=21,p=1", "m=65536,t=1,p=64"} {
		ok, up, err := h.Verify(context.Background(), "password", "argon2$argon2id$v=19$"+ps+key)
		if ok || up || !errors.Is(err, ErrUnsafeParameters) {
			t.Errorf("%s: %v, %v, %v", ps, ok, up, err)
		}
	}
}
