package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/auth/password"
	"github.com/sessionauth/sessionauth/django"
	"github.com/sessionauth/sessionauth/internal/demo"
	"github.com/sessionauth/sessionauth/session"
	"github.com/sessionauth/sessionauth/store/djangodb"
	"github.com/sessionauth/sessionauth/store/memory"
	"github.com/sessionauth/sessionauth/store/postgres"
	redisstore "github.com/sessionauth/sessionauth/store/redis"
	"github.com/sessionauth/sessionauth/store/sqlite"
	"github.com/sessionauth/sessionauth/throttle"
)

// database is what --database opens: users, tokens, throttle counters and server settings (the
// secret key), and sessions unless --session-store puts them elsewhere. SQLite and PostgreSQL
// stores both have this method set.
type database interface {
	session.Store
	session.UserIndex
	auth.UserStore
	auth.TokenStore
	throttle.Store
	Setting(ctx context.Context, name string) (string, bool, error)
	SetSettingOnce(ctx context.Context, name, value string) (string, error)
	SetSetting(ctx context.Context, name, value string) error
	Ping(ctx context.Context) error
	Close() error
}

// pinger is a store that can say whether it answers, for /healthz.
type pinger interface {
	Ping(ctx context.Context) error
}

// storeConfig says where data lives: the flags of databaseFlags, and what serve adds.
type storeConfig struct {
	Database, SessionStore string
	// With DjangoDatabase, users, sessions and (if DRF's authtoken is installed) tokens live in the
	// Django project's tables; --database keeps throttle counters, settings and the demo notes.
	DjangoDatabase, DjangoSecretKeyFile, DjangoVersion string
	// The first entry of Django's PASSWORD_HASHERS, by algorithm name ("" means pbkdf2_sha256), and for
	// argon2 the hash length of the project's argon2-cffi.
	DjangoPasswordHasher, DjangoArgon2HashLength string
	DjangoAuthBackends                           []string      // Django's AUTHENTICATION_BACKENDS; nil: ModelBackend alone
	SessionAge                                   time.Duration // Django's SESSION_COOKIE_AGE; zero: two weeks
	SecretKeyFallbacks                           []string      // Django session data signed with these is read too
	SecretKeyFallbacksFile                       string        // the same, one per line (secretKeyFallbacks reads it)
}

// storeConfig reads the flags of databaseFlags.
func (f *flagSet) storeConfig() storeConfig {
	return storeConfig{
		Database: f.get("database"), SessionStore: f.get("session-store"),
		DjangoDatabase: f.get("django-database"), DjangoSecretKeyFile: f.get("django-secret-key-file"),
		DjangoVersion: f.get("django-version"), SecretKeyFallbacks: splitList(f.get("secret-key-fallbacks")),
		SecretKeyFallbacksFile: f.get("secret-key-fallbacks-file"),
		DjangoPasswordHasher:   f.get("django-password-hasher"), DjangoArgon2HashLength: f.get("django-argon2-hash-length"),
		DjangoAuthBackends: splitList(f.get("django-auth-backends")),
	}
}

// stores are the backends named by --database, --session-store and --django-database.
type stores struct {
	db       database
	users    auth.UserStore
	tokens   auth.TokenStore
	sessions session.Store
	throttle throttle.Store // login and API throttles: Redis when sessions are there, else the database
	notes    demo.NoteStore
	pingers  []pinger
	closers  []func() error
	once     sync.Once
	closeErr error

	sqlitePath string          // when --database is SQLite
	pg         *postgres.Store // when --database is PostgreSQL

	// Sharing with Django: its secret key, the password hasher that writes what that Django
	// version writes, and whether it masks the CSRF cookie. Zero values otherwise.
	djangoKey  string
	hasher     *password.Hasher
	maskedCSRF bool

	fallbacks []string // retired secret keys still accepted (--secret-key-fallbacks or its file)
}

// databaseKind tells what --database names: "sqlite" with a file path, or "postgres" with the URL.
func databaseKind(database string) (kind, target string, err error) {
	isURL := false
	switch {
	case strings.HasPrefix(database, "postgres://"), strings.HasPrefix(database, "postgresql://"):
		if _, err := url.Parse(database); err != nil {
			return "", "", errors.New("not a valid PostgreSQL URL")
		}
		return "postgres", database, nil
	case strings.HasPrefix(database, "sqlite://"):
		database, isURL = strings.TrimPrefix(database, "sqlite://"), true
	case strings.HasPrefix(database, "file:"):
		database, isURL = strings.TrimPrefix(database, "file:"), true
	case strings.Contains(database, "://"):
		return "", "", errors.New("want a SQLite file path, a sqlite:// URL or a postgres:// URL")
	}
	// The rest of a URL is used as the file name as it stands: SQLite's URI parameters (?mode=ro)
	// would silently become part of the name and create another database.
	if isURL && strings.ContainsAny(database, "?#") {
		return "", "", errors.New("a query or fragment would become part of the file name; give the path alone, such as sqlite:///var/lib/sessionauth/db.sqlite")
	}
	if database == "" {
		return "", "", errors.New("must not be empty")
	}
	return "sqlite", database, nil
}

