package rest_test

// DRF's tests/authentication/test_authentication.py, ported as black-box tests against a real server.
// Numbers refer to the spec's table (drf-django-spec.md §3.1).

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/rest"
)

func basic(userpass string) map[string]string {
	return map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(userpass))}
}

func (h *harness) drfRoutes() {
	h.mux.Handle("/session/", h.mockView(rest.Authenticators(&rest.SessionAuthentication{Auth: h.auth})))
	h.mux.Handle("/basic/", h.mockView(rest.Authenticators(&rest.BasicAuthentication{Auth: h.auth})))
	h.mux.Handle("/token/", h.mockView(rest.Authenticators(&rest.TokenAuthentication{Auth: h.auth})))
	h.mux.Handle("/customkeywordtoken/", h.mockView(rest.Authenticators(&rest.TokenAuthentication{Auth: h.auth, Keyword: "Bearer"})))
}

var exampleForm = url.Values{"example": {"example"}}
var exampleJSON = map[string]string{"example": "example"}

// BasicAuthTests (#1–#9).
func TestDRFBasicAuth(t *testing.T) {
	h := newHarness(t)
	h.drfRoutes()
	c := h.client()

	t.Run("1 post form passing basic auth", func(t *testing.T) {
		res := c.do("POST", "/basic/", exampleForm, basic("john:password"))
		wantStatus(t, res, 200)
		if res.body != "abc" {
			t.Fatalf("body %q", res.body)
		}
		if res.Header.Get("Set-Cookie") != "" {
			t.Fatal("Basic authentication must not mint a session (TOK-05)")
		}
	})
	t.Run("2 post json passing basic auth", func(t *testing.T) {
		wantStatus(t, c.do("POST", "/basic/", exampleJSON, basic("john:password")), 200)
	})
	t.Run("3 credentials without a colon (DRF ≥ 3.15)", func(t *testing.T) {
		res := c.do("POST", "/basic/", exampleJSON, basic("john"))
		wantDetail(t, res, 401, "Invalid basic header. Credentials not correctly base64 encoded.")
		if res.Header.Get("WWW-Authenticate") != `Basic realm="api"` {
			t.Fatalf("WWW-Authenticate %q", res.Header.Get("WWW-Authenticate"))
		}
	})
	t.Run("4 bad base64", func(t *testing.T) {
		res := c.do("POST", "/basic/", exampleJSON, map[string]string{"Authorization": "Basic =a="})
		wantDetail(t, res, 401, "Invalid basic header. Credentials not correctly base64 encoded.")
	})
	t.Run("5 post form without credentials", func(t *testing.T) {
		res := c.do("POST", "/basic/", exampleForm, nil)
		wantDetail(t, res, 401, "Authentication credentials were not provided.")
		if res.Header.Get("WWW-Authenticate") != `Basic realm="api"` {
			t.Fatalf("WWW-Authenticate %q", res.Header.Get("WWW-Authenticate"))
		}
	})
	t.Run("6 post json without credentials", func(t *testing.T) {
		res := c.do("POST", "/basic/", exampleJSON, nil)
		wantStatus(t, res, 401)
		if res.Header.Get("WWW-Authenticate") != `Basic realm="api"` {
			t.Fatalf("WWW-Authenticate %q", res.Header.Get("WWW-Authenticate"))
		}
	})
	t.Run("7 credentials missing", func(t *testing.T) {
		wantDetail(t, c.do("POST", "/basic/", exampleForm, map[string]string{"Authorization": "Basic "}), 401,
			"Invalid basic header. No credentials provided.")
	})
	t.Run("8 credentials contain spaces", func(t *testing.T) {
		wantDetail(t, c.do("POST", "/basic/", exampleForm, map[string]string{"Authorization": "Basic foo bar"}), 401,
			"Invalid basic header. Credentials string should not contain spaces.")
	})
	t.Run("9 utf-8 credentials", func(t *testing.T) {
		h.createUser("walterwhité", "walterwhite@example.com", "pässwörd")
		wantStatus(t, c.do("POST", "/basic/", exampleForm, basic("walterwhité:pässwörd")), 200)
		latin1 := []byte{'w', 'a', 'l', 't', 'e', 'r', 'w', 'h', 'i', 't', 0xe9, ':', 'p', 0xe4, 's', 's', 'w', 0xf6, 'r', 'd'}
		wantStatus(t, c.do("POST", "/basic/", exampleForm,
			map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString(latin1)}), 200)
	})
	t.Run("wrong password", func(t *testing.T) {
		wantDetail(t, c.do("POST", "/basic/", exampleForm, basic("john:wrong")), 401, "Invalid username/password.")
	})
	t.Run("password containing a colon splits at the first colon", func(t *testing.T) {
		h.createUser("colon", "", "pass:word")
		wantStatus(t, c.do("GET", "/basic/", nil, basic("colon:pass:word")), 200)
	})
	t.Run("padding and junk like Python's decoder", func(t *testing.T) {
		enc := base64.StdEncoding.EncodeToString([]byte("john:password")) // ends in "=="? check both forms
		wantStatus(t, c.do("GET", "/basic/", nil, map[string]string{"Authorization": "Basic " + enc + "==="}), 200)
		wantStatus(t, c.do("GET", "/basic/", nil, map[string]string{"Authorization": "Basic " + enc + "$$"}), 200)
	})
}

