package e2e

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// pendingLogin is a login request on its own connection whose handler is running and waiting for
// the body: it sent "Expect: 100-continue", and the server answers "100 Continue" only when the
// handler starts reading the body. That makes "in flight" a fact rather than a guess.
type pendingLogin struct {
	conn net.Conn
	br   *bufio.Reader
	body string
}

func startPendingLogin(t *testing.T, srv *server, c *client, tok string) *pendingLogin {
	t.Helper()
	conn, err := net.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	body := fmt.Sprintf(`{"username":"alice","password":%q}`, alicePassword)
	fmt.Fprintf(conn, "POST /api/auth/login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"+
		"Expect: 100-continue\r\nX-CSRFToken: %s\r\nCookie: csrftoken=%s\r\n\r\n", srv.addr, len(body), tok, c.cookies["csrftoken"])
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("waiting for 100 Continue: %v", err)
	}
	if resp.StatusCode != http.StatusContinue {
		t.Fatalf("got %d, want 100 Continue", resp.StatusCode)
	}
	return &pendingLogin{conn: conn, br: br, body: body}
}

// finish sends the body and reads the final response.
func (p *pendingLogin) finish(t *testing.T) *http.Response {
	t.Helper()
	if _, err := p.conn.Write([]byte(p.body)); err != nil {
		t.Fatalf("sending the body: %v", err)
	}
	p.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(p.br, nil)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	resp.Body.Close()
	return resp
}

// SIGTERM stops accepting connections, lets the requests in flight finish successfully, closes the
// stores and exits 0.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	s, srv := start(t)
	c := srv.client()
	tok := c.csrf()
	srv.loggedIn("bob", bobPassword) // leaves an idle keep-alive connection, which must not delay the exit

	var pending []*pendingLogin
	for range 3 {
		pending = append(pending, startPendingLogin(t, srv, c, tok))
	}
	srv.signal(syscall.SIGTERM)
	if !srv.waitLog(10*time.Second, func(rec map[string]any) bool { return rec["msg"] == "shutting down" }) {
		t.Fatalf("no \"shutting down\" log record:\n%s", srv.stderr)
	}
	// New connections are refused while the old requests are still running.
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", srv.addr, time.Second)
		if err != nil {
			if !errors.Is(err, syscall.ECONNREFUSED) {
				t.Logf("dial after SIGTERM: %v", err)
			}
			break
		}
		conn.Close()
		if time.Now().After(deadline) {
			t.Fatalf("the server still accepts connections 10 s after SIGTERM")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case <-srv.done:
		t.Fatalf("the server exited with requests in flight")
	default:
	}

	for i, p := range pending {
		resp := p.finish(t)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("in-flight login %d: %d, want 200", i, resp.StatusCode)
		}
		ok := false
		for _, ck := range resp.Cookies() {
			if ck.Name == "sessionid" && ck.Value != "" {
				ok = true
				s.secret(ck.Value, "cookie sessionid")
			}
		}
		if !ok {
			t.Errorf("in-flight login %d set no session cookie", i)
		}
	}
	code, exited := srv.wait(20 * time.Second)
	if !exited || code != 0 {
		t.Fatalf("exit %d (exited %v), want 0\nstderr:\n%s", code, exited, srv.stderr)
	}
	if !srv.waitLog(0, func(rec map[string]any) bool { return rec["msg"] == "stopped" }) {
		t.Errorf("no \"stopped\" log record")
	}
	// The stores were closed: SQLite removes its write-ahead log when the last connection closes.
	if _, err := os.Stat(s.db + "-wal"); err == nil {
		t.Errorf("%s-wal still exists: the database was not closed", s.db)
	}
	// The sessions created during the drain were saved.
	srv2 := s.serve()
	if out := srv2.cli("", "sessions", "list", "--user", "alice").stdout; rows(out) != 3 {
		t.Errorf("alice's sessions after the restart:\n%s", out)
	}
}

// --shutdown-timeout bounds the drain: a request that never completes does not keep the process
// alive, and the exit code says the drain was cut short.
func TestShutdownTimeout(t *testing.T) {
	t.Parallel()
	_, srv := start(t, "--shutdown-timeout", "1s")
	srv.anyExit = true // checked here
	c := srv.client()
	p := startPendingLogin(t, srv, c, c.csrf())
	srv.signal(syscall.SIGTERM)
	code, exited := srv.wait(20 * time.Second)
	if !exited {
		t.Fatalf("the server did not exit after its shutdown timeout")
	}
	if code == 0 {
		t.Errorf("exit code 0 after an interrupted drain, want non-zero")
	}
	if !strings.Contains(srv.stderr.String(), `"msg":"shutdown"`) {
		t.Errorf("no log record of the cut-short shutdown:\n%s", srv.stderr)
	}
	p.conn.Close()
}

// SIGINT (Ctrl-C on a terminal) stops the server like SIGTERM.
func TestSIGINT(t *testing.T) {
	t.Parallel()
	_, srv := start(t)
	srv.loggedIn("alice", alicePassword)
	srv.signal(os.Interrupt)
	code, exited := srv.wait(20 * time.Second)
	if !exited || code != 0 {
		t.Fatalf("after SIGINT: exit %d (exited %v), want 0\nstderr:\n%s", code, exited, srv.stderr)
	}
}
