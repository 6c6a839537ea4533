package django

import (
	"bytes"
	"compress/zlib"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/sessionauth/sessionauth/internal/saltedhmac"
)

// Salts of Django's signed values. Values signed with one salt do not verify
// with another, which keeps values made for one purpose from being replayed
// for another.
const (
	// DefaultSalt is the salt of django.core.signing.dumps and loads when
	// none is given; Dumps and Loads use it for an empty salt.
	DefaultSalt = "django.core.signing"

	// SessionSalt is the key_salt of the session data that Django's db,
	// cached_db and file session stores write (SessionBase.key_salt for the
	// built-in SessionStore classes).
	SessionSalt = "django.contrib.sessions.SessionStore"

	// SignedCookiesSalt is the salt of the signed_cookies session backend,
	// whose cookie value is Dumps(data, key, SignedCookiesSalt, true) and is
	// read with Loads and MaxAge(SESSION_COOKIE_AGE).
	SignedCookiesSalt = "django.contrib.sessions.backends.signed_cookies"

	// signerSalt and timestampSignerSalt are the salts Django's Signer and
	// TimestampSigner classes use when none (or an empty one) is given:
	// "<module>.<class name>".
	signerSalt          = "django.core.signing.Signer"
	timestampSignerSalt = "django.core.signing.TimestampSigner"
)

// Algorithm is the hash function of a signature's HMAC.
type Algorithm string

// The algorithms Django's signing uses in practice.
const (
	// SHA256 is the algorithm of Django 3.1 and later (the zero Algorithm
	// means SHA256).
	SHA256 Algorithm = "sha256"
	// SHA1 is the algorithm of Django 3.0 and earlier, and of Django 3.1 and
	// 3.2 with DEFAULT_HASHING_ALGORITHM = 'sha1'.
	SHA1 Algorithm = "sha1"
)

// Errors of signing and unsigning. Match them with errors.Is.
var (
	// ErrBadSignature reports a value whose signature does not verify with
	// any of the keys (or that has no separator at all): it was not signed
	// with these keys and this salt, or it was altered. It is Django's
	// BadSignature.
	ErrBadSignature = errors.New("django: bad signature")

	// ErrSignatureExpired reports a correctly signed value whose timestamp
	// is older than the maximum age asked for. As in Django, where
	// SignatureExpired is a subclass of BadSignature,
	// errors.Is(ErrSignatureExpired, ErrBadSignature) is true.
	ErrSignatureExpired error = expiredError{}

	// ErrMalformed reports a value whose signature verifies but whose
	// content cannot be decoded: a bad timestamp, base64, zlib stream or
	// JSON, or JSON that does not fit the destination. Only a holder of the
	// key can make such a value.
	ErrMalformed = errors.New("django: malformed signed value")

	// ErrConfig reports a Signer that cannot be used: an empty key, an
	// unknown Algorithm, or an unsafe separator (Django refuses separators
	// made only of [A-z0-9-_=], because they could be part of a value or
	// signature).
	ErrConfig = errors.New("django: invalid signer configuration")
)

type expiredError struct{}

func (expiredError) Error() string { return "django: signature expired" }

// Is makes errors.Is(ErrSignatureExpired, ErrBadSignature) true.
func (expiredError) Is(target error) bool { return target == ErrBadSignature }

// maxDecompressed bounds the size a compressed payload may inflate to. Only
// a key holder can make a payload that passes the signature check, so this
// is a safety net against a leaked key, not a limit Django has; it is far
// above any real session.
var maxDecompressed int64 = 64 << 20 // a variable only so that tests can lower it

// b64 is the base64 of Django's signed values: URL-safe alphabet, padding
// stripped (django.core.signing.b64_encode / b64_decode).
var b64 = base64.RawURLEncoding

