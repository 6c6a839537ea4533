package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The SQLite database holds the secret key and the password hashes: the server creates it, and the
// -wal and -shm files SQLite adds beside it, readable by the owner only (SQLite alone would give
// them 0644 less the umask).
func TestSQLiteDatabaseIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "private.db")
	st, err := openStores(context.Background(), storeConfig{Database: "sqlite://" + path})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.openNotes(context.Background()); err != nil { // the server's second user of the file
		t.Fatal(err)
	}
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		info, err := os.Stat(name)
		if err != nil {
			t.Fatalf("%s: %v (WAL mode keeps -wal and -shm while the database is open)", name, err)
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s has mode %v, want 0600", filepath.Base(name), perm)
		}
	}
}

// A database the operator created keeps the mode they gave it; only the file the server creates is
// made private.
func TestSQLiteExistingDatabaseKeepsItsMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	if err := os.WriteFile(path, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o640); err != nil { // past the umask
		t.Fatal(err)
	}
	st, err := openStores(context.Background(), storeConfig{Database: path})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o640 {
		t.Fatalf("mode of an existing database: %v, %v; want 0640 kept", info.Mode().Perm(), err)
	}
}

// A sqlite:// or file: URL with a query is refused naming the flag, before any file is created:
// the query would otherwise become part of a new database's file name.
func TestSQLiteURLQueryRefused(t *testing.T) {
	clearEnv(t)
	dir := t.TempDir()
	for _, tc := range []struct{ flag, value string }{
		{"--database", "sqlite://" + filepath.Join(dir, "x.db") + "?mode=ro"},
		{"--database", "file:" + filepath.Join(dir, "x.db") + "?cache=shared"},
		{"--database", "sqlite://" + filepath.Join(dir, "x.db") + "#frag"},
		{"--django-database", "sqlite://" + filepath.Join(dir, "django.db") + "?mode=ro"},
	} {
		var stdout, stderr strings.Builder
		code := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--database", filepath.Join(dir, "ok.db"), tc.flag, tc.value}, strings.NewReader(""), &stdout, &stderr)
		msg := stderr.String()
		if code != 1 || strings.Count(msg, "\n") != 1 || !strings.Contains(msg, "invalid "+tc.flag+" ") || !strings.Contains(msg, "query or fragment") {
			t.Errorf("serve %s %s: exit %d, stderr %q; want 1 and one line naming %s", tc.flag, tc.value, code, msg, tc.flag)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("refused configurations left files behind: %v", entries)
	}
}
