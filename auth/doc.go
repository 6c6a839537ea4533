// Package auth is django.contrib.auth for net/http: users with strong password hashing, login and
// logout on top of package session, the session auth hash that logs out a user's other sessions when
// the password changes, login throttling, and per-user session and API-token management.
//
// A Manager holds the stores and settings. A login handler calls Authenticate (which counts the
// attempt, checks the password and upgrades an outdated hash) and then Login (new session key, user
// id and auth hash stored, CSRF secret rotated). On later requests SessionUser returns the session's
// user, or nil — logging the session out when the user is gone, inactive or changed password.
//
// Formats follow Django's, so that a session or password hash written by one can be read by the other:
// session keys "_auth_user_hash" (and the user id as a record field), the session auth hash
// (HMAC-SHA256 keyed by SECRET_KEY), and the password encodings of package auth/password.
//
// Every failed password check returns ErrInvalidCredentials and costs one hash computation, whatever
// the cause, so neither the answer nor its timing tells whether an account exists.
package auth
