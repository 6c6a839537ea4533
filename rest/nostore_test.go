package rest_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/sessionauth/sessionauth/rest"
)

// NoStore shares one header value between responses; a handler that adds to the header must change
// only its own response, never the next one's.
func TestNoStoreValueIsNotShared(t *testing.T) {
	srv := httptest.NewServer(rest.NoStore(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/private" {
			w.Header().Add("Cache-Control", "private")
		}
	})))
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/", []string{"no-store"}},
		{"/private", []string{"no-store", "private"}},
		{"/", []string{"no-store"}},
	} {
		res, err := srv.Client().Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.Header.Values("Cache-Control"); !slices.Equal(got, tc.want) {
			t.Fatalf("GET %s: Cache-Control %q, want %q", tc.path, got, tc.want)
		}
	}
}
