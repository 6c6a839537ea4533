// Package postgres is the store for several server instances sharing one PostgreSQL database:
// sessions, users, API tokens, throttle counters and server settings, in tables prefixed
// sessionauth_ so that they can live beside other applications' tables (Django's, for example).
//
// Sessions, tokens and throttle counters are never cached: every instance reads the database, so a
// logout, a revoked session or a deleted token takes effect on all instances at once. Writes that
// must be atomic are one SQL statement (the session compare-and-swap) or run server-side under a
// transaction-scoped advisory lock (a throttle hit), so they stay atomic across instances.
//
// # The user cache
//
// User (the lookup every session-authenticated request makes after loading its session) is served
// from an in-process cache, on by default; Options.UserCacheTTL < 0 turns it off. UserByUsername
// (logins), Users and TokenUser always read the database. The cache is kept current across
// instances with LISTEN/NOTIFY:
//
//   - A trigger on sessionauth_users (migration 2) sends the id of every updated or deleted row,
//     whoever the writer is (another instance, the admin CLI, plain SQL), on a channel named after
//     the table's OID; PostgreSQL delivers it when the writing transaction commits. A TRUNCATE
//     sends "*", which empties every cache.
//   - Each Store keeps one dedicated connection (outside the pool) LISTENing on that channel and
//     drops the user named by each notification. UpdateUser also drops the user in its own process
//     at once, without waiting for the notification.
//   - A read that raced with a change cannot put the old row back: every invalidation bumps an
//     epoch, and a read inserts what it got only if the epoch has not moved since before its query.
//   - When the listener's connection fails, the cache is emptied and bypassed (every User reads the
//     database) until the listener has reconnected and LISTENed again; it is emptied once more then,
//     since notifications sent in between were lost. A link that stalls without closing is found
//     by a ping after every second of silence that must answer within two seconds; entries are only
//     served while the last proof of a working link is younger than that (the lease). Reconnection
//     backs off from 50 ms to 2 s. Close stops the listener and closes its connection.
//   - Entries are bounded in number (Options.UserCacheSize, evicted at random beyond it) and in age
//     (Options.UserCacheTTL, default 5 s), the last line of defence against a lost notification.
//
// What remains: a user row changed through instance A (or by SQL) is seen by instance B's cache
// after the notification's latency, the time for the commit to reach B's listener (well under a
// millisecond on one host, a network round trip between hosts); before that, B's User answers with
// the previous row. At worst, when the link dies without closing, that is the lease (about three
// and a half seconds), and never more than the TTL. This does not let a session live on after it
// was ended: auth.Manager deletes sessions in the shared session store before it answers, and the
// session lookup that precedes User on every request is not cached (neither this package nor
// store/redis caches sessions). Precisely: logout and session revocation delete the session
// record; SetActive(false) and SetPassword (the CLI's) update the row, then delete every session of
// the user (RevokeUserSessions) and return the deletion's error; ChangePassword updates the row
// and deletes the user's other sessions, but only logs a warning if that deletion fails; and all
// three skip the deletion when the session store has no per-user index (session.UserIndex; every
// store in this module has one). In those last two cases the rejection of the old sessions rests
// on the session auth hash (or is_active) check against User, which on other instances takes
// effect after the notification's latency. Changes made by SQL alone (deactivating or deleting a
// user, demoting a superuser) have the same latency. The opposite
// mistake is also possible within that window: a request that reaches B right after the user's
// own password change on A may still see the old hash on B and be logged out; UserUncached reads
// the database for a caller that wants to check before acting on such an answer.
//
// The listener needs a session-level connection: through a pooler in transaction mode (PgBouncer's
// pool_mode=transaction), LISTEN does not work and the cache must be turned off. Every writer of
// the table pays for the trigger: PostgreSQL serialises the commits of transactions that sent
// notifications in one database.
//
// The schema is versioned: Open applies the missing migrations in one transaction, serialised across
// instances that start together by an advisory lock, so any number of instances may start at once.
//
// Times are kept as timestamptz, at PostgreSQL's microsecond precision; they come back in UTC.
// PostgreSQL text cannot hold NUL bytes or invalid UTF-8: the client's IP and User-Agent are stored
// with such bytes replaced, lookups of such a username, token hash or session id report "not found",
// and creating a user or token with such a name fails with an error.
//
// # Tests
//
// The tests need a server. They read its URL from SESSIONAUTH_TEST_POSTGRES_URL and are skipped
// when it is unset (they fail instead when SESSIONAUTH_REQUIRE_SERVICES=1). The role needs the
// right to create schemas: every test works in a fresh schema of its own (Options.Schema), dropped at
// the end, so tests run in parallel and repeatedly against one database. With the services of
// .ci/services.sh:
//
//	eval "$(.ci/services.sh)"
//	go test -race ./store/postgres
//	go test -run '^$' -bench . ./store/postgres
package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessionauth/sessionauth/internal/deadline"
)

