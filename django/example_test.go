package django_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sessionauth/sessionauth/django"
)

// Decoding what a Django project stores for a logged-in user: the
// session_data column of its django_session table (db, cached_db and file
// backends), and the sessionid cookie of the signed_cookies backend, whose
// value is the session data itself.
func Example() {
	keys := []string{"probe-secret-key-not-secret"} // SECRET_KEY, then SECRET_KEY_FALLBACKS

	// A row written by Django 3.2.
	row := ".eJxVjDsOwjAQRO_iGlnxB38o6TmDtWvv4gBypDipEHcnkVJANdK8N_MWCdalprXTnMYiLkKJ02-HkJ_UdlAe0O6TzFNb5hHlrsiDdnmbCr2uh_t3UKHXba1NNGqwgXhARucpZuPs2VrYUunMIXBWHgMbHSF7sh6B2NvolGcE8fkC1qM4FA:1xZBDo:4kp8La9CW60YHwNTT4fJ99UgUYiqAtgsyM0r_9Nlvvg"
	data, err := django.DecodeSessionData(row, keys)
	if err != nil {
		fmt.Println("corrupted session, treat as empty:", err)
		return
	}
	login, ok := django.ReadAuthSession(data)
	fmt.Println(ok, login.UserID, login.Backend)
	// Next: load user login.UserID, then
	// django.CheckSessionAuthHash(login.Hash, user.Password, keys).

	// A signed_cookies session cookie. Django reads it with a maximum age of
	// SESSION_COOKIE_AGE; this one was signed in 2023.
	cookie := "eyJhIjoxfQ:1r31eq:_GJIQ55bNyp2Crb-CNvghRmVJ80WOERV6OLhaLNdzxQ"
	var cookieData map[string]json.RawMessage
	err = django.Loads(cookie, keys, django.SignedCookiesSalt, django.MaxAge(14*24*time.Hour), &cookieData)
	fmt.Println(errors.Is(err, django.ErrSignatureExpired), errors.Is(err, django.ErrBadSignature))
	err = django.Loads(cookie, keys, django.SignedCookiesSalt, django.NoAgeLimit, &cookieData)
	fmt.Println(err, string(cookieData["a"]))
	// Output:
	// true 1 django.contrib.auth.backends.ModelBackend
	// true true
	// <nil> 1
}

// Checking the _auth_user_hash of a session against the user's current
// password field, with a rotated secret key.
func ExampleCheckSessionAuthHash() {
	const passwordField = "pbkdf2_sha256$260000$abcdefghijklmnopqrstuv$9jpp8cVQt7a7ujJrWzr0KoytR5UBy9qbF8d2OUhc1SY="
	stored := django.SessionAuthHash("probe-secret-key-not-secret", passwordField) // written at login

	// SECRET_KEY was rotated; the old one is a fallback.
	keys := []string{"a brand new secret key", "probe-secret-key-not-secret"}
	ok, current := django.CheckSessionAuthHash(stored, passwordField, keys)
	fmt.Println(ok, current)
	if ok && !current {
		// Like Django 4.1.8+: cycle the session key, then store the new hash.
		stored = django.SessionAuthHash(keys[0], passwordField)
	}
	fmt.Println(django.CheckSessionAuthHash(stored, passwordField, keys))

	// After a password change the hash no longer matches: log out.
	fmt.Println(django.CheckSessionAuthHash(stored, "pbkdf2_sha256$260000$other$...", keys))
	// Output:
	// true false
	// true true
	// false false
}

// Writing the CSRF cookie for the Django version the client side expects.
func ExampleCSRFCookieValue() {
	secret, err := django.CSRFSecret("4Hoc0aephIWlg94iTOvUbfEs98OMqOSMJieuTXtJ9HuOU8vZ1UPdfwiagmjZ1EI7")
	fmt.Println(secret, err)
	v, _ := django.ParseVersion("5.2.1")
	cookie, _ := django.CSRFCookieValue(secret, v)
	fmt.Println(cookie)
	cookie, _ = django.CSRFCookieValue(secret, django.Version{Major: 3, Minor: 2})
	fmt.Println(len(cookie)) // masked with a random mask
	// Output:
	// PL0s3Xpu29IDO9BRiguterOShoFnL00v <nil>
	// PL0s3Xpu29IDO9BRiguterOShoFnL00v
	// 64
}

// Signing a value that Django's signing.loads(value, salt="invitations")
// accepts, and reading it back.
func ExampleDumps() {
	signed, err := django.Dumps(map[string]any{"invite": 42}, "secret", "invitations", false)
	if err != nil {
		panic(err)
	}
	var v struct {
		Invite int `json:"invite"`
	}
	err = django.Loads(signed, []string{"secret"}, "invitations", django.MaxAge(time.Hour), &v)
	fmt.Println(v.Invite, err)
	err = django.Loads(signed, []string{"secret"}, "other", django.MaxAge(time.Hour), &v)
	fmt.Println(errors.Is(err, django.ErrBadSignature))
	// Output:
	// 42 <nil>
	// true
}
