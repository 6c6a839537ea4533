package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Users most tests start with (created with the CLI before the server starts, so no admin is
// bootstrapped).
const (
	alicePassword = "alice-Pa55word-e2e-7Rq"
	bobPassword   = "bob-Pa55word-e2e-9Xk"
)

// buffer is a goroutine-safe bytes.Buffer for a process's output.
type buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// site is one installation: a temporary directory with its SQLite database. Servers started on it
// one after the other (restarts) share the database. It remembers every secret the tests saw
// (passwords, cookies, CSRF and API tokens) so that the logs can be checked for them.
type site struct {
	t   testing.TB
	dir string
	db  string

	mu      sync.Mutex
	secrets map[string]string // value → what it is
}

func newSite(t testing.TB) *site {
	t.Helper()
	dir := t.TempDir()
	return &site{t: t, dir: dir, db: filepath.Join(dir, "sessionauth.db"), secrets: map[string]string{}}
}

// secret records a value that must never appear in a log line. Short values are skipped: they
// would match by chance.
func (s *site) secret(value, what string) {
	if len(value) < 8 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secrets[value] = what
}

func (s *site) secretList() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.secrets))
	for k, v := range s.secrets {
		out[k] = v
	}
	return out
}

// cliResult is what one run of the command line gave.
type cliResult struct {
	stdout, stderr string
	code           int
}

func (r cliResult) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// processEnv is the test process's environment without any SESSIONAUTH_ variable, plus extra.
func processEnv(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SESSIONAUTH_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// runCLI runs the binary with args. stdin "" means no input (/dev/null, not a terminal).
func runCLI(t testing.TB, dir, stdin string, env []string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = dir
	cmd.Env = processEnv(env)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := cliResult{stdout: stdout.String(), stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr) && exitErr.Exited():
		res.code = exitErr.ExitCode()
	default:
		t.Fatalf("sessionauth %s: %v\n%s", strings.Join(args, " "), err, res)
	}
	return res
}

// cli runs an admin command against the site's database.
func (s *site) cli(stdin string, args ...string) cliResult {
	s.t.Helper()
	return runCLI(s.t, s.dir, stdin, nil, append(args, "--database", s.db)...)
}

// mustCLI runs an admin command that must succeed.
func (s *site) mustCLI(stdin string, args ...string) cliResult {
	s.t.Helper()
	res := s.cli(stdin, args...)
	if res.code != 0 {
		s.t.Fatalf("sessionauth %s: %s", strings.Join(args, " "), res)
	}
	return res
}

// createUser creates a user with the CLI (password on stdin).
func (s *site) createUser(username, password string, flags ...string) {
	s.t.Helper()
	s.secret(password, "password of "+username)
	s.mustCLI(password+"\n", append([]string{"createuser", "--username", username, "--password-stdin"}, flags...)...)
}

// server is one running sessionauth serve process.
type server struct {
	site   *site
	t      testing.TB
	cmd    *exec.Cmd
	base   string // http://127.0.0.1:port
	addr   string // 127.0.0.1:port
	stdout *buffer
	stderr *buffer
	done   chan struct{} // closed when the process has exited
	err    error         // cmd.Wait's result, once done is closed

	stopOnce sync.Once
	exitCode int
	textLogs bool // --log-format text: stderr is not JSON
	anyExit  bool // the test checks the exit code itself
}

var listeningRE = regexp.MustCompile(`listening on http://([^/\s]+)/`)

// serve starts the server on the site's database on a free loopback port, with JSON logs, and waits
// until /healthz answers. The test's cleanup stops it with SIGTERM and checks a clean exit and the
// logs (see checkLogs).
func (s *site) serve(args ...string) *server {
	s.t.Helper()
	return s.serveEnv(nil, args...)
}

