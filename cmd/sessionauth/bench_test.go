package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionauth/sessionauth/auth"
)

type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

// benchServer builds the real server handler on a temporary database and returns it with the
// cookie of a logged-in user.
func benchServer(tb testing.TB, sessionStore string) (http.Handler, string) {
	tb.Helper()
	cfg := &config{
		storeConfig:       storeConfig{Database: filepath.Join(tb.TempDir(), "bench.db"), SessionStore: sessionStore, SessionAge: 24 * 3600e9},
		SessionCookieName: "sessionid", LogFormat: "text", LogLevel: "warn", NoBootstrapAdmin: true,
	}
	cfg.LoginRate.N, cfg.LoginRate.Period = 100, 60e9
	cfg.LoginAddressRate = cfg.LoginRate
	srv, err := newServer(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn})), io.Discard)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { srv.stores.Close() })
	if _, err := srv.auth.CreateUser(context.Background(), auth.NewUser{Username: "bench", Password: "correct horse battery staple"}); err != nil {
		tb.Fatal(err)
	}
	rec := httptest.NewRecorder()
	srv.handler.ServeHTTP(rec, httptest.NewRequest("GET", "/api/auth/csrf", nil))
	var csrfCookie string
	for _, c := range rec.Result().Cookies() {
		csrfCookie = c.Value
	}
	req := httptest.NewRequest("POST", "/api/auth/login", strings.NewReader(`{"username":"bench","password":"correct horse battery staple"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRFToken", csrfCookie)
	req.Header.Set("Cookie", "csrftoken="+csrfCookie)
	rec = httptest.NewRecorder()
	srv.handler.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.Name == "sessionid" {
			return srv.handler, "sessionid=" + c.Value
		}
	}
	tb.Fatalf("login failed: %d %s", rec.Code, rec.Body)
	return nil, ""
}

func benchHello(b *testing.B, store string) {
	h, cookie := benchServer(b, store)
	req := httptest.NewRequest("GET", "/api/hello", nil)
	req.Header.Set("Cookie", cookie)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
}

func BenchmarkServerHelloSQLite(b *testing.B) { benchHello(b, "sqlite") }
func BenchmarkServerHelloMemory(b *testing.B) { benchHello(b, "memory") }
