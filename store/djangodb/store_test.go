package djangodb_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/auth/authtest"
	"github.com/sessionauth/sessionauth/auth/password"
	"github.com/sessionauth/sessionauth/django"
	"github.com/sessionauth/sessionauth/internal/testenv"
	"github.com/sessionauth/sessionauth/session"
	"github.com/sessionauth/sessionauth/session/sessiontest"
	"github.com/sessionauth/sessionauth/store/djangodb"
)

func TestSessionConformance(t *testing.T) {
	for _, kind := range databases {
		t.Run(kind.name, func(t *testing.T) {
			sessiontest.Run(t, func(t *testing.T) session.Store { return openStore(t, kind.db(t), djangodb.Options{}) })
		})
	}
}

func TestUserStoreConformance(t *testing.T) {
	for _, kind := range databases {
		t.Run(kind.name, func(t *testing.T) {
			authtest.RunUserStore(t, func(t *testing.T) auth.UserStore { return openStore(t, kind.db(t), djangodb.Options{}) })
		})
	}
}

// cheap hashes keep the tests fast; Django verifies any iteration count.
var cheap = &password.PBKDF2SHA256{Iterations: 1000}

// newUser creates a user with password pw through the store.
func newUser(t *testing.T, st *djangodb.Store, name, pw string) *auth.User {
	t.Helper()
	enc, err := cheap.Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	u := &auth.User{Username: name + "-" + strconv.FormatInt(time.Now().UnixNano(), 36), Password: enc,
		IsActive: true, DateJoined: time.Now()}
	if err := st.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

func newKey(t *testing.T) string {
	t.Helper()
	k, err := session.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Django reads a session this store wrote: get_user finds the user (so _auth_user_id, the backend
// and the auth hash are in Django's form), the values, the expiry date and set_expiry(0) are
// Django's; a write by Django keeps our metadata, and is noticed by the next compare-and-swap.
func TestDjangoReadsOurSession(t *testing.T) {
	eachDatabase(t, func(t *testing.T, target string, st *djangodb.Store) {
		ctx := context.Background()
		u := newUser(t, st, "go-writer", "pw-Go-writer-1")
		key := newKey(t)
		now := time.Now()
		rec := session.Record{
			Data: map[string]json.RawMessage{
				"color":             json.RawMessage(`"bl\u00fce"`),
				auth.HashSessionKey: json.RawMessage(`"` + auth.SessionAuthHash(testKey, u.Password) + `"`),
			},
			UserID: strconv.FormatInt(u.ID, 10), Created: now, LastSeen: now, Expires: now.Add(time.Hour),
			Transient: true, IP: "192.0.2.1", UserAgent: "Go-test",
		}
		if err := st.Save(ctx, key, &rec); err != nil {
			t.Fatal(err)
		}
		out := newDjango(t, target).shell(`
import json
from django.contrib.auth import get_user
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpRequest
s = SessionStore(session_key="` + key + `")
r = HttpRequest()
r.session = s
u = get_user(r)
print(json.dumps({"user": u.username, "color": s.get("color"), "backend": s.get("_auth_user_backend"),
    "meta": "_sessionauth" in s, "browser": s.get_expire_at_browser_close(),
    "expires": s.get_expiry_date().timestamp()}))
s["django"] = "was here"
s.save()
`)
		var got struct {
			User, Color, Backend string
			Meta, Browser        bool
			Expires              float64
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if got.User != u.Username || got.Color != "blüe" || got.Backend != django.ModelBackend || !got.Meta || !got.Browser {
			t.Fatalf("Django read %+v", got)
		}
		// Django's get_expiry_date is the cookie age from now unless set_expiry gave a date; the
		// row's own expiry is what Django's store filters on, and it found the row.
		loaded, err := st.Load(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if loaded.Version != rec.Version || loaded.UserID != rec.UserID || !loaded.Transient ||
			loaded.IP != rec.IP || loaded.UserAgent != rec.UserAgent || !loaded.Created.Equal(rec.Created.Truncate(time.Microsecond)) {
			t.Fatalf("after Django's save: %+v", loaded)
		}
		if string(loaded.Data["django"]) != `"was here"` {
			t.Fatalf("Django's write is missing: %s", loaded.Data)
		}
		// The record we saved before Django's write is stale now.
		stale := rec
		stale.Data = map[string]json.RawMessage{"go": json.RawMessage(`1`)}
		if err := st.Save(ctx, key, &stale); !errors.Is(err, session.ErrConflict) {
			t.Fatalf("save over Django's write: %v, want ErrConflict", err)
		}
		if err := st.Save(ctx, key, &loaded); err != nil {
			t.Fatalf("save of the reloaded record: %v", err)
		}
	})
}

// This store reads a session Django's login wrote: the user, the hash, the values; the record is
// dated from Django's save.
func TestWeReadDjangoSession(t *testing.T) {
	eachDatabase(t, func(t *testing.T, target string, st *djangodb.Store) {
		name := "dj-" + strconv.FormatInt(time.Now().UnixNano(), 36)
		out := newDjango(t, target).shell(`
import json
from django.contrib.auth import login
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpRequest
u = User.objects.create_user("` + name + `", password="pw-Django-1")
r = HttpRequest()
r.session = SessionStore()
login(r, u, backend="django.contrib.auth.backends.ModelBackend")
r.session["color"] = "r\u00e9d"
r.session["n"] = [1, 2.5, None]
r.session.save()
print(json.dumps({"key": r.session.session_key, "id": u.pk}))
`)
		var got struct {
			Key string
			ID  int64
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		ctx := context.Background()
		rec, err := st.Load(ctx, got.Key)
		if err != nil {
			t.Fatal(err)
		}
		u, err := st.User(ctx, got.ID)
		if err != nil {
			t.Fatal(err)
		}
		var color string
		json.Unmarshal(rec.Data["color"], &color)
		if rec.UserID != strconv.FormatInt(got.ID, 10) || color != "réd" || string(rec.Data["n"]) != "[1,2.5,null]" || rec.Version != 1 {
			t.Fatalf("loaded %+v", rec)
		}
		if string(rec.Data[auth.HashSessionKey]) != `"`+auth.SessionAuthHash(testKey, u.Password)+`"` {
			t.Fatalf("auth hash %s does not match the user's password", rec.Data[auth.HashSessionKey])
		}
		if _, ok := rec.Data[django.SessionKeyBackend]; ok {
			t.Error("the default backend is not stripped from the data")
		}
		if d := time.Since(rec.Created); d < 0 || d > time.Minute || !rec.LastSeen.Equal(rec.Created) || rec.Transient {
			t.Fatalf("created %v, last seen %v, transient %v", rec.Created, rec.LastSeen, rec.Transient)
		}
		list, err := st.UserSessions(ctx, rec.UserID)
		if err != nil || len(list) != 1 || list[0].ID != got.Key {
			t.Fatalf("UserSessions: %v, %v", list, err)
		}
	})
}

// Session data signed with a retired key is read when the key is listed in the fallbacks, and
// rewritten with the current key on the next save; without the fallback it is corrupt (no session).
func TestSecretKeyFallbacks(t *testing.T) {
	eachDatabase(t, func(t *testing.T, target string, _ *djangodb.Store) {
		dj := newDjango(t, target)
		dj.env = []string{"DJANGO_SECRET_KEY_FILE=" + writeKey(t, oldKey)}
		key := dj.shell(`
from django.contrib.sessions.backends.db import SessionStore
s = SessionStore()
s["signed"] = "with the old key"
s.create()
print(s.session_key)
`)
		ctx := context.Background()
		if _, err := openStore(t, target, djangodb.Options{}).Load(ctx, key); !errors.Is(err, session.ErrCorrupt) {
			t.Fatalf("Load without the fallback: %v, want ErrCorrupt", err)
		}
		st := openStore(t, target, djangodb.Options{SecretKeyFallbacks: []string{oldKey}})
		rec, err := st.Load(ctx, key)
		if err != nil || string(rec.Data["signed"]) != `"with the old key"` {
			t.Fatalf("Load with the fallback: %v, %v", rec.Data, err)
		}
		if err := st.Save(ctx, key, &rec); err != nil {
			t.Fatal(err)
		}
		if _, err := openStore(t, target, djangodb.Options{}).Load(ctx, key); err != nil {
			t.Fatalf("after the save the current key reads it: %v", err)
		}
	})
}

func writeKey(t testing.TB, key string) string {
	t.Helper()
	path := t.TempDir() + "/key"
	if err := writeFile(path, key+"\n"); err != nil {
		t.Fatal(err)
	}
	return path
}

// DRF's authtoken table: one token per user, its key in clear; tokens made by DRF work here and the
// other way round.
func TestTokens(t *testing.T) {
	eachDatabase(t, func(t *testing.T, target string, st *djangodb.Store) {
		ctx := context.Background()
		if !st.HasTokens() {
			t.Fatal("HasTokens is false on a database with rest_framework.authtoken")
		}
		alice, bob := newUser(t, st, "alice", "pw-alice-1"), newUser(t, st, "bob", "pw-bob-1")
		key := strings.Repeat("a1", 20)
		tok := &auth.Token{UserID: alice.ID, Name: "laptop", KeyHash: st.TokenKeyHash(key), Created: time.Now()}
		if err := st.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if tok.ID != alice.ID || tok.Name != djangodb.TokenName || tok.KeyHash != key {
			t.Fatalf("created %+v", tok)
		}
		second := &auth.Token{UserID: alice.ID, KeyHash: strings.Repeat("b2", 20), Created: time.Now()}
		if err := st.CreateToken(ctx, second); !errors.Is(err, auth.ErrTokenLimit) {
			t.Fatalf("second token of a user: %v, want ErrTokenLimit", err)
		}
		taken := &auth.Token{UserID: bob.ID, KeyHash: key, Created: time.Now()}
		if err := st.CreateToken(ctx, taken); !errors.Is(err, auth.ErrTokenExists) {
			t.Fatalf("a taken key: %v, want ErrTokenExists", err)
		}
		nobody := &auth.Token{UserID: 1 << 30, KeyHash: strings.Repeat("c3", 20), Created: time.Now()}
		if err := st.CreateToken(ctx, nobody); !errors.Is(err, auth.ErrUserNotFound) {
			t.Fatalf("an unknown user: %v, want ErrUserNotFound", err)
		}
		gt, gu, err := st.TokenUser(ctx, key)
		if err != nil || gu.Username != alice.Username || gt.ID != alice.ID || gt.UserID != alice.ID {
			t.Fatalf("TokenUser: %+v %+v %v", gt, gu, err)
		}
		if _, _, err := st.TokenUser(ctx, strings.Repeat("d4", 20)); !errors.Is(err, auth.ErrTokenNotFound) {
			t.Fatalf("TokenUser of an unknown key: %v", err)
		}
		if list, err := st.Tokens(ctx, alice.ID); err != nil || len(list) != 1 || list[0].KeyHash != key {
			t.Fatalf("Tokens(alice): %v, %v", list, err)
		}
		if err := st.DeleteToken(ctx, bob.ID, alice.ID); !errors.Is(err, auth.ErrTokenNotFound) {
			t.Fatalf("bob deleting alice's token: %v", err)
		}

		// A token DRF made authenticates here, and ours in DRF.
		dj := newDjango(t, target)
		out := dj.run("drf_create_token", bob.Username)
		drfKey := strings.Fields(out)[2] // "Generated token <key> for user <name>"
		if _, u, err := st.TokenUser(ctx, drfKey); err != nil || u.ID != bob.ID {
			t.Fatalf("DRF's token %q: %v, %v", drfKey, u, err)
		}
		if owner := dj.shell(`from rest_framework.authtoken.models import Token; print(Token.objects.get(key="` + key + `").user.username)`); owner != alice.Username {
			t.Fatalf("DRF sees our token as %q's", owner)
		}
		if list, err := st.Tokens(ctx, 0); err != nil || len(list) < 2 {
			t.Fatalf("Tokens(0): %v, %v", list, err)
		}

		// Through auth.Manager: keys are mapped by the store, the second token is a field error.
		am := &auth.Manager{Users: st, Tokens: st, Sessions: &session.Manager{Store: st}, SecretKey: testKey}
		if err := st.DeleteToken(ctx, alice.ID, alice.ID); err != nil {
			t.Fatal(err)
		}
		mkey, _, err := am.CreateToken(ctx, alice.ID, "cli")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.TokenUser(ctx, mkey); err != nil {
			t.Fatalf("the Manager's token is not stored under its key: %v", err)
		}
		if u, _, err := am.TokenUser(ctx, mkey); err != nil || u.ID != alice.ID {
			t.Fatalf("Manager.TokenUser: %v, %v", u, err)
		}
		var fe auth.FieldErrors
		if _, _, err := am.CreateToken(ctx, alice.ID, "another"); !errors.As(err, &fe) || len(fe["name"]) != 1 {
			t.Fatalf("Manager.CreateToken of a second token: %v, want a field error", err)
		}
		if n, err := st.DeleteUserTokens(ctx, alice.ID); err != nil || n != 1 {
			t.Fatalf("DeleteUserTokens: %d, %v", n, err)
		}
	})
}

// Password hashes with real Django, for each hasher --django-password-hasher offers: what a Hasher
// configured as Django's first PASSWORD_HASHERS entry writes, Django verifies and keeps (its
// check_password does not rehash, so the session auth hash stays); what Django writes with that
// hasher first, the Hasher verifies without asking for an upgrade. Django's own parameters here (the
// argon2 hash length is that of Debian's argon2-cffi 21.1), as in the hashers' own tests. All
// formats run on SQLite; PostgreSQL only adds the default one, the column being text on both.
func TestPasswordHashesBothWays(t *testing.T) {
	testenv.DjangoPythonWith(t, "argon2", "bcrypt")
	v := django.Version{Major: 3, Minor: 2}
	for _, c := range []struct {
		algorithm string
		keyLen    int
		onPG      bool
	}{{django.HasherPBKDF2SHA256, 0, true}, {django.HasherArgon2, 16, false}, {django.HasherBCryptSHA256, 0, false}} {
		dh, err := v.PasswordHasher(c.algorithm, c.keyLen)
		if err != nil {
			t.Fatal(err)
		}
		h := &password.Hasher{Django: dh}
		for _, kind := range databases {
			if kind.name == "postgres" && !c.onPG {
				continue
			}
			t.Run(c.algorithm+"/"+kind.name, func(t *testing.T) {
				target := kind.db(t)
				st := openStore(t, target, djangodb.Options{})
				dj := newDjango(t, target)
				dj.env = []string{"DJANGO_PASSWORD_HASHER=" + c.algorithm}
				got := djangoHashRoundTrip(t, st, dj, func(pw string) (string, error) { return h.Hash(context.Background(), pw) })
				if got.Preferred != c.algorithm || !got.Checked || got.MustUpdate || got.Rehashed {
					t.Fatalf("Django (preferring %s) on our %s hash: %+v; want verified, must_update false, not rehashed", got.Preferred, c.algorithm, got)
				}
				if !strings.HasPrefix(got.DjangoHash, c.algorithm+"$") {
					t.Fatalf("Django wrote %q, not %s", got.DjangoHash, c.algorithm)
				}
				ok, upgrade, err := h.Verify(context.Background(), djangoPassword, got.DjangoHash)
				if err != nil || !ok || upgrade {
					t.Fatalf("Verify of Django's %s hash: ok %v, upgrade %v, %v", c.algorithm, ok, upgrade, err)
				}
			})
		}
	}
	// pbkdf2_sha1 (in Django's default list, never first): each side verifies the other's, and both
	// would replace it with the preferred format at the next login.
	t.Run("pbkdf2_sha1", func(t *testing.T) {
		target := sqliteDB(t)
		st := openStore(t, target, djangodb.Options{})
		n, _ := v.PBKDF2Iterations()
		got := djangoHashRoundTrip(t, st, newDjango(t, target), func(pw string) (string, error) {
			salt, err := password.Salt()
			if err != nil {
				return "", err
			}
			return password.EncodePBKDF2(pw, salt, n, true)
		})
		if !got.Checked || !got.MustUpdate || !got.Rehashed {
			t.Fatalf("Django on our pbkdf2_sha1 hash: %+v; want verified and upgraded", got)
		}
		h := &password.Hasher{Django: &password.PBKDF2SHA256{Iterations: n}}
		if ok, upgrade, err := h.Verify(context.Background(), djangoPassword, got.DjangoSHA1); err != nil || !ok || !upgrade {
			t.Fatalf("Verify of Django's pbkdf2_sha1 hash %q: ok %v, upgrade %v, %v", got.DjangoSHA1, ok, upgrade, err)
		}
	})
}

// The passwords of djangoHashRoundTrip: ours, then the one Django sets.
const (
	goPassword     = "Go-made p\u00e4ssword"
	djangoPassword = "Django-made p\u00e4ssword \U0001F512"
)

// djangoHash is what djangoHashRoundTrip's Django side reports.
type djangoHash struct {
	Preferred  string // the algorithm of Django's first PASSWORD_HASHERS entry
	Checked    bool   // User.check_password(goPassword) on our hash
	MustUpdate bool   // check_password's rehash condition: another algorithm, or the preferred hasher's must_update
	Rehashed   bool   // the password field changed during check_password (its setter ran)
	DjangoHash string // what Django's set_password(djangoPassword) wrote, with the preferred hasher
	DjangoSHA1 string // make_password(djangoPassword, hasher="pbkdf2_sha1")
}

// djangoHashRoundTrip creates a user whose password field is hash(goPassword), lets Django check it
// with User.check_password (which rehashes and saves when Django would), then set djangoPassword.
func djangoHashRoundTrip(t *testing.T, st *djangodb.Store, dj *djangoProject, hash func(string) (string, error)) djangoHash {
	t.Helper()
	ctx := context.Background()
	enc, err := hash(goPassword)
	if err != nil {
		t.Fatal(err)
	}
	u := &auth.User{Username: "hash-" + strconv.FormatInt(time.Now().UnixNano(), 36), Password: enc, IsActive: true, DateJoined: time.Now()}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	out := dj.shell(fmt.Sprintf(`
import json
from django.contrib.auth.hashers import get_hasher, identify_hasher, make_password
from django.contrib.auth.models import User
u = User.objects.get(pk=%d)
stored = u.password
preferred = get_hasher()
must_update = identify_hasher(stored).algorithm != preferred.algorithm or preferred.must_update(stored)
checked = u.check_password(%q)
rehashed = User.objects.get(pk=u.pk).password != stored
u.set_password(%q)
u.save()
print(json.dumps({"Preferred": preferred.algorithm, "Checked": checked, "MustUpdate": must_update,
    "Rehashed": rehashed, "DjangoHash": User.objects.get(pk=u.pk).password,
    "DjangoSHA1": make_password(%q, hasher="pbkdf2_sha1")}))
`, u.ID, goPassword, djangoPassword, djangoPassword))
	var got djangoHash
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if stored, err := st.User(ctx, u.ID); err != nil || stored.Password != got.DjangoHash {
		t.Fatalf("the user's password field after Django's save: %v, %v; Django reported %q", stored, err, got.DjangoHash)
	}
	return got
}

// Open refuses a database without Django's tables, and never creates a SQLite file.
func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	missing := t.TempDir() + "/none.sqlite3"
	if _, err := djangodb.Open(ctx, missing, djangodb.Options{SecretKey: testKey}); err == nil || !strings.Contains(err.Error(), "migrate") {
		t.Fatalf("Open of a missing file: %v", err)
	}
	if fileExists(missing) {
		t.Fatal("Open created the missing database file")
	}
	empty := t.TempDir() + "/empty.sqlite3"
	if err := writeFile(empty, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := djangodb.Open(ctx, empty, djangodb.Options{SecretKey: testKey}); err == nil || !strings.Contains(err.Error(), "django_session") {
		t.Fatalf("Open of an empty database: %v", err)
	}
	if _, err := djangodb.Open(ctx, sqliteDB(t), djangodb.Options{}); err == nil || !strings.Contains(err.Error(), "SecretKey") {
		t.Fatalf("Open without a key: %v", err)
	}
}

// auth.Manager.SessionsByUser reads the table once for many users (the store is a session.Lister)
// and gives what UserSessions gives user by user.
func TestSessionsByUser(t *testing.T) {
	eachDatabase(t, func(t *testing.T, target string, st *djangodb.Store) {
		ctx := context.Background()
		am := &auth.Manager{Users: st, Sessions: &session.Manager{Store: st}, SecretKey: testKey}
		a, b, c := newUser(t, st, "a", "pw-a-123456"), newUser(t, st, "b", "pw-b-123456"), newUser(t, st, "c", "pw-c-123456")
		now := time.Now()
		for i, u := range []*auth.User{a, a, b} {
			seen := now.Add(time.Duration(i) * time.Second) // distinct, so that both lists sort alike
			rec := session.Record{UserID: strconv.FormatInt(u.ID, 10), Created: now, LastSeen: seen, Expires: now.Add(time.Hour), IP: "192.0.2.9"}
			if err := st.Save(ctx, newKey(t), &rec); err != nil {
				t.Fatal(err)
			}
		}
		got, err := am.SessionsByUser(ctx, []int64{a.ID, b.ID, c.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range []*auth.User{a, b, c} {
			one, err := am.UserSessions(ctx, u.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(got[u.ID]) != len(one) {
				t.Fatalf("user %s: SessionsByUser has %d sessions, UserSessions %d", u.Username, len(got[u.ID]), len(one))
			}
			for i := range one {
				if got[u.ID][i] != one[i] {
					t.Fatalf("user %s: %+v, want %+v", u.Username, got[u.ID][i], one[i])
				}
			}
		}
		if len(got[a.ID]) != 2 || len(got[b.ID]) != 1 || len(got[c.ID]) != 0 {
			t.Fatalf("SessionsByUser: %d, %d, %d sessions", len(got[a.ID]), len(got[b.ID]), len(got[c.ID]))
		}
	})
}

// AUTHENTICATION_BACKENDS: a Django login recorded under a backend this store does not accept reads
// as anonymous, as Django's get_user sees it, and stays in the table untouched by reads and saves;
// with the backend accepted it is the user's session on both sides. Either way it is listed, and
// revoked, with the user's sessions.
func TestAuthBackends(t *testing.T) {
	const remote = "django.contrib.auth.backends.RemoteUserBackend" // a ModelBackend subclass Django ships
	both := "DJANGO_AUTHENTICATION_BACKENDS=" + django.ModelBackend + "," + remote
	eachDatabase(t, func(t *testing.T, target string, st *djangodb.Store) {
		ctx := context.Background()
		dj := newDjango(t, target)
		u := newUser(t, st, "remote", "pw-remote-1")
		key := dj.shell(fmt.Sprintf(`
from django.contrib.auth import login
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpRequest
r = HttpRequest()
r.session = SessionStore()
login(r, User.objects.get(pk=%d), backend=%q)
r.session["color"] = "teal"
r.session.save()
print(r.session.session_key)
`, u.ID, remote))
		// djangoUser is who Django's get_user finds in the session (default or both backends).
		djangoUser := func(env ...string) string {
			t.Helper()
			dj.env = env
			return dj.shell(`
from django.contrib.auth import get_user
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpRequest
r = HttpRequest()
r.session = SessionStore(session_key="` + key + `")
print(get_user(r).username or "anonymous", r.session.get("color"), r.session.get("_auth_user_backend"))
`)
		}
		want := u.Username + " teal " + remote
		if got := djangoUser(); got != "anonymous teal "+remote {
			t.Fatalf("Django with ModelBackend alone: %q", got)
		}

		rec, err := st.Load(ctx, key)
		if err != nil || rec.UserID != "" {
			t.Fatalf("Load with ModelBackend alone: user %q, %v; want an anonymous record", rec.UserID, err)
		}
		if string(rec.Data[django.SessionKeyBackend]) != `"`+remote+`"` || string(rec.Data["color"]) != `"teal"` {
			t.Fatalf("the anonymous record lost Django's keys: %s", rec.Data)
		}
		// Through the managers: anonymous, and the row is neither flushed nor deleted.
		am := &auth.Manager{Users: st, Sessions: &session.Manager{Store: st}, SecretKey: testKey}
		if who := sessionUser(t, am, key); who != "" {
			t.Fatalf("auth.Manager sees %q", who)
		}
		rec.Data["go"] = json.RawMessage(`"was here"`)
		if err := st.Save(ctx, key, &rec); err != nil {
			t.Fatal(err)
		}
		if got := djangoUser(both); got != want {
			t.Fatalf("Django with both backends, after our save of the anonymous record: %q, want %q", got, want)
		}
		if list, err := st.UserSessions(ctx, strconv.FormatInt(u.ID, 10)); err != nil || len(list) != 1 || list[0].ID != key {
			t.Fatalf("UserSessions: %v, %v; want the session of the other backend", list, err)
		}

		// Accepting the backend: the user's session here too, and the backend survives our save.
		wide := openStore(t, target, djangodb.Options{AuthBackends: []string{django.ModelBackend, remote}})
		rec, err = wide.Load(ctx, key)
		if err != nil || rec.UserID != strconv.FormatInt(u.ID, 10) || string(rec.Data["go"]) != `"was here"` {
			t.Fatalf("Load accepting %s: %+v, %v", remote, rec, err)
		}
		if err := wide.Save(ctx, key, &rec); err != nil {
			t.Fatal(err)
		}
		if got := djangoUser(both); got != want {
			t.Fatalf("Django with both backends after a save accepting them: %q, want %q", got, want)
		}
		if n, err := st.DeleteUserSessions(ctx, strconv.FormatInt(u.ID, 10), ""); err != nil || n != 1 {
			t.Fatalf("DeleteUserSessions: %d, %v; want the session of the other backend deleted", n, err)
		}
		if _, err := st.Load(ctx, key); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("after DeleteUserSessions: %v", err)
		}
	})
}

// A session without a backend is anonymous (Django's get_user needs the key); a login made here is
// recorded under the first accepted backend.
func TestAuthBackendWritten(t *testing.T) {
	const custom = "interopsite.backends.Custom" // need not import: only Django's get_user would load it
	eachDatabase(t, func(t *testing.T, target string, _ *djangodb.Store) {
		ctx := context.Background()
		st := openStore(t, target, djangodb.Options{AuthBackends: []string{custom, django.ModelBackend}})
		now := time.Now()
		rec := session.Record{UserID: "7", Created: now, LastSeen: now, Expires: now.Add(time.Hour)}
		key := newKey(t)
		if err := st.Save(ctx, key, &rec); err != nil {
			t.Fatal(err)
		}
		out := newDjango(t, target).shell(`
from django.contrib.sessions.backends.db import SessionStore
print(SessionStore(session_key="` + key + `").get("_auth_user_backend"))`)
		if out != custom {
			t.Fatalf("the login was recorded under %q, want the first accepted backend %q", out, custom)
		}
		loaded, err := st.Load(ctx, key)
		if err != nil || loaded.UserID != "7" || len(loaded.Data) != 0 {
			t.Fatalf("Load: %+v, %v; want user 7 and no data (the written backend is stripped)", loaded, err)
		}
		// Without the backend key, the same login is anonymous.
		dropped := loaded
		dropped.UserID = ""
		dropped.Data = map[string]json.RawMessage{django.SessionKeyUserID: json.RawMessage(`"7"`)}
		if err := st.Save(ctx, key, &dropped); err != nil {
			t.Fatal(err)
		}
		if again, err := st.Load(ctx, key); err != nil || again.UserID != "" {
			t.Fatalf("a session without a backend: %+v, %v; want anonymous", again, err)
		}
	})
	for _, bad := range [][]string{{}, {""}, {"a.B, c.D"}} {
		if _, err := djangodb.Open(context.Background(), "unused.sqlite3", djangodb.Options{SecretKey: testKey, AuthBackends: bad}); err == nil || !strings.Contains(err.Error(), "AuthBackends") {
			t.Errorf("Open with AuthBackends %q: %v", bad, err)
		}
	}
}

// sessionUser returns the username auth.Manager finds for the session key, "" for anonymous; a
// store error fails the test.
func sessionUser(t *testing.T, am *auth.Manager, key string) string {
	t.Helper()
	var name string
	var err error
	h := am.Sessions.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var u *auth.User
		if u, err = am.SessionUser(r); u != nil {
			name = u.Username
		}
	}))
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: "sessionid", Value: key})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if err != nil {
		t.Fatalf("SessionUser: %v", err)
	}
	if c := w.Result().Cookies(); len(c) > 0 {
		t.Errorf("the session cookie was changed: %v", c)
	}
	return name
}