// SessionAuthTests (#11–#15).
func TestDRFSessionAuth(t *testing.T) {
	h := newHarness(t)
	h.drfRoutes()

	t.Run("11 post form failing csrf", func(t *testing.T) {
		c := h.client()
		c.login("john", "password")
		wantDetail(t, c.do("POST", "/session/", exampleForm, nil), 403, "CSRF Failed: CSRF cookie not set.")
		// With a CSRF cookie but no token: Django 4.x's message.
		c.csrfToken()
		wantDetail(t, c.do("POST", "/session/", exampleForm, nil), 403, "CSRF Failed: CSRF token missing.")
	})
	t.Run("12 post form passing csrf (regression #6088)", func(t *testing.T) {
		c := h.client()
		c.login("john", "password")
		// DRF plants a masked 64-char value as the cookie and posts the same value.
		tok := c.csrfToken()
		c.cookies["csrftoken"] = tok
		res := c.do("POST", "/session/", url.Values{"example": {"example"}, "csrfmiddlewaretoken": {tok}}, nil)
		wantStatus(t, res, 200)
		if res.body != "abc" {
			t.Fatalf("body %q", res.body)
		}
	})
	t.Run("13 post form passing (valid token)", func(t *testing.T) {
		c := h.client()
		c.login("john", "password")
		tok := c.csrfToken()
		wantStatus(t, c.do("POST", "/session/", exampleForm, map[string]string{"X-CSRFToken": tok}), 200)
	})
	t.Run("14 put form passing (valid token)", func(t *testing.T) {
		c := h.client()
		c.login("john", "password")
		tok := c.csrfToken()
		wantStatus(t, c.do("PUT", "/session/", exampleForm, map[string]string{"X-CSRFToken": tok}), 200)
	})
	t.Run("15 post form failing (anonymous)", func(t *testing.T) {
		res := h.client().do("POST", "/session/", exampleForm, nil)
		wantDetail(t, res, 403, "Authentication credentials were not provided.")
		if res.Header.Get("WWW-Authenticate") != "" {
			t.Fatal("Session authentication has no challenge")
		}
	})
}

