package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sessionauth/sessionauth/auth"
)

// DefaultUserCacheTTL is the longest a cached user is served when Options.UserCacheTTL is zero.
const DefaultUserCacheTTL = 5 * time.Second

// DefaultUserCacheSize is how many users the cache holds when Options.UserCacheSize is zero.
const DefaultUserCacheSize = 10_000

// The listener proves its connection alive with a ping after every heartbeat of silence; a ping that
// does not answer within pingTimeout counts as a lost connection. A cached entry is served only
// while the last proof is younger than the lease, so even a listener goroutine that cannot run (or
// a ping stuck past its timeout) stops the cache from being trusted.
const (
	defaultHeartbeat   = time.Second
	defaultPingTimeout = 2 * time.Second
	minBackoff         = 50 * time.Millisecond
	maxBackoff         = 2 * time.Second
)

// userCache holds users read by Store.User. It must never serve a row that was changed more than a
// notification's latency ago (see the package documentation); the rules:
//
//   - An entry is added only by a read that saw an unchanged epoch from before its query to the
//     insert, and only while the listener is live. Every invalidation (a notification, this
//     process's UpdateUser, the listener going down or coming back) bumps the epoch, so a read that
//     raced with a change cannot put the old row back after the change was announced.
//   - Entries are served only while the listener holds a lease (validUntil), renewed by each
//     successful heartbeat and dropped at once when its connection fails; going down also clears the
//     cache, and coming back (after LISTEN) clears it again, since notifications sent meanwhile were
//     lost.
//   - An entry older than ttl is not served, whatever the listener says.
type userCache struct {
	ttl   int64 // nanoseconds
	max   int
	lease int64 // nanoseconds
	base  time.Time

	validUntil atomic.Int64  // clock() until which entries may be served; 0: the listener is down
	notified   atomic.Uint64 // notifications handled (tests wait on it)

	mu    sync.RWMutex
	epoch uint64
	users map[int64]cachedUser

	afterLoad func() // test hook: runs between a miss's database read and its insert
}

type cachedUser struct {
	user auth.User
	at   int64 // clock() before the query that read it
}

func newUserCache(ttl time.Duration, size int, lease time.Duration) *userCache {
	return &userCache{ttl: int64(ttl), max: size, lease: int64(lease), base: time.Now(), users: make(map[int64]cachedUser)}
}

// clock is monotonic nanoseconds since the cache was made (never 0 in practice).
func (c *userCache) clock() int64 { return int64(time.Since(c.base)) + 1 }

// get returns the cached user with that id if it may be served at now.
func (c *userCache) get(id int64, now int64) (auth.User, bool) {
	if now >= c.validUntil.Load() {
		return auth.User{}, false
	}
	c.mu.RLock()
	e, ok := c.users[id]
	c.mu.RUnlock()
	if !ok || now-e.at >= c.ttl {
		return auth.User{}, false
	}
	return e.user, true
}

