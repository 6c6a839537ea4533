package django

import (
	"bytes"
	"crypto/hmac"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/sessionauth/sessionauth/internal/saltedhmac"
)

// legacySessionSalt is the key_salt of the pre-3.1 session format:
// "django.contrib.sessions" + the class name, with no dot in between.
const legacySessionSalt = "django.contrib.sessionsSessionStore"

// EncodeSessionData encodes session data as Django's db, cached_db and file
// session stores write it into session_data (SessionBase.encode, Django 3.1
// and later): Dumps(data, secretKey, SessionSalt, true), a compressed when
// worthwhile, timestamped, HMAC-SHA256-signed JSON object. The values are
// written as the raw JSON they hold. Django 3.1 and later read it (3.2 with
// DEFAULT_HASHING_ALGORITHM = 'sha1' too, since reading accepts both).
//
// A nil or empty map encodes as {}. It fails for an empty secretKey and for
// values that are not valid JSON.
func EncodeSessionData(data map[string]json.RawMessage, secretKey string) (string, error) {
	if data == nil {
		data = map[string]json.RawMessage{}
	}
	s := TimestampSigner{Signer: Signer{Key: secretKey, Salt: SessionSalt}}
	return s.SignObject(data, true)
}

// DecodeSessionData decodes a session_data value written by any Django from
// 1.x to 5.x with the JSON session serializer. keys[0] is the secret key and
// keys[1:] the fallback keys (SECRET_KEY_FALLBACKS); every key is tried for
// every format. Accepted are:
//
//   - the format of Django 3.1 and later (see EncodeSessionData), signed with
//     HMAC-SHA256, or with HMAC-SHA1 as Django 3.1 and 3.2 write it under
//     DEFAULT_HASHING_ALGORITHM = 'sha1' and still read;
//   - the format of Django 3.0 and earlier, which Django 3.1 and 3.2 still
//     read: standard base64 of 40 hex digits of HMAC-SHA1 (salted_hmac with
//     key salt "django.contrib.sessionsSessionStore"), ':' and the JSON.
//
// The timestamp is not checked: Django's stores keep their own expiry date.
// The result holds each value's raw JSON, as Django wrote it.
//
// Errors wrap ErrBadSignature when no key verifies the value in either
// format, and ErrMalformed when the signature verifies but the content is not
// a JSON object. Django answers both with an empty session (and a
// "Session data corrupted" warning for the first) while keeping the session
// key; callers should do the same rather than delete the record.
func DecodeSessionData(s string, keys []string) (map[string]json.RawMessage, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no key", ErrConfig)
	}
	var data map[string]json.RawMessage
	ts := TimestampSigner{Signer: Signer{Key: keys[0], FallbackKeys: keys[1:], Salt: SessionSalt, LegacySHA1: true}}
	err := ts.UnsignObject(s, NoAgeLimit, &data)
	if errors.Is(err, ErrBadSignature) {
		if legacy, lerr := decodeLegacySession(s, keys); lerr == nil {
			return legacy, nil
		} else if !errors.Is(lerr, ErrBadSignature) {
			err = lerr
		}
	}
	if err != nil {
		return nil, err
	}
	if data == nil { // JSON null
		return nil, fmt.Errorf("%w: session data is not a JSON object", ErrMalformed)
	}
	return data, nil
}

// decodeLegacySession reads the pre-3.1 format (SessionBase._legacy_decode).
func decodeLegacySession(s string, keys []string) (map[string]json.RawMessage, error) {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: not the legacy format either", ErrBadSignature)
	}
	sum, serialized, ok := bytes.Cut(raw, []byte(":"))
	if !ok {
		return nil, fmt.Errorf("%w: not the legacy format either", ErrBadSignature)
	}
	verified := false
	for _, k := range keys {
		if k == "" {
			continue
		}
		want := hex.EncodeToString(saltedHMACSHA1(legacySessionSalt, k, serialized))
		if hmac.Equal(sum, []byte(want)) {
			verified = true
			break
		}
	}
	if !verified {
		return nil, fmt.Errorf("%w: legacy session hash does not match", ErrBadSignature)
	}
	var data map[string]json.RawMessage
	if err := unmarshalLatin1(serialized, &data); err != nil {
		return nil, err
	}
	if data == nil {
		return nil, fmt.Errorf("%w: session data is not a JSON object", ErrMalformed)
	}
	return data, nil
}

// Session keys of django.contrib.auth and django.middleware.csrf.
const (
	// SessionKeyUserID holds the logged-in user's primary key as a JSON
	// string ("1", not 1): Django stores pk.value_to_string(user).
	SessionKeyUserID = "_auth_user_id"
	// SessionKeyBackend holds the dotted path of the authentication backend
	// that logged the user in.
	SessionKeyBackend = "_auth_user_backend"
	// SessionKeyHash holds the session auth hash (see SessionAuthHash) of
	// the user's password field at login.
	SessionKeyHash = "_auth_user_hash"
	// SessionKeyCSRF holds the CSRF token with CSRF_USE_SESSIONS = True: the
	// masked 64-character token up to Django 4.0, the 32-character secret
	// from 4.1.
	SessionKeyCSRF = "_csrftoken"

	// ModelBackend is the backend path Django's default
	// AUTHENTICATION_BACKENDS puts in SessionKeyBackend.
	ModelBackend = "django.contrib.auth.backends.ModelBackend"
)

