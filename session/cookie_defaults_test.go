package session_test

import (
	"net/http"
	"testing"

	"github.com/sessionauth/sessionauth/session"
)

// Django's session cookie defaults (SESSION_COOKIE_NAME, _AGE, _HTTPONLY, _SAMESITE, _PATH, _SECURE,
// _DOMAIN), read from a real server's Set-Cookie: the cookie a new session gets, and the one that
// deletes it, which must carry the same name, path and flags or browsers keep the original.
func TestCookieDefaults(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cookie session.Cookie
		want   string // the cookie's name
		secure bool
	}{
		{"defaults", session.Cookie{}, "sessionid", false},
		{"https", session.Cookie{Secure: true}, "sessionid", true},
		{"https with __Host-", session.Cookie{Name: "__Host-sessionid", Secure: true}, "__Host-sessionid", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, func(m *session.Manager) { m.Cookie = tc.cookie })
			created := f.clock.Now()
			_, _, sc := f.get(t, "/set?v=a", "")
			c := parseCookie(t, sc)
			if c.Name != tc.want || !session.ValidKey(c.Value) {
				t.Fatalf("cookie %s=%q, want %s and a session key", c.Name, c.Value, tc.want)
			}
			wantAttributes(t, c, tc.secure)
			if c.MaxAge != 1209600 {
				t.Errorf("Max-Age %d right after creation, want 1209600 (two weeks)", c.MaxAge)
			}
			if want := created.Add(session.DefaultLifetime); !c.Expires.Equal(want) {
				t.Errorf("Expires %v, want %v", c.Expires, want)
			}

			_, _, sc = f.get(t, "/flush", tc.want+"="+c.Value)
			del := parseCookie(t, sc)
			if del.Name != tc.want || del.Value != "" || del.MaxAge >= 0 {
				t.Fatalf("Flush answered Set-Cookie %q, want a deletion of %s", sc, tc.want)
			}
			wantAttributes(t, del, tc.secure)
		})
	}
}

func parseCookie(t *testing.T, setCookie string) *http.Cookie {
	t.Helper()
	c, err := http.ParseSetCookie(setCookie)
	if err != nil {
		t.Fatalf("Set-Cookie %q: %v", setCookie, err)
	}
	return c
}

// wantAttributes checks what every session cookie carries: Path=/, no Domain (host-only), HttpOnly,
// SameSite=Lax, and Secure exactly when configured.
func wantAttributes(t *testing.T, c *http.Cookie, secure bool) {
	t.Helper()
	if c.Path != "/" || c.Domain != "" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != secure {
		t.Errorf("%s: Path %q, Domain %q, HttpOnly %v, SameSite %v, Secure %v; want /, none, true, Lax, %v (raw %q)",
			c.Name, c.Path, c.Domain, c.HttpOnly, c.SameSite, c.Secure, secure, c.Raw)
	}
}
