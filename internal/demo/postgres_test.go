package demo_test

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessionauth/sessionauth/internal/demo"
	"github.com/sessionauth/sessionauth/internal/testenv"
	"github.com/sessionauth/sessionauth/store/postgres"
)

// Every notes test also runs against PostgreSQL when SESSIONAUTH_TEST_POSTGRES_URL is set (the
// subtest is skipped otherwise, or fails when SESSIONAUTH_REQUIRE_SERVICES=1).
func init() {
	noteStores = append(noteStores, struct {
		name string
		open func(t *testing.T) demo.NoteStore
	}{"postgres", func(t *testing.T) demo.NoteStore {
		notes, err := demo.OpenPostgresNotes(context.Background(), openPgStore(t).Pool())
		if err != nil {
			t.Fatal(err)
		}
		return notes
	}})
}

// pgSchema returns a schema name of the test's own and drops the schema when the test ends.
func pgSchema(t *testing.T, dbURL string) string {
	t.Helper()
	name := "sa_test_" + strings.ToLower(rand.Text()[:16])
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			t.Errorf("dropping schema %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{name}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", name, err)
		}
	})
	return name
}

// openPgStore opens the server's store in a fresh schema, as cmd/sessionauth would with a
// postgres:// --database.
func openPgStore(t *testing.T) *postgres.Store {
	t.Helper()
	u := testenv.Service(t, testenv.PostgresURL)
	st, err := postgres.Open(context.Background(), u, postgres.Options{Schema: pgSchema(t, u), SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// The notes table lives in the store's schema beside the library's tables, on the store's pool, and
// opening it again (another instance, a restart) keeps the notes.
func TestPostgresNotesBesideStore(t *testing.T) {
	ctx := context.Background()
	st := openPgStore(t)
	notes, err := demo.OpenPostgresNotes(ctx, st.Pool())
	if err != nil {
		t.Fatal(err)
	}
	n := &demo.Note{Owner: 1, Title: "kept", Body: "ünïcødé ☃", Created: time.Now(), Updated: time.Now()}
	if err := notes.CreateNote(ctx, n); err != nil {
		t.Fatal(err)
	}
	var schema string
	if err := st.Pool().QueryRow(ctx, `SELECT schemaname FROM pg_tables WHERE tablename = 'sessionauth_demo_notes'
		AND schemaname = current_schema()`).Scan(&schema); err != nil {
		t.Fatalf("the notes table is not in the store's schema: %v", err)
	}
	if err := notes.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st.Ping(ctx); err != nil {
		t.Fatalf("closing the notes closed the store's pool: %v", err)
	}
	again, err := demo.OpenPostgresNotes(ctx, st.Pool())
	if err != nil {
		t.Fatal(err)
	}
	if got, err := again.Note(ctx, n.ID); err != nil || got.Title != "kept" || got.Body != n.Body {
		t.Fatalf("after reopening: %+v %v", got, err)
	}
	if _, err := demo.OpenPostgresNotes(ctx, nil); err == nil {
		t.Fatal("a nil pool was accepted")
	}
}

// Instances starting together on an empty schema all open the notes table.
func TestPostgresNotesConcurrentOpen(t *testing.T) {
	u := testenv.Service(t, testenv.PostgresURL)
	schema := pgSchema(t, u)
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(u)
	if err != nil {
		t.Fatal(err)
	}
	// The schema exists (the server's store created it); the notes tables do not yet.
	st, err := postgres.Open(ctx, u, postgres.Options{Schema: schema, SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	cfg.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{schema}.Sanitize()
	const n = 3
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer pool.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			var notes *demo.PostgresNotes
			if notes, errs[i] = demo.OpenPostgresNotes(ctx, pool); errs[i] == nil {
				errs[i] = notes.CreateNote(ctx, &demo.Note{Owner: int64(i + 1), Title: "t", Created: time.Now(), Updated: time.Now()})
			}
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i+1, err)
		}
	}
}

// A store that cannot answer reports an error, never ErrNoteNotFound (which would be a 404).
func TestPostgresNotesFailureIsNotNotFound(t *testing.T) {
	ctx := context.Background()
	notes, err := demo.OpenPostgresNotes(ctx, openPgStore(t).Pool())
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := notes.Note(cancelled, 1); err == nil || errors.Is(err, demo.ErrNoteNotFound) {
		t.Fatalf("Note with a cancelled context: %v", err)
	}
	if err := notes.DeleteNote(cancelled, 1, 1); err == nil || errors.Is(err, demo.ErrNoteNotFound) {
		t.Fatalf("DeleteNote with a cancelled context: %v", err)
	}
	if _, err := notes.Notes(cancelled, 1); err == nil {
		t.Fatal("Notes with a cancelled context succeeded")
	}
}
