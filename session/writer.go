package session

import (
	"bufio"
	"net"
	"net/http"
)

// writer commits the session when the handler writes its response header, so that a failed save
// turns into an error response instead of a success whose session change was silently dropped.
type writer struct {
	http.ResponseWriter
	s           *Session
	wroteHeader bool
	failed      bool // the commit failed and the error response was written; discard the handler's body
}

func (w *writer) WriteHeader(code int) {
	if w.wroteHeader {
		return
	}
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		w.ResponseWriter.WriteHeader(code) // informational (103 Early Hints): the real header follows
		return
	}
	w.wroteHeader = true
	if err := w.s.commit(code, w.Header()); err != nil {
		w.failed = true
		w.s.m.fail(w.ResponseWriter, w.s.req, err)
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *writer) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.failed {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Flush sends buffered data to the client (committing the session first).
func (w *writer) Flush() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.failed {
		return
	}
	http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack hands the connection over; the session is committed first as if a 101 were written.
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if !w.wroteHeader {
		w.wroteHeader = true
		if err := w.s.commit(http.StatusSwitchingProtocols, w.Header()); err != nil {
			w.failed = true
			return nil, nil, err
		}
	}
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap gives http.ResponseController access to the underlying writer.
func (w *writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }
