package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/throttle"
)

// clearEnv removes every SESSIONAUTH_ variable for the test (restored afterwards).
func clearEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "SESSIONAUTH_") {
			t.Setenv(k, "") // registers the restore
			os.Unsetenv(k)
		}
	}
}

// parseServe parses serve's command line as serve does, up to the validated config.
func parseServe(t *testing.T, args ...string) (*config, *flagSet, error) {
	t.Helper()
	fs := newFlagSet("serve")
	fs.serveFlags()
	var stderr bytes.Buffer
	if code, done := parseFlags(fs, args, io.Discard, &stderr); done {
		t.Fatalf("parseFlags(%q) stopped with code %d: %s", args, code, stderr.String())
	}
	cfg, err := fs.serveConfig()
	return cfg, fs, err
}

func TestParseDuration(t *testing.T) {
	good := map[string]time.Duration{
		"14d":     14 * 24 * time.Hour,
		"1d":      24 * time.Hour,
		"0d":      0,
		"-1d":     -24 * time.Hour, // parsed; serveConfig refuses it as not positive
		"90s":     90 * time.Second,
		"12h":     12 * time.Hour,
		"1h30m":   90 * time.Minute,
		"336h":    336 * time.Hour,
		"0":       0,
		"2s":      2 * time.Second,
		"1500ms":  1500 * time.Millisecond,
		"106751d": 106751 * 24 * time.Hour,
	}
	for in, want := range good {
		got, err := parseDuration(in)
		if err != nil || got != want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "1.5d", "14days", "nonsense", "14 d", "1w", "5", "d14", "213504d", "9999999999999d", "-213504d"} {
		if got, err := parseDuration(in); err == nil {
			t.Errorf("parseDuration(%q) = %v, want an error", in, got)
		} else if err.Error() != "want a duration such as 90s, 12h or 14d" {
			t.Errorf("parseDuration(%q) error %q", in, err)
		}
	}
}

func TestEnvName(t *testing.T) {
	for flag, want := range map[string]string{
		"session-age":          "SESSIONAUTH_SESSION_AGE",
		"addr":                 "SESSIONAUTH_ADDR",
		"login-address-rate":   "SESSIONAUTH_LOGIN_ADDRESS_RATE",
		"secret-key-fallbacks": "SESSIONAUTH_SECRET_KEY_FALLBACKS",
	} {
		if got := envName(flag); got != want {
			t.Errorf("envName(%q) = %q, want %q", flag, got, want)
		}
	}
	// Every serve flag names its twin in its usage.
	fs := newFlagSet("serve")
	fs.serveFlags()
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(f.Usage, "(env "+envName(f.Name)+")") {
			t.Errorf("flag --%s usage %q does not name %s", f.Name, f.Usage, envName(f.Name))
		}
	})
}

func TestServeConfigDefaults(t *testing.T) {
	clearEnv(t)
	cfg, _, err := parseServe(t)
	if err != nil {
		t.Fatal(err)
	}
	want := config{
		storeConfig: storeConfig{Database: "sessionauth.db", SessionStore: "database", SessionAge: 336 * time.Hour,
			DjangoPasswordHasher: "pbkdf2_sha256", DjangoAuthBackends: []string{"django.contrib.auth.backends.ModelBackend"}},
		Addr: "127.0.0.1:8000", SessionCookieName: "sessionid",
		LoginRate:        throttle.Rate{N: 5, Period: time.Minute},
		LoginAddressRate: throttle.Rate{N: 30, Period: time.Minute}, LogFormat: "text", LogLevel: "info",
		ShutdownTimeout: 15 * time.Second, GCHeadroom: 64 << 20,
	}
	if !reflect.DeepEqual(*cfg, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", *cfg, want)
	}
}

