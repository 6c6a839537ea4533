package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Media types the views parse (DRF's default parsers).
var parses = []string{"application/json", "application/x-www-form-urlencoded", "multipart/form-data"}

// Input is a parsed request body (JSON object, form or multipart form) with DRF-style field access:
// each accessor records a field error instead of returning one, and Err reports them all at once as a
// 400 ValidationError:
//
//	in, err := rest.Parse(r)
//	if err != nil {
//		return err
//	}
//	username := in.String("username", rest.Required)
//	password := in.String("password", rest.Required|rest.NoTrim)
//	remember := in.Bool("remember")
//	if err := in.Err(); err != nil {
//		return err
//	}
type Input struct {
	json   map[string]json.RawMessage
	form   url.Values
	errors map[string][]string
}

// FieldOption modifies how a field is read.
type FieldOption uint8

const (
	// Required: a missing field is an error ("This field is required.").
	Required FieldOption = 1 << iota
	// NoTrim keeps surrounding whitespace (passwords); by default strings are trimmed, as DRF's CharField does.
	NoTrim
	// AllowBlank accepts the empty string (DRF's allow_blank).
	AllowBlank
)

// Parse reads the request body according to its Content-Type. JSON must be one object with no
// duplicate keys; keys match exactly (not case-insensitively). Malformed input is a 400 ParseError, an
// unsupported type 415, a body over the view's limit 413. An empty body gives an empty Input.
func Parse(r *http.Request) (*Input, error) {
	in := &Input{}
	mediaType := ""
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil {
			return nil, UnsupportedMediaType(ct)
		}
		mediaType = mt
	}
	switch mediaType {
	case "application/x-www-form-urlencoded", "multipart/form-data":
		var err error
		if mediaType == "multipart/form-data" {
			err = r.ParseMultipartForm(1 << 20)
		} else {
			err = r.ParseForm()
		}
		if err != nil {
			return nil, bodyError(err, "Form parse error")
		}
		// The CSRF check may have parsed the form before us and met the body limit; net/http then
		// keeps an empty PostForm and reports no error the second time. The limited reader
		// remembers: a zero-length read returns its error without consuming anything.
		if r.Body != nil {
			if _, err := r.Body.Read(nil); err != nil && err != io.EOF {
				return nil, bodyError(err, "Form parse error")
			}
		}
		in.form = r.PostForm
		return in, nil
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, bodyError(err, "Malformed request")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return in, nil
	}
	if mediaType != "application/json" && !strings.HasSuffix(mediaType, "+json") {
		return nil, UnsupportedMediaType(mediaType)
	}
	obj, err := decodeObject(body)
	if err != nil {
		return nil, ParseError("JSON parse error - " + err.Error())
	}
	in.json = obj
	return in, nil
}

func bodyError(err error, what string) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return RequestTooLarge()
	}
	return ParseError(what + ".")
}

// decodeObject decodes one JSON object, refusing duplicate keys, invalid UTF-8 and trailing data.
func decodeObject(body []byte) (map[string]json.RawMessage, error) {
	if !utf8.Valid(body) {
		return nil, errors.New("invalid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, describe(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("expected a JSON object")
	}
	obj := make(map[string]json.RawMessage)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, describe(err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errors.New("invalid JSON")
		}
		if _, dup := obj[key]; dup {
			return nil, fmt.Errorf("duplicate key %q", key)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, describe(err)
		}
		obj[key] = v
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, describe(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON object")
	}
	return obj, nil
}

// describe turns a decoder error into a short message without parser internals.
func describe(err error) error {
	var syn *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("unexpected end of input")
	case errors.As(err, &syn):
		return fmt.Errorf("invalid JSON at offset %d", syn.Offset)
	}
	return errors.New("invalid JSON")
}

func (in *Input) fail(field, msg string) {
	if in.errors == nil {
		in.errors = make(map[string][]string)
	}
	in.errors[field] = append(in.errors[field], msg)
}

// Has reports whether the body has the field.
func (in *Input) Has(field string) bool {
	if in.form != nil {
		_, ok := in.form[field]
		return ok
	}
	_, ok := in.json[field]
	return ok
}

// raw returns the field as text and whether it is present; for JSON, numbers are given as their
// literal, as DRF's CharField accepts them.
func (in *Input) text(field string) (string, bool) {
	if in.form != nil {
		vs, ok := in.form[field]
		if !ok {
			return "", false
		}
		if len(vs) > 1 {
			in.fail(field, "Only one value may be given.")
			return "", false
		}
		return vs[0], true
	}
	raw, ok := in.json[field]
	if !ok {
		return "", false
	}
	switch {
	case len(raw) > 0 && raw[0] == '"':
		var s string
		json.Unmarshal(raw, &s)
		return s, true
	case string(raw) == "null":
		in.fail(field, "This field may not be null.")
	case len(raw) > 0 && (raw[0] == '-' || '0' <= raw[0] && raw[0] <= '9'):
		return string(raw), true
	default:
		in.fail(field, "Not a valid string.")
	}
	return "", false
}

// String returns a string field ("" when absent or invalid, with the error recorded).
func (in *Input) String(field string, opts FieldOption) string {
	if _, bad := in.errors[field]; bad {
		return ""
	}
	s, ok := in.text(field)
	if !ok {
		if !in.Has(field) && opts&Required != 0 {
			in.fail(field, "This field is required.")
		}
		return ""
	}
	if opts&NoTrim == 0 {
		s = strings.TrimSpace(s)
	}
	if s == "" && opts&AllowBlank == 0 {
		in.fail(field, "This field may not be blank.")
	}
	return s
}

// Bool returns a boolean field, false when absent. Accepted like DRF's BooleanField: JSON true/false,
// and "true"/"false", "1"/"0", "yes"/"no", "on"/"off" in any case.
func (in *Input) Bool(field string) bool {
	var s string
	if in.form != nil {
		var ok bool
		if s, ok = in.text(field); !ok {
			return false
		}
	} else {
		raw, ok := in.json[field]
		if !ok {
			return false
		}
		s = string(raw)
		if len(raw) > 0 && raw[0] == '"' {
			json.Unmarshal(raw, &s)
		}
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes", "on", "t", "y":
		return true
	case "false", "0", "no", "off", "f", "n", "":
		return false
	}
	in.fail(field, "Must be a valid boolean.")
	return false
}

// Int returns an integer field, 0 when absent or invalid (with the error recorded).
func (in *Input) Int(field string, opts FieldOption) int64 {
	s := in.String(field, opts)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		in.fail(field, "A valid integer is required.")
	}
	return n
}

// Fail records an error for field, for checks the accessors do not make.
func (in *Input) Fail(field, msg string) { in.fail(field, msg) }

// Err returns a ValidationError listing every recorded field error, or nil.
func (in *Input) Err() error {
	if len(in.errors) == 0 {
		return nil
	}
	return ValidationError(in.errors)
}
