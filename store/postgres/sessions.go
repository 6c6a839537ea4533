package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sessionauth/sessionauth/session"
)

const sessionColumns = "user_id, data, created, last_seen, expires, transient, ip, user_agent, version"

// sessionRow holds the scan destinations of sessionColumns (and an id), reused through rowPool: a
// Load then allocates for the record's contents only, not for every destination.
type sessionRow struct {
	id, userID, ip, userAgent  string
	data                       reusedBytes
	created, lastSeen, expires pgtype.Timestamptz // scanned without reflection
	transient                  bool
	version                    int64
	dest, destWithID           []any
}

var rowPool = sync.Pool{New: func() any {
	r := new(sessionRow)
	r.dest = []any{&r.userID, &r.data, &r.created, &r.lastSeen, &r.expires, &r.transient, &r.ip, &r.userAgent, &r.version}
	r.destWithID = append([]any{&r.id}, r.dest...)
	return r
}}

// reusedBytes is a bytea scan destination that keeps its buffer from one scan to the next. (A struct:
// pgx would scan a named []byte type as a plain []byte, into a new buffer.)
type reusedBytes struct{ b []byte }

// ScanBytes implements pgtype.BytesScanner; v is only valid during the call, so it is copied.
func (r *reusedBytes) ScanBytes(v []byte) error {
	r.b = append(r.b[:0], v...)
	return nil
}

// maxPooledData bounds the data buffer a pooled sessionRow keeps (a rare huge session does not pin
// its buffer in the pool).
const maxPooledData = 64 << 10

func putRow(r *sessionRow) {
	if cap(r.data.b) > maxPooledData {
		r.data.b = nil
	}
	rowPool.Put(r)
}

// scan reads a row of sessionColumns, preceded by id when withID, into rec.
func (r *sessionRow) scan(row pgx.Row, withID bool, rec *session.Record) error {
	dest := r.dest
	if withID {
		dest = r.destWithID
	}
	if err := row.Scan(dest...); err != nil {
		return err
	}
	data, err := session.DecodeData(r.data.b)
	if err != nil {
		return err
	}
	*rec = session.Record{
		Data: data, UserID: r.userID,
		Created: r.created.Time.UTC(), LastSeen: r.lastSeen.Time.UTC(), Expires: r.expires.Time.UTC(),
		Transient: r.transient, IP: r.ip, UserAgent: r.userAgent, Version: uint64(r.version),
	}
	return nil
}

// Load implements session.Store: one indexed read, no cache.
func (s *Store) Load(ctx context.Context, id string) (session.Record, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if !validText(id) {
		return session.Record{}, session.ErrNotFound // text cannot hold it, so no record has it
	}
	var rec session.Record
	r := rowPool.Get().(*sessionRow)
	err := r.scan(s.pool.QueryRow(ctx, "SELECT "+sessionColumns+" FROM sessionauth_sessions WHERE id = $1 AND expires > $2",
		id, s.now()), false, &rec)
	putRow(r)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return session.Record{}, session.ErrNotFound
	case errors.Is(err, session.ErrCorrupt):
		return session.Record{}, err
	case err != nil:
		return session.Record{}, fmt.Errorf("postgres: loading session: %w", err)
	}
	return rec, nil
}

