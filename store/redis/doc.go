// Package redis keeps sessions, the per-user session index and throttle counters in Redis —
// standalone, behind Sentinel, or in a Redis Cluster. Users and API tokens stay in a SQL store; a
// server that uses this package pairs it with one.
//
// # Key layout
//
// Every key starts with Options.Prefix (default "sessionauth:"). The variable part is wrapped in a
// Redis Cluster hash tag, so a key's slot depends on the session id, user id or throttle key alone,
// never on the prefix:
//
//	<prefix>s:{<id>}       string  one session record: "<version>:<len(UserID)>:<UserID>" followed by
//	                               session.EncodeRecord's JSON; PEXPIREAT Record.Expires (rounded down to
//	                               the millisecond)
//	<prefix>u:{<userID>}   zset    the user's session index: member = session id, score = the Redis time
//	                               (ms) of the latest Save that indexed it; expires after the user's
//	                               latest-expiring record
//	<prefix>t:{<key>}      zset    throttle hits: score = hit time (µs, from the caller's clock),
//	                               member unique per hit; expires when the newest hit leaves its window
//
// Session ids are already hashes of the session keys (session.HashKey), so a Redis dump cannot be
// replayed as cookies. Expiry is Redis's job; the store has no sweeper and does not implement
// session.ExpiredDeleter. Load also checks Record.Expires against the local clock.
//
// # Atomicity
//
// Every Lua script this package runs touches exactly one key, so every script is valid in a Cluster
// whatever the slots. Save is one script on the record key: it reads the version in the stored
// value's header (the scripts never decode JSON), compares it with the caller's, and writes the new value with its expiry, or
// reports ErrExists, ErrNotFound or ErrConflict — one atomic step, as the session.Store contract
// requires. In particular a Save after a concurrent Delete finds no record and returns ErrNotFound:
// nothing is resurrected. Throttle hits are one script on the throttle key (prune, count, add, expire).
//
// # Why the record is authoritative and the index a hint
//
// A record and its user's index live in different slots (the record is found by id alone, so it
// cannot be tagged with the user), so no script can update both. The index is therefore kept as a
// superset of the user's live sessions, and nothing read from it is trusted without the record:
//
//   - Save with a UserID first adds the id to the user's index (one script: ZADD with the index
//     node's TIME as score, extend the key's expiry past the record's), then runs the record
//     script. If the record write fails, the index has one extra member, which is harmless.
//   - UserSessions reads the index, fetches every listed record (one pipeline, split per node in a
//     Cluster) and keeps only live records whose UserID is the user's.
//   - DeleteUserSessions reads the index and runs, for every listed id, a script on the record key
//     that deletes the record only if the user in its header is still this user (pipelined). A
//     session that moved to another user is left alone; a concurrent Save of a deleted one finds no
//     record and gets ErrNotFound.
//   - Delete (logout) is a plain DEL of the record; it leaves the index alone.
//
// So revocation never depends on the index being exact, only on it not missing a live session. It
// never does: an id is removed from an index only by a conditional prune, when a reader has seen its
// record absent, expired or owned by someone else, and the member's score (the time of the latest
// Save that indexed it) has not changed since the reader listed it and is older than a grace period
// (10 minutes) at that listing. Each Save's record script refuses to run later than half the grace
// period after the Save's own index write (by the record node's TIME), so every record write that
// an index entry was made for has finished before the reader looked; any later Save indexes the id
// again first, which changes the score (and the prune is skipped) or re-adds the member after the
// prune. The argument assumes the Redis nodes' clocks differ by less than half the grace period and
// do not step back by more than it. Members for deleted, expired or moved sessions are thus pruned
// lazily by the next listing after the grace period, and the whole index expires with its user's
// last session.
//
// Reads always go to masters. Never point this store at replicas: a lagging replica could return
// a session that was revoked on the master.
//
// # Client and cost
//
// The client is rueidis (docs/decisions.md D19): concurrent calls from many requests are pipelined
// onto one connection per node, which halves the CPU a command costs both here and in Redis
// compared with a connection per call. Load is one GET. Save is one EVALSHA, plus one more before
// it when the record has a UserID. Delete is one DEL. UserSessions and DeleteUserSessions are
// three round trips (the last only when there is something to prune), one of them a pipeline with
// a command per listed member. CountSessions scans every key with the prefix on every master
// (SCAN, not KEYS); it is meant for a metrics gauge read every few seconds, not for request paths.
//
// # Timeouts
//
// Every call is bounded by Options.Timeout (3 s by default) or its context's deadline, whichever
// comes first: a server that stops answering costs requests an error after the timeout, never a
// hang, and the client Open creates also drops a connection that waits longer than that for a
// reply. Idempotent commands and the scripts (all written to be safe to repeat) are retried on a
// new connection within that bound.
//
// # Client-side cache (opt-in)
//
// With Options.ClientCache (the URL parameter client_cache=30s), Load answers from the process's
// memory when it can, and Redis pushes an invalidation to every client that cached a key when the
// key changes, expires or is deleted (RESP3 client tracking). A Load then costs no round trip,
// which roughly doubles the throughput of session-authenticated requests (docs/performance.md).
// What it costs, and why it is off by default:
//
//   - A write made through another instance (a logout, a revocation) reaches this instance's cache
//     as a push message, not as part of the write's reply. For the push's latency — measured at
//     0.3–1.5 ms on a loaded loopback — a request reaching this instance may still be admitted
//     with the ended session. Without the cache, a session ended anywhere is refused everywhere
//     from the moment the ending call has answered.
//   - This instance's own writes are never missed: Redis sends the invalidation for a write
//     after the write's reply, so for a second after each of its own writes to a record the store
//     reads that record from Redis.
//   - A broken connection empties the cache (rueidis), and an entry never outlives ClientCache or
//     the key's own expiry.
//
// # Tests
//
// The tests run against real servers named by environment variables (see internal/testenv):
// SESSIONAUTH_TEST_REDIS_URL (standalone), SESSIONAUTH_TEST_REDIS_CLUSTER (comma-separated cluster
// nodes) and SESSIONAUTH_TEST_REDIS_SENTINEL (host:port/mastername). `eval "$(.ci/services.sh)"`
// starts them locally and prints the variables. Tests without their service are skipped, or fail
// when SESSIONAUTH_REQUIRE_SERVICES=1. Every test uses a random key prefix and deletes its keys, so
// tests can share servers (a Cluster has only database 0).
package redis