// Options configure Open. The zero value is ready to use.
type Options struct {
	// Schema is the schema that holds the tables. Empty means the connection's search_path decides
	// (normally "public"). Otherwise every connection's search_path is set to this schema alone, and
	// Open creates the schema when it does not exist.
	Schema string
	// MaxConns is the size of the connection pool; zero means the URL's pool_max_conns, or pgxpool's
	// default (the larger of 4 and the number of CPUs).
	MaxConns int32
	// ConnectTimeout bounds each attempt to open a connection; zero means the URL's connect_timeout,
	// or DefaultConnectTimeout. Open also honours its context's deadline.
	ConnectTimeout time.Duration
	// SweepInterval is how often expired sessions and old throttle hits are removed; zero means
	// DefaultSweepInterval, negative disables the sweeper (DeleteExpired still works). Every instance
	// may run its sweeper: the deletes skip rows another instance is deleting.
	SweepInterval time.Duration
	// Now is the clock used to decide expiry; nil means time.Now.
	Now func() time.Time
	// Timeout bounds every call whose context has no earlier deadline, so that a database that has
	// stopped answering (but not closed its connections) turns into errors rather than requests that
	// hang; zero means DefaultTimeout, negative means no bound. DeleteExpired is not bounded.
	Timeout time.Duration
	// UserCacheTTL is the longest a user read by User is served from this process's memory before
	// the database is asked again; zero means DefaultUserCacheTTL. The cache is kept current by
	// LISTEN/NOTIFY (see the package documentation); the TTL is only the last line of defence. A
	// negative value turns the cache off: every User call reads the database.
	UserCacheTTL time.Duration
	// UserCacheSize bounds how many users the cache holds (one is evicted at random for a new one
	// beyond that); zero means DefaultUserCacheSize, negative turns the cache off.
	UserCacheSize int
}

// internalOptions are knobs for the package's own tests.
type internalOptions struct {
	listenURL   string        // the listener's connection string, when not dbURL's
	heartbeat   time.Duration // 0: defaultHeartbeat
	pingTimeout time.Duration // 0: defaultPingTimeout
}

// DefaultTimeout is the bound on one call when Options.Timeout is zero.
const DefaultTimeout = 5 * time.Second

// DefaultSweepInterval is the sweeper's period when Options.SweepInterval is zero.
const DefaultSweepInterval = 5 * time.Minute

// DefaultConnectTimeout bounds a connection attempt when neither Options.ConnectTimeout nor the URL's
// connect_timeout does.
const DefaultConnectTimeout = 5 * time.Second

// Store is a PostgreSQL-backed store. It implements session.Store (with session.UserIndex and
// session.ExpiredDeleter), auth.UserStore, auth.TokenStore and throttle.Store. It is safe for
// concurrent use, also by several processes sharing the database.
type Store struct {
	pool *pgxpool.Pool
	now  func() time.Time

	timeout  time.Duration // > 0: the bound of every call (Options.Timeout)
	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}

	users    *userCache // nil: no user cache (Options.UserCacheTTL < 0)
	listener *listener  // keeps users current; nil with users
}

// Open connects to the database named by dbURL (postgres://user:password@host:port/dbname?options, or
// any connection string pgx accepts), checks that it answers and migrates the schema. It fails, with
// an error that names the problem and never the password, when the server cannot be reached within
// ctx's deadline and the connect timeout.
func Open(ctx context.Context, dbURL string, opts Options) (*Store, error) {
	return openInternal(ctx, dbURL, opts, internalOptions{})
}