// Signer signs strings and JSON values like django.core.signing.Signer: the
// result is value + Sep + signature, where the signature is the unpadded
// URL-safe base64 of HMAC(H(Salt + "signer" + key), value) (Django's
// salted_hmac). Unsign tries Key first, then each of FallbackKeys, like
// Django 4.1 and later with SECRET_KEY_FALLBACKS.
//
// A Signer is a plain value; it may be shared by goroutines as long as its
// fields do not change.
type Signer struct {
	// Key is the secret key (Django's SECRET_KEY). It must not be empty.
	Key string
	// FallbackKeys are older keys that Unsign still accepts (Django's
	// SECRET_KEY_FALLBACKS); Sign never uses them. Empty entries are
	// ignored.
	FallbackKeys []string
	// Salt namespaces the signatures; "" means Django's default,
	// "django.core.signing.Signer" ("django.core.signing.TimestampSigner" for
	// a TimestampSigner), as for Django's Signer(salt="").
	Salt string
	// Sep separates value and signature; "" means ":".
	Sep string
	// Algorithm is the HMAC hash; "" means SHA256.
	Algorithm Algorithm
	// LegacySHA1 makes Unsign also accept HMAC-SHA1 signatures, as Django
	// 3.1 and 3.2 do (Signer.legacy_algorithm) so that values signed before
	// an upgrade from 3.0 stay valid. Django 4.0 and later do not.
	LegacySHA1 bool
}

// config is a validated Signer with its defaults applied.
type config struct {
	keys      []string
	salt      string
	sep       string
	algorithm Algorithm
	legacy    bool
}

func (s *Signer) config(defaultSalt string) (config, error) {
	c := config{salt: s.Salt, sep: s.Sep, algorithm: s.Algorithm, legacy: s.LegacySHA1}
	if s.Key == "" {
		return c, fmt.Errorf("%w: empty key", ErrConfig)
	}
	c.keys = append(make([]string, 0, 1+len(s.FallbackKeys)), s.Key)
	for _, k := range s.FallbackKeys {
		if k != "" {
			c.keys = append(c.keys, k)
		}
	}
	if c.salt == "" {
		c.salt = defaultSalt
	}
	if c.sep == "" {
		c.sep = ":"
	}
	if unsafeSep(c.sep) {
		return c, fmt.Errorf("%w: unsafe separator %q", ErrConfig, c.sep)
	}
	switch c.algorithm {
	case "":
		c.algorithm = SHA256
	case SHA256, SHA1:
	default:
		return c, fmt.Errorf("%w: unknown algorithm %q", ErrConfig, c.algorithm)
	}
	if c.algorithm == SHA1 {
		c.legacy = false // already the main algorithm
	}
	return c, nil
}

// unsafeSep mirrors Django's _SEP_UNSAFE = r'^[A-z0-9-_=]*$' (note that A-z
// also spans [\]^_`).
func unsafeSep(sep string) bool {
	for i := 0; i < len(sep); i++ {
		c := sep[i]
		if !(c >= 'A' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '=') {
			return false
		}
	}
	return true
}

// signature returns Django's base64_hmac(salt + "signer", value, key).
func signature(alg Algorithm, salt, key, value string) string {
	var sum []byte
	if alg == SHA1 {
		sum = saltedHMACSHA1(salt+"signer", key, []byte(value))
	} else {
		sum = saltedhmac.Sum(salt+"signer", key, []byte(value))
	}
	return b64.EncodeToString(sum)
}

// saltedHMACSHA1 is Django's salted_hmac with algorithm='sha1' (the only
// algorithm before 3.1): HMAC-SHA1 keyed by SHA1(keySalt + secret). The
// SHA-256 form lives in internal/saltedhmac; this one is needed only to read
// values from before Django 3.1.
func saltedHMACSHA1(keySalt, secret string, value []byte) []byte {
	key := sha1.Sum([]byte(keySalt + secret))
	m := hmac.New(sha1.New, key[:])
	m.Write(value)
	return m.Sum(nil)
}

func (c *config) sign(value string) string {
	return value + c.sep + signature(c.algorithm, c.salt, c.keys[0], value)
}

// unsign splits signed at its last separator and checks the signature
// against every key (and, if enabled, every key with SHA-1), comparing in
// constant time.
func (c *config) unsign(signed string) (string, error) {
	i := strings.LastIndex(signed, c.sep)
	if i < 0 {
		return "", fmt.Errorf("%w: no %q found in value", ErrBadSignature, c.sep)
	}
	value, sig := signed[:i], signed[i+len(c.sep):]
	for _, k := range c.keys {
		if hmac.Equal([]byte(sig), []byte(signature(c.algorithm, c.salt, k, value))) {
			return value, nil
		}
		if c.legacy && hmac.Equal([]byte(sig), []byte(signature(SHA1, c.salt, k, value))) {
			return value, nil
		}
	}
	return "", fmt.Errorf("%w: signature does not match", ErrBadSignature)
}

