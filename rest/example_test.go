package rest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/auth/password"
	"github.com/sessionauth/sessionauth/csrf"
	"github.com/sessionauth/sessionauth/rest"
	"github.com/sessionauth/sessionauth/session"
	"github.com/sessionauth/sessionauth/store/memory"
)

// The example of DRF's authentication docs: a GET view that only session-authenticated users may
// call. It runs a real server with a login endpoint (CSRF-protected, as every login should be) and
// calls the view before and after logging in.
func Example() {
	store := memory.New(memory.Options{})
	defer store.Close()
	sessions := &session.Manager{Store: store}
	policy := &csrf.Policy{}
	am := &auth.Manager{
		Users: store, Tokens: store, Sessions: sessions, CSRF: policy,
		SecretKey: "replace me with 32+ random characters, kept secret",
		// Cheap hashing keeps the example fast; leave Hasher nil in production (argon2id, OWASP's
		// parameters).
		Hasher: &password.Hasher{Memory: 64, Time: 1, Threads: 1},
	}
	api := &rest.API{Authenticators: []rest.Authenticator{&rest.SessionAuthentication{Auth: am}}}
	mux := http.NewServeMux()

	// class ExampleView(APIView):
	//     authentication_classes = [SessionAuthentication]
	//     permission_classes = [IsAuthenticated]
	mux.Handle("/api/hello", api.View(func(w http.ResponseWriter, r *http.Request) error {
		return rest.JSON(w, http.StatusOK, map[string]string{"message": "Hello, authenticated user!"})
	}, rest.Authenticators(&rest.SessionAuthentication{Auth: am}), rest.Permissions(rest.IsAuthenticated)))

	// GET /api/csrf gives a CSRF token (and sets the csrftoken cookie).
	mux.Handle("/api/csrf", api.View(func(w http.ResponseWriter, r *http.Request) error {
		tok, err := policy.Token(w, r)
		if err != nil {
			return err
		}
		return rest.JSON(w, http.StatusOK, map[string]string{"csrfToken": tok})
	}, rest.Authenticators()))

	// POST /api/login checks CSRF although the caller is anonymous, then logs in.
	mux.Handle("/api/login", api.View(func(w http.ResponseWriter, r *http.Request) error {
		var failure *csrf.Failure
		if err := policy.Check(r); errors.As(err, &failure) {
			return rest.PermissionDenied("CSRF Failed: " + failure.Reason)
		}
		in, err := rest.Parse(r)
		if err != nil {
			return err
		}
		username := in.String("username", rest.Required)
		pw := in.String("password", rest.Required|rest.NoTrim)
		if err := in.Err(); err != nil {
			return err
		}
		u, err := am.Authenticate(r.Context(), username, pw, am.ClientAddress(r))
		if errors.Is(err, auth.ErrInvalidCredentials) {
			return &rest.Error{Status: http.StatusBadRequest, Detail: "Unable to log in with provided credentials."}
		}
		if err != nil {
			return err
		}
		if err := am.Login(w, r, u); err != nil {
			return err
		}
		return rest.JSON(w, http.StatusOK, map[string]string{"username": u.Username})
	}, rest.Methods("POST"), rest.Authenticators()))

	srv := httptest.NewServer(sessions.Handler(mux))
	defer srv.Close()

	const pass = "a long and unusual passphrase"
	if _, err := am.CreateUser(context.Background(), auth.NewUser{Username: "john", Password: pass}); err != nil {
		fmt.Println(err)
		return
	}

	// A browser-like client: it keeps cookies.
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	show := func(res *http.Response, err error) string {
		if err != nil {
			return err.Error()
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return fmt.Sprint(res.StatusCode, " ", string(body))
	}

	fmt.Println("anonymous:", show(client.Get(srv.URL+"/api/hello")))

	res, err := client.Get(srv.URL + "/api/csrf")
	var token struct {
		CSRFToken string `json:"csrfToken"`
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	json.NewDecoder(res.Body).Decode(&token)
	res.Body.Close()

	req, _ := http.NewRequest("POST", srv.URL+"/api/login", strings.NewReader(`{"username": "john", "password": "`+pass+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRFToken", token.CSRFToken)
	fmt.Println("login:", show(client.Do(req)))

	fmt.Println("logged in:", show(client.Get(srv.URL+"/api/hello")))

	// Output:
	// anonymous: 403 {"detail":"Authentication credentials were not provided."}
	// login: 200 {"username":"john"}
	// logged in: 200 {"message":"Hello, authenticated user!"}
}

// A view is an http.Handler: DRF's @api_view with its policy decorators as options. Authentication,
// permissions and throttles run first, then the method check, then the handler; errors become
// {"detail": ...} or field objects.
func ExampleAPI_View() {
	api := &rest.API{} // no default authenticators: every caller is anonymous here
	notes := api.View(func(w http.ResponseWriter, r *http.Request) error {
		if r.Method == http.MethodPost {
			in, err := rest.Parse(r)
			if err != nil {
				return err
			}
			text := in.String("text", rest.Required)
			if err := in.Err(); err != nil {
				return err
			}
			return rest.JSON(w, http.StatusCreated, map[string]string{"text": text})
		}
		return rest.JSON(w, http.StatusOK, []string{})
	}, rest.Methods("GET", "POST"), rest.Name("Notes", "The caller's notes."))

	post := func(body string) *http.Request {
		r := httptest.NewRequest("POST", "/notes", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		return r
	}
	for _, r := range []*http.Request{
		httptest.NewRequest("GET", "/notes", nil),
		post(`{"text": "buy milk"}`),
		post(`{"text": ""}`),
		post(`{"text": "a", "text": "b"}`),
		httptest.NewRequest("DELETE", "/notes", nil),
		httptest.NewRequest("OPTIONS", "/notes", nil),
	} {
		rec := httptest.NewRecorder()
		notes.ServeHTTP(rec, r)
		fmt.Println(r.Method, rec.Code, rec.Body)
		if rec.Code == http.StatusMethodNotAllowed {
			fmt.Println("  Allow:", rec.Header().Get("Allow"))
		}
	}

	// Output:
	// GET 200 []
	// POST 201 {"text":"buy milk"}
	// POST 400 {"text":["This field may not be blank."]}
	// POST 400 {"detail":"JSON parse error - duplicate key \"text\""}
	// DELETE 405 {"detail":"Method \"DELETE\" not allowed."}
	//   Allow: GET, POST, OPTIONS
	// OPTIONS 200 {"name":"Notes","description":"The caller's notes.","renders":["application/json"],"parses":["application/json","application/x-www-form-urlencoded","multipart/form-data"]}
}

// Permissions compose like DRF's &, | and ~. Here: staff, or anyone not logged in (DRF's
// IsAdminUser | ~IsAuthenticated).
func ExampleOr() {
	// A stand-in authenticator with two fixed users, so that the example needs no store; real views
	// use SessionAuthentication, TokenAuthentication or BasicAuthentication.
	users := map[string]*auth.User{
		"alice": {ID: 1, Username: "alice", IsActive: true, IsStaff: true},
		"bob":   {ID: 2, Username: "bob", IsActive: true},
	}
	demo := rest.AuthenticatorFunc(func(r *http.Request) (*auth.User, any, error) {
		name, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Demo ")
		if !ok {
			return nil, nil, nil
		}
		if u := users[name]; u != nil {
			return u, nil, nil
		}
		return nil, nil, rest.AuthenticationFailed("")
	})
	api := &rest.API{Authenticators: []rest.Authenticator{demo}}
	view := api.View(func(w http.ResponseWriter, r *http.Request) error {
		return rest.JSON(w, http.StatusOK, map[string]bool{"ok": true})
	}, rest.Permissions(rest.Or(rest.IsAdminUser, rest.Not(rest.IsAuthenticated))))

	for _, who := range []string{"", "alice", "bob"} {
		r := httptest.NewRequest("GET", "/", nil)
		label := "anonymous"
		if who != "" {
			r.Header.Set("Authorization", "Demo "+who)
			label = who
		}
		rec := httptest.NewRecorder()
		view.ServeHTTP(rec, r)
		fmt.Printf("%-9s %d %s\n", label, rec.Code, rec.Body)
	}

	// Output:
	// anonymous 200 {"ok":true}
	// alice     200 {"ok":true}
	// bob       403 {"detail":"You do not have permission to perform this action."}
}
