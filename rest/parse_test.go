package rest_test

// rest.Parse and rest.Input: body limits (checklist IN-03), malformed JSON (IN-04), type confusion
// (IN-05), duplicate and case-variant keys (IN-06), media types, forms, and typed fields. Every 400
// must be {"detail": ...} or a field object, never a 500, never the parser's internals.

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sessionauth/sessionauth/rest"
)

func (h *harness) parseRoutes() {
	noAuth := rest.Authenticators()
	methods := rest.Methods("POST", "PUT", "PATCH")
	// /parse requires a username.
	h.mux.Handle("/parse", h.api.View(func(w http.ResponseWriter, r *http.Request) error {
		in, err := rest.Parse(r)
		if err != nil {
			return err
		}
		username := in.String("username", rest.Required)
		if err := in.Err(); err != nil {
			return err
		}
		return rest.JSON(w, http.StatusOK, map[string]string{"username": username})
	}, noAuth, methods))
	// /typed reads optional fields of every kind.
	h.mux.Handle("/typed", h.api.View(func(w http.ResponseWriter, r *http.Request) error {
		in, err := rest.Parse(r)
		if err != nil {
			return err
		}
		out := map[string]any{
			"username": in.String("username", 0),
			"password": in.String("password", rest.NoTrim|rest.AllowBlank),
			"remember": in.Bool("remember"),
			"count":    in.Int("count", 0),
			"has_note": in.Has("note"),
		}
		if err := in.Err(); err != nil {
			return err
		}
		return rest.JSON(w, http.StatusOK, out)
	}, noAuth, methods))
	h.mux.Handle("/required-int", h.api.View(func(w http.ResponseWriter, r *http.Request) error {
		in, err := rest.Parse(r)
		if err != nil {
			return err
		}
		n := in.Int("count", rest.Required)
		if err := in.Err(); err != nil {
			return err
		}
		return rest.JSON(w, http.StatusOK, map[string]int64{"count": n})
	}, noAuth, methods))
	h.mux.Handle("/limited", h.api.View(func(w http.ResponseWriter, r *http.Request) error {
		if _, err := rest.Parse(r); err != nil {
			return err
		}
		return rest.JSON(w, http.StatusOK, map[string]bool{"ok": true})
	}, noAuth, methods, rest.BodyLimit(64)))
}

func jsonHeader() map[string]string { return map[string]string{"Content-Type": "application/json"} }

// wantParseError checks a 400 {"detail": "JSON parse error - ..."} that names no parser internals.
func wantParseError(t *testing.T, res *response) {
	t.Helper()
	wantStatus(t, res, 400)
	m := res.json(t)
	d, _ := m["detail"].(string)
	if len(m) != 1 || !strings.HasPrefix(d, "JSON parse error - ") {
		t.Fatalf("body %s", res.body)
	}
	for _, leak := range []string{"json:", "encoding/json", "invalid character", "Unmarshal", "reflect", "goroutine", ".go:"} {
		if strings.Contains(d, leak) {
			t.Fatalf("detail shows parser internals (%q): %s", leak, d)
		}
	}
}

func wantFields(t *testing.T, res *response, want string) {
	t.Helper()
	wantStatus(t, res, 400)
	var got any
	if err := json.Unmarshal([]byte(res.body), &got); err != nil {
		t.Fatalf("body %q: %v", res.body, err)
	}
	if g, _ := json.Marshal(got); string(g) != mustCompact(want) {
		t.Fatalf("body %s, want %s", res.body, want)
	}
}

func mustCompact(s string) string {
	var v any
	json.Unmarshal([]byte(s), &v)
	b, _ := json.Marshal(v)
	return string(b)
}

