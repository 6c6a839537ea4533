package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/internal/tcpproxy"
	"github.com/sessionauth/sessionauth/session"
	"github.com/sessionauth/sessionauth/store/postgres"
)

// The failure tests put internal/tcpproxy between the store and the server, to cut the link, refuse
// connections or slow every byte down. Time bounds are loose on purpose (they catch a hang, not a
// slow machine); recovery is checked with a bounded number of attempts.

const secretPassword = "do-not-print-this-pw"

// A server that is down when the store opens: Open fails promptly with an error that says so and does
// not show the password.
func TestOpenServerDown(t *testing.T) {
	t.Parallel()
	u := serverURL(t)

	p, proxied := viaProxy(t, u)
	p.Down() // accepts and closes at once, as a server that is going away

	// Nothing listening at all: a port that was just free.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed, _ := url.Parse(u)
	closed.Host = ln.Addr().String()
	ln.Close()

	for name, dbURL := range map[string]string{"link cut": proxied, "connection refused": closed.String()} {
		t.Run(name, func(t *testing.T) {
			dbURL := withPassword(t, dbURL, secretPassword)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			tcpproxy.OpenFails(t, func() (io.Closer, error) {
				return postgres.Open(ctx, dbURL, postgres.Options{SweepInterval: -1})
			}, secretPassword, "cannot reach the database")
		})
	}
}

