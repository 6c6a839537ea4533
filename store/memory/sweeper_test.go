package memory_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/internal/testclock"
	"github.com/sessionauth/sessionauth/session"
	"github.com/sessionauth/sessionauth/store/memory"
)

// The background sweeper (SweepInterval > 0) removes records once they expire, and only those: Load
// already hides an expired record, so Len, which counts what the store still holds, is what shows
// the memory was given back.
func TestSweeperRemovesExpired(t *testing.T) {
	ctx := context.Background()
	start := time.Unix(1_700_000_000, 0)
	clock := testclock.New(start) // read by the sweeper while the test moves it
	st := memory.New(memory.Options{SweepInterval: time.Millisecond, Now: clock.Now})
	t.Cleanup(func() { st.Close() })

	short := session.Record{UserID: "1", Created: start, LastSeen: start, Expires: start.Add(time.Minute)}
	long := session.Record{UserID: "1", Created: start, LastSeen: start, Expires: start.Add(time.Hour)}
	if err := st.Save(ctx, "short", &short); err != nil {
		t.Fatal(err)
	}
	if err := st.Save(ctx, "long", &long); err != nil {
		t.Fatal(err)
	}
	if n := st.Len(); n != 2 {
		t.Fatalf("Len = %d before expiry, want 2", n)
	}

	clock.Advance(2 * time.Minute)
	deadline := time.Now().Add(10 * time.Second) // generous: the sweeper ticks every millisecond
	for st.Len() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the sweeper left %d records, want 1 (the live one)", st.Len())
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := st.Load(ctx, "long"); err != nil {
		t.Fatalf("the live record was swept: %v", err)
	}
	if _, err := st.Load(ctx, "short"); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Load of the swept record: %v, want ErrNotFound", err)
	}
}
