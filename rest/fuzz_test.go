package rest_test

// Fuzz targets for the parsers that see attacker-controlled bytes first: the Authorization header
// (Basic and Token) and JSON bodies. With their seed corpora they run as ordinary tests; fuzz with
//
//	go test -run '^$' -fuzz FuzzBasicHeader -fuzztime 20s ./rest/
//
// They must never panic, never authenticate without valid credentials, and fail only with the
// documented errors.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/auth/password"
	"github.com/sessionauth/sessionauth/rest"
	"github.com/sessionauth/sessionauth/session"
	"github.com/sessionauth/sessionauth/store/memory"
)

// fuzzAuth is an auth.Manager with the user john/password and his token.
func fuzzAuth(f *testing.F) (*auth.Manager, string) {
	st := memory.New(memory.Options{SweepInterval: -1})
	f.Cleanup(func() { st.Close() })
	am := &auth.Manager{
		Users: st, Tokens: st, Sessions: &session.Manager{Store: st}, Hasher: cheapHasher(),
		SecretKey: "not very secret in tests, but long enough", Validators: []password.Validator{},
	}
	u, err := am.CreateUser(context.Background(), auth.NewUser{Username: "john", Password: "password"})
	if err != nil {
		f.Fatal(err)
	}
	key, _, err := am.CreateToken(context.Background(), u.ID, "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	return am, key
}

func isHeaderSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f'
}

func authRequest(header string) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header["Authorization"] = []string{header} // raw: no validation, any bytes
	return r
}

// wantAuthError checks that an authenticator failed only with a 401 API error.
func wantAuthError(t *testing.T, header string, err error) {
	t.Helper()
	var e *rest.Error
	if !errors.As(err, &e) || e.Status != http.StatusUnauthorized || e.Detail == "" {
		t.Fatalf("header %q: error %v, want a 401 *rest.Error", header, err)
	}
}

func FuzzBasicHeader(f *testing.F) {
	am, _ := fuzzAuth(f)
	ba := &rest.BasicAuthentication{Auth: am}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, s := range []string{
		"", "Basic", "Basic ", "basic " + b64("john:password"), "Basic " + b64("john:password"),
		"BASIC\t" + b64("john:password") + "\r\n", "Basic " + b64("john:wrong"), "Basic " + b64("john"),
		"Basic =a=", "Basic foo bar", "Basic " + b64("john:password") + "===", "Basic " + b64("john:password") + "$$",
		"Basic am9objpwYXNzd29yZA", "Basic " + b64("ｊｏｈｎ:password"), "Basic " + b64("\xe9:\xff"),
		"Basic " + b64(":"), "Basic " + b64("john:pass:word"), "Basic \x00\x01", "Basic\vYQ==", "Token abc",
		"Basic " + strings.Repeat("A", 4096), "Basic ====", "Basic A===", "Basic AA==",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		parts := rest.SplitHeader(header)
		for _, p := range parts {
			if p == "" || strings.ContainsFunc(p, isHeaderSpace) {
				t.Fatalf("SplitHeader(%q) = %q", header, parts)
			}
		}
		if got, want := strings.Join(parts, " "), strings.Join(strings.FieldsFunc(header, isHeaderSpace), " "); got != want {
			t.Fatalf("SplitHeader(%q) = %q", header, parts)
		}

		// Whatever decodes, decodes consistently with a straightforward reference.
		for _, p := range parts {
			user, pw, ok := rest.DecodeBasic(p)
			if !ok {
				continue
			}
			if strings.Contains(user, ":") {
				t.Fatalf("DecodeBasic(%q): user %q contains a colon", p, user)
			}
			if !utf8.ValidString(user) || !utf8.ValidString(pw) {
				t.Fatalf("DecodeBasic(%q) returned invalid UTF-8", p)
			}
		}
		// Round trip: the header as a password.
		if utf8.ValidString(header) {
			if u, pw, ok := rest.DecodeBasic(b64("john:" + header)); !ok || u != "john" || pw != header {
				t.Fatalf("round trip of %q: %q %q %v", header, u, pw, ok)
			}
		}

		u, cred, err := ba.Authenticate(authRequest(header))
		if cred != nil {
			t.Fatalf("Basic authentication returned credentials %v", cred)
		}
		if err != nil {
			wantAuthError(t, header, err)
			if u != nil {
				t.Fatal("a user together with an error")
			}
			return
		}
		if u == nil {
			return
		}
		// Authenticated: the header must hold john's credentials.
		if len(parts) != 2 || !strings.EqualFold(parts[0], "basic") {
			t.Fatalf("header %q authenticated as %q", header, u.Username)
		}
		user, pw, ok := rest.DecodeBasic(parts[1])
		if !ok || auth.NormalizeUsername(user) != "john" || pw != "password" || u.Username != "john" {
			t.Fatalf("header %q authenticated as %q", header, u.Username)
		}
	})
}

