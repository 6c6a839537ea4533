package demo

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/sessionauth/sessionauth/rest"
)

// Note is one user's note. Owner is never shown nor taken from a request body.
type Note struct {
	ID      int64     `json:"id"`      // assigned by the store on creation
	Owner   int64     `json:"-"`       // the auth.User.ID of the user who wrote it
	Title   string    `json:"title"`   // not blank, at most 200 characters
	Body    string    `json:"body"`    // may be blank, at most 10000 characters
	Created time.Time `json:"created"` // when the note was created, UTC
	Updated time.Time `json:"updated"` // when it was last written (Created until then), UTC
}

// ErrNoteNotFound is returned by a NoteStore for a note that does not exist (or, where an owner is
// given, does not belong to that owner).
var ErrNoteNotFound = errors.New("demo: note not found")

// NoteStore keeps notes. Ids are never reused. Any error other than ErrNoteNotFound means the store
// could not answer.
type NoteStore interface {
	// CreateNote inserts n and sets n.ID.
	CreateNote(ctx context.Context, n *Note) error
	// Note returns the note with that id, whoever owns it.
	Note(ctx context.Context, id int64) (*Note, error)
	// Notes lists owner's notes ordered by id (an empty list when there are none).
	Notes(ctx context.Context, owner int64) ([]*Note, error)
	// UpdateNote writes the title, body and updated time of the note n.ID if n.Owner owns it.
	UpdateNote(ctx context.Context, n *Note) error
	// DeleteNote deletes the note id if owner owns it.
	DeleteNote(ctx context.Context, owner, id int64) error
}

// isOwner is the object permission "owner only". It allows every request, so compose it with
// IsAuthenticated; its object check fails for anonymous callers anyway.
type isOwner struct{}

// HasPermission implements rest.Permission.
func (isOwner) HasPermission(*http.Request) bool { return true }

// HasObjectPermission implements rest.Permission: the caller owns the note.
func (isOwner) HasObjectPermission(r *http.Request, obj any) bool {
	n, ok := obj.(*Note)
	u := rest.User(r)
	return ok && u != nil && n.Owner == u.ID
}

var (
	_ NoteStore = (*MemoryNotes)(nil)
	_ NoteStore = (*SQLiteNotes)(nil)
)
