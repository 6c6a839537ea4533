package djangodb

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sessionauth/sessionauth/django"
	"github.com/sessionauth/sessionauth/session"
)

// MetaKey is the session dictionary key that holds what Django has no place for (see the package
// documentation). Django code should leave it alone.
const MetaKey = "_sessionauth"

// sessionExpiryKey is where Django's set_expiry keeps a session's own expiry; 0 means "when the
// browser closes".
const sessionExpiryKey = "_session_expiry"

// meta is the value under MetaKey.
type meta struct {
	Version   uint64 `json:"v"`
	Created   int64  `json:"c"` // Unix µs
	LastSeen  int64  `json:"s"` // Unix µs
	IP        string `json:"ip,omitempty"`
	UserAgent string `json:"ua,omitempty"`
	// Key is the start of the session key the record was written under. When Django cycles the key
	// (its login does), it copies the dictionary to the new key; the mismatch then tells that the
	// new session began at Django's save.
	Key string `json:"k"`
}

// keyPrefix is how much of the session key meta.Key keeps.
const keyPrefix = 8

var jsonZero = json.RawMessage("0")

// StoreID implements session.KeyMapper: Django's table is keyed by the session key itself.
func (s *Store) StoreID(key string) string { return key }

// tag is Record.Tag for a row's session_data.
func tag(sessionData string) string {
	sum := sha256.Sum256([]byte(sessionData))
	return hex.EncodeToString(sum[:16])
}

// decode turns a django_session row into a record (see the package documentation for the mapping).
// A session_data that no key verifies, or that is not a JSON object, is session.ErrCorrupt.
//
// A login whose _auth_user_backend is missing or not one of Options.AuthBackends reads as an
// anonymous record, as Django's get_user treats it, with both keys left in Data so that a save keeps
// them; foreign is then the user id it names (for the per-user index), "" otherwise.
func (s *Store) decode(id, sessionData string, expires time.Time) (rec session.Record, foreign string, err error) {
	data, err := django.DecodeSessionData(sessionData, s.keys)
	if err != nil {
		return session.Record{}, "", fmt.Errorf("%w: %v", session.ErrCorrupt, err)
	}
	rec = session.Record{Expires: expires, Tag: tag(sessionData), Version: 1}
	if raw, ok := data[django.SessionKeyUserID]; ok {
		uid, valid := userIDText(raw)
		switch backend := data[django.SessionKeyBackend]; {
		case !s.acceptedBackend(backend):
			if valid {
				foreign = uid
			}
		case !valid:
			return session.Record{}, "", fmt.Errorf("%w: %s is not a user id: %s", session.ErrCorrupt, django.SessionKeyUserID, raw)
		default:
			rec.UserID = uid
			delete(data, django.SessionKeyUserID)
			if bytes.Equal(backend, s.backend) {
				delete(data, django.SessionKeyBackend) // encode puts it back for a logged-in session
			}
		}
	}
	if bytes.Equal(data[sessionExpiryKey], jsonZero) {
		rec.Transient = true
		delete(data, sessionExpiryKey)
	}
	// A session Django wrote was last saved cookieAge before it expires.
	saved := expires.Add(-s.cookieAge)
	if now := s.now(); saved.After(now) {
		saved = now
	}
	rec.Created, rec.LastSeen = saved, saved
	if raw, ok := data[MetaKey]; ok {
		delete(data, MetaKey)
		var m meta
		if err := json.Unmarshal(raw, &m); err == nil && m.Version > 0 {
			rec.Version, rec.IP, rec.UserAgent = m.Version, m.IP, m.UserAgent
			if m.Key == id[:min(len(id), keyPrefix)] {
				rec.Created, rec.LastSeen = time.UnixMicro(m.Created), time.UnixMicro(m.LastSeen)
			}
		}
	}
	rec.Data = data
	return rec, foreign, nil
}

// acceptedBackend reports whether raw, a session's _auth_user_backend, names one of
// Options.AuthBackends (Django compares the string exactly).
func (s *Store) acceptedBackend(raw json.RawMessage) bool {
	var b string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &b) != nil {
		return false
	}
	return s.backends[b]
}

// userIDText reads _auth_user_id: a JSON string, as Django writes it, or an integer.
func userIDText(raw json.RawMessage) (string, bool) {
	if len(raw) > 0 && raw[0] == '"' {
		var v string
		if json.Unmarshal(raw, &v) != nil {
			return "", false
		}
		return v, v != ""
	}
	if _, err := strconv.ParseInt(string(raw), 10, 64); err != nil {
		return "", false
	}
	return string(raw), true
}

