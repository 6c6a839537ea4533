package e2e

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// serveMustFail runs serve with args in a fresh directory and expects it to exit non-zero (and not
// to start serving) with exactly one line on stderr containing want.
func serveMustFail(t *testing.T, env []string, want string, args ...string) {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// Defaults for the flags neither args nor env set.
	full := []string{"serve"}
	for _, d := range [][2]string{{"--database", filepath.Join(dir, "sessionauth.db")}, {"--log-format", "json"}, {"--addr", "127.0.0.1:0"}} {
		twin := "SESSIONAUTH_" + strings.ToUpper(strings.ReplaceAll(strings.TrimPrefix(d[0], "--"), "-", "_")) + "="
		if !contains(args, d[0]) && !strings.Contains(strings.Join(env, "\n"), twin) {
			full = append(full, d[0], d[1])
		}
	}
	full = append(full, args...)
	cmd := exec.CommandContext(ctx, binary, full...)
	cmd.Dir = dir
	cmd.Env = processEnv(env)
	var stdout, stderr buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	what := strings.Join(append(env, args...), " ")
	if ctx.Err() != nil {
		t.Errorf("%s: still running after 20 s, want a refusal\nstdout:\n%s\nstderr:\n%s", what, stdout.String(), stderr.String())
		return
	}
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() == 0 {
		t.Errorf("%s: %v, want a non-zero exit", what, err)
	}
	lines := strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], want) {
		t.Errorf("%s: stderr %q, want one line containing %q", what, stderr.String(), want)
	}
	if strings.Contains(stdout.String(), "listening") {
		t.Errorf("%s: the server started listening", what)
	}
	if strings.Contains(stderr.String(), ":pw@") {
		t.Errorf("%s: the error shows the URL's password: %q", what, stderr.String())
	}
}

func TestBadConfiguration(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	keyDir := t.TempDir()
	openKey := filepath.Join(keyDir, "open.key")
	os.WriteFile(openKey, []byte(strings.Repeat("k", 50)+"\n"), 0o644)
	os.Chmod(openKey, 0o644) // whatever the umask
	shortKey := filepath.Join(keyDir, "short.key")
	os.WriteFile(shortKey, []byte("too-short\n"), 0o600)

	cases := []struct {
		want string
		args []string
	}{
		{"--session-age", []string{"--session-age", "nonsense"}},
		{"--session-age", []string{"--session-age", "0"}},
		{"--session-age", []string{"--session-age", "-5s"}},
		{"--session-age", []string{"--session-age", "14days"}},
		{"--idle-timeout", []string{"--idle-timeout", "soon"}},
		{"--shutdown-timeout", []string{"--shutdown-timeout", "x"}},
		{"--gc-headroom", []string{"--gc-headroom", "lots"}},
		{"--login-rate", []string{"--login-rate", "5"}},
		{"--login-rate", []string{"--login-rate", "0/min"}},
		{"--login-rate", []string{"--login-rate", "5/fortnight"}},
		{"--login-address-rate", []string{"--login-address-rate", "many"}},
		{"--log-format", []string{"--log-format", "xml"}},
		{"--log-level", []string{"--log-level", "loud"}},
		{"--trusted-proxies", []string{"--trusted-proxies", "300.1.1.1"}},
		{"--trusted-proxies", []string{"--trusted-proxies", "10.0.0.0/8,nonsense"}},
		{"--trusted-origins", []string{"--trusted-origins", "example.com"}},
		{"--trusted-origins", []string{"--trusted-origins", "*"}},
		{"--trusted-origins", []string{"--trusted-origins", "https://example.com/path"}},
		{"--database", []string{"--database", "postgres://app:pw@127.0.0.1:1/sessions"}}, // nothing listens on port 1
		{"--database", []string{"--database", "postgres://app@[::1/sessions"}},
		{"--database", []string{"--database", "mysql://x"}},
		{"--database", []string{"--database", ""}},
		{"--session-store", []string{"--session-store", "redis"}},
		{"--session-store", []string{"--session-store", "memcached://x"}},
		{"--session-store", []string{"--session-store", "redis://:pw@127.0.0.1:1/0"}},
		{"--session-store", []string{"--session-store", "redis://127.0.0.1:6379/nine"}},
		{"--session-cookie-name", []string{"--session-cookie-name", "__Host-sessionid"}},
		{"--addr", []string{"--addr", busy.Addr().String()}},
		{"--addr", []string{"--addr", ""}},
		{"--addr", []string{"--addr", "not-an-address"}},
		{"--metrics-addr", []string{"--metrics-addr", busy.Addr().String()}},
		{"--secret-key-file", []string{"--secret-key-file", openKey}},
		{"--secret-key-file", []string{"--secret-key-file", shortKey}},
		{"--secret-key-file", []string{"--secret-key-file", filepath.Join(keyDir, "missing-dir", "k")}},
	}
	// Sharing with Django: every piece is required, the key file must be private, the database must
	// hold Django's tables (it is never created).
	goodKey := filepath.Join(keyDir, "django.key")
	os.WriteFile(goodKey, []byte(strings.Repeat("d", 50)+"\n"), 0o600)
	noDjango := filepath.Join(keyDir, "no-such-django.sqlite3")
	emptyDB := filepath.Join(keyDir, "empty.sqlite3")
	os.WriteFile(emptyDB, nil, 0o600)
	dj := func(db, key, version string, more ...string) []string {
		return append([]string{"--django-database", db, "--django-secret-key-file", key, "--django-version", version}, more...)
	}
	cases = append(cases, []struct {
		want string
		args []string
	}{
		{"--django-secret-key-file", []string{"--django-database", emptyDB, "--django-version", "3.2"}},
		{"--django-version", []string{"--django-database", emptyDB, "--django-secret-key-file", goodKey}},
		{"--django-version", dj(emptyDB, goodKey, "2.2")},
		{"--django-secret-key-file", dj(emptyDB, openKey, "3.2")},
		{"--django-secret-key-file", dj(emptyDB, filepath.Join(keyDir, "missing.key"), "3.2")},
		{"--django-database", dj(noDjango, goodKey, "3.2")},
		{"--django-database", dj(emptyDB, goodKey, "3.2")},
		{"--django-database", dj("mysql://app:pw@db/app", goodKey, "3.2")},
		{"--session-store", dj(emptyDB, goodKey, "3.2", "--session-store", "memory")},
		{"--secret-key-file", dj(emptyDB, goodKey, "3.2", "--secret-key-file", goodKey)},
		{"--django-version", []string{"--django-version", "4.2"}},
	}...)
	for _, tc := range cases {
		serveMustFail(t, nil, tc.want, tc.args...)
	}

	// The environment twins, named by the flag they stand for.
	envCases := []struct {
		want string
		env  string
	}{
		{`invalid SESSIONAUTH_SESSION_AGE "bad" (--session-age): `, "SESSIONAUTH_SESSION_AGE=bad"},
		{`invalid SESSIONAUTH_LOGIN_RATE "5" (--login-rate): `, "SESSIONAUTH_LOGIN_RATE=5"},
		{`invalid SESSIONAUTH_LOG_FORMAT "xml" (--log-format): `, "SESSIONAUTH_LOG_FORMAT=xml"},
		{`invalid SESSIONAUTH_TRUSTED_PROXIES "300.1.1.1" (--trusted-proxies): `, "SESSIONAUTH_TRUSTED_PROXIES=300.1.1.1"},
		{`invalid SESSIONAUTH_DATABASE "mysql://db/x" (--database): `, "SESSIONAUTH_DATABASE=mysql://db/x"},
		{"--database", "SESSIONAUTH_DATABASE=postgres://127.0.0.1:1/x"}, // refused by the server, not the value
		{`invalid SESSIONAUTH_SECURE_COOKIES "maybe" (--secure-cookies): `, "SESSIONAUTH_SECURE_COOKIES=maybe"},
	}
	for _, tc := range envCases {
		serveMustFail(t, []string{tc.env}, tc.want)
	}
}

