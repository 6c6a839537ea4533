// Package sqlite is the embedded default store: sessions, users, API tokens, throttle counters and
// server settings in one SQLite file, in WAL mode, with versioned migrations applied when it opens.
//
// Writes go through one connection (SQLite has one writer at a time; queueing in the process is
// cheaper than lock retries), reads through a small pool. Other processes — the admin CLI — may use
// the file at the same time; they wait for the write lock up to a busy timeout.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Options configure Open. The zero value is ready to use.
type Options struct {
	// ReadConns is the size of the read pool; zero means 4.
	ReadConns int
	// SweepInterval is how often expired sessions and old throttle entries are removed; zero means
	// DefaultSweepInterval, negative disables the sweeper (DeleteExpired still works).
	SweepInterval time.Duration
	// Now is the clock used to decide expiry; nil means time.Now.
	Now func() time.Time
	// CacheCheckInterval bounds how long a change made by another process (the admin CLI) can go
	// unseen by this Store's read cache; zero means 1 ms, negative disables the cache. Changes made
	// through this Store are seen at once.
	CacheCheckInterval time.Duration
}

// DefaultSweepInterval is the sweeper's period when Options.SweepInterval is zero.
const DefaultSweepInterval = 5 * time.Minute

// Store is a SQLite-backed store. It implements session.Store (with UserIndex and ExpiredDeleter),
// auth.UserStore, auth.TokenStore and throttle.Store. It is safe for concurrent use.
type Store struct {
	w, r *sql.DB
	now  func() time.Time

	stmts statements
	cache *cache // nil when disabled

	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}
}

// Open opens (creating if needed) the database file at path and migrates its schema.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("sqlite: database directory: %w", err)
		}
	}
	w, err := openDB(path, true)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, err
	}
	r, err := openDB(path, false)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	n := opts.ReadConns
	if n <= 0 {
		n = 4
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxLifetime(0)
	s := &Store{w: w, r: r, now: opts.Now, stop: make(chan struct{}), done: make(chan struct{})}
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.stmts.prepare(ctx, w, r); err != nil {
		s.w.Close()
		s.r.Close()
		return nil, err
	}
	if opts.CacheCheckInterval >= 0 {
		ci := opts.CacheCheckInterval
		if ci == 0 {
			ci = time.Millisecond
		}
		if s.cache, err = newCache(w, ci); err != nil {
			s.stmts.close()
			s.w.Close()
			s.r.Close()
			return nil, fmt.Errorf("sqlite: %w", err)
		}
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

// Close stops the sweeper and closes the database.
func (s *Store) Close() error {
	s.stopOnce.Do(func() { close(s.stop) })
	<-s.done
	if s.cache != nil {
		s.cache.close()
	}
	s.stmts.close()
	return errors.Join(s.r.Close(), s.w.Close())
}

// Ping checks that the database answers (for health checks).
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.r.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

func (s *Store) sweeper(interval time.Duration) {
	defer close(s.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), interval)
			s.DeleteExpired(ctx)
			s.deleteOldHits(ctx)
			cancel()
		}
	}
}

func nanos(t time.Time) int64 { return t.UnixNano() }
func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Setting returns a server setting stored in the database ("" and false when unset).
func (s *Store) Setting(ctx context.Context, name string) (string, bool, error) {
	var v string
	err := s.r.QueryRowContext(ctx, "SELECT value FROM settings WHERE name = ?", name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return v, err == nil, err
}

// SetSetting stores a setting, replacing any previous value.
func (s *Store) SetSetting(ctx context.Context, name, value string) error {
	_, err := s.w.ExecContext(ctx, "INSERT INTO settings(name, value) VALUES(?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value", name, value)
	return err
}

// SetSettingOnce stores a setting unless it exists, and returns the stored value (so that two
// processes starting together agree on one value).
func (s *Store) SetSettingOnce(ctx context.Context, name, value string) (string, error) {
	if _, err := s.w.ExecContext(ctx, "INSERT INTO settings(name, value) VALUES(?, ?) ON CONFLICT(name) DO NOTHING", name, value); err != nil {
		return "", err
	}
	var v string
	err := s.w.QueryRowContext(ctx, "SELECT value FROM settings WHERE name = ?", name).Scan(&v)
	return v, err
}