// encode builds the session_data of rec, to be stored under id.
func (s *Store) encode(id string, rec *session.Record) (string, error) {
	data := make(map[string]json.RawMessage, len(rec.Data)+4)
	for k, v := range rec.Data {
		data[k] = v
	}
	if rec.UserID != "" {
		uid, err := json.Marshal(rec.UserID)
		if err != nil {
			return "", err
		}
		data[django.SessionKeyUserID] = uid
		// A login made here, or one read with an accepted backend (which stays in Data unless it is
		// the first): never written under a backend Django would not accept.
		if !s.acceptedBackend(data[django.SessionKeyBackend]) {
			data[django.SessionKeyBackend] = s.backend
		}
	}
	if rec.Transient {
		data[sessionExpiryKey] = jsonZero
	}
	m, err := json.Marshal(meta{
		Version: rec.Version, Created: rec.Created.UnixMicro(), LastSeen: rec.LastSeen.UnixMicro(),
		IP: rec.IP, UserAgent: rec.UserAgent, Key: id[:min(len(id), keyPrefix)],
	})
	if err != nil {
		return "", err
	}
	data[MetaKey] = m
	return django.EncodeSessionData(data, s.keys[0])
}

// Load implements session.Store.
func (s *Store) Load(ctx context.Context, id string) (session.Record, error) {
	if !s.dialect.representable(id) {
		return session.Record{}, session.ErrNotFound
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var sessionData string
	var expires dbTime
	err := s.db.QueryRowContext(ctx, "SELECT session_data, expire_date FROM django_session WHERE session_key = $1", id).
		Scan(&sessionData, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return session.Record{}, session.ErrNotFound
	}
	if err != nil {
		return session.Record{}, fmt.Errorf("djangodb: loading session: %w", err)
	}
	if !s.now().Before(expires.t) {
		return session.Record{}, session.ErrNotFound
	}
	rec, _, err := s.decode(id, sessionData, expires.t)
	return rec, err
}

// Save implements session.Store. A create replaces an expired row with the same key (Django leaves
// expired rows until clearsessions). An update locks the row, and checks that it is the one loaded
// (Record.Tag) or, for a record without a tag, that its version is rec.Version.
func (s *Store) Save(ctx context.Context, id string, rec *session.Record) error {
	next := *rec
	next.Version = rec.Version + 1
	sessionData, err := s.encode(id, &next)
	if err != nil {
		return fmt.Errorf("djangodb: saving session: encoding: %w", err)
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	d := s.dialect
	if rec.Version == 0 {
		res, err := s.db.ExecContext(ctx, `INSERT INTO django_session (session_key, session_data, expire_date)
			VALUES ($1, $2, $3)
			ON CONFLICT (session_key) DO UPDATE SET session_data = excluded.session_data, expire_date = excluded.expire_date
			WHERE django_session.expire_date <= $4`,
			id, sessionData, d.timeArg(rec.Expires), d.timeArg(s.now()))
		if err != nil {
			return fmt.Errorf("djangodb: creating session: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("djangodb: creating session: %w", err)
		} else if n == 0 {
			return session.ErrExists
		}
	} else if err := s.update(ctx, id, rec, sessionData); err != nil {
		return err
	}
	rec.Version, rec.Tag = next.Version, tag(sessionData)
	return nil
}

// update is Save's compare-and-swap of an existing row, in one transaction holding the row.
func (s *Store) update(ctx context.Context, id string, rec *session.Record, sessionData string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("djangodb: saving session: %w", err)
	}
	defer tx.Rollback()
	var cur string
	var expires dbTime
	err = tx.QueryRowContext(ctx, "SELECT session_data, expire_date FROM django_session WHERE session_key = $1"+
		s.dialect.forUpdate, id).Scan(&cur, &expires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return session.ErrNotFound
	case err != nil:
		return fmt.Errorf("djangodb: saving session: %w", err)
	case !s.now().Before(expires.t):
		return session.ErrNotFound
	}
	if rec.Tag != "" {
		if tag(cur) != rec.Tag {
			return session.ErrConflict // written since it was loaded, by us or by Django
		}
	} else {
		stored, _, err := s.decode(id, cur, expires.t)
		if err != nil {
			return session.ErrNotFound // rewritten under a key we cannot read: not the session we knew
		}
		if stored.Version != rec.Version {
			return session.ErrConflict
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE django_session SET session_data = $1, expire_date = $2 WHERE session_key = $3",
		sessionData, s.dialect.timeArg(rec.Expires), id); err != nil {
		return fmt.Errorf("djangodb: saving session: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("djangodb: saving session: %w", err)
	}
	return nil
}

// Delete implements session.Store.
func (s *Store) Delete(ctx context.Context, id string) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if _, err := s.db.ExecContext(ctx, "DELETE FROM django_session WHERE session_key = $1", id); err != nil {
		return fmt.Errorf("djangodb: deleting session: %w", err)
	}
	return nil
}

// UserSessions implements session.UserIndex by reading every live row (Django keeps no index).
func (s *Store) UserSessions(ctx context.Context, userID string) ([]session.Entry, error) {
	var out []session.Entry
	err := s.scan(ctx, func(e session.Entry) {
		if e.Record.UserID == userID {
			out = append(out, e)
		}
	})
	return out, err
}

// Sessions implements session.Lister: every live session that can be decoded, anonymous ones
// included, in one pass over the table.
func (s *Store) Sessions(ctx context.Context) ([]session.Entry, error) {
	var out []session.Entry
	err := s.scan(ctx, func(e session.Entry) { out = append(out, e) })
	return out, err
}

// scanBatchSize is how many rows scan reads per query.
const scanBatchSize = 500

// scan calls f for every live row that decodes, in batches ordered by key. Options.Timeout bounds
// each batch, not the whole scan, whose length depends on the table's.
func (s *Store) scan(ctx context.Context, f func(session.Entry)) error {
	now := s.now()
	after := ""
	for {
		n, err := s.scanBatch(ctx, now, &after, f)
		if err != nil {
			return fmt.Errorf("djangodb: listing sessions: %w", err)
		}
		if n < scanBatchSize {
			return nil
		}
	}
}

// scanBatch reads up to scanBatchSize rows with keys after *after, advancing it, and reports how many
// rows it read.
func (s *Store) scanBatch(ctx context.Context, now time.Time, after *string, f func(session.Entry)) (int, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	rows, err := s.db.QueryContext(ctx, `SELECT session_key, session_data, expire_date FROM django_session
		WHERE expire_date > $1 AND session_key > $2 ORDER BY session_key LIMIT `+strconv.Itoa(scanBatchSize),
		s.dialect.timeArg(now), *after)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id, sessionData string
		var expires dbTime
		if err := rows.Scan(&id, &sessionData, &expires); err != nil {
			return n, err
		}
		n, *after = n+1, id
		if !now.Before(expires.t) {
			continue
		}
		if rec, foreign, err := s.decode(id, sessionData, expires.t); err == nil {
			if foreign != "" {
				// Listed (and so revoked) with its user's sessions, though anonymous when loaded: a
				// user's "log out everywhere", a deactivation, must end Django logins of every backend.
				rec.UserID = foreign
			}
			f(session.Entry{ID: id, Record: rec})
		}
	}
	return n, rows.Err()
}

// DeleteUserSessions implements session.UserIndex.
func (s *Store) DeleteUserSessions(ctx context.Context, userID, keep string) (int, error) {
	list, err := s.UserSessions(ctx, userID)
	if err != nil {
		return 0, err
	}
	ids := make([]any, 0, len(list))
	for _, e := range list {
		if e.ID != keep {
			ids = append(ids, e.ID)
		}
	}
	deleted := 0
	for len(ids) > 0 {
		batch := ids[:min(len(ids), 100)]
		ids = ids[len(batch):]
		n, err := s.deleteKeys(ctx, batch)
		deleted += n
		if err != nil {
			return deleted, fmt.Errorf("djangodb: deleting sessions: %w", err)
		}
	}
	return deleted, nil
}

// deleteKeys deletes the rows of keys in one statement, bounded by Options.Timeout.
func (s *Store) deleteKeys(ctx context.Context, keys []any) (int, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	marks := make([]string, len(keys))
	for i := range keys {
		marks[i] = "$" + strconv.Itoa(i+1)
	}
	res, err := s.db.ExecContext(ctx, "DELETE FROM django_session WHERE session_key IN ("+strings.Join(marks, ", ")+")", keys...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// deleteBatch is how many expired rows one DeleteExpired statement removes, so that no statement
// holds locks for long.
const deleteBatch = 1000

// DeleteExpired implements session.ExpiredDeleter (Django's clearsessions), in batches.
func (s *Store) DeleteExpired(ctx context.Context) (int, error) {
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		res, err := s.db.ExecContext(ctx, `DELETE FROM django_session WHERE session_key IN
			(SELECT session_key FROM django_session WHERE expire_date <= $1 LIMIT `+strconv.Itoa(deleteBatch)+`)`,
			s.dialect.timeArg(s.now()))
		if err != nil {
			return total, fmt.Errorf("djangodb: deleting expired sessions: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("djangodb: deleting expired sessions: %w", err)
		}
		total += int(n)
		if n < deleteBatch {
			return total, nil
		}
	}
}

var _ interface {
	session.Store
	session.UserIndex
	session.ExpiredDeleter
	session.KeyMapper
	session.Lister
} = (*Store)(nil)
