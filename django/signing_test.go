package django

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestSignerConfig(t *testing.T) {
	for _, sep := range []string{"a", "-", "=", "_", "[", "`", "^", "abc", "A-z_=0"} {
		s := Signer{Key: "k", Sep: sep}
		if _, err := s.Sign("v"); !errors.Is(err, ErrConfig) {
			t.Errorf("Sep %q: Sign error %v, want ErrConfig", sep, err)
		}
		if _, err := s.Unsign("v" + sep + "x"); !errors.Is(err, ErrConfig) {
			t.Errorf("Sep %q: Unsign error %v, want ErrConfig", sep, err)
		}
	}
	for _, sep := range []string{":", "/", "!", "::", "a:", " ", "{", "\u00e9"} {
		s := Signer{Key: "k", Sep: sep}
		signed, err := s.Sign("v")
		if err != nil {
			t.Errorf("Sep %q: %v", sep, err)
			continue
		}
		if v, err := s.Unsign(signed); err != nil || v != "v" {
			t.Errorf("Sep %q: Unsign(%q) = %q, %v", sep, signed, v, err)
		}
	}
	ts := &TimestampSigner{}
	if _, err := ts.Sign("v"); !errors.Is(err, ErrConfig) {
		t.Errorf("empty key: %v", err)
	}
	if err := ts.UnsignObject("v:1:x", NoAgeLimit, new(any)); !errors.Is(err, ErrConfig) {
		t.Errorf("empty key: %v", err)
	}
	if _, err := (&Signer{Key: "k", Algorithm: "md5"}).Sign("v"); !errors.Is(err, ErrConfig) {
		t.Errorf("md5: %v", err)
	}
	if _, err := (&Signer{Key: "k"}).SignObject(1, false); err != nil {
		t.Errorf("SignObject: %v", err)
	}
	if err := Loads("x", nil, "", NoAgeLimit, new(any)); !errors.Is(err, ErrConfig) {
		t.Errorf("Loads without keys: %v", err)
	}
	if _, err := Dumps("x", "", "", false); !errors.Is(err, ErrConfig) {
		t.Errorf("Dumps without key: %v", err)
	}
	if _, err := DecodeSessionData("x", nil); !errors.Is(err, ErrConfig) {
		t.Errorf("DecodeSessionData without keys: %v", err)
	}
	if _, err := EncodeSessionData(nil, ""); !errors.Is(err, ErrConfig) {
		t.Errorf("EncodeSessionData without key: %v", err)
	}
}

// Sign uses Key only; FallbackKeys are for reading.
func TestFallbackKeysOnlyVerify(t *testing.T) {
	a := Signer{Key: "new", FallbackKeys: []string{"old"}}
	b := Signer{Key: "new"}
	sa, _ := a.Sign("v")
	sb, _ := b.Sign("v")
	if sa != sb {
		t.Errorf("fallback keys changed the signature: %q vs %q", sa, sb)
	}
	old, _ := (&Signer{Key: "old"}).Sign("v")
	if _, err := b.Unsign(old); !errors.Is(err, ErrBadSignature) {
		t.Errorf("old key accepted without fallback: %v", err)
	}
	if v, err := a.Unsign(old); err != nil || v != "v" {
		t.Errorf("old key as fallback: %q, %v", v, err)
	}
}

// Any change to a signed value breaks it.
func TestTampering(t *testing.T) {
	withTime(t, specTime)
	signed, err := Dumps(map[string]any{"user": "alice", "admin": false}, "k", "", false)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(signed); i++ {
		for _, c := range []byte{'A', 'z', '0', '-', '_', ':', '.'} {
			if signed[i] == c {
				continue
			}
			bad := signed[:i] + string(c) + signed[i+1:]
			if err := Loads(bad, []string{"k"}, "", NoAgeLimit, new(any)); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("Loads(%q) = %v, want ErrBadSignature", bad, err)
			}
		}
	}
	for _, bad := range []string{"", signed[:len(signed)-1], signed + "A", "." + signed, strings.ReplaceAll(signed, ":", "")} {
		if err := Loads(bad, []string{"k"}, "", NoAgeLimit, new(any)); !errors.Is(err, ErrBadSignature) {
			t.Errorf("Loads(%q) = %v, want ErrBadSignature", bad, err)
		}
	}
}

