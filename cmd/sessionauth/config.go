package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sessionauth/sessionauth/clientip"
	"github.com/sessionauth/sessionauth/csrf"
	"github.com/sessionauth/sessionauth/django"
	"github.com/sessionauth/sessionauth/throttle"
)

// config is the server's configuration. Every field is a flag with an environment twin
// (SESSIONAUTH_<FLAG>, upper case, dashes as underscores); a flag given on the command line wins.
type config struct {
	storeConfig       // --database, --session-store, --django-*
	Addr              string
	MetricsAddr       string
	PprofAddr         string
	SecretKeyFile     string
	SecureCookies     bool
	SessionCookieName string
	TrustedOrigins    []string
	TrustedProxies    []netip.Prefix
	AllowedHosts      []string
	IdleTimeout       time.Duration
	LoginRate         throttle.Rate
	LoginAddressRate  throttle.Rate
	LogFormat         string
	LogLevel          string
	ShutdownTimeout   time.Duration
	NoBootstrapAdmin  bool
	GCHeadroom        uint64 // bytes; 0 leaves the garbage collector at Go's default
}

// flagSet binds flags to a config. Parsing runs in two steps so that validation errors name the flag:
// the environment fills in values first, then the command line overrides them.
type flagSet struct {
	*flag.FlagSet
	raw        map[string]*string
	cfg        config          // boolean flags write here directly
	positional []string        // non-flag arguments, wherever they appeared
	fromEnv    map[string]bool // flags whose value came from their environment twin
}

func newFlagSet(name string) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	return &flagSet{FlagSet: fs, raw: map[string]*string{}, fromEnv: map[string]bool{}}
}

// str declares a flag whose value is checked by the config's parse step.
func (f *flagSet) str(name, def, usage string) {
	f.raw[name] = f.String(name, def, usage+" (env "+envName(name)+")")
}

