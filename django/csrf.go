package django

import "github.com/sessionauth/sessionauth/csrf"

// CSRFSecret returns the CSRF secret a csrftoken cookie value stands for, in
// either of Django's forms: the 64-character masked token that Django 4.0 and
// earlier write (unmasked with Django's algorithm), or the 32-character
// secret of Django 4.1 and later (returned as is). Django 4.1 and later read
// both forms, and Django 3.2 does too.
//
// Errors are the csrf package's: csrf.ErrIncorrectLength for any other
// length and csrf.ErrInvalidCharacters for a character outside
// [a-zA-Z0-9]; Django 4.0 and later reject such a cookie with "CSRF cookie
// has incorrect length." / "... has invalid characters." and set a new one.
func CSRFSecret(cookieValue string) (string, error) {
	return csrf.Unmask(cookieValue)
}

// CSRFCookieValue returns the csrftoken cookie value that Django release v
// writes for secret: masked with a fresh random mask (64 characters) before
// 4.1, the 32-character secret itself from 4.1 on (see
// Version.MasksCSRFCookie). secret may be given in either form; a masked one
// is unmasked first. It fails like CSRFSecret for a malformed secret, and if
// the random source fails.
func CSRFCookieValue(secret string, v Version) (string, error) {
	secret, err := csrf.Unmask(secret)
	if err != nil {
		return "", err
	}
	if v.MasksCSRFCookie() {
		return csrf.Mask(secret)
	}
	return secret, nil
}