// sessionStoreKind tells what --session-store names: "database" (the --database store), "memory",
// "postgres" (another PostgreSQL database) or "redis".
func sessionStoreKind(sessionStore, dbKind string) (string, error) {
	switch {
	case sessionStore == "database" || sessionStore == "":
		return "database", nil
	case sessionStore == "memory":
		return "memory", nil
	case sessionStore == "sqlite":
		if dbKind != "sqlite" {
			return "", errors.New("sqlite keeps sessions in the --database file, but --database is not SQLite; use database")
		}
		return "database", nil
	case strings.HasPrefix(sessionStore, "postgres://"), strings.HasPrefix(sessionStore, "postgresql://"):
		return "postgres", nil
	case isRedisURL(sessionStore):
		if _, err := redisstore.ParseURL(sessionStore); err != nil {
			return "", err
		}
		return "redis", nil
	}
	return "", errors.New("want database, memory, sqlite, a postgres:// URL or a redis://, rediss://, redis+cluster:// or redis+sentinel:// URL")
}

// isRedisURL reports whether s has one of the schemes redisstore.ParseURL accepts.
func isRedisURL(s string) bool {
	scheme, _, ok := strings.Cut(s, "://")
	if !ok {
		return false
	}
	switch strings.ToLower(scheme) {
	case "redis", "rediss", "redis+cluster", "rediss+cluster", "redis+sentinel", "rediss+sentinel":
		return true
	}
	return false
}

// checkStores validates the store flags without opening anything.
func checkStores(sc storeConfig) error {
	dbKind, _, err := databaseKind(sc.Database)
	if err != nil {
		return errFlag("database", redactURL(sc.Database), err)
	}
	if _, err := sessionStoreKind(sc.SessionStore, dbKind); err != nil {
		return errFlag("session-store", redactURL(sc.SessionStore), err)
	}
	if sc.SecretKeyFallbacksFile != "" && len(sc.SecretKeyFallbacks) > 0 {
		// Keys moved to the file but left on the command line would stay visible in ps.
		return errFlag("secret-key-fallbacks-file", sc.SecretKeyFallbacksFile, errors.New("use it or --secret-key-fallbacks, not both"))
	}
	if sc.DjangoDatabase == "" {
		switch {
		case sc.DjangoSecretKeyFile != "":
			return errFlag("django-secret-key-file", sc.DjangoSecretKeyFile, errors.New("needs --django-database"))
		case sc.DjangoVersion != "":
			return errFlag("django-version", sc.DjangoVersion, errors.New("needs --django-database"))
		case sc.DjangoPasswordHasher != "" && sc.DjangoPasswordHasher != django.HasherPBKDF2SHA256:
			return errFlag("django-password-hasher", sc.DjangoPasswordHasher, errors.New("needs --django-database"))
		case sc.DjangoArgon2HashLength != "":
			return errFlag("django-argon2-hash-length", sc.DjangoArgon2HashLength, errors.New("needs --django-database"))
		case len(sc.DjangoAuthBackends) > 0 && !slices.Equal(sc.DjangoAuthBackends, []string{django.ModelBackend}):
			return errFlag("django-auth-backends", strings.Join(sc.DjangoAuthBackends, ","), errors.New("needs --django-database"))
		}
		return nil
	}
	if _, _, err := databaseKind(sc.DjangoDatabase); err != nil {
		return errFlag("django-database", redactURL(sc.DjangoDatabase), err)
	}
	if sc.SessionStore != "database" && sc.SessionStore != "" {
		return errFlag("session-store", redactURL(sc.SessionStore),
			errors.New("with --django-database, sessions live in Django's django_session table; leave --session-store unset"))
	}
	if sc.DjangoSecretKeyFile == "" {
		return errFlag("django-secret-key-file", "", errors.New("--django-database needs the Django project's SECRET_KEY in a file"))
	}
	for _, b := range sc.DjangoAuthBackends {
		if !dottedPath.MatchString(b) {
			return errFlag("django-auth-backends", strings.Join(sc.DjangoAuthBackends, ","), fmt.Errorf("%q is not a dotted Python path such as %s", b, django.ModelBackend))
		}
	}
	_, _, err = djangoHasher(sc)
	return err
}

