package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// row finds the line of a CLI table whose column col (0-based, split on runs of spaces) is value.
func row(table string, col int, value string) []string {
	for _, line := range strings.Split(table, "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > col && f[col] == value {
			return f
		}
	}
	return nil
}

// rows counts the data lines of a CLI table.
func rows(table string) int {
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(table), "\n")[1:] {
		if strings.TrimSpace(line) != "" {
			n++
		}
	}
	return n
}

func TestCLIHelp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	commands := [][]string{
		{"help"}, {"--help"}, {"-h"},
		{"serve", "--help"}, {"serve", "-h"},
		{"createuser", "--help"}, {"changepassword", "--help"},
		{"users", "--help"}, {"users", "list", "--help"}, {"users", "deactivate", "--help"}, {"users", "activate", "--help"},
		{"sessions", "--help"}, {"sessions", "list", "--help"}, {"sessions", "revoke", "--help"},
		{"clearsessions", "--help"},
		{"tokens", "--help"}, {"tokens", "create", "--help"}, {"tokens", "list", "--help"}, {"tokens", "revoke", "--help"},
	}
	for _, args := range commands {
		res := runCLI(t, dir, "", nil, args...)
		if res.code != 0 || !strings.Contains(res.stdout, "Usage: sessionauth") {
			t.Errorf("sessionauth %s: %s\nwant exit 0 and the usage on stdout", strings.Join(args, " "), res)
		}
	}
	// The command-specific help lists the command's flags.
	for args, flag := range map[string]string{
		"serve --help":           "-session-age",
		"createuser --help":      "-password-stdin",
		"tokens create --help":   "-name",
		"sessions revoke --help": "-user",
		"users list --help":      "-database",
	} {
		res := runCLI(t, dir, "", nil, strings.Fields(args)...)
		if !strings.Contains(res.stdout, flag) {
			t.Errorf("sessionauth %s does not mention %s:\n%s", args, flag, res.stdout)
		}
	}
	// The top-level help lists every command.
	res := runCLI(t, dir, "", nil, "help")
	for _, cmd := range []string{"serve", "createuser", "changepassword", "users list", "users deactivate", "users activate",
		"sessions list", "sessions revoke", "clearsessions", "tokens create", "tokens list", "tokens revoke", "version"} {
		if !strings.Contains(res.stdout, cmd) {
			t.Errorf("help does not list %q", cmd)
		}
	}
	// Asking for help creates no database.
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("help created files: %v", entries)
	}
}

func TestCLIVersion(t *testing.T) {
	t.Parallel()
	res := runCLI(t, t.TempDir(), "", nil, "version")
	if res.code != 0 || !regexp.MustCompile(`^sessionauth \S+ go\d`).MatchString(res.stdout) {
		t.Errorf("version: %s", res)
	}
	for _, alias := range []string{"--version", "-version"} {
		if r := runCLI(t, t.TempDir(), "", nil, alias); r.code != 0 || r.stdout != res.stdout {
			t.Errorf("%s: %s", alias, r)
		}
	}
}

// Usage errors exit 2 with a message on stderr.
func TestCLIUsageErrors(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	s.createUser("alice", alicePassword)
	db := []string{"--database", s.db}
	cases := [][]string{
		{},
		{"frobnicate"},
		{"users"},
		{"users", "bogus"},
		{"sessions"},
		{"tokens"},
		{"tokens", "bogus"},
		{"createuser"},
		{"createuser", "--bogus-flag"},
		{"createuser", "--username", "x", "extra"},
		{"changepassword"},
		{"changepassword", "alice", "bob"},
		{"users", "deactivate"},
		{"users", "activate", "a", "b"},
		{"users", "list", "--bogus"},
		{"users", "list", "extra"},
		{"sessions", "list", "extra"},
		{"tokens", "list", "extra"},
		{"clearsessions", "extra"},
		{"sessions", "revoke"},
		{"sessions", "revoke", "abc", "--user", "alice"},
		{"sessions", "revoke", "a", "b"},
		{"tokens", "create", "--user", "alice"},
		{"tokens", "create", "--name", "x"},
		{"tokens", "revoke"},
		{"tokens", "revoke", "abc"},
		{"serve", "--bogus-flag"},
		{"serve", "unexpected"},
	}
	for _, args := range cases {
		full := args
		if len(args) > 1 && args[0] != "serve" {
			full = append(append([]string{}, args...), db...)
		}
		res := runCLI(t, s.dir, "", nil, full...)
		if res.code != 2 || strings.TrimSpace(res.stderr) == "" {
			t.Errorf("sessionauth %s: %s\nwant exit 2 with a message on stderr", strings.Join(full, " "), res)
		}
	}
}