// begin returns the epoch a miss must still see when it inserts what it read, and whether it may
// insert at all (the listener is live).
func (c *userCache) begin(now int64) (uint64, bool) {
	if now >= c.validUntil.Load() {
		return 0, false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.epoch, true
}

// put inserts u, read by a query that started at the clock value at with the cache at epoch, unless
// anything was invalidated since or the listener is no longer live.
func (c *userCache) put(epoch uint64, u *auth.User, at int64) {
	if c.afterLoad != nil {
		c.afterLoad()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch != epoch || c.clock() >= c.validUntil.Load() {
		return
	}
	if _, ok := c.users[u.ID]; !ok && len(c.users) >= c.max {
		for id := range c.users { // evict one entry, in map order (close enough to random)
			delete(c.users, id)
			break
		}
	}
	c.users[u.ID] = cachedUser{user: *u, at: at}
}

// invalidate drops one user and bumps the epoch.
func (c *userCache) invalidate(id int64) {
	c.mu.Lock()
	c.epoch++
	delete(c.users, id)
	c.mu.Unlock()
}

// invalidateAll drops every user and bumps the epoch.
func (c *userCache) invalidateAll() {
	c.mu.Lock()
	c.epoch++
	clear(c.users)
	c.mu.Unlock()
}

// notification handles one payload of the users channel: a user id, or "*" (TRUNCATE) for all.
func (c *userCache) notification(payload string) {
	if id, err := strconv.ParseInt(payload, 10, 64); err == nil {
		c.invalidate(id)
	} else {
		c.invalidateAll()
	}
	c.notified.Add(1)
}

// up is called once LISTEN is in effect: notifications sent before it were lost, so start empty.
func (c *userCache) up() {
	c.invalidateAll()
	c.renew()
}

// renew extends the lease after a proof that the listener's connection works.
func (c *userCache) renew() { c.validUntil.Store(c.clock() + c.lease) }

// down stops serving and clears the cache (the listener's connection is gone).
func (c *userCache) down() {
	c.validUntil.Store(0)
	c.invalidateAll()
}

func (c *userCache) live() bool { return c.clock() < c.validUntil.Load() }

func (c *userCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.users)
}

// listener keeps a dedicated connection (not from the pool) LISTENing on the users channel and
// feeds its notifications to the cache, reconnecting with backoff when the connection fails.
type listener struct {
	cache       *userCache
	config      *pgconn.Config // a copy with OnNotification set; never shared with the pool
	heartbeat   time.Duration
	pingTimeout time.Duration
	cancel      context.CancelFunc
	done        chan struct{}
}

func startListener(c *userCache, config *pgconn.Config, heartbeat, pingTimeout time.Duration) *listener {
	config = config.Copy()
	config.OnNotification = func(_ *pgconn.PgConn, n *pgconn.Notification) { c.notification(n.Payload) }
	ctx, cancel := context.WithCancel(context.Background())
	l := &listener{cache: c, config: config, heartbeat: heartbeat, pingTimeout: pingTimeout, cancel: cancel, done: make(chan struct{})}
	go l.run(ctx)
	return l
}

// stop ends the listener and waits for its goroutine, which closes its connection.
func (l *listener) stop() {
	l.cancel()
	<-l.done
}

func (l *listener) run(ctx context.Context) {
	defer close(l.done)
	delay := minBackoff
	for {
		wasLive, _ := l.session(ctx) // leaves the cache down
		if ctx.Err() != nil {
			return
		}
		if wasLive {
			delay = minBackoff
		}
		// A wait drawn from [delay/2, delay): instances that lost the server together do not all
		// knock at once when it comes back.
		wait := delay/2 + rand.N(delay/2)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		delay = min(2*delay, maxBackoff)
	}
}

// session connects, LISTENs, makes the cache live and then waits for notifications until the
// connection fails or ctx ends. It reports whether the cache was made live.
func (l *listener) session(ctx context.Context) (bool, error) {
	conn, err := pgconn.ConnectConfig(ctx, l.config)
	if err != nil {
		return false, err
	}
	defer func() {
		l.cache.down() // first: closing a stalled link may take a while
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn.Close(cctx)
		cancel()
	}()
	qctx, cancel := context.WithTimeout(ctx, l.pingTimeout)
	res, err := conn.Exec(qctx, "SELECT 'sessionauth_users'::regclass::oid").ReadAll()
	cancel()
	if err != nil {
		return false, err
	}
	if len(res) != 1 || len(res[0].Rows) != 1 || len(res[0].Rows[0]) != 1 {
		return false, errors.New("postgres: unexpected answer to the users table's OID")
	}
	channel := "sessionauth_users_" + string(res[0].Rows[0][0])
	qctx, cancel = context.WithTimeout(ctx, l.pingTimeout)
	_, err = conn.Exec(qctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()).ReadAll()
	cancel()
	if err != nil {
		return false, err
	}
	l.cache.up()
	nextPing := time.Now().Add(l.heartbeat)
	for {
		// Notifications are handled by the OnNotification callback, inside WaitForNotification (or
		// Ping), in the order the server sent them. The ping is due a heartbeat after the last one
		// however many notifications arrive meanwhile, so that a busy channel still renews the lease.
		wctx, cancel := context.WithDeadline(ctx, nextPing)
		err := conn.WaitForNotification(wctx)
		cancel()
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			return true, ctx.Err()
		}
		if !pgconn.Timeout(err) {
			return true, fmt.Errorf("postgres: user cache listener: %w", err)
		}
		pctx, cancel := context.WithTimeout(ctx, l.pingTimeout)
		err = conn.Ping(pctx)
		cancel()
		if err != nil {
			return true, fmt.Errorf("postgres: user cache listener: %w", err)
		}
		l.cache.renew()
		nextPing = time.Now().Add(l.heartbeat)
	}
}
