package sessiontest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/sessionauth/sessionauth/session"
)

// runManager checks what a Manager built on the store promises to requests running at the same time.
func runManager(t *testing.T, newStore func(t *testing.T) session.Store) {
	t.Run("Lifecycle", func(t *testing.T) { testLifecycle(t, newStore(t)) })
	t.Run("NoResurrectionAcrossRequests", func(t *testing.T) { testRequestNoResurrection(t, newStore(t)) })
	t.Run("NoLostWrites", func(t *testing.T) { testNoLostWrites(t, newStore(t)) })
	t.Run("CycleKeyAfterLogout", func(t *testing.T) { testCycleKeyAfterLogout(t, newStore(t)) })
	t.Run("CycleKeyKeepsConcurrentWrites", func(t *testing.T) { testCycleKeyKeepsWrites(t, newStore(t)) })
}

// server runs a Manager over st; handlers are chosen by path.
type server struct {
	*httptest.Server
	mux *http.ServeMux
}

func newServer(t *testing.T, st session.Store) *server {
	m := &session.Manager{Store: st}
	mux := http.NewServeMux()
	srv := httptest.NewServer(m.Handler(mux))
	t.Cleanup(srv.Close)
	return &server{srv, mux}
}

// do sends a request with the session cookie key ("" for none) and returns the response and the
// session cookie the response set: the new key, "" for a deletion, or nil when it did not touch it.
func (s *server) do(t *testing.T, method, path, key string) (*http.Response, string, *string) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.AddCookie(&http.Cookie{Name: "sessionid", Value: key})
	}
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, c := range res.Cookies() {
		if c.Name == "sessionid" {
			v := c.Value
			return res, string(body), &v
		}
	}
	return res, string(body), nil
}

func testLifecycle(t *testing.T, st session.Store) {
	s := newServer(t, st)
	s.mux.HandleFunc("/none", func(w http.ResponseWriter, r *http.Request) {})
	s.mux.HandleFunc("/read", func(w http.ResponseWriter, r *http.Request) {
		var v string
		if _, err := session.From(r).Get("k", &v); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		io.WriteString(w, v)
	})
	s.mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) {
		if err := session.From(r).Set("k", r.URL.Query().Get("v")); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	s.mux.HandleFunc("/cycle", func(w http.ResponseWriter, r *http.Request) { session.From(r).CycleKey() })
	s.mux.HandleFunc("/flush", func(w http.ResponseWriter, r *http.Request) { session.From(r).Flush() })

	res, _, c := s.do(t, "GET", "/none", "")
	if c != nil || res.Header.Get("Vary") != "" {
		t.Fatalf("a request that never touched the session got cookie %v, Vary %q", c, res.Header.Get("Vary"))
	}
	res, _, c = s.do(t, "GET", "/read", "")
	if c != nil || res.Header.Get("Vary") != "Cookie" {
		t.Fatalf("anonymous read: cookie %v, Vary %q; want no cookie, Vary: Cookie", c, res.Header.Get("Vary"))
	}

	res, _, c = s.do(t, "GET", "/set?v=one", "")
	if c == nil || !session.ValidKey(*c) {
		t.Fatalf("first write set no valid session cookie: %v", c)
	}
	key := *c
	sc := res.Header.Get("Set-Cookie")
	for _, attr := range []string{"Path=/", "Max-Age=1209600", "HttpOnly", "SameSite=Lax", "Expires="} {
		if !strings.Contains(sc, attr) {
			t.Fatalf("Set-Cookie %q lacks %s", sc, attr)
		}
	}
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Fatalf("response setting the session cookie has Cache-Control %q", cc)
	}
	if _, ok := st.(session.KeyMapper); !ok {
		if _, err := st.Load(context.Background(), key); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("the store holds a record under the raw key (err %v); it must be keyed by a hash", err)
		}
	}
	if _, body, c := s.do(t, "GET", "/read", key); body != "one" || c != nil {
		t.Fatalf("read back %q (cookie %v)", body, c)
	}

	// A forged or unknown key is no session, creates nothing, and the cookie is deleted.
	for _, forged := range []string{strings.Repeat("a", 32), "short", "' OR 1=1--", strings.Repeat("x", 5000)} {
		_, body, c := s.do(t, "GET", "/read", forged)
		if body != "" || c == nil || *c != "" {
			t.Fatalf("forged key %.20q: body %q, cookie %v; want empty body and a deleted cookie", forged, body, c)
		}
	}

	_, _, c = s.do(t, "POST", "/cycle", key)
	if c == nil || *c == "" || *c == key {
		t.Fatalf("CycleKey set cookie %v", c)
	}
	newKey := *c
	if _, body, _ := s.do(t, "GET", "/read", key); body != "" {
		t.Fatalf("old key still works after CycleKey: %q", body)
	}
	if _, body, _ := s.do(t, "GET", "/read", newKey); body != "one" {
		t.Fatalf("CycleKey lost the data: %q", body)
	}

	_, _, c = s.do(t, "POST", "/flush", newKey)
	if c == nil || *c != "" {
		t.Fatalf("Flush did not delete the cookie: %v", c)
	}
	if _, body, _ := s.do(t, "GET", "/read", newKey); body != "" {
		t.Fatalf("flushed session still readable: %q", body)
	}
}