func (s *site) serveEnv(env []string, args ...string) *server {
	t := s.t
	t.Helper()
	full := []string{"serve", "--addr", "127.0.0.1:0", "--log-format", "json"}
	if s.db != "" { // "" tests the default, ./sessionauth.db
		full = append(full, "--database", s.db)
	}
	full = append(full, args...)
	cmd := exec.Command(binary, full...)
	cmd.Dir = s.dir
	cmd.Env = processEnv(env)
	setProcAttr(cmd)
	srv := &server{site: s, t: t, cmd: cmd, stdout: &buffer{}, stderr: &buffer{}, done: make(chan struct{})}
	quiet := false // --log-level above info: no "listening" record
	for i := range args[:max(len(args)-1, 0)] {
		switch args[i] {
		case "--log-format":
			srv.textLogs = args[i+1] != "json"
		case "--log-level":
			quiet = args[i+1] == "warn" || args[i+1] == "error"
		}
	}
	cmd.Stderr = srv.stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			srv.stdout.Write([]byte(line + "\n"))
			if m := listeningRE.FindStringSubmatch(line); m != nil {
				select {
				case addrc <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, pipe)
	}()
	go func() {
		<-copied // Wait closes the pipe: read everything first
		srv.err = cmd.Wait()
		close(srv.done)
	}()
	t.Cleanup(func() { srv.stopAndCheck() })

	select {
	case srv.addr = <-addrc:
	case <-srv.done:
		t.Fatalf("server exited before listening: %v\nstdout:\n%s\nstderr:\n%s", srv.err, srv.stdout, srv.stderr)
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not print its address\nstdout:\n%s\nstderr:\n%s", srv.stdout, srv.stderr)
	}
	srv.base = "http://" + srv.addr
	// stdout and stderr are read through separate pipes: wait for the "listening" log record, written
	// before the stdout line, so that everything printed during startup is in srv.stderr.
	deadline := time.Now().Add(10 * time.Second)
	for !quiet && !strings.Contains(srv.stderr.String(), `"msg":"listening"`) && !strings.Contains(srv.stderr.String(), "msg=listening") {
		if time.Now().After(deadline) {
			t.Fatalf("no \"listening\" log record\nstderr:\n%s", srv.stderr)
		}
		time.Sleep(5 * time.Millisecond)
	}
	for {
		resp, err := http.Get(srv.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz did not answer 200 (last: %v)\nstderr:\n%s", err, srv.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return srv
}

// start is the common beginning: a site with users alice and bob, and a server on it.
func start(t *testing.T, args ...string) (*site, *server) {
	t.Helper()
	s := newSite(t)
	s.createUser("alice", alicePassword, "--email", "alice@example.com")
	s.createUser("bob", bobPassword)
	return s, s.serve(args...)
}

// signal sends sig to the server process.
func (srv *server) signal(sig os.Signal) {
	srv.t.Helper()
	if err := srv.cmd.Process.Signal(sig); err != nil {
		srv.t.Fatalf("signal %v: %v", sig, err)
	}
}

// wait waits for the process to exit and returns its exit code (-1 when killed by a signal).
func (srv *server) wait(timeout time.Duration) (int, bool) {
	select {
	case <-srv.done:
	case <-time.After(timeout):
		return 0, false
	}
	var exitErr *exec.ExitError
	switch {
	case srv.err == nil:
		return 0, true
	case errors.As(srv.err, &exitErr):
		return exitErr.ExitCode(), true
	}
	return -1, true
}

// stop sends SIGTERM and returns the exit code; it fails the test if the process does not exit in
// time. Later calls return the first result.
func (srv *server) stop() int {
	srv.t.Helper()
	srv.stopOnce.Do(func() {
		select {
		case <-srv.done:
		default:
			srv.cmd.Process.Signal(syscall.SIGTERM)
		}
		code, ok := srv.wait(20 * time.Second)
		if !ok {
			srv.cmd.Process.Kill()
			<-srv.done
			srv.t.Errorf("server did not exit within 20s of SIGTERM\nstderr:\n%s", srv.stderr)
			code = -1
		}
		srv.exitCode = code
	})
	return srv.exitCode
}

// stopAndCheck is the cleanup: SIGTERM, exit code 0, logs well-formed and free of secrets.
func (srv *server) stopAndCheck() {
	if code := srv.stop(); code != 0 && !srv.anyExit {
		srv.t.Errorf("server exit code %d after SIGTERM, want 0\nstderr:\n%s", code, srv.stderr)
	}
	srv.checkLogs()
}

// checkLogs checks every line the server wrote on stderr: JSON log records (apart from the
// bootstrap banner, written for a human), none containing a secret the test used.
func (srv *server) checkLogs() {
	srv.t.Helper()
	secrets := srv.site.secretList()
	for i, line := range strings.Split(srv.stderr.String(), "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "Created superuser ") || strings.HasPrefix(line, "It is shown only this once") {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil && !srv.textLogs {
			srv.t.Errorf("stderr line %d is not a JSON log record: %q", i+1, line)
			continue
		}
		for value, what := range secrets {
			if strings.Contains(line, value) {
				srv.t.Errorf("log line %d contains the %s: %s", i+1, what, line)
			}
		}
	}
}

// logRecords returns the server's JSON log records so far.
func (srv *server) logRecords() []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(srv.stderr.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil {
			out = append(out, rec)
		}
	}
	return out
}

