package auth

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/sessionauth/sessionauth/auth/password"
	"github.com/sessionauth/sessionauth/csrf"
	"github.com/sessionauth/sessionauth/session"
)

// Session keys, named as Django names them so that a session written by either side reads the same.
const (
	// HashSessionKey holds the session auth hash (an HMAC of the user's password hash).
	HashSessionKey = "_auth_user_hash"
)

// Errors of authentication. Every failed login reports ErrInvalidCredentials, whatever the cause
// (unknown user, wrong password, inactive account, unusable or over-long password), so that the
// answer cannot be used to find out which accounts exist.
var (
	ErrInvalidCredentials = errors.New("auth: invalid credentials")
	ErrNoSessionIndex     = errors.New("auth: the session store has no per-user index")
	ErrNoTokenStore       = errors.New("auth: no token store configured")
	ErrSessionNotFound    = errors.New("auth: session not found")
)

// ThrottledError reports a login attempt refused by login throttling.
type ThrottledError struct {
	Wait time.Duration // how long to wait before trying again; 0 when unknown
}

// Error says how long to wait.
func (e *ThrottledError) Error() string {
	return fmt.Sprintf("auth: too many login attempts; retry in %s", e.Wait.Round(time.Second))
}

// Manager is Django's django.contrib.auth for net/http: it authenticates credentials, logs users in
// and out of sessions, checks on each request that a session still belongs to a valid user, changes
// passwords, and manages a user's sessions and API tokens. Configure it with the exported fields; it
// must not be changed once in use.
type Manager struct {
	Users    UserStore        // the accounts; required
	Tokens   TokenStore       // optional: API tokens
	Sessions *session.Manager // its Store should implement session.UserIndex (listing and revoking)
	CSRF     *csrf.Policy     // optional: the CSRF secret is rotated at login
	Hasher   *password.Hasher // nil means the default argon2id parameters
	// Validators check new passwords; nil means password.DefaultValidators(), an empty non-nil slice
	// none.
	Validators []password.Validator
	// SecretKey keys the session auth hash (Django's SECRET_KEY). Required.
	SecretKey string
	// SecretKeyFallbacks are previous keys still accepted (Django's SECRET_KEY_FALLBACKS); a session
	// hashed with one is upgraded to the current key on its next request.
	SecretKeyFallbacks []string
	// Throttle limits login attempts; nil disables login throttling (the server always sets it).
	Throttle *LoginThrottle
	// ClientIP returns the client's address for throttling and session lists; nil uses RemoteAddr.
	ClientIP func(*http.Request) string
	Logger   *slog.Logger     // nil means slog.Default()
	Now      func() time.Time // the clock; nil means time.Now
	// OnAuthenticate, when set, is called once per Authenticate call with the outcome: "ok",
	// "failed" or "throttled" (not for store failures). Servers count logins with it.
	OnAuthenticate func(result string)

	once       sync.Once
	hasher     *password.Hasher
	hashKey    []byte
	oldKeys    [][]byte
	validators []password.Validator
	cache      hashCache
}

func (m *Manager) init() {
	m.once.Do(func() {
		m.cache.seed = maphash.MakeSeed()
		m.hasher = m.Hasher
		if m.hasher == nil {
			m.hasher = &password.Hasher{}
		}
		m.hashKey = sessionHashKey(m.SecretKey)
		for _, k := range m.SecretKeyFallbacks {
			m.oldKeys = append(m.oldKeys, sessionHashKey(k))
		}
		m.validators = m.Validators
		if m.validators == nil {
			m.validators = password.DefaultValidators()
		}
	})
}

// Validate reports a configuration that cannot work.
func (m *Manager) Validate() error {
	switch {
	case m.Users == nil:
		return errors.New("auth: Manager.Users is nil")
	case m.Sessions == nil:
		return errors.New("auth: Manager.Sessions is nil")
	case len(m.SecretKey) < 32:
		return errors.New("auth: Manager.SecretKey must be at least 32 characters")
	}
	if m.Throttle != nil {
		if err := m.Throttle.validate(); err != nil {
			return err
		}
	}
	return m.Sessions.Validate()
}

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Manager) logger() *slog.Logger {
	if m.Logger != nil {
		return m.Logger
	}
	return slog.Default()
}