// A server that accepts connections but never answers in time: Open gives up after the connect
// timeout instead of hanging.
func TestOpenServerUnresponsive(t *testing.T) {
	t.Parallel()
	p, proxied := viaProxy(t, serverURL(t))
	p.SetDelay(2 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	st, err := postgres.Open(ctx, withPassword(t, proxied, secretPassword), postgres.Options{ConnectTimeout: 200 * time.Millisecond, SweepInterval: -1})
	if err == nil {
		st.Close()
		t.Fatal("Open succeeded against a server that does not answer")
	}
	d := time.Since(start)
	if d > 10*time.Second {
		t.Fatalf("Open took %s to give up", d)
	}
	t.Logf("Open gave up after %s: %v", d.Round(time.Millisecond), err)
	if strings.Contains(err.Error(), secretPassword) {
		t.Fatalf("the error shows the password: %v", err)
	}
}

// The server is lost while the store runs: every call fails with an error that is not a "not found"
// answer (the callers fail closed), and once the server is back the store works again by itself.
func TestServerLostAndBack(t *testing.T) {
	t.Parallel()
	u := serverURL(t)
	schema := newSchema(t, u)
	p, proxied := viaProxy(t, u)
	st := openAt(t, proxied, postgres.Options{Schema: schema, SweepInterval: -1, MaxConns: 4, ConnectTimeout: 2 * time.Second})
	ctx := context.Background()

	user := &auth.User{Username: "lost", Password: "!x", IsActive: true, DateJoined: time.Now()}
	if err := st.CreateUser(ctx, user); err != nil {
		t.Fatal(err)
	}
	tok := &auth.Token{UserID: user.ID, Name: "cli", KeyHash: auth.HashTokenKey("lost-token"), Created: time.Now()}
	if err := st.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	id := session.HashKey("lost-session")
	now := time.Now()
	rec := session.Record{UserID: "1", Created: now, LastSeen: now, Expires: now.Add(time.Hour)}
	if err := st.Save(ctx, id, &rec); err != nil {
		t.Fatal(err)
	}
	// Fill the pool with several connections, so that the cut leaves broken ones behind in it.
	holdConns(t, st, 4)

	p.Down()
	callCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	checks := map[string]func() error{
		"Load": func() error {
			_, err := st.Load(callCtx, id)
			return notAnAnswer(err, session.ErrNotFound)
		},
		"Save update": func() error {
			next := rec
			return notAnAnswer(st.Save(callCtx, id, &next), session.ErrNotFound, session.ErrConflict)
		},
		"Save create": func() error {
			fresh := session.Record{Created: now, LastSeen: now, Expires: now.Add(time.Hour)}
			return notAnAnswer(st.Save(callCtx, session.HashKey("new"), &fresh), session.ErrExists)
		},
		"Delete": func() error { return notAnAnswer(st.Delete(callCtx, id)) },
		"Ping":   func() error { return notAnAnswer(st.Ping(callCtx)) },
		"User": func() error {
			_, err := st.User(callCtx, user.ID)
			return notAnAnswer(err, auth.ErrUserNotFound)
		},
		"TokenUser": func() error {
			_, _, err := st.TokenUser(callCtx, tok.KeyHash)
			return notAnAnswer(err, auth.ErrTokenNotFound)
		},
		"Hit": func() error {
			_, err := st.Hit(callCtx, "lost", time.Now(), 5, time.Minute)
			return notAnAnswer(err)
		},
		"UserSessions": func() error {
			_, err := st.UserSessions(callCtx, "1")
			return notAnAnswer(err)
		},
	}
	for round := range 2 { // the first round meets the broken pooled connections, the second new dials
		for name, check := range checks {
			if err := check(); err != nil {
				t.Fatalf("round %d, %s with the server down: %v", round, name, err)
			}
		}
	}

	p.Up()
	failed := 0
	for {
		_, err := st.Load(ctx, id)
		if err == nil {
			break
		}
		if errors.Is(err, session.ErrNotFound) {
			t.Fatal("the session is gone after the outage")
		}
		if failed++; failed == 100 {
			t.Fatalf("the store did not recover within 100 attempts after the server came back: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("%d calls failed after the server came back", failed)
	// No broken connection is left in the pool to fail a later call.
	for i := range 50 {
		if _, err := st.Load(ctx, id); err != nil {
			t.Fatalf("call %d after recovery failed: %v", i, err)
		}
	}
	if err := st.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	next := rec
	if err := st.Save(ctx, id, &next); err != nil {
		t.Fatalf("Save after recovery: %v", err)
	}

	// An outage while the pool is idle costs no failed call once the server is back: the pool
	// checks a connection that has been idle for over a second before handing it out.
	holdConns(t, st, 4)
	p.Down()
	p.Up()
	time.Sleep(1500 * time.Millisecond)
	for i := range 10 {
		if _, err := st.Load(ctx, id); err != nil {
			t.Fatalf("call %d after an outage the pool slept through: %v", i, err)
		}
	}
}

// A slow server: a call with a short deadline returns a deadline error about when the deadline
// passes, rather than waiting for the server; afterwards the store works again.
func TestSlowServerHonoursDeadlines(t *testing.T) {
	t.Parallel()
	u := serverURL(t)
	schema := newSchema(t, u)
	p, proxied := viaProxy(t, u)
	st := openAt(t, proxied, postgres.Options{Schema: schema, SweepInterval: -1, MaxConns: 4})
	ctx := context.Background()
	id := session.HashKey("slow-session")
	now := time.Now()
	rec := session.Record{UserID: "1", Created: now, LastSeen: now, Expires: now.Add(time.Hour)}
	if err := st.Save(ctx, id, &rec); err != nil {
		t.Fatal(err)
	}
	holdConns(t, st, 4)

	p.SetDelay(300 * time.Millisecond)
	calls := map[string]func(context.Context) error{
		"Load": func(ctx context.Context) error { _, err := st.Load(ctx, id); return err },
		"Save": func(ctx context.Context) error { next := rec; return st.Save(ctx, id, &next) },
		"Hit":  func(ctx context.Context) error { _, err := st.Hit(ctx, "slow", time.Now(), 5, time.Minute); return err },
		"Ping": func(ctx context.Context) error { return st.Ping(ctx) },
		"User": func(ctx context.Context) error { _, err := st.User(ctx, 1); return err },
	}
	tcpproxy.HonoursDeadlines(t, calls)

	p.SetDelay(0)
	tcpproxy.AwaitRecovery(t, "after the delay ended", func(ctx context.Context) error {
		_, err := st.Load(ctx, id)
		return err
	})
}

// Options.Timeout bounds calls whose context has no deadline (a request's context usually has
// none), so a database that stops answering turns into errors, not hung requests.
func TestTimeoutBoundsCallsWithoutDeadline(t *testing.T) {
	t.Parallel()
	u := serverURL(t)
	schema := newSchema(t, u)
	p, proxied := viaProxy(t, u)
	st := openAt(t, proxied, postgres.Options{Schema: schema, SweepInterval: -1, MaxConns: 2, Timeout: 100 * time.Millisecond})
	id := session.HashKey("bounded-session")
	now := time.Now()
	rec := session.Record{UserID: "1", Created: now, LastSeen: now, Expires: now.Add(time.Hour)}
	if err := st.Save(context.Background(), id, &rec); err != nil {
		t.Fatal(err)
	}
	p.SetDelay(2 * time.Second)
	_, err := st.Load(context.Background(), id)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Load through a 2s delay with a 100ms Timeout: %v, want context.DeadlineExceeded", err)
	}
	if err := st.Ping(context.Background()); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Ping: %v, want context.DeadlineExceeded", err)
	}
}

// notAnAnswer checks that err is a failure, not one of the answers a working store gives.
func notAnAnswer(err error, answers ...error) error {
	if err == nil {
		return errors.New("succeeded")
	}
	for _, a := range answers {
		if errors.Is(err, a) {
			return fmt.Errorf("got the answer %q, want a failure: %w", a, err)
		}
	}
	return nil
}

// holdConns makes the pool open n connections (by holding them at once), then returns them to it.
func holdConns(t *testing.T, st *postgres.Store, n int) {
	t.Helper()
	ctx := context.Background()
	for range n {
		c, err := st.Pool().Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Release()
	}
}
