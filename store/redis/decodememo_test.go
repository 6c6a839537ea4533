package redis

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/session"
)

// The decode memo answers from memory only for the very bytes it decoded, and re-decodes (or
// fails) for anything else read under the same id.
func TestDecodeMemo(t *testing.T) {
	var m decodeMemo
	rec := session.Record{Data: map[string]json.RawMessage{"k": json.RawMessage(`1`)}, UserID: "7",
		Expires: time.Now().Add(time.Hour), Version: 1}
	b1, err := encode(&rec)
	if err != nil {
		t.Fatal(err)
	}
	rec.Version, rec.UserID = 2, "8"
	b2, _ := encode(&rec)
	for i, tc := range []struct {
		b    []byte
		user string
	}{{b1, "7"}, {b1, "7"}, {b2, "8"}, {b1, "7"}} {
		got, err := m.decode("id", tc.b)
		if err != nil || got.UserID != tc.user {
			t.Fatalf("read %d: %+v, %v; want user %s", i, got, err, tc.user)
		}
	}
	if _, err := m.decode("id", []byte("1:1:7{bad")); !errors.Is(err, session.ErrCorrupt) {
		t.Fatalf("corrupt bytes under a memoised id: %v", err)
	}
	for i := range decodeMemoSize + 10 {
		if _, err := m.decode(fmt.Sprint(i), b1); err != nil {
			t.Fatal(err)
		}
	}
	if n := m.n.Load(); n > decodeMemoSize {
		t.Fatalf("memo holds %d entries, bound %d", n, decodeMemoSize)
	}
}
