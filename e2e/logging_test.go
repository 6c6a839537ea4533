package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Every request gives exactly one JSON log record with method, path and status; no record carries
// a session key, a CSRF token, an API token or a password (checklist SID-08, IN-11).
func TestRequestLogging(t *testing.T) {
	t.Parallel()
	s, srv := start(t)
	// The request records, without the harness's /healthz probes (whose records may arrive late:
	// stderr is read through a pipe).
	requestRecords := func() []map[string]any {
		var out []map[string]any
		for _, rec := range srv.logRecords() {
			if rec["msg"] == "request" && rec["path"] != "/healthz" {
				out = append(out, rec)
			}
		}
		return out
	}

	type sent struct {
		method, path string
		status       int
	}
	var log []sent
	note := func(method, path string, status int) {
		log = append(log, sent{method, path, status})
	}
	c := srv.client()
	r := c.get("/api/auth/csrf")
	note("GET", "/api/auth/csrf", r.StatusCode)
	tok := c.csrf()
	note("GET", "/api/auth/csrf", 200)
	r = c.post("/api/auth/login", map[string]any{"username": "alice", "password": "wrong-password-logged?"}, "X-CSRFToken", tok)
	s.secret("wrong-password-logged?", "wrong password")
	note("POST", "/api/auth/login", r.StatusCode)
	r = c.post("/api/auth/login", map[string]any{"username": "alice", "password": alicePassword}, "X-CSRFToken", tok)
	note("POST", "/api/auth/login", r.StatusCode)
	r = c.get("/api/auth/me?token=query-secret-value")
	s.secret("query-secret-value", "query string")
	note("GET", "/api/auth/me", r.StatusCode)
	key := createToken(t, c, "logging")
	note("POST", "/api/auth/tokens", 201)
	r = srv.client().get("/api/notes", "Authorization", "Token "+key)
	note("GET", "/api/notes", r.StatusCode)
	r = c.post("/api/notes", map[string]any{"title": "x"}, "X-CSRFToken", "forged-token-"+strings.Repeat("z", 51))
	note("POST", "/api/notes", r.StatusCode)
	r = c.post("/api/auth/password", map[string]any{"old_password": alicePassword, "new_password": "Changed-passw0rd-logged"})
	s.secret("Changed-passw0rd-logged", "new password")
	note("POST", "/api/auth/password", r.StatusCode)
	r = c.get("/no/such/page")
	note("GET", "/no/such/page", r.StatusCode)
	r = c.do("PUT", "/api/auth/login", nil)
	note("PUT", "/api/auth/login", r.StatusCode)
	r = c.post("/api/auth/logout", nil)
	note("POST", "/api/auth/logout", r.StatusCode)
	// A username trying to forge a log line.
	d := srv.client()
	r = d.login("alice\n{\"level\":\"INFO\",\"msg\":\"forged\"}", "whatever-password")
	note("GET", "/api/auth/csrf", 200)
	note("POST", "/api/auth/login", r.StatusCode)

	want := len(log)
	if !srv.waitLog(5*time.Second, func(map[string]any) bool { return len(requestRecords()) >= want }) {
		t.Fatalf("%d request records, want %d\n%s", len(requestRecords()), want, srv.stderr)
	}
	got := requestRecords()
	if len(got) != want {
		t.Fatalf("%d request records for %d requests", len(got), want)
	}
	for i, rec := range got {
		for _, field := range []string{"time", "level", "method", "path", "status", "bytes", "ms", "client"} {
			if _, ok := rec[field]; !ok {
				t.Errorf("record %d has no %q: %v", i, field, rec)
			}
		}
		if rec["level"] != "INFO" || rec["client"] != "127.0.0.1" {
			t.Errorf("record %d: %v", i, rec)
		}
		if strings.Contains(fmt.Sprint(rec["path"]), "?") {
			t.Errorf("record %d logs a query string: %v", i, rec["path"])
		}
	}
	// Records come in request order (requests were sequential).
	for i, w := range log {
		rec := got[i]
		if rec["method"] != w.method || rec["path"] != w.path || rec["status"] != float64(w.status) {
			t.Errorf("record %d: %v %v %v, want %s %s %d", i, rec["method"], rec["path"], rec["status"], w.method, w.path, w.status)
		}
	}
	for _, rec := range srv.logRecords() {
		if rec["msg"] == "forged" {
			t.Errorf("a username forged a log record")
		}
	}
	// The checks on secrets: every one the test used, over the whole of stderr.
	srv.stop()
	if n := len(requestRecords()); n != want {
		t.Errorf("%d request records in the end, for %d requests", n, want)
	}
	secrets := s.secretList()
	kinds := map[string]bool{}
	for _, what := range secrets {
		kinds[strings.Fields(what)[0]] = true
	}
	for _, k := range []string{"cookie", "CSRF", "API", "password", "new"} {
		if !kinds[k] {
			t.Errorf("no %s secret was recorded: %v", k, kinds)
		}
	}
	all := srv.stderr.String()
	for value, what := range secrets {
		if strings.Contains(all, value) {
			t.Errorf("stderr contains the %s", what)
		}
	}
	if strings.Contains(all, "forged-token-") {
		t.Errorf("stderr contains the forged CSRF token")
	}
}

// --log-format text gives logfmt lines, and --log-level warn silences the request log.
func TestLogFormatAndLevel(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	s.createUser("alice", alicePassword)
	srv := s.serve("--log-format", "text", "--log-level", "warn")
	c := srv.client()
	c.mustLogin("alice", alicePassword)
	c.get("/api/auth/me")
	srv.stop()
	out := srv.stderr.String()
	if strings.Contains(out, "msg=request") || strings.Contains(out, `"msg":"request"`) {
		t.Errorf("--log-level warn still logs requests:\n%s", out)
	}

	srv = s.serve("--log-format", "text")
	srv.client().get("/healthz")
	srv.stop()
	out = srv.stderr.String()
	if !strings.Contains(out, "level=INFO msg=request method=GET path=/healthz status=200") {
		t.Errorf("text request log line missing:\n%s", out)
	}
}
