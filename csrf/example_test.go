package csrf_test

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"

	"github.com/sessionauth/sessionauth/csrf"
)

// An HTML form protected by Protect: the page renders a token with Token,
// and only a POST carrying it back (with the cookie) is served.
func ExamplePolicy_Protect() {
	policy := &csrf.Policy{Logger: slog.New(slog.DiscardHandler)} // silence failure logs here

	page := template.Must(template.New("").Parse(
		`<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="{{.}}"><input name="title"></form>`))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /note", func(w http.ResponseWriter, r *http.Request) {
		token, err := policy.Token(w, r)
		if err != nil {
			http.Error(w, "token unavailable", http.StatusInternalServerError)
			return
		}
		page.Execute(w, token)
	})
	mux.HandleFunc("POST /note", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "saved %q", r.PostFormValue("title"))
	})
	srv := httptest.NewServer(policy.Protect(mux))
	defer srv.Close()

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}

	resp, _ := browser.Get(srv.URL + "/note")
	html, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	token := regexp.MustCompile(`value="(\w+)"`).FindSubmatch(html)[1]

	submit := func(form url.Values) {
		resp, _ := browser.PostForm(srv.URL+"/note", form)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, strings.Contains(string(body), "CSRF verification failed"), string(body[:min(len(body), 15)]))
	}
	submit(url.Values{"title": {"hello"}, "csrfmiddlewaretoken": {string(token)}})
	submit(url.Values{"title": {"forged"}})
	// Output:
	// 200 false saved "hello"
	// 403 true <!DOCTYPE html>
}

// A DRF-style API calls Check itself for session-authenticated requests
// and reports the reason as {"detail": "CSRF Failed: <reason>"}.
func ExamplePolicy_Check() {
	policy := &csrf.Policy{
		TrustedOrigins: []string{"https://*.example.com"},
		Logger:         slog.New(slog.DiscardHandler),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if err := policy.Check(r); err != nil {
			w.WriteHeader(http.StatusForbidden)
			json.NewEncoder(w).Encode(map[string]string{"detail": "CSRF Failed: " + err.Error()})
			return
		}
		io.WriteString(w, "{\"updated\":true}\n")
	}))
	defer srv.Close()

	// The client's cookie and a token for it, as Token would issue them.
	secret, _ := csrf.NewSecret()
	token, _ := csrf.Mask(secret)

	put := func(origin, token string) {
		req, _ := http.NewRequest("PUT", srv.URL+"/api/notes/1", strings.NewReader(`{"title":"x"}`))
		req.Host = "example.com" // the name the server is reached by
		req.AddCookie(&http.Cookie{Name: "csrftoken", Value: secret})
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if token != "" {
			req.Header.Set("X-CSRFToken", token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Print(resp.StatusCode, " ", string(body))
	}
	put("http://example.com", token)      // same origin
	put("https://app.example.com", token) // trusted
	put("https://evil.example", token)
	put("", "")
	put("", token[:10])
	put("", secret) // the raw secret is accepted too, as in Django
	// Output:
	// 200 {"updated":true}
	// 200 {"updated":true}
	// 403 {"detail":"CSRF Failed: Origin checking failed - https://evil.example does not match any trusted origins."}
	// 403 {"detail":"CSRF Failed: CSRF token missing."}
	// 403 {"detail":"CSRF Failed: CSRF token from the 'X-Csrftoken' HTTP header has incorrect length."}
	// 200 {"updated":true}
}

// Configuration mistakes are reported at startup, and until fixed every
// unsafe request is refused.
func ExamplePolicy_Validate() {
	policy := &csrf.Policy{TrustedOrigins: []string{"https://app.example.com", "example.com", "https://*.example.org/"}}
	fmt.Println(policy.Validate())
	// Output:
	// csrf: TrustedOrigins[1] "example.com": missing scheme (write "https://example.com")
	// csrf: TrustedOrigins[2] "https://*.example.org/": must not have a path, query or fragment (not even a trailing slash)
}

func ExampleMask() {
	// Every call uses a new random mask; all tokens unmask to the secret.
	// The second line unmasks a token produced by Django.
	secret := "PL0s3Xpu29IDO9BRiguterOShoFnL00v"
	a, _ := csrf.Mask(secret)
	b, _ := csrf.Mask(secret)
	sa, _ := csrf.Unmask(a)
	sb, _ := csrf.Unmask(b)
	fmt.Println(len(a), a != b, sa == secret, sb == secret)
	fmt.Println(csrf.Unmask("4Hoc0aephIWlg94iTOvUbfEs98OMqOSMJieuTXtJ9HuOU8vZ1UPdfwiagmjZ1EI7"))
	// Output:
	// 64 true true true
	// PL0s3Xpu29IDO9BRiguterOShoFnL00v <nil>
}