// waitLog waits until a log record satisfies match.
func (srv *server) waitLog(timeout time.Duration, match func(map[string]any) bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		for _, rec := range srv.logRecords() {
			if match(rec) {
				return true
			}
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// cli runs an admin command against the running server's database.
func (srv *server) cli(stdin string, args ...string) cliResult {
	srv.t.Helper()
	return srv.site.cli(stdin, args...)
}

// client is an HTTP client with a cookie jar the test controls: cookies are kept by name only (no
// domain or path matching), so a test can read, replay, plant and remove them.
type client struct {
	t       testing.TB
	srv     *server
	hc      *http.Client
	cookies map[string]string
	// Header is sent with every request (a request's own headers win).
	Header http.Header
}

func (srv *server) client() *client {
	return &client{
		t:   srv.t,
		srv: srv,
		hc: &http.Client{
			Timeout:       30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		cookies: map[string]string{},
		Header:  http.Header{},
	}
}

// response is a finished response with its body read.
type response struct {
	*http.Response
	body []byte
}

func (r *response) String() string {
	return fmt.Sprintf("%d %s", r.StatusCode, bytes.TrimSpace(r.body))
}

// json decodes the body into v.
func (r *response) json(t testing.TB, v any) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want application/json (response %s)", ct, r)
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r, err)
	}
}

// object decodes a JSON object body.
func (r *response) object(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	r.json(t, &m)
	return m
}

