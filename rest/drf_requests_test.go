package rest_test

// DRF's tests/test_requests_client.py (drf-django-spec.md §3.3, #56–#57): a real HTTP client with a
// cookie jar that follows redirects (Python's requests), against the real server, CSRF enforced.

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/csrf"
	"github.com/sessionauth/sessionauth/rest"
	"github.com/sessionauth/sessionauth/session"
)

// jarClient is requests.Session: cookies in a jar, redirects followed.
type jarClient struct {
	t    *testing.T
	h    *harness
	http *http.Client
}

func (h *harness) jarClient(t *testing.T) *jarClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	hc := *h.srv.Client()
	hc.Jar = jar
	return &jarClient{t: t, h: h, http: &hc}
}

func (c *jarClient) cookie(name string) string {
	u, _ := url.Parse(c.h.srv.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

func (c *jarClient) do(method, path, jsonBody string, header map[string]string) (*response, []*http.Response) {
	c.t.Helper()
	var body io.Reader
	if jsonBody != "" {
		body = strings.NewReader(jsonBody)
	}
	req, err := http.NewRequest(method, c.h.srv.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if jsonBody != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	var hops []*http.Response
	c.http.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		hops = append(hops, r.Response)
		if len(via) > 5 {
			return errors.New("too many redirects")
		}
		return nil
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return &response{res, string(b)}, hops
}

func wantJSON(t *testing.T, res *response, status int, body string) {
	t.Helper()
	wantStatus(t, res, status)
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
	if res.body != body {
		t.Fatalf("body %s, want %s", res.body, body)
	}
}

// #56 test_session: SessionView GET returns the session's data, POST copies the request data into it.
// Anonymous, so SessionAuthentication does not authenticate and no CSRF token is needed.
func TestDRFRequestsClientSession(t *testing.T) {
	h := newHarness(t)
	h.mux.Handle("/session/", h.api.View(func(w http.ResponseWriter, r *http.Request) error {
		s := session.From(r)
		if r.Method == http.MethodPost {
			in, err := rest.Parse(r)
			if err != nil {
				return err
			}
			// rest.Input reads named fields (there is no way to list a body's keys), so the view copies
			// the fields it knows, as a serializer would.
			if in.Has("example") {
				v := in.String("example", rest.AllowBlank)
				if err := in.Err(); err != nil {
					return err
				}
				if err := s.Set("example", v); err != nil {
					return err
				}
			}
		}
		keys, err := s.Keys()
		if err != nil {
			return err
		}
		data := make(map[string]json.RawMessage, len(keys))
		for _, k := range keys {
			var v json.RawMessage
			if _, err := s.Get(k, &v); err != nil {
				return err
			}
			data[k] = v
		}
		return rest.JSON(w, http.StatusOK, data)
	}, rest.Methods("GET", "POST")))

	c := h.jarClient(t)
	res, _ := c.do("GET", "/session/", "", nil)
	wantJSON(t, res, 200, `{}`)
	res, _ = c.do("POST", "/session/", `{"example": "abc"}`, nil)
	wantJSON(t, res, 200, `{"example":"abc"}`)
	res, _ = c.do("GET", "/session/", "", nil)
	wantJSON(t, res, 200, `{"example":"abc"}`)
}

// #57 test_auth: AuthView. GET sets the CSRF cookie (ensure_csrf_cookie → csrf.Policy.Token) and shows
// the username; POST checks CSRF although the caller is anonymous (csrf_protect → Policy.Check; this
// server also requires it on its own login endpoint, DESIGN §3), logs in and redirects to itself.
func TestDRFRequestsClientAuth(t *testing.T) {
	h := newHarness(t)
	h.mux.Handle("/auth/", h.api.View(func(w http.ResponseWriter, r *http.Request) error {
		if r.Method == http.MethodGet {
			if _, err := h.csrf.Token(w, r); err != nil {
				return err
			}
			var name *string
			if u := rest.User(r); u != nil {
				name = &u.Username
			}
			return rest.JSON(w, http.StatusOK, map[string]*string{"username": name})
		}
		if err := h.csrf.Check(r); err != nil {
			var f *csrf.Failure
			if errors.As(err, &f) {
				return rest.PermissionDenied("CSRF Failed: " + f.Reason)
			}
			return err
		}
		in, err := rest.Parse(r)
		if err != nil {
			return err
		}
		username := in.String("username", rest.Required)
		password := in.String("password", rest.Required|rest.NoTrim)
		if err := in.Err(); err != nil {
			return err
		}
		u, err := h.auth.Authenticate(r.Context(), username, password, h.auth.ClientAddress(r))
		if errors.Is(err, auth.ErrInvalidCredentials) {
			return rest.JSON(w, http.StatusOK, map[string]string{"error": "incorrect credentials"})
		}
		if err != nil {
			return err
		}
		if err := h.auth.Login(w, r, u); err != nil {
			return err
		}
		http.Redirect(w, r, "/auth/", http.StatusFound)
		return nil
	}, rest.Methods("GET", "POST")))

	c := h.jarClient(t)
	res, _ := c.do("GET", "/auth/", "", nil)
	wantJSON(t, res, 200, `{"username":null}`)
	csrftoken := c.cookie("csrftoken")
	if csrftoken == "" {
		t.Fatal("GET /auth/ did not set the csrftoken cookie")
	}

	h.createUser("tom", "", "password")

	t.Run("POST without the token is refused", func(t *testing.T) {
		res, _ := c.do("POST", "/auth/", `{"username": "tom", "password": "password"}`, nil)
		wantDetail(t, res, 403, "CSRF Failed: CSRF token missing.")
	})
	t.Run("wrong credentials", func(t *testing.T) {
		res, _ := c.do("POST", "/auth/", `{"username": "tom", "password": "wrong"}`, map[string]string{"X-CSRFToken": csrftoken})
		wantJSON(t, res, 200, `{"error":"incorrect credentials"}`)
	})

	res, hops := c.do("POST", "/auth/", `{"username": "tom", "password": "password"}`, map[string]string{"X-CSRFToken": csrftoken})
	if len(hops) != 1 || hops[0].StatusCode != http.StatusFound || hops[0].Header.Get("Location") != "/auth/" {
		t.Fatalf("expected one 302 to /auth/, got %d hops", len(hops))
	}
	wantJSON(t, res, 200, `{"username":"tom"}`)
	res, _ = c.do("GET", "/auth/", "", nil)
	wantJSON(t, res, 200, `{"username":"tom"}`)
	// Login rotated the CSRF secret (Django's rotate_token): the pre-login cookie value is dead.
	if got := c.cookie("csrftoken"); got == "" || got == csrftoken {
		t.Fatalf("csrftoken after login %q (before %q)", got, csrftoken)
	}
}
