package django

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzLoads feeds arbitrary strings to Loads, both as they are (where the
// signature check fails almost always) and re-signed as a payload (so that
// the timestamp, base64, zlib and JSON stages see arbitrary input). Loads
// must never panic, must fail only with the package's errors, and a value it
// accepts must survive Dumps → Loads.
func FuzzLoads(f *testing.F) {
	for _, s := range []string{
		"", ":", "::", ".:", "e30:0:x", ".eJyrVkpUslIyVKoFAA3ZAns:1r31eq:x",
		"ImhlbGxvIg:1r31eq:niDnlXd8f0HUMOGzAOiKzbLsHbm4wD0HReK5ovZkzuc",
		"eyJhIjoxfQ:1r31eq:_GJIQ55bNyp2Crb-CNvghRmVJ80WOERV6OLhaLNdzxQ",
		".eJyrVopPLC3JiC8tTi2Kz0xRslIyVNJBFktKTM5OzQNJpGQl5qXn6yXn55UUZSbpgZToQWWL9XzzU1JznKBqUQzISCzOAOquoBAo1QIAkBRETQ:1r31eq",
		"e30:-", "e30:zzzzzzzzzzzzzzzzz", "!!!:0", ".AAAA:0", "eyJhIjox:0",
	} {
		f.Add(s)
	}
	v := loadVectors(f)
	for _, d := range v.Dumps {
		f.Add(d.Signed)
	}
	keys := []string{specKey}
	c, err := (&Signer{Key: specKey, Salt: DefaultSalt}).config(timestampSignerSalt)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, in := range []string{s, c.sign(s)} {
			var raw json.RawMessage
			err := Loads(in, keys, "", NoAgeLimit, &raw)
			if err != nil {
				if !errors.Is(err, ErrBadSignature) && !errors.Is(err, ErrMalformed) {
					t.Fatalf("Loads(%q): unexpected error %v", in, err)
				}
				continue
			}
			again, err := Dumps(raw, specKey, "", true)
			if err != nil {
				t.Fatalf("Dumps(%s) after Loads(%q): %v", raw, in, err)
			}
			var back json.RawMessage
			if err := Loads(again, keys, "", NoAgeLimit, &back); err != nil || !sameJSON(raw, back) {
				t.Fatalf("round trip of %s: %s, %v", raw, back, err)
			}
		}
	})
}

// FuzzDecodeSessionData feeds arbitrary strings to DecodeSessionData as they
// are, re-signed in the modern format, and wrapped in the legacy format with
// a valid hash. It must never panic, must fail only with ErrBadSignature or
// ErrMalformed, must return a non-nil map on success, and accepted data must
// survive EncodeSessionData → DecodeSessionData.
func FuzzDecodeSessionData(f *testing.F) {
	v := loadVectors(f)
	for _, s := range v.Sessions {
		f.Add(s.Encoded)
		f.Add(s.Legacy)
		f.Add(s.JSON)
	}
	for _, s := range []string{"", "{}", "null", "[]", `{"a":`, "\xe9", `{"a":1,"a":2}`, "e30", ".eJyrVkpUslIyVKoFAA3ZAns"} {
		f.Add(s)
	}
	keys := []string{specKey, "fallback"}
	c, err := (&Signer{Key: specKey, Salt: SessionSalt}).config(timestampSignerSalt)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, in := range []string{s, c.sign(s), c.sign(b64.EncodeToString([]byte(s)) + ":0"), legacyEncode("fallback", s)} {
			data, err := DecodeSessionData(in, keys)
			if err != nil {
				if data != nil || (!errors.Is(err, ErrBadSignature) && !errors.Is(err, ErrMalformed)) {
					t.Fatalf("DecodeSessionData(%q) = %v, %v", in, data, err)
				}
				continue
			}
			if data == nil {
				t.Fatalf("DecodeSessionData(%q): nil map without error", in)
			}
			enc, err := EncodeSessionData(data, specKey)
			if err != nil {
				t.Fatalf("EncodeSessionData(%v) after decoding %q: %v", data, in, err)
			}
			back, err := DecodeSessionData(enc, keys)
			if err != nil || len(back) != len(data) {
				t.Fatalf("round trip of %v: %v, %v", data, back, err)
			}
			for k, v := range data {
				if !sameJSON(v, back[k]) {
					t.Fatalf("round trip of %q: %s became %s", k, v, back[k])
				}
			}
			ReadAuthSession(data) // must not panic on any decoded data
		}
	})
}

// sameJSON reports whether two JSON texts hold the same value, comparing
// numbers by their text.
func sameJSON(a, b json.RawMessage) bool {
	x, err1 := marshalPython(a)
	y, err2 := marshalPython(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}
