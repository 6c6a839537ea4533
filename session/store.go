package session

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Errors a Store reports. Stores wrap them (fmt.Errorf("...: %w", ErrX)) or return them as is;
// callers test with errors.Is.
var (
	// ErrNotFound: no live record has that id (never existed, deleted, or expired).
	ErrNotFound = errors.New("session: not found")
	// ErrConflict: Save's expected version is not the stored version (another request saved first).
	ErrConflict = errors.New("session: version conflict")
	// ErrExists: Save was asked to create a record under an id that is already taken.
	ErrExists = errors.New("session: id already exists")
	// ErrCorrupt: the stored record cannot be decoded. The Manager treats it as no session.
	ErrCorrupt = errors.New("session: corrupt record")
)

// Record is what a Store keeps for one session.
//
// Data is shared, not copied: a Store must not modify the map (or its values) after Save returns, and
// callers must not modify the map a Load returns. The Manager always builds a fresh map for a Save.
type Record struct {
	Data      map[string]json.RawMessage // the session's values, one JSON document per key
	UserID    string                     // the authenticated user, "" when anonymous; feeds the per-user index
	Created   time.Time                  // start of the absolute lifetime (reset when the key is cycled)
	LastSeen  time.Time                  // last time the record was saved or touched
	Expires   time.Time                  // the store forgets the record at this instant
	Transient bool                       // the cookie expires when the browser closes (no Max-Age)
	IP        string                     // client address when the session was last saved with one
	UserAgent string                     // client User-Agent likewise
	Version   uint64                     // set by the store: 1 on creation, +1 on every successful Save
	// Tag is an opaque value a store may set on Load and Save and check on the next Save besides
	// Version. The Django store keeps a digest of the stored row in it, to notice writes made by
	// Django itself, which do not change Version. Other stores leave it empty; callers copy it along.
	Tag string
}

// Store keeps session records under an id that is derived from the session key (by default the hex
// SHA-256 of the key, so a leaked store cannot be replayed as cookies).
//
// The contract, checked by the sessiontest conformance suite:
//
//   - Load returns the live record with that id, or ErrNotFound when there is none or it has expired
//     (Expires is not after the current time). A record that cannot be decoded gives ErrCorrupt.
//     Any other error means the store could not answer; it must never be reported as ErrNotFound.
//   - Save writes rec under id and sets rec.Version to the stored version. With rec.Version == 0 it only
//     creates: ErrExists if a live record already has that id. With rec.Version > 0 it only replaces a
//     live record whose version is rec.Version: ErrNotFound if there is none (this is what stops a
//     request from resurrecting a session that a concurrent logout deleted), ErrConflict if the version
//     differs. The check and the write are one atomic step.
//   - Delete removes the record; deleting a missing id is not an error.
//
// All methods are safe for concurrent use and honour ctx cancellation and deadlines.
type Store interface {
	// Load returns the live record stored under id.
	Load(ctx context.Context, id string) (Record, error)
	// Save creates (rec.Version == 0) or replaces the record under id and updates rec.Version.
	Save(ctx context.Context, id string, rec *Record) error
	// Delete removes the record under id, if any.
	Delete(ctx context.Context, id string) error
}

// Entry is a stored session together with its id, as the per-user index lists it.
type Entry struct {
	ID     string // the store id (see KeyMapper), not the session key; pass it to PublicID to show it
	Record Record // the stored record, as Load would return it
}

// UserIndex is the optional capability of finding the sessions of one user without scanning the
// store. Every store in this module has it; the auth package needs it to list and revoke sessions.
type UserIndex interface {
	// UserSessions returns the live sessions whose Record.UserID is userID, in no particular order.
	UserSessions(ctx context.Context, userID string) ([]Entry, error)
	// DeleteUserSessions deletes every session of userID except the one with id keep ("" keeps none)
	// and reports how many it deleted.
	DeleteUserSessions(ctx context.Context, userID, keep string) (int, error)
}

// ExpiredDeleter is the optional capability of removing expired records in bulk (Django's
// clearsessions). Stores that expire records by themselves (Redis TTLs) need not have it.
type ExpiredDeleter interface {
	// DeleteExpired deletes every record that has expired and reports how many it deleted.
	DeleteExpired(ctx context.Context) (int, error)
}

// Lister is the optional capability of listing every live session in one pass, for administration
// (never for request paths). Stores whose per-user index has to read the whole store anyway (the
// Django store) have it, so that listing the sessions of many users costs one pass, not one per user.
type Lister interface {
	// Sessions returns every live session of the store, in no particular order.
	Sessions(ctx context.Context) ([]Entry, error)
}

// KeyMapper is an optional capability: a store that implements it decides how a session key becomes
// its id. The Django interoperability store uses it because Django keys its table by the raw key.
type KeyMapper interface {
	// StoreID returns the id under which the session with that key is stored.
	StoreID(key string) string
}
