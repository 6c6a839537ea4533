package password

import (
	"runtime"
	"strings"
	"testing"
)

func TestCommonPassword(t *testing.T) {
	for _, c := range []struct {
		pw     string
		common bool
	}{
		{"password", true},
		{"123456", true},
		{"godzilla", true},
		{" GODZILLA ", true},
		{"\tQwerty\n", true},
		{"a-safe-password", false},
		{"correct horse battery staple", false},
		{"", false},
	} {
		err := CommonPassword{}.Validate(c.pw, nil)
		if (err != nil) != c.common {
			t.Errorf("CommonPassword(%q) = %v", c.pw, err)
		}
		if err != nil && err.Error() != "This password is too common." {
			t.Errorf("message %q", err)
		}
		if IsCommon(c.pw) != c.common {
			t.Errorf("IsCommon(%q) = %v", c.pw, !c.common)
		}
	}
}

// TestCommonList checks the embedded list is what COMMON-PASSWORDS.md says:
// 3410 distinct, lowercased, trimmed, non-empty entries.
func TestCommonList(t *testing.T) {
	set, err := loadCommon()
	if err != nil {
		t.Fatal(err)
	}
	if len(set) != 3410 {
		t.Errorf("%d entries, want 3410", len(set))
	}
	for w := range set {
		if w != strings.ToLower(strings.TrimSpace(w)) || w == "" {
			t.Errorf("entry %q is not normalised", w)
		}
	}
	// Report the memory the set costs once loaded.
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	set, _ = loadCommon()
	runtime.GC()
	runtime.ReadMemStats(&after)
	t.Logf("common password set: %d entries, ~%d KiB live heap, %d KiB embedded gzip",
		len(set), (int64(after.HeapAlloc)-int64(before.HeapAlloc))/1024, len(commonGz)/1024)
	runtime.KeepAlive(set)
}

func BenchmarkCommonListLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := loadCommon(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCommonPasswordValidate(b *testing.B) {
	commonPasswords()
	b.ReportAllocs()
	for b.Loop() {
		CommonPassword{}.Validate("Correct Horse", nil)
	}
}
