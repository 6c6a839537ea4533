package rest_test

// The extra black-box cases of drf-django-spec.md §3.8 (observed on Django 3.2 + DRF 3.14 by the
// probe, not in DRF's suite), the 401-vs-403 decision table of §1.1, and checklist CSRF-22. CSRF
// messages are Django 4.x's (DESIGN §3), where the probe shows 3.2's "CSRF token missing or
// incorrect.".

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/csrf"
	"github.com/sessionauth/sessionauth/rest"
)

// protectedView is IsAuthenticated, GET and POST only, answering {"user": <username>}.
func (h *harness) protectedView(opts ...rest.Option) *rest.View {
	opts = append([]rest.Option{rest.Methods("GET", "POST"), rest.Permissions(rest.IsAuthenticated)}, opts...)
	return h.api.View(func(w http.ResponseWriter, r *http.Request) error {
		if r.Method == http.MethodPost {
			if _, err := rest.Parse(r); err != nil {
				return err
			}
		}
		return rest.JSON(w, http.StatusOK, map[string]string{"user": rest.User(r).Username})
	}, opts...)
}

func (h *harness) extraRoutes() {
	session := &rest.SessionAuthentication{Auth: h.auth}
	basicA := &rest.BasicAuthentication{Auth: h.auth}
	token := &rest.TokenAuthentication{Auth: h.auth}
	h.mux.Handle("/default/", h.protectedView())
	h.mux.Handle("/session-basic/", h.protectedView(rest.Authenticators(session, basicA)))
	h.mux.Handle("/basic-session/", h.protectedView(rest.Authenticators(basicA, session)))
	h.mux.Handle("/session-token/", h.protectedView(rest.Authenticators(session, token)))
	h.mux.Handle("/token-session/", h.protectedView(rest.Authenticators(token, session)))
	h.mux.Handle("/session/", h.protectedView(rest.Authenticators(session)))
	h.mux.Handle("/basic/", h.protectedView(rest.Authenticators(basicA)))
	h.mux.Handle("/noauth/", h.protectedView(rest.Authenticators()))
}

func wantUser(t *testing.T, res *response, user string) {
	t.Helper()
	wantStatus(t, res, 200)
	if got := res.json(t)["user"]; got != user {
		t.Fatalf("user %v, want %q", got, user)
	}
}

func wantChallenge(t *testing.T, res *response, challenge string) {
	t.Helper()
	if got := res.Header.Get("WWW-Authenticate"); got != challenge {
		t.Fatalf("WWW-Authenticate %q, want %q", got, challenge)
	}
}

func TestDRFExtraAuthenticatorOrder(t *testing.T) {
	h := newHarness(t)
	h.extraRoutes()
	h.createUser("paul", "", "password")

	loggedIn := func() *client {
		c := h.client()
		c.login("john", "password")
		c.csrfToken() // a CSRF cookie, but the requests below send no token
		return c
	}

	t.Run("[Session, Basic]: session + valid Basic + POST without CSRF → 403 CSRF", func(t *testing.T) {
		// Session succeeds first and its CSRF failure stops authentication: Basic is never tried.
		res := loggedIn().do("POST", "/session-basic/", nil, basic("paul:password"))
		wantDetail(t, res, 403, "CSRF Failed: CSRF token missing.")
		wantChallenge(t, res, "")
	})
	t.Run("[Basic, Session]: the same request → 200 as the Basic user", func(t *testing.T) {
		wantUser(t, loggedIn().do("POST", "/basic-session/", nil, basic("paul:password")), "paul")
	})
	t.Run("[Basic, Session]: wrong Basic + valid session → 401", func(t *testing.T) {
		res := loggedIn().do("GET", "/basic-session/", nil, basic("paul:wrong"))
		wantDetail(t, res, 401, "Invalid username/password.")
		wantChallenge(t, res, `Basic realm="api"`)
	})
	t.Run("default classes: wrong Basic → 403 (Session is first)", func(t *testing.T) {
		res := h.client().do("GET", "/default/", nil, basic("john:wrong"))
		wantDetail(t, res, 403, "Invalid username/password.")
		wantChallenge(t, res, "")
	})
	t.Run("no authenticators + IsAuthenticated → 403 default message", func(t *testing.T) {
		res := h.client().do("GET", "/noauth/", nil, basic("john:password"))
		wantDetail(t, res, 403, "You do not have permission to perform this action.")
		wantChallenge(t, res, "")
	})
}