func TestServeConfigFromEnvironment(t *testing.T) {
	clearEnv(t)
	t.Setenv("SESSIONAUTH_SESSION_AGE", "14d")
	t.Setenv("SESSIONAUTH_IDLE_TIMEOUT", "30m")
	t.Setenv("SESSIONAUTH_SECURE_COOKIES", "true")
	t.Setenv("SESSIONAUTH_SESSION_COOKIE_NAME", "__Host-sessionid")
	t.Setenv("SESSIONAUTH_TRUSTED_ORIGINS", "https://a.example.com, https://*.b.example.com")
	t.Setenv("SESSIONAUTH_TRUSTED_PROXIES", "10.0.0.0/8,192.168.1.1")
	t.Setenv("SESSIONAUTH_LOGIN_RATE", "10/hour")
	t.Setenv("SESSIONAUTH_LOG_FORMAT", "json")
	t.Setenv("SESSIONAUTH_NO_BOOTSTRAP_ADMIN", "1")
	t.Setenv("SESSIONAUTH_DATABASE", "sqlite:///var/lib/sessionauth/db.sqlite")
	cfg, _, err := parseServe(t)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SessionAge != 14*24*time.Hour || cfg.IdleTimeout != 30*time.Minute || !cfg.SecureCookies ||
		cfg.SessionCookieName != "__Host-sessionid" || cfg.LogFormat != "json" || !cfg.NoBootstrapAdmin ||
		cfg.LoginRate != (throttle.Rate{N: 10, Period: time.Hour}) || cfg.Database != "sqlite:///var/lib/sessionauth/db.sqlite" {
		t.Errorf("config from the environment: %+v", *cfg)
	}
	if want := []string{"https://a.example.com", "https://*.b.example.com"}; !reflect.DeepEqual(cfg.TrustedOrigins, want) {
		t.Errorf("trusted origins %q, want %q", cfg.TrustedOrigins, want)
	}
	if want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.1/32")}; !reflect.DeepEqual(cfg.TrustedProxies, want) {
		t.Errorf("trusted proxies %v, want %v", cfg.TrustedProxies, want)
	}
}

func TestCommandLineWinsOverEnvironment(t *testing.T) {
	clearEnv(t)
	t.Setenv("SESSIONAUTH_SESSION_AGE", "1h")
	t.Setenv("SESSIONAUTH_SECURE_COOKIES", "true")
	t.Setenv("SESSIONAUTH_LOGIN_RATE", "not a rate") // never validated: the flag replaces it
	t.Setenv("SESSIONAUTH_ADDR", "127.0.0.1:9999")
	cfg, _, err := parseServe(t, "--session-age", "2h", "--secure-cookies=false", "--login-rate", "7/min")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SessionAge != 2*time.Hour || cfg.SecureCookies || cfg.LoginRate != (throttle.Rate{N: 7, Period: time.Minute}) {
		t.Errorf("the command line did not win: %+v", *cfg)
	}
	if cfg.Addr != "127.0.0.1:9999" {
		t.Errorf("addr %q: the environment applies where no flag is given", cfg.Addr)
	}
}

// A bad boolean in the environment is a usage error naming the variable and the flag.
func TestBadBooleanEnvironment(t *testing.T) {
	clearEnv(t)
	t.Setenv("SESSIONAUTH_SECURE_COOKIES", "maybe")
	fs := newFlagSet("serve")
	fs.serveFlags()
	var stderr bytes.Buffer
	code, done := parseFlags(fs, nil, io.Discard, &stderr)
	if !done || code != 2 {
		t.Fatalf("parseFlags = %d, %v; want 2, true", code, done)
	}
	if msg := stderr.String(); !strings.Contains(msg, "SESSIONAUTH_SECURE_COOKIES") || !strings.Contains(msg, "--secure-cookies") || strings.Count(msg, "\n") != 1 {
		t.Errorf("message %q: want one line naming the variable and the flag", msg)
	}
}

