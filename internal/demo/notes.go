package demo

import (
	"errors"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/sessionauth/sessionauth/rest"
)

// Field limits, with DRF's CharField(max_length=...) messages.
const (
	maxTitle = 200
	maxBody  = 10_000
)

// notesView serves /api/notes and /api/notes/{id}.
type notesView struct {
	store NoteStore
	now   func() time.Time
}

// collection is GET (the caller's notes) and POST (a new note) /api/notes.
func (v *notesView) collection(w http.ResponseWriter, r *http.Request) error {
	owner := rest.User(r).ID
	if r.Method == http.MethodGet {
		list, err := v.store.Notes(r.Context(), owner)
		if err != nil {
			return rest.Unavailable(err)
		}
		if list == nil {
			list = []*Note{} // [] rather than null
		}
		return rest.JSON(w, http.StatusOK, list)
	}
	in, err := rest.Parse(r)
	if err != nil {
		return err
	}
	// Only title and body are read: id, owner and times in the body are ignored (no mass assignment).
	n := &Note{Owner: owner}
	readFields(in, n, false)
	if err := in.Err(); err != nil {
		return err
	}
	n.Created = v.now().UTC()
	n.Updated = n.Created
	if err := v.store.CreateNote(r.Context(), n); err != nil {
		return rest.Unavailable(err)
	}
	return rest.JSON(w, http.StatusCreated, n)
}

// item is GET, PUT, PATCH and DELETE /api/notes/{id}.
func (v *notesView) item(w http.ResponseWriter, r *http.Request) error {
	n, err := v.get(r)
	if err != nil {
		return err
	}
	switch r.Method {
	case http.MethodGet:
		return rest.JSON(w, http.StatusOK, n)
	case http.MethodDelete:
		if err := v.store.DeleteNote(r.Context(), n.Owner, n.ID); err != nil {
			return storeError(err)
		}
		return rest.NoContent(w)
	}
	in, err := rest.Parse(r)
	if err != nil {
		return err
	}
	readFields(in, n, r.Method == http.MethodPatch)
	if err := in.Err(); err != nil {
		return err
	}
	n.Updated = v.now().UTC()
	if err := v.store.UpdateNote(r.Context(), n); err != nil {
		return storeError(err)
	}
	return rest.JSON(w, http.StatusOK, n)
}

// get is DRF's get_object: the note named by the path, after the object permissions. A note of
// another user answers 404 like a missing one, not 403, so that ids of other users' notes cannot be
// discovered; so does an id that is not a number.
func (v *notesView) get(r *http.Request) (*Note, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, rest.NotFound()
	}
	n, err := v.store.Note(r.Context(), id)
	if err != nil {
		return nil, storeError(err)
	}
	if err := rest.CheckObjectPermissions(r, n); err != nil {
		return nil, rest.NotFound()
	}
	return n, nil
}

// readFields validates title and body into n. Creating and PUT require the title; PATCH changes only
// the fields given. A body left out keeps its value (on creation: empty), as DRF's ModelSerializer
// does for a field that is not required.
func readFields(in *rest.Input, n *Note, partial bool) {
	if !partial || in.Has("title") {
		n.Title = in.String("title", rest.Required)
		if utf8.RuneCountInString(n.Title) > maxTitle {
			in.Fail("title", "Ensure this field has no more than 200 characters.")
		}
	}
	if in.Has("body") {
		n.Body = in.String("body", rest.AllowBlank)
		if utf8.RuneCountInString(n.Body) > maxBody {
			in.Fail("body", "Ensure this field has no more than 10000 characters.")
		}
	}
}

// storeError answers a missing note 404 and a store failure 503.
func storeError(err error) error {
	if errors.Is(err, ErrNoteNotFound) {
		return rest.NotFound()
	}
	return rest.Unavailable(err)
}