// Authentication and permissions run before the method check.
func TestDRFExtraAuthBeforeMethod(t *testing.T) {
	h := newHarness(t)
	h.extraRoutes()

	t.Run("anonymous DELETE → 403 before 405", func(t *testing.T) {
		wantDetail(t, h.client().do("DELETE", "/default/", nil, nil), 403, "Authentication credentials were not provided.")
	})
	t.Run("Basic DELETE → 405", func(t *testing.T) {
		res := h.client().do("DELETE", "/default/", nil, basic("john:password"))
		wantDetail(t, res, 405, `Method "DELETE" not allowed.`)
		wantAllow(t, res, "GET", "POST", "OPTIONS")
	})
	t.Run("session DELETE without CSRF → 403 CSRF, with → 405", func(t *testing.T) {
		c := h.client()
		c.login("john", "password")
		wantDetail(t, c.do("DELETE", "/default/", nil, nil), 403, "CSRF Failed: CSRF cookie not set.")
		tok := c.csrfToken()
		wantDetail(t, c.do("DELETE", "/default/", nil, map[string]string{"X-CSRFToken": tok}), 405, `Method "DELETE" not allowed.`)
	})
	t.Run("OPTIONS is authenticated like any method", func(t *testing.T) {
		wantDetail(t, h.client().do("OPTIONS", "/default/", nil, nil), 403, "Authentication credentials were not provided.")
		wantStatus(t, h.client().do("OPTIONS", "/default/", nil, basic("john:password")), 200)
	})
}

// Content negotiation runs before authentication: the session is never read, so no Vary: Cookie.
func TestDRFExtraNotAcceptable(t *testing.T) {
	h := newHarness(t)
	h.extraRoutes()
	c := h.client()
	c.login("john", "password")
	for _, accept := range []string{"application/xml", "text/html", "application/json;q=0", "image/*"} {
		res := c.do("GET", "/default/", nil, map[string]string{"Accept": accept})
		wantDetail(t, res, 406, "Could not satisfy the request Accept header.")
		if headerHasToken(res.Header, "Vary", "Cookie") {
			t.Fatalf("Accept %q: Vary %q: the session was read", accept, res.Header.Values("Vary"))
		}
		if sc := res.Header.Values("Set-Cookie"); len(sc) != 0 {
			t.Fatalf("Accept %q: Set-Cookie %q", accept, sc)
		}
	}
	for _, accept := range []string{"application/json", "*/*", "application/*", "text/html, application/json;q=0.9", "application/json; charset=utf-8"} {
		wantUser(t, c.do("GET", "/default/", nil, map[string]string{"Accept": accept}), "john")
	}
}

