package rest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"
)

var jsonContentType = []string{"application/json"} // shared header value, never modified

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// JSON writes v as the response body with status, rendered as DRF's JSONRenderer does: compact,
// UTF-8 (not ASCII-escaped, but U+2028/U+2029 escaped), Content-Type "application/json".
func JSON(w http.ResponseWriter, status int, v any) error {
	return writeJSON(w, status, v)
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	buf := bufPool.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 64<<10 {
			buf.Reset()
			bufPool.Put(buf)
		}
	}()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h.Del("Content-Length")
	w.WriteHeader(status)
	_, err := w.Write(b)
	return err
}

// NoContent answers 204 with no body.
func NoContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}