// A bad value does not leave a database behind, nor print an admin password for a server that
// never ran.
func TestBadConfigurationCreatesNothing(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, args := range [][]string{
		{"--trusted-origins", "example.com"},
		{"--addr", busy.Addr().String()},
		{"--log-format", "xml"},
	} {
		dir := t.TempDir()
		db := filepath.Join(dir, "sessionauth.db")
		res := runCLI(t, dir, "", nil, append([]string{"serve", "--database", db}, args...)...)
		if res.code == 0 || strings.Contains(res.stderr, "Created superuser") {
			t.Errorf("serve %s: %s", strings.Join(args, " "), res)
		}
		if _, err := os.Stat(db); err == nil {
			t.Errorf("serve %s created the database", strings.Join(args, " "))
		}
	}
}

// The command line wins over the environment.
func TestFlagWinsOverEnvironment(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	s.createUser("alice", alicePassword)
	srv := s.serveEnv([]string{"SESSIONAUTH_LOG_FORMAT=text", "SESSIONAUTH_SESSION_AGE=bad"}, "--session-age", "1h")
	c := srv.client()
	r := c.login("alice", alicePassword)
	if ck := r.setCookie("sessionid"); ck == nil || ck.MaxAge != 3600 {
		t.Errorf("session cookie %v: want Max-Age 3600 from --session-age 1h", r.Header["Set-Cookie"])
	}
	// --log-format json (given by serve) beat SESSIONAUTH_LOG_FORMAT=text.
	if len(srv.logRecords()) == 0 {
		t.Errorf("no JSON log records:\n%s", srv.stderr)
	}
	// And an environment value applies when no flag is given.
	s2 := newSite(t)
	s2.createUser("alice", alicePassword)
	srv2 := s2.serveEnv([]string{"SESSIONAUTH_SESSION_AGE=2h", "SESSIONAUTH_LOGIN_RATE=1/min"})
	r = srv2.client().login("alice", alicePassword)
	if ck := r.setCookie("sessionid"); ck == nil || ck.MaxAge != 7200 {
		t.Errorf("session cookie %v: want Max-Age 7200 from SESSIONAUTH_SESSION_AGE=2h", r.Header["Set-Cookie"])
	}
	expect(t, srv2.client().login("alice", "wrong-password-1"), 400, "first wrong attempt")
	expect(t, srv2.client().login("alice", "wrong-password-2"), 429, "second attempt with SESSIONAUTH_LOGIN_RATE=1/min")
}
