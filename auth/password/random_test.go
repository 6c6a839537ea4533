package password

import (
	"strings"
	"testing"
)

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune(alnum, rune(s[i])) {
			return false
		}
	}
	return true
}

func TestUnusable(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		u := Unusable()
		if len(u) != 41 || u[0] != '!' || !isAlnum(u[1:]) {
			t.Fatalf("Unusable() = %q", u)
		}
		if seen[u] {
			t.Fatalf("Unusable() repeated %q", u)
		}
		seen[u] = true
		if IsUsable(u) {
			t.Fatalf("IsUsable(%q) = true", u)
		}
	}
	for _, c := range []struct {
		encoded string
		want    bool
	}{
		{"!", false},
		{"!anything", false},
		{"", false},
		{"pbkdf2_sha256$260000$abcdefghijklmnopqrstuv$9jpp8cVQt7a7ujJrWzr0KoytR5UBy9qbF8d2OUhc1SY=", true},
		{"argon2$argon2id$v=19$m=64,t=1,p=1$x$y", true},
		{"unknown-but-not-unusable", true},
	} {
		if got := IsUsable(c.encoded); got != c.want {
			t.Errorf("IsUsable(%q) = %v", c.encoded, got)
		}
	}
}

func TestSalt(t *testing.T) {
	seen := map[string]bool{}
	counts := map[byte]int{}
	for i := 0; i < 1000; i++ {
		s, err := Salt()
		if err != nil {
			t.Fatal(err)
		}
		if len(s) != 22 || !isAlnum(s) {
			t.Fatalf("Salt() = %q", s)
		}
		if seen[s] {
			t.Fatalf("Salt() repeated %q", s)
		}
		seen[s] = true
		for j := 0; j < len(s); j++ {
			counts[s[j]]++
		}
	}
	// 22,000 characters: each of the 62 is expected ~355 times.
	if len(counts) != 62 {
		t.Errorf("only %d distinct characters in 1000 salts", len(counts))
	}
	for c, n := range counts {
		if n < 200 || n > 520 {
			t.Errorf("character %q appeared %d times (expected ~355)", c, n)
		}
	}
}