func envName(flagName string) string {
	return "SESSIONAUTH_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// boolean declares a boolean flag (so "--secure-cookies" alone means true).
func (f *flagSet) boolean(name string, dst *bool, usage string) {
	f.BoolVar(dst, name, false, usage+" (env "+envName(name)+")")
}

// applyEnv sets flags from their environment twins; the command line, parsed afterwards, wins. An
// invalid environment value is reported with its variable and flag names.
func (f *flagSet) applyEnv() error {
	var err error
	f.VisitAll(func(fl *flag.Flag) {
		if v, ok := os.LookupEnv(envName(fl.Name)); ok && err == nil {
			if e := fl.Value.Set(v); e != nil {
				err = fmt.Errorf("invalid %s %q (--%s): want true or false", envName(fl.Name), v, fl.Name)
			}
			f.fromEnv[fl.Name] = true
		}
	})
	return err
}

// commandLineWins forgets the environment as the source of the flags the command line set.
func (f *flagSet) commandLineWins() {
	f.Visit(func(fl *flag.Flag) { delete(f.fromEnv, fl.Name) })
}

func (f *flagSet) get(name string) string { return *f.raw[name] }

// databaseFlags are shared by serve and every admin command.
func (f *flagSet) databaseFlags() {
	f.str("database", "sessionauth.db", "users, tokens and (by default) sessions: a SQLite file path, sqlite:// URL or postgres:// URL")
	f.str("session-store", "database", "where sessions live: database (the --database store), memory, a postgres:// URL, or redis://, rediss://, redis+cluster://h1,h2/, redis+sentinel://h1,h2/master")
	f.str("secret-key-fallbacks", "", "comma-separated previous secret keys still accepted (key rotation); visible in ps, prefer --secret-key-fallbacks-file")
	f.str("secret-key-fallbacks-file", "", "file of previous secret keys still accepted, one per line (mode 0600)")
	f.str("django-database", "", "share users, sessions and DRF tokens with a Django project: its database (SQLite path or postgres:// URL)")
	f.str("django-secret-key-file", "", "file holding the Django project's SECRET_KEY (with --django-database)")
	f.str("django-version", "", "the Django project's version, such as 4.2 (with --django-database): decides password hashing and the CSRF cookie form")
	f.str("django-password-hasher", django.HasherPBKDF2SHA256, "the first entry of the Django project's PASSWORD_HASHERS, which new password hashes are written with: pbkdf2_sha256, argon2 or bcrypt_sha256 (with --django-database)")
	f.str("django-auth-backends", django.ModelBackend, "the Django project's AUTHENTICATION_BACKENDS, comma-separated (with --django-database): a session logged in through another backend is anonymous here, as in Django; logins made here record the first")
	f.str("django-argon2-hash-length", "", "with --django-password-hasher argon2: the hash length of the project's argon2-cffi, 16 (argon2-cffi 21.1 and older) or 32 (21.2 and later)")
}

func (f *flagSet) serveFlags() {
	f.databaseFlags()
	f.str("addr", "127.0.0.1:8000", "address to listen on")
	f.str("metrics-addr", "", "serve /metrics on this address instead of --addr")
	f.str("pprof-addr", "", "serve Go's /debug/pprof profiles on this address (keep it on loopback); off by default")
	f.str("secret-key-file", "", "file holding the secret key (created with mode 0600 if missing); default: kept in the database")
	f.boolean("secure-cookies", &f.cfg.SecureCookies, "mark cookies Secure (serve over HTTPS, directly or behind --trusted-proxies)")
	f.str("session-cookie-name", "sessionid", `session cookie name; "__Host-sessionid" needs --secure-cookies`)
	f.str("trusted-origins", "", "comma-separated origins allowed to send unsafe requests, e.g. https://app.example.com,https://*.example.com")
	f.str("trusted-proxies", "", "comma-separated CIDRs whose X-Forwarded-For / X-Forwarded-Proto are believed")
	f.str("allowed-hosts", "", "comma-separated Host names accepted on unsafe requests (.example.com for subdomains); empty: any")
	f.str("session-age", "336h", "absolute session lifetime (Go duration, or days like 14d)")
	f.str("idle-timeout", "0", "end sessions unused for this long (0 disables)")
	f.str("login-rate", "5/min", "login attempts per account (DRF rate: 5/min, 100/hour …)")
	f.str("login-address-rate", "30/min", "login attempts per client address")
	f.str("log-format", "text", "log format: text or json")
	f.str("log-level", "info", "log level: debug, info, warn or error")
	f.str("shutdown-timeout", "15s", "how long SIGTERM waits for in-flight requests")
	f.str("gc-headroom", "64MiB", "let the heap grow by at least this much between garbage collections (0: Go's default; ignored when GOGC is set)")
	f.boolean("no-bootstrap-admin", &f.cfg.NoBootstrapAdmin, "do not create an admin user when the database has none")
}

// flagError is a flag's invalid value. Its text names the flag; explain names the environment
// variable too when the value came from there, since that is where the operator must fix it.
type flagError struct {
	name, value string // the flag without dashes; the value as it may be shown (URLs redacted)
	err         error  // why the value is refused
	env         string // the environment variable the value came from, if it did
}

func (e *flagError) Error() string {
	if e.env != "" {
		return fmt.Sprintf("invalid %s %q (--%s): %v", e.env, e.value, e.name, e.err)
	}
	return fmt.Sprintf("invalid --%s %q: %v", e.name, e.value, e.err)
}

func (e *flagError) Unwrap() error { return e.err }

// errFlag names the flag whose value is wrong.
func errFlag(name, value string, err error) error {
	return &flagError{name: name, value: value, err: err}
}

// explain returns err naming the environment variable when it is a flag's invalid value that came
// from the environment rather than the command line; any other error is returned as it is.
func (f *flagSet) explain(err error) error {
	fe, ok := err.(*flagError)
	if !ok || !f.fromEnv[fe.name] {
		return err
	}
	out := *fe
	out.env = envName(fe.name)
	return &out
}

// serveConfig converts and validates the serve flags.
func (f *flagSet) serveConfig() (*config, error) {
	c := &f.cfg
	*c = config{
		storeConfig:   f.storeConfig(),
		SecureCookies: c.SecureCookies, NoBootstrapAdmin: c.NoBootstrapAdmin,
		Addr: f.get("addr"), MetricsAddr: f.get("metrics-addr"), PprofAddr: f.get("pprof-addr"),
		SecretKeyFile:     f.get("secret-key-file"),
		SessionCookieName: f.get("session-cookie-name"), LogFormat: f.get("log-format"), LogLevel: f.get("log-level"),
	}
	var err error
	durFlag := func(name string, dst *time.Duration, allowZero bool) {
		if err != nil {
			return
		}
		v, e := parseDuration(f.get(name))
		switch {
		case e != nil:
			err = errFlag(name, f.get(name), e)
		case v < 0 || (v == 0 && !allowZero):
			err = errFlag(name, f.get(name), errors.New("must be positive"))
		}
		*dst = v
	}
	rateFlag := func(name string, dst *throttle.Rate) {
		if err != nil {
			return
		}
		v, e := throttle.ParseRate(f.get(name))
		if e != nil || v.IsZero() {
			err = errFlag(name, f.get(name), errors.New("want a rate such as 5/min"))
		}
		*dst = v
	}
	durFlag("session-age", &c.SessionAge, false)
	durFlag("idle-timeout", &c.IdleTimeout, true)
	durFlag("shutdown-timeout", &c.ShutdownTimeout, true)
	rateFlag("login-rate", &c.LoginRate)
	rateFlag("login-address-rate", &c.LoginAddressRate)
	if err != nil {
		return nil, err
	}
	if c.GCHeadroom, err = parseBytes(f.get("gc-headroom")); err != nil {
		return nil, errFlag("gc-headroom", f.get("gc-headroom"), err)
	}
	if c.TrustedProxies, err = clientip.ParsePrefixes(f.get("trusted-proxies")); err != nil {
		return nil, errFlag("trusted-proxies", f.get("trusted-proxies"), err)
	}
	c.TrustedOrigins = splitList(f.get("trusted-origins"))
	c.AllowedHosts = splitList(f.get("allowed-hosts"))
	// Checked here, before anything is opened or created, as well as by the server's own policy.
	if e := (&csrf.Policy{TrustedOrigins: c.TrustedOrigins}).Validate(); e != nil {
		return nil, errFlag("trusted-origins", f.get("trusted-origins"), e)
	}
	if e := (&csrf.Policy{AllowedHosts: c.AllowedHosts}).Validate(); e != nil {
		return nil, errFlag("allowed-hosts", f.get("allowed-hosts"), e)
	}
	switch {
	case c.Addr == "":
		return nil, errFlag("addr", c.Addr, errors.New("must not be empty"))
	case c.LogFormat != "text" && c.LogFormat != "json":
		return nil, errFlag("log-format", c.LogFormat, errors.New("want text or json"))
	}
	if _, e := parseLevel(c.LogLevel); e != nil {
		return nil, errFlag("log-level", c.LogLevel, e)
	}
	if e := checkStores(c.storeConfig); e != nil {
		return nil, e
	}
	if c.DjangoDatabase != "" && c.SecretKeyFile != "" {
		return nil, errFlag("secret-key-file", c.SecretKeyFile, errors.New("with --django-database the secret key is Django's: use --django-secret-key-file"))
	}
	if strings.HasPrefix(c.SessionCookieName, "__Host-") && !c.SecureCookies {
		return nil, errFlag("session-cookie-name", c.SessionCookieName, errors.New("a __Host- cookie needs --secure-cookies"))
	}
	return c, nil
}

// parseDuration accepts Go durations and whole days ("14d").
func parseDuration(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		// Beyond ±106751 days the nanoseconds overflow (213504d would wrap around to 25 minutes).
		if maxDays := int64(math.MaxInt64 / int64(24*time.Hour)); err != nil || int64(n) > maxDays || int64(n) < -maxDays {
			return 0, errors.New("want a duration such as 90s, 12h or 14d")
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, errors.New("want a duration such as 90s, 12h or 14d")
	}
	return v, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
