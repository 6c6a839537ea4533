package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
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

	// Timeout bounds Open's first ping and is the dial, read and write timeout of the client Open
	// creates, unless the URL sets them; zero means DefaultTimeout. New ignores it: the caller's
	// client has its own timeouts.
	Timeout time.Duration
}

// Store keeps sessions (session.Store with session.UserIndex) and throttle counters (throttle.Store)
// in Redis. It is safe for concurrent use.
type Store struct {
	client goredis.UniversalClient
	owned  bool // Close closes client
	prefix string
	grace  time.Duration // index prune grace period

	hitPrefix string        // unique per Store: member prefix for throttle hits
	hitSeq    atomic.Uint64 // member counter
}

// New returns a Store over client. The client's options should have ContextTimeoutEnabled set so
// that context deadlines bound each call (see the package documentation); they must not route reads
// to replicas. Close does not close a client passed to New.
func New(client goredis.UniversalClient, opts Options) *Store {
	prefix := opts.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	var nonce [8]byte
	rand.Read(nonce[:]) // never fails (crypto/rand panics rather than return an error)
	return &Store{
		client:    client,
		prefix:    prefix,
		grace:     defaultIndexGrace,
		hitPrefix: hex.EncodeToString(nonce[:]) + ":",
	}
}

// Open parses rawURL with ParseURL, connects, and checks that every server answers (every master
// of a Cluster) within opts.Timeout. A server that is down gives an error, not a Store. The error
// names the servers, never the password.
func Open(ctx context.Context, rawURL string, opts Options) (*Store, error) {
	o, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if o.DialTimeout == 0 {
		o.DialTimeout = timeout
	}
	if o.ReadTimeout == 0 {
		o.ReadTimeout = timeout
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = timeout
	}
	s := New(goredis.NewUniversalClient(o), opts)
	s.owned = true
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := s.Ping(pctx); err != nil {
		s.client.Close()
		return nil, fmt.Errorf("redis: cannot reach %s: %w", describe(o), err)
	}
	return s, nil
}

// describe names the servers of o for error messages.
func describe(o *goredis.UniversalOptions) string {
	addrs := strings.Join(o.Addrs, ",")
	switch {
	case o.MasterName != "":
		return fmt.Sprintf("master %q through sentinel %s", o.MasterName, addrs)
	case o.IsClusterMode:
		return "cluster " + addrs
	default:
		return addrs
	}
}

// Ping checks that the store can answer: every master of a Cluster, the one server otherwise. It
// feeds the health check.
func (s *Store) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var err error
	if cc, ok := s.client.(*goredis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *goredis.Client) error {
			return c.Ping(ctx).Err()
		})
	} else {
		err = s.client.Ping(ctx).Err()
	}
	if err != nil {
		return wrap(ctx, "ping", err)
	}
	return nil
}

// Close closes the client if Open created it; a client passed to New is left to its owner.
func (s *Store) Close() error {
	if s.owned {
		return s.client.Close()
	}
	return nil
}

// CountSessions reports how many session records the store holds under its prefix. It scans the
// keyspace (SCAN, on every master of a Cluster), so it costs time proportional to the whole database
// and is meant for a metrics gauge, not for request paths. The count is approximate while Redis
// rehashes (SCAN may return a key twice) and includes records of other processes sharing the prefix.
func (s *Store) CountSessions(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	match := globEscape(s.prefix) + "s:{*"
	var total atomic.Int64
	scan := func(ctx context.Context, c goredis.Cmdable) error {
		var cursor uint64
		for {
			keys, next, err := c.ScanType(ctx, cursor, match, 1000, "string").Result()
			if err != nil {
				return err
			}
			total.Add(int64(len(keys)))
			if next == 0 {
				return nil
			}
			cursor = next
		}
	}
	var err error
	switch c := s.client.(type) {
	case *goredis.ClusterClient:
		err = c.ForEachMaster(ctx, func(ctx context.Context, c *goredis.Client) error { return scan(ctx, c) })
	case *goredis.Ring:
		err = c.ForEachShard(ctx, func(ctx context.Context, c *goredis.Client) error { return scan(ctx, c) })
	default:
		err = scan(ctx, c)
	}
	if err != nil {
		return 0, wrap(ctx, "count sessions", err)
	}
	return int(total.Load()), nil
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

// wrap adds the operation to a client error, and the context's error when the context is done, so
// that callers can test for context.DeadlineExceeded even when go-redis reports a socket timeout.
func wrap(ctx context.Context, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("redis: %s: %w: %w", op, cerr, err)
	}
	return fmt.Errorf("redis: %s: %w", op, err)
}