// BaseTokenAuthTests (#16–#25), instantiated as DRF does: TokenAuthTests, CustomTokenAuthTests (a
// token model of the project's own, drf_customtoken_test.go) and CustomKeywordTokenAuthTests.
func TestDRFTokenAuth(t *testing.T) {
	h := newHarness(t)
	h.drfRoutes()
	customAuth, _ := h.customTokenRoute()
	c := h.client()
	for _, tc := range []struct {
		path, prefix, key string
		am                *auth.Manager // whose token model the view uses
	}{
		{"/token/", "Token ", h.token, h.auth},
		{"/customtoken/", "Token ", "abcd1234", customAuth},
		{"/customkeywordtoken/", "Bearer ", h.token, h.auth},
	} {
		hdr := func(v string) map[string]string { return map[string]string{"Authorization": tc.prefix + v} }
		name := tc.path + " "
		t.Run(name+"16 post form passing", func(t *testing.T) {
			wantStatus(t, c.do("POST", tc.path, exampleForm, hdr(tc.key)), 200)
		})
		t.Run(name+"17 inactive user", func(t *testing.T) {
			u := h.createUser("foo"+strings.Trim(tc.path, "/"), "bar", "baz")
			key, _, err := tc.am.CreateToken(t.Context(), u.ID, "t")
			if err != nil {
				t.Fatal(err)
			}
			inactive := false
			if err := h.store.UpdateUser(t.Context(), u.ID, auth.UserChange{IsActive: &inactive}); err != nil {
				t.Fatal(err)
			}
			wantDetail(t, c.do("POST", tc.path, exampleForm, hdr(key)), 401, "User inactive or deleted.")
		})
		t.Run(name+"18 nonexistent token", func(t *testing.T) {
			wantDetail(t, c.do("POST", tc.path, exampleForm, hdr("wxyz6789")), 401, "Invalid token.")
		})
		t.Run(name+"19 token missing", func(t *testing.T) {
			res := c.do("POST", tc.path, exampleForm, hdr(""))
			wantDetail(t, res, 401, "Invalid token header. No credentials provided.")
			if res.Header.Get("WWW-Authenticate") != tc.prefix[:len(tc.prefix)-1] {
				t.Fatalf("WWW-Authenticate %q", res.Header.Get("WWW-Authenticate"))
			}
		})
		t.Run(name+"20 token contains spaces", func(t *testing.T) {
			wantDetail(t, c.do("POST", tc.path, exampleForm, hdr("foo bar")), 401, "Invalid token header. Token string should not contain spaces.")
		})
		t.Run(name+"21 invalid characters", func(t *testing.T) {
			wantDetail(t, c.do("POST", tc.path, exampleForm, hdr(tc.key+"\xb8")), 401,
				"Invalid token header. Token string should not contain invalid characters.")
		})
		t.Run(name+"22 post json passing", func(t *testing.T) {
			wantStatus(t, c.do("POST", tc.path, exampleJSON, hdr(tc.key)), 200)
		})
		t.Run(name+"24 post form failing", func(t *testing.T) {
			wantDetail(t, c.do("POST", tc.path, exampleForm, nil), 401, "Authentication credentials were not provided.")
		})
		t.Run(name+"25 post json failing", func(t *testing.T) {
			wantDetail(t, c.do("POST", tc.path, exampleJSON, nil), 401, "Authentication credentials were not provided.")
		})
	}
	t.Run("lowercase keyword accepted", func(t *testing.T) {
		wantStatus(t, c.do("GET", "/token/", nil, map[string]string{"Authorization": "token " + h.token}), 200)
	})
	t.Run("Token header on a Bearer view is ignored", func(t *testing.T) {
		res := c.do("GET", "/customkeywordtoken/", nil, map[string]string{"Authorization": "Token " + h.token})
		wantDetail(t, res, 401, "Authentication credentials were not provided.")
		if res.Header.Get("WWW-Authenticate") != "Bearer" {
			t.Fatalf("WWW-Authenticate %q", res.Header.Get("WWW-Authenticate"))
		}
	})
}

// #37, #39: authentication failure with no permissions; no authenticators and a custom message.
func TestDRFIncorrectCredentialsAndNoAuthenticators(t *testing.T) {
	h := newHarness(t)
	failing := rest.AuthenticatorFunc(func(*http.Request) (*auth.User, any, error) {
		return nil, nil, rest.AuthenticationFailed("Bad credentials")
	})
	h.mux.Handle("/incorrect/", h.mockView(rest.Authenticators(failing), rest.Permissions()))
	h.mux.Handle("/noauth/", h.mockView(rest.Authenticators(), rest.Permissions(dummyPermission{})))
	wantDetail(t, h.client().do("GET", "/incorrect/", nil, nil), 403, "Bad credentials")
	wantDetail(t, h.client().do("GET", "/noauth/", nil, nil), 403, "Dummy permission message")
}

type dummyPermission struct{}

func (dummyPermission) HasPermission(*http.Request) bool            { return false }
func (dummyPermission) HasObjectPermission(*http.Request, any) bool { return false }
func (dummyPermission) Message() string                             { return "Dummy permission message" }
