package session

import (
	"strings"
	"testing"
)

func TestNewKey(t *testing.T) {
	seen := make(map[string]bool)
	var counts [256]int
	for range 2000 {
		k, err := NewKey()
		if err != nil {
			t.Fatal(err)
		}
		if !ValidKey(k) {
			t.Fatalf("NewKey gave %q, which ValidKey rejects", k)
		}
		if seen[k] {
			t.Fatalf("duplicate key %q", k)
		}
		seen[k] = true
		for i := 0; i < len(k); i++ {
			counts[k[i]]++
		}
	}
	// 64,000 characters over 36 symbols: each expected ~1778 times; a biased generator stands out.
	for _, c := range keyChars {
		if n := counts[c]; n < 1500 || n > 2060 {
			t.Errorf("character %q appeared %d times", c, n)
		}
	}
}

func TestValidKey(t *testing.T) {
	for _, k := range []string{"", "short", strings.Repeat("a", 31), strings.Repeat("a", 33), strings.Repeat("A", 32),
		strings.Repeat("a", 31) + "-", strings.Repeat("a", 31) + "\x00", strings.Repeat("é", 16)} {
		if ValidKey(k) {
			t.Errorf("ValidKey(%q) = true", k)
		}
	}
	if !ValidKey("abcdefghijklmnopqrstuvwxyz012345") {
		t.Error("a well-formed key was rejected")
	}
}

func TestHashAndPublicID(t *testing.T) {
	k := "abcdefghijklmnopqrstuvwxyz012345"
	id := HashKey(k)
	if len(id) != 64 || strings.Contains(id, k) {
		t.Fatalf("HashKey = %q", id)
	}
	p := PublicID(id)
	if len(p) != 20 || strings.Contains(id, p) || p == PublicID(HashKey("abcdefghijklmnopqrstuvwxyz012346")) {
		t.Fatalf("PublicID = %q", p)
	}
}