// Token sources and formats (Django's CSRF rules as DRF's SessionAuthentication applies them).
func TestDRFExtraCSRFTokenFormats(t *testing.T) {
	h := newHarness(t)
	h.extraRoutes()
	loggedIn := func() *client {
		c := h.client()
		c.login("john", "password")
		return c
	}
	hdr := func(tok string) map[string]string { return map[string]string{"X-CSRFToken": tok} }
	otherToken := func() string {
		s, _ := csrf.NewSecret()
		tok, _ := csrf.Mask(s)
		return tok
	}

	t.Run("32-char raw secret accepted", func(t *testing.T) {
		c := loggedIn()
		c.csrfToken()
		wantUser(t, c.do("POST", "/session/", nil, hdr(c.cookies["csrftoken"])), "john")
	})
	t.Run("masked token accepted, every masking of the secret", func(t *testing.T) {
		c := loggedIn()
		c.csrfToken()
		for range 3 {
			tok, err := csrf.Mask(c.cookies["csrftoken"])
			if err != nil {
				t.Fatal(err)
			}
			wantUser(t, c.do("POST", "/session/", nil, hdr(tok)), "john")
		}
	})
	t.Run("legacy 64-char cookie value reused as the token", func(t *testing.T) {
		c := loggedIn()
		tok := c.csrfToken()
		c.cookies["csrftoken"] = tok // Django ≤ 4.0 stored the masked token in the cookie
		wantUser(t, c.do("POST", "/session/", nil, hdr(tok)), "john")
		wantUser(t, c.do("POST", "/session/", nil, hdr(otherMasking(t, tok))), "john")
	})
	t.Run("form field accepted (urlencoded and multipart)", func(t *testing.T) {
		c := loggedIn()
		tok := c.csrfToken()
		wantUser(t, c.do("POST", "/session/", formBody{"csrfmiddlewaretoken": {tok}}, nil), "john")
		wantUser(t, c.do("POST", "/session/", url.Values{"csrfmiddlewaretoken": {tok}}, nil), "john")
	})
	t.Run("JSON body csrfmiddlewaretoken ignored", func(t *testing.T) {
		c := loggedIn()
		tok := c.csrfToken()
		wantDetail(t, c.do("POST", "/session/", map[string]string{"csrfmiddlewaretoken": tok}, nil), 403, "CSRF Failed: CSRF token missing.")
	})
	t.Run("query string token ignored", func(t *testing.T) {
		c := loggedIn()
		tok := c.csrfToken()
		wantDetail(t, c.do("POST", "/session/?csrfmiddlewaretoken="+tok, nil, nil), 403, "CSRF Failed: CSRF token missing.")
	})
	t.Run("form field only counts for POST", func(t *testing.T) {
		c := loggedIn()
		tok := c.csrfToken()
		wantDetail(t, c.do("PUT", "/session/", formBody{"csrfmiddlewaretoken": {tok}}, nil), 403, "CSRF Failed: CSRF token missing.")
	})
	t.Run("wrong non-empty form field not rescued by a correct header", func(t *testing.T) {
		c := loggedIn()
		tok := c.csrfToken()
		wantDetail(t, c.do("POST", "/session/", formBody{"csrfmiddlewaretoken": {otherToken()}}, hdr(tok)), 403,
			"CSRF Failed: CSRF token from POST incorrect.")
		wantDetail(t, c.do("POST", "/session/", url.Values{"csrfmiddlewaretoken": {"short"}}, hdr(tok)), 403,
			"CSRF Failed: CSRF token from POST has incorrect length.")
	})
	t.Run("bad header tokens", func(t *testing.T) {
		c := loggedIn()
		c.csrfToken()
		for tok, reason := range map[string]string{
			strings.Repeat("x", 64):       "CSRF token from the 'X-Csrftoken' HTTP header incorrect.",
			otherToken():                  "CSRF token from the 'X-Csrftoken' HTTP header incorrect.",
			"short":                       "CSRF token from the 'X-Csrftoken' HTTP header has incorrect length.",
			strings.Repeat("!", 32):       "CSRF token from the 'X-Csrftoken' HTTP header has invalid characters.",
			strings.Repeat("a", 30) + "é": "CSRF token from the 'X-Csrftoken' HTTP header has invalid characters.",
		} {
			wantDetail(t, c.do("PUT", "/session/", nil, hdr(tok)), 403, "CSRF Failed: "+reason)
		}
	})
	t.Run("malformed cookie", func(t *testing.T) {
		c := loggedIn()
		tok := c.csrfToken()
		c.cookies["csrftoken"] = "bad!cookie"
		wantDetail(t, c.do("POST", "/session/", nil, hdr(tok)), 403, "CSRF Failed: CSRF cookie has incorrect length.")
		c.cookies["csrftoken"] = strings.Repeat("!", 32)
		wantDetail(t, c.do("POST", "/session/", nil, hdr(tok)), 403, "CSRF Failed: CSRF cookie has invalid characters.")
	})
	t.Run("stricter than DRF: cross-site Origin and Sec-Fetch-Site rejected despite a valid token", func(t *testing.T) {
		// Django 3.2 ignored Origin (DRF 3.14 accepted Origin: http://evil.com with a valid token); we
		// check it as Django 4.x does, and refuse Sec-Fetch-Site: cross-site first (DESIGN §3).
		c := loggedIn()
		tok := c.csrfToken()
		wantDetail(t, c.do("POST", "/session/", nil, map[string]string{"X-CSRFToken": tok, "Origin": "http://evil.example"}), 403,
			"CSRF Failed: Origin checking failed - http://evil.example does not match any trusted origins.")
		wantDetail(t, c.do("POST", "/session/", nil, map[string]string{"X-CSRFToken": tok, "Sec-Fetch-Site": "cross-site"}), 403,
			"CSRF Failed: Sec-Fetch-Site checking failed - cross-site request.")
		// Same origin is fine.
		wantUser(t, c.do("POST", "/session/", nil, map[string]string{"X-CSRFToken": tok, "Origin": h.srv.URL, "Sec-Fetch-Site": "same-origin"}), "john")
	})
}

