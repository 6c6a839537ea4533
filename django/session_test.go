package django

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// legacyEncode writes the pre-3.1 session format (Django's _legacy_encode)
// from raw JSON; the package only reads it.
func legacyEncode(key, serialized string) string {
	sum := hex.EncodeToString(saltedHMACSHA1(legacySessionSalt, key, []byte(serialized)))
	return base64.StdEncoding.EncodeToString([]byte(sum + ":" + serialized))
}

func TestDecodeSessionDataFormats(t *testing.T) {
	keys := []string{"current", "old"}
	// The legacy format under a fallback key, with Latin-1 bytes.
	data, err := DecodeSessionData(legacyEncode("old", "{\"n\":\"\xe9\"}"), keys)
	if err != nil || string(data["n"]) != "\"\u00e9\"" {
		t.Errorf("legacy under fallback key: %v, %v", data, err)
	}
	// SHA-1-signed modern format (Django 3.1/3.2 with
	// DEFAULT_HASHING_ALGORITHM = 'sha1').
	s := TimestampSigner{Signer: Signer{Key: "old", Salt: SessionSalt, Algorithm: SHA1}}
	sha1Signed, _ := s.SignObject(map[string]int{"x": 1}, true)
	if data, err := DecodeSessionData(sha1Signed, keys); err != nil || string(data["x"]) != "1" {
		t.Errorf("SHA-1 signature: %v, %v", data, err)
	}
	for _, c := range []struct {
		name string
		s    string
		want error
	}{
		{"empty", "", ErrBadSignature},
		{"garbage", "not a session", ErrBadSignature},
		{"legacy, wrong key", legacyEncode("other", `{"a":1}`), ErrBadSignature},
		{"legacy, no colon", base64.StdEncoding.EncodeToString([]byte("0123456789")), ErrBadSignature},
		{"legacy, bad hash", base64.StdEncoding.EncodeToString([]byte(strings.Repeat("0", 40) + `:{"a":1}`)), ErrBadSignature},
		{"legacy, not JSON", legacyEncode("current", `{"a":`), ErrMalformed},
		{"legacy, null", legacyEncode("current", `null`), ErrMalformed},
		{"legacy, list", legacyEncode("current", `[1]`), ErrMalformed},
		{"modern, null", mustDumps(t, nil, "current"), ErrMalformed},
		{"modern, list", mustDumps(t, []int{1}, "current"), ErrMalformed},
		{"modern, string", mustDumps(t, "x", "current"), ErrMalformed},
		{"modern, other salt", mustDumpsSalt(t, map[string]int{}, "current", DefaultSalt), ErrBadSignature},
	} {
		data, err := DecodeSessionData(c.s, keys)
		if !errors.Is(err, c.want) || data != nil {
			t.Errorf("%s: DecodeSessionData = %v, %v; want %v", c.name, data, err, c.want)
		}
		if c.want == ErrMalformed && errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: %v is also ErrBadSignature", c.name, err)
		}
	}
}

func mustDumps(t *testing.T, v any, key string) string { return mustDumpsSalt(t, v, key, SessionSalt) }