// Sign returns value + Sep + signature. The only errors are wrapped
// ErrConfig.
func (s *Signer) Sign(value string) (string, error) {
	c, err := s.config(signerSalt)
	if err != nil {
		return "", err
	}
	return c.sign(value), nil
}

// Unsign returns the value that signed carries if its signature verifies with
// Key or one of FallbackKeys, and an error wrapping ErrBadSignature (or
// ErrConfig) otherwise.
func (s *Signer) Unsign(signed string) (string, error) {
	c, err := s.config(signerSalt)
	if err != nil {
		return "", err
	}
	return c.unsign(signed)
}

// SignObject signs the JSON encoding of v like Django's Signer.sign_object:
// see Dumps for the format. It fails for values encoding/json cannot encode
// and for an invalid Signer.
func (s *Signer) SignObject(v any, compress bool) (string, error) {
	c, err := s.config(signerSalt)
	if err != nil {
		return "", err
	}
	payload, err := encodeObject(v, compress)
	if err != nil {
		return "", err
	}
	return c.sign(payload), nil
}

// UnsignObject verifies signed (as made by SignObject or Django's
// Signer.sign_object) and decodes its JSON into into, with
// encoding/json.Unmarshal.
func (s *Signer) UnsignObject(signed string, into any) error {
	c, err := s.config(signerSalt)
	if err != nil {
		return err
	}
	payload, err := c.unsign(signed)
	if err != nil {
		return err
	}
	return decodeObject(payload, into)
}

// TimestampSigner is Django's TimestampSigner: a Signer that appends Sep and
// the signing time (whole Unix seconds in base 62) to the value before
// signing, so that Unsign can refuse values older than a maximum age. The
// promoted Signer methods sign without a timestamp; the TimestampSigner's own
// methods are the ones that interoperate with Django's TimestampSigner,
// dumps and loads.
type TimestampSigner struct {
	Signer
	// Now returns the current time; nil means time.Now. Tests set it.
	Now func() time.Time
}

// timeNow is time.Now, replaced by tests of the functions that have no Now
// field (Dumps, EncodeSessionData).
var timeNow = time.Now

func (s *TimestampSigner) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return timeNow()
}

// Sign returns value + Sep + timestamp + Sep + signature.
func (s *TimestampSigner) Sign(value string) (string, error) {
	c, err := s.config(timestampSignerSalt)
	if err != nil {
		return "", err
	}
	return c.sign(value + c.sep + encodeBase62(s.now().Unix())), nil
}

// An AgeLimit is how old a timestamped value may be: Django's max_age. The
// zero AgeLimit, NoAgeLimit, checks no age (max_age=None); MaxAge(d) refuses
// values signed more than d ago. Unlike a bare duration, it cannot confuse
// "no limit" with Django's max_age=0, which expires every value.
type AgeLimit struct {
	max time.Duration
	set bool
}

// NoAgeLimit checks no age, as Django's max_age=None (the default of
// signing.loads and TimestampSigner.unsign).
var NoAgeLimit = AgeLimit{}

// MaxAge is Django's max_age=d: a value is expired when more than d has
// passed since it was signed. As in Django, MaxAge(0) expires a value as
// soon as any time has passed since the whole second it was signed in, and
// a negative d expires every value.
func MaxAge(d time.Duration) AgeLimit { return AgeLimit{max: d, set: true} }

// expired reports whether a value signed at the whole Unix second signed
// is past the limit at now.
func (l AgeLimit) expired(now time.Time, signed int64) (time.Duration, bool) {
	age := now.Sub(time.Unix(signed, 0))
	return age, l.set && age > l.max
}

// String describes the limit for error messages.
func (l AgeLimit) String() string {
	if !l.set {
		return "no age limit"
	}
	return "max age " + l.max.String()
}

// Unsign verifies signed and returns the value it carries; a value older
// than limit allows gives ErrSignatureExpired (NoAgeLimit checks no age).
// Errors wrap ErrBadSignature, ErrSignatureExpired, ErrMalformed (correct
// signature, unreadable timestamp) or ErrConfig.
func (s *TimestampSigner) Unsign(signed string, limit AgeLimit) (string, error) {
	c, err := s.config(timestampSignerSalt)
	if err != nil {
		return "", err
	}
	return s.unsign(&c, signed, limit)
}

