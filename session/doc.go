// Package session provides server-side sessions for net/http, with Django's cookie and key format.
//
// A Manager wraps handlers. Each request gets a *Session (session.From(r)) that loads nothing until
// the handler reads or writes it; after the handler, before the response header goes out, the session
// is saved if it was modified and the cookie set, refreshed or deleted. A save that fails replaces the
// handler's response with an error (503, or 400 when the session was ended concurrently), so a client
// is never told that something succeeded that was not stored.
//
// The cookie carries a 32-character [a-z0-9] key from crypto/rand; stores keep only a SHA-256 of it.
// Sessions have an absolute lifetime and an optional idle timeout whose refresh is written at most once
// per TouchInterval, so read-only requests normally cost one store read and no write.
//
// Records are saved with compare-and-swap on a version (see Store). Two consequences:
//
//   - A request that started before a logout cannot bring the session back: its save finds no record
//     and fails with ErrInterrupted.
//   - Requests that write different keys of one session at the same time all succeed: on a conflict
//     the handle reloads the record and re-applies its own changes.
//
// Values are stored as JSON, so nothing needs registering and a stored record cannot name a Go type to
// instantiate; a record that cannot be decoded is logged and treated as no session.
//
// Stores live in the store/... packages; sessiontest is the conformance suite every store passes.
package session
