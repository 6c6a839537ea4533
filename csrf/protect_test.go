package csrf

import (
	"context"
	"html/template"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
)

var formPage = template.Must(template.New("form").Parse(
	`<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="{{.}}"><input name="title"></form>`))

var tokenField = regexp.MustCompile(`name="csrfmiddlewaretoken" value="([a-zA-Z0-9]+)"`)

// formApp is a small HTML application: GET /note renders a form with a
// token, POST /note saves it. Protect guards the whole mux.
func formApp(p *Policy) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /note", func(w http.ResponseWriter, r *http.Request) {
		tok, err := p.Token(w, r)
		if err != nil {
			http.Error(w, "token unavailable", http.StatusInternalServerError)
			return
		}
		formPage.Execute(w, tok)
	})
	mux.HandleFunc("POST /note", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "saved "+r.PostFormValue("title"))
	})
	return p.Protect(mux)
}

func newJarClient(t *testing.T, base *http.Client) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := *base
	c.Jar = jar
	return &c
}

func TestProtectFormFlow(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		name := map[bool]string{false: "http", true: "https"}[useTLS]
		t.Run(name, func(t *testing.T) {
			srv := startServer(t, formApp(&Policy{Logger: quiet}), useTLS)
			client := newJarClient(t, srv.Client())

			resp, err := client.Get(srv.URL + "/note")
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			m := tokenField.FindSubmatch(page)
			if m == nil {
				t.Fatalf("no token in page %s", page)
			}
			token := string(m[1])

			post := func(c *http.Client, form url.Values, origin string) (int, string, http.Header) {
				req, _ := http.NewRequest("POST", srv.URL+"/note", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				if origin != "" {
					req.Header.Set("Origin", origin) // what a browser adds to a form POST
				}
				resp, err := c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(body), resp.Header
			}

			code, body, _ := post(client, url.Values{"title": {"hello"}, "csrfmiddlewaretoken": {token}}, srv.URL)
			if code != http.StatusOK || body != "saved hello" {
				t.Errorf("form with token: %d %q", code, body)
			}

			code, body, h := post(client, url.Values{"title": {"hello"}}, srv.URL)
			if code != http.StatusForbidden || !strings.Contains(body, "<title>403 Forbidden</title>") ||
				!strings.Contains(body, "CSRF verification failed. Request aborted.") {
				t.Errorf("form without token: %d %q", code, body)
			}
			if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type %q", ct)
			}
			if strings.Contains(body, "CSRF token missing") {
				t.Error("the default page discloses the reason")
			}

			// The token is useless without the victim's cookie.
			stranger := newJarClient(t, srv.Client())
			if code, _, _ := post(stranger, url.Values{"title": {"x"}, "csrfmiddlewaretoken": {token}}, srv.URL); code != http.StatusForbidden {
				t.Errorf("token without cookie: %d", code)
			}
			// And the cookie is useless from another site.
			if code, _, _ := post(client, url.Values{"title": {"x"}, "csrfmiddlewaretoken": {token}}, "https://evil.example"); code != http.StatusForbidden {
				t.Errorf("cross-origin form: %d", code)
			}
		})
	}
}

func TestProtectCustomErrorHandler(t *testing.T) {
	p := &Policy{Logger: quiet}
	p.ErrorHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := FailureFromContext(r.Context())
		if !ok {
			http.Error(w, "no failure in context", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusTeapot)
		io.WriteString(w, f.Code()+": "+f.Reason)
	})
	var called atomic.Bool
	srv := startServer(t, p.Protect(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		called.Store(true)
	})), false)
	code, body := send(t, srv, request{method: "DELETE"})
	if code != http.StatusTeapot || body != "no_cookie: CSRF cookie not set." {
		t.Errorf("got %d %q", code, body)
	}
	if called.Load() {
		t.Error("next ran for a rejected request")
	}
	if code, _ := send(t, srv, request{method: "GET"}); code != http.StatusOK || !called.Load() {
		t.Errorf("safe request: %d, next called %v", code, called.Load())
	}
}

func TestFailureFromContextEmpty(t *testing.T) {
	if f, ok := FailureFromContext(context.Background()); ok || f != nil {
		t.Errorf("got %v, %v", f, ok)
	}
}
