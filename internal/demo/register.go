package demo

import (
	"net/http"
	"time"

	"github.com/sessionauth/sessionauth/rest"
)

// Register mounts /api/hello (authenticated by sessionAuth only) and /api/notes (authenticated with the
// API's defaults) on mux. Patterns carry no method, so that a wrong method gets the view's JSON 405
// with Allow. Every answer depends on who is logged in, so none may be kept by a shared cache
// (rest.NoStore, as authapi's endpoints).
func Register(mux *http.ServeMux, api *rest.API, sessionAuth rest.Authenticator, notes NoteStore) {
	mux.Handle("/api/hello", rest.NoStore(api.View(hello,
		rest.Authenticators(sessionAuth), rest.Permissions(rest.IsAuthenticated))))

	n := &notesView{store: notes, now: time.Now}
	// DRF's object permissions run only where a view asks for them (CheckObjectPermissions in
	// notesView.get); the collection is scoped to the caller by the query instead.
	perms := rest.Permissions(rest.And(rest.IsAuthenticated, isOwner{}))
	mux.Handle("/api/notes", rest.NoStore(api.View(n.collection, rest.Methods("GET", "POST"), perms)))
	mux.Handle("/api/notes/{id}", rest.NoStore(api.View(n.item, rest.Methods("GET", "PUT", "PATCH", "DELETE"), perms)))
}