func mustDumpsSalt(t *testing.T, v any, key, salt string) string {
	t.Helper()
	s, err := Dumps(v, key, salt, true)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestEncodeSessionData(t *testing.T) {
	for _, data := range []map[string]json.RawMessage{nil, {}} {
		enc, err := EncodeSessionData(data, "k")
		if err != nil || !strings.HasPrefix(enc, "e30:") {
			t.Errorf("EncodeSessionData(%v) = %q, %v; want {}", data, enc, err)
		}
		if got, err := DecodeSessionData(enc, []string{"k"}); err != nil || got == nil || len(got) != 0 {
			t.Errorf("decoded %v, %v; want an empty non-nil map", got, err)
		}
	}
	if _, err := EncodeSessionData(map[string]json.RawMessage{"a": json.RawMessage("{")}, "k"); err == nil {
		t.Errorf("invalid raw JSON encoded")
	}
	// Raw values survive byte for byte once compact and ASCII, which is
	// how Django writes them.
	data := map[string]json.RawMessage{
		"big":    json.RawMessage("123456789012345678901234567890"),
		"float":  json.RawMessage("1.0"),
		"exp":    json.RawMessage("1e+21"),
		"text":   json.RawMessage(`"\u00e9\ud83d\ude00<>&"`),
		"nested": json.RawMessage(`{"z":[true,false,null],"a":{}}`),
	}
	enc, err := EncodeSessionData(data, "k")
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeSessionData(enc, []string{"k"})
	if err != nil || len(got) != len(data) {
		t.Fatalf("DecodeSessionData = %v, %v", got, err)
	}
	for k, v := range data {
		if string(got[k]) != string(v) {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
}

func TestReadAuthSession(t *testing.T) {
	const h = "164d23c0381d8d98fa843ef7a94a37f90fada5aea6f81f0c0148ed85da53cf0b"
	for _, c := range []struct {
		name string
		data string
		want AuthSession
		ok   bool
	}{
		{"Django's", `{"_auth_user_id":"1","_auth_user_backend":"` + ModelBackend + `","_auth_user_hash":"` + h + `"}`, AuthSession{"1", ModelBackend, h}, true},
		{"integer id", `{"_auth_user_id":42,"_auth_user_backend":"b","_auth_user_hash":"x"}`, AuthSession{"42", "b", "x"}, true},
		{"uuid id", `{"_auth_user_id":"0d9c0a5e-2f7b-4b3a-9a48-6d0b1c2d3e4f","_auth_user_backend":"b"}`, AuthSession{"0d9c0a5e-2f7b-4b3a-9a48-6d0b1c2d3e4f", "b", ""}, true},
		{"no hash", `{"_auth_user_id":"1","_auth_user_backend":"b"}`, AuthSession{"1", "b", ""}, true},
		{"hash not a string", `{"_auth_user_id":"1","_auth_user_backend":"b","_auth_user_hash":1}`, AuthSession{"1", "b", ""}, true},
		{"anonymous", `{"touched":1}`, AuthSession{}, false},
		{"no backend", `{"_auth_user_id":"1"}`, AuthSession{}, false},
		{"backend not a string", `{"_auth_user_id":"1","_auth_user_backend":null}`, AuthSession{}, false},
		{"float id", `{"_auth_user_id":1.5,"_auth_user_backend":"b"}`, AuthSession{}, false},
		{"empty id", `{"_auth_user_id":"","_auth_user_backend":"b"}`, AuthSession{}, false},
		{"null id", `{"_auth_user_id":null,"_auth_user_backend":"b"}`, AuthSession{}, false},
		{"list id", `{"_auth_user_id":[1],"_auth_user_backend":"b"}`, AuthSession{}, false},
	} {
		var data map[string]json.RawMessage
		if err := json.Unmarshal([]byte(c.data), &data); err != nil {
			t.Fatal(err)
		}
		got, ok := ReadAuthSession(data)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: ReadAuthSession = %+v, %v; want %+v, %v", c.name, got, ok, c.want, c.ok)
		}
	}
	// Put then Read round-trips, escaping like Python, and keeps other keys.
	data := map[string]json.RawMessage{"touched": json.RawMessage("1")}
	a := AuthSession{UserID: "j\u00fcrgen", Backend: "my.Backend", Hash: h}
	a.Put(data)
	if string(data[SessionKeyUserID]) != `"j\u00fcrgen"` || len(data) != 4 {
		t.Errorf("Put wrote %v", data)
	}
	if got, ok := ReadAuthSession(data); !ok || got != a {
		t.Errorf("ReadAuthSession after Put = %+v, %v", got, ok)
	}
}

func TestCheckSessionAuthHashEdges(t *testing.T) {
	const pw = "pbkdf2_sha256$1$s$x"
	h := SessionAuthHash("k", pw)
	for _, c := range []struct {
		stored      string
		keys        []string
		ok, current bool
	}{
		{"", []string{"k"}, false, false},
		{h, nil, false, false},
		{h, []string{""}, false, false},
		{h, []string{"", "k"}, true, false},
		{strings.ToUpper(h), []string{"k"}, false, false},
		{h[:40], []string{"k"}, false, false},
		{LegacySessionAuthHash("k", pw), []string{"k"}, true, false},
		{LegacySessionAuthHash("old", pw), []string{"k", "old"}, true, false},
	} {
		if ok, cur := CheckSessionAuthHash(c.stored, pw, c.keys); ok != c.ok || cur != c.current {
			t.Errorf("CheckSessionAuthHash(%.12s…, %q) = %v, %v; want %v, %v", c.stored, c.keys, ok, cur, c.ok, c.current)
		}
	}
}