// Failures exit 1 with one message line on stderr.
func TestCLIFailures(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	s.createUser("alice", alicePassword)
	cases := []struct {
		stdin string
		args  []string
		want  string
	}{
		{"another-Pa55word-e2e\n", []string{"createuser", "--username", "alice", "--password-stdin"}, "A user with that username already exists."},
		{"short\n", []string{"createuser", "--username", "bob", "--password-stdin"}, "This password is too short. It must contain at least 8 characters."},
		{"password\n", []string{"createuser", "--username", "bob", "--password-stdin"}, "This password is too common."},
		{"bob-Pa55word-e2e\n", []string{"createuser", "--username", "bad name", "--password-stdin"}, "A username may contain only letters"},
		{"", []string{"createuser", "--username", "bob"}, "use --password-stdin"},
		{"", []string{"changepassword", "alice"}, "use --password-stdin"},
		{"new-Pa55word-e2e\n", []string{"changepassword", "nobody", "--password-stdin"}, `no user "nobody"`},
		{"123\n", []string{"changepassword", "alice", "--password-stdin"}, "This password is too short."},
		{"", []string{"users", "deactivate", "nobody"}, `no user "nobody"`},
		{"", []string{"users", "activate", "nobody"}, `no user "nobody"`},
		{"", []string{"sessions", "list", "--user", "nobody"}, `no user "nobody"`},
		{"", []string{"sessions", "revoke", "no-such-session"}, `no session "no-such-session"`},
		{"", []string{"sessions", "revoke", "--user", "nobody"}, `no user "nobody"`},
		{"", []string{"tokens", "create", "--user", "nobody", "--name", "x"}, `no user "nobody"`},
		{"", []string{"tokens", "list", "--user", "nobody"}, `no user "nobody"`},
		{"", []string{"tokens", "revoke", "999"}, "no token 999"},
	}
	for _, tc := range cases {
		res := s.cli(tc.stdin, tc.args...)
		lines := strings.Split(strings.TrimSpace(res.stderr), "\n")
		if res.code != 1 || len(lines) != 1 || !strings.Contains(res.stderr, tc.want) {
			t.Errorf("sessionauth %s: %s\nwant exit 1 and one line with %q", strings.Join(tc.args, " "), res, tc.want)
		}
	}
	// Databases that cannot be used.
	for _, db := range []string{"postgres://localhost/x", "redis://x", filepath.Join(s.dir, "missing-dir", "x.db")} {
		res := runCLI(t, s.dir, "", nil, "users", "list", "--database", db)
		if res.code != 1 || !strings.Contains(res.stderr, "--database") {
			t.Errorf("users list --database %s: %s\nwant exit 1 naming --database", db, res)
		}
	}
	// Nothing was changed by the failures.
	list := s.mustCLI("", "users", "list").stdout
	if rows(list) != 1 || row(list, 1, "alice") == nil {
		t.Errorf("users after the failures:\n%s", list)
	}
}

