package django

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Django's JSONSerializer is json.dumps(obj, separators=(',', ':')) encoded
// as Latin-1, and json.loads(data.decode('latin-1')). Python's ensure_ascii
// default escapes every character outside printable ASCII, so the bytes are
// pure ASCII and the Latin-1 step does nothing for Django's own output. It
// matters for bytes Django did not write: Django reads a byte >= 0x80 as the
// character with that code, never as part of UTF-8, and so does
// unmarshalLatin1.

// marshalPython encodes v like Django's JSONSerializer: compact, no HTML
// escaping, and every byte outside printable ASCII (DEL and all non-ASCII
// characters, as UTF-16 \uXXXX escapes with surrogate pairs) escaped, with
// Python's lowercase hex digits.
func marshalPython(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	out := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	return asciiJSON(out), nil
}

// asciiJSON rewrites compact JSON from encoding/json so that it is pure
// ASCII. Outside strings encoding/json writes only ASCII, so every byte >=
// 0x7f is inside a string and can be escaped without tracking string state.
// Invalid UTF-8 (possible only through a json.RawMessage) becomes \ufffd.
func asciiJSON(b []byte) []byte {
	i := 0
	for i < len(b) && b[i] < 0x7f {
		i++
	}
	if i == len(b) {
		return b
	}
	out := make([]byte, 0, len(b)+len(b)/2)
	out = append(out, b[:i]...)
	for i < len(b) {
		c := b[i]
		if c < 0x7f {
			out = append(out, c)
			i++
			continue
		}
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(b[i:])
		}
		i += size
		if r >= 0x10000 {
			r -= 0x10000
			out = appendU(out, 0xd800+(r>>10))
			out = appendU(out, 0xdc00+(r&0x3ff))
			continue
		}
		out = appendU(out, r)
	}
	return out
}

func appendU(out []byte, r rune) []byte {
	const hex = "0123456789abcdef"
	return append(out, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
}

// unmarshalLatin1 decodes JSON bytes the way Django's JSONSerializer.loads
// does (each byte is one Latin-1 character) into into.
func unmarshalLatin1(data []byte, into any) error {
	if !isASCII(data) {
		data = latin1ToUTF8(data)
	}
	if err := json.Unmarshal(data, into); err != nil {
		return fmt.Errorf("%w: json: %v", ErrMalformed, err)
	}
	return nil
}

// isASCII reports whether data is pure ASCII, the case where Latin-1 and
// UTF-8 agree.
func isASCII(data []byte) bool {
	for _, c := range data {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func latin1ToUTF8(data []byte) []byte {
	out := make([]byte, 0, len(data)+len(data)/2)
	for _, c := range data {
		out = utf8.AppendRune(out, rune(c))
	}
	return out
}
