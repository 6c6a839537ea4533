package django_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/auth/password"
	"github.com/sessionauth/sessionauth/django"
	"github.com/sessionauth/sessionauth/internal/testenv"
)

// The django package's session auth hash is the auth package's.
func TestSessionAuthHashMatchesAuth(t *testing.T) {
	for _, pw := range []string{"", "pbkdf2_sha256$260000$abcdefghijklmnopqrstuv$9jpp8cVQt7a7ujJrWzr0KoytR5UBy9qbF8d2OUhc1SY=", "!x", "\u00e9"} {
		if a, b := django.SessionAuthHash("k", pw), auth.SessionAuthHash("k", pw); a != b {
			t.Errorf("%q: django %s, auth %s", pw, a, b)
		}
	}
}

// TestDjangoRegenerate runs testdata/gen_vectors.py with a real Django: the
// committed vectors must be what it prints, and Django must accept what this
// module writes (session data, signed values, password hashes, CSRF cookies,
// session auth hashes).
func TestDjangoRegenerate(t *testing.T) {
	python := testenv.DjangoPython(t)
	committed, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Version string `json:"django_version"`
		Key     string `json:"secret_key"`
	}
	if err := json.Unmarshal(committed, &meta); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, "-c", "import django; print(django.get_version())").Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(out)); got != meta.Version {
		t.Skipf("%s has Django %s; the vectors were made with %s", python, got, meta.Version)
	}

	t.Run("vectors", func(t *testing.T) {
		cmd := exec.Command(python, "gen_vectors.py")
		cmd.Dir = "testdata"
		cmd.Stderr = os.Stderr
		fresh, err := cmd.Output()
		if err != nil {
			t.Fatalf("gen_vectors.py: %v", err)
		}
		if !bytes.Equal(fresh, committed) {
			t.Errorf("testdata/vectors.json is stale: regenerate it with\n\tcd django/testdata && %s gen_vectors.py > vectors.json", python)
		}
	})

	t.Run("Django reads Go's output", func(t *testing.T) {
		checkWithDjango(t, python, meta.Key)
	})
}

func checkWithDjango(t *testing.T, python, key string) {
	ctx := context.Background()
	// (No empty session: Django decodes anything it rejects as {}.)
	sessions := []map[string]json.RawMessage{
		{"a": json.RawMessage("1")},
		{"cart": json.RawMessage(`[` + strings.Repeat(`"item",`, 40) + `"last"]`), "name": json.RawMessage(`"J\u00fcrgen \ud83d\ude00"`)},
	}
	login := map[string]json.RawMessage{"touched": json.RawMessage("1")}
	django.AuthSession{UserID: "1", Backend: django.ModelBackend, Hash: django.SessionAuthHash(key, "x")}.Put(login)
	sessions = append(sessions, login)
	var encodedSessions []string
	for _, s := range sessions {
		enc, err := django.EncodeSessionData(s, key)
		if err != nil {
			t.Fatal(err)
		}
		encodedSessions = append(encodedSessions, enc)
	}
	values := []any{"hello", "h\u00e9llo \U0001F600 </script>\x7f", map[string]any{"n": []int{1, 2, 3}, "s": strings.Repeat("ab", 100)}, nil, 12345}
	type dump struct {
		Salt   string `json:"salt"`
		Signed string `json:"signed"`
	}
	var dumps []dump
	for _, v := range values {
		for _, compress := range []bool{false, true} {
			s, err := django.Dumps(v, key, "", compress)
			if err != nil {
				t.Fatal(err)
			}
			dumps = append(dumps, dump{django.DefaultSalt, s})
		}
	}
	type pw struct {
		Password string `json:"password"`
		Encoded  string `json:"encoded"`
	}
	var pws []pw
	for _, p := range []string{"password", "p\u00e4ssw\u00f6rd \U0001F600", ""} {
		enc, err := (&password.PBKDF2SHA256{Iterations: 1000}).Hash(p)
		if err != nil {
			t.Fatal(err)
		}
		pws = append(pws, pw{p, enc})
	}
	iters, _ := django.Version{Major: 3, Minor: 2}.PBKDF2Iterations()
	h := &password.Hasher{Django: &password.PBKDF2SHA256{Iterations: iters}}
	enc, err := h.Hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	pws = append(pws, pw{"correct horse", enc})
	secret := "PL0s3Xpu29IDO9BRiguterOShoFnL00v"
	var tokens []string
	for range 3 {
		c, err := django.CSRFCookieValue(secret, django.Version{Major: 3, Minor: 2})
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, c)
	}
	authPasswords := []string{enc, pws[0].Encoded, "!unusable"}

	req, _ := json.Marshal(map[string]any{
		"secret_key": key, "sessions": encodedSessions, "dumps": dumps,
		"passwords": pws, "csrf_tokens": tokens, "auth_passwords": authPasswords,
	})
	cmd := exec.Command(python, "gen_vectors.py", "--check")
	cmd.Dir = "testdata"
	cmd.Stdin = bytes.NewReader(req)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gen_vectors.py --check: %v", err)
	}
	var res struct {
		Sessions []map[string]any `json:"sessions"`
		Loads    []struct {
			OK    bool   `json:"ok"`
			Value any    `json:"value"`
			Error string `json:"error"`
		} `json:"loads"`
		Passwords []struct {
			OK         bool  `json:"ok"`
			MustUpdate *bool `json:"must_update"`
		} `json:"passwords"`
		CSRFUnmask      []string `json:"csrf_unmask"`
		SessionAuthHash []string `json:"session_auth_hash"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v in %s", err, out)
	}

	for i, s := range sessions {
		want := map[string]any{}
		for k, v := range s {
			var x any
			json.Unmarshal(v, &x)
			want[k] = x
		}
		if i >= len(res.Sessions) || !reflect.DeepEqual(res.Sessions[i], want) {
			t.Errorf("Django decoded session %q as %v, want %v", encodedSessions[i], res.Sessions, want)
		}
	}
	for i, d := range dumps {
		var want any
		raw, _ := json.Marshal(values[i/2])
		json.Unmarshal(raw, &want)
		if i >= len(res.Loads) || !res.Loads[i].OK || !reflect.DeepEqual(res.Loads[i].Value, want) {
			t.Errorf("Django loads(%q) = %+v, want %v", d.Signed, res.Loads[i], want)
		}
	}
	for i, p := range pws {
		if i >= len(res.Passwords) || !res.Passwords[i].OK {
			t.Errorf("Django check_password(%q, %q) failed", p.Password, p.Encoded)
		}
	}
	if last := res.Passwords[len(res.Passwords)-1]; last.MustUpdate == nil || *last.MustUpdate {
		t.Errorf("Django 3.2 wants to update a hash made with %d iterations: %+v", iters, last)
	}
	if first := res.Passwords[0]; first.MustUpdate == nil || !*first.MustUpdate {
		t.Errorf("Django 3.2 does not want to update a 1000-iteration hash: %+v", first)
	}
	for i, tok := range tokens {
		if i >= len(res.CSRFUnmask) || res.CSRFUnmask[i] != secret {
			t.Errorf("Django unmasked %q to %v, want %s", tok, res.CSRFUnmask, secret)
		}
	}
	for i, p := range authPasswords {
		if i >= len(res.SessionAuthHash) || res.SessionAuthHash[i] != django.SessionAuthHash(key, p) {
			t.Errorf("Django's session auth hash of %q is %v, Go's %s", p, res.SessionAuthHash, django.SessionAuthHash(key, p))
		}
	}
}