// Each invalid value is refused with an error naming its flag.
func TestServeConfigErrors(t *testing.T) {
	clearEnv(t)
	cases := []struct {
		flag string
		args []string
	}{
		{"--session-age", []string{"--session-age", "nonsense"}},
		{"--session-age", []string{"--session-age", "0"}},
		{"--session-age", []string{"--session-age", "-1d"}},
		{"--session-age", []string{"--session-age", "213504d"}},
		{"--idle-timeout", []string{"--idle-timeout", "-1s"}},
		{"--idle-timeout", []string{"--idle-timeout", "x"}},
		{"--shutdown-timeout", []string{"--shutdown-timeout", "later"}},
		{"--login-rate", []string{"--login-rate", "5"}},
		{"--login-rate", []string{"--login-rate", "0/min"}},
		{"--login-rate", []string{"--login-rate", ""}},
		{"--login-address-rate", []string{"--login-address-rate", "5/fortnight"}},
		{"--log-format", []string{"--log-format", "xml"}},
		{"--log-level", []string{"--log-level", "loud"}},
		{"--trusted-proxies", []string{"--trusted-proxies", "300.1.1.1"}},
		{"--trusted-origins", []string{"--trusted-origins", "example.com"}},
		{"--trusted-origins", []string{"--trusted-origins", "https://example.com/"}},
		{"--trusted-origins", []string{"--trusted-origins", "*"}},
		{"--database", []string{"--database", "postgres://[db/x"}},
		{"--database", []string{"--database", "mysql://db/x"}},
		{"--database", []string{"--database", ""}},
		{"--database", []string{"--database", "sqlite://"}},
		{"--session-store", []string{"--session-store", "redis"}},
		{"--session-store", []string{"--session-store", "redis://x/notanumber"}},
		{"--session-store", []string{"--session-store", "sqlite", "--database", "postgres://db/x"}},
		{"--session-cookie-name", []string{"--session-cookie-name", "__Host-sessionid"}},
		{"--addr", []string{"--addr", ""}},
		{"--gc-headroom", []string{"--gc-headroom", "64MB"}},
		{"--gc-headroom", []string{"--gc-headroom", "-1"}},
	}
	for _, tc := range cases {
		_, _, err := parseServe(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.flag+" ") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error %v, want one line naming %s", tc.args, err, tc.flag)
		}
	}
}

// Flags may follow positional arguments ("changepassword bob --password-stdin").
func TestPositionalArgumentsAndFlags(t *testing.T) {
	clearEnv(t)
	cases := []struct {
		args       []string
		positional []string
		stdin      bool
		database   string
	}{
		{[]string{"alice", "--password-stdin"}, []string{"alice"}, true, "sessionauth.db"},
		{[]string{"--password-stdin", "alice"}, []string{"alice"}, true, "sessionauth.db"},
		{[]string{"alice", "--database", "x.db", "--password-stdin"}, []string{"alice"}, true, "x.db"},
		{[]string{"a", "--database=y.db", "b"}, []string{"a", "b"}, false, "y.db"},
		{[]string{"--", "-dash"}, []string{"-dash"}, false, "sessionauth.db"},
		{nil, nil, false, "sessionauth.db"},
	}
	for _, tc := range cases {
		fs := newFlagSet("changepassword")
		fs.databaseFlags()
		stdin := fs.Bool("password-stdin", false, "")
		var stderr bytes.Buffer
		if code, done := parseFlags(fs, tc.args, io.Discard, &stderr); done {
			t.Errorf("%q: stopped with %d: %s", tc.args, code, stderr.String())
			continue
		}
		if !reflect.DeepEqual(fs.positional, tc.positional) || *stdin != tc.stdin || fs.get("database") != tc.database {
			t.Errorf("%q: positional %q, --password-stdin %v, --database %q", tc.args, fs.positional, *stdin, fs.get("database"))
		}
	}
	// An unknown flag anywhere is a usage error.
	fs := newFlagSet("changepassword")
	fs.databaseFlags()
	var stderr bytes.Buffer
	if code, done := parseFlags(fs, []string{"alice", "--bogus"}, io.Discard, &stderr); !done || code != 2 {
		t.Errorf("unknown flag after a positional: %d, %v", code, done)
	}
}

func TestDatabaseKind(t *testing.T) {
	for in, want := range map[string][2]string{
		"sessionauth.db":                   {"sqlite", "sessionauth.db"},
		"/var/lib/x.db":                    {"sqlite", "/var/lib/x.db"},
		"sqlite:///var/lib/x.db":           {"sqlite", "/var/lib/x.db"},
		"sqlite://relative.db":             {"sqlite", "relative.db"},
		"file:x.db":                        {"sqlite", "x.db"},
		"./dir/with spaces/x.db":           {"sqlite", "./dir/with spaces/x.db"},
		"postgres://u:p@h/db":              {"postgres", "postgres://u:p@h/db"},
		"postgresql://h/db?sslmode=verify": {"postgres", "postgresql://h/db?sslmode=verify"},
	} {
		kind, target, err := databaseKind(in)
		if err != nil || kind != want[0] || target != want[1] {
			t.Errorf("databaseKind(%q) = %q, %q, %v; want %q", in, kind, target, err, want)
		}
	}
	for in, msg := range map[string]string{
		"redis://x": "want a SQLite file path, a sqlite:// URL or a postgres:// URL",
		"":          "must not be empty",
		"sqlite://": "must not be empty",
	} {
		if _, _, err := databaseKind(in); err == nil || err.Error() != msg {
			t.Errorf("databaseKind(%q) error %v, want %q", in, err, msg)
		}
	}
}

