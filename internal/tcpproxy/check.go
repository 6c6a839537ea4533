package tcpproxy

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// The checks the stores' failure tests share. Time bounds are loose on purpose: they catch a hang,
// not a slow machine.

// HonoursDeadlines calls each call with a 50 ms deadline, for a link slowed by more than that: each
// must fail with an error wrapping context.DeadlineExceeded, not wait for the server.
func HonoursDeadlines(t testing.TB, calls map[string]func(context.Context) error) {
	t.Helper()
	for name, call := range calls {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		start := time.Now()
		err := call(ctx)
		elapsed := time.Since(start)
		cancel()
		switch {
		case err == nil:
			t.Fatalf("%s succeeded through a slow link within a 50ms deadline", name)
		case !errors.Is(err, context.DeadlineExceeded):
			t.Fatalf("%s: %v, want an error wrapping context.DeadlineExceeded", name, err)
		case elapsed > 5*time.Second:
			t.Fatalf("%s took %s to honour a 50ms deadline", name, elapsed)
		}
	}
}

// AwaitRecovery retries call (each with a 5 s deadline, 50 ms apart) until it succeeds, failing the
// test after 100 attempts: the store must recover by itself once the link is back.
func AwaitRecovery(t testing.TB, what string, call func(context.Context) error) {
	t.Helper()
	var err error
	for range 100 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = call(ctx)
		cancel()
		if err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the store did not recover within 100 attempts %s: %v", what, err)
}

// OpenFails calls open while its server is unreachable. It must fail within 10 s with an error
// that contains every string of want and never secret (the password in the URL).
func OpenFails(t testing.TB, open func() (io.Closer, error), secret string, want ...string) {
	t.Helper()
	start := time.Now()
	c, err := open()
	if err == nil {
		c.Close()
		t.Fatal("Open succeeded with the server down")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("Open took %s to fail", d)
	}
	msg := err.Error()
	if strings.Contains(msg, secret) {
		t.Fatalf("the error shows the password: %s", msg)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Fatalf("the error does not say %q: %s", w, msg)
		}
	}
}