// ClientAddress returns the client address used for throttling and session lists (ClientIP, or the
// connection's peer address).
func (m *Manager) ClientAddress(r *http.Request) string {
	if m.ClientIP != nil {
		return m.ClientIP(r)
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// PasswordHasher returns the hasher in use.
func (m *Manager) PasswordHasher() *password.Hasher {
	m.init()
	return m.hasher
}

// Authenticate checks a username and password (Django's authenticate with ModelBackend) and returns
// the user. Every failure is ErrInvalidCredentials and costs one password-hash computation, except
// throttled attempts (*ThrottledError, no hashing) and store failures (returned as they are). A stored
// hash in an outdated format is upgraded on success.
func (m *Manager) Authenticate(ctx context.Context, username, pw, clientIP string) (*User, error) {
	u, err := m.authenticate(ctx, username, pw, clientIP)
	if m.OnAuthenticate != nil {
		var throttled *ThrottledError
		switch {
		case err == nil:
			m.OnAuthenticate("ok")
		case errors.Is(err, ErrInvalidCredentials):
			m.OnAuthenticate("failed")
		case errors.As(err, &throttled):
			m.OnAuthenticate("throttled")
		}
	}
	return u, err
}

func (m *Manager) authenticate(ctx context.Context, username, pw, clientIP string) (*User, error) {
	m.init()
	username = NormalizeUsername(username)
	if err := m.Throttle.attempt(ctx, username, clientIP, m.now()); err != nil {
		return nil, err
	}
	if len(pw) > password.MaxLength {
		return nil, ErrInvalidCredentials // refused before hashing: a huge password is a DoS, not a guess
	}
	u, err := m.Users.UserByUsername(ctx, username)
	if errors.Is(err, ErrUserNotFound) {
		if err := m.hasher.Burn(ctx, pw); err != nil {
			return nil, err
		}
		return nil, ErrInvalidCredentials
	}
	if err != nil {
		return nil, err
	}
	ok, upgrade, err := m.hasher.Verify(ctx, pw, u.Password)
	if err != nil && !m.unusableStoredHash(err, u.ID) {
		return nil, err
	}
	if !ok || !u.IsActive {
		return nil, ErrInvalidCredentials
	}
	if upgrade {
		if enc, err := m.hasher.Hash(ctx, pw); err == nil {
			if err := m.Users.UpdateUser(ctx, u.ID, UserChange{Password: &enc}); err == nil {
				u.Password = enc
			} else {
				m.logger().Warn("auth: password hash upgrade not saved", "user_id", u.ID, "error", err)
			}
		}
	}
	m.Throttle.succeeded(ctx, username)
	return u, nil
}

// unusableStoredHash reports whether err from Verify means that the stored hash can match no password
// (malformed, an unsupported variant, costs out of range) rather than that the Hasher itself is
// unusable. Such a hash fails like a wrong password, as in Django's check_password; Verify has done the
// same hashing work, so the failure looks like any other.
func (m *Manager) unusableStoredHash(err error, userID int64) bool {
	if !errors.Is(err, password.ErrUnknownFormat) {
		return false
	}
	if cerr := m.hasher.Check(); cerr != nil && !errors.Is(cerr, password.ErrWeakParameters) {
		return false // the Hasher's own parameters are unusable: a configuration error
	}
	m.logger().Warn("auth: stored password hash cannot be verified", "user_id", userID, "error", err)
	return true
}

// Login attaches u to the request's session, as Django's login does: a session that belonged to
// another user (or holds a login of an authentication backend not accepted here) is flushed,
// otherwise its key is cycled (the old key dies with this response); the user
// id and the session auth hash are stored; the CSRF secret is rotated; last_login is updated.
func (m *Manager) Login(w http.ResponseWriter, r *http.Request, u *User) error {
	m.init()
	s := session.From(r)
	current, err := s.UserID()
	if err != nil {
		return err
	}
	stale := current != "" && current != strconv.FormatInt(u.ID, 10)
	switch {
	case !stale && current != "":
		h, err := s.GetString(HashSessionKey)
		if err != nil {
			return err
		}
		stale = !m.hashMatches(h, u.Password, m.hashKey)
	case current == "":
		// An anonymous session that carries an auth hash holds a login this side does not accept
		// (a Django session of another authentication backend): start afresh rather than carry
		// another login's data into this one.
		_, found, err := s.GetRaw(HashSessionKey)
		if err != nil {
			return err
		}
		stale = found
	}
	if stale {
		err = s.Flush()
	} else {
		err = s.CycleKey()
	}
	if err != nil {
		return err
	}
	if err := s.SetUserID(strconv.FormatInt(u.ID, 10)); err != nil {
		return err
	}
	if err := s.Set(HashSessionKey, m.sessionHash(u.Password, m.hashKey)); err != nil {
		return err
	}
	if err := s.SetClient(m.ClientAddress(r), userAgent(r)); err != nil {
		return err
	}
	if m.CSRF != nil {
		if err := m.CSRF.Rotate(w, r); err != nil {
			return err
		}
	}
	now := m.now()
	if err := m.Users.UpdateUser(r.Context(), u.ID, UserChange{LastLogin: &now}); err != nil {
		m.logger().Warn("auth: last_login not saved", "user_id", u.ID, "error", err)
	} else {
		u.LastLogin = now
	}
	return nil
}

// Logout ends the request's session: the record is deleted before the response goes out (a failure
// turns the response into a 503) and the cookie is deleted.
func (m *Manager) Logout(w http.ResponseWriter, r *http.Request) error {
	return session.From(r).Flush()
}

// SessionUser returns the user the request's session belongs to, or nil for an anonymous session.
// Like Django's get_user, it logs the session out (flushes it) when the user no longer exists, is
// inactive, or changed password since the session was created (the stored auth hash no longer
// matches). A store failure is returned as an error, never treated as anonymous. Before flushing over
// what a caching store answered, it re-reads the user through FreshUserReader when the store has it.
func (m *Manager) SessionUser(r *http.Request) (*User, error) {
	m.init()
	s := session.From(r)
	if s == nil {
		return nil, nil
	}
	idText, err := s.UserID()
	if err != nil || idText == "" {
		return nil, err
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return nil, s.Flush()
	}
	raw, _, err := s.GetRaw(HashSessionKey)
	if err != nil {
		return nil, err
	}
	h := raw
	if len(h) >= 2 && h[0] == '"' && h[len(h)-1] == '"' {
		h = h[1 : len(h)-1] // a JSON string of hex digits: no escapes to decode
	}
	u, key, err := m.sessionVerdict(r.Context(), m.Users.User, id, h)
	if err == nil && u == nil {
		if fresh, ok := m.Users.(FreshUserReader); ok {
			u, key, err = m.sessionVerdict(r.Context(), fresh.UserUncached, id, h)
		}
	}
	switch {
	case err != nil:
		return nil, err
	case u == nil:
		return nil, s.Flush()
	case key > 0:
		// Hashed under a retired secret key: move the session to the current key.
		if err := s.CycleKey(); err != nil {
			return nil, err
		}
		return u, s.Set(HashSessionKey, m.sessionHash(u.Password, m.hashKey))
	}
	return u, nil
}

// sessionVerdict loads user id with load and checks the session's auth hash h against it: the user
// when the session is valid, with key > 0 when h was made with fallback key number key; nil when the
// user is missing or inactive or h does not match; an error when the store failed.
func (m *Manager) sessionVerdict(ctx context.Context, load func(context.Context, int64) (*User, error), id int64, h []byte) (u *User, key int, err error) {
	u, err = load(ctx, id)
	if errors.Is(err, ErrUserNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	if !u.IsActive {
		return nil, 0, nil
	}
	if m.rawHashMatches(h, u.Password, m.hashKey) {
		return u, 0, nil
	}
	for i, k := range m.oldKeys {
		if m.rawHashMatches(h, u.Password, k) {
			return u, i + 1, nil
		}
	}
	return nil, 0, nil
}

func userAgent(r *http.Request) string {
	ua := r.UserAgent()
	if len(ua) > 512 {
		ua = ua[:512]
	}
	return ua
}