func (s *TimestampSigner) unsign(c *config, signed string, limit AgeLimit) (string, error) {
	stamped, err := c.unsign(signed)
	if err != nil {
		return "", err
	}
	i := strings.LastIndex(stamped, c.sep)
	if i < 0 {
		return "", fmt.Errorf("%w: no timestamp", ErrMalformed)
	}
	value, ts := stamped[:i], stamped[i+len(c.sep):]
	t, err := decodeBase62(ts)
	if err != nil {
		return "", err
	}
	if age, expired := limit.expired(s.now(), t); expired {
		return "", fmt.Errorf("%w: signature age %v, %v", ErrSignatureExpired, age, limit)
	}
	return value, nil
}

// SignObject signs the JSON encoding of v with a timestamp: Django's
// TimestampSigner.sign_object, which dumps calls. See Dumps for the format.
func (s *TimestampSigner) SignObject(v any, compress bool) (string, error) {
	c, err := s.config(timestampSignerSalt)
	if err != nil {
		return "", err
	}
	payload, err := encodeObject(v, compress)
	if err != nil {
		return "", err
	}
	return c.sign(payload + c.sep + encodeBase62(s.now().Unix())), nil
}

// UnsignObject verifies signed (and its age against limit, as Unsign does)
// and decodes its JSON into into with encoding/json.Unmarshal: Django's
// TimestampSigner.unsign_object, which loads calls.
func (s *TimestampSigner) UnsignObject(signed string, limit AgeLimit, into any) error {
	c, err := s.config(timestampSignerSalt)
	if err != nil {
		return err
	}
	payload, err := s.unsign(&c, signed, limit)
	if err != nil {
		return err
	}
	return decodeObject(payload, into)
}

// Dumps returns v as a signed, URL-safe string that Django's
// signing.loads(value, key=key, salt=salt) accepts: Django's
// signing.dumps(v, key=key, salt=salt, compress=compress). An empty salt
// means DefaultSalt, Django's default for dumps.
//
// The format is payload:timestamp:signature, where payload is the unpadded
// URL-safe base64 of v's compact JSON (separators ',' and ':', every
// character outside printable ASCII escaped as \uXXXX, exactly like Python's
// json.dumps with Django's settings). With compress set, the JSON is zlib
// compressed when that saves more than one byte, and the payload then starts
// with '.'. The timestamp is the current Unix time in base 62 and the
// signature the HMAC-SHA256 described at Signer.
//
// Map keys come out sorted (Python keeps insertion order instead), and Go's
// zlib does not produce the same bytes as CPython's, so the string may differ
// from Django's for the same value; it always decodes to the same value.
// json.RawMessage values are written as they are (compacted and escaped), so
// raw JSON round-trips exactly.
func Dumps(v any, key, salt string, compress bool) (string, error) {
	if salt == "" {
		salt = DefaultSalt
	}
	s := TimestampSigner{Signer: Signer{Key: key, Salt: salt}}
	return s.SignObject(v, compress)
}

// Loads verifies a value made by Dumps or Django's signing.dumps and decodes
// its JSON into into (with encoding/json.Unmarshal). keys[0] is the secret
// key and keys[1:] the fallback keys, as Django 4.1 and later try them
// (SECRET_KEY_FALLBACKS). An empty salt means DefaultSalt. A value older than
// limit allows gives ErrSignatureExpired; NoAgeLimit, Django's default,
// checks no age.
//
// Only HMAC-SHA256 signatures are accepted, as by Django 4.0 and later; use a
// TimestampSigner with LegacySHA1 to also accept the SHA-1 signatures that
// Django 3.1 and 3.2 accept. Errors wrap ErrBadSignature,
// ErrSignatureExpired, ErrMalformed or ErrConfig (no key).
func Loads(s string, keys []string, salt string, limit AgeLimit, into any) error {
	if len(keys) == 0 {
		return fmt.Errorf("%w: no key", ErrConfig)
	}
	if salt == "" {
		salt = DefaultSalt
	}
	ts := TimestampSigner{Signer: Signer{Key: keys[0], FallbackKeys: keys[1:], Salt: salt}}
	return ts.UnsignObject(s, limit, into)
}

