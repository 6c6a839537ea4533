package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/sessionauth/sessionauth/internal/demo"
	"github.com/sessionauth/sessionauth/session"
	"github.com/sessionauth/sessionauth/store/memory"
	"github.com/sessionauth/sessionauth/store/sqlite"
)

// stores are the backends named by --database and --session-store.
type stores struct {
	db       *sqlite.Store // users, tokens, throttle counters, settings
	sessions session.Store
	mem      *memory.Store // when sessions live in memory
	notes    demo.NoteStore
	closers  []func() error
	once     sync.Once
	closeErr error
}

// sqlitePath turns a --database value into a SQLite file path.
func sqlitePath(database string) (string, error) {
	switch {
	case strings.HasPrefix(database, "postgres://"), strings.HasPrefix(database, "postgresql://"):
		return "", errors.New("PostgreSQL is not supported by this build yet")
	case strings.HasPrefix(database, "sqlite://"):
		database = strings.TrimPrefix(database, "sqlite://")
	case strings.HasPrefix(database, "file:"):
		database = strings.TrimPrefix(database, "file:")
	case strings.Contains(database, "://"):
		return "", errors.New("want a SQLite file path or sqlite:// URL")
	}
	if database == "" {
		return "", errors.New("must not be empty")
	}
	return database, nil
}

// checkStores validates --database and --session-store without opening anything.
func checkStores(database, sessionStore string) error {
	if _, err := sqlitePath(database); err != nil {
		return errFlag("database", redactURL(database), err)
	}
	switch sessionStore {
	case "sqlite", "memory":
		return nil
	}
	return errFlag("session-store", sessionStore, errors.New("want sqlite or memory"))
}

func openStores(ctx context.Context, database, sessionStore string) (*stores, error) {
	if err := checkStores(database, sessionStore); err != nil {
		return nil, err
	}
	path, _ := sqlitePath(database)
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		return nil, fmt.Errorf("opening --database %q: %w", database, err)
	}
	s := &stores{db: db, sessions: db}
	s.closers = append(s.closers, db.Close)
	if sessionStore == "memory" {
		s.mem = memory.New(memory.Options{})
		s.sessions = s.mem
		s.closers = append(s.closers, s.mem.Close)
	}
	return s, nil
}

// openNotes opens the demo resource's store beside the database (the server only).
func (s *stores) openNotes(ctx context.Context, database string) error {
	path, _ := sqlitePath(database)
	notes, err := demo.OpenSQLiteNotes(ctx, path)
	if err != nil {
		return fmt.Errorf("opening the notes table in %q: %w", database, err)
	}
	s.notes = notes
	s.closers = append(s.closers, notes.Close)
	return nil
}

// ping checks every store, for /healthz.
func (s *stores) ping(ctx context.Context) error {
	return s.db.Ping(ctx)
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

// redactURL hides the password of a database URL before it is shown in an error.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
	}
	return s
}
