// Package django reads and writes the formats Django keeps its sessions,
// logins, CSRF tokens and signed values in, so that a Go server and a Django
// project can share a secret key, a session table and a user table. It does
// no I/O: the session stores that use it live elsewhere.
//
// Django's behaviour follows drf-django-spec.md §2.3–§2.8 and the source of
// Django 3.2 (with its 4.x and 5.x changes); testdata/vectors.json holds
// vectors made by Django 3.2.25 itself (testdata/gen_vectors.py), and the
// tests check every one of them.
//
// # Signing (django.core.signing)
//
// [Signer] and [TimestampSigner] make and check Django's signed strings
// (value:signature and value:timestamp:signature, HMAC-SHA256 of salted_hmac,
// unpadded URL-safe base64, base-62 timestamps), with fallback keys
// (SECRET_KEY_FALLBACKS) and, on request, the SHA-1 signatures of Django 3.1
// and 3.2. [Dumps] and [Loads] are signing.dumps and signing.loads: compact
// JSON, optionally zlib-compressed (marked by a leading '.'). Failures are
// [ErrBadSignature], [ErrSignatureExpired] (which is also an
// ErrBadSignature, as in Django), [ErrMalformed] and [ErrConfig].
//
// # Sessions (django.contrib.sessions)
//
// [EncodeSessionData] writes the session_data column as Django 3.1 and later
// do; [DecodeSessionData] reads that format and the older ones (SHA-1
// signatures, the pre-3.1 base64 "hash:json" form). Values are kept as
// json.RawMessage so that nothing is lost between the two sides. The
// signed_cookies backend's cookie is [Dumps] / [Loads] with
// [SignedCookiesSalt].
//
// # Logins (django.contrib.auth)
//
// A logged-in session holds [SessionKeyUserID] (the primary key as a JSON
// string), [SessionKeyBackend] and [SessionKeyHash]; [ReadAuthSession] and
// [AuthSession.Put] read and write them. [SessionAuthHash] is
// get_session_auth_hash and [CheckSessionAuthHash] checks a stored hash
// against the current key, the fallback keys and the legacy SHA-1 form.
// Django's password hashes are handled by package auth/password; set
// password.Hasher.Django to what [Version.PasswordHasher] returns for the
// project's first PASSWORD_HASHERS entry when the user table is shared with
// Django.
//
// # CSRF (django.middleware.csrf)
//
// [CSRFSecret] reads a csrftoken cookie of either form (64-character masked
// token up to Django 4.0, 32-character secret from 4.1) and
// [CSRFCookieValue] writes the form a given [Version] writes. The masking
// itself is package csrf's.
package django