func openInternal(ctx context.Context, dbURL string, opts Options, in internalOptions) (*Store, error) {
	s, err := open(ctx, dbURL, opts, in)
	if err != nil {
		return nil, redact(err, dbURL)
	}
	return s, nil
}

// parseConfig reads dbURL and applies opts to it.
func parseConfig(dbURL string, opts Options) (*pgxpool.Config, error) {
	if strings.TrimSpace(dbURL) == "" {
		return nil, errors.New("postgres: empty database URL")
	}
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return nil, fmt.Errorf("postgres: invalid database URL: %w", err)
	}
	if opts.Schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{opts.Schema}.Sanitize()
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	if opts.ConnectTimeout > 0 {
		cfg.ConnConfig.ConnectTimeout = opts.ConnectTimeout
	} else if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = DefaultConnectTimeout
	}
	return cfg, nil
}

func open(ctx context.Context, dbURL string, opts Options, in internalOptions) (*Store, error) {
	cfg, err := parseConfig(dbURL, opts)
	if err != nil {
		return nil, err
	}
	listenCfg := cfg
	if in.listenURL != "" {
		if listenCfg, err = parseConfig(in.listenURL, opts); err != nil {
			return nil, err
		}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: cannot reach the database %s: %w", describe(cfg.ConnConfig), err)
	}
	if err := migrate(ctx, pool, opts.Schema); err != nil {
		pool.Close()
		return nil, err
	}
	s := &Store{pool: pool, now: opts.Now, timeout: opts.Timeout, stop: make(chan struct{}), done: make(chan struct{})}
	if s.timeout == 0 {
		s.timeout = DefaultTimeout
	}
	if s.now == nil {
		s.now = time.Now
	}
	if opts.UserCacheTTL >= 0 && opts.UserCacheSize >= 0 {
		ttl, size := opts.UserCacheTTL, opts.UserCacheSize
		if ttl == 0 {
			ttl = DefaultUserCacheTTL
		}
		if size == 0 {
			size = DefaultUserCacheSize
		}
		heartbeat, pingTimeout := in.heartbeat, in.pingTimeout
		if heartbeat <= 0 {
			heartbeat = defaultHeartbeat
		}
		if pingTimeout <= 0 {
			pingTimeout = defaultPingTimeout
		}
		// The lease outlasts a heartbeat plus a ping that takes its whole timeout, so that a healthy
		// listener never lets it lapse; a failed ping ends it at once.
		s.users = newUserCache(ttl, size, heartbeat+pingTimeout+heartbeat/2)
		s.listener = startListener(s.users, &listenCfg.ConnConfig.Config, heartbeat, pingTimeout)
	}
	interval := opts.SweepInterval
	if interval == 0 {
		interval = DefaultSweepInterval
	}
	if interval > 0 {
		go s.sweeper(interval)
	} else {
		close(s.done)
	}
	return s, nil
}

// describe names a server for error messages: host, port, database and user, never the password.
func describe(c *pgx.ConnConfig) string {
	return fmt.Sprintf("%q as %q at %s:%d", c.Database, c.User, c.Host, c.Port)
}

