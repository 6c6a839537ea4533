package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/rueidis"

	"github.com/sessionauth/sessionauth/internal/deadline"
)

// DefaultPrefix starts every key when Options.Prefix is empty.
const DefaultPrefix = "sessionauth:"

// DefaultTimeout is Options.Timeout's value when it is zero.
const DefaultTimeout = 3 * time.Second

// defaultIndexGrace is how old an index member must be before a listing may prune it (see the
// package documentation).
const defaultIndexGrace = 10 * time.Minute

// Options configure New and Open. The zero value is ready to use.
type Options struct {
	// Prefix starts every key the store writes; empty means DefaultPrefix. Several applications (or
	// tests) can share one Redis by using different prefixes. Avoid braces in it: a prefix holding a
	// Cluster hash tag would put every key in one slot.
	Prefix string

	// Timeout bounds every call (a server that stops answering then costs an error after Timeout,
	// not a hung request; a context with an earlier deadline keeps it), Open's first contact, and,
	// for the client Open creates, how long a connection may wait for a reply before it is deemed
	// dead. Zero means DefaultTimeout; a negative value leaves calls bounded by their contexts only.
	Timeout time.Duration

	// ClientCache, when positive, lets Load answer from the client's memory: records are cached for
	// at most this long and Redis tells the client when a cached key changes (server-assisted
	// client-side caching, RESP3 tracking). It removes the round trip from most requests, at a price
	// stated in the package documentation: another instance's logout reaches this cache as a push
	// message, not within the logout's reply. Zero (the default) reads every record from Redis.
	ClientCache time.Duration
}

// Store keeps sessions (session.Store with session.UserIndex) and throttle counters (throttle.Store)
// in Redis. It is safe for concurrent use.
type Store struct {
	client  rueidis.Client
	owned   bool // Close closes client
	prefix  string
	timeout time.Duration // bound of every call; <= 0: none
	cache   time.Duration // client-side cache TTL for Load; 0: off
	written recentWrites  // with cache: ids whose Load must bypass it for a moment
	memo    decodeMemo    // records decoded from the bytes last read
	grace   time.Duration // index prune grace period

	hitPrefix string        // unique per Store: member prefix for throttle hits
	hitSeq    atomic.Uint64 // member counter
}

// New returns a Store over client. The client must send commands to masters only (no
// SendToReplicas, no ReplicaOnly): a lagging replica could return a session that was revoked on the
// master. opts.ClientCache needs a client built with client-side caching enabled (the default of
// rueidis). Close does not close a client passed to New.
func New(client rueidis.Client, opts Options) *Store {
	prefix := opts.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	var nonce [8]byte
	rand.Read(nonce[:]) // never fails (crypto/rand panics rather than return an error)
	return &Store{
		client:    client,
		prefix:    prefix,
		timeout:   timeout,
		cache:     max(opts.ClientCache, 0),
		grace:     defaultIndexGrace,
		hitPrefix: hex.EncodeToString(nonce[:]) + ":",
	}
}

// Open parses rawURL with ParseURL, connects, and checks that every server answers (every master
// of a Cluster) within the timeout. A server that is down gives an error, not a Store. The error
// names the servers, never the password. The URL's timeout and client_cache parameters, when
// present, take precedence over opts.Timeout and opts.ClientCache.
func Open(ctx context.Context, rawURL string, opts Options) (*Store, error) {
	u, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if u.Timeout != 0 {
		opts.Timeout = u.Timeout
	}
	if u.ClientCache != 0 {
		opts.ClientCache = u.ClientCache
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	co := u.Client
	if co.Dialer.Timeout == 0 {
		co.Dialer.Timeout = timeout
	}
	co.ConnWriteTimeout = timeout
	co.MaxFlushDelay = u.FlushDelay
	co.DisableCache = opts.ClientCache <= 0
	client, err := rueidis.NewClient(co)
	if err != nil {
		return nil, fmt.Errorf("redis: cannot reach %s: %w", u.describe(), err)
	}
	s := New(client, opts)
	s.owned = true
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := s.Ping(pctx); err != nil {
		client.Close()
		return nil, fmt.Errorf("redis: cannot reach %s: %w", u.describe(), err)
	}
	return s, nil
}

// Ping checks that the store can answer: every master of a Cluster, the one server otherwise. It
// feeds the health check.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := ctx.Err(); err != nil {
		return wrap(ctx, "ping", err)
	}
	_, err := s.masters(ctx)
	if err != nil {
		return wrap(ctx, "ping", err)
	}
	return nil
}

