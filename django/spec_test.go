package django

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/sessionauth/sessionauth/auth/password"
)

// The vectors of drf-django-spec.md §2.3–§2.8, each under the section that
// gives it. SECRET_KEY = "probe-secret-key-not-secret", time 1700000000.
const (
	specKey  = "probe-secret-key-not-secret"
	specTime = 1700000000
)

// §2.5: time.time() = 1700000000 → base62 "1r31eq".
func TestSpecBase62(t *testing.T) {
	if got := encodeBase62(specTime); got != "1r31eq" {
		t.Errorf("encodeBase62(%d) = %q", specTime, got)
	}
}

// §2.5: encode({'a': 1}) (too short to compress).
func TestSpecSessionEncodeShort(t *testing.T) {
	withTime(t, specTime)
	const want = "eyJhIjoxfQ:1r31eq:40NakoPpYtGRfWBJzcyScC6DwzUBSE8zvJSgikOEAnM"
	got, err := EncodeSessionData(map[string]json.RawMessage{"a": json.RawMessage("1")}, specKey)
	if err != nil || got != want {
		t.Errorf("EncodeSessionData({a:1}) = %q, %v; want %q", got, err, want)
	}
	data, err := DecodeSessionData(want, []string{specKey})
	if err != nil || len(data) != 1 || string(data["a"]) != "1" {
		t.Errorf("DecodeSessionData(%q) = %v, %v", want, data, err)
	}
}

// §2.5: encode of a logged-in session (compressed). Go's zlib stream differs
// from CPython's, so Django's value is decoded and Go's own round-trips.
func TestSpecSessionEncodeCompressed(t *testing.T) {
	const django = ".eJyrVopPLC3JiC8tTi2Kz0xRslIyVNJBFktKTM5OzQNJpGQl5qXn6yXn55UUZSbpgZToQWWL9XzzU1JznKBqUQzISCzOAOquoBAo1QIAkBRETQ:1r31eq:YMkNfFvXe8vTb17JdyVDx2A1_32QzN6OnHjSxhRNAYU"
	want := map[string]json.RawMessage{
		SessionKeyUserID:  json.RawMessage(`"1"`),
		SessionKeyBackend: json.RawMessage(`"django.contrib.auth.backends.ModelBackend"`),
		SessionKeyHash:    json.RawMessage(`"` + repeat('x', 64) + `"`),
	}
	got, err := DecodeSessionData(django, []string{specKey})
	if err != nil || !sameData(got, want) {
		t.Fatalf("DecodeSessionData = %v, %v", got, err)
	}
	withTime(t, specTime)
	enc, err := EncodeSessionData(want, specKey)
	if err != nil || enc[0] != '.' {
		t.Fatalf("EncodeSessionData = %q, %v; want a compressed value", enc, err)
	}
	if again, err := DecodeSessionData(enc, []string{specKey}); err != nil || !sameData(again, want) {
		t.Errorf("round trip: %v, %v", again, err)
	}
}

// §2.5: signed_cookies key for {'a': 1}, signing.dumps("hello"), legacy
// encode({'a': 1}).
func TestSpecSignedValues(t *testing.T) {
	withTime(t, specTime)
	for _, c := range []struct {
		v    any
		salt string
		want string
	}{
		{map[string]int{"a": 1}, SignedCookiesSalt, "eyJhIjoxfQ:1r31eq:_GJIQ55bNyp2Crb-CNvghRmVJ80WOERV6OLhaLNdzxQ"},
		{"hello", "", "ImhlbGxvIg:1r31eq:niDnlXd8f0HUMOGzAOiKzbLsHbm4wD0HReK5ovZkzuc"},
		{"hello", DefaultSalt, "ImhlbGxvIg:1r31eq:niDnlXd8f0HUMOGzAOiKzbLsHbm4wD0HReK5ovZkzuc"},
	} {
		got, err := Dumps(c.v, specKey, c.salt, true)
		if err != nil || got != c.want {
			t.Errorf("Dumps(%v, salt %q) = %q, %v; want %q", c.v, c.salt, got, err, c.want)
		}
	}
	var s string
	if err := Loads("ImhlbGxvIg:1r31eq:niDnlXd8f0HUMOGzAOiKzbLsHbm4wD0HReK5ovZkzuc", []string{specKey}, "", NoAgeLimit, &s); err != nil || s != "hello" {
		t.Errorf("Loads = %q, %v", s, err)
	}
	const legacy = "ODAxOWE4ZTAxZDdkYjhhZWVkMzBhZDM4NTYzNjFlMzk5NmJmY2I2NDp7ImEiOjF9"
	data, err := DecodeSessionData(legacy, []string{specKey})
	if err != nil || len(data) != 1 || string(data["a"]) != "1" {
		t.Errorf("DecodeSessionData(legacy) = %v, %v", data, err)
	}
}