// redact removes the password of rawURL from err's message (pgx already masks it; this also covers
// connection strings it cannot parse), keeping err's chain for errors.Is and errors.As.
func redact(err error, rawURL string) error {
	msg := err.Error()
	clean := msg
	for _, p := range passwords(rawURL) {
		clean = strings.ReplaceAll(clean, p, "xxxxx")
	}
	if clean == msg {
		return err
	}
	return &redactedError{msg: clean, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// passwords lists the password spellings rawURL may contain: the userinfo password, raw and decoded,
// and password or sslpassword parameters.
func passwords(rawURL string) []string {
	var out []string
	add := func(p string) {
		if len(p) >= 3 { // shorter strings would mask unrelated parts of the message
			out = append(out, p)
		}
	}
	if i := strings.Index(rawURL, "://"); i >= 0 {
		authority := rawURL[i+3:]
		if end := strings.IndexByte(authority, '/'); end >= 0 {
			authority = authority[:end]
		}
		if at := strings.LastIndex(authority, "@"); at >= 0 { // a raw @ may be part of the password
			if _, p, ok := strings.Cut(authority[:at], ":"); ok {
				add(p)
				if d, err := url.PathUnescape(p); err == nil && d != p {
					add(d)
				}
			}
		}
	}
	if u, err := url.Parse(rawURL); err == nil {
		for _, k := range []string{"password", "sslpassword"} {
			add(u.Query().Get(k))
		}
	}
	for _, field := range strings.Fields(rawURL) { // keyword/value form: password=secret
		for _, k := range []string{"password=", "sslpassword="} {
			if v, ok := strings.CutPrefix(field, k); ok {
				add(strings.Trim(v, "'"))
			}
		}
	}
	return out
}

// Pool returns the store's connection pool, for tables of the application's own in the same database
// (the demo notes, for example). The pool belongs to the Store: do not close it.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close stops the sweeper and the user cache's listener (closing its connection) and closes the
// connection pool, waiting for connections in use.
func (s *Store) Close() error {
	s.stopOnce.Do(func() { close(s.stop) })
	<-s.done
	if s.listener != nil {
		s.listener.stop()
	}
	s.pool.Close()
	return nil
}

// bound limits ctx to the store's timeout (see deadline.Within).
func (s *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	return deadline.Within(ctx, s.timeout)
}

// Ping checks that the database answers (for health checks).
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

func (s *Store) sweeper(interval time.Duration) {
	defer close(s.done)
	// Close cancels a sweep in progress rather than wait for it (the server may be unreachable).
	base, cancelAll := context.WithCancel(context.Background())
	defer cancelAll()
	go func() {
		select {
		case <-s.stop:
			cancelAll()
		case <-base.Done():
		}
	}()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(base, interval)
			s.DeleteExpired(ctx)
			s.deleteOldHits(ctx)
			cancel()
		}
	}
}

// Setting returns a server setting stored in the database ("" and false when unset).
func (s *Store) Setting(ctx context.Context, name string) (string, bool, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var v string
	err := s.pool.QueryRow(ctx, "SELECT value FROM sessionauth_settings WHERE name = $1", name).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("postgres: reading setting %q: %w", name, err)
	}
	return v, true, nil
}

// SetSetting stores a setting, replacing any previous value.
func (s *Store) SetSetting(ctx context.Context, name, value string) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if _, err := s.pool.Exec(ctx, "INSERT INTO sessionauth_settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value", name, value); err != nil {
		return fmt.Errorf("postgres: storing setting %q: %w", name, err)
	}
	return nil
}

// SetSettingOnce stores a setting unless it exists, and returns the stored value, so that instances
// starting together agree on one value (the first insert wins; the others read it).
func (s *Store) SetSettingOnce(ctx context.Context, name, value string) (string, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	// Two statements: the INSERT waits for a concurrent insert of the same name to commit, and the
	// SELECT, with a snapshot taken after that, sees the winner's value.
	if _, err := s.pool.Exec(ctx, "INSERT INTO sessionauth_settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", name, value); err != nil {
		return "", fmt.Errorf("postgres: storing setting %q: %w", name, err)
	}
	var v string
	if err := s.pool.QueryRow(ctx, "SELECT value FROM sessionauth_settings WHERE name = $1", name).Scan(&v); err != nil {
		return "", fmt.Errorf("postgres: reading setting %q: %w", name, err)
	}
	return v, nil
}

// validText reports whether PostgreSQL text can hold s (valid UTF-8 without NUL bytes).
func validText(s string) bool {
	return utf8.ValidString(s) && !strings.Contains(s, "\x00")
}

// cleanText makes s storable as text: invalid UTF-8 becomes U+FFFD and NUL bytes are dropped.
func cleanText(s string) string {
	if validText(s) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// errInvalidText is returned for a value PostgreSQL text cannot hold.
var errInvalidText = errors.New("contains a NUL byte or invalid UTF-8, which PostgreSQL text cannot hold")

// pgCode returns the SQLSTATE of a server error and the constraint it names ("" when err is not one).
func pgCode(err error) (code, constraint string) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code, pe.ConstraintName
	}
	return "", ""
}

// SQLSTATE codes this package handles.
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
)