func TestParseBodyLimit(t *testing.T) {
	h := newHarness(t)
	h.parseRoutes()
	c := h.client()
	big := `{"username":"` + strings.Repeat("a", 100) + `"}`
	small := `{"username":"a"}`

	t.Run("Content-Length over the limit", func(t *testing.T) {
		wantDetail(t, c.do("POST", "/limited", big, jsonHeader()), 413, "Request body is too large.")
		wantStatus(t, c.do("POST", "/limited", small, jsonHeader()), 200)
	})
	t.Run("form bodies over the limit", func(t *testing.T) {
		wantDetail(t, c.do("POST", "/limited", formBody{"username": {strings.Repeat("a", 100)}}, nil), 413, "Request body is too large.")
		wantDetail(t, c.do("POST", "/limited", url.Values{"username": {strings.Repeat("a", 100)}}, nil), 413, "Request body is too large.")
	})

	// chunked sends body without a Content-Length.
	chunked := func(t *testing.T, body, ct string) *response {
		t.Helper()
		req, err := http.NewRequest("POST", h.srv.URL+"/limited", io.MultiReader(strings.NewReader(body)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", ct)
		res, err := h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if req.ContentLength != 0 || len(req.TransferEncoding) != 0 && req.TransferEncoding[0] != "chunked" {
			t.Fatalf("request was not chunked")
		}
		b, _ := io.ReadAll(res.Body)
		return &response{res, string(b)}
	}
	t.Run("chunked JSON over the limit", func(t *testing.T) {
		wantDetail(t, chunked(t, big, "application/json"), 413, "Request body is too large.")
		wantStatus(t, chunked(t, small, "application/json"), 200)
	})
	t.Run("chunked urlencoded form over the limit", func(t *testing.T) {
		wantDetail(t, chunked(t, "username="+strings.Repeat("a", 100), "application/x-www-form-urlencoded"), 413, "Request body is too large.")
		wantStatus(t, chunked(t, "username=a", "application/x-www-form-urlencoded"), 200)
	})
	t.Run("chunked multipart form over the limit", func(t *testing.T) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("username", strings.Repeat("a", 100))
		mw.Close()
		res := chunked(t, buf.String(), mw.FormDataContentType())
		wantDetail(t, res, 413, "Request body is too large.")
	})
	t.Run("the default limit is 1 MiB", func(t *testing.T) {
		body := `{"username":"` + strings.Repeat("a", rest.DefaultBodyLimit) + `"}`
		wantDetail(t, c.do("POST", "/parse", body, jsonHeader()), 413, "Request body is too large.")
	})
	t.Run("API.BodyLimit applies to views without their own", func(t *testing.T) {
		h.api.BodyLimit = 32
		h.mux.Handle("/api-limited", h.api.View(func(w http.ResponseWriter, r *http.Request) error {
			if _, err := rest.Parse(r); err != nil {
				return err
			}
			return rest.JSON(w, 200, map[string]bool{"ok": true})
		}, rest.Methods("POST"), rest.Authenticators()))
		wantDetail(t, c.do("POST", "/api-limited", big, jsonHeader()), 413, "Request body is too large.")
		wantStatus(t, c.do("POST", "/api-limited", small, jsonHeader()), 200)
	})
}

// IN-04: malformed JSON is a 400 ParseError.
func TestParseMalformedJSON(t *testing.T) {
	h := newHarness(t)
	h.parseRoutes()
	c := h.client()
	for name, body := range map[string]string{
		"truncated":                      `{"username":"a"`,
		"truncated in a string":          `{"username":"a`,
		"trailing object":                `{}{}`,
		"trailing garbage":               `{} x`,
		"trailing value after a field":   `{"username":"a"} "b"`,
		"invalid UTF-8":                  "{\"username\":\"\xff\xfe\"}",
		"invalid UTF-8 in a key":         "{\"user\xc3name\":\"a\"}",
		"UTF-8 BOM":                      "\xef\xbb\xbf{\"username\":\"a\"}",
		"top-level null":                 `null`,
		"top-level array":                `["username"]`,
		"top-level string":               `"username"`,
		"top-level number":               `42`,
		"top-level true":                 `true`,
		"depth 10,000 at the top":        strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
		"depth 100,000 inside an object": `{"username":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`,
		"unbalanced depth":               `{"username":` + strings.Repeat("[", 5000) + `}`,
		"trailing comma":                 `{"username":"a",}`,
		"missing comma":                  `{"username":"a" "x":1}`,
		"unquoted key":                   `{username:"a"}`,
		"single quotes":                  `{'username':'a'}`,
		"NaN":                            `{"username":NaN}`,
		"comment":                        `{"username":"a" /* c */}`,
		"raw control character":          "{\"username\":\"a\x01\"}",
	} {
		t.Run(name, func(t *testing.T) {
			wantParseError(t, c.do("POST", "/parse", body, jsonHeader()))
		})
	}
	t.Run("depth 10,000 inside an object", func(t *testing.T) {
		// Within the decoder's nesting limit: the body parses, and the field is refused.
		body := `{"username":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`
		wantFields(t, c.do("POST", "/parse", body, jsonHeader()), `{"username":["Not a valid string."]}`)
	})
	t.Run("empty body is an empty input", func(t *testing.T) {
		for _, body := range []string{"", "  \n\t"} {
			wantFields(t, c.do("POST", "/parse", body, jsonHeader()), `{"username":["This field is required."]}`)
		}
		// No Content-Type and no body: nothing to parse either.
		wantFields(t, c.do("POST", "/parse", nil, nil), `{"username":["This field is required."]}`)
		res := c.do("POST", "/typed", nil, nil)
		wantStatus(t, res, 200)
	})
	t.Run("escapes are decoded", func(t *testing.T) {
		res := c.do("POST", "/parse", `{"username":"j\u00f6hn\n\"x\""}`, jsonHeader())
		wantStatus(t, res, 200)
		if got := res.json(t)["username"]; got != "jöhn\n\"x\"" {
			t.Fatalf("username %q", got)
		}
	})
}

// IN-05: type confusion. Numbers are accepted as their literal, as DRF's CharField accepts ints and
// floats; every other non-string is refused with DRF's messages.
func TestParseTypeConfusion(t *testing.T) {
	h := newHarness(t)
	h.parseRoutes()
	c := h.client()
	for _, tc := range []struct{ body, username string }{
		{`{"username": 0}`, "0"},
		{`{"username": 12345}`, "12345"},
		{`{"username": -1.5e3}`, "-1.5e3"},
		{`{"username": " alice "}`, "alice"},
	} {
		res := c.do("POST", "/parse", tc.body, jsonHeader())
		wantStatus(t, res, 200)
		if got := res.json(t)["username"]; got != tc.username {
			t.Errorf("%s: username %q, want %q", tc.body, got, tc.username)
		}
	}
	for body, msg := range map[string]string{
		`{"username": ["alice"]}`:   "Not a valid string.",
		`{"username": {"$ne": ""}}`: "Not a valid string.",
		`{"username": true}`:        "Not a valid string.",
		`{"username": false}`:       "Not a valid string.",
		`{"username": null}`:        "This field may not be null.",
		`{"username": ""}`:          "This field may not be blank.",
		`{"username": "   "}`:       "This field may not be blank.",
	} {
		wantFields(t, c.do("POST", "/parse", body, jsonHeader()), `{"username":["`+msg+`"]}`)
	}
}

// IN-06: duplicate keys are refused; keys match exactly (Go's encoding/json would match "USERNAME"
// to a username field and keep the last duplicate).
func TestParseDuplicateAndCaseVariantKeys(t *testing.T) {
	h := newHarness(t)
	h.parseRoutes()
	c := h.client()
	for _, body := range []string{
		`{"username":"alice","username":"mallory"}`,
		`{"username":"alice","x":1,"username":"alice"}`,
	} {
		res := c.do("POST", "/parse", body, jsonHeader())
		wantParseError(t, res)
		if !strings.Contains(res.detail(t), "duplicate key") {
			t.Fatalf("detail %q", res.detail(t))
		}
	}
	// Duplicates in nested objects are the field's business (they are never read as fields).
	wantStatus(t, c.do("POST", "/typed", `{"note":{"a":1,"a":2}}`, jsonHeader()), 200)

	res := c.do("POST", "/parse", `{"username":"alice","USERNAME":"admin"}`, jsonHeader())
	wantStatus(t, res, 200)
	if got := res.json(t)["username"]; got != "alice" {
		t.Fatalf("username %q", got)
	}
	for _, body := range []string{`{"Username":"admin"}`, `{"USERNAME":"admin"}`, `{"username ":"admin"}`} {
		wantFields(t, c.do("POST", "/parse", body, jsonHeader()), `{"username":["This field is required."]}`)
	}
	// Forms: several values for one field are refused rather than picking one (DRF's QueryDict.get
	// takes the last; refusing keeps every component on the same value).
	wantFields(t, c.do("POST", "/parse", formBody{"username": {"alice", "mallory"}}, nil), `{"username":["Only one value may be given."]}`)
	wantFields(t, c.do("POST", "/parse", url.Values{"username": {"alice", "mallory"}}, nil), `{"username":["Only one value may be given."]}`)
	wantFields(t, c.do("POST", "/parse", formBody{"Username": {"admin"}}, nil), `{"username":["This field is required."]}`)
}

func TestParseMediaTypes(t *testing.T) {
	h := newHarness(t)
	h.parseRoutes()
	c := h.client()
	ct := func(v string) map[string]string { return map[string]string{"Content-Type": v} }

	t.Run("415 for unsupported types with a body", func(t *testing.T) {
		for _, v := range []string{"text/plain", "text/plain; charset=utf-8", "application/xml", "application/octet-stream", "text/json"} {
			mt := strings.SplitN(v, ";", 2)[0]
			wantDetail(t, c.do("POST", "/parse", `{"username":"a"}`, ct(v)), 415, `Unsupported media type "`+mt+`" in request.`)
		}
		// No Content-Type with a body: DRF's parser selection finds nothing for "" either.
		wantDetail(t, c.do("POST", "/parse", `{"username":"a"}`, nil), 415, `Unsupported media type "" in request.`)
		// An unparsable Content-Type is quoted as sent.
		wantDetail(t, c.do("POST", "/parse", `{"username":"a"}`, ct("application/json;;=")), 415, `Unsupported media type "application/json;;=" in request.`)
	})
	t.Run("unsupported type with an empty body is an empty input", func(t *testing.T) {
		wantFields(t, c.do("POST", "/parse", "", ct("text/plain")), `{"username":["This field is required."]}`)
	})
	t.Run("JSON variants", func(t *testing.T) {
		for _, v := range []string{"application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "application/vnd.api+json"} {
			// +json suffixes are parsed as JSON (DRF's JSONParser takes application/json only).
			res := c.do("POST", "/parse", `{"username":"a"}`, ct(v))
			wantStatus(t, res, 200)
		}
	})
	t.Run("urlencoded and multipart forms", func(t *testing.T) {
		for _, body := range []any{formBody{"username": {" alice "}}, url.Values{"username": {" alice "}}} {
			res := c.do("POST", "/parse", body, nil)
			wantStatus(t, res, 200)
			if got := res.json(t)["username"]; got != "alice" {
				t.Fatalf("username %q", got)
			}
		}
		res := c.do("PUT", "/parse", formBody{"username": {"alice"}}, nil)
		wantStatus(t, res, 200)
	})
	t.Run("the query string is not the body", func(t *testing.T) {
		wantFields(t, c.do("POST", "/parse?username=evil", formBody{"other": {"x"}}, nil), `{"username":["This field is required."]}`)
		wantFields(t, c.do("POST", "/parse?username=evil", `{}`, jsonHeader()), `{"username":["This field is required."]}`)
	})
	t.Run("a file part is not a field", func(t *testing.T) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("username", "name.txt")
		fw.Write([]byte("alice"))
		mw.Close()
		wantFields(t, c.do("POST", "/parse", buf.String(), ct(mw.FormDataContentType())), `{"username":["This field is required."]}`)
	})
	t.Run("malformed forms", func(t *testing.T) {
		wantDetail(t, c.do("POST", "/parse", "username=%zz", ct("application/x-www-form-urlencoded")), 400, "Form parse error.")
		wantDetail(t, c.do("POST", "/parse", "--nope\r\n", ct("multipart/form-data; boundary=x")), 400, "Form parse error.")
		wantDetail(t, c.do("POST", "/parse", "a=b", ct("multipart/form-data")), 400, "Form parse error.")
	})
}