// setCookie returns the response's Set-Cookie for name, or nil.
func (r *response) setCookie(name string) *http.Cookie {
	for _, c := range r.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// deletesCookie reports whether the response deletes the cookie name.
func (r *response) deletesCookie(name string) bool {
	c := r.setCookie(name)
	return c != nil && (c.MaxAge < 0 || c.Value == "" || (!c.Expires.IsZero() && c.Expires.Before(time.Now())))
}

// omit as a header value in do's hdr pairs removes a header the client would otherwise send.
const omit = "\x00omit"

// rawBody is a request body sent as it is, with its Content-Type ("" for none).
type rawBody struct {
	contentType string
	data        []byte
}

// do sends a request. body is nil, a rawBody, url.Values (a form), or anything else (JSON). hdr are
// header name/value pairs. Unsafe methods carry X-CSRFToken from the csrftoken cookie, the way a
// JavaScript client does, unless hdr sets or omits it.
func (c *client) do(method, path string, body any, hdr ...string) *response {
	c.t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case rawBody:
		rd, ctype = bytes.NewReader(b.data), b.contentType
	case url.Values:
		rd, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		data, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd, ctype = bytes.NewReader(data), "application/json"
	}
	req, err := http.NewRequest(method, c.srv.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, vs := range c.Header {
		req.Header[k] = append([]string(nil), vs...)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	switch method {
	case "GET", "HEAD", "OPTIONS", "TRACE":
	default:
		if tok, ok := c.cookies["csrftoken"]; ok {
			req.Header.Set("X-CSRFToken", tok)
		}
	}
	if len(hdr)%2 != 0 {
		c.t.Fatalf("do: odd header list %q", hdr)
	}
	for i := 0; i < len(hdr); i += 2 {
		if hdr[i+1] == omit {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	if req.Header.Get("Cookie") == "" && len(c.cookies) > 0 {
		names := make([]string, 0, len(c.cookies))
		for name := range c.cookies {
			names = append(names, name)
		}
		sort.Strings(names)
		var parts []string
		for _, name := range names {
			parts = append(parts, name+"="+c.cookies[name])
		}
		req.Header.Set("Cookie", strings.Join(parts, "; "))
	}
	return c.send(req)
}

// send sends a prepared request and keeps the cookies it sets.
func (c *client) send(req *http.Request) *response {
	c.t.Helper()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: reading the body: %v", req.Method, req.URL.Path, err)
	}
	r := &response{Response: resp, body: body}
	for _, ck := range resp.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" || (!ck.Expires.IsZero() && ck.Expires.Before(time.Now())) {
			delete(c.cookies, ck.Name)
			continue
		}
		c.cookies[ck.Name] = ck.Value
		c.srv.site.secret(ck.Value, "cookie "+ck.Name)
	}
	return r
}

func (c *client) get(path string, hdr ...string) *response {
	c.t.Helper()
	return c.do("GET", path, nil, hdr...)
}

func (c *client) post(path string, body any, hdr ...string) *response {
	c.t.Helper()
	return c.do("POST", path, body, hdr...)
}

func (c *client) delete(path string, hdr ...string) *response {
	c.t.Helper()
	return c.do("DELETE", path, nil, hdr...)
}

// csrf is GET /api/auth/csrf; it returns the masked token.
func (c *client) csrf() string {
	c.t.Helper()
	r := c.get("/api/auth/csrf")
	if r.StatusCode != http.StatusOK {
		c.t.Fatalf("GET /api/auth/csrf: %s", r)
	}
	var out struct {
		CSRFToken string `json:"csrfToken"`
	}
	r.json(c.t, &out)
	c.srv.site.secret(out.CSRFToken, "CSRF token")
	return out.CSRFToken
}

// login is POST /api/auth/login (JSON) with a fresh X-CSRFToken from /api/auth/csrf.
func (c *client) login(username, password string) *response {
	c.t.Helper()
	tok := c.csrf()
	c.srv.site.secret(password, "password")
	return c.post("/api/auth/login", map[string]any{"username": username, "password": password}, "X-CSRFToken", tok)
}

// mustLogin logs in and fails the test unless it worked.
func (c *client) mustLogin(username, password string) {
	c.t.Helper()
	if r := c.login(username, password); r.StatusCode != http.StatusOK || c.cookies["sessionid"] == "" {
		c.t.Fatalf("login %s: %s", username, r)
	}
}

// loggedIn returns a new client logged in as username.
func (srv *server) loggedIn(username, password string) *client {
	srv.t.Helper()
	c := srv.client()
	c.mustLogin(username, password)
	return c
}

// clone returns a client with a copy of c's cookies (another browser tab, or a stolen cookie).
func (c *client) clone() *client {
	d := c.srv.client()
	for k, v := range c.cookies {
		d.cookies[k] = v
	}
	return d
}

// to returns a client of srv (another server process, after a restart) with a copy of c's cookies
// and headers.
func (c *client) to(srv *server) *client {
	d := srv.client()
	for k, v := range c.cookies {
		d.cookies[k] = v
	}
	d.Header = c.Header.Clone()
	return d
}

// expect fails the test unless r has the status.
func expect(t testing.TB, r *response, status int, what string) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("%s: got %s, want status %d", what, r, status)
	}
}

// expectBody fails the test unless r has the status and exactly the JSON body want (compared as
// JSON values).
func expectBody(t testing.TB, r *response, status int, want string, what string) {
	t.Helper()
	expect(t, r, status, what)
	var got, exp any
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatalf("%s: body %q is not JSON: %v", what, r.body, err)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatalf("bad want %q: %v", want, err)
	}
	g, _ := json.Marshal(got)
	e, _ := json.Marshal(exp)
	if !bytes.Equal(g, e) {
		t.Fatalf("%s: body %s, want %s", what, g, e)
	}
}

// expectAnonymous checks that an endpoint needing authentication refused c: /api/auth/me (Token
// authentication first: 401 with a challenge) and /api/hello (session only: 403).
func expectAnonymous(t testing.TB, c *client, what string) {
	t.Helper()
	saved := make(map[string]string, len(c.cookies))
	for k, v := range c.cookies {
		saved[k] = v
	}
	expectBody(t, c.get("/api/auth/me"), http.StatusUnauthorized, `{"detail":"Authentication credentials were not provided."}`, what+": /api/auth/me")
	c.cookies = saved // the same cookies again, even if the first answer deleted them
	expectBody(t, c.get("/api/hello"), http.StatusForbidden, `{"detail":"Authentication credentials were not provided."}`, what+": /api/hello")
}

// metric returns the value of one sample of the Prometheus text exposition ("name{labels}" as
// written, or just the name), and whether it was found.
func metric(text, sample string) (float64, bool) {
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, " ")
		if !ok || name != sample {
			continue
		}
		var v float64
		if _, err := fmt.Sscan(value, &v); err == nil {
			return v, true
		}
	}
	return 0, false
}