func TestCLICreateUser(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	const pw = "staff-Pa55word-e2e"
	s.secret(pw, "password")
	res := s.mustCLI(pw+"\r\n", "createuser", "--username", "sam", "--email", "sam@example.com", "--staff", "--password-stdin")
	if !regexp.MustCompile(`^Created user "sam" \(id \d+\)\.\n$`).MatchString(res.stdout) {
		t.Errorf("createuser stdout %q", res.stdout)
	}
	// Flags after a positional-free command in any order; --superuser implies --staff.
	s.mustCLI("root-Pa55word-e2e\n", "createuser", "--password-stdin", "--superuser", "--username", "root")
	// A password that keeps its inner spaces and ends without a newline.
	s.mustCLI("  spaced pass phrase  ", "createuser", "--username", "spacey", "--password-stdin")

	list := s.mustCLI("", "users", "list").stdout
	if !strings.HasPrefix(list, "ID") || rows(list) != 3 {
		t.Fatalf("users list:\n%s", list)
	}
	if r := row(list, 1, "sam"); r == nil || r[2] != "sam@example.com" || r[3] != "true" || r[4] != "true" || r[5] != "false" {
		t.Errorf("sam: %v", r)
	}
	if r := row(list, 1, "root"); r == nil || r[2] != "true" || r[3] != "true" || r[4] != "true" {
		t.Errorf("root (no email): %v", r)
	}
	if strings.Contains(list, pw) || strings.Contains(list, "argon2") {
		t.Errorf("users list shows a password or hash")
	}

	srv := s.serve()
	c := srv.client()
	r := c.login("sam", pw)
	expect(t, r, http.StatusOK, "login as sam")
	u := r.object(t)["user"].(map[string]any)
	if u["is_staff"] != true || u["is_superuser"] != false || u["email"] != "sam@example.com" {
		t.Errorf("sam: %v", u)
	}
	r = srv.client().login("root", "root-Pa55word-e2e")
	expect(t, r, http.StatusOK, "login as root")
	if u := r.object(t)["user"].(map[string]any); u["is_staff"] != true || u["is_superuser"] != true {
		t.Errorf("root: %v", u)
	}
	expect(t, srv.client().login("spacey", "  spaced pass phrase  "), http.StatusOK, "login with the spaced password")
	// No admin was bootstrapped: users existed.
	if strings.Contains(srv.stderr.String(), "Created superuser") {
		t.Errorf("an admin was bootstrapped next to existing users")
	}
	// The last login shows in the list.
	if r := row(s.mustCLI("", "users", "list").stdout, 1, "sam"); r == nil || r[len(r)-1] == "-" {
		t.Errorf("sam's last login not listed: %v", r)
	}
}

// users deactivate ends the user's sessions and deletes their tokens at once, seen by a running
// server that has already cached them (checklist OUT-06).
func TestCLIDeactivateRunningServer(t *testing.T) {
	t.Parallel()
	s, srv := start(t)
	a := srv.loggedIn("alice", alicePassword)
	key := createToken(t, a, "api")
	cliKey := strings.TrimSpace(srv.cli("", "tokens", "create", "--user", "alice", "--name", "cli").stdout)
	s.secret(cliKey, "API token")
	bob := srv.loggedIn("bob", bobPassword)

	// Warm every cache: session, user, tokens.
	for range 3 {
		expect(t, a.get("/api/auth/me"), http.StatusOK, "session before deactivation")
		expect(t, a.get("/api/hello"), http.StatusOK, "hello before deactivation")
		expect(t, srv.client().get("/api/auth/me", "Authorization", "Token "+key), http.StatusOK, "API token before deactivation")
		expect(t, srv.client().get("/api/auth/me", "Authorization", "Token "+cliKey), http.StatusOK, "CLI token before deactivation")
	}

	res := srv.cli("", "users", "deactivate", "alice")
	if res.code != 0 || res.stdout != "User \"alice\" deactivated.\n" {
		t.Fatalf("users deactivate: %s", res)
	}
	expectAnonymous(t, a, "alice's session after deactivation")
	expect(t, srv.client().get("/api/auth/me", "Authorization", "Token "+key), http.StatusUnauthorized, "API token after deactivation")
	expect(t, srv.client().get("/api/auth/me", "Authorization", "Token "+cliKey), http.StatusUnauthorized, "CLI token after deactivation")
	expectBody(t, srv.client().login("alice", alicePassword), http.StatusBadRequest, msgLoginFailed, "login of a deactivated user")
	expect(t, bob.get("/api/auth/me"), http.StatusOK, "bob's session")
	if r := row(srv.cli("", "users", "list").stdout, 1, "alice"); r == nil || r[3] != "false" {
		t.Errorf("users list after deactivation: %v", r)
	}
	if out := srv.cli("", "tokens", "list", "--user", "alice").stdout; rows(out) != 0 {
		t.Errorf("alice's tokens after deactivation:\n%s", out)
	}
	if out := srv.cli("", "sessions", "list", "--user", "alice").stdout; rows(out) != 0 {
		t.Errorf("alice's sessions after deactivation:\n%s", out)
	}

	res = srv.cli("", "users", "activate", "alice")
	if res.code != 0 || res.stdout != "User \"alice\" activated.\n" {
		t.Fatalf("users activate: %s", res)
	}
	d := srv.client()
	expect(t, d.login("alice", alicePassword), http.StatusOK, "login after activation")
	expect(t, d.get("/api/auth/me"), http.StatusOK, "/me after activation")
	// What deactivation ended stays ended.
	expectAnonymous(t, a, "the old session after activation")
	expect(t, srv.client().get("/api/auth/me", "Authorization", "Token "+key), http.StatusUnauthorized, "the old token after activation")
	// Activating an active user is fine.
	if res := srv.cli("", "users", "activate", "alice"); res.code != 0 {
		t.Errorf("activating an active user: %s", res)
	}
}