// testRequestNoResurrection: request A loads the session and is held; request B flushes it (logout);
// then A writes. A must fail and the session must stay dead.
func testRequestNoResurrection(t *testing.T, st session.Store) {
	s := newServer(t, st)
	loaded, release := make(chan struct{}), make(chan struct{})
	s.mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) { session.From(r).Set("k", "v") })
	s.mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		sess := session.From(r)
		if _, err := sess.Keys(); err != nil {
			t.Error(err)
		}
		close(loaded)
		<-release
		sess.Set("written", "late")
	})
	s.mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) { session.From(r).Flush() })
	s.mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		keys, _ := session.From(r).Keys()
		io.WriteString(w, strings.Join(keys, ","))
	})

	_, _, c := s.do(t, "GET", "/set", "")
	key := *c
	var slowStatus int
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		res, _, _ := s.do(t, "POST", "/slow", key)
		slowStatus = res.StatusCode
	}()
	<-loaded
	if res, _, c := s.do(t, "POST", "/logout", key); res.StatusCode != 200 || c == nil || *c != "" {
		t.Fatalf("logout: %d, cookie %v", res.StatusCode, c)
	}
	close(release)
	wg.Wait()
	if slowStatus != http.StatusBadRequest {
		t.Fatalf("the in-flight request's save after the logout answered %d, want 400", slowStatus)
	}
	if _, body, _ := s.do(t, "GET", "/keys", key); body != "" {
		t.Fatalf("the logged-out session came back with keys %q", body)
	}
}

// testNoLostWrites: n requests load the same session version, then each writes its own key.
func testNoLostWrites(t *testing.T, st session.Store) {
	s := newServer(t, st)
	const n = 8
	var loadedWG sync.WaitGroup
	loadedWG.Add(n)
	release := make(chan struct{})
	s.mux.HandleFunc("/init", func(w http.ResponseWriter, r *http.Request) { session.From(r).Set("base", 0) })
	s.mux.HandleFunc("/write", func(w http.ResponseWriter, r *http.Request) {
		sess := session.From(r)
		sess.Keys() // load before anyone saves
		loadedWG.Done()
		<-release
		sess.Set("k"+r.URL.Query().Get("i"), r.URL.Query().Get("i"))
	})
	s.mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		keys, _ := session.From(r).Keys()
		io.WriteString(w, strings.Join(keys, ","))
	})
	_, _, c := s.do(t, "GET", "/init", "")
	key := *c
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if res, body, _ := s.do(t, "POST", fmt.Sprintf("/write?i=%d", i), key); res.StatusCode != 200 {
				t.Errorf("write %d: %d %s", i, res.StatusCode, body)
			}
		}()
	}
	loadedWG.Wait()
	close(release)
	wg.Wait()
	_, body, _ := s.do(t, "GET", "/keys", key)
	for i := range n {
		if !strings.Contains(","+body+",", fmt.Sprintf(",k%d,", i)) {
			t.Fatalf("key k%d was lost; session keys: %s", i, body)
		}
	}
}