func TestCheckStores(t *testing.T) {
	for _, ok := range [][2]string{
		{"x.db", "memory"}, {"x.db", "sqlite"}, {"x.db", "database"},
		{"x.db", "redis://127.0.0.1:6379/0"}, {"x.db", "rediss://u:p@cache.example:6380/1"},
		{"postgres://h/db", "database"}, {"postgres://h/db", "memory"},
		{"postgres://h/db", "redis+cluster://h1:7001,h2:7002"},
		{"postgres://h/db", "redis+sentinel://h1:26379,h2:26379/mymaster"},
		{"x.db", "postgres://h/sessions"},
	} {
		if err := checkStores(storeConfig{Database: ok[0], SessionStore: ok[1]}); err != nil {
			t.Errorf("checkStores(%q, %q): %v", ok[0], ok[1], err)
		}
	}
	for _, bad := range [][3]string{
		{"x.db", "redis", "--session-store"},
		{"postgres://h/db", "sqlite", "--database is not SQLite"},
		{"x.db", "memcached://h", "--session-store"},
		{"mysql://u:secret@h/db", "memory", "--database"},
	} {
		err := checkStores(storeConfig{Database: bad[0], SessionStore: bad[1]})
		if err == nil || !strings.Contains(err.Error(), bad[2]) {
			t.Errorf("checkStores(%q, %q) = %v, want an error naming %q", bad[0], bad[1], err, bad[2])
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("checkStores(%q, %q): the error shows the password: %v", bad[0], bad[1], err)
		}
	}
}