// encodeObject returns the payload Django's sign_object signs: the base64 of
// the (possibly compressed) JSON of v, with a leading '.' if compressed.
func encodeObject(v any, compress bool) (string, error) {
	data, err := marshalPython(v)
	if err != nil {
		return "", err
	}
	compressed := false
	if compress {
		var buf bytes.Buffer
		w := zlibWriters.Get().(*zlib.Writer)
		w.Reset(&buf)
		w.Write(data) // a bytes.Buffer cannot fail
		w.Close()
		zlibWriters.Put(w)
		if buf.Len() < len(data)-1 {
			data, compressed = buf.Bytes(), true
		}
	}
	payload := b64.EncodeToString(data)
	if compressed {
		payload = "." + payload
	}
	return payload, nil
}

// decodeObject reverses encodeObject and unmarshals the JSON into into.
func decodeObject(payload string, into any) error {
	compressed := strings.HasPrefix(payload, ".")
	if compressed {
		payload = payload[1:]
	}
	data, err := b64.DecodeString(payload)
	if err != nil {
		return fmt.Errorf("%w: base64: %v", ErrMalformed, err)
	}
	if compressed {
		if data, err = inflate(data); err != nil {
			return err
		}
	}
	return unmarshalLatin1(data, into)
}

// Compressors and decompressors keep tens of kilobytes of state each; every session read or written
// would otherwise allocate them anew.
var (
	zlibWriters = sync.Pool{New: func() any { return zlib.NewWriter(nil) }} // default level, like zlib.compress
	zlibReaders sync.Pool                                                   // of io.ReadCloser that are zlib.Resetter
)

// inflate decompresses a zlib stream of at most maxDecompressed bytes.
func inflate(data []byte) ([]byte, error) {
	src := bytes.NewReader(data)
	var r io.ReadCloser
	if pooled, ok := zlibReaders.Get().(io.ReadCloser); ok {
		if err := pooled.(zlib.Resetter).Reset(src, nil); err != nil {
			zlibReaders.Put(pooled)
			return nil, fmt.Errorf("%w: zlib: %v", ErrMalformed, err)
		}
		r = pooled
	} else {
		var err error
		if r, err = zlib.NewReader(src); err != nil {
			return nil, fmt.Errorf("%w: zlib: %v", ErrMalformed, err)
		}
	}
	defer zlibReaders.Put(r)
	out, err := io.ReadAll(io.LimitReader(r, maxDecompressed+1))
	if err != nil {
		return nil, fmt.Errorf("%w: zlib: %v", ErrMalformed, err)
	}
	if int64(len(out)) > maxDecompressed {
		return nil, fmt.Errorf("%w: decompressed data larger than %d bytes", ErrMalformed, maxDecompressed)
	}
	return out, nil
}

// base62Digits is Django's BASE62_ALPHABET.
const base62Digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// encodeBase62 is Django's b62_encode: most significant digit first, "0" for
// zero, a leading '-' for negative numbers.
func encodeBase62(n int64) string {
	if n == 0 {
		return "0"
	}
	var buf [13]byte // 11 digits cover 2^63, plus the sign
	i := len(buf)
	u := uint64(n)
	if n < 0 {
		u = -u
	}
	for u > 0 {
		i--
		buf[i] = base62Digits[u%62]
		u /= 62
	}
	if n < 0 {
		i--
		buf[i] = '-'
	}
	return string(buf[i:])
}

// decodeBase62 is Django's b62_decode, refusing what Django would fail on
// (empty, foreign characters) and numbers outside int64 (Python has no such
// limit, but no real timestamp is near it).
func decodeBase62(s string) (int64, error) {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	if s == "" {
		return 0, fmt.Errorf("%w: empty timestamp", ErrMalformed)
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		d := strings.IndexByte(base62Digits, s[i])
		if d < 0 {
			return 0, fmt.Errorf("%w: bad timestamp %q", ErrMalformed, s)
		}
		if n > (1<<63-uint64(d))/62 {
			return 0, fmt.Errorf("%w: timestamp %q out of range", ErrMalformed, s)
		}
		n = n*62 + uint64(d)
	}
	if neg {
		return -int64(n), nil // n <= 2^63 - 1 here, or exactly 2^63 which wraps to itself
	}
	if n > 1<<63-1 {
		return 0, fmt.Errorf("%w: timestamp %q out of range", ErrMalformed, s)
	}
	return int64(n), nil
}
