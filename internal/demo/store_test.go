package demo_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/internal/demo"
	"github.com/sessionauth/sessionauth/store/sqlite"
)

type demoStore = demo.NoteStore

// TestNoteStores checks the NoteStore contract on each implementation directly.
func TestNoteStores(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(*testing.T) demoStore) {
		s := open(t)
		ctx := context.Background()
		now := time.Unix(1_700_000_000, 123456789).UTC()
		a := &demo.Note{Owner: 1, Title: "a", Body: "x", Created: now, Updated: now}
		b := &demo.Note{Owner: 2, Title: "b", Created: now, Updated: now}
		c := &demo.Note{Owner: 1, Title: "c", Created: now, Updated: now}
		for _, n := range []*demo.Note{a, b, c} {
			if err := s.CreateNote(ctx, n); err != nil {
				t.Fatal(err)
			}
		}
		if a.ID == 0 || a.ID == b.ID || b.ID == c.ID {
			t.Fatalf("ids %d %d %d", a.ID, b.ID, c.ID)
		}
		got, err := s.Note(ctx, a.ID)
		if err != nil || *got != *a {
			t.Fatalf("Note: %+v %v, want %+v", got, err, a)
		}
		got.Title = "changed" // a copy: the store is not affected
		if again, _ := s.Note(ctx, a.ID); again.Title != "a" {
			t.Fatal("Note returned the stored value, not a copy")
		}
		list, err := s.Notes(ctx, 1)
		if err != nil || len(list) != 2 || list[0].ID != a.ID || list[1].ID != c.ID {
			t.Fatalf("Notes(1): %v %v", list, err)
		}
		if list, err := s.Notes(ctx, 3); err != nil || list == nil || len(list) != 0 {
			t.Fatalf("Notes(3): %#v %v", list, err)
		}
		if _, err := s.Note(ctx, 999); !errors.Is(err, demo.ErrNoteNotFound) {
			t.Fatalf("Note(999): %v", err)
		}

		// Update and delete are scoped to the owner.
		upd := *a
		upd.Owner, upd.Title = 2, "stolen"
		if err := s.UpdateNote(ctx, &upd); !errors.Is(err, demo.ErrNoteNotFound) {
			t.Fatalf("UpdateNote by another owner: %v", err)
		}
		if err := s.DeleteNote(ctx, 2, a.ID); !errors.Is(err, demo.ErrNoteNotFound) {
			t.Fatalf("DeleteNote by another owner: %v", err)
		}
		upd = *a
		upd.Title, upd.Body, upd.Updated = "a2", "y", now.Add(time.Second)
		upd.Created = now.Add(time.Hour) // not written
		if err := s.UpdateNote(ctx, &upd); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Note(ctx, a.ID); got.Title != "a2" || got.Body != "y" || !got.Updated.Equal(now.Add(time.Second)) || !got.Created.Equal(now) {
			t.Fatalf("after update: %+v", got)
		}
		if err := s.DeleteNote(ctx, 1, a.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteNote(ctx, 1, a.ID); !errors.Is(err, demo.ErrNoteNotFound) {
			t.Fatalf("second delete: %v", err)
		}
		if err := s.UpdateNote(ctx, &upd); !errors.Is(err, demo.ErrNoteNotFound) {
			t.Fatalf("update after delete: %v", err)
		}
		d := &demo.Note{Owner: 1, Title: "d", Created: now, Updated: now}
		if err := s.CreateNote(ctx, d); err != nil || d.ID <= c.ID {
			t.Fatalf("id after a delete: %d (last %d), %v", d.ID, c.ID, err)
		}
	})
}

// TestSQLiteNotesSharesFile: the notes table lives in the server's database file beside the library's
// store, each with its own pool, and survives a reopen.
func TestSQLiteNotesSharesFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "server.db")
	st, err := sqlite.Open(ctx, path, sqlite.Options{SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	notes, err := demo.OpenSQLiteNotes(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	n := &demo.Note{Owner: 1, Title: "kept", Created: time.Now(), Updated: time.Now()}
	if err := notes.CreateNote(ctx, n); err != nil {
		t.Fatal(err)
	}
	if err := st.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if err := notes.Close(); err != nil {
		t.Fatal(err)
	}
	notes, err = demo.OpenSQLiteNotes(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer notes.Close()
	if got, err := notes.Note(ctx, n.ID); err != nil || got.Title != "kept" {
		t.Fatalf("after reopen: %+v %v", got, err)
	}

	if _, err := demo.OpenSQLiteNotes(ctx, ""); err == nil {
		t.Fatal("empty path accepted")
	}
	if _, err := demo.OpenSQLiteNotes(ctx, filepath.Join(t.TempDir(), "missing", "dir", "x.db")); err == nil {
		t.Fatal("a path in a missing directory accepted")
	}
}

// TestSQLiteNotesConcurrentWriters: notes written from several goroutines while the server's store
// writes the same file all land (the busy timeout queues them; none fails with "database is locked").
func TestSQLiteNotesConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "server.db")
	st, err := sqlite.Open(ctx, path, sqlite.Options{SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	notes, err := demo.OpenSQLiteNotes(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer notes.Close()

	const writers, each = 6, 25
	errs := make(chan error, writers*each*2)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for range each {
				n := &demo.Note{Owner: int64(w + 1), Title: "t", Created: time.Now(), Updated: time.Now()}
				if err := notes.CreateNote(ctx, n); err != nil {
					errs <- err
				}
				n.Title = "u"
				if err := notes.UpdateNote(ctx, n); err != nil {
					errs <- err
				}
			}
		}()
		go func() {
			defer wg.Done()
			for i := range each {
				if _, err := st.Hit(ctx, fmt.Sprintf("k%d-%d", w, i), time.Now(), 100, time.Minute); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for w := range writers {
		if list, err := notes.Notes(ctx, int64(w+1)); err != nil || len(list) != each {
			t.Fatalf("owner %d: %d notes, %v", w+1, len(list), err)
		}
	}
}