// Save implements session.Store. Each case is one statement, so the version check and the write are
// atomic: a create takes over an id only if its record has expired (ON CONFLICT ... WHERE), an update
// matches only the live record of the expected version.
func (s *Store) Save(ctx context.Context, id string, rec *session.Record) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	switch {
	case !validText(rec.UserID):
		return fmt.Errorf("postgres: saving session: the user id %w", errInvalidText)
	case !validText(id) && rec.Version > 0:
		return session.ErrNotFound // text cannot hold the id, so no record has it
	case !validText(id):
		return fmt.Errorf("postgres: saving session: the id %w", errInvalidText)
	}
	data, err := session.EncodeData(rec.Data)
	if err != nil {
		return fmt.Errorf("postgres: encoding session: %w", err)
	}
	now := s.now()
	var n int64
	if rec.Version == 0 {
		tag, err := s.pool.Exec(ctx, `INSERT INTO sessionauth_sessions AS s
			(id, user_id, data, created, last_seen, expires, transient, ip, user_agent, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1)
			ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, data = excluded.data,
				created = excluded.created, last_seen = excluded.last_seen, expires = excluded.expires,
				transient = excluded.transient, ip = excluded.ip, user_agent = excluded.user_agent, version = 1
			WHERE s.expires <= $10`,
			id, rec.UserID, data, rec.Created, rec.LastSeen, rec.Expires, rec.Transient,
			cleanText(rec.IP), cleanText(rec.UserAgent), now)
		if err != nil {
			return fmt.Errorf("postgres: saving session: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return session.ErrExists
		}
		rec.Version = 1
		return nil
	}
	if rec.Version <= math.MaxInt64 {
		tag, err := s.pool.Exec(ctx, `UPDATE sessionauth_sessions SET user_id = $2, data = $3, created = $4,
			last_seen = $5, expires = $6, transient = $7, ip = $8, user_agent = $9, version = version + 1
			WHERE id = $1 AND version = $10 AND expires > $11`,
			id, rec.UserID, data, rec.Created, rec.LastSeen, rec.Expires, rec.Transient,
			cleanText(rec.IP), cleanText(rec.UserAgent), int64(rec.Version), now)
		if err != nil {
			return fmt.Errorf("postgres: saving session: %w", err)
		}
		n = tag.RowsAffected()
	}
	if n == 1 {
		rec.Version++
		return nil
	}
	// Nothing updated: tell a deleted or expired record from one another request saved first.
	var version int64
	err = s.pool.QueryRow(ctx, "SELECT version FROM sessionauth_sessions WHERE id = $1 AND expires > $2", id, now).Scan(&version)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return session.ErrNotFound
	case err != nil:
		return fmt.Errorf("postgres: saving session: %w", err)
	}
	return session.ErrConflict
}

// Delete implements session.Store.
func (s *Store) Delete(ctx context.Context, id string) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if !validText(id) {
		return nil
	}
	if _, err := s.pool.Exec(ctx, "DELETE FROM sessionauth_sessions WHERE id = $1", id); err != nil {
		return fmt.Errorf("postgres: deleting session: %w", err)
	}
	return nil
}

// UserSessions implements session.UserIndex, reading the index on user_id.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]session.Entry, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if userID == "" || !validText(userID) {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, "SELECT id, "+sessionColumns+` FROM sessionauth_sessions
		WHERE user_id = $1 AND user_id <> '' AND expires > $2`, userID, s.now())
	if err != nil {
		return nil, fmt.Errorf("postgres: listing sessions: %w", err)
	}
	defer rows.Close()
	r := rowPool.Get().(*sessionRow)
	defer putRow(r)
	var out []session.Entry
	for rows.Next() {
		var e session.Entry
		if err := r.scan(rows, true, &e.Record); err != nil {
			if errors.Is(err, session.ErrCorrupt) {
				continue // a corrupt record is no session
			}
			return nil, fmt.Errorf("postgres: listing sessions: %w", err)
		}
		e.ID = r.id
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: listing sessions: %w", err)
	}
	return out, nil
}

// DeleteUserSessions implements session.UserIndex.
func (s *Store) DeleteUserSessions(ctx context.Context, userID, keep string) (int, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if userID == "" || !validText(userID) {
		return 0, nil
	}
	if !validText(keep) {
		keep = "" // no session has that id
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM sessionauth_sessions
		WHERE user_id = $1 AND user_id <> '' AND id <> $2 AND expires > $3`, userID, keep, s.now())
	if err != nil {
		return 0, fmt.Errorf("postgres: revoking sessions: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// deleteBatch is how many rows one DELETE of the sweeper removes at most.
const deleteBatch = 1000

// DeleteExpired implements session.ExpiredDeleter. It deletes in batches of deleteBatch rows, each
// its own short statement, so that no lock is held for long; rows another instance's sweeper (or a
// Save) holds are skipped, not waited for.
func (s *Store) DeleteExpired(ctx context.Context) (int, error) {
	now := s.now()
	total := 0
	for {
		tag, err := s.pool.Exec(ctx, `DELETE FROM sessionauth_sessions WHERE id IN
			(SELECT id FROM sessionauth_sessions WHERE expires <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)
			AND expires <= $1`, now, deleteBatch)
		if err != nil {
			return total, fmt.Errorf("postgres: deleting expired sessions: %w", err)
		}
		n := int(tag.RowsAffected())
		total += n
		if n < deleteBatch {
			return total, nil
		}
	}
}

// CountSessions reports how many live sessions the store holds.
func (s *Store) CountSessions(ctx context.Context) (int, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var n int
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM sessionauth_sessions WHERE expires > $1", s.now()).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: counting sessions: %w", err)
	}
	return n, nil
}
