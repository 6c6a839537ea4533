package password

import (
	"context"
	"errors"
	"testing"
)

// FuzzVerify feeds arbitrary stored values and passwords to Verify. It must
// never panic, never report upgrade without ok, never return ok with an
// error, and cost exactly one computation unless it refused up front. Tight
// limits keep each iteration cheap (argon2 at most 256 KiB, 2 passes;
// PBKDF2 at most 2000 iterations; bcrypt cost at most 5).
func FuzzVerify(f *testing.F) {
	for _, v := range djangoVectors {
		f.Add(v.password, v.encoded)
	}
	for _, v := range referenceVectors {
		f.Add(v.password, "argon2"+v.phc)
	}
	for _, s := range []string{"", "!", "!x", "$", "$$", "argon2$", "argon2$argon2id$v=19$m=,t=,p=$$",
		"pbkdf2_sha256$$$", "bcrypt_sha256$$2b$$", "bcrypt$", "md5$$x", "argon2$argon2id$v=19$m=64,t=1,p=1$$"} {
		f.Add("password", s)
	}
	h := &Hasher{Memory: 64, Time: 1, caps: &limits{memory: 256, time: 2, threads: 4, iterations: 2000, bcryptCost: 5}}
	var n int64
	h.OnCompute = func() { n++ }
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, password, encoded string) {
		before := n
		ok, upgrade, err := h.Verify(ctx, password, encoded)
		if upgrade && !ok {
			t.Fatalf("upgrade without ok for %q", encoded)
		}
		if ok && err != nil {
			t.Fatalf("ok with error %v for %q", err, encoded)
		}
		if err != nil && !errors.Is(err, ErrUnknownFormat) && err != ErrTooLong {
			t.Fatalf("unexpected error %v for %q", err, encoded)
		}
		want := int64(1)
		if err == ErrTooLong {
			want = 0
		}
		if n-before != want {
			t.Fatalf("%d computations for %q", n-before, encoded)
		}
	})
}
