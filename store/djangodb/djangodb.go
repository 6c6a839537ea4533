package djangodb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/sessionauth/sessionauth/django"
)

// Defaults of the zero-valued Options fields.
const (
	DefaultCookieAge = 14 * 24 * time.Hour // Django's SESSION_COOKIE_AGE
	DefaultTimeout   = 5 * time.Second
)

// Options configure Open.
type Options struct {
	// SecretKey is the Django project's SECRET_KEY: session data is signed with it. Required.
	SecretKey string
	// SecretKeyFallbacks are previous keys (Django's SECRET_KEY_FALLBACKS): session data signed with
	// one of them is still read, and rewritten with SecretKey on its next save.
	SecretKeyFallbacks []string
	// AuthBackends are the project's AUTHENTICATION_BACKENDS (dotted paths); nil means Django's
	// default, django.ModelBackend alone. As in Django's get_user, a session whose _auth_user_backend
	// is not one of them (or is missing) is anonymous here, left as it is in the table. Logins made
	// here are recorded under the first entry, which should be ModelBackend or a subclass: this
	// package checks passwords and is_active as ModelBackend does.
	AuthBackends []string
	// CookieAge is the project's SESSION_COOKIE_AGE; zero means two weeks, Django's default. It dates
	// sessions Django wrote: their last save was expire_date minus CookieAge.
	CookieAge time.Duration
	// Timeout bounds every call whose context has no earlier deadline; zero means DefaultTimeout,
	// negative means no bound.
	Timeout time.Duration
	// Now is the clock that decides expiry; nil means time.Now.
	Now func() time.Time
}

// Store keeps sessions, users and tokens in a Django project's tables. It is safe for concurrent use,
// also beside the Django processes using the same database.
type Store struct {
	db        *sql.DB
	dialect   dialect
	keys      []string        // SecretKey, then the fallbacks
	backends  map[string]bool // Options.AuthBackends
	backend   json.RawMessage // the first of them, as a JSON string: what logins made here record
	cookieAge time.Duration
	timeout   time.Duration
	now       func() time.Time
	hasTokens bool // authtoken_token exists
}

// ErrNoTokenTable is returned by the token methods when the database has no authtoken_token table
// (rest_framework.authtoken is not installed in the Django project).
var ErrNoTokenTable = errors.New("djangodb: the database has no authtoken_token table (is rest_framework.authtoken installed and migrated?)")

// Open connects to the Django project's database, a PostgreSQL URL (postgres:// or postgresql://) or
// the path of a SQLite file, and checks that Django's tables are there. It never creates a database
// or a table: a missing one is an error that says to run Django's migrations.
func Open(ctx context.Context, target string, opts Options) (*Store, error) {
	if opts.SecretKey == "" {
		return nil, errors.New("djangodb: Options.SecretKey is empty; it must be the Django project's SECRET_KEY")
	}
	backends := opts.AuthBackends
	if backends == nil {
		backends = []string{django.ModelBackend}
	}
	if len(backends) == 0 {
		return nil, errors.New("djangodb: Options.AuthBackends is empty; Django refuses an empty AUTHENTICATION_BACKENDS too")
	}
	s := &Store{
		backends:  make(map[string]bool, len(backends)),
		keys:      append([]string{opts.SecretKey}, opts.SecretKeyFallbacks...),
		cookieAge: opts.CookieAge,
		timeout:   opts.Timeout,
		now:       opts.Now,
	}
	for _, b := range backends {
		if b == "" || strings.ContainsAny(b, " \t\n,") {
			return nil, fmt.Errorf("djangodb: Options.AuthBackends: %q is not a dotted path", b)
		}
		s.backends[b] = true
	}
	s.backend, _ = json.Marshal(backends[0]) // a string always encodes
	if s.cookieAge <= 0 {
		s.cookieAge = DefaultCookieAge
	}
	if s.timeout == 0 {
		s.timeout = DefaultTimeout
	}
	if s.now == nil {
		s.now = time.Now
	}
	var err error
	if strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://") {
		s.dialect = postgresDialect
		s.db, err = openPostgres(target)
	} else {
		s.dialect = sqliteDialect
		s.db, err = openSQLite(target)
	}
	if err != nil {
		return nil, err
	}
	if err := s.checkSchema(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

func openPostgres(dbURL string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		return nil, errors.New("djangodb: invalid PostgreSQL URL") // pgx's message may quote the password
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = DefaultTimeout
	}
	return stdlib.OpenDB(*cfg), nil
}

// openSQLite opens an existing database file (never creating one) the way Django's SQLite backend
// uses it: foreign keys enforced, and a busy timeout so that the two sides wait for each other's
// writes. Transactions take the write lock from their start (BEGIN IMMEDIATE), so that a session
// compare-and-swap holds the row from its read to its write.
func openSQLite(path string) (*sql.DB, error) {
	path = strings.TrimPrefix(strings.TrimPrefix(path, "sqlite://"), "file:")
	if path == "" {
		return nil, errors.New("djangodb: empty SQLite path")
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("djangodb: the Django database %s: %w (run Django's migrate first)", path, err)
	}
	q := url.Values{}
	q.Set("mode", "rw")
	q.Set("_busy_timeout", "5000")
	q.Set("_foreign_keys", "on")
	q.Set("_txlock", "immediate")
	escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return sql.Open("sqlite3", "file:"+escaped+"?"+q.Encode())
}