func TestParseTypedFields(t *testing.T) {
	h := newHarness(t)
	h.parseRoutes()
	c := h.client()
	typed := func(t *testing.T, body any, header map[string]string) map[string]any {
		t.Helper()
		res := c.do("POST", "/typed", body, header)
		wantStatus(t, res, 200)
		return res.json(t)
	}

	t.Run("absent fields", func(t *testing.T) {
		m := typed(t, `{}`, jsonHeader())
		if m["username"] != "" || m["password"] != "" || m["remember"] != false || m["count"] != 0.0 || m["has_note"] != false {
			t.Fatalf("%v", m)
		}
	})
	t.Run("NoTrim and AllowBlank", func(t *testing.T) {
		if m := typed(t, `{"password":"  pass word  "}`, jsonHeader()); m["password"] != "  pass word  " {
			t.Fatalf("password %q", m["password"])
		}
		if m := typed(t, `{"password":""}`, jsonHeader()); m["password"] != "" {
			t.Fatalf("password %q", m["password"])
		}
		if m := typed(t, formBody{"password": {" x "}}, nil); m["password"] != " x " {
			t.Fatalf("password %q", m["password"])
		}
	})
	t.Run("Has", func(t *testing.T) {
		if m := typed(t, `{"note":null}`, jsonHeader()); m["has_note"] != true {
			t.Fatal("Has(note) false for a null value")
		}
		if m := typed(t, formBody{"note": {""}}, nil); m["has_note"] != true {
			t.Fatal("Has(note) false for an empty form value")
		}
	})
	t.Run("Bool", func(t *testing.T) {
		for _, tc := range []struct {
			raw  string
			want bool
		}{
			{`true`, true}, {`false`, false}, {`1`, true}, {`0`, false},
			{`"true"`, true}, {`"True"`, true}, {`"yes"`, true}, {`"on"`, true}, {`"1"`, true}, {`"t"`, true}, {`"Y"`, true},
			{`"false"`, false}, {`"off"`, false}, {`"no"`, false}, {`"0"`, false}, {`"F"`, false}, {`""`, false},
		} {
			if m := typed(t, `{"remember":`+tc.raw+`}`, jsonHeader()); m["remember"] != tc.want {
				t.Errorf("remember %s → %v, want %v", tc.raw, m["remember"], tc.want)
			}
		}
		for _, v := range []string{"on", "true", "1"} {
			if m := typed(t, formBody{"remember": {v}}, nil); m["remember"] != true {
				t.Errorf("form remember=%s → %v", v, m["remember"])
			}
		}
		for _, raw := range []string{`"maybe"`, `2`, `null`, `[]`, `{}`, `"truee"`} {
			wantFields(t, c.do("POST", "/typed", `{"remember":`+raw+`}`, jsonHeader()), `{"remember":["Must be a valid boolean."]}`)
		}
		wantFields(t, c.do("POST", "/typed", formBody{"remember": {"on", "off"}}, nil), `{"remember":["Only one value may be given."]}`)
	})
	t.Run("Int", func(t *testing.T) {
		for _, tc := range []struct {
			raw  string
			want float64
		}{{`42`, 42}, {`"42"`, 42}, {`-7`, -7}, {`" 8 "`, 8}, {`9223372036854775807`, 9223372036854775807}} {
			if m := typed(t, `{"count":`+tc.raw+`}`, jsonHeader()); m["count"] != tc.want {
				t.Errorf("count %s → %v, want %v", tc.raw, m["count"], tc.want)
			}
		}
		if m := typed(t, formBody{"count": {"12"}}, nil); m["count"] != 12.0 {
			t.Errorf("form count=12 → %v", m["count"])
		}
		for _, raw := range []string{`"4.2"`, `4.2`, `"abc"`, `1e3`, `"99999999999999999999"`, `"0x10"`} {
			wantFields(t, c.do("POST", "/typed", `{"count":`+raw+`}`, jsonHeader()), `{"count":["A valid integer is required."]}`)
		}
		for raw, msg := range map[string]string{`true`: "Not a valid string.", `null`: "This field may not be null.", `[1]`: "Not a valid string."} {
			wantFields(t, c.do("POST", "/typed", `{"count":`+raw+`}`, jsonHeader()), `{"count":["`+msg+`"]}`)
		}
		wantFields(t, c.do("POST", "/required-int", `{}`, jsonHeader()), `{"count":["This field is required."]}`)
		wantFields(t, c.do("POST", "/required-int", `{"count":""}`, jsonHeader()), `{"count":["This field may not be blank."]}`)
	})
	t.Run("every error at once", func(t *testing.T) {
		wantFields(t, c.do("POST", "/typed", `{"username":[],"remember":"x","count":"y"}`, jsonHeader()),
			`{"count":["A valid integer is required."],"remember":["Must be a valid boolean."],"username":["Not a valid string."]}`)
	})
}

