package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// --secret-key-fallbacks-file: one key per line (blank lines, surrounding spaces and CRLF ignored),
// owner-only like the key files; the old comma-separated flag still works, but not both together.
func TestSecretKeyFallbacks(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil { // WriteFile's mode is masked by the umask
			t.Fatal(err)
		}
		return path
	}
	const old1, old2 = "retired-key-number-one-0123456789abcdef", "retired key two, with a comma"
	good := write("fallbacks", "\n"+old1+"\r\n  \n  "+old2+"  \n", 0o600)
	for _, c := range []struct {
		sc   storeConfig
		want []string
	}{
		{storeConfig{SecretKeyFallbacksFile: good}, []string{old1, old2}},
		{storeConfig{SecretKeyFallbacksFile: write("empty", "\n\n", 0o400)}, nil}, // rotation done
		{storeConfig{SecretKeyFallbacks: []string{old1, "x"}}, []string{old1, "x"}},
		{storeConfig{}, nil},
	} {
		got, err := secretKeyFallbacks(c.sc)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("secretKeyFallbacks(%+v) = %q, %v; want %q", c.sc, got, err, c.want)
		}
	}
	for _, c := range []struct {
		file, want string
	}{
		{write("readable", old1+"\n", 0o644), "mode -rw-r--r-- lets other users read it"},
		{write("group", old1+"\n", 0o640), "lets other users read it"},
		{filepath.Join(dir, "missing"), "no such file"},
	} {
		_, err := secretKeyFallbacks(storeConfig{SecretKeyFallbacksFile: c.file})
		if err == nil || !strings.HasPrefix(err.Error(), "invalid --secret-key-fallbacks-file ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("secretKeyFallbacks(%s) = %v, want an error naming the flag with %q", c.file, err, c.want)
		} else if strings.Contains(err.Error(), old1) {
			t.Errorf("the error shows the key: %v", err)
		}
	}
	both := storeConfig{Database: "x.db", SecretKeyFallbacks: []string{old1}, SecretKeyFallbacksFile: good}
	if err := checkStores(both); err == nil || !strings.HasPrefix(err.Error(), "invalid --secret-key-fallbacks-file ") {
		t.Errorf("checkStores with both: %v", err)
	}
	if _, err := openStores(t.Context(), both); err == nil {
		t.Error("openStores with both flags succeeded")
	}
}

// The flag and its environment twin reach the store configuration.
func TestSecretKeyFallbacksFileFlag(t *testing.T) {
	clearEnv(t)
	t.Setenv("SESSIONAUTH_SECRET_KEY_FALLBACKS_FILE", "/etc/sessionauth/fallbacks")
	cfg, _, err := parseServe(t)
	if err != nil || cfg.SecretKeyFallbacksFile != "/etc/sessionauth/fallbacks" || cfg.SecretKeyFallbacks != nil {
		t.Fatalf("from the environment: %q %q, %v", cfg.SecretKeyFallbacksFile, cfg.SecretKeyFallbacks, err)
	}
	if _, _, err := parseServe(t, "--secret-key-fallbacks", "a,b"); err == nil || !strings.Contains(err.Error(), "not both") {
		t.Fatalf("the file from the environment and the list on the command line: %v", err)
	}
}
