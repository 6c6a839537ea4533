package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var adminPasswordRE = regexp.MustCompile(`Created superuser "admin" with password: (\S+)`)

// A fresh database gets an admin superuser whose random password is printed once on stderr (not
// in a log record); a second start prints nothing.
func TestBootstrapAdmin(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	srv := s.serve()
	out := srv.stderr.String()
	m := adminPasswordRE.FindAllStringSubmatch(out, -1)
	if len(m) != 1 {
		t.Fatalf("want the admin password printed once on stderr:\n%s", out)
	}
	password := m[0][1]
	s.secret(password, "bootstrapped admin password")
	if strings.Count(out, password) != 1 || strings.Contains(srv.stdout.String(), password) {
		t.Errorf("the admin password appears more than once:\nstdout:\n%s\nstderr:\n%s", srv.stdout, out)
	}
	if !strings.Contains(out, "sessionauth changepassword admin") {
		t.Errorf("the banner does not say how to change the password:\n%s", out)
	}

	r := srv.client().login("admin", password)
	expect(t, r, http.StatusOK, "login with the printed admin password")
	if u := r.object(t)["user"].(map[string]any); u["is_staff"] != true || u["is_superuser"] != true {
		t.Errorf("admin: %v", u)
	}
	if code := srv.stop(); code != 0 {
		t.Fatalf("exit code %d", code)
	}

	srv2 := s.serve()
	if strings.Contains(srv2.stderr.String(), "Created superuser") {
		t.Errorf("the second start bootstrapped again:\n%s", srv2.stderr)
	}
	expect(t, srv2.client().login("admin", password), http.StatusOK, "admin login after a restart")
	if list := s.mustCLI("", "users", "list").stdout; rows(list) != 1 || row(list, 1, "admin") == nil {
		t.Errorf("users:\n%s", list)
	}
}

func TestNoBootstrapAdmin(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	srv := s.serve("--no-bootstrap-admin")
	if strings.Contains(srv.stderr.String(), "Created superuser") {
		t.Errorf("--no-bootstrap-admin created an admin:\n%s", srv.stderr)
	}
	if list := s.mustCLI("", "users", "list").stdout; rows(list) != 0 {
		t.Errorf("users:\n%s", list)
	}
}

// Without --database, serve keeps its SQLite database in ./sessionauth.db, and the secret key in
// it (no key file).
func TestDefaultDatabaseLocation(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	db := s.db
	s.db = "" // serve without --database
	srv := s.serve()
	s.db = db
	if _, err := os.Stat(filepath.Join(s.dir, "sessionauth.db")); err != nil {
		t.Fatalf("no ./sessionauth.db: %v", err)
	}
	if m := adminPasswordRE.FindStringSubmatch(srv.stderr.String()); m == nil {
		t.Errorf("no admin bootstrapped")
	} else {
		s.secret(m[1], "bootstrapped admin password")
	}
	srv.stop()
	entries, _ := os.ReadDir(s.dir)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "sessionauth.db") {
			t.Errorf("unexpected file %s next to the database", e.Name())
		}
	}
	res := runCLI(t, s.dir, "", nil, "users", "list") // the CLI's default is the same file
	if res.code != 0 || row(res.stdout, 1, "admin") == nil {
		t.Errorf("users list in the same directory: %s", res)
	}
	if help := runCLI(t, s.dir, "", nil, "serve", "--help").stdout; !strings.Contains(help, `(default "127.0.0.1:8000")`) {
		t.Errorf("serve's default address is not 127.0.0.1:8000:\n%s", help)
	}
}

// The default secret key lives in the database: sessions survive a restart.
func TestSecretKeyInDatabase(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	s.createUser("alice", alicePassword)
	srv := s.serve()
	c := srv.loggedIn("alice", alicePassword)
	srv.stop()
	srv2 := s.serve()
	c2 := c.to(srv2)
	expect(t, c2.get("/api/auth/me"), http.StatusOK, "/me after a restart")
	expect(t, c2.post("/api/notes", map[string]any{"title": "after restart"}), http.StatusCreated, "a write after a restart")
}

// --secret-key-file is created with mode 0600 and reused: sessions survive a restart with the same
// key, die with another (the session auth hash no longer matches), and live on when the old key is
// given in --secret-key-fallbacks or in the file of --secret-key-fallbacks-file.
func TestSecretKeyFile(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	s.createUser("alice", alicePassword)
	keyFile := filepath.Join(s.dir, "secret.key")
	srv := s.serve("--secret-key-file", keyFile)
	info, err := os.Stat(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", info.Mode().Perm())
	}
	b, _ := os.ReadFile(keyFile)
	key := strings.TrimSpace(string(b))
	s.secret(key, "secret key")
	if len(key) < 32 {
		t.Errorf("key %d characters, want at least 32", len(key))
	}
	c := srv.loggedIn("alice", alicePassword)
	d := srv.loggedIn("alice", alicePassword)
	e := srv.loggedIn("alice", alicePassword)
	srv.stop()

	srv = s.serve("--secret-key-file", keyFile)
	if b2, _ := os.ReadFile(keyFile); string(b2) != string(b) {
		t.Errorf("the key file changed on restart")
	}
	expect(t, c.to(srv).get("/api/auth/me"), http.StatusOK, "/me after a restart with the same key")
	srv.stop()

	otherFile := filepath.Join(s.dir, "other.key")
	srv = s.serve("--secret-key-file", otherFile, "--secret-key-fallbacks", key)
	b3, _ := os.ReadFile(otherFile)
	s.secret(strings.TrimSpace(string(b3)), "secret key")
	expect(t, d.to(srv).get("/api/auth/me"), http.StatusOK, "/me with the old key as a fallback")
	srv.stop()

	fallbacks := filepath.Join(s.dir, "fallbacks")
	if err := os.WriteFile(fallbacks, []byte("\nsome-even-older-key-0123456789abcdefghij\n"+key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv = s.serve("--secret-key-file", otherFile, "--secret-key-fallbacks-file", fallbacks)
	expect(t, e.to(srv).get("/api/auth/me"), http.StatusOK, "/me with the old key in the fallbacks file")
	srv.stop()

	srv = s.serve("--secret-key-file", otherFile)
	cc := c.to(srv)
	r := cc.get("/api/auth/me")
	expect(t, r, http.StatusUnauthorized, "/me after a restart with another key")
	if !r.deletesCookie("sessionid") {
		t.Errorf("the rejected session's cookie was not deleted: %v", r.Header["Set-Cookie"])
	}
	// Logging in again works under the new key.
	srv.loggedIn("alice", alicePassword)
}
