package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/sessionauth/sessionauth/session"
)

// Load implements session.Store, from the cache when it can.
func (s *Store) Load(ctx context.Context, id string) (session.Record, error) {
	c := s.cache
	if c == nil || c.fresh(ctx) != nil {
		return s.loadSession(ctx, id)
	}
	if rec, ok := c.session(id, s.now()); ok {
		return rec, nil
	}
	epoch := c.begin()
	rec, err := s.loadSession(ctx, id)
	if err == nil {
		c.putSession(epoch, id, rec)
	}
	return rec, err
}

func (s *Store) loadSession(ctx context.Context, id string) (session.Record, error) {
	var rec session.Record
	var data []byte
	var created, lastSeen, expires int64
	var transient int
	err := s.stmts.loadSession.QueryRowContext(ctx, id, nanos(s.now())).Scan(
		&rec.UserID, &data, &created, &lastSeen, &expires, &transient, &rec.IP, &rec.UserAgent, &rec.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return session.Record{}, session.ErrNotFound
	}
	if err != nil {
		return session.Record{}, fmt.Errorf("sqlite: loading session: %w", err)
	}
	rec.Data, err = session.DecodeData(data)
	if err != nil {
		return session.Record{}, err
	}
	rec.Created, rec.LastSeen, rec.Expires = fromNanos(created), fromNanos(lastSeen), fromNanos(expires)
	rec.Transient = transient != 0
	return rec, nil
}

// Save implements session.Store.
func (s *Store) Save(ctx context.Context, id string, rec *session.Record) error {
	data, err := session.EncodeData(rec.Data)
	if err != nil {
		return fmt.Errorf("sqlite: encoding session: %w", err)
	}
	now := nanos(s.now())
	args := []any{rec.UserID, data, nanos(rec.Created), nanos(rec.LastSeen), nanos(rec.Expires),
		boolInt(rec.Transient), rec.IP, rec.UserAgent}
	var res sql.Result
	if rec.Version == 0 {
		// Insert, or take over an id whose record has expired (never a live one).
		res, err = s.w.ExecContext(ctx, `INSERT INTO sessions
			(user_id, data, created, last_seen, expires, transient, ip, user_agent, version, id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
			ON CONFLICT(id) DO UPDATE SET user_id = excluded.user_id, data = excluded.data,
				created = excluded.created, last_seen = excluded.last_seen, expires = excluded.expires,
				transient = excluded.transient, ip = excluded.ip, user_agent = excluded.user_agent, version = 1
			WHERE sessions.expires <= ?`, append(args, id, now)...)
	} else {
		res, err = s.w.ExecContext(ctx, `UPDATE sessions SET user_id = ?, data = ?, created = ?, last_seen = ?,
			expires = ?, transient = ?, ip = ?, user_agent = ?, version = version + 1
			WHERE id = ? AND version = ? AND expires > ?`, append(args, id, rec.Version, now)...)
	}
	s.forgetSession(id)
	if err != nil {
		return fmt.Errorf("sqlite: saving session: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: saving session: %w", err)
	}
	if n == 1 {
		rec.Version++
		return nil
	}
	if rec.Version == 0 {
		return session.ErrExists
	}
	// Nothing updated: tell a deleted or expired record from one another request saved first.
	var version int64
	err = s.w.QueryRowContext(ctx, "SELECT version FROM sessions WHERE id = ? AND expires > ?", id, now).Scan(&version)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return session.ErrNotFound
	case err != nil:
		return fmt.Errorf("sqlite: saving session: %w", err)
	}
	return session.ErrConflict
}

// Delete implements session.Store.
func (s *Store) Delete(ctx context.Context, id string) error {
	_, err := s.w.ExecContext(ctx, "DELETE FROM sessions WHERE id = ?", id)
	s.forgetSession(id)
	if err != nil {
		return fmt.Errorf("sqlite: deleting session: %w", err)
	}
	return nil
}

// forgetSession drops a session from the cache after a write (whether or not the write succeeded:
// an error may still have committed).
func (s *Store) forgetSession(id string) {
	if s.cache != nil {
		s.cache.invalidate(func() { delete(s.cache.sessions, id) })
	}
}

// forgetAllSessions drops every cached session after a write that touched many.
func (s *Store) forgetAllSessions() {
	if s.cache != nil {
		s.cache.invalidate(func() { clear(s.cache.sessions) })
	}
}

// UserSessions implements session.UserIndex.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]session.Entry, error) {
	if userID == "" {
		return nil, nil
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, user_id, data, created, last_seen, expires, transient, ip, user_agent, version
		FROM sessions WHERE user_id = ? AND expires > ?`, userID, nanos(s.now()))
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing sessions: %w", err)
	}
	defer rows.Close()
	var out []session.Entry
	for rows.Next() {
		var e session.Entry
		var data []byte
		var created, lastSeen, expires int64
		var transient int
		if err := rows.Scan(&e.ID, &e.Record.UserID, &data, &created, &lastSeen, &expires, &transient,
			&e.Record.IP, &e.Record.UserAgent, &e.Record.Version); err != nil {
			return nil, fmt.Errorf("sqlite: listing sessions: %w", err)
		}
		if e.Record.Data, err = session.DecodeData(data); err != nil {
			continue // a corrupt record is no session
		}
		e.Record.Created, e.Record.LastSeen, e.Record.Expires = fromNanos(created), fromNanos(lastSeen), fromNanos(expires)
		e.Record.Transient = transient != 0
		out = append(out, e)
	}
	return out, rows.Err()
}

// DeleteUserSessions implements session.UserIndex.
func (s *Store) DeleteUserSessions(ctx context.Context, userID, keep string) (int, error) {
	if userID == "" {
		return 0, nil
	}
	res, err := s.w.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = ? AND id <> ? AND expires > ?",
		userID, keep, nanos(s.now()))
	s.forgetAllSessions()
	if err != nil {
		return 0, fmt.Errorf("sqlite: revoking sessions: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// DeleteExpired implements session.ExpiredDeleter. It deletes in batches so that the write lock is
// never held for long.
func (s *Store) DeleteExpired(ctx context.Context) (int, error) {
	total := 0
	for {
		res, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE id IN
			(SELECT id FROM sessions WHERE expires <= ? LIMIT 1000)`, nanos(s.now()))
		s.forgetAllSessions()
		if err != nil {
			return total, fmt.Errorf("sqlite: deleting expired sessions: %w", err)
		}
		n, _ := res.RowsAffected()
		total += int(n)
		if n < 1000 {
			return total, nil
		}
	}
}

// CountSessions reports how many live sessions the store holds.
func (s *Store) CountSessions(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM sessions WHERE expires > ?", nanos(s.now())).Scan(&n)
	return n, err
}