// held registers path as a handler that loads the session, signals loaded, waits for release, then
// runs then on the session.
func (s *server) held(t *testing.T, path string, then func(*session.Session) error) (loaded, release chan struct{}) {
	loaded, release = make(chan struct{}), make(chan struct{})
	s.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		sess := session.From(r)
		if _, err := sess.Keys(); err != nil {
			t.Error(err)
		}
		close(loaded)
		<-release
		if err := then(sess); err != nil {
			t.Error(err)
		}
	})
	return loaded, release
}

// sessionRoutes adds /set?k=&v=, /logout and /keys (the keys, comma-separated).
func (s *server) sessionRoutes() {
	s.mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) {
		session.From(r).Set(r.URL.Query().Get("k"), r.URL.Query().Get("v"))
	})
	s.mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) { session.From(r).Flush() })
	s.mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		keys, _ := session.From(r).Keys()
		io.WriteString(w, strings.Join(keys, ","))
	})
}

// testCycleKeyAfterLogout: request A loads the session and is held; B logs out; A then cycles the
// key (a login, a password change, a secret-key rotation). A must fail, and no new key may carry the
// logged-out session's data.
func testCycleKeyAfterLogout(t *testing.T, st session.Store) {
	s := newServer(t, st)
	s.sessionRoutes()
	loaded, release := s.held(t, "/cycle", func(sess *session.Session) error { return sess.CycleKey() })
	_, _, c := s.do(t, "GET", "/set?k=user&v=alice", "")
	key := *c
	var cycled *http.Response
	var newKey *string
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		cycled, _, newKey = s.do(t, "POST", "/cycle", key)
	}()
	<-loaded
	if res, _, c := s.do(t, "POST", "/logout", key); res.StatusCode != 200 || c == nil || *c != "" {
		t.Fatalf("logout: %d, cookie %v", res.StatusCode, c)
	}
	close(release)
	wg.Wait()
	if cycled.StatusCode != http.StatusBadRequest {
		t.Fatalf("CycleKey after a concurrent logout answered %d, want 400", cycled.StatusCode)
	}
	if newKey != nil && *newKey != "" {
		if _, body, _ := s.do(t, "GET", "/keys", *newKey); body != "" {
			t.Fatalf("the logged-out session came back under a new key with keys %q", body)
		}
	}
	if _, body, _ := s.do(t, "GET", "/keys", key); body != "" {
		t.Fatalf("the logged-out session came back with keys %q", body)
	}
}

// testCycleKeyKeepsWrites: request A loads the session and is held; B writes a key; A then cycles
// the key. The new key has B's write, and the old key is dead.
func testCycleKeyKeepsWrites(t *testing.T, st session.Store) {
	s := newServer(t, st)
	s.sessionRoutes()
	loaded, release := s.held(t, "/cycle", func(sess *session.Session) error {
		if err := sess.Set("a", "1"); err != nil {
			return err
		}
		return sess.CycleKey()
	})
	_, _, c := s.do(t, "GET", "/set?k=base&v=0", "")
	key := *c
	var newKey *string
	var status int
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var res *http.Response
		res, _, newKey = s.do(t, "POST", "/cycle", key)
		status = res.StatusCode
	}()
	<-loaded
	if res, _, _ := s.do(t, "POST", "/set?k=b&v=2", key); res.StatusCode != 200 {
		t.Fatalf("concurrent write: %d", res.StatusCode)
	}
	close(release)
	wg.Wait()
	if status != 200 || newKey == nil || *newKey == "" || *newKey == key {
		t.Fatalf("CycleKey: status %d, cookie %v", status, newKey)
	}
	if _, body, _ := s.do(t, "GET", "/keys", *newKey); body != "a,b,base" {
		t.Fatalf("the new key has keys %q, want a,b,base", body)
	}
	if _, body, _ := s.do(t, "GET", "/keys", key); body != "" {
		t.Fatalf("the old key still works after CycleKey: %q", body)
	}
}