// sessions list / revoke against a running server: the revoked browser's cookie dies at once
// (checklist OUT-07).
func TestCLISessions(t *testing.T) {
	t.Parallel()
	_, srv := start(t)
	a := srv.client()
	a.Header.Set("User-Agent", "browser-A")
	a.mustLogin("alice", alicePassword)
	b := srv.client()
	b.Header.Set("User-Agent", "browser-B")
	b.mustLogin("alice", alicePassword)
	bob := srv.loggedIn("bob", bobPassword)
	for _, c := range []*client{a, b, bob} {
		expect(t, c.get("/api/auth/me"), http.StatusOK, "warming the cache")
	}

	all := srv.cli("", "sessions", "list")
	if all.code != 0 || rows(all.stdout) != 3 || !strings.HasPrefix(all.stdout, "ID") {
		t.Fatalf("sessions list: %s", all)
	}
	for _, c := range []*client{a, b, bob} {
		if strings.Contains(all.stdout, c.cookies["sessionid"]) {
			t.Errorf("sessions list shows a session key")
		}
	}
	mine := srv.cli("", "sessions", "list", "--user", "alice")
	if mine.code != 0 || rows(mine.stdout) != 2 || strings.Contains(mine.stdout, " bob ") {
		t.Fatalf("sessions list --user alice: %s", mine)
	}
	// The CLI's ids are the API's public ids.
	var list []map[string]any
	a.get("/api/auth/sessions").json(t, &list)
	var idA, idB string
	for _, s := range list {
		if s["user_agent"] == "browser-A" {
			idA = fmt.Sprint(s["id"])
		} else {
			idB = fmt.Sprint(s["id"])
		}
	}
	if r := row(mine.stdout, 0, idA); r == nil || r[1] != "alice" || r[len(r)-1] != "browser-A" {
		t.Fatalf("session %s not listed as alice's browser-A:\n%s", idA, mine.stdout)
	}
	if row(mine.stdout, 0, idB) == nil {
		t.Fatalf("session %s not listed:\n%s", idB, mine.stdout)
	}

	res := srv.cli("", "sessions", "revoke", idA)
	if res.code != 0 || res.stdout != fmt.Sprintf("Ended session %s of \"alice\".\n", idA) {
		t.Fatalf("sessions revoke: %s", res)
	}
	expectAnonymous(t, a, "the revoked browser")
	expect(t, b.get("/api/auth/me"), http.StatusOK, "alice's other browser")
	if res := srv.cli("", "sessions", "revoke", idA); res.code != 1 {
		t.Errorf("revoking it again: %s, want exit 1", res)
	}

	res = srv.cli("", "sessions", "revoke", "--user", "alice")
	if res.code != 0 || res.stdout != "Ended 1 session(s) of \"alice\".\n" {
		t.Fatalf("sessions revoke --user: %s", res)
	}
	expectAnonymous(t, b, "alice's other browser after revoke --user")
	expect(t, bob.get("/api/auth/me"), http.StatusOK, "bob")
	if res := srv.cli("", "sessions", "revoke", "--user", "alice"); res.code != 0 || !strings.HasPrefix(res.stdout, "Ended 0 session(s)") {
		t.Errorf("revoke --user with nothing to revoke: %s", res)
	}
	if out := srv.cli("", "sessions", "list").stdout; rows(out) != 1 || row(out, 1, "bob") == nil {
		t.Errorf("sessions left:\n%s", out)
	}
}

