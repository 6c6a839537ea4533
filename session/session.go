package session

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Session is the handle on one request's session. It loads the record on first use and keeps changes
// to the side (per key), so that a save can re-apply them on top of a version another request saved
// meanwhile: concurrent requests that write different keys of one session lose nothing.
//
// A Session may be used from several goroutines of one request. It is valid only during the request.
type Session struct {
	m   *Manager
	req *http.Request
	w   writer
	ctx sessionCtx

	mu         sync.Mutex
	loaded     bool
	loadErr    error
	cookieSent bool   // the request carried a session cookie, valid or not
	key        string // current key, "" when there is no stored session
	id         string // store id of key
	rec        Record // the stored record as loaded; its Data is never modified
	touch      bool   // record activity at the end of the request (read-only requests)

	changes  map[string]json.RawMessage // pending per-key changes; a nil value deletes the key
	cleared  bool                       // pending changes apply to empty data (Flush)
	rotate   bool                       // delete the stored record and continue under a new key
	modified bool

	user, ip, userAgent              string
	userSet, clientSet, transientSet bool
	transient                        bool
}

func (s *Session) load() error {
	if s.loaded {
		return s.loadErr
	}
	s.loaded = true
	m := s.m
	v, found, ambiguous := readCookie(s.req.Header, m.Cookie.name())
	s.cookieSent = found
	if !found || ambiguous || !ValidKey(v) {
		return nil
	}
	id := m.storeID(v)
	ctx, cancel := m.opContext(s.req.Context())
	rec, err := m.Store.Load(ctx, id)
	cancel()
	switch {
	case err == nil:
	case errors.Is(err, ErrNotFound):
		return nil
	case errors.Is(err, ErrCorrupt):
		m.logger().Warn("session: undecodable record treated as no session", "public_id", PublicID(id), "error", err)
		return nil
	default:
		s.loadErr = fmt.Errorf("session: loading: %w", err)
		m.logger().Error("session: store failed on load", "error", err)
		return s.loadErr
	}
	now := m.now()
	if !m.live(&rec, now) {
		return nil
	}
	s.key, s.id, s.rec = v, id, rec
	s.touch = now.Sub(rec.LastSeen) >= m.touchInterval()
	return nil
}

// lock loads the session if needed and holds s.mu; the caller must unlock.
func (s *Session) lock() error {
	if s == nil {
		return ErrNoSession
	}
	s.mu.Lock()
	if err := s.load(); err != nil {
		s.mu.Unlock()
		return err
	}
	return nil
}

func (s *Session) lookup(key string) (json.RawMessage, bool) {
	if v, ok := s.changes[key]; ok {
		return v, v != nil
	}
	if s.cleared {
		return nil, false
	}
	v, ok := s.rec.Data[key]
	return v, ok
}

// Get decodes the value stored under key into dst and reports whether there was one.
func (s *Session) Get(key string, dst any) (bool, error) {
	if err := s.lock(); err != nil {
		return false, err
	}
	raw, ok := s.lookup(key)
	s.mu.Unlock()
	if !ok {
		return false, nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return true, fmt.Errorf("session: decoding %q: %w", key, err)
	}
	return true, nil
}

// GetString returns the string stored under key, or "" when there is none or it is not a string.
func (s *Session) GetString(key string) (string, error) {
	if err := s.lock(); err != nil {
		return "", err
	}
	raw, ok := s.lookup(key)
	s.mu.Unlock()
	if !ok || len(raw) < 2 || raw[0] != '"' {
		return "", nil
	}
	if bytes.IndexByte(raw[1:len(raw)-1], '\\') < 0 {
		return string(raw[1 : len(raw)-1]), nil
	}
	var v string
	if json.Unmarshal(raw, &v) != nil {
		return "", nil
	}
	return v, nil
}

// GetRaw returns the JSON stored under key, for callers that decode it themselves. The returned
// bytes are shared with the session and must not be modified.
func (s *Session) GetRaw(key string) (json.RawMessage, bool, error) {
	if err := s.lock(); err != nil {
		return nil, false, err
	}
	raw, ok := s.lookup(key)
	s.mu.Unlock()
	return raw, ok, nil
}

// Set stores value, encoded as JSON, under key. Encoding errors are returned at once.
func (s *Session) Set(key string, value any) error {
	raw, err := json.Marshal(value)
	if err != nil {
		return fmt.Errorf("session: encoding %q: %w", key, err)
	}
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.change(key, raw)
	return nil
}

// Delete removes key.
func (s *Session) Delete(key string) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.lookup(key); ok {
		s.change(key, nil)
	}
	return nil
}

func (s *Session) change(key string, raw json.RawMessage) {
	if s.changes == nil {
		s.changes = make(map[string]json.RawMessage)
	}
	s.changes[key] = raw
	s.modified = true
}

// Keys returns the keys that hold a value, sorted.
func (s *Session) Keys() ([]string, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.rec.Data)+len(s.changes))
	for k := range s.merged(s.rec.Data) {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, nil
}