// otherMasking returns another 64-char token for the secret tok stands for.
func otherMasking(t *testing.T, tok string) string {
	t.Helper()
	secret, err := csrf.Unmask(tok)
	if err != nil {
		t.Fatal(err)
	}
	for {
		other, err := csrf.Mask(secret)
		if err != nil {
			t.Fatal(err)
		}
		if other != tok {
			return other
		}
	}
}

// Checklist CSRF-22: header credentials and the session cookie together. The first authenticator
// that recognises the request decides, as in DRF: Token before Session means a request carrying a
// token header is judged by its token alone (no fallback to the cookie, no CSRF needed); Session
// before Token means a live session cookie is used, with CSRF, and the header is not looked at. In
// both orders an unsafe request is never processed with the cookie's identity without a CSRF token.
func TestCSRF22HeaderCredentialsWithSessionCookie(t *testing.T) {
	h := newHarness(t)
	h.extraRoutes()
	h.createUser("paul", "", "password")
	sessionAsPaul := func() *client {
		c := h.client()
		c.login("paul", "password")
		c.csrfToken() // the browser has a CSRF cookie; the forged request has no token
		return c
	}
	badToken := map[string]string{"Authorization": "Token x"}
	goodToken := map[string]string{"Authorization": "Token " + h.token} // john's

	t.Run("[Token, Session]: invalid token + cookie → 401, not the session", func(t *testing.T) {
		res := sessionAsPaul().do("POST", "/token-session/", nil, badToken)
		wantDetail(t, res, 401, "Invalid token.")
		wantChallenge(t, res, "Token")
	})
	t.Run("[Session, Token]: invalid token + cookie → 403 CSRF, not processed", func(t *testing.T) {
		wantDetail(t, sessionAsPaul().do("POST", "/session-token/", nil, badToken), 403, "CSRF Failed: CSRF token missing.")
	})
	t.Run("[Token, Session]: valid token + cookie → the token's user, no CSRF needed", func(t *testing.T) {
		wantUser(t, sessionAsPaul().do("POST", "/token-session/", nil, goodToken), "john")
	})
	t.Run("[Session, Token]: valid token + cookie → the session decides (CSRF required)", func(t *testing.T) {
		c := sessionAsPaul()
		wantDetail(t, c.do("POST", "/session-token/", nil, goodToken), 403, "CSRF Failed: CSRF token missing.")
		// With the CSRF token it is the session's user, not the token's: the header is not consulted.
		tok, _ := csrf.Mask(c.cookies["csrftoken"])
		wantUser(t, c.do("POST", "/session-token/", nil, map[string]string{"Authorization": "Token " + h.token, "X-CSRFToken": tok}), "paul")
	})
	t.Run("cookie only → CSRF enforced in both orders", func(t *testing.T) {
		for _, p := range []string{"/token-session/", "/session-token/"} {
			wantDetail(t, sessionAsPaul().do("POST", p, nil, nil), 403, "CSRF Failed: CSRF token missing.")
		}
	})
	t.Run("token only → no CSRF in both orders", func(t *testing.T) {
		for _, p := range []string{"/token-session/", "/session-token/"} {
			wantUser(t, h.client().do("POST", p, nil, goodToken), "john")
		}
	})
}

