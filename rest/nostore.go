package rest

import "net/http"

// noStoreValue is shared by every response; len == cap, so an Add elsewhere copies it rather than
// writing into it. It saves an allocation on the hottest path (GET /api/hello).
var noStoreValue = []string{"no-store"}

// NoStore marks every response of next "Cache-Control: no-store", for views whose answers depend on
// the session or carry a cookie, a CSRF token, an API token or account data: a shared cache storing
// one would hand it to the next client (checklist CK-05). It is set before next runs, so that errors
// and 405s carry it too.
func NoStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Cache-Control"] = noStoreValue
		next.ServeHTTP(w, r)
	})
}