// dottedPath is a Python import path such as django.contrib.auth.backends.ModelBackend.
var dottedPath = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$`)

// djangoHasher parses --django-version, --django-password-hasher and --django-argon2-hash-length and
// returns the hasher that writes what that Django release writes; errors name the flag.
func djangoHasher(sc storeConfig) (django.Version, password.DjangoHasher, error) {
	if sc.DjangoVersion == "" {
		return django.Version{}, nil, errFlag("django-version", "", errors.New("--django-database needs the Django project's version (such as 4.2): it decides how new password hashes are written"))
	}
	v, err := django.ParseVersion(sc.DjangoVersion)
	if err != nil {
		return django.Version{}, nil, errFlag("django-version", sc.DjangoVersion, errors.New("want a Django version such as 3.2, 4.2 or 5.1"))
	}
	if _, ok := v.PBKDF2Iterations(); !ok {
		return django.Version{}, nil, errFlag("django-version", sc.DjangoVersion, fmt.Errorf("Django %s is not supported (3.1 to 6.1 are)", v))
	}
	name := sc.DjangoPasswordHasher
	if name == "" {
		name = django.HasherPBKDF2SHA256
	}
	keyLen := 0
	switch {
	case name == django.HasherArgon2 && sc.DjangoArgon2HashLength == "":
		return django.Version{}, nil, errFlag("django-argon2-hash-length", "", errors.New(
			"--django-password-hasher argon2 needs the hash length of the project's argon2-cffi: 16 up to 21.1, 32 from 21.2 "+
				"(python3 -c 'import argon2; print(argon2.DEFAULT_HASH_LENGTH)')"))
	case name != django.HasherArgon2 && sc.DjangoArgon2HashLength != "":
		return django.Version{}, nil, errFlag("django-argon2-hash-length", sc.DjangoArgon2HashLength, errors.New("only with --django-password-hasher argon2"))
	case name == django.HasherArgon2:
		if keyLen, err = strconv.Atoi(sc.DjangoArgon2HashLength); err != nil || (keyLen != 16 && keyLen != 32) {
			return django.Version{}, nil, errFlag("django-argon2-hash-length", sc.DjangoArgon2HashLength, errors.New("want 16 or 32"))
		}
	}
	h, err := v.PasswordHasher(name, keyLen)
	if err != nil {
		return django.Version{}, nil, errFlag("django-password-hasher", sc.DjangoPasswordHasher, errors.New(strings.TrimPrefix(err.Error(), "django: ")))
	}
	return v, h, nil
}

// readDjangoKey reads the Django project's SECRET_KEY from its file: it must exist and be readable
// by its owner only.
func readDjangoKey(file string) (string, error) {
	key, err := readKeyFile("django-secret-key-file", file)
	if err != nil {
		return "", err
	}
	if key == "" {
		return "", errFlag("django-secret-key-file", file, errors.New("the file is empty"))
	}
	return key, nil
}

func openStores(ctx context.Context, sc storeConfig) (*stores, error) {
	if err := checkStores(sc); err != nil {
		return nil, err
	}
	database, sessionStore := sc.Database, sc.SessionStore
	dbKind, target, _ := databaseKind(database)
	sessKind, _ := sessionStoreKind(sessionStore, dbKind)

	fallbacks, err := secretKeyFallbacks(sc)
	if err != nil {
		return nil, err
	}
	s := &stores{fallbacks: fallbacks}
	fail := func(err error) (*stores, error) {
		s.Close()
		return nil, err
	}
	switch dbKind {
	case "sqlite":
		if err := createPrivateDB(target); err != nil {
			return fail(fmt.Errorf("creating --database %q: %w", database, err))
		}
		db, err := sqlite.Open(ctx, target, sqlite.Options{})
		if err != nil {
			return fail(fmt.Errorf("opening --database %q: %w", database, err))
		}
		s.db, s.sqlitePath = db, target
	case "postgres":
		db, err := postgres.Open(ctx, target, postgres.Options{})
		if err != nil {
			return fail(fmt.Errorf("opening --database %s: %w", redactURL(database), err))
		}
		s.db, s.pg = db, db
	}
	s.closers = append(s.closers, s.db.Close)
	s.pingers = append(s.pingers, s.db)
	if s.sqlitePath != "" {
		if err := restrictSidecars(s.sqlitePath); err != nil {
			return fail(fmt.Errorf("restricting --database %q: %w", database, err))
		}
	}
	s.users, s.tokens, s.sessions, s.throttle = s.db, s.db, s.db, s.db
	if sc.DjangoDatabase != "" {
		if err := s.openDjango(ctx, sc); err != nil {
			return fail(err)
		}
		return s, nil
	}

	switch sessKind {
	case "memory":
		mem := memory.New(memory.Options{})
		s.sessions = mem
		s.closers = append(s.closers, mem.Close)
	case "postgres":
		if sessionStore == database {
			break // the same database: one pool
		}
		pg, err := postgres.Open(ctx, sessionStore, postgres.Options{})
		if err != nil {
			return fail(fmt.Errorf("opening --session-store %s: %w", redactURL(sessionStore), err))
		}
		s.sessions = pg
		s.closers = append(s.closers, pg.Close)
		s.pingers = append(s.pingers, pg)
	case "redis":
		rs, err := redisstore.Open(ctx, sessionStore, redisstore.Options{})
		if err != nil {
			return fail(fmt.Errorf("opening --session-store %s: %w", redactURL(sessionStore), err))
		}
		s.sessions, s.throttle = rs, rs
		s.closers = append(s.closers, rs.Close)
		s.pingers = append(s.pingers, rs)
	}
	return s, nil
}

// openDjango puts users, sessions and tokens into the Django project's tables.
func (s *stores) openDjango(ctx context.Context, sc storeConfig) error {
	key, err := readDjangoKey(sc.DjangoSecretKeyFile)
	if err != nil {
		return err
	}
	v, hasher, err := djangoHasher(sc)
	if err != nil {
		return err
	}
	_, target, _ := databaseKind(sc.DjangoDatabase)
	dj, err := djangodb.Open(ctx, target, djangodb.Options{
		SecretKey: key, SecretKeyFallbacks: s.fallbacks, CookieAge: sc.SessionAge,
		AuthBackends: sc.DjangoAuthBackends,
	})
	if err != nil {
		return fmt.Errorf("opening --django-database %s: %w", redactURL(sc.DjangoDatabase), err)
	}
	s.closers = append(s.closers, dj.Close)
	s.pingers = append(s.pingers, dj)
	s.users, s.sessions = dj, dj
	if dj.HasTokens() {
		s.tokens = dj // DRF's table; without it, tokens stay in --database
	}
	s.djangoKey = key
	s.hasher = &password.Hasher{Django: hasher}
	if _, ok := hasher.(*password.DjangoArgon2); ok {
		// Django's argon2 costs 100 MiB a computation: at most four at once bound a login flood to
		// 400 MiB, and with eight lanes each, four already keep 32 cores busy.
		s.hasher.MaxConcurrent = min(2*runtime.GOMAXPROCS(0), 4)
	}
	s.maskedCSRF = v.MasksCSRFCookie()
	return nil
}

// passwordHasher is the hasher for new password hashes: Django's default when sharing its user
// table, argon2id otherwise.
func (s *stores) passwordHasher() *password.Hasher {
	if s.hasher != nil {
		return s.hasher
	}
	return &password.Hasher{}
}

// openNotes opens the demo resource's store beside the database (the server only).
func (s *stores) openNotes(ctx context.Context) error {
	var (
		notes interface {
			demo.NoteStore
			Close() error
		}
		err error
	)
	if s.pg != nil {
		notes, err = demo.OpenPostgresNotes(ctx, s.pg.Pool())
	} else {
		notes, err = demo.OpenSQLiteNotes(ctx, s.sqlitePath)
	}
	if err != nil {
		return fmt.Errorf("opening the notes table: %w", err)
	}
	s.notes = notes
	s.closers = append(s.closers, notes.Close)
	return nil
}

// ping checks every store, for /healthz.
func (s *stores) ping(ctx context.Context) error {
	for _, p := range s.pingers {
		if err := p.Ping(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Close closes every store once; later calls return the first result.
func (s *stores) Close() error {
	s.once.Do(func() {
		var errs []error
		for i := len(s.closers) - 1; i >= 0; i-- {
			errs = append(errs, s.closers[i]())
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// userinfoRE finds the user:password@ part of a URL, also in the host lists url.Parse rejects
// (redis+cluster://u:p@h1:6379,h2:6379).
var userinfoRE = regexp.MustCompile(`^([a-zA-Z][a-zA-Z0-9+.-]*://)([^/@]*):([^/@]*)@`)

// redactURL hides the password of a database URL before it is shown in an error.
func redactURL(s string) string {
	return userinfoRE.ReplaceAllString(s, "${1}${2}:xxxxx@")
}