func FuzzTokenHeader(f *testing.F) {
	am, key := fuzzAuth(f)
	tokenA := &rest.TokenAuthentication{Auth: am}
	bearerA := &rest.TokenAuthentication{Auth: am, Keyword: "Bearer"}
	for _, s := range []string{
		"", "Token", "Token ", "Token " + key, "token " + key, "Bearer " + key, "Token " + key + "\xb8",
		"Token " + strings.ToUpper(key), "Token " + key[:39], "Token " + key + "0", "Token foo bar",
		"Token wxyz6789", "Token \x00", "Token\t" + key, "Basic " + key, "Token " + strings.Repeat("a", 41),
		"Token é", "Token " + key + " ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		for _, a := range []*rest.TokenAuthentication{tokenA, bearerA} {
			u, cred, err := a.Authenticate(authRequest(header))
			if err != nil {
				wantAuthError(t, header, err)
				if u != nil || cred != nil {
					t.Fatal("a user together with an error")
				}
				continue
			}
			if u == nil {
				if cred != nil {
					t.Fatal("credentials without a user")
				}
				continue
			}
			parts := rest.SplitHeader(header)
			kw := a.Keyword
			if kw == "" {
				kw = "Token"
			}
			if len(parts) != 2 || !strings.EqualFold(parts[0], kw) || parts[1] != key || u.Username != "john" {
				t.Fatalf("header %q authenticated as %q", header, u.Username)
			}
			if tok, ok := cred.(*auth.Token); !ok || tok.UserID != u.ID {
				t.Fatalf("request.auth %#v", cred)
			}
		}
	})
}

var decodeErrors = []string{
	"invalid UTF-8", "expected a JSON object", "invalid JSON", "unexpected end of input",
	"duplicate key ", "unexpected data after the JSON object",
}

func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{
		``, ` `, `{}`, `{"username":"john","password":"password"}`, `{"a":1,"a":2}`, `{"a":{"a":1,"a":2}}`,
		`{"username":0}`, `{"username":["alice"]}`, `{"username":{"$ne":""}}`, `{"username":null}`,
		`{"remember":true,"count":"7"}`, `{"count":1e400}`, `{}{}`, `{} x`, `{"a":"b"`, "\xef\xbb\xbf{}",
		"{\"a\":\"\xff\"}", `null`, `[]`, `"x"`, `1`, `{"a":"\u2028\ud800"}`, `{"":""}`,
		`{"a":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`, `{"a":-}`, `{"a":01}`, `{"a":tru}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		obj, err := rest.DecodeObject(body)
		if err != nil {
			known := false
			for _, p := range decodeErrors {
				known = known || strings.HasPrefix(err.Error(), p)
			}
			if !known {
				t.Fatalf("DecodeObject(%q): unexpected error text %q", body, err)
			}
		} else {
			// Anything accepted is valid UTF-8 JSON and re-encodes to an object with the same keys.
			if !utf8.Valid(body) || !json.Valid(body) {
				t.Fatalf("DecodeObject accepted %q", body)
			}
			out, err := json.Marshal(obj)
			if err != nil {
				t.Fatalf("re-encoding %q: %v", body, err)
			}
			var back map[string]json.RawMessage
			if err := json.Unmarshal(out, &back); err != nil || len(back) != len(obj) {
				t.Fatalf("re-encoded %q → %q: %v (%d keys, want %d)", body, out, err, len(back), len(obj))
			}
		}

		// The same body through rest.Parse, and every field through every accessor.
		r := httptest.NewRequest("POST", "/", strings.NewReader(string(body)))
		r.Header.Set("Content-Type", "application/json")
		in, perr := rest.Parse(r)
		blank := len(strings.TrimSpace(string(body))) == 0 // Parse: an empty body is an empty input
		switch {
		case perr != nil:
			var e *rest.Error
			if !errors.As(perr, &e) || e.Status != http.StatusBadRequest || !strings.HasPrefix(e.Detail, "JSON parse error - ") {
				t.Fatalf("Parse(%q): %v", body, perr)
			}
			if err == nil {
				t.Fatalf("Parse refused %q, which DecodeObject accepts", body)
			}
			return
		case err != nil && !blank:
			t.Fatalf("Parse accepted %q, which DecodeObject refuses (%v)", body, err)
		}
		for k := range obj {
			in.Has(k)
			in.String(k, rest.Required)
			in.String(k, rest.NoTrim|rest.AllowBlank)
			in.Bool(k)
			in.Int(k, 0)
		}
		if err := in.Err(); err != nil {
			var e *rest.Error
			if !errors.As(err, &e) || e.Status != http.StatusBadRequest || len(e.Fields) == 0 {
				t.Fatalf("Input.Err for %q: %v", body, err)
			}
			for field, msgs := range e.Fields {
				if _, ok := obj[field]; !ok || len(msgs) == 0 {
					t.Fatalf("Input.Err for %q: field %q %q", body, field, msgs)
				}
			}
		}
	})
}
