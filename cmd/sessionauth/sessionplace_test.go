package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestSessionPlace(t *testing.T) {
	for _, tc := range []struct {
		sc   storeConfig
		want string
	}{
		{storeConfig{Database: "x.db"}, "database"},
		{storeConfig{Database: "x.db", SessionStore: "database"}, "database"},
		{storeConfig{Database: "x.db", SessionStore: "sqlite"}, "database"},
		{storeConfig{Database: "postgres://h/a", SessionStore: "postgres://h/a"}, "database"},
		{storeConfig{Database: "x.db", SessionStore: "memory"}, "memory"},
		{storeConfig{Database: "x.db", SessionStore: "redis://:pw@cache:6379/2?timeout=1s&client_cache=5s"}, "redis://cache:6379/2"},
		{storeConfig{Database: "x.db", SessionStore: "redis+sentinel://u:pw@s1,s2/mymaster"}, "redis+sentinel://s1,s2/mymaster"},
		{storeConfig{Database: "x.db", SessionStore: "postgres://app:pw@db:5432/sessions?sslmode=require"}, "postgres://db:5432/sessions"},
		{storeConfig{Database: "x.db", DjangoDatabase: "postgres://dj:pw@db/site"}, "django postgres://db/site"},
	} {
		if got := sessionPlace(tc.sc); got != tc.want {
			t.Errorf("sessionPlace(%+v) = %q, want %q", tc.sc, got, tc.want)
		}
	}
}

// An admin command pointed at the database of a server whose sessions live elsewhere refuses to
// run, rather than report success over sessions it cannot see.
func TestCheckSessionPlace(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "s.db")
	st, err := openStores(ctx, storeConfig{Database: db})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cli := storeConfig{Database: db}
	var warn strings.Builder
	if err := st.checkSessionPlace(ctx, cli, true, &warn); err != nil || warn.Len() != 0 {
		t.Fatalf("nothing recorded yet: %v %q", err, warn.String())
	}

	server := storeConfig{Database: db, SessionStore: "redis://:hunter2@cache:6379/0"}
	if err := st.recordSessionPlace(ctx, server); err != nil {
		t.Fatal(err)
	}
	err = st.checkSessionPlace(ctx, cli, true, &warn)
	if err == nil || !strings.Contains(err.Error(), "redis://cache:6379/0") || !strings.Contains(err.Error(), "--session-store") {
		t.Fatalf("sessions in Redis, command without --session-store: %v", err)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("the error shows the password: %v", err)
	}
	if err := st.checkSessionPlace(ctx, cli, false, &warn); err != nil {
		t.Fatalf("a command that does not touch sessions: %v", err)
	}
	sameStore := storeConfig{Database: db, SessionStore: "redis://:hunter2@cache:6379/0?timeout=5s"}
	if err := st.checkSessionPlace(ctx, sameStore, true, &warn); err != nil {
		t.Fatalf("the same store with other parameters: %v", err)
	}

	if err := st.recordSessionPlace(ctx, storeConfig{Database: db, DjangoDatabase: "/srv/site/db.sqlite3"}); err != nil {
		t.Fatal(err)
	}
	if err := st.checkSessionPlace(ctx, cli, false, &warn); err == nil || !strings.Contains(err.Error(), "--django-database") {
		t.Fatalf("users in Django's tables, command without --django-database: %v", err)
	}

	if err := st.recordSessionPlace(ctx, storeConfig{Database: db, SessionStore: "memory"}); err != nil {
		t.Fatal(err)
	}
	if err := st.checkSessionPlace(ctx, cli, true, &warn); err != nil || !strings.Contains(warn.String(), "memory") {
		t.Fatalf("sessions in the server's memory: %v, warning %q", err, warn.String())
	}
}