// A form body over the limit is 413 even when the CSRF check of SessionAuthentication read the form
// first: the check treats an unreadable body as having no form token (the header decides, as in
// Django), and net/http then keeps an empty PostForm without an error, so Parse must not take that
// for an empty form. (A Content-Length over the limit is refused before authentication; a chunked
// body is found out while reading.)
func TestParseFormOverLimitAfterCSRFCheck(t *testing.T) {
	h := newHarness(t)
	var calls atomic.Int32
	h.mux.Handle("/limited-session", h.api.View(func(w http.ResponseWriter, r *http.Request) error {
		in, err := rest.Parse(r)
		if err != nil {
			return err
		}
		calls.Add(1)
		note := in.String("note", rest.AllowBlank) // an optional field: an empty form would "succeed"
		if err := in.Err(); err != nil {
			return err
		}
		return rest.JSON(w, http.StatusOK, map[string]string{"note": note})
	}, rest.Methods("POST"), rest.Authenticators(&rest.SessionAuthentication{Auth: h.auth}), rest.BodyLimit(64)))
	c := h.client()
	c.login("john", "password")
	tok := c.csrfToken()

	send := func(t *testing.T, body, ct string) *response {
		t.Helper()
		req, err := http.NewRequest("POST", h.srv.URL+"/limited-session", io.MultiReader(strings.NewReader(body)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", ct)
		req.Header.Set("X-CSRFToken", tok)
		for k, v := range c.cookies {
			req.AddCookie(&http.Cookie{Name: k, Value: v})
		}
		res, err := h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return &response{res, string(b)}
	}
	t.Run("urlencoded", func(t *testing.T) {
		wantDetail(t, send(t, "note="+strings.Repeat("a", 100), "application/x-www-form-urlencoded"), 413, "Request body is too large.")
		res := send(t, "note=hi", "application/x-www-form-urlencoded")
		wantStatus(t, res, 200)
		if res.json(t)["note"] != "hi" {
			t.Fatalf("body %s", res.body)
		}
	})
	t.Run("multipart", func(t *testing.T) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("note", strings.Repeat("a", 100))
		mw.Close()
		wantDetail(t, send(t, buf.String(), mw.FormDataContentType()), 413, "Request body is too large.")
	})
	if n := calls.Load(); n != 1 {
		t.Fatalf("the handler went past Parse %d times, want 1 (only the small body)", n)
	}
}
