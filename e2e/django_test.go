package e2e

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sessionauth/sessionauth/internal/testenv"
)

// The Django side of these tests is interop/djangoproject: Django 3.2 and DRF as Debian ships them,
// serving the same JSON paths as sessionauth, on the same database and with the same secret key.

const (
	djangoKey    = "django-insecure-e2e-shared-secret-key-0123456789abcdef"
	djangoOldKey = "django-insecure-e2e-retired-secret-key-fedcba9876543210"
)

// djangoSite is a site whose users, sessions and tokens live in a Django project's database.
type djangoSite struct {
	*site
	python  string
	manage  string
	version string // X.Y of the installed Django
	db      string // a SQLite path or a PostgreSQL URL
	keyFile string
}

// newDjangoSite migrates a fresh Django database: SQLite in the site's directory, or a new
// PostgreSQL database (dropped at the end).
func newDjangoSite(t *testing.T, kind string) *djangoSite {
	t.Helper()
	python := testenv.DjangoPython(t)
	manage, err := filepath.Abs(filepath.Join("..", "interop", "djangoproject", "manage.py"))
	if err != nil {
		t.Fatal(err)
	}
	ds := &djangoSite{site: newSite(t), python: python, manage: manage}
	ds.keyFile = ds.writeKey("django.key", djangoKey)
	switch kind {
	case "sqlite":
		ds.db = filepath.Join(ds.dir, "django.sqlite3")
	case "postgres":
		ds.db = freshPostgres(t)
	}
	out, err := exec.Command(python, "-c", "import django; print(django.get_version())").Output()
	if err != nil {
		t.Fatal(err)
	}
	v := strings.Split(strings.TrimSpace(string(out)), ".")
	ds.version = v[0] + "." + v[1]
	ds.manageCmd(t, nil, "migrate", "--noinput")
	return ds
}

// freshPostgres creates a database for the test and returns its URL.
func freshPostgres(t *testing.T) string {
	t.Helper()
	admin := testenv.Service(t, testenv.PostgresURL)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	name := "sa_e2e_django_" + strings.ToLower(rand.Text()[:10])
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, admin); err == nil {
			c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(ctx)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func (ds *djangoSite) writeKey(name, key string) string {
	ds.t.Helper()
	path := filepath.Join(ds.dir, name)
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		ds.t.Fatal(err)
	}
	return path
}

// djangoEnv is the environment of manage.py: the database and the key file (keyFile "" means the
// site's).
func (ds *djangoSite) djangoEnv(keyFile string, extra []string) []string {
	if keyFile == "" {
		keyFile = ds.keyFile
	}
	return append(append(os.Environ(), "DJANGO_DATABASE="+ds.db, "DJANGO_SECRET_KEY_FILE="+keyFile), extra...)
}

