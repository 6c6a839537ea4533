package password

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestEncodeBCryptSHA256(t *testing.T) {
	h := cheap(nil)
	ctx := context.Background()
	enc, err := EncodeBCryptSHA256("password \U0001F600\x00", 4)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "bcrypt_sha256$$2b$04$") || len(enc) != len("bcrypt_sha256$")+60 {
		t.Fatalf("EncodeBCryptSHA256 = %q", enc)
	}
	ok, upgrade, err := h.Verify(ctx, "password \U0001F600\x00", enc)
	if !ok || !upgrade || err != nil {
		t.Errorf("Verify = %v, %v, %v; want true, true, nil", ok, upgrade, err)
	}
	if ok, _, _ := h.Verify(ctx, "password \U0001F600", enc); ok {
		t.Error("password without the trailing NUL matched")
	}
	// The "2a" and "2y" labels of the same hash verify too.
	for _, label := range []string{"2a", "2y"} {
		alt := strings.Replace(enc, "$2b$", "$"+label+"$", 1)
		if ok, _, err := h.Verify(ctx, "password \U0001F600\x00", alt); !ok || err != nil {
			t.Errorf("$%s$ relabelled hash: %v, %v", label, ok, err)
		}
	}
	for _, cost := range []int{-1, 0, 3, MaxBCryptCost + 1, 31} {
		if _, err := EncodeBCryptSHA256("pw", cost); !errors.Is(err, ErrUnsafeParameters) {
			t.Errorf("cost %d: %v", cost, err)
		}
	}
}

// TestBCryptNoTruncation is PS-02(b): with bcrypt_sha256, 80×'a' and
// 72×'a'+8×'b' are different passwords, although plain bcrypt would only see
// their first 72 bytes.
func TestBCryptNoTruncation(t *testing.T) {
	h := cheap(nil)
	ctx := context.Background()
	a80 := strings.Repeat("a", 80)
	a72b8 := strings.Repeat("a", 72) + strings.Repeat("b", 8)
	enc, err := EncodeBCryptSHA256(a80, 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []string{enc, djangoVectors[14].encoded} {
		if ok, _, _ := h.Verify(ctx, a80, e); !ok {
			t.Errorf("80×a does not verify against %s", e)
		}
		if ok, _, _ := h.Verify(ctx, a72b8, e); ok {
			t.Errorf("72×a+8×b matched the hash of 80×a (%s)", e)
		}
	}

	// Plain bcrypt: Django's hash of 72×'a'. Django 3.2 with bcrypt 3.2.2
	// also accepts 80×'a' for it (bcrypt ignores bytes past 72); we do not.
	plain := djangoVectors[17].encoded
	if ok, _, _ := h.Verify(ctx, strings.Repeat("a", 72), plain); !ok {
		t.Error("72×a does not verify against its plain bcrypt hash")
	}
	var n int
	h.OnCompute = func() { n++ }
	for _, pw := range []string{a80, strings.Repeat("a", 73), strings.Repeat("a", 72) + "\x00"} {
		if ok, _, err := h.Verify(ctx, pw, plain); ok || err != nil {
			t.Errorf("%d-byte password matched a plain bcrypt hash: %v, %v", len(pw), ok, err)
		}
	}
	if n != 3 {
		t.Errorf("%d computations for 3 refused long passwords, want 3 (same work)", n)
	}
}

func TestParseBCrypt(t *testing.T) {
	const good = "bcrypt_sha256$$2b$04$G922nYDxp.dQM9pP.yNuPO9y3dwZU3NT1a0qGlkIRXmjKKyNe3L/u"
	cases := []struct {
		encoded string
		want    error
	}{
		{good, nil},
		{strings.Replace(good, "$2b$", "$2a$", 1), nil},
		{strings.Replace(good, "$2b$", "$2y$", 1), nil},
		{strings.Replace(good, "$04$", "$16$", 1), nil},
		{"bcrypt$$2b$04$JejU0D8kaSBZLanwkOxJBuGTXEXLlg0JpX2NYFxMwPBljRVqVtvty", nil},
		{strings.Replace(good, "$2b$", "$2x$", 1), ErrUnknownFormat},
		{strings.Replace(good, "$2b$", "$3b$", 1), ErrUnknownFormat},
		{strings.Replace(good, "$04$", "$4a$", 1), ErrUnknownFormat},
		{strings.Replace(good, "$04$", "$+4$", 1), ErrUnknownFormat},
		{good[:len(good)-1], ErrUnknownFormat},
		{good + "u", ErrUnknownFormat},
		{good[:len(good)-1] + "!", ErrUnknownFormat},
		{"bcrypt_sha256$2b$04$G922nYDxp.dQM9pP.yNuPO9y3dwZU3NT1a0qGlkIRXmjKKyNe3L/u", ErrUnknownFormat},
		{"bcrypt_sha256$", ErrUnknownFormat},
		{strings.Replace(good, "$04$", "$03$", 1), ErrUnsafeParameters},
		{strings.Replace(good, "$04$", "$17$", 1), ErrUnsafeParameters},
		{strings.Replace(good, "$04$", "$31$", 1), ErrUnsafeParameters},
		{strings.Replace(good, "$04$", "$99$", 1), ErrUnsafeParameters},
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
}