// AuthSession is what django.contrib.auth.login stores in the session.
type AuthSession struct {
	UserID  string // the user's primary key, as text
	Backend string // e.g. ModelBackend
	Hash    string // SessionAuthHash of the password field at login
}

// ReadAuthSession extracts the login from session data. ok is false, as for
// an anonymous session in Django, when the user id or the backend is missing
// or not a JSON string, or the id is empty (a JSON integer is accepted for
// the id: Django's pk.to_python takes both). A missing or non-string hash gives Hash "",
// which CheckSessionAuthHash never accepts, as Django would flush such a
// session.
func ReadAuthSession(data map[string]json.RawMessage) (a AuthSession, ok bool) {
	id, ok := data[SessionKeyUserID]
	if !ok {
		return AuthSession{}, false
	}
	if a.UserID, ok = jsonStringValue(id); !ok {
		var n json.Number
		dec := json.NewDecoder(bytes.NewReader(id))
		dec.UseNumber()
		if dec.Decode(&n) != nil {
			return AuthSession{}, false
		}
		if _, err := strconv.ParseInt(n.String(), 10, 64); err != nil {
			return AuthSession{}, false
		}
		a.UserID = n.String()
	}
	if a.UserID == "" {
		return AuthSession{}, false
	}
	if a.Backend, ok = jsonStringValue(data[SessionKeyBackend]); !ok {
		return AuthSession{}, false
	}
	a.Hash, _ = jsonStringValue(data[SessionKeyHash])
	return a, true
}

// jsonStringValue returns the string raw holds, if it is a JSON string.
func jsonStringValue(raw json.RawMessage) (string, bool) {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// Put stores the login into session data as Django's login() does: all three
// keys, each as a JSON string.
func (a AuthSession) Put(data map[string]json.RawMessage) {
	data[SessionKeyUserID] = jsonString(a.UserID)
	data[SessionKeyBackend] = jsonString(a.Backend)
	data[SessionKeyHash] = jsonString(a.Hash)
}

func jsonString(s string) json.RawMessage {
	b, _ := marshalPython(s) // a string always encodes
	return b
}

// sessionAuthHashSalt is the key_salt of AbstractBaseUser.get_session_auth_hash.
const sessionAuthHashSalt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"

// SessionAuthHash returns Django's get_session_auth_hash (3.1 and later) for
// a user whose password field is encodedPassword: the hex HMAC-SHA256 of the
// field under salted_hmac's key for secretKey (64 hex digits). It equals
// auth.SessionAuthHash; both use internal/saltedhmac.
func SessionAuthHash(secretKey, encodedPassword string) string {
	return hex.EncodeToString(saltedhmac.Sum(sessionAuthHashSalt, secretKey, []byte(encodedPassword)))
}

// LegacySessionAuthHash returns the SHA-1 session auth hash of Django 3.0 and
// earlier (40 hex digits), which Django 3.1 and 3.2 still accept
// (_legacy_get_session_auth_hash) and 4.0 and later do not.
func LegacySessionAuthHash(secretKey, encodedPassword string) string {
	return hex.EncodeToString(saltedHMACSHA1(sessionAuthHashSalt, secretKey, []byte(encodedPassword)))
}

// CheckSessionAuthHash reports whether stored, the session's
// SessionKeyHash, is a valid session auth hash of encodedPassword under one
// of keys (keys[0] the secret key, keys[1:] SECRET_KEY_FALLBACKS), comparing
// in constant time. Both the SHA-256 hash and the SHA-1 LegacySessionAuthHash
// are accepted under every key.
//
// current is true only when stored is SessionAuthHash(keys[0], ...). When ok
// is true and current false, do what Django 4.1.8 and later do for a match
// under a fallback key: cycle the session key and store the current hash
// (Django 3.2 accepts the SHA-1 hash without rewriting it; rewriting it is
// harmless). When ok is false Django flushes the session: the password has
// changed since login, or the keys have.
func CheckSessionAuthHash(stored, encodedPassword string, keys []string) (ok, current bool) {
	if stored == "" {
		return false, false
	}
	for i, k := range keys {
		if k == "" {
			continue
		}
		if hmac.Equal([]byte(stored), []byte(SessionAuthHash(k, encodedPassword))) {
			return true, i == 0
		}
		if len(stored) == 40 && hmac.Equal([]byte(stored), []byte(LegacySessionAuthHash(k, encodedPassword))) {
			return true, false
		}
	}
	return false, false
}
