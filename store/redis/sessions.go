package redis

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/redis/rueidis"

	"github.com/sessionauth/sessionauth/session"
)

// A stored record is "<version>:<length of UserID>:<UserID><session.EncodeRecord JSON>". The version
// and the user are repeated in front of the JSON so that the scripts can compare them without
// decoding JSON, and the user's exact bytes survive even when they are not valid UTF-8.

// saveScript is Save's compare-and-swap.
//
// KEYS[1] record. ARGV[1] expected version ("0": create only), ARGV[2] new value, ARGV[3] expiry (Unix
// ms), ARGV[4] deadline (Unix ms by this node's clock; "0": none). Returns 1 (written), -1 (exists),
// -2 (not found), -3 (version conflict), -4 (past the deadline), -5 (stored value has no header).
var saveScript = newScript(`
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[2] then
	return 1 -- this very write, repeated by a client retry after a lost reply
end
if ARGV[4] ~= '0' then
	local t = redis.call('TIME')
	if tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) > tonumber(ARGV[4]) then
		return -4
	end
end
if ARGV[1] == '0' then
	if cur then return -1 end
else
	if not cur then return -2 end
	local i = string.find(cur, ':', 1, true)
	if not i then return -5 end
	if string.sub(cur, 1, i - 1) ~= ARGV[1] then return -3 end
end
redis.call('SET', KEYS[1], ARGV[2], 'PXAT', ARGV[3])
return 1
`)

// indexScript adds a session to its user's index.
//
// KEYS[1] index. ARGV[1] session id, ARGV[2] the index's minimum expiry (Unix ms). Returns this node's
// time (Unix ms), which is also the member's new score.
var indexScript = newScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[2], 'NX')
redis.call('PEXPIREAT', KEYS[1], ARGV[2], 'GT')
return now
`)

// readIndexScript lists an index. KEYS[1] index. Returns {now (Unix ms), id, score, id, score, ...}.
var readIndexScript = newScript(`
local t = redis.call('TIME')
local r = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
table.insert(r, 1, tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
return r
`)

// pruneScript removes index members whose score is still the one the caller listed.
//
// KEYS[1] index. ARGV: id, score, id, score, ... Returns how many it removed.
var pruneScript = newScript(`
local n = 0
for i = 1, #ARGV, 2 do
	if redis.call('ZSCORE', KEYS[1], ARGV[i]) == ARGV[i + 1] then
		n = n + redis.call('ZREM', KEYS[1], ARGV[i])
	end
end
return n
`)

// deleteScript deletes a record if it belongs to the given user.
//
// KEYS[1] record. ARGV[1] user id. Returns 1 (deleted) or 0 (no record, another user's, or no header).
var deleteScript = newScript(`
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
local i = string.find(cur, ':', 1, true)
if not i then return 0 end
local j = string.find(cur, ':', i + 1, true)
if not j then return 0 end
local n = tonumber(string.sub(cur, i + 1, j - 1))
if n ~= #ARGV[1] or string.sub(cur, j + 1, j + n) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`)

// encode builds the stored value of rec, whose Version is the one to store.
func encode(rec *session.Record) ([]byte, error) {
	js, err := session.EncodeRecord(rec)
	if err != nil {
		return nil, err
	}
	val := make([]byte, 0, 42+len(rec.UserID)+len(js))
	val = strconv.AppendUint(val, rec.Version, 10)
	val = append(val, ':')
	val = strconv.AppendInt(val, int64(len(rec.UserID)), 10)
	val = append(val, ':')
	val = append(val, rec.UserID...)
	return append(val, js...), nil
}

// decode parses a stored value.
func decode(b []byte) (session.Record, error) {
	i := bytes.IndexByte(b, ':')
	if i < 1 {
		return session.Record{}, fmt.Errorf("%w: no version header", session.ErrCorrupt)
	}
	v, err := strconv.ParseUint(string(b[:i]), 10, 64)
	if err != nil {
		return session.Record{}, fmt.Errorf("%w: bad version header", session.ErrCorrupt)
	}
	rest := b[i+1:]
	j := bytes.IndexByte(rest, ':')
	if j < 1 {
		return session.Record{}, fmt.Errorf("%w: no user header", session.ErrCorrupt)
	}
	n, err := strconv.Atoi(string(rest[:j]))
	if err != nil || n < 0 || n > len(rest)-j-1 {
		return session.Record{}, fmt.Errorf("%w: bad user header", session.ErrCorrupt)
	}
	user := rest[j+1 : j+1+n]
	rec, err := session.DecodeRecord(rest[j+1+n:])
	if err != nil {
		return session.Record{}, err
	}
	if rec.Version != v {
		return session.Record{}, fmt.Errorf("%w: version header %d, record version %d", session.ErrCorrupt, v, rec.Version)
	}
	if rec.UserID != string(user) {
		if utf8.Valid(user) {
			return session.Record{}, fmt.Errorf("%w: the user header and the record disagree", session.ErrCorrupt)
		}
		// The user id is not valid UTF-8 and JSON replaced the bad bytes: keep the exact bytes, which
		// are what the index and the scripts use.
		rec.UserID = string(user)
	}
	return rec, nil
}

// Load implements session.Store. With Options.ClientCache it may answer from the client's cache,
// which Redis keeps current by push messages (see the package documentation).
func (s *Store) Load(ctx context.Context, id string) (session.Record, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := ctx.Err(); err != nil {
		return session.Record{}, wrap(ctx, "load", err)
	}
	var res rueidis.RedisResult
	if s.cache > 0 && !s.written.fresh(id, time.Now()) {
		res = s.client.DoCache(ctx, s.client.B().Get().Key(s.recordKey(id)).Cache(), s.cache)
	} else {
		res = s.client.Do(ctx, s.client.B().Get().Key(s.recordKey(id)).Build())
	}
	b, err := res.AsBytes()
	if rueidis.IsRedisNil(err) {
		s.memo.forget(id)
		return session.Record{}, session.ErrNotFound
	}
	if err != nil {
		return session.Record{}, wrap(ctx, "load", err)
	}
	rec, err := s.memo.decode(id, b)
	if err != nil {
		return session.Record{}, err
	}
	if !time.Now().Before(rec.Expires) { // Redis expires at the millisecond; be exact
		return session.Record{}, session.ErrNotFound
	}
	return rec, nil
}

// Save implements session.Store. A record with a UserID is added to the user's index first (see the
// package documentation for why that order keeps the index complete).
func (s *Store) Save(ctx context.Context, id string, rec *session.Record) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := ctx.Err(); err != nil {
		return wrap(ctx, "save", err)
	}
	next := *rec
	next.Version = rec.Version + 1
	val, err := encode(&next)
	if err != nil {
		return fmt.Errorf("redis: save: encoding the record: %w", err)
	}
	// PXAT rounds down to the millisecond, so Redis never keeps a record past its Expires. A time
	// before the epoch (zero Expires) becomes 1 ms: already expired, the write deletes.
	exp := max(rec.Expires.UnixMilli(), 1)

	deadline := int64(0)
	if rec.UserID != "" {
		now, err := indexScript.exec(ctx, s.client, []string{s.indexKey(rec.UserID)},
			id, strconv.FormatInt(exp+s.grace.Milliseconds(), 10)).AsInt64()
		if err != nil {
			return wrap(ctx, "save: indexing", err)
		}
		deadline = now + (s.grace / 2).Milliseconds()
	}
	s.noteWrite(id)
	defer s.noteWrite(id)
	n, err := saveScript.exec(ctx, s.client, []string{s.recordKey(id)},
		strconv.FormatUint(rec.Version, 10), string(val), strconv.FormatInt(exp, 10),
		strconv.FormatInt(deadline, 10)).AsInt64()
	if err != nil {
		return wrap(ctx, "save", err)
	}
	switch n {
	case 1:
		rec.Version = next.Version
		return nil
	case -1:
		return session.ErrExists
	case -2:
		return session.ErrNotFound
	case -3:
		return session.ErrConflict
	case -4:
		return fmt.Errorf("redis: save: the record write came more than %s after its index write; nothing written", s.grace/2)
	case -5:
		return fmt.Errorf("redis: save: the stored record: %w: no version header", session.ErrCorrupt)
	default:
		return fmt.Errorf("redis: save: unexpected script result %d", n)
	}
}