// UserID returns the id of the user the session belongs to, "" when anonymous.
func (s *Session) UserID() (string, error) {
	if err := s.lock(); err != nil {
		return "", err
	}
	defer s.mu.Unlock()
	return s.userID(s.rec.UserID), nil
}

func (s *Session) userID(stored string) string {
	if s.userSet {
		return s.user
	}
	return stored
}

// SetUserID records the user the session belongs to; it feeds the store's per-user index. Use the auth
// package's Login rather than calling this directly: login must also cycle the key.
func (s *Session) SetUserID(id string) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.user, s.userSet, s.modified = id, true, true
	return nil
}

// CycleKey gives the session a new key at the end of the request, keeping its data, and deletes the
// record under the old key, so a key known before (say, before login) is dead once the response is out.
// It also restarts the absolute lifetime: call it on authentication events (login, password change).
func (s *Session) CycleKey() error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.rotate, s.modified = true, true
	return nil
}

// Flush deletes the session: data, user and the stored record. The cookie is deleted at the end of the
// request unless new data is set afterwards, which then goes into a new session under a new key.
func (s *Session) Flush() error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.changes, s.cleared, s.rotate, s.modified = nil, true, true, true
	s.user, s.userSet = "", true
	s.transientSet = false
	return nil
}

// SetPersistent chooses between a cookie that survives a browser restart (Max-Age up to the end of the
// lifetime; "remember me") and one that ends with the browser session.
func (s *Session) SetPersistent(persistent bool) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.transient, s.transientSet, s.modified = !persistent, true, true
	return nil
}

// SetClient records the client's address and User-Agent with the session (shown in session lists).
func (s *Session) SetClient(ip, userAgent string) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.ip, s.userAgent, s.clientSet, s.modified = ip, userAgent, true, true
	return nil
}

// PublicID returns the public id of the stored session (see PublicID), "" when there is none yet —
// including after CycleKey or Flush in this request, since the new key is only chosen when the
// response is written.
func (s *Session) PublicID() (string, error) {
	if err := s.lock(); err != nil {
		return "", err
	}
	defer s.mu.Unlock()
	if s.key == "" || s.rotate {
		return "", nil
	}
	return PublicID(s.id), nil
}

// merged returns base with the pending changes applied, as a new map.
func (s *Session) merged(base map[string]json.RawMessage) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(base)+len(s.changes))
	if !s.cleared {
		for k, v := range base {
			out[k] = v
		}
	}
	for k, v := range s.changes {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

// apply builds the record to save from the current stored one plus this request's changes.
func (s *Session) apply(cur Record, now time.Time) Record {
	next := cur
	next.Data = s.merged(cur.Data)
	next.UserID = s.userID(cur.UserID)
	if s.transientSet {
		next.Transient = s.transient
	}
	if s.clientSet {
		next.IP, next.UserAgent = s.ip, s.userAgent
	}
	next.LastSeen = now
	next.Expires = s.m.expires(&next, now)
	return next
}

// commit runs once, before the response header is written, with the response's status.
func (s *Session) commit(status int, h http.Header) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.loaded {
		return nil
	}
	addVary(h, "Cookie")
	if s.loadErr != nil || status >= 500 {
		// Leave the cookie alone: an outage must not log everyone out, and a failed request
		// must not persist half-done changes.
		return nil
	}
	m := s.m
	if !s.modified && !s.touch && !(s.key == "" && s.cookieSent) {
		return nil // the common read-only request: nothing to write
	}
	now := m.now()
	// The write must happen even if the client has gone away (a logout must not be half done).
	ctx, cancel := m.opContext(context.WithoutCancel(s.req.Context()))
	defer cancel()

	wrote := false
	switch {
	case s.rotate:
		base := s.rec
		if s.key != "" && s.cleared {
			// Flush: the old record goes whatever happened to it meanwhile.
			if err := m.Store.Delete(ctx, s.id); err != nil {
				m.logger().Error("session: store failed on delete", "error", err)
				return fmt.Errorf("session: deleting: %w", err)
			}
		} else if s.key != "" {
			// CycleKey carries the data over: retire the old record only if it still lives, so that a
			// logout that ran meanwhile is not undone under the new key.
			var err error
			if base, err = s.retire(ctx, now); err != nil {
				return err
			}
		}
		s.key, s.id = "", ""
		fresh := Record{Created: now, Transient: m.ExpireAtBrowserClose}
		if !s.cleared {
			fresh.Data, fresh.UserID = base.Data, base.UserID
			fresh.Transient, fresh.IP, fresh.UserAgent = base.Transient, base.IP, base.UserAgent
		}
		next := s.apply(fresh, now)
		if len(next.Data) > 0 || next.UserID != "" {
			if err := s.create(ctx, next); err != nil {
				return err
			}
			wrote = true
		}
	case s.modified && s.key != "":
		if err := s.update(ctx, now); err != nil {
			return err
		}
		wrote = true
	case s.modified:
		next := s.apply(Record{Created: now, Transient: m.ExpireAtBrowserClose}, now)
		if len(next.Data) > 0 || next.UserID != "" {
			if err := s.create(ctx, next); err != nil {
				return err
			}
			wrote = true
		}
	case s.touch && s.key != "" && status < 400:
		// Record activity; losing this race to another writer is harmless (it recorded activity too).
		next := s.rec
		next.LastSeen = now
		next.Expires = m.expires(&next, now)
		if err := m.Store.Save(ctx, s.id, &next); err != nil && !errors.Is(err, ErrConflict) && !errors.Is(err, ErrNotFound) {
			m.logger().Warn("session: store failed on touch", "error", err)
		}
	}

	switch {
	case wrote:
		maxAge := s.rec.Created.Add(m.lifetime()).Sub(now)
		if s.rec.Transient {
			maxAge = 0
		}
		h.Add("Set-Cookie", m.Cookie.header(s.key, maxAge, now))
		noStore(h)
	case s.key == "" && s.cookieSent:
		h.Add("Set-Cookie", m.Cookie.header("", -1, now))
		noStore(h)
	}
	return nil
}

