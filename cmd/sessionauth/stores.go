package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/internal/demo"
	"github.com/sessionauth/sessionauth/session"
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
	Ping(ctx context.Context) error
	Close() error
}

// pinger is a store that can say whether it answers, for /healthz.
type pinger interface {
	Ping(ctx context.Context) error
}

// stores are the backends named by --database and --session-store.
type stores struct {
	db       database
	sessions session.Store
	throttle throttle.Store // login and API throttles: Redis when sessions are there, else the database
	notes    demo.NoteStore
	pingers  []pinger
	closers  []func() error
	once     sync.Once
	closeErr error

	sqlitePath string          // when --database is SQLite
	pg         *postgres.Store // when --database is PostgreSQL
}

// databaseKind tells what --database names: "sqlite" with a file path, or "postgres" with the URL.
func databaseKind(database string) (kind, target string, err error) {
	switch {
	case strings.HasPrefix(database, "postgres://"), strings.HasPrefix(database, "postgresql://"):
		if _, err := url.Parse(database); err != nil {
			return "", "", errors.New("not a valid PostgreSQL URL")
		}
		return "postgres", database, nil
	case strings.HasPrefix(database, "sqlite://"):
		database = strings.TrimPrefix(database, "sqlite://")
	case strings.HasPrefix(database, "file:"):
		database = strings.TrimPrefix(database, "file:")
	case strings.Contains(database, "://"):
		return "", "", errors.New("want a SQLite file path, a sqlite:// URL or a postgres:// URL")
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

// checkStores validates --database and --session-store without opening anything.
func checkStores(database, sessionStore string) error {
	dbKind, _, err := databaseKind(database)
	if err != nil {
		return errFlag("database", redactURL(database), err)
	}
	if _, err := sessionStoreKind(sessionStore, dbKind); err != nil {
		return errFlag("session-store", redactURL(sessionStore), err)
	}
	return nil
}

func openStores(ctx context.Context, database, sessionStore string) (*stores, error) {
	if err := checkStores(database, sessionStore); err != nil {
		return nil, err
	}
	dbKind, target, _ := databaseKind(database)
	sessKind, _ := sessionStoreKind(sessionStore, dbKind)

	s := &stores{}
	fail := func(err error) (*stores, error) {
		s.Close()
		return nil, err
	}
	switch dbKind {
	case "sqlite":
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
	s.sessions, s.throttle = s.db, s.db

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