func TestCheckDjangoStores(t *testing.T) {
	ok := storeConfig{Database: "x.db", SessionStore: "database", DjangoDatabase: "/srv/app/db.sqlite3",
		DjangoSecretKeyFile: "/srv/app/key", DjangoVersion: "4.2"}
	if err := checkStores(ok); err != nil {
		t.Errorf("checkStores(%+v): %v", ok, err)
	}
	pg := ok
	pg.DjangoDatabase = "postgres://app:secret@db/app"
	if err := checkStores(pg); err != nil {
		t.Errorf("checkStores(%+v): %v", pg, err)
	}
	custom := ok
	custom.DjangoAuthBackends = []string{"myapp.backends.Email", "django.contrib.auth.backends.ModelBackend"}
	if err := checkStores(custom); err != nil {
		t.Errorf("checkStores(%+v): %v", custom, err)
	}
	for _, h := range []struct{ name, keyLen, want string }{
		{"", "", "pbkdf2_sha256"}, {"pbkdf2_sha256", "", "pbkdf2_sha256"},
		{"argon2", "16", "argon2"}, {"argon2", "32", "argon2"}, {"bcrypt_sha256", "", "bcrypt_sha256"},
	} {
		c := ok
		c.DjangoPasswordHasher, c.DjangoArgon2HashLength = h.name, h.keyLen
		if err := checkStores(c); err != nil {
			t.Errorf("checkStores(%+v): %v", c, err)
		}
		if _, got, err := djangoHasher(c); err != nil || got.Algorithm() != h.want {
			t.Errorf("djangoHasher(%q, %q) = %v, %v; want %s", h.name, h.keyLen, got, err, h.want)
		}
	}
	for _, tc := range []struct {
		change func(*storeConfig)
		flag   string
	}{
		{func(c *storeConfig) { c.DjangoSecretKeyFile = "" }, "--django-secret-key-file"},
		{func(c *storeConfig) { c.DjangoVersion = "" }, "--django-version"},
		{func(c *storeConfig) { c.DjangoVersion = "2.2" }, "--django-version"},
		{func(c *storeConfig) { c.DjangoVersion = "four" }, "--django-version"},
		{func(c *storeConfig) { c.SessionStore = "redis://127.0.0.1:6379/0" }, "--session-store"},
		{func(c *storeConfig) { c.SessionStore = "memory" }, "--session-store"},
		{func(c *storeConfig) { c.DjangoDatabase = "mysql://u:secret@h/db" }, "--django-database"},
		{func(c *storeConfig) { c.DjangoDatabase = "" }, "--django-secret-key-file"},
		{func(c *storeConfig) { c.DjangoDatabase, c.DjangoSecretKeyFile = "", "" }, "--django-version"},
		{func(c *storeConfig) { c.DjangoPasswordHasher = "scrypt" }, "--django-password-hasher"},
		{func(c *storeConfig) { c.DjangoPasswordHasher = "pbkdf2_sha1" }, "--django-password-hasher"},
		{func(c *storeConfig) { c.DjangoPasswordHasher = "argon2" }, "--django-argon2-hash-length"},
		{func(c *storeConfig) { c.DjangoPasswordHasher, c.DjangoArgon2HashLength = "argon2", "24" }, "--django-argon2-hash-length"},
		{func(c *storeConfig) { c.DjangoPasswordHasher, c.DjangoArgon2HashLength = "argon2", "sixteen" }, "--django-argon2-hash-length"},
		{func(c *storeConfig) { c.DjangoArgon2HashLength = "16" }, "--django-argon2-hash-length"},
		{func(c *storeConfig) { c.DjangoAuthBackends = []string{"myapp.backends.Email", "not a path"} }, "--django-auth-backends"},
		{func(c *storeConfig) { c.DjangoAuthBackends = []string{"ModelBackend"} }, "--django-auth-backends"},
		{func(c *storeConfig) {
			c.DjangoDatabase, c.DjangoSecretKeyFile, c.DjangoVersion = "", "", ""
			c.DjangoAuthBackends = []string{"django.contrib.auth.backends.ModelBackend", "myapp.backends.Email"}
		}, "--django-auth-backends"},
		{func(c *storeConfig) {
			c.DjangoPasswordHasher, c.DjangoArgon2HashLength, c.DjangoVersion = "argon2", "16", "3.1"
		}, "--django-password-hasher"},
		{func(c *storeConfig) { c.DjangoDatabase, c.DjangoSecretKeyFile, c.DjangoVersion = "", "", "" }, ""},
		{func(c *storeConfig) {
			c.DjangoDatabase, c.DjangoSecretKeyFile, c.DjangoVersion = "", "", ""
			c.DjangoAuthBackends = []string{"django.contrib.auth.backends.ModelBackend"}
		}, ""},
		{func(c *storeConfig) {
			c.DjangoDatabase, c.DjangoSecretKeyFile, c.DjangoVersion, c.DjangoPasswordHasher = "", "", "", "bcrypt_sha256"
		}, "--django-password-hasher"},
		{func(c *storeConfig) {
			c.DjangoDatabase, c.DjangoSecretKeyFile, c.DjangoVersion, c.DjangoArgon2HashLength = "", "", "", "32"
		}, "--django-argon2-hash-length"},
	} {
		c := ok
		tc.change(&c)
		err := checkStores(c)
		if tc.flag == "" { // valid: no Django, with the Django flags at their defaults
			if err != nil {
				t.Errorf("checkStores(%+v) = %v", c, err)
			}
			continue
		}
		if err == nil || !strings.HasPrefix(err.Error(), "invalid "+tc.flag+" ") {
			t.Errorf("checkStores(%+v) = %v, want an error naming %s", c, err, tc.flag)
		} else if strings.Contains(err.Error(), "secret@") {
			t.Errorf("checkStores(%+v): the error shows the password: %v", c, err)
		}
	}
}