// The 401-vs-403 decision table of drf-django-spec.md §1.1.
func TestDRF401vs403Table(t *testing.T) {
	h := newHarness(t)
	h.extraRoutes()
	failing := rest.AuthenticatorFunc(func(*http.Request) (*auth.User, any, error) {
		return nil, nil, rest.AuthenticationFailed("Bad credentials")
	})
	h.mux.Handle("/failing-first/", h.protectedView(rest.Authenticators(failing, &rest.BasicAuthentication{Auth: h.auth})))
	h.mux.Handle("/basic-then-failing/", h.protectedView(rest.Authenticators(&rest.BasicAuthentication{Auth: h.auth}, failing)))
	h.mux.Handle("/noauth-message/", h.protectedView(rest.Authenticators(), rest.Permissions(dummyPermission{})))
	h.mux.Handle("/message/", h.protectedView(rest.Permissions(dummyPermission{})))
	h.mux.Handle("/basic-message/", h.protectedView(rest.Authenticators(&rest.BasicAuthentication{Auth: h.auth}), rest.Permissions(dummyPermission{})))
	session := h.client()
	session.login("john", "password")

	const notProvided = "Authentication credentials were not provided."
	const denied = "You do not have permission to perform this action."
	for _, tc := range []struct {
		situation string
		c         *client
		method    string
		path      string
		header    map[string]string
		status    int
		detail    string
		challenge string
	}{
		{"AuthenticationFailed, first class Basic", nil, "GET", "/basic-session/", basic("john:wrong"), 401, "Invalid username/password.", `Basic realm="api"`},
		{"AuthenticationFailed, first class Token", nil, "GET", "/token-session/", map[string]string{"Authorization": "Token nope"}, 401, "Invalid token.", "Token"},
		{"AuthenticationFailed, first class Session", nil, "GET", "/session-basic/", basic("john:wrong"), 403, "Invalid username/password.", ""},
		{"AuthenticationFailed, first class has no challenge (#37)", nil, "GET", "/failing-first/", nil, 403, "Bad credentials", ""},
		{"AuthenticationFailed from a later class, first is Basic", nil, "GET", "/basic-then-failing/", nil, 401, "Bad credentials", `Basic realm="api"`},
		{"nobody authenticated, first class Basic", nil, "GET", "/basic/", nil, 401, notProvided, `Basic realm="api"`},
		{"nobody authenticated, first class Token", nil, "GET", "/token-session/", nil, 401, notProvided, "Token"},
		{"nobody authenticated, first class Session", nil, "GET", "/session-basic/", nil, 403, notProvided, ""},
		{"nobody authenticated, default classes", nil, "POST", "/default/", nil, 403, notProvided, ""},
		{"nobody authenticated, permission with a message", nil, "GET", "/message/", nil, 403, notProvided, ""},
		{"nobody authenticated, Basic first, permission with a message", nil, "GET", "/basic-message/", nil, 401, notProvided, `Basic realm="api"`},
		{"no authentication classes", nil, "GET", "/noauth/", nil, 403, denied, ""},
		{"no authentication classes, permission message (#39)", nil, "GET", "/noauth-message/", nil, 403, "Dummy permission message", ""},
		{"authenticated, permission failed", nil, "GET", "/message/", basic("john:password"), 403, "Dummy permission message", ""},
		{"authenticated by Basic on a Basic-first view, permission failed", nil, "GET", "/basic-message/", basic("john:password"), 403, "Dummy permission message", ""},
		{"CSRF failure, Session only", session, "POST", "/session/", nil, 403, "CSRF Failed: CSRF cookie not set.", ""},
		{"CSRF failure on a Basic-first view is still 403", session, "POST", "/basic-session/", nil, 403, "CSRF Failed: CSRF cookie not set.", ""},
	} {
		t.Run(tc.situation, func(t *testing.T) {
			c := tc.c
			if c == nil {
				c = h.client()
			}
			res := c.do(tc.method, tc.path, nil, tc.header)
			wantDetail(t, res, tc.status, tc.detail)
			wantChallenge(t, res, tc.challenge)
		})
	}
}

// Login rotates the CSRF secret (Django's rotate_token): a token obtained before login is refused
// afterwards, so a token planted by an attacker before the victim logs in is useless.
func TestLoginRotatesCSRF(t *testing.T) {
	h := newHarness(t)
	h.extraRoutes()
	c := h.client()
	before := c.csrfToken()
	oldSecret := c.cookies["csrftoken"]
	// Log in keeping every cookie (c.login would drop the new CSRF cookie, as Django's test client
	// never has one).
	res := c.do("POST", "/__test/login", formBody{"username": {"john"}, "password": {"password"}}, nil)
	wantStatus(t, res, 200)
	newSecret := c.cookies["csrftoken"]
	if newSecret == "" || newSecret == oldSecret {
		t.Fatalf("login did not rotate the CSRF cookie (%q → %q)", oldSecret, newSecret)
	}
	wantDetail(t, c.do("POST", "/session/", nil, map[string]string{"X-CSRFToken": before}), 403,
		"CSRF Failed: CSRF token from the 'X-Csrftoken' HTTP header incorrect.")
	after, err := csrf.Mask(newSecret)
	if err != nil {
		t.Fatal(err)
	}
	wantUser(t, c.do("POST", "/session/", nil, map[string]string{"X-CSRFToken": after}), "john")
}
