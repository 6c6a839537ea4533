package postgres_test

import (
	"context"
	"crypto/rand"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sessionauth/sessionauth/internal/tcpproxy"
	"github.com/sessionauth/sessionauth/internal/testenv"
	"github.com/sessionauth/sessionauth/store/postgres"
)

// serverURL is the test server's URL; the test is skipped (or fails, in CI) when it is not set.
func serverURL(tb testing.TB) string {
	tb.Helper()
	return testenv.Service(tb, testenv.PostgresURL)
}

// newSchema returns the name of a schema no other test uses, and drops it (with everything in it)
// when the test ends. Open creates it.
func newSchema(tb testing.TB, dbURL string) string {
	tb.Helper()
	name := "sa_test_" + strings.ToLower(rand.Text()[:16])
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			tb.Errorf("dropping schema %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{name}.Sanitize()+" CASCADE"); err != nil {
			tb.Errorf("dropping schema %s: %v", name, err)
		}
	})
	return name
}

// openAt opens a store on dbURL and closes it when the test ends.
func openAt(tb testing.TB, dbURL string, opts postgres.Options) *postgres.Store {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := postgres.Open(ctx, dbURL, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// open returns a store in a fresh schema of its own.
func open(tb testing.TB) *postgres.Store {
	tb.Helper()
	u := serverURL(tb)
	return openAt(tb, u, postgres.Options{Schema: newSchema(tb, u), SweepInterval: -1})
}

// viaProxy starts a tcpproxy in front of the server of dbURL and returns it with dbURL pointed at it.
func viaProxy(tb testing.TB, dbURL string) (*tcpproxy.Proxy, string) {
	tb.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		tb.Fatal(err)
	}
	target := u.Host
	if u.Port() == "" {
		target = net.JoinHostPort(u.Hostname(), "5432")
	}
	p, err := tcpproxy.Start(target)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { p.Close() })
	u.Host = p.Addr()
	return p, u.String()
}

// withPassword returns dbURL with its password replaced.
func withPassword(tb testing.TB, dbURL, password string) string {
	tb.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		tb.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), password)
	return u.String()
}
