package djangodb_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sessionauth/sessionauth/internal/testenv"
	"github.com/sessionauth/sessionauth/store/djangodb"
)

// testKey is the SECRET_KEY both sides use; oldKey a retired one.
const (
	testKey = "django-insecure-sessionauth-djangodb-tests-0123456789"
	oldKey  = "django-insecure-the-previous-key-of-this-project-9876"
)

// Databases migrated by the real Django of interop/djangoproject, made once per test binary and
// removed by TestMain.
var (
	cleanups []func()

	sqliteOnce     sync.Once
	sqliteTemplate string // a migrated database file, copied for every store
	sqliteErr      string

	pgOnce sync.Once
	pgURL  string // a migrated database of its own
	pgErr  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range cleanups {
		f()
	}
	os.Exit(code)
}

// djangoProject runs manage.py of the interop project against database.
type djangoProject struct {
	t        testing.TB
	python   string
	manage   string
	database string
	keyFile  string
	env      []string // extra environment
}

func newDjango(t testing.TB, database string) *djangoProject {
	t.Helper()
	python := testenv.DjangoPython(t)
	manage, err := filepath.Abs(filepath.Join("..", "..", "interop", "djangoproject", "manage.py"))
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "secret_key")
	if err := os.WriteFile(keyFile, []byte(testKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return &djangoProject{t: t, python: python, manage: manage, database: database, keyFile: keyFile}
}

// run runs a manage.py command and returns its standard output; a failure fails the test.
func (d *djangoProject) run(args ...string) string {
	d.t.Helper()
	cmd := exec.Command(d.python, append([]string{d.manage}, args...)...)
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "DJANGO_DATABASE="+d.database, "DJANGO_SECRET_KEY_FILE="+d.keyFile)
	cmd.Env = append(cmd.Env, d.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		d.t.Fatalf("manage.py %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// shell runs Python code in Django's shell and returns what it printed, trimmed.
func (d *djangoProject) shell(code string) string {
	d.t.Helper()
	return strings.TrimSpace(d.run("shell", "-c", code))
}

// sqliteDB returns a fresh copy of a migrated SQLite database.
func sqliteDB(t testing.TB) string {
	t.Helper()
	testenv.DjangoPython(t) // skips (or fails) here, not inside the Once, which would then stay empty
	sqliteOnce.Do(func() {
		dir, err := os.MkdirTemp("", "djangodb-sqlite-")
		if err != nil {
			sqliteErr = err.Error()
			return
		}
		cleanups = append(cleanups, func() { os.RemoveAll(dir) })
		path := filepath.Join(dir, "template.sqlite3")
		newDjango(t, path).run("migrate", "--noinput")
		sqliteTemplate = path
	})
	if sqliteTemplate == "" {
		t.Fatalf("no migrated SQLite database: %s", sqliteErr)
	}
	b, err := os.ReadFile(sqliteTemplate)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "db.sqlite3")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// postgresDB returns the URL of a migrated PostgreSQL database, shared by the package's tests, with
// its sessions and tokens deleted (users stay: the suites use names of their own).
func postgresDB(t testing.TB) string {
	t.Helper()
	admin := testenv.Service(t, testenv.PostgresURL)
	testenv.DjangoPython(t)
	pgOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			pgErr = err.Error()
			return
		}
		defer conn.Close(ctx)
		name := "sa_djangodb_" + strings.ToLower(rand.Text()[:10])
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
			pgErr = err.Error()
			return
		}
		cleanups = append(cleanups, func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if c, err := pgx.Connect(ctx, admin); err == nil {
				c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
				c.Close(ctx)
			}
		})
		u, err := url.Parse(admin)
		if err != nil {
			pgErr = err.Error()
			return
		}
		u.Path = "/" + name
		newDjango(t, u.String()).run("migrate", "--noinput")
		pgURL = u.String()
	})
	if pgURL == "" {
		t.Fatalf("no migrated PostgreSQL database: %s", pgErr)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DELETE FROM django_session; DELETE FROM authtoken_token"); err != nil {
		t.Fatal(err)
	}
	return pgURL
}

// databases are the two kinds every test runs on.
var databases = []struct {
	name string
	db   func(testing.TB) string
}{{"sqlite", sqliteDB}, {"postgres", postgresDB}}

// eachDatabase runs f on a fresh store of each kind.
func eachDatabase(t *testing.T, f func(t *testing.T, target string, st *djangodb.Store)) {
	for _, kind := range databases {
		t.Run(kind.name, func(t *testing.T) {
			target := kind.db(t)
			f(t, target, openStore(t, target, djangodb.Options{}))
		})
	}
}

// openStore opens a store on target with testKey unless opts names a key.
func openStore(t testing.TB, target string, opts djangodb.Options) *djangodb.Store {
	t.Helper()
	if opts.SecretKey == "" {
		opts.SecretKey = testKey
	}
	st, err := djangodb.Open(context.Background(), target, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o600) }

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