// Correctly signed values whose content cannot be decoded give ErrMalformed.
func TestMalformedPayloads(t *testing.T) {
	c, err := (&Signer{Key: "k", Salt: DefaultSalt}).config(timestampSignerSalt)
	if err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write([]byte(`{"a":1}`))
	w.Close()
	zb64 := b64.EncodeToString(z.Bytes())
	truncated := b64.EncodeToString(z.Bytes()[:z.Len()-2])
	for _, payload := range []string{
		"e30",                                    // no timestamp
		"e30:",                                   // empty timestamp
		"e30:-",                                  // sign only
		"e30:1r3!eq",                             // bad base62 digit
		"e30:zzzzzzzzzzzz",                       // beyond int64
		"!!!:1r31eq",                             // bad base64
		"e30=:1r31eq",                            // padding is stripped by Django
		"e:1r31eq",                               // impossible base64 length
		".e30:1r31eq",                            // '.' but not zlib
		"." + truncated + ":0",                   // truncated zlib stream
		"eyJhIjox:1r31eq",                        // {"a":1 — invalid JSON
		b64.EncodeToString([]byte("NaN")) + ":0", // Python accepts NaN; Go does not
		"." + zb64 + ":0:extra",                  // bad timestamp "extra"
	} {
		signed := c.sign(payload)
		var v any
		if err := Loads(signed, []string{"k"}, "", NoAgeLimit, &v); !errors.Is(err, ErrMalformed) || errors.Is(err, ErrBadSignature) {
			t.Errorf("payload %q: Loads = %v, want ErrMalformed", payload, err)
		}
	}
	// A zlib payload decodes; into a mismatched type it is ErrMalformed.
	signed := c.sign("." + zb64 + ":0")
	var m map[string]int
	if err := Loads(signed, []string{"k"}, "", NoAgeLimit, &m); err != nil || m["a"] != 1 {
		t.Errorf("compressed payload: %v, %v", m, err)
	}
	var s string
	if err := Loads(signed, []string{"k"}, "", NoAgeLimit, &s); !errors.Is(err, ErrMalformed) {
		t.Errorf("mismatched type: %v", err)
	}
	// Trailing bytes after the zlib stream are ignored, as by Python's
	// zlib.decompress.
	signed = c.sign("." + b64.EncodeToString(append(z.Bytes(), "junk"...)) + ":0")
	if err := Loads(signed, []string{"k"}, "", NoAgeLimit, &m); err != nil || m["a"] != 1 {
		t.Errorf("zlib stream with trailing bytes: %v, %v", m, err)
	}
}

func TestDecompressionLimit(t *testing.T) {
	old := maxDecompressed
	maxDecompressed = 1000
	t.Cleanup(func() { maxDecompressed = old })
	for _, n := range []int{1000 - len(`""`), 1001 - len(`""`)} {
		signed, err := Dumps(strings.Repeat("a", n), "k", "", true)
		if err != nil || signed[0] != '.' {
			t.Fatalf("Dumps = %q, %v", signed, err)
		}
		var s string
		err = Loads(signed, []string{"k"}, "", NoAgeLimit, &s)
		if n+2 <= 1000 && (err != nil || len(s) != n) {
			t.Errorf("%d bytes: %v", n+2, err)
		}
		if n+2 > 1000 && !errors.Is(err, ErrMalformed) {
			t.Errorf("%d bytes over a 1000-byte limit: %v", n+2, err)
		}
	}
}

// Django's JSONSerializer reads bytes as Latin-1: a raw byte 0xe9 is "é".
func TestLatin1(t *testing.T) {
	c, _ := (&Signer{Key: "k", Salt: DefaultSalt}).config(timestampSignerSalt)
	signed := c.sign(b64.EncodeToString([]byte("\"caf\xe9 \xc3\xa9\"")) + ":0")
	var s string
	if err := Loads(signed, []string{"k"}, "", NoAgeLimit, &s); err != nil || s != "café Ã©" {
		t.Errorf("Loads = %q, %v; want Latin-1 reading", s, err)
	}
}

// marshalPython writes what Python's json.dumps(separators=(',', ':'))
// writes (ensure_ascii: \uXXXX with lowercase hex, surrogate pairs; no HTML
// escaping).
func TestMarshalPython(t *testing.T) {
	for _, c := range []struct {
		v    any
		want string
	}{
		{"h\u00e9llo \u2603 \U0001F600", `"h\u00e9llo \u2603 \ud83d\ude00"`},
		{"</script>&", `"</script>&"`},
		{"\x00\x1f\x7f\b\f\n\r\t\"\\/", `"\u0000\u001f\u007f\b\f\n\r\t\"\\/"`},
		{"\u2028\u2029\ufeff\uffff", `"\u2028\u2029\ufeff\uffff"`},
		{map[string]any{"b": []int{1, 2}, "a": nil, "\u00e9": true}, `{"a":null,"b":[1,2],"\u00e9":true}`},
		{json.RawMessage(" { \"a\" : [ 1 , \"\u00e9\" ] } "), `{"a":[1,"\u00e9"]}`},
		{json.RawMessage("\"\xff\""), `"\ufffd"`},
		{int64(math.MinInt64), "-9223372036854775808"},
	} {
		got, err := marshalPython(c.v)
		if err != nil || string(got) != c.want {
			t.Errorf("marshalPython(%#v) = %s, %v; want %s", c.v, got, err, c.want)
		}
	}
	if _, err := marshalPython(json.RawMessage("{")); err == nil {
		t.Errorf("invalid RawMessage encoded")
	}
	if _, err := marshalPython(make(chan int)); err == nil {
		t.Errorf("channel encoded")
	}
	if _, err := Dumps(math.Inf(1), "k", "", false); err == nil {
		t.Errorf("Dumps(+Inf) succeeded")
	}
}

