package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver, the one store/sqlite uses
)

// SQLiteNotes is a NoteStore in the server's SQLite file, in a table of its own (demo_notes), so that
// the library's stores stay free of demo tables. Open it with OpenSQLiteNotes.
type SQLiteNotes struct {
	db *sql.DB
}

const notesSchema = `
CREATE TABLE IF NOT EXISTS demo_notes (
	id      INTEGER PRIMARY KEY AUTOINCREMENT, -- AUTOINCREMENT: ids are never reused
	owner   INTEGER NOT NULL,
	title   TEXT    NOT NULL,
	body    TEXT    NOT NULL,
	created INTEGER NOT NULL, -- Unix nanoseconds, as store/sqlite keeps times
	updated INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS demo_notes_owner ON demo_notes (owner, id);`

// OpenSQLiteNotes opens (creating if needed) the demo_notes table in the SQLite database at path. It
// uses its own connection pool, in WAL mode with a busy timeout, so it can share the file with the
// server's store: writers queue on SQLite's lock instead of failing.
func OpenSQLiteNotes(ctx context.Context, path string) (*SQLiteNotes, error) {
	if path == "" {
		return nil, errors.New("demo: empty database path")
	}
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "NORMAL")
	q.Set("_busy_timeout", "5000")
	q.Set("_txlock", "immediate")
	escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	db, err := sql.Open("sqlite3", "file:"+escaped+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	if _, err := db.ExecContext(ctx, notesSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("demo: creating demo_notes: %w", err)
	}
	return &SQLiteNotes{db: db}, nil
}

// Close closes the connection pool.
func (s *SQLiteNotes) Close() error { return s.db.Close() }

// CreateNote implements NoteStore.
func (s *SQLiteNotes) CreateNote(ctx context.Context, n *Note) error {
	res, err := s.db.ExecContext(ctx,
		`INSERT INTO demo_notes (owner, title, body, created, updated) VALUES (?, ?, ?, ?, ?)`,
		n.Owner, n.Title, n.Body, n.Created.UnixNano(), n.Updated.UnixNano())
	if err != nil {
		return fmt.Errorf("demo: creating a note: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("demo: creating a note: %w", err)
	}
	n.ID = id
	return nil
}

// Note implements NoteStore.
func (s *SQLiteNotes) Note(ctx context.Context, id int64) (*Note, error) {
	row := s.db.QueryRowContext(ctx, `SELECT id, owner, title, body, created, updated FROM demo_notes WHERE id = ?`, id)
	n, err := scanNote(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoteNotFound
	}
	return n, err
}

// Notes implements NoteStore.
func (s *SQLiteNotes) Notes(ctx context.Context, owner int64) ([]*Note, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT id, owner, title, body, created, updated FROM demo_notes WHERE owner = ? ORDER BY id`, owner)
	if err != nil {
		return nil, fmt.Errorf("demo: listing notes: %w", err)
	}
	defer rows.Close()
	out := []*Note{}
	for rows.Next() {
		n, err := scanNote(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("demo: listing notes: %w", err)
	}
	return out, nil
}

// UpdateNote implements NoteStore.
func (s *SQLiteNotes) UpdateNote(ctx context.Context, n *Note) error {
	res, err := s.db.ExecContext(ctx, `UPDATE demo_notes SET title = ?, body = ?, updated = ? WHERE id = ? AND owner = ?`,
		n.Title, n.Body, n.Updated.UnixNano(), n.ID, n.Owner)
	return affectedOne(res, err, "updating")
}

// DeleteNote implements NoteStore.
func (s *SQLiteNotes) DeleteNote(ctx context.Context, owner, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM demo_notes WHERE id = ? AND owner = ?`, id, owner)
	return affectedOne(res, err, "deleting")
}

// affectedOne turns "no row matched" into ErrNoteNotFound.
func affectedOne(res sql.Result, err error, what string) error {
	if err != nil {
		return fmt.Errorf("demo: %s a note: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("demo: %s a note: %w", what, err)
	}
	if n == 0 {
		return ErrNoteNotFound
	}
	return nil
}

func scanNote(row interface{ Scan(...any) error }) (*Note, error) {
	var n Note
	var created, updated int64
	if err := row.Scan(&n.ID, &n.Owner, &n.Title, &n.Body, &created, &updated); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		return nil, fmt.Errorf("demo: reading a note: %w", err)
	}
	n.Created, n.Updated = time.Unix(0, created).UTC(), time.Unix(0, updated).UTC()
	return &n, nil
}