// §2.5: a real DB row written by Django 3.2.25.
func TestSpecRealRow(t *testing.T) {
	const row = ".eJxVjDsOwjAQRO_iGlnxB38o6TmDtWvv4gBypDipEHcnkVJANdK8N_MWCdalprXTnMYiLkKJ02-HkJ_UdlAe0O6TzFNb5hHlrsiDdnmbCr2uh_t3UKHXba1NNGqwgXhARucpZuPs2VrYUunMIXBWHgMbHSF7sh6B2NvolGcE8fkC1qM4FA:1xZBDo:4kp8La9CW60YHwNTT4fJ99UgUYiqAtgsyM0r_9Nlvvg"
	data, err := DecodeSessionData(row, []string{specKey})
	if err != nil {
		t.Fatal(err)
	}
	a, ok := ReadAuthSession(data)
	want := AuthSession{UserID: "1", Backend: ModelBackend, Hash: "23931048ef0bfb67e9c364544ac3612cf88fc17b8f329ac7e47baef749617fba"}
	if !ok || a != want || len(data) != 3 {
		t.Errorf("ReadAuthSession = %+v, %v; data %v", a, ok, data)
	}
}

// §2.6: the session auth hash of a known password field, SHA-256 and the
// legacy SHA-1; _auth_user_id is stored as a JSON string.
func TestSpecSessionAuthHash(t *testing.T) {
	const pw = "pbkdf2_sha256$260000$abcdefghijklmnopqrstuv$9jpp8cVQt7a7ujJrWzr0KoytR5UBy9qbF8d2OUhc1SY="
	const sha256 = "164d23c0381d8d98fa843ef7a94a37f90fada5aea6f81f0c0148ed85da53cf0b"
	const sha1 = "8bfa140c1644c4103dd67768a0b3b2955177f435"
	if got := SessionAuthHash(specKey, pw); got != sha256 {
		t.Errorf("SessionAuthHash = %s", got)
	}
	if got := LegacySessionAuthHash(specKey, pw); got != sha1 {
		t.Errorf("LegacySessionAuthHash = %s", got)
	}
	if ok, current := CheckSessionAuthHash(sha256, pw, []string{specKey}); !ok || !current {
		t.Errorf("CheckSessionAuthHash(sha256) = %v, %v", ok, current)
	}
	if ok, current := CheckSessionAuthHash(sha1, pw, []string{specKey}); !ok || current {
		t.Errorf("CheckSessionAuthHash(sha1) = %v, %v", ok, current)
	}
	data := map[string]json.RawMessage{}
	AuthSession{UserID: "1", Backend: ModelBackend, Hash: sha256}.Put(data)
	if string(data[SessionKeyUserID]) != `"1"` || string(data[SessionKeyBackend]) != `"django.contrib.auth.backends.ModelBackend"` ||
		string(data[SessionKeyHash]) != `"`+sha256+`"` {
		t.Errorf("Put wrote %v", data)
	}
}