func TestOneLine(t *testing.T) {
	err := errors.New("cannot reach the database:\n\t127.0.0.1:1: refused\r\n\t[::1]:1: refused\n")
	if got, want := oneLine(err), "cannot reach the database:; 127.0.0.1:1: refused; [::1]:1: refused"; got != want {
		t.Errorf("oneLine = %q, want %q", got, want)
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:secret@h:5432/db":       "postgres://u:xxxxx@h:5432/db",
		"redis://:secret@h:6379/0":            "redis://:xxxxx@h:6379/0",
		"redis+cluster://u:secret@h1:1,h2:2/": "redis+cluster://u:xxxxx@h1:1,h2:2/",
		"postgres://u@h/db":                   "postgres://u@h/db",
		"x.db":                                "x.db",
	} {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSplitList(t *testing.T) {
	for in, want := range map[string][]string{
		"":                  nil,
		" , ,":              nil,
		"a":                 {"a"},
		" a, ,b ,":          {"a", "b"},
		"https://x,https:/": {"https://x", "https:/"},
	} {
		if got := splitList(in); !reflect.DeepEqual(got, want) {
			t.Errorf("splitList(%q) = %q, want %q", in, got, want)
		}
	}
}

// run is main without the process: exit codes 0, 1 and 2 without touching a database.
func TestRunExitCodes(t *testing.T) {
	clearEnv(t)
	cases := []struct {
		args []string
		code int
		out  string // in stdout (code 0) or stderr
	}{
		{nil, 2, "Usage: sessionauth <command>"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"help"}, 0, "Commands:"},
		{[]string{"version"}, 0, "sessionauth "},
		{[]string{"version", "--help"}, 0, "Usage: sessionauth version"},
		{[]string{"version", "extra"}, 2, "version takes no arguments"},
		{[]string{"users"}, 2, "Usage: sessionauth users <activate|deactivate|list>"},
		{[]string{"users", "--help"}, 0, "Usage: sessionauth users"},
		{[]string{"tokens", "nope"}, 2, "Usage: sessionauth tokens <create|list|revoke>"},
		{[]string{"sessions", "help"}, 0, "Usage: sessionauth sessions <list|revoke>"},
		{[]string{"createuser", "--database", "postgres://x"}, 2, "createuser needs --username"},
		{[]string{"createuser", "--username", "x", "--database", "postgres://127.0.0.1:1/x", "--password-stdin"}, 1, "opening --database postgres://127.0.0.1:1/x: "},
		{[]string{"tokens", "revoke", "x"}, 2, "the token ID is a number"},
		{[]string{"serve", "extra"}, 2, "serve takes no arguments"},
		{[]string{"serve", "--session-age", "nonsense"}, 1, `invalid --session-age "nonsense"`},
		{[]string{"serve", "--bogus"}, 2, "flag provided but not defined: -bogus"},
	}
	for _, tc := range cases {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), tc.args, strings.NewReader("pw-Pa55word-unit\n"), &stdout, &stderr)
		out := stderr.String()
		if tc.code == 0 {
			out = stdout.String()
		}
		if code != tc.code || !strings.Contains(out, tc.out) {
			t.Errorf("run(%q) = %d\nstdout: %s\nstderr: %s\nwant %d and %q", tc.args, code, stdout.String(), stderr.String(), tc.code, tc.out)
		}
	}
}

// A bad value that came from the environment is reported with the variable's name, since that is
// where it must be fixed; the same value on the command line names the flag alone.
func TestBadValueFromEnvironmentNamesVariable(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	for _, tc := range []struct {
		env, value string
		args       []string
		want       string
	}{
		{"SESSIONAUTH_LOGIN_RATE", "x", []string{"serve", "--database", db},
			`sessionauth: invalid SESSIONAUTH_LOGIN_RATE "x" (--login-rate): want a rate such as 5/min`},
		{"SESSIONAUTH_LOGIN_RATE", "x", []string{"serve", "--database", db, "--login-rate", "y"},
			`sessionauth: invalid --login-rate "y": want a rate such as 5/min`},
		{"SESSIONAUTH_ADDR", "no-port", []string{"serve", "--database", db},
			`sessionauth: invalid SESSIONAUTH_ADDR "no-port" (--addr): listen tcp`},
		{"SESSIONAUTH_DATABASE", "mysql://db/x", []string{"users", "list"},
			`sessionauth: invalid SESSIONAUTH_DATABASE "mysql://db/x" (--database): want a SQLite file path, a sqlite:// URL or a postgres:// URL`},
		{"SESSIONAUTH_SECURE_COOKIES", "maybe", []string{"serve", "--database", db},
			`sessionauth: invalid SESSIONAUTH_SECURE_COOKIES "maybe" (--secure-cookies): want true or false`},
	} {
		clearEnv(t)
		t.Setenv(tc.env, tc.value)
		var stdout, stderr strings.Builder
		run(context.Background(), tc.args, strings.NewReader(""), &stdout, &stderr)
		if got := strings.TrimSuffix(stderr.String(), "\n"); !strings.HasPrefix(got, tc.want) || strings.Contains(got, "\n") {
			t.Errorf("%s=%s %q:\n got %q\nwant %q", tc.env, tc.value, tc.args, got, tc.want)
		}
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("a refused configuration created the database (%v)", err)
	}
}