// masters returns a client for every master, having checked that each answers: the masters that
// CLUSTER SLOTS lists in a Cluster (replicas are left out: a replica that is down does not stop
// the service), the one server otherwise.
func (s *Store) masters(ctx context.Context) ([]rueidis.Client, error) {
	if s.client.Mode() != rueidis.ClientModeCluster {
		return []rueidis.Client{s.client}, s.client.Do(ctx, s.client.B().Ping().Build()).Error()
	}
	ranges, err := s.client.Do(ctx, s.client.B().ClusterSlots().Build()).ToArray()
	if err != nil {
		return nil, fmt.Errorf("CLUSTER SLOTS: %w", err)
	}
	addrs := map[string]bool{}
	for _, r := range ranges {
		// [first slot, last slot, [master ip, port, id, ...], replicas...]
		parts, err := r.ToArray()
		if err != nil || len(parts) < 3 {
			return nil, errors.New("CLUSTER SLOTS: unexpected reply")
		}
		node, err := parts[2].ToArray()
		if err != nil || len(node) < 2 {
			return nil, errors.New("CLUSTER SLOTS: unexpected node")
		}
		ip, err1 := node[0].ToString()
		port, err2 := node[1].AsInt64()
		if err1 != nil || err2 != nil {
			return nil, errors.New("CLUSTER SLOTS: unexpected node address")
		}
		addrs[net.JoinHostPort(ip, strconv.FormatInt(port, 10))] = true
	}
	nodes := s.client.Nodes()
	out := make([]rueidis.Client, 0, len(addrs))
	for addr := range addrs {
		c, ok := nodes[addr]
		if !ok {
			return nil, fmt.Errorf("master %s is not among the client's nodes yet", addr)
		}
		out = append(out, c)
	}
	errs := make([]error, len(out))
	var wg sync.WaitGroup
	for i, c := range out {
		wg.Go(func() { errs[i] = c.Do(ctx, c.B().Ping().Build()).Error() })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// Close closes the client if Open created it; a client passed to New is left to its owner.
func (s *Store) Close() error {
	if s.owned {
		s.client.Close()
	}
	return nil
}

// CountSessions reports how many session records the store holds under its prefix. It scans the
// keyspace (SCAN, on every master of a Cluster), so it costs time proportional to the whole database
// and is meant for a metrics gauge, not for request paths. The count is approximate while Redis
// rehashes (SCAN may return a key twice) and includes records of other processes sharing the prefix.
func (s *Store) CountSessions(ctx context.Context) (int, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := ctx.Err(); err != nil {
		return 0, wrap(ctx, "count sessions", err)
	}
	masters, err := s.masters(ctx)
	if err != nil {
		return 0, wrap(ctx, "count sessions", err)
	}
	match := globEscape(s.prefix) + "s:{*"
	total := 0
	for _, c := range masters {
		var cursor uint64
		for {
			e, err := c.Do(ctx, c.B().Scan().Cursor(cursor).Match(match).Count(1000).Type("string").Build()).AsScanEntry()
			if err != nil {
				return 0, wrap(ctx, "count sessions", err)
			}
			total += len(e.Elements)
			if e.Cursor == 0 {
				break
			}
			cursor = e.Cursor
		}
	}
	return total, nil
}

// globEscape quotes the SCAN MATCH metacharacters in s.
func globEscape(s string) string {
	if !strings.ContainsAny(s, `*?[]\`) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Key names; see the package documentation.

func (s *Store) recordKey(id string) string    { return s.prefix + "s:{" + id + "}" }
func (s *Store) indexKey(userID string) string { return s.prefix + "u:{" + userID + "}" }
func (s *Store) throttleKey(key string) string { return s.prefix + "t:{" + key + "}" }

// bound limits ctx to the store's timeout (see deadline.Within).
func (s *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	return deadline.Within(ctx, s.timeout)
}

// wrap adds the operation to a client error, and the context's error when the context is done, so
// that callers can test for context.DeadlineExceeded whatever the client reported.
func wrap(ctx context.Context, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("redis: %s: %w: %w", op, cerr, err)
	}
	return fmt.Errorf("redis: %s: %w", op, err)
}