func TestBase62Limits(t *testing.T) {
	for _, n := range []int64{math.MaxInt64, math.MinInt64, math.MaxInt64 - 1, math.MinInt64 + 1, 1 << 62} {
		s := encodeBase62(n)
		if got, err := decodeBase62(s); err != nil || got != n {
			t.Errorf("decodeBase62(encodeBase62(%d) = %q) = %d, %v", n, s, got, err)
		}
	}
	for _, s := range []string{"", "-", "--1", "+1", " 1", "1 ", "AzZ!", "AzL8n0Y58m8", "-AzL8n0Y58m9", "zzzzzzzzzzzz"} {
		if n, err := decodeBase62(s); !errors.Is(err, ErrMalformed) {
			t.Errorf("decodeBase62(%q) = %d, %v; want ErrMalformed", s, n, err)
		}
	}
	if got, _ := decodeBase62("AzL8n0Y58m7"); got != math.MaxInt64 {
		t.Errorf("MaxInt64 is %q, decoded %d", encodeBase62(math.MaxInt64), got)
	}
}

// Age limits follow Django's max_age: NoAgeLimit (max_age=None) checks
// nothing; MaxAge(0) expires a value once any time has passed since the whole
// second it was signed in, a negative MaxAge expires every value; a value from
// the future is never expired (Django computes a negative age).
func TestMaxAge(t *testing.T) {
	s := TimestampSigner{Signer: Signer{Key: "k"}, Now: fixed(1000)}
	signed, _ := s.Sign("v")
	at := func(sec int64, nsec int64) { s.Now = func() time.Time { return time.Unix(sec, nsec) } }
	for _, c := range []struct {
		sec, nsec int64
		limit     AgeLimit
		expired   bool
	}{
		{999_999, 0, NoAgeLimit, false},
		{999_999, 0, AgeLimit{}, false}, // the zero value is NoAgeLimit
		{1000, 0, MaxAge(0), false},     // age exactly 0 is not more than 0
		{1000, 1, MaxAge(0), true},
		{1000, 0, MaxAge(-time.Nanosecond), true},
		{1, 0, MaxAge(-time.Second), false}, // a future value: age -999s is not more than -1s
		{1, 0, MaxAge(time.Nanosecond), false},
		{1001, 0, MaxAge(time.Second), false},
		{1001, 1, MaxAge(time.Second), true},
	} {
		at(c.sec, c.nsec)
		v, err := s.Unsign(signed, c.limit)
		if c.expired {
			if !errors.Is(err, ErrSignatureExpired) || !errors.Is(err, ErrBadSignature) {
				t.Errorf("at %d.%09d, %v: %q, %v; want ErrSignatureExpired", c.sec, c.nsec, c.limit, v, err)
			}
		} else if err != nil || v != "v" {
			t.Errorf("at %d.%09d, %v: %q, %v; want the value", c.sec, c.nsec, c.limit, v, err)
		}
	}
	if got := MaxAge(90 * time.Second).String(); got != "max age 1m30s" {
		t.Errorf("MaxAge(90s).String() = %q", got)
	}
	if got := NoAgeLimit.String(); got != "no age limit" {
		t.Errorf("NoAgeLimit.String() = %q", got)
	}
	if got := ErrSignatureExpired.Error(); got != "django: signature expired" {
		t.Errorf("ErrSignatureExpired = %q", got)
	}
	if errors.Is(ErrBadSignature, ErrSignatureExpired) {
		t.Errorf("ErrBadSignature is ErrSignatureExpired")
	}
}

// A Signer without timestamp round-trips objects too.
func TestSignerObject(t *testing.T) {
	s := Signer{Key: "k", Salt: "objects"}
	signed, err := s.SignObject([]string{"a", "b"}, true)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := s.UnsignObject(signed, &got); err != nil || len(got) != 2 || got[1] != "b" {
		t.Errorf("UnsignObject(%q) = %v, %v", signed, got, err)
	}
	if err := (&Signer{Key: "k"}).UnsignObject(signed, &got); !errors.Is(err, ErrBadSignature) {
		t.Errorf("other salt: %v", err)
	}
	if err := (&Signer{Key: "k", Sep: "a"}).UnsignObject(signed, &got); !errors.Is(err, ErrConfig) {
		t.Errorf("unsafe separator: %v", err)
	}
	if _, err := (&Signer{Key: "k"}).SignObject(make(chan int), false); err == nil {
		t.Errorf("SignObject(chan) succeeded")
	}
}