func TestCLIClearSessions(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	s.createUser("alice", alicePassword)
	res := s.mustCLI("", "clearsessions")
	if res.stdout != "Deleted 0 expired session(s).\n" {
		t.Errorf("clearsessions on an empty database: %s", res)
	}
	// One live and one expired session: only the expired one goes.
	srv := s.serve("--session-age", "1s")
	old := srv.loggedIn("alice", alicePassword)
	expired := time.Now().Add(1200 * time.Millisecond)
	srv.stop()
	srv = s.serve()
	live := srv.loggedIn("alice", alicePassword)
	time.Sleep(time.Until(expired))
	// The record keeps its own expiry, whatever the new server's --session-age.
	expectAnonymous(t, old.to(srv), "the session from the server with --session-age 1s")
	res = s.mustCLI("", "clearsessions")
	if res.stdout != "Deleted 1 expired session(s).\n" {
		t.Errorf("clearsessions: %s", res)
	}
	expect(t, live.get("/api/auth/me"), http.StatusOK, "the live session after clearsessions")
	if res := s.mustCLI("", "clearsessions"); res.stdout != "Deleted 0 expired session(s).\n" {
		t.Errorf("clearsessions again: %s", res)
	}
}

func TestCLITokens(t *testing.T) {
	t.Parallel()
	s, srv := start(t)
	res := srv.cli("", "tokens", "create", "--user", "alice", "--name", "deploy")
	if res.code != 0 {
		t.Fatalf("tokens create: %s", res)
	}
	key := strings.TrimSuffix(res.stdout, "\n")
	s.secret(key, "API token")
	if strings.Contains(key, "\n") || len(key) < 32 {
		t.Fatalf("tokens create stdout %q: want the key alone on one line", res.stdout)
	}
	m := regexp.MustCompile(`^Created token (\d+) "deploy" for "alice"\. Its key is shown only this once:\n$`).FindStringSubmatch(res.stderr)
	if m == nil {
		t.Fatalf("tokens create stderr %q", res.stderr)
	}
	id := m[1]
	srv.cli("", "tokens", "create", "--user", "bob", "--name", "bobs")

	tc := srv.client()
	tc.Header.Set("Authorization", "Token "+key)
	r := tc.get("/api/auth/me")
	expect(t, r, http.StatusOK, "/me with the CLI token")
	if r.object(t)["username"] != "alice" {
		t.Errorf("/me with the CLI token: %s", r)
	}
	// The API lists it, without the key.
	a := srv.loggedIn("alice", alicePassword)
	r = a.get("/api/auth/tokens")
	if !strings.Contains(string(r.body), `"deploy"`) || strings.Contains(string(r.body), key) {
		t.Errorf("API token list %s", r)
	}

	list := srv.cli("", "tokens", "list")
	if list.code != 0 || rows(list.stdout) != 2 || strings.Contains(list.stdout, key) {
		t.Fatalf("tokens list: %s", list)
	}
	if r := row(list.stdout, 0, id); r == nil || r[1] != "alice" || r[2] != "deploy" {
		t.Errorf("tokens list row for %s: %v", id, r)
	}
	if out := srv.cli("", "tokens", "list", "--user", "alice").stdout; rows(out) != 1 || row(out, 0, id) == nil {
		t.Errorf("tokens list --user alice:\n%s", out)
	}

	res = srv.cli("", "tokens", "revoke", id)
	if res.code != 0 || res.stdout != "Deleted token "+id+".\n" {
		t.Fatalf("tokens revoke: %s", res)
	}
	expectBody(t, tc.get("/api/auth/me"), http.StatusUnauthorized, `{"detail":"Invalid token."}`, "/me with the revoked token")
	if res := srv.cli("", "tokens", "revoke", id); res.code != 1 {
		t.Errorf("revoking it again: %s, want exit 1", res)
	}
	if out := srv.cli("", "tokens", "list").stdout; rows(out) != 1 || row(out, 1, "bob") == nil {
		t.Errorf("tokens left:\n%s", out)
	}
}