// checkSchema makes sure Django's tables have the columns this package uses.
func (s *Store) checkSchema(ctx context.Context) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	probe := func(table, columns string) error {
		rows, err := s.db.QueryContext(ctx, "SELECT "+columns+" FROM "+table+" WHERE 1 = 0")
		if err != nil {
			return err
		}
		return rows.Close()
	}
	for _, tc := range [][2]string{
		{"django_session", "session_key, session_data, expire_date"},
		{"auth_user", userColumns},
	} {
		table, columns := tc[0], tc[1]
		if err := probe(table, columns); err != nil {
			if ctx.Err() != nil || !s.dialect.missingTable(err) {
				return fmt.Errorf("djangodb: reading %s: %w", table, err)
			}
			return fmt.Errorf("djangodb: the database has no usable %s table (run Django's migrate): %w", table, err)
		}
	}
	err := probe("authtoken_token", `"key", created, user_id`)
	switch {
	case err == nil:
		s.hasTokens = true
	case ctx.Err() != nil || !s.dialect.missingTable(err):
		return fmt.Errorf("djangodb: reading authtoken_token: %w", err)
	}
	return nil
}

// HasTokens reports whether the database has DRF's authtoken_token table; without it the token
// methods fail with ErrNoTokenTable.
func (s *Store) HasTokens() bool { return s.hasTokens }

// Ping checks that the database answers, for health checks.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("djangodb: ping: %w", err)
	}
	return nil
}

// Close closes the connection pool.
func (s *Store) Close() error { return s.db.Close() }

// bound applies Options.Timeout to ctx unless ctx already ends sooner.
func (s *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if s.timeout < 0 {
		return ctx, func() {}
	}
	if d, ok := ctx.Deadline(); ok && time.Until(d) <= s.timeout {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, s.timeout)
}

// dialect holds what differs between Django's SQLite and PostgreSQL schemas.
type dialect struct {
	name string
	// forUpdate locks the rows a SELECT in a transaction reads. SQLite needs nothing: its
	// transactions here hold the database's write lock from BEGIN.
	forUpdate string
}

var (
	sqliteDialect   = dialect{name: "sqlite"}
	postgresDialect = dialect{name: "postgres", forUpdate: " FOR UPDATE"}
)

// djangoTimeLayout is how Django's SQLite backend writes a datetime (str() of an aware UTC datetime
// made naive): microseconds only when there are some.
const (
	djangoTimeLayout      = "2006-01-02 15:04:05"
	djangoTimeLayoutMicro = "2006-01-02 15:04:05.000000"
)

// timeArg is t as a query argument in the form Django stores: UTC text on SQLite (so that the text
// comparisons SQLite makes order times correctly), a timestamp on PostgreSQL.
func (d dialect) timeArg(t time.Time) any {
	t = t.UTC().Truncate(time.Microsecond)
	if d.name == "postgres" {
		return t
	}
	if t.Nanosecond() == 0 {
		return t.Format(djangoTimeLayout)
	}
	return t.Format(djangoTimeLayoutMicro)
}

// nullTimeArg is timeArg, or NULL for the zero time.
func (d dialect) nullTimeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return d.timeArg(t)
}

// unique reports a UNIQUE or PRIMARY KEY violation.
func (d dialect) unique(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// foreignKey reports a FOREIGN KEY violation.
func (d dialect) foreignKey(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.ExtendedCode == sqlite3.ErrConstraintForeignKey
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503"
}

// missingTable reports an error for a table or column that does not exist.
func (d dialect) missingTable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "42P01" || pe.Code == "42703" // undefined_table, undefined_column
	}
	msg := err.Error()
	return strings.Contains(msg, "no such table") || strings.Contains(msg, "no such column")
}

// representable reports whether the database can hold s: PostgreSQL text takes neither NUL bytes nor
// invalid UTF-8, so no stored username, key or id contains them.
func (d dialect) representable(s string) bool {
	return d.name != "postgres" || (utf8.ValidString(s) && !strings.ContainsRune(s, 0))
}

// dbTime scans a datetime column as either driver gives it: time.Time (PostgreSQL, and SQLite
// columns declared datetime), text in Django's SQLite format, or NULL (the zero time).
type dbTime struct{ t time.Time }

func (d *dbTime) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		d.t = time.Time{}
	case time.Time:
		d.t = v.UTC()
	case string:
		return d.parse(v)
	case []byte:
		return d.parse(string(v))
	default:
		return fmt.Errorf("djangodb: cannot read %T as a time", v)
	}
	return nil
}

func (d *dbTime) parse(s string) error {
	for _, layout := range []string{"2006-01-02 15:04:05.999999", time.RFC3339Nano, "2006-01-02 15:04:05.999999-07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			d.t = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("djangodb: cannot read %q as a time", s)
}