// §2.7: make_password('password', 'abcdefghijklmnopqrstuv') in Django 3.2
// (pbkdf2_sha256 and pbkdf2_sha1, 260000 iterations), and the iteration
// counts by version.
func TestSpecPasswordHashes(t *testing.T) {
	if testing.Short() {
		t.Skip("260000 PBKDF2 iterations")
	}
	for _, c := range []struct {
		sha1 bool
		want string
	}{
		{false, "pbkdf2_sha256$260000$abcdefghijklmnopqrstuv$9jpp8cVQt7a7ujJrWzr0KoytR5UBy9qbF8d2OUhc1SY="},
		{true, "pbkdf2_sha1$260000$abcdefghijklmnopqrstuv$PBikbj8HN5hQ3Xtis2Bwo41d+TM="},
	} {
		got, err := password.EncodePBKDF2("password", "abcdefghijklmnopqrstuv", 260000, c.sha1)
		if err != nil || got != c.want {
			t.Errorf("EncodePBKDF2 = %q, %v; want %q", got, err, c.want)
		}
	}
	// A Hasher configured like Django 3.2 accepts 3.2's hash without
	// asking to rehash it; one configured like 4.0 asks.
	ctx := context.Background()
	v32, _ := Version{3, 2}.PBKDF2Iterations()
	v40, _ := Version{4, 0}.PBKDF2Iterations()
	const enc = "pbkdf2_sha256$260000$abcdefghijklmnopqrstuv$9jpp8cVQt7a7ujJrWzr0KoytR5UBy9qbF8d2OUhc1SY="
	for _, c := range []struct {
		iters   int
		upgrade bool
	}{{v32, false}, {v40, true}} {
		h := &password.Hasher{Django: &password.PBKDF2SHA256{Iterations: c.iters}}
		ok, up, err := h.Verify(ctx, "password", enc)
		if !ok || up != c.upgrade || err != nil {
			t.Errorf("Hasher with %d iterations: Verify = %v, %v, %v; want upgrade %v", c.iters, ok, up, err, c.upgrade)
		}
	}
}

// §2.7: default PBKDF2 iterations by Django version.
func TestSpecPBKDF2Iterations(t *testing.T) {
	for _, c := range []struct {
		v    Version
		want int
	}{
		{Version{3, 1}, 216000}, {Version{3, 2}, 260000}, {Version{4, 0}, 320000}, {Version{4, 1}, 390000},
		{Version{4, 2}, 600000}, {Version{5, 0}, 720000}, {Version{5, 1}, 870000}, {Version{5, 2}, 1000000},
		{Version{6, 0}, 1200000}, {Version{6, 1}, 1500000},
	} {
		if got, ok := c.v.PBKDF2Iterations(); !ok || got != c.want {
			t.Errorf("%v: %d, %v; want %d", c.v, got, ok, c.want)
		}
	}
	for _, v := range []Version{{3, 0}, {2, 2}, {6, 2}, {7, 0}, {3, 3}} {
		if got, ok := v.PBKDF2Iterations(); ok {
			t.Errorf("%v: %d, want unknown", v, got)
		}
	}
	if password.DefaultPBKDF2Iterations != pbkdf2Iterations[Version{5, 2}] {
		t.Errorf("password.DefaultPBKDF2Iterations = %d, Django 5.2 uses %d", password.DefaultPBKDF2Iterations, pbkdf2Iterations[Version{5, 2}])
	}
}

// §2.8.1: secret PL0s3Xpu29IDO9BRiguterOShoFnL00v with mask
// 4Hoc0aephIWlg94iTOvUbfEs98OMqOSM gives the observed cookie; §2.8.4: from
// 4.1 the cookie holds the 32-character secret, and a 64-character legacy
// cookie is still read.
func TestSpecCSRF(t *testing.T) {
	const secret = "PL0s3Xpu29IDO9BRiguterOShoFnL00v"
	const cookie = "4Hoc0aephIWlg94iTOvUbfEs98OMqOSMJieuTXtJ9HuOU8vZ1UPdfwiagmjZ1EI7"
	if got, err := CSRFSecret(cookie); err != nil || got != secret {
		t.Errorf("CSRFSecret(masked) = %q, %v", got, err)
	}
	if got, err := CSRFSecret(secret); err != nil || got != secret {
		t.Errorf("CSRFSecret(secret) = %q, %v", got, err)
	}
	for _, in := range []string{secret, cookie} {
		if got, err := CSRFCookieValue(in, Version{4, 1}); err != nil || got != secret {
			t.Errorf("CSRFCookieValue(%q, 4.1) = %q, %v; want the secret", in, got, err)
		}
		got, err := CSRFCookieValue(in, Version{3, 2})
		if err != nil || len(got) != 64 {
			t.Fatalf("CSRFCookieValue(%q, 3.2) = %q, %v; want 64 characters", in, got, err)
		}
		if s, err := CSRFSecret(got); err != nil || s != secret {
			t.Errorf("3.2 cookie %q unmasks to %q, %v", got, s, err)
		}
	}
}

func repeat(c byte, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return string(b)
}