// manageCmd runs a manage.py command that must succeed and returns its output.
func (ds *djangoSite) manageCmd(t testing.TB, extraEnv []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(ds.python, append([]string{ds.manage}, args...)...)
	cmd.Dir = ds.dir
	cmd.Env = ds.djangoEnv("", extraEnv)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("manage.py %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// djangoFlags point sessionauth at the Django project.
func (ds *djangoSite) djangoFlags() []string {
	return []string{"--django-database", ds.db, "--django-secret-key-file", ds.keyFile, "--django-version", ds.version}
}

// cli runs an admin command against the Django project's tables.
func (ds *djangoSite) cli(stdin string, args ...string) cliResult {
	ds.t.Helper()
	return ds.site.cli(stdin, append(args, ds.djangoFlags()...)...)
}

// serveGo starts sessionauth on the Django project.
func (ds *djangoSite) serveGo(args ...string) *server {
	ds.t.Helper()
	return ds.serve(append(ds.djangoFlags(), args...)...)
}

// serveDjango starts Django's runserver on a free loopback port with the given key file ("" for
// the site's) and waits until it answers. The test's cleanup stops it.
func (ds *djangoSite) serveDjango(keyFile string) *server {
	t := ds.t
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(ds.python, ds.manage, "runserver", "--noreload", addr)
	cmd.Dir = ds.dir
	cmd.Env = ds.djangoEnv(keyFile, nil)
	stderr := &buffer{}
	cmd.Stderr = stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		io.Copy(io.Discard, bufio.NewReader(pipe))
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	srv := &server{site: ds.site, t: t, base: "http://" + addr, addr: addr}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(srv.base + "/api/auth/csrf")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return srv
			}
		}
		select {
		case <-exited:
			t.Fatalf("Django's runserver exited:\n%s", stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("Django's runserver did not answer (last: %v):\n%s", err, stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// at returns c talking to srv with the same cookie jar: one browser, two servers on one host (cookies
// do not depend on the port).
func (c *client) at(srv *server) *client {
	d := *c
	d.srv = srv
	return &d
}

// TestDjangoInterop runs sessionauth and Django side by side on one database (SQLite, then
// PostgreSQL) with one secret key.
func TestDjangoInterop(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) { testDjangoInterop(t, kind) })
	}
}

func testDjangoInterop(t *testing.T, kind string) {
	ds := newDjangoSite(t, kind)
	// carol is made by Django (its pbkdf2 hash), dave by sessionauth's CLI.
	const carolPassword, davePassword = "carol-Pa55word-dj-4Kp", "dave-Pa55word-go-9Zs"
	ds.secret(carolPassword, "carol's password")
	ds.manageCmd(t, []string{"DJANGO_SUPERUSER_PASSWORD=" + carolPassword}, "createsuperuser", "--noinput",
		"--username", "carol", "--email", "carol@example.com")
	ds.secret(davePassword, "dave's password")
	if res := ds.cli(davePassword+"\n", "createuser", "--username", "dave", "--password-stdin"); res.code != 0 {
		t.Fatalf("createuser on the Django tables: %s", res)
	}
	if res := ds.cli("", "users", "list"); res.code != 0 || !strings.Contains(res.stdout, "carol") || !strings.Contains(res.stdout, "dave") {
		t.Fatalf("users list: %s", res)
	}

	t.Run("--django-password-hasher writes what Django, preferring that hasher, keeps", func(t *testing.T) {
		testenv.DjangoPythonWith(t, "argon2", "bcrypt")
		for _, h := range []struct {
			name  string
			flags []string
		}{
			{"argon2", []string{"--django-password-hasher", "argon2", "--django-argon2-hash-length", "16"}}, // Debian's argon2-cffi 21.1
			{"bcrypt_sha256", []string{"--django-password-hasher", "bcrypt_sha256"}},
		} {
			user, pw := "frank-"+strings.ReplaceAll(h.name, "_", "-"), "Ql7-vivid-otter-"+h.name
			ds.secret(pw, "frank's password")
			if res := ds.cli(pw+"\n", append([]string{"createuser", "--username", user, "--password-stdin"}, h.flags...)...); res.code != 0 {
				t.Fatalf("createuser with %v: %s", h.flags, res)
			}
			out := ds.manageCmd(t, []string{"DJANGO_PASSWORD_HASHER=" + h.name}, "shell", "-c", fmt.Sprintf(`
from django.contrib.auth.hashers import get_hasher
from django.contrib.auth.models import User
u = User.objects.get(username=%q)
stored = u.password
print(stored.split("$")[0], u.check_password(%q), get_hasher().must_update(stored), User.objects.get(pk=u.pk).password == stored)`, user, pw))
			if got, want := strings.TrimSpace(out), h.name+" True False True"; got != want {
				t.Fatalf("Django preferring %s on the CLI's hash: %q (algorithm, check_password, must_update, unchanged); want %q", h.name, got, want)
			}
		}
	})

	davePw := davePassword // changed by the password subtest
	gosrv := ds.serveGo()
	dj := ds.serveDjango("")

	me := func(c *client, srv *server) string {
		t.Helper()
		r := c.at(srv).get("/api/auth/me")
		if r.StatusCode != http.StatusOK {
			return ""
		}
		return r.object(t)["username"].(string)
	}
	loginAt := func(c *client, srv *server, username, password string) {
		t.Helper()
		if r := c.at(srv).login(username, password); r.StatusCode != http.StatusOK {
			t.Fatalf("login as %s on %s: %s", username, srv.base, r)
		}
	}

	t.Run("a login on Django is a login on sessionauth, and the reverse", func(t *testing.T) {
		c := dj.client()
		loginAt(c, dj, "carol", carolPassword) // Django verifies its own hash
		if got := me(c, gosrv); got != "carol" {
			t.Fatalf("sessionauth sees %q for Django's session", got)
		}
		d := gosrv.client()
		loginAt(d, gosrv, "carol", carolPassword) // sessionauth verifies Django's hash
		if got := me(d, dj); got != "carol" {
			t.Fatalf("Django sees %q for sessionauth's session", got)
		}
		e := dj.client()
		loginAt(e, dj, "dave", davePassword) // Django verifies the hash sessionauth's CLI wrote
		if got := me(e, gosrv); got != "dave" {
			t.Fatalf("sessionauth sees %q", got)
		}
	})

	t.Run("the CLI lists the sessions both sides made", func(t *testing.T) {
		res := ds.cli("", "sessions", "list")
		if res.code != 0 || strings.Count(res.stdout, "carol") < 2 || !strings.Contains(res.stdout, "dave") {
			t.Fatalf("sessions list: %s", res)
		}
	})

	t.Run("the CSRF token of one is accepted by the other, a wrong or missing one by neither", func(t *testing.T) {
		// Negative controls in the same run: each side refuses the same request with another browser's
		// (well-formed) token or with none, so the acceptances below are not a check that is off.
		stranger := gosrv.client().csrf()
		refused := func(r *response, what string) {
			t.Helper()
			if r.StatusCode != http.StatusForbidden || !strings.Contains(string(r.body), "CSRF Failed") {
				t.Fatalf("%s: %s; want 403 CSRF Failed", what, r)
			}
		}
		creds := map[string]any{"username": "dave", "password": davePassword}
		c := dj.client()
		tok := c.csrf() // Django's cookie and token
		for _, srv := range []*server{gosrv, dj} {
			refused(c.at(srv).post("/api/auth/login", creds, "X-CSRFToken", stranger), "login on "+srv.base+" with another browser's token")
			refused(c.at(srv).post("/api/auth/login", creds, "X-CSRFToken", omit), "login on "+srv.base+" without a token")
		}
		if r := c.at(gosrv).post("/api/auth/login", creds, "X-CSRFToken", tok); r.StatusCode != http.StatusOK {
			t.Fatalf("sessionauth login with Django's CSRF token: %s", r)
		}
		d := gosrv.client()
		tok = d.csrf() // sessionauth's cookie and token
		if !strings.HasPrefix(ds.version, "3.") && !strings.HasPrefix(ds.version, "4.0") {
			t.Logf("Django %s: sessionauth writes the 32-character cookie", ds.version)
		} else if len(d.cookies["csrftoken"]) != 64 {
			t.Fatalf("for Django %s sessionauth must write the masked 64-character cookie, wrote %q", ds.version, d.cookies["csrftoken"])
		}
		for _, srv := range []*server{dj, gosrv} {
			refused(d.at(srv).post("/api/auth/login", creds, "X-CSRFToken", stranger), "login on "+srv.base+" with another browser's token")
			refused(d.at(srv).post("/api/auth/login", creds, "X-CSRFToken", omit), "login on "+srv.base+" without a token")
		}
		if r := d.at(dj).post("/api/auth/login", creds, "X-CSRFToken", tok); r.StatusCode != http.StatusOK {
			t.Fatalf("Django login with sessionauth's CSRF token: %s", r)
		}
		// An unsafe request on the other side after the login, with the rotated cookie; refused
		// there too without the right token.
		note := map[string]any{"title": "from a Django login", "body": "x"}
		refused(d.at(gosrv).post("/api/notes", note, "X-CSRFToken", stranger), "POST /api/notes on sessionauth with another browser's token")
		refused(d.at(gosrv).post("/api/notes", note, "X-CSRFToken", omit), "POST /api/notes on sessionauth without a token")
		if r := d.at(gosrv).post("/api/notes", note); r.StatusCode != http.StatusCreated {
			t.Fatalf("POST /api/notes on sessionauth with Django's rotated CSRF cookie: %s", r)
		}
		value := map[string]any{"key": "color", "value": "green"}
		refused(c.at(dj).post("/api/session", value, "X-CSRFToken", stranger), "POST /api/session on Django with another browser's token")
		refused(c.at(dj).post("/api/session", value, "X-CSRFToken", omit), "POST /api/session on Django without a token")
		if r := c.at(dj).post("/api/session", value); r.StatusCode != http.StatusNoContent {
			t.Fatalf("POST /api/session on Django with sessionauth's rotated CSRF cookie: %s", r)
		}
	})

	t.Run("logout on either ends the session on both", func(t *testing.T) {
		for _, pair := range [][2]*server{{dj, gosrv}, {gosrv, dj}} {
			c := pair[0].client()
			loginAt(c, pair[0], "dave", davePassword)
			stolen := c.clone() // the same session cookie, kept by someone else
			if r := c.at(pair[1]).post("/api/auth/logout", nil); r.StatusCode != http.StatusNoContent {
				t.Fatalf("logout on %s: %s", pair[1].base, r)
			}
			for _, srv := range pair {
				if got := me(stolen, srv); got != "" {
					t.Fatalf("after logout on %s, %s still sees %q", pair[1].base, srv.base, got)
				}
			}
		}
	})

	t.Run("a password change on either logs out the other sessions on both", func(t *testing.T) {
		for i, pair := range [][2]*server{{gosrv, dj}, {dj, gosrv}} {
			changer, other := pair[0].client(), pair[1].client()
			loginAt(changer, pair[0], "dave", davePw)
			loginAt(other, pair[1], "dave", davePw)
			next := fmt.Sprintf("dave-Changed-%d-pw-8Xq", i)
			ds.secret(next, "dave's new password")
			if r := changer.post("/api/auth/password", map[string]any{"old_password": davePw, "new_password": next}); r.StatusCode != http.StatusNoContent {
				t.Fatalf("password change on %s: %s", pair[0].base, r)
			}
			for _, srv := range pair {
				if got := me(other, srv); got != "" {
					t.Fatalf("after a password change on %s, the other session still works on %s", pair[0].base, srv.base)
				}
				if got := me(changer, srv); got != "dave" {
					t.Fatalf("after a password change on %s, the changing session does not work on %s (%q)", pair[0].base, srv.base, got)
				}
			}
			// The hash each side wrote verifies on the other.
			davePw = next
			loginAt(pair[1].client(), pair[1], "dave", davePw)
		}
	})

	t.Run("DRF's tokens and sessionauth's tokens work on both", func(t *testing.T) {
		out := ds.manageCmd(t, nil, "drf_create_token", "carol") // "Generated token <key> for user carol"
		key := strings.Fields(out)[2]
		ds.secret(key, "carol's DRF token")
		c := gosrv.client()
		c.Header.Set("Authorization", "Token "+key)
		if got := me(c, gosrv); got != "carol" {
			t.Fatalf("sessionauth with DRF's token: %q", got)
		}
		d := gosrv.client()
		loginAt(d, gosrv, "dave", davePw)
		r := d.post("/api/auth/tokens", map[string]any{"name": "laptop"})
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("POST /api/auth/tokens: %s", r)
		}
		goKey := r.object(t)["token"].(string)
		ds.secret(goKey, "dave's token")
		if r := d.post("/api/auth/tokens", map[string]any{"name": "second"}); r.StatusCode != http.StatusBadRequest {
			t.Fatalf("a second token (DRF keeps one per user): %s", r)
		}
		e := dj.client()
		e.Header.Set("Authorization", "Token "+goKey)
		if got := me(e, dj); got != "dave" {
			t.Fatalf("Django with sessionauth's token: %q", got)
		}
	})

	t.Run("deactivation through the CLI ends sessions and tokens on both", func(t *testing.T) {
		c := dj.client()
		loginAt(c, dj, "carol", carolPassword)
		if res := ds.cli("", "sessions", "list", "--user", "carol"); res.code != 0 || !strings.Contains(res.stdout, "carol") {
			t.Fatalf("sessions list --user carol: %s", res)
		}
		if res := ds.cli("", "users", "deactivate", "carol"); res.code != 0 {
			t.Fatalf("users deactivate: %s", res)
		}
		for _, srv := range []*server{gosrv, dj} {
			if got := me(c, srv); got != "" {
				t.Fatalf("%s still sees the deactivated user's session", srv.base)
			}
		}
		if n := ds.manageCmd(t, nil, "shell", "-c", "from rest_framework.authtoken.models import Token; print(Token.objects.filter(user__username='carol').count())"); strings.TrimSpace(n) != "0" {
			t.Fatalf("carol still has %s DRF tokens", n)
		}
	})

	// A Django session signed with a fallback key is accepted. Not a subtest: it starts servers,
	// whose helpers report to the test that owns the site.
	ds.manageCmd(t, []string{"DJANGO_SUPERUSER_PASSWORD=" + carolPassword}, "createsuperuser", "--noinput",
		"--username", "erin", "--email", "erin@example.com")
	old := ds.serveDjango(ds.writeKey("old.key", djangoOldKey)) // the project before its key was rotated
	c := old.client()
	loginAt(c, old, "erin", carolPassword)
	if got := me(c, gosrv); got != "" {
		t.Fatalf("without the fallback, sessionauth accepts a session signed with another key (%q)", got)
	}
	rotated := ds.serve(append(ds.djangoFlags(), "--secret-key-fallbacks", djangoOldKey)...)
	c = old.client() // the refusal above deleted the cookie, as it does for any session it cannot read
	loginAt(c, old, "erin", carolPassword)
	if got := me(c, rotated); got != "erin" {
		t.Fatalf("with the old key in the fallbacks, sessionauth sees %q", got)
	}
	// sessionauth moved the session to the current key: Django with the current key reads it.
	if got := me(c, dj); got != "erin" {
		t.Fatalf("after sessionauth re-signed the session, Django with the current key sees %q", got)
	}
	// The same with the old key in --secret-key-fallbacks-file, out of sight of ps.
	rotatedFile := ds.serve(append(ds.djangoFlags(), "--secret-key-fallbacks-file", ds.writeKey("fallbacks", djangoOldKey))...)
	c = old.client()
	loginAt(c, old, "erin", carolPassword)
	if got := me(c, rotatedFile); got != "erin" {
		t.Fatalf("with the old key in the fallbacks file, sessionauth sees %q", got)
	}
}