// Delete implements session.Store. The user's index keeps the id until a listing prunes it.
func (s *Store) Delete(ctx context.Context, id string) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := ctx.Err(); err != nil {
		return wrap(ctx, "delete", err)
	}
	s.noteWrite(id)
	defer s.noteWrite(id)
	s.memo.forget(id)
	if err := s.client.Do(ctx, s.client.B().Del().Key(s.recordKey(id)).Build()).Error(); err != nil {
		return wrap(ctx, "delete", err)
	}
	return nil
}

// noteWrite makes Load bypass the client cache for id for a moment (see recentWrites). Writers
// call it before sending the write (a Load racing with it reads Redis) and again after its reply
// (the window counts from then, however slow the write was).
func (s *Store) noteWrite(id string) {
	if s.cache > 0 {
		s.written.wrote(id, time.Now())
	}
}

// member is one entry of a user's index as listed.
type member struct {
	id    string
	score string // as Redis formats it, for the conditional prune
	ms    int64  // the score: when the latest Save indexed it (Unix ms, index node's clock)
}

// listing is a user's index as read at one instant.
type listing struct {
	now     int64 // the index node's time when it was read (Unix ms)
	members []member
}

func (s *Store) readIndex(ctx context.Context, userID string) (listing, error) {
	vals, err := readIndexScript.exec(ctx, s.client, []string{s.indexKey(userID)}).ToArray()
	if err != nil {
		return listing{}, err
	}
	if len(vals) == 0 || len(vals)%2 != 1 {
		return listing{}, fmt.Errorf("unexpected index reply of %d values", len(vals))
	}
	now, err := vals[0].AsInt64()
	if err != nil {
		return listing{}, fmt.Errorf("unexpected index time: %w", err)
	}
	l := listing{now: now, members: make([]member, 0, len(vals)/2)}
	for i := 1; i < len(vals); i += 2 {
		id, err1 := vals[i].ToString()
		score, err2 := vals[i+1].ToString()
		ms, err3 := strconv.ParseFloat(score, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			return listing{}, fmt.Errorf("unexpected index member %d", i/2)
		}
		l.members = append(l.members, member{id: id, score: score, ms: int64(ms)})
	}
	return l, nil
}

