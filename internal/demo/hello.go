package demo

import (
	"net/http"
)

// The hello response never changes, so it is encoded once; the header values are shared slices that
// nothing modifies (an append elsewhere would copy them, len == cap). This keeps the benchmarks' hot
// path to the cost of the session and authentication checks.
var (
	helloBody        = []byte(`{"message":"Hello, authenticated user!"}`)
	helloContentType = []string{"application/json"}
)

// hello is GET /api/hello, DRF's example view:
//
//	class ExampleView(APIView):
//	    authentication_classes = [SessionAuthentication]
//	    permission_classes = [IsAuthenticated]
func hello(w http.ResponseWriter, r *http.Request) error {
	w.Header()["Content-Type"] = helloContentType
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(helloBody)
	return err
}
