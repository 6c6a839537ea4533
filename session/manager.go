package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Defaults of the Manager's zero-valued fields.
const (
	DefaultLifetime      = 14 * 24 * time.Hour // Django's SESSION_COOKIE_AGE, two weeks
	DefaultTouchInterval = time.Minute
)

// ErrInterrupted is returned when a request tried to save a session that was deleted while it ran (by a
// logout or a revocation in another request). The changes are dropped: the session is not brought back.
var ErrInterrupted = errors.New("session: the session ended while this request was running; its changes were not saved")

// ErrNoSession is returned by the methods of a nil *Session, which is what From gives when the request
// did not pass through a Manager's Handler.
var ErrNoSession = errors.New("session: no session in this request (is the Manager's Handler installed?)")

// Manager loads sessions lazily, saves them only when modified, and keeps the cookie in step. Configure
// it with the exported fields (zero values are sensible defaults), then wrap handlers with Handler.
// A Manager must not be changed once it serves requests.
type Manager struct {
	// Store holds the records. Required.
	Store Store
	// Cookie configures the session cookie.
	Cookie Cookie
	// Lifetime is the absolute lifetime of a session, counted from its creation or last key cycle
	// (login). Zero means DefaultLifetime.
	Lifetime time.Duration
	// IdleTimeout ends a session that has not been used for this long. Zero disables it.
	IdleTimeout time.Duration
	// TouchInterval bounds how often a read-only request writes to the store to record activity
	// (LastSeen, and the idle deadline). Zero means DefaultTouchInterval, or half the IdleTimeout
	// when that is shorter (otherwise a session in constant use would still expire IdleTimeout after
	// its last recorded activity).
	TouchInterval time.Duration
	// ExpireAtBrowserClose makes new sessions use a cookie without Max-Age (the server-side lifetime
	// still applies). A session can override it with SetPersistent.
	ExpireAtBrowserClose bool
	// Timeout bounds each store operation when positive (in addition to the request's context). It
	// costs a timer per operation; network stores usually carry their own I/O timeouts instead.
	Timeout time.Duration
	// ErrorHandler answers a request whose session could not be saved. The default writes JSON
	// {"detail": ...}: 400 for ErrInterrupted, 503 for store failures.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
	// Logger receives store failures and corrupt records; nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock; nil means time.Now. Tests set it.
	Now func() time.Time
}

type ctxKey struct{}

// sessionCtx is the request's context: the parent's, answering ctxKey with the Session.
type sessionCtx struct {
	context.Context
	s *Session
}

func (c *sessionCtx) Value(key any) any {
	if key == (ctxKey{}) {
		return c.s
	}
	return c.Context.Value(key)
}

// From returns the request's session, or nil when the request did not pass through a Manager's Handler.
// Every method of a nil *Session returns ErrNoSession.
func From(r *http.Request) *Session {
	s, _ := r.Context().Value(ctxKey{}).(*Session)
	return s
}

// FromContext is From for code that only has the request's context.
func FromContext(ctx context.Context) *Session {
	s, _ := ctx.Value(ctxKey{}).(*Session)
	return s
}

// Handler wraps next: it puts a lazily loaded *Session in the request's context and, before the
// response header is written, saves the session if it was modified and sets or deletes the cookie.
// If the save fails the handler's response is replaced by ErrorHandler's.
func (m *Manager) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := &Session{m: m}
		s.ctx = sessionCtx{Context: r.Context(), s: s} // the request's context, allocated with the Session
		r = r.WithContext(&s.ctx)
		s.req = r
		sw := &s.w // allocated with the Session
		sw.ResponseWriter, sw.s = w, s
		next.ServeHTTP(sw, r)
		if !sw.wroteHeader {
			sw.WriteHeader(http.StatusOK)
		}
	})
}

// Validate reports configuration mistakes: a missing Store, and cookie attributes browsers would reject.
func (m *Manager) Validate() error {
	if m.Store == nil {
		return errors.New("session: Manager.Store is nil")
	}
	name := m.Cookie.name()
	if strings.HasPrefix(name, "__Host-") && (!m.Cookie.Secure || m.Cookie.Domain != "" || m.Cookie.path() != "/") {
		return fmt.Errorf("session: cookie %q needs Secure, Path \"/\" and no Domain", name)
	}
	if strings.HasPrefix(name, "__Secure-") && !m.Cookie.Secure {
		return fmt.Errorf("session: cookie %q needs Secure", name)
	}
	if m.Cookie.SameSite == http.SameSiteNoneMode && !m.Cookie.Secure {
		return errors.New("session: SameSite=None needs Secure")
	}
	if err := (&http.Cookie{Name: name, Value: "x"}).Valid(); err != nil {
		return fmt.Errorf("session: invalid cookie name %q", name)
	}
	return nil
}

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Manager) lifetime() time.Duration {
	if m.Lifetime > 0 {
		return m.Lifetime
	}
	return DefaultLifetime
}

func (m *Manager) touchInterval() time.Duration {
	if m.TouchInterval > 0 {
		return m.TouchInterval
	}
	if m.IdleTimeout > 0 && m.IdleTimeout/2 < DefaultTouchInterval {
		return m.IdleTimeout / 2
	}
	return DefaultTouchInterval
}

func (m *Manager) logger() *slog.Logger {
	if m.Logger != nil {
		return m.Logger
	}
	return slog.Default()
}

// storeID maps a key to the store's id.
func (m *Manager) storeID(key string) string {
	if km, ok := m.Store.(KeyMapper); ok {
		return km.StoreID(key)
	}
	return HashKey(key)
}

// opContext bounds one store operation by Timeout.
func (m *Manager) opContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if m.Timeout > 0 {
		return context.WithTimeout(ctx, m.Timeout)
	}
	return ctx, func() {}
}

// expires computes when a record saved or touched at now stops being valid.
func (m *Manager) expires(rec *Record, now time.Time) time.Time {
	end := rec.Created.Add(m.lifetime())
	if m.IdleTimeout > 0 {
		if idle := now.Add(m.IdleTimeout); idle.Before(end) {
			end = idle
		}
	}
	return end
}

// live reports whether a loaded record is still valid under the current configuration (which may be
// stricter than when it was saved).
func (m *Manager) live(rec *Record, now time.Time) bool {
	if !now.Before(rec.Expires) || !now.Before(rec.Created.Add(m.lifetime())) {
		return false
	}
	return m.IdleTimeout <= 0 || now.Before(rec.LastSeen.Add(m.IdleTimeout))
}

func (m *Manager) fail(w http.ResponseWriter, r *http.Request, err error) {
	if m.ErrorHandler != nil {
		m.ErrorHandler(w, r, err)
		return
	}
	WriteError(w, err)
}

// WriteError is the default error response: JSON {"detail": ...}, 400 for ErrInterrupted and 503 for
// anything else (a store that could not be reached or answered in time). The store's own error text
// is never shown to the client.
func WriteError(w http.ResponseWriter, err error) {
	status, detail := http.StatusServiceUnavailable, "Session store unavailable, try again later."
	if errors.Is(err, ErrInterrupted) {
		status, detail = http.StatusBadRequest, "The session ended while this request was running; its changes were not saved."
	}
	h := w.Header()
	h.Del("Content-Length")
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"detail": detail})
	w.Write(b)
}