// changepassword ends every session of the user, on a running server (checklist PWD-02/03).
func TestCLIChangePassword(t *testing.T) {
	t.Parallel()
	s, srv := start(t)
	a := srv.loggedIn("alice", alicePassword)
	b := srv.loggedIn("alice", alicePassword)
	bob := srv.loggedIn("bob", bobPassword)
	for _, c := range []*client{a, b} {
		expect(t, c.get("/api/auth/me"), http.StatusOK, "before the change")
	}
	const newPassword = "alice-CLI-changed-e2e"
	s.secret(newPassword, "new password")
	// The flag may come before or after the username.
	res := srv.cli(newPassword+"\n", "changepassword", "--password-stdin", "alice")
	if res.code != 0 || res.stdout != "Password changed for \"alice\".\n" {
		t.Fatalf("changepassword: %s", res)
	}
	expectAnonymous(t, a, "session a after changepassword")
	expectAnonymous(t, b, "session b after changepassword")
	expect(t, bob.get("/api/auth/me"), http.StatusOK, "bob")
	expectBody(t, srv.client().login("alice", alicePassword), http.StatusBadRequest, msgLoginFailed, "login with the old password")
	c := srv.loggedIn("alice", newPassword)

	res = srv.cli(alicePassword+"\n", "changepassword", "alice", "--password-stdin")
	if res.code != 0 {
		t.Fatalf("changepassword with the flag last: %s", res)
	}
	expectAnonymous(t, c, "session c after the second change")
	srv.loggedIn("alice", alicePassword)
}

// Every flag has an environment twin; the command line wins.
func TestCLIEnvironment(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	s.createUser("alice", alicePassword)
	env := []string{"SESSIONAUTH_DATABASE=" + s.db}
	res := runCLI(t, t.TempDir(), "", env, "users", "list")
	if res.code != 0 || row(res.stdout, 1, "alice") == nil {
		t.Errorf("users list with SESSIONAUTH_DATABASE: %s", res)
	}
	other := newSite(t)
	other.createUser("olive", alicePassword)
	res = runCLI(t, t.TempDir(), "", env, "users", "list", "--database", other.db)
	if res.code != 0 || rows(res.stdout) != 1 || row(res.stdout, 1, "olive") == nil {
		t.Errorf("--database should win over SESSIONAUTH_DATABASE: %s", res)
	}
	res = runCLI(t, t.TempDir(), "", []string{"SESSIONAUTH_DATABASE=postgres://db/x"}, "users", "list")
	if res.code != 1 || !strings.Contains(res.stderr, "--database") {
		t.Errorf("users list with SESSIONAUTH_DATABASE=postgres://…: %s", res)
	}
}

// Admin commands other than createuser do not create a database at a mistyped path.
func TestCLIMissingDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "typo.db")
	for _, args := range [][]string{{"users", "list"}, {"sessions", "list"}, {"tokens", "list"}, {"clearsessions"},
		{"users", "deactivate", "bob"}} {
		res := runCLI(t, dir, "", nil, append(args, "--database", missing)...)
		if res.code != 1 || !strings.Contains(res.stderr, "no database at --database") {
			t.Errorf("%v on a missing database: %s", args, res)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("commands created files: %v", entries)
	}
	if res := runCLI(t, dir, "pw-for-the-first-user-1\n", nil, "createuser", "--username", "first", "--password-stdin", "--database", missing); res.code != 0 {
		t.Fatalf("createuser on a new database: %s", res)
	}
	if res := runCLI(t, dir, "", nil, "users", "list", "--database", missing); res.code != 0 || !strings.Contains(res.stdout, "first") {
		t.Fatalf("users list after createuser: %s", res)
	}
}
