package session_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/internal/testclock"
	"github.com/sessionauth/sessionauth/session"
	"github.com/sessionauth/sessionauth/store/memory"
)

// faultStore wraps a real store, counts calls and fails on demand.
type faultStore struct {
	session.Store
	saves, loads, deletes atomic.Int32
	mu                    sync.Mutex
	failLoad, failSave    error
	failDelete            error
}

func (f *faultStore) Load(ctx context.Context, id string) (session.Record, error) {
	f.loads.Add(1)
	f.mu.Lock()
	err := f.failLoad
	f.mu.Unlock()
	if err != nil {
		return session.Record{}, err
	}
	return f.Store.Load(ctx, id)
}

func (f *faultStore) Save(ctx context.Context, id string, rec *session.Record) error {
	f.saves.Add(1)
	f.mu.Lock()
	err := f.failSave
	f.mu.Unlock()
	if err != nil {
		return err
	}
	return f.Store.Save(ctx, id, rec)
}

func (f *faultStore) Delete(ctx context.Context, id string) error {
	f.deletes.Add(1)
	f.mu.Lock()
	err := f.failDelete
	f.mu.Unlock()
	if err != nil {
		return err
	}
	return f.Store.Delete(ctx, id)
}

func (f *faultStore) set(load, save, del error) {
	f.mu.Lock()
	f.failLoad, f.failSave, f.failDelete = load, save, del
	f.mu.Unlock()
}

type fixture struct {
	srv   *httptest.Server
	store *faultStore
	clock *testclock.Clock // shared by the Manager and the store
	m     *session.Manager
	logs  *bytes.Buffer
}

var errDown = errors.New("store is down")

