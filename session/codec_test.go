package session

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestRecordRoundTrip(t *testing.T) {
	now := time.Now()
	rec := Record{
		Data:   map[string]json.RawMessage{"a": json.RawMessage(`1`), "b": json.RawMessage(`{"x":["y"]}`)},
		UserID: "7", Created: now, LastSeen: now.Add(time.Second), Expires: now.Add(time.Hour),
		Transient: true, IP: "2001:db8::1", UserAgent: "ua", Version: 3,
	}
	b, err := EncodeRecord(&rec)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeRecord(b)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Created.Equal(rec.Created) || !got.Expires.Equal(rec.Expires) || got.UserID != "7" || !got.Transient ||
		got.Version != 3 || string(got.Data["b"]) != `{"x":["y"]}` || got.IP != rec.IP {
		t.Fatalf("round trip: %+v", got)
	}
}

func TestDecodeCorrupt(t *testing.T) {
	for _, in := range []string{"", "null", "[]", "{", `{"d": 5}`, "\xff"} {
		if _, err := DecodeRecord([]byte(in)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("DecodeRecord(%q) = %v, want ErrCorrupt", in, err)
		}
		if _, err := DecodeData([]byte(in)); in != `{"d": 5}` && !errors.Is(err, ErrCorrupt) {
			t.Errorf("DecodeData(%q) = %v, want ErrCorrupt", in, err)
		}
	}
}

// FuzzCodec feeds arbitrary bytes to the decoders: no panic, and whatever decodes re-encodes and
// decodes to the same data.
func FuzzCodec(f *testing.F) {
	f.Add([]byte(`{"d":{"a":1},"u":"1","c":1,"s":2,"e":3,"v":1}`))
	f.Add([]byte(`{"a":"\u2028","b":[1,{"c":null}]}`))
	f.Add([]byte(`{"d":null}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if rec, err := DecodeRecord(b); err == nil {
			again, err := EncodeRecord(&rec)
			if err != nil {
				t.Fatalf("re-encoding a decoded record: %v", err)
			}
			if _, err := DecodeRecord(again); err != nil {
				t.Fatalf("re-decoding: %v", err)
			}
		}
		if data, err := DecodeData(b); err == nil {
			again, err := EncodeData(data)
			if err != nil {
				t.Fatal(err)
			}
			back, err := DecodeData(again)
			if err != nil || len(back) != len(data) {
				t.Fatalf("data round trip: %v, %d vs %d keys", err, len(back), len(data))
			}
		}
	})
}
