// Package djangodb keeps sessions, users and API tokens in the tables of a running Django project, so
// that a Go server and the Django project share logins: a user who logged in on either side is logged
// in on both, a logout or a password change on either side takes effect on both.
//
// The tables are Django's own, created by Django's migrations (manage.py migrate); this package never
// creates or alters them:
//
//	django_session   sessions (session.Store, session.UserIndex, session.ExpiredDeleter, session.KeyMapper)
//	auth_user        users (auth.UserStore)
//	authtoken_token  DRF's API tokens (auth.TokenStore, auth.TokenKeyMapper), when
//	                 rest_framework.authtoken is installed
//
// on SQLite (a file path) or PostgreSQL (a postgres:// URL), the two databases Django projects most
// often run on.
//
// # Sessions
//
// A row of django_session holds the session key in clear (Django looks rows up by the key), so this
// store is a session.KeyMapper whose ids are the keys themselves: the one store in this module that
// keeps keys unhashed, as Django does. session_data is Django's signed, optionally compressed JSON
// (package django), signed with Options.SecretKey and read with the fallback keys too.
//
// A record maps onto Django's session dictionary as follows. Record.UserID is Django's _auth_user_id
// when _auth_user_backend names one of Options.AuthBackends (Django's AUTHENTICATION_BACKENDS; by
// default ModelBackend alone); a login under another backend, or none, reads as an anonymous record,
// as Django's get_user sees it, with both keys left in the data, so that saving it keeps Django's
// login as it was (UserSessions and DeleteUserSessions still count it as the user's, so that
// revoking a user's sessions ends it too). A login made here records the first accepted backend; the
// auth hash stays in the data under _auth_user_hash, where both sides read it. Record.Transient is
// Django's set_expiry(0) (_session_expiry = 0). Record.Expires is the expire_date column. What Django
// has no place for (Version, Created, LastSeen, IP, UserAgent) lives in one more key, "_sessionauth",
// which Django carries along untouched. A session Django created has no such key: it reads as version
// 1, created and last seen when Django last saved it (expire_date minus Options.CookieAge).
//
// Saves are compare-and-swap as the session.Store contract requires, in a transaction that locks the
// row. Django's own writes do not change Version, so Record.Tag holds a digest of the row's
// session_data as loaded: a Save whose row Django rewrote in between gets session.ErrConflict, and
// the session.Manager re-applies its changes on what Django wrote. Django saves without such a check
// (its last writer wins), as it always has.
//
// Django keeps no index of a user's sessions, so UserSessions and DeleteUserSessions read every live
// row and decode it: their cost grows with the number of live sessions (some 25 µs a row on SQLite,
// BenchmarkUserSessions), where the other stores' does not. Listing a user's sessions is an account-page operation, not a per-request
// one; a password change needs no listing at all, since the changed auth hash ends the other sessions
// on both sides.
//
// # Users
//
// auth_user rows are read and written as Django's ModelBackend uses them; first_name and last_name
// are left as they are (written empty for new users). Usernames are compared exactly, as the unique
// index does. Passwords are Django's encoded hashes: configure the auth.Manager's password.Hasher to
// write what that Django version writes (password.Hasher.Django set to django.Version.PasswordHasher)
// so that neither side keeps rehashing the other's passwords, which would end sessions each time.
//
// # Tokens
//
// DRF's authtoken_token holds one token per user, its 40-character key in clear. Token.ID is the
// owner's user id, Token.Name is always TokenName, and Token.KeyHash is the key (the store is an
// auth.TokenKeyMapper). Creating a second token for a user fails with auth.ErrTokenLimit.
//
// # Times
//
// Times are stored as Django stores them: timestamptz on PostgreSQL, UTC text with microseconds
// ("2006-01-02 15:04:05.000000") on SQLite.
//
// # Tests
//
// The tests create the tables with the real Django of interop/djangoproject (manage.py migrate), so
// they need Django: SESSIONAUTH_TEST_DJANGO names a python3 that imports it, and the PostgreSQL tests
// also SESSIONAUTH_TEST_POSTGRES_URL (a role that may create databases) and psycopg2. Without them
// the tests are skipped, or fail when SESSIONAUTH_REQUIRE_SERVICES=1.
package djangodb