// fetch loads the records of ids in one pipeline (split per node in a Cluster). A record that is
// missing, corrupt or expired has ok false.
func (s *Store) fetch(ctx context.Context, ids []string) ([]session.Record, []bool, error) {
	recs := make([]session.Record, len(ids))
	ok := make([]bool, len(ids))
	if len(ids) == 0 {
		return recs, ok, nil
	}
	cmds := make(rueidis.Commands, len(ids))
	for i, id := range ids {
		cmds[i] = s.client.B().Get().Key(s.recordKey(id)).Build()
	}
	res := s.client.DoMulti(ctx, cmds...)
	now := time.Now()
	for i, r := range res {
		b, err := r.AsBytes()
		switch {
		case rueidis.IsRedisNil(err):
			continue
		case err != nil:
			return nil, nil, err
		}
		rec, err := decode(b)
		if err != nil || !now.Before(rec.Expires) {
			continue // a corrupt record is no session (as Load's ErrCorrupt is to the Manager)
		}
		recs[i], ok[i] = rec, true
	}
	return recs, ok, nil
}

// prune removes the members of stale from userID's index that are older than the grace period at the
// listing, unless a Save has indexed them again since. stale must hold members whose records were
// seen (after the listing) missing, expired, corrupt, owned by another user, or deleted by us.
func (s *Store) prune(ctx context.Context, userID string, l listing, stale []member) error {
	cut := l.now - s.grace.Milliseconds()
	var args []string
	for _, m := range stale {
		if m.ms < cut {
			args = append(args, m.id, m.score)
		}
	}
	if len(args) == 0 {
		return nil
	}
	return pruneScript.exec(ctx, s.client, []string{s.indexKey(userID)}, args...).Error()
}

// UserSessions implements session.UserIndex.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]session.Entry, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := ctx.Err(); err != nil {
		return nil, wrap(ctx, "user sessions", err)
	}
	l, err := s.readIndex(ctx, userID)
	if err != nil {
		return nil, wrap(ctx, "user sessions: index", err)
	}
	ids := make([]string, len(l.members))
	for i, m := range l.members {
		ids[i] = m.id
	}
	recs, ok, err := s.fetch(ctx, ids)
	if err != nil {
		return nil, wrap(ctx, "user sessions: records", err)
	}
	var out []session.Entry
	var stale []member
	for i, m := range l.members {
		if ok[i] && recs[i].UserID == userID {
			out = append(out, session.Entry{ID: m.id, Record: recs[i]})
		} else {
			stale = append(stale, m)
		}
	}
	// Pruning is housekeeping: the answer is right without it, and the next listing tries again.
	_ = s.prune(ctx, userID, l, stale)
	return out, nil
}

// DeleteUserSessions implements session.UserIndex. Each listed record is deleted by a script that
// checks, atomically, that it still belongs to userID; a session that moved to another user
// meanwhile is left alone, and a concurrent Save of a deleted one gets ErrNotFound.
func (s *Store) DeleteUserSessions(ctx context.Context, userID, keep string) (int, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := ctx.Err(); err != nil {
		return 0, wrap(ctx, "delete user sessions", err)
	}
	l, err := s.readIndex(ctx, userID)
	if err != nil {
		return 0, wrap(ctx, "delete user sessions: index", err)
	}
	targets := make([]member, 0, len(l.members))
	for _, m := range l.members {
		if m.id != keep {
			targets = append(targets, m)
		}
	}
	if len(targets) == 0 {
		return 0, nil
	}
	execs := make([]rueidis.LuaExec, len(targets))
	for i, m := range targets {
		s.noteWrite(m.id)
		defer s.noteWrite(m.id)
		execs[i] = rueidis.LuaExec{Keys: []string{s.recordKey(m.id)}, Args: []string{userID}}
	}
	deleted := 0
	for _, r := range deleteScript.execMulti(ctx, s.client, execs) {
		n, err := r.AsInt64()
		if err != nil {
			return deleted, wrap(ctx, "delete user sessions: delete", err)
		}
		deleted += int(n)
	}
	// Every target is now gone or someone else's.
	_ = s.prune(ctx, userID, l, targets) // housekeeping, as in UserSessions
	return deleted, nil
}

var _ interface {
	session.Store
	session.UserIndex
} = (*Store)(nil)