// create stores rec under a fresh key, retrying on the (astronomically unlikely) id collision.
func (s *Session) create(ctx context.Context, rec Record) error {
	m := s.m
	for range 4 {
		key, err := NewKey()
		if err != nil {
			return err
		}
		id := m.storeID(key)
		rec.Version = 0
		err = m.Store.Save(ctx, id, &rec)
		if errors.Is(err, ErrExists) {
			continue
		}
		if err != nil {
			m.logger().Error("session: store failed on create", "error", err)
			return fmt.Errorf("session: creating: %w", err)
		}
		s.key, s.id, s.rec = key, id, rec
		return nil
	}
	return fmt.Errorf("session: creating: %w", ErrExists)
}

// retire ends the old record of a key cycle with a compare-and-swap that sets its expiry to now, and
// returns the record as it was last stored (other requests may have written it since this one loaded
// it; their writes move to the new key too). A record deleted meanwhile gives ErrInterrupted: its
// data must not come back under a new key. The retired record is then deleted, as housekeeping.
func (s *Session) retire(ctx context.Context, now time.Time) (Record, error) {
	m := s.m
	cur := s.rec
	for range 8 {
		dead := cur
		dead.Expires = now
		err := m.Store.Save(ctx, s.id, &dead)
		switch {
		case err == nil:
			if err := m.Store.Delete(ctx, s.id); err != nil {
				m.logger().Warn("session: store failed deleting a retired record", "error", err)
			}
			return cur, nil
		case errors.Is(err, ErrNotFound):
			return Record{}, ErrInterrupted
		case !errors.Is(err, ErrConflict):
			m.logger().Error("session: store failed on save", "error", err)
			return Record{}, fmt.Errorf("session: cycling the key: %w", err)
		}
		cur, err = m.Store.Load(ctx, s.id)
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrCorrupt) {
			return Record{}, ErrInterrupted
		}
		if err != nil {
			m.logger().Error("session: store failed on load", "error", err)
			return Record{}, fmt.Errorf("session: reloading: %w", err)
		}
	}
	return Record{}, fmt.Errorf("session: cycling the key: too many concurrent writers: %w", ErrConflict)
}

// update saves the pending changes with compare-and-swap, re-applying them on top of whatever another
// request saved meanwhile. A record that disappeared is not brought back.
func (s *Session) update(ctx context.Context, now time.Time) error {
	m := s.m
	cur := s.rec
	for range 8 {
		next := s.apply(cur, now)
		err := m.Store.Save(ctx, s.id, &next)
		switch {
		case err == nil:
			s.rec = next
			return nil
		case errors.Is(err, ErrNotFound):
			return ErrInterrupted
		case !errors.Is(err, ErrConflict):
			m.logger().Error("session: store failed on save", "error", err)
			return fmt.Errorf("session: saving: %w", err)
		}
		cur, err = m.Store.Load(ctx, s.id)
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrCorrupt) {
			return ErrInterrupted
		}
		if err != nil {
			m.logger().Error("session: store failed on load", "error", err)
			return fmt.Errorf("session: reloading: %w", err)
		}
	}
	return fmt.Errorf("session: saving: too many concurrent writers: %w", ErrConflict)
}

var varyCookie = []string{"Cookie"} // shared; len == cap, so an append elsewhere copies it

// addVary adds v to the Vary header unless it is already listed (or Vary is "*").
func addVary(h http.Header, v string) {
	lines := h.Values("Vary")
	if len(lines) == 0 && v == "Cookie" {
		h["Vary"] = varyCookie
		return
	}
	for _, line := range lines {
		for _, f := range strings.Split(line, ",") {
			f = strings.TrimSpace(f)
			if f == "*" || strings.EqualFold(f, v) {
				return
			}
		}
	}
	h.Add("Vary", v)
}

// noStore keeps shared caches from storing a response that sets or deletes the session cookie.
func noStore(h http.Header) {
	if !strings.Contains(h.Get("Cache-Control"), "no-store") {
		h.Set("Cache-Control", "no-store")
	}
}
