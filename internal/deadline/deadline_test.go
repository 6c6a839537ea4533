package deadline

import (
	"context"
	"testing"
	"time"
)

func TestWithin(t *testing.T) {
	bg := context.Background()

	ctx, cancel := Within(bg, time.Hour)
	end, ok := ctx.Deadline()
	cancel()
	if !ok || time.Until(end) > time.Hour || time.Until(end) < 59*time.Minute {
		t.Fatalf("unbounded context: deadline %v, %v; want about an hour from now", end, ok)
	}

	soon, cancelSoon := context.WithTimeout(bg, time.Minute)
	defer cancelSoon()
	ctx, cancel = Within(soon, time.Hour)
	cancel()
	if ctx != soon {
		t.Fatal("a context ending sooner was replaced")
	}
	if soon.Err() != nil {
		t.Fatal("cancelling the returned func cancelled the caller's context")
	}

	late, cancelLate := context.WithTimeout(bg, 2*time.Hour)
	defer cancelLate()
	ctx, cancel = Within(late, time.Minute)
	defer cancel()
	if end, _ := ctx.Deadline(); time.Until(end) > time.Minute {
		t.Fatalf("a later deadline was kept: %v", end)
	}

	if ctx, cancel := Within(bg, 0); ctx != bg {
		cancel()
		t.Fatal("d <= 0 bounded the context")
	}
}
