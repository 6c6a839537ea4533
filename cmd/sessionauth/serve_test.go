package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sessionauth/sessionauth/session"
)

// saveFails is a session store that holds nothing and cannot save: every session write fails.
type saveFails struct{}

func (saveFails) Load(context.Context, string) (session.Record, error) {
	return session.Record{}, session.ErrNotFound
}
func (saveFails) Save(context.Context, string, *session.Record) error {
	return errors.New("store unreachable (test)")
}
func (saveFails) Delete(context.Context, string) error { return nil }

// A session that cannot be saved is answered by sessionError: browsers get a page with the headers
// every other page has (no caching, no framing, a strict CSP), the API and other clients JSON.
func TestSessionErrorResponses(t *testing.T) {
	sm := &session.Manager{Store: saveFails{}, ErrorHandler: sessionError, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	srv := httptest.NewServer(sm.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := session.From(r).Set("k", "v"); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		io.WriteString(w, "saved")
	})))
	t.Cleanup(srv.Close)
	get := func(path, accept string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest("GET", srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept", accept)
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res, string(b)
	}

	res, body := get("/account", "text/html,application/xhtml+xml;q=0.9")
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "temporarily unavailable") {
		t.Fatalf("browser: %d %q", res.StatusCode, body)
	}
	for name, want := range map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"Cache-Control":           "no-store",
		"X-Frame-Options":         "DENY",
		"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "same-origin",
	} {
		if got := res.Header.Get(name); got != want {
			t.Errorf("error page %s %q, want %q", name, got, want)
		}
	}

	for _, tc := range []struct{ path, accept string }{{"/api/hello", "text/html"}, {"/account", "application/json"}} {
		res, body := get(tc.path, tc.accept)
		if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Content-Type") != "application/json" ||
			res.Header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(body, `{"detail":`) {
			t.Errorf("GET %s (Accept %s): %d %s %q", tc.path, tc.accept, res.StatusCode, res.Header, body)
		}
	}
}