func newFixture(t *testing.T, configure func(m *session.Manager)) *fixture {
	c := testclock.New(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
	mem := memory.New(memory.Options{Now: c.Now, SweepInterval: -1})
	fs := &faultStore{Store: mem}
	logs := &bytes.Buffer{}
	m := &session.Manager{Store: fs, Now: c.Now, Logger: slog.New(slog.NewTextHandler(&syncWriter{w: logs}, nil))}
	if configure != nil {
		configure(m)
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		v, err := session.From(r).GetString("k")
		if err != nil {
			http.Error(w, "load failed", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, v)
	})
	mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) {
		if err := session.From(r).Set("k", r.URL.Query().Get("v")); err != nil {
			http.Error(w, "set failed", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok")
	})
	mux.HandleFunc("/set500", func(w http.ResponseWriter, r *http.Request) {
		session.From(r).Set("k", "from a failed request")
		http.Error(w, "boom", http.StatusInternalServerError)
	})
	mux.HandleFunc("/get404", func(w http.ResponseWriter, r *http.Request) {
		session.From(r).GetString("k")
		http.NotFound(w, r)
	})
	mux.HandleFunc("/flush", func(w http.ResponseWriter, r *http.Request) {
		session.From(r).Flush()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/transient", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		s.Set("k", "v")
		s.SetPersistent(false)
	})
	srv := httptest.NewServer(m.Handler(mux))
	t.Cleanup(srv.Close)
	return &fixture{srv: srv, store: fs, clock: c, m: m, logs: logs}
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}

// get sends a request with the given cookie header and returns status, body and the Set-Cookie line.
func (f *fixture) get(t *testing.T, path, cookie string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	res, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header.Get("Set-Cookie")
}

func keyOf(t *testing.T, setCookie string) string {
	t.Helper()
	c, err := http.ParseSetCookie(setCookie)
	if err != nil || !session.ValidKey(c.Value) {
		t.Fatalf("no session key in Set-Cookie %q", setCookie)
	}
	return c.Value
}

func TestNoStoreWriteOnReadOnlyRequests(t *testing.T) {
	f := newFixture(t, nil)
	_, _, sc := f.get(t, "/set?v=a", "")
	key := keyOf(t, sc)
	saves := f.store.saves.Load()
	for range 5 {
		f.clock.Advance(5 * time.Second)
		if _, body, sc := f.get(t, "/get", "sessionid="+key); body != "a" || sc != "" {
			t.Fatalf("read: %q, Set-Cookie %q", body, sc)
		}
	}
	if got := f.store.saves.Load() - saves; got != 0 {
		t.Fatalf("read-only requests within the touch interval wrote %d times", got)
	}
	f.clock.Advance(time.Minute)
	f.get(t, "/get", "sessionid="+key)
	f.get(t, "/get", "sessionid="+key)
	if got := f.store.saves.Load() - saves; got != 1 {
		t.Fatalf("after the touch interval: %d writes, want exactly 1", got)
	}
}

func TestIdleTimeout(t *testing.T) {
	f := newFixture(t, func(m *session.Manager) {
		m.IdleTimeout = 10 * time.Minute
		m.TouchInterval = time.Minute
	})
	_, _, sc := f.get(t, "/set?v=a", "")
	key := keyOf(t, sc)
	// Activity every 6 minutes keeps the session alive past the idle timeout.
	for range 4 {
		f.clock.Advance(6 * time.Minute)
		if _, body, _ := f.get(t, "/get", "sessionid="+key); body != "a" {
			t.Fatalf("active session lost: %q", body)
		}
	}
	// Failed requests do not count as activity (EXP-03).
	f.clock.Advance(6 * time.Minute)
	f.get(t, "/get404", "sessionid="+key)
	f.clock.Advance(5 * time.Minute)
	_, body, sc := f.get(t, "/get", "sessionid="+key)
	if body != "" || !strings.Contains(sc, "Max-Age=0") {
		t.Fatalf("idle session still valid: %q, Set-Cookie %q", body, sc)
	}
}

func TestAbsoluteLifetime(t *testing.T) {
	f := newFixture(t, func(m *session.Manager) {
		m.Lifetime = time.Hour
		m.IdleTimeout = 20 * time.Minute
	})
	_, _, sc := f.get(t, "/set?v=a", "")
	if !strings.Contains(sc, "Max-Age=3600") {
		t.Fatalf("Set-Cookie %q: Max-Age should be the lifetime", sc)
	}
	key := keyOf(t, sc)
	for range 5 {
		f.clock.Advance(11 * time.Minute)
		if _, body, _ := f.get(t, "/set?v=a", "sessionid="+key); body != "ok" {
			t.Fatal("active session lost before the end of its lifetime")
		}
	}
	f.clock.Advance(6 * time.Minute) // 61 minutes after creation, 6 after the last activity
	if _, body, _ := f.get(t, "/get", "sessionid="+key); body != "" {
		t.Fatalf("session outlived its absolute lifetime: %q", body)
	}
}

func TestBrowserSessionCookie(t *testing.T) {
	f := newFixture(t, nil)
	_, _, sc := f.get(t, "/transient", "")
	if strings.Contains(sc, "Max-Age") || strings.Contains(sc, "Expires") {
		t.Fatalf("transient session cookie %q has an expiry", sc)
	}
	f2 := newFixture(t, func(m *session.Manager) { m.ExpireAtBrowserClose = true })
	if _, _, sc := f2.get(t, "/set?v=a", ""); strings.Contains(sc, "Max-Age") {
		t.Fatalf("ExpireAtBrowserClose cookie %q has Max-Age", sc)
	}
}

func TestLoadFailureFailsClosed(t *testing.T) {
	f := newFixture(t, nil)
	_, _, sc := f.get(t, "/set?v=a", "")
	key := keyOf(t, sc)
	f.store.set(errDown, nil, nil)
	status, _, sc := f.get(t, "/get", "sessionid="+key)
	if status != http.StatusServiceUnavailable || sc != "" {
		t.Fatalf("load failure: %d, Set-Cookie %q; want 503 and the cookie left alone", status, sc)
	}
	if status, _, sc := f.get(t, "/set?v=b", "sessionid="+key); status != http.StatusServiceUnavailable || sc != "" {
		t.Fatalf("write during outage: %d, Set-Cookie %q", status, sc)
	}
	f.store.set(nil, nil, nil)
	if _, body, _ := f.get(t, "/get", "sessionid="+key); body != "a" {
		t.Fatalf("session lost after the store recovered: %q", body)
	}
}

func TestSaveFailureReplacesResponse(t *testing.T) {
	f := newFixture(t, nil)
	f.store.set(nil, errDown, nil)
	res, err := f.srv.Client().Get(f.srv.URL + "/set?v=a")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 503 || strings.Contains(string(body), "ok") || res.Header.Get("Set-Cookie") != "" {
		t.Fatalf("save failure answered %d %q with Set-Cookie %q", res.StatusCode, body, res.Header.Get("Set-Cookie"))
	}
	if res.Header.Get("Content-Type") != "application/json" || !strings.Contains(string(body), `"detail"`) || strings.Contains(string(body), "down") {
		t.Fatalf("error body %q (%s) should be a generic JSON detail", body, res.Header.Get("Content-Type"))
	}
}

func TestLogoutDeleteFailureIsNotSuccess(t *testing.T) {
	f := newFixture(t, nil)
	_, _, sc := f.get(t, "/set?v=a", "")
	key := keyOf(t, sc)
	f.store.set(nil, nil, errDown)
	if status, _, _ := f.get(t, "/flush", "sessionid="+key); status != http.StatusServiceUnavailable {
		t.Fatalf("flush with a failing delete answered %d, want 503", status)
	}
	f.store.set(nil, nil, nil)
	if _, body, _ := f.get(t, "/get", "sessionid="+key); body != "a" {
		t.Fatal("the session should still exist after a failed logout (and the client was told so)")
	}
	if status, _, sc := f.get(t, "/flush", "sessionid="+key); status != 204 || !strings.Contains(sc, "Max-Age=0") {
		t.Fatalf("flush: %d %q", status, sc)
	}
}

func TestServerErrorDoesNotSave(t *testing.T) {
	f := newFixture(t, nil)
	_, _, sc := f.get(t, "/set?v=a", "")
	key := keyOf(t, sc)
	if status, _, sc := f.get(t, "/set500", "sessionid="+key); status != 500 || sc != "" {
		t.Fatalf("500: Set-Cookie %q", sc)
	}
	if _, body, _ := f.get(t, "/get", "sessionid="+key); body != "a" {
		t.Fatalf("a change made by a failed request was saved: %q", body)
	}
}

func TestCorruptRecordIsNoSession(t *testing.T) {
	f := newFixture(t, nil)
	_, _, sc := f.get(t, "/set?v=a", "")
	key := keyOf(t, sc)
	f.store.set(session.ErrCorrupt, nil, nil)
	status, body, sc := f.get(t, "/get", "sessionid="+key)
	if status != 200 || body != "" || !strings.Contains(sc, "Max-Age=0") {
		t.Fatalf("corrupt record: %d %q %q; want an anonymous 200 that deletes the cookie", status, body, sc)
	}
	if !strings.Contains(f.logs.String(), "undecodable") {
		t.Fatalf("corrupt record not logged: %s", f.logs)
	}
}

func TestAmbiguousCookiesAreNoSession(t *testing.T) {
	f := newFixture(t, nil)
	_, _, sc := f.get(t, "/set?v=victim", "")
	victim := keyOf(t, sc)
	_, _, sc = f.get(t, "/set?v=attacker", "")
	attacker := keyOf(t, sc)
	if _, body, _ := f.get(t, "/get", "sessionid="+attacker+"; sessionid="+victim); body != "" {
		t.Fatalf("two different session cookies resolved to %q", body)
	}
	// A comma does not separate cookies (CVE-2016-7401).
	if _, body, _ := f.get(t, "/get", "_ga=GA1.1.x,sessionid="+attacker); body != "" {
		t.Fatalf("comma-smuggled cookie accepted: %q", body)
	}
	if _, body, _ := f.get(t, "/get", "a=b; sessionid="+victim+"; sessionid="+victim); body != "victim" {
		t.Fatalf("a repeated identical cookie should work: %q", body)
	}
}

func TestNilSession(t *testing.T) {
	var s *session.Session
	if _, err := s.Get("k", new(string)); !errors.Is(err, session.ErrNoSession) {
		t.Fatalf("Get on a nil session: %v", err)
	}
	if err := s.Set("k", 1); !errors.Is(err, session.ErrNoSession) {
		t.Fatalf("Set on a nil session: %v", err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	if session.From(r) != nil {
		t.Fatal("From without a Manager should be nil")
	}
}

func TestValidate(t *testing.T) {
	st := memory.New(memory.Options{SweepInterval: -1})
	bad := []session.Manager{
		{},
		{Store: st, Cookie: session.Cookie{Name: "__Host-id"}},
		{Store: st, Cookie: session.Cookie{Name: "__Host-id", Secure: true, Domain: "example.com"}},
		{Store: st, Cookie: session.Cookie{SameSite: http.SameSiteNoneMode}},
		{Store: st, Cookie: session.Cookie{Name: "bad name"}},
	}
	for i, m := range bad {
		if m.Validate() == nil {
			t.Errorf("case %d: Validate accepted %+v", i, m.Cookie)
		}
	}
	good := session.Manager{Store: st, Cookie: session.Cookie{Name: "__Host-id", Secure: true}}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestHostPrefixCookie(t *testing.T) {
	f := newFixture(t, func(m *session.Manager) { m.Cookie = session.Cookie{Name: "__Host-id", Secure: true} })
	_, _, sc := f.get(t, "/set?v=a", "")
	if !strings.HasPrefix(sc, "__Host-id=") || !strings.Contains(sc, "Secure") || strings.Contains(sc, "Domain") {
		t.Fatalf("Set-Cookie %q", sc)
	}
}
