package csrf

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Request-level tests run against real servers (httptest.NewServer and
// NewTLSServer). httptest.NewRequest fills r.URL.Scheme and r.URL.Host,
// which a real server never does; tests built on it hid CVE-2025-24358
// (gorilla/csrf) and CVE-2025-46721 (nosurf).

// quiet discards the failure logs of tests that expect failures.
var quiet = slog.New(slog.DiscardHandler)

func newTextLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

// startServer starts a real server, TLS if useTLS, and closes it when the
// test ends.
func startServer(t testing.TB, h http.Handler, useTLS bool) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	if useTLS {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	return srv
}

// checkServer answers every request with p.Check's verdict: 200 "ok", or
// 403 and the Failure's reason. Any other error is a 500, which tests treat
// as a bug.
func checkServer(t testing.TB, p *Policy, useTLS bool) *httptest.Server {
	t.Helper()
	return startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := p.Check(r)
		if err == nil {
			io.WriteString(w, "ok")
			return
		}
		var f *Failure
		if !errors.As(err, &f) {
			http.Error(w, "not a *Failure: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, f.Reason)
	}), useTLS)
}

// request describes one client request. Zero fields mean: POST, no Host
// override, no extra headers, no CSRF cookie, no body.
type request struct {
	method      string
	path        string
	host        string      // overrides the Host header
	header      http.Header // sent as is (several values allowed)
	cookie      *string     // raw CSRF cookie value; nil sends none
	contentType string
	body        string
}

func ptr(s string) *string { return &s }

// send performs rq against srv and returns the status and body.
func send(t testing.TB, srv *httptest.Server, rq request) (int, string) {
	t.Helper()
	resp := sendResp(t, srv, rq)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("reading response: %v", err)
	}
	if resp.StatusCode == http.StatusInternalServerError {
		t.Fatalf("500 from server: %s", body)
	}
	return resp.StatusCode, string(body)
}

func sendResp(t testing.TB, srv *httptest.Server, rq request) *http.Response {
	t.Helper()
	resp, err := trySend(srv, rq)
	if err != nil {
		t.Fatalf("request failed: %v", err)
	}
	return resp
}

func trySend(srv *httptest.Server, rq request) (*http.Response, error) {
	method := rq.method
	if method == "" {
		method = http.MethodPost
	}
	var body io.Reader
	if rq.body != "" {
		body = strings.NewReader(rq.body)
	}
	req, err := http.NewRequest(method, srv.URL+rq.path, body)
	if err != nil {
		return nil, err
	}
	if rq.host != "" {
		req.Host = rq.host
	}
	for k, vs := range rq.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if rq.cookie != nil {
		// Set the header directly: (*Request).AddCookie would drop the
		// invalid values some tests need to send.
		req.Header.Set("Cookie", defaultCookieName+"="+*rq.cookie)
	}
	if rq.contentType != "" {
		req.Header.Set("Content-Type", rq.contentType)
	}
	return srv.Client().Do(req)
}

// hdr builds an http.Header from name/value pairs.
func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

// mustSecret returns a new secret and one masked token for it.
func mustSecret(t testing.TB) (secret, token string) {
	t.Helper()
	secret, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	token, err = Mask(secret)
	if err != nil {
		t.Fatal(err)
	}
	return secret, token
}

// hostOf returns the host:port the server listens on, which is also the
// Host header clients send by default.
func hostOf(srv *httptest.Server) string {
	return srv.Listener.Addr().String()
}
