package csrf

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// The spec's vector (§2.8.1), observed against Django.
const (
	vecSecret = "PL0s3Xpu29IDO9BRiguterOShoFnL00v"
	vecMask   = "4Hoc0aephIWlg94iTOvUbfEs98OMqOSM"
	vecToken  = "4Hoc0aephIWlg94iTOvUbfEs98OMqOSMJieuTXtJ9HuOU8vZ1UPdfwiagmjZ1EI7"
)

func TestDjangoTestVector(t *testing.T) {
	if got := maskWith(vecSecret, vecMask); got != vecToken {
		t.Errorf("maskWith = %q, want %q", got, vecToken)
	}
	got, err := Unmask(vecToken)
	if err != nil || got != vecSecret {
		t.Errorf("Unmask = %q, %v; want %q", got, err, vecSecret)
	}
	if !Match(vecToken, vecSecret) || !Match(vecSecret, vecSecret) || !Match(vecToken, vecToken) {
		t.Error("Match rejects the vector")
	}
}

func TestAlphabetIsDjangos(t *testing.T) {
	// string.ascii_letters + string.digits
	const want = "abcdefghijklmnopqrstuvwxyz" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + "0123456789"
	if allowedChars != want {
		t.Fatalf("alphabet %q", allowedChars)
	}
	for c := 0; c < 256; c++ {
		wantIdx := strings.IndexByte(want, byte(c))
		if int(charIndex[c]) != wantIdx {
			t.Fatalf("charIndex[%q] = %d, want %d", byte(c), charIndex[c], wantIdx)
		}
	}
}

func TestNewSecret(t *testing.T) {
	const n = 2000
	seen := make(map[string]bool, n)
	counts := make(map[byte]int)
	for range n {
		s, err := NewSecret()
		if err != nil {
			t.Fatal(err)
		}
		if len(s) != SecretLength || CheckFormat(s) != nil {
			t.Fatalf("bad secret %q", s)
		}
		if seen[s] {
			t.Fatalf("repeated secret %q", s)
		}
		seen[s] = true
		for i := 0; i < len(s); i++ {
			counts[s[i]]++
		}
	}
	// 64000 draws over 62 characters: about 1032 each. A biased
	// generator (modulo without rejection, a wrong alphabet) shows up as
	// missing characters or counts far from that.
	if len(counts) != numChars {
		t.Fatalf("only %d distinct characters", len(counts))
	}
	for c, k := range counts {
		if k < 800 || k > 1300 {
			t.Errorf("character %q drawn %d times, expected about 1032", c, k)
		}
	}
}

// withRandReader swaps the random source for one test. Tests using it
// must not run in parallel.
func withRandReader(t *testing.T, r io.Reader) {
	t.Helper()
	old := randReader
	randReader = r
	t.Cleanup(func() { randReader = old })
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("entropy source broken") }

func TestRandomFailureIsAnError(t *testing.T) {
	withRandReader(t, failingReader{})
	if s, err := NewSecret(); err == nil || s != "" {
		t.Errorf("NewSecret = %q, %v; want an error", s, err)
	}
	if s, err := Mask(vecSecret); err == nil || s != "" {
		t.Errorf("Mask = %q, %v; want an error", s, err)
	}
	// A short read is a failure too, not a shorter secret.
	withRandReader(t, io.LimitReader(bytes.NewReader(make([]byte, 100)), 10))
	if _, err := NewSecret(); err == nil {
		t.Error("NewSecret accepted a short read")
	}
}

func TestFillRandomRejectsBiasedBytes(t *testing.T) {
	// 248..255 would make "a".."h" more likely if reduced modulo 62; they
	// must be skipped. 61 -> '9', 62 -> 'a' (62 mod 62), 247 -> '9'.
	src := []byte{255, 248, 0, 61, 62, 247, 250, 1}
	src = append(src, bytes.Repeat([]byte{2}, 40)...)
	withRandReader(t, bytes.NewReader(src))
	got, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	want := "a9a9b" + strings.Repeat("c", 27)
	if got != want {
		t.Errorf("NewSecret = %q, want %q", got, want)
	}
}

func TestMask(t *testing.T) {
	a, err := Mask(vecSecret)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Mask(vecSecret)
	if a == b {
		t.Error("two masks are equal; the mask must be fresh on every call")
	}
	for _, tok := range []string{a, b} {
		if len(tok) != TokenLength || CheckFormat(tok) != nil {
			t.Errorf("bad token %q", tok)
		}
		if s, err := Unmask(tok); err != nil || s != vecSecret {
			t.Errorf("Unmask(Mask) = %q, %v", s, err)
		}
	}
	for _, bad := range []struct {
		in   string
		want error
	}{
		{"", ErrIncorrectLength},
		{vecToken, ErrIncorrectLength}, // masked values are not secrets
		{strings.Repeat("*", SecretLength), ErrInvalidCharacters},
	} {
		if _, err := Mask(bad.in); err != bad.want {
			t.Errorf("Mask(%q) error = %v, want %v", bad.in, err, bad.want)
		}
	}
}

func TestUnmaskAndCheckFormat(t *testing.T) {
	tests := []struct {
		name, in, want string
		err            error
	}{
		{"masked", vecToken, vecSecret, nil},
		{"raw secret as is", vecSecret, vecSecret, nil},
		{"empty", "", "", ErrIncorrectLength},
		{"31", vecSecret[:31], "", ErrIncorrectLength},
		{"33", vecSecret + "a", "", ErrIncorrectLength},
		{"63", vecToken[:63], "", ErrIncorrectLength},
		{"65", vecToken + "a", "", ErrIncorrectLength},
		{"100000", strings.Repeat("a", 100000), "", ErrIncorrectLength},
		{"stars 64", strings.Repeat("*", 64), "", ErrInvalidCharacters},
		{"stars 32", strings.Repeat("*", 32), "", ErrInvalidCharacters},
		{"non-ASCII", strings.Repeat("a", 62) + "é", "", ErrInvalidCharacters},
		{"NUL", strings.Repeat("a", 63) + "\x00", "", ErrInvalidCharacters},
		{"url-safe base64", strings.Repeat("a", 63) + "-", "", ErrInvalidCharacters},
		{"invalid length beats invalid characters", strings.Repeat("*", 10), "", ErrIncorrectLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Unmask(tt.in)
			if got != tt.want || err != tt.err {
				t.Errorf("Unmask = %q, %v; want %q, %v", got, err, tt.want, tt.err)
			}
			if err := CheckFormat(tt.in); err != tt.err {
				t.Errorf("CheckFormat = %v, want %v", err, tt.err)
			}
		})
	}
	if ErrIncorrectLength.Error() != "has incorrect length" || ErrInvalidCharacters.Error() != "has invalid characters" {
		t.Error("error texts must be Django's reasons")
	}
}

func TestMatch(t *testing.T) {
	other, _ := NewSecret()
	masked, _ := Mask(vecSecret)
	legacyCookie, _ := Mask(vecSecret) // a Django <= 4.0 cookie
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'a' {
			b[i] = 'b'
		} else {
			b[i] = 'a'
		}
		return string(b)
	}
	tests := []struct {
		name          string
		token, secret string
		want          bool
	}{
		{"masked token", masked, vecSecret, true},
		{"raw secret", vecSecret, vecSecret, true},
		{"legacy masked cookie, cookie value as token", legacyCookie, legacyCookie, true},
		{"legacy masked cookie, fresh token", masked, legacyCookie, true},
		{"raw token, legacy cookie", vecSecret, legacyCookie, true},
		{"other secret", masked, other, false},
		{"one cipher character flipped", flip(masked, 40), vecSecret, false},
		{"one mask character flipped", flip(masked, 3), vecSecret, false},
		{"one raw character flipped", flip(vecSecret, 0), vecSecret, false},
		{"cipher half only", masked[SecretLength:], vecSecret, false},
		{"empty and empty", "", "", false},
		{"empty token", "", vecSecret, false},
		{"empty secret", masked, "", false},
		{"malformed equal values", strings.Repeat("*", 32), strings.Repeat("*", 32), false},
		{"wrong length equal values", "abc", "abc", false},
		{"huge", strings.Repeat("a", 100000), vecSecret, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Match(tt.token, tt.secret); got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
		})
	}
}

func FuzzUnmask(f *testing.F) {
	for _, s := range []string{
		"", vecSecret, vecToken, vecToken[:63], vecToken + "a",
		strings.Repeat("*", 64), strings.Repeat("9", 64), strings.Repeat("a", 32) + strings.Repeat("Z", 32),
		"\xff\xfe" + vecToken[2:], strings.Repeat("a", 62) + "é",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		secret, err := Unmask(token)
		if formatErr := CheckFormat(token); formatErr != err {
			t.Fatalf("Unmask error %v, CheckFormat error %v", err, formatErr)
		}
		if err != nil {
			if secret != "" || Match(token, token) {
				t.Fatalf("malformed %q produced a secret or matched", token)
			}
			return
		}
		if len(secret) != SecretLength || CheckFormat(secret) != nil {
			t.Fatalf("Unmask(%q) = %q", token, secret)
		}
		if !Match(token, secret) || !Match(secret, token) || !Match(token, token) {
			t.Fatalf("Match rejects %q / %q", token, secret)
		}
		// Round trips: re-masking gives a token for the same secret, and
		// a valid token is reproduced from its own mask.
		again, err := Mask(secret)
		if err != nil {
			t.Fatal(err)
		}
		if s, err := Unmask(again); err != nil || s != secret {
			t.Fatalf("Unmask(Mask(%q)) = %q, %v", secret, s, err)
		}
		if len(token) == TokenLength && maskWith(secret, token[:SecretLength]) != token {
			t.Fatalf("maskWith does not reproduce %q", token)
		}
	})
}

func BenchmarkMask(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Mask(vecSecret); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewSecret(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewSecret(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMatch(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if !Match(vecToken, vecSecret) {
			b.Fatal("no match")
		}
	}
}
