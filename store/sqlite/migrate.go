package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// migrations are applied in order, each once, in one transaction each; never edit an applied one,
// append a new one.
var migrations = []string{
	// 1: the initial schema.
	`CREATE TABLE sessions (
		id         TEXT PRIMARY KEY,
		user_id    TEXT NOT NULL DEFAULT '',
		data       TEXT NOT NULL,
		created    INTEGER NOT NULL,
		last_seen  INTEGER NOT NULL,
		expires    INTEGER NOT NULL,
		transient  INTEGER NOT NULL DEFAULT 0,
		ip         TEXT NOT NULL DEFAULT '',
		user_agent TEXT NOT NULL DEFAULT '',
		version    INTEGER NOT NULL
	) WITHOUT ROWID;
	CREATE INDEX sessions_user ON sessions(user_id) WHERE user_id <> '';
	CREATE INDEX sessions_expires ON sessions(expires);

	CREATE TABLE users (
		id           INTEGER PRIMARY KEY AUTOINCREMENT,
		username     TEXT NOT NULL UNIQUE,
		email        TEXT NOT NULL DEFAULT '',
		password     TEXT NOT NULL,
		is_active    INTEGER NOT NULL DEFAULT 1,
		is_staff     INTEGER NOT NULL DEFAULT 0,
		is_superuser INTEGER NOT NULL DEFAULT 0,
		date_joined  INTEGER NOT NULL,
		last_login   INTEGER NOT NULL DEFAULT 0
	);

	CREATE TABLE tokens (
		id       INTEGER PRIMARY KEY AUTOINCREMENT,
		user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		name     TEXT NOT NULL,
		key_hash TEXT NOT NULL UNIQUE,
		created  INTEGER NOT NULL
	);
	CREATE INDEX tokens_user ON tokens(user_id);

	CREATE TABLE throttle_hits (
		key TEXT NOT NULL,
		at  INTEGER NOT NULL
	);
	CREATE INDEX throttle_hits_key ON throttle_hits(key, at);

	CREATE TABLE settings (
		name  TEXT PRIMARY KEY,
		value TEXT NOT NULL
	) WITHOUT ROWID;`,
}

// migrate brings the schema up to date. BEGIN IMMEDIATE (the write pool's mode) makes concurrent
// openers take turns, so each migration runs once.
func migrate(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return fmt.Errorf("sqlite: creating schema_migrations: %w", err)
	}
	for i, m := range migrations {
		version := i + 1
		if err := applyOne(ctx, db, version, m); err != nil {
			return fmt.Errorf("sqlite: migration %d: %w", version, err)
		}
	}
	return nil
}

func applyOne(ctx context.Context, db *sql.DB, version int, stmt string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE version = ?", version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, stmt); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations(version, applied_at) VALUES(?, ?)", version, time.Now().UnixNano()); err != nil {
		return err
	}
	return tx.Commit()
}

// SchemaVersion reports the latest applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.r.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&v)
	return v, err
}
