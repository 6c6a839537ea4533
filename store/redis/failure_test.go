package redis_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/internal/tcpproxy"
	"github.com/sessionauth/sessionauth/session"
	"github.com/sessionauth/sessionauth/store/redis"
)

// The failure tests put internal/tcpproxy between the store and Redis, to cut the link, refuse
// connections or slow every byte down. Time bounds are loose on purpose (they catch a hang, not a
// slow machine); recovery is checked with a bounded number of attempts.

const secretPassword = "do-not-print-this-pw"

// viaProxy returns a proxy in front of the standalone server and the store URL that goes through it.
func viaProxy(t *testing.T) (*tcpproxy.Proxy, string) {
	t.Helper()
	u, err := url.Parse(standaloneURL(t))
	if err != nil {
		t.Fatal(err)
	}
	p, err := tcpproxy.Start(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	u.Host = p.Addr()
	return p, u.String()
}

// openProxied opens a store through the proxy with short timeouts and a fresh key prefix.
func openProxied(t *testing.T, rawURL string) *redis.Store {
	t.Helper()
	st, err := redis.Open(context.Background(), rawURL, redis.Options{Prefix: randomPrefix(), Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// A server that is down when the store opens: Open fails promptly, says which server, and does not
// show the password.
func TestOpenServerDown(t *testing.T) {
	t.Parallel()
	p, proxied := viaProxy(t)
	p.Down()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "redis://" + ln.Addr().String() + "/0"
	ln.Close()
	for name, rawURL := range map[string]string{"link cut": proxied, "connection refused": refused} {
		t.Run(name, func(t *testing.T) {
			u, _ := url.Parse(rawURL)
			u.User = url.UserPassword("", secretPassword)
			tcpproxy.OpenFails(t, func() (io.Closer, error) {
				return redis.Open(context.Background(), u.String(), redis.Options{Timeout: 500 * time.Millisecond})
			}, secretPassword, "cannot reach", u.Host)
		})
	}
}

// The server is lost while the store runs: every call fails with an error that is not ErrNotFound
// (callers fail closed, nobody becomes anonymous), and once the link is back the store works again by
// itself.
func TestServerLostAndBack(t *testing.T) {
	t.Parallel()
	p, proxied := viaProxy(t)
	st := openProxied(t, proxied)
	ctx := context.Background()
	id := newID(t)
	rec := newRecord("7", time.Hour)
	if err := st.Save(ctx, id, &rec); err != nil {
		t.Fatal(err)
	}

	p.Down()
	calls := map[string]func(context.Context) error{
		"Load":   func(ctx context.Context) error { _, err := st.Load(ctx, id); return err },
		"Save":   func(ctx context.Context) error { next := rec; return st.Save(ctx, id, &next) },
		"Delete": func(ctx context.Context) error { return st.Delete(ctx, "other-id") },
		"UserSessions": func(ctx context.Context) error {
			_, err := st.UserSessions(ctx, "7")
			return err
		},
		"DeleteUserSessions": func(ctx context.Context) error {
			_, err := st.DeleteUserSessions(ctx, "7", "")
			return err
		},
		"Hit":       func(ctx context.Context) error { _, err := st.Hit(ctx, "lost", time.Now(), 5, time.Minute); return err },
		"ClearHits": func(ctx context.Context) error { return st.ClearHits(ctx, "lost") },
		"Ping":      func(ctx context.Context) error { return st.Ping(ctx) },
	}
	for name, call := range calls {
		callCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
		start := time.Now()
		err := call(callCtx)
		cancel()
		switch {
		case err == nil:
			t.Fatalf("%s succeeded with the server unreachable", name)
		case errors.Is(err, session.ErrNotFound):
			t.Fatalf("%s reported ErrNotFound for an unreachable server: callers would treat the session as gone", name)
		case time.Since(start) > 15*time.Second:
			t.Fatalf("%s took %s to fail", name, time.Since(start))
		}
	}

	p.Up()
	tcpproxy.AwaitRecovery(t, "after the link came back", func(ctx context.Context) error {
		got, err := st.Load(ctx, id)
		if err == nil && got.UserID != "7" {
			t.Fatalf("after recovery: %+v", got)
		}
		return err
	})
}

// A slow server: a call with a short deadline returns an error wrapping context.DeadlineExceeded
// about when the deadline passes, rather than waiting for the server; afterwards the store works.
func TestSlowServerHonoursDeadlines(t *testing.T) {
	t.Parallel()
	p, proxied := viaProxy(t)
	st := openProxied(t, proxied)
	ctx := context.Background()
	id := newID(t)
	rec := newRecord("8", time.Hour)
	if err := st.Save(ctx, id, &rec); err != nil {
		t.Fatal(err)
	}

	p.SetDelay(300 * time.Millisecond)
	calls := map[string]func(context.Context) error{
		"Load": func(ctx context.Context) error { _, err := st.Load(ctx, id); return err },
		"Save": func(ctx context.Context) error { next := rec; return st.Save(ctx, id, &next) },
		"Hit":  func(ctx context.Context) error { _, err := st.Hit(ctx, "slow", time.Now(), 5, time.Minute); return err },
		"Ping": func(ctx context.Context) error { return st.Ping(ctx) },
	}
	tcpproxy.HonoursDeadlines(t, calls)

	p.SetDelay(0)
	tcpproxy.AwaitRecovery(t, "after the delay ended", func(ctx context.Context) error {
		_, err := st.Load(ctx, id)
		return err
	})
}
