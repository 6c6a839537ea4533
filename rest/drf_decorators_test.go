package rest_test

// DRF's tests/test_decorators.py (drf-django-spec.md §3.5, #78–#86) plus the @api_view cases of §3.8,
// ported as black-box tests against a real server. DRF's requests there are anonymous
// (APIRequestFactory). rest.Methods is @api_view's method list, the other Options are the policy
// decorators. Not portable: #86 (decorator misuse raising at import time; Go's types rule it out).

import (
	"net/http"
	"testing"

	"github.com/sessionauth/sessionauth/rest"
)

// okView answers {} to every listed method.
func (h *harness) okView(opts ...rest.Option) *rest.View {
	return h.api.View(func(w http.ResponseWriter, r *http.Request) error {
		return rest.JSON(w, http.StatusOK, map[string]string{"method": r.Method})
	}, opts...)
}

func wantAllow(t *testing.T, res *response, methods ...string) {
	t.Helper()
	// @api_view builds Allow from a Python set, so DRF's order is arbitrary: compare as sets.
	if got := allowSet(res); !equalSets(got, methods...) {
		t.Fatalf("Allow %q, want the set %q", res.Header.Get("Allow"), methods)
	}
}

func TestDRFDecorators(t *testing.T) {
	h := newHarness(t)
	h.mux.Handle("/get", h.okView(rest.Name("Fbv Get", "")))
	h.mux.Handle("/put", h.okView(rest.Methods("GET", "PUT")))
	h.mux.Handle("/patch", h.okView(rest.Methods("GET", "PATCH")))
	h.mux.Handle("/head", h.okView(rest.Methods("GET", "HEAD")))
	h.mux.Handle("/nometa", h.okView(rest.NoMetadata()))
	c := h.client()

	t.Run("78 calling method", func(t *testing.T) {
		wantStatus(t, c.do("GET", "/get", nil, nil), 200)
		res := c.do("POST", "/get", nil, nil)
		wantDetail(t, res, 405, `Method "POST" not allowed.`)
		wantAllow(t, res, "GET", "OPTIONS")
	})
	t.Run("79 calling put method", func(t *testing.T) {
		wantStatus(t, c.do("PUT", "/put", nil, nil), 200)
		res := c.do("POST", "/put", nil, nil)
		wantDetail(t, res, 405, `Method "POST" not allowed.`)
		wantAllow(t, res, "GET", "PUT", "OPTIONS")
	})
	t.Run("80 calling patch method", func(t *testing.T) {
		wantStatus(t, c.do("PATCH", "/patch", nil, nil), 200)
		res := c.do("POST", "/patch", nil, nil)
		wantDetail(t, res, 405, `Method "POST" not allowed.`)
		wantAllow(t, res, "GET", "PATCH", "OPTIONS")
	})
	t.Run("405 for any unlisted method, quoted verbatim", func(t *testing.T) {
		for _, m := range []string{"DELETE", "PUT", "PATCH", "FOO", "TRACE"} {
			res := c.do(m, "/get", nil, nil)
			wantDetail(t, res, 405, `Method "`+m+`" not allowed.`)
			wantAllow(t, res, "GET", "OPTIONS")
		}
	})
	t.Run("HEAD is 405 unless listed", func(t *testing.T) {
		res := c.do("HEAD", "/get", nil, nil)
		wantStatus(t, res, 405)
		wantAllow(t, res, "GET", "OPTIONS")
		res = c.do("HEAD", "/head", nil, nil)
		wantStatus(t, res, 200)
		wantAllow(t, res, "GET", "HEAD", "OPTIONS")
		if res.body != "" {
			t.Fatalf("HEAD response with a body: %q", res.body)
		}
	})
	t.Run("OPTIONS answers metadata", func(t *testing.T) {
		res := c.do("OPTIONS", "/get", nil, nil)
		// DRF also lists "text/html" in renders (the browsable API); we render JSON only.
		wantJSON(t, res, 200, `{"name":"Fbv Get","description":"","renders":["application/json"],"parses":["application/json","application/x-www-form-urlencoded","multipart/form-data"]}`)
		wantAllow(t, res, "GET", "OPTIONS")
	})
	t.Run("85 metadata class None", func(t *testing.T) {
		res := c.do("OPTIONS", "/nometa", nil, nil)
		wantDetail(t, res, 405, `Method "OPTIONS" not allowed.`)
		// DRF still lists OPTIONS in Allow (APIView has an options method); so do we.
		wantAllow(t, res, "GET", "OPTIONS")
		wantStatus(t, c.do("GET", "/nometa", nil, nil), 200)
	})

	t.Run("81 permission classes", func(t *testing.T) {
		h.mux.Handle("/perm", h.okView(rest.Permissions(rest.IsAuthenticated)))
		res := c.do("GET", "/perm", nil, nil)
		// Default authenticators [Session, Basic]: Session is first and has no challenge → 403.
		wantDetail(t, res, 403, "Authentication credentials were not provided.")
		if res.Header.Get("WWW-Authenticate") != "" {
			t.Fatalf("WWW-Authenticate %q", res.Header.Get("WWW-Authenticate"))
		}
		// OPTIONS is checked like any method.
		wantDetail(t, c.do("OPTIONS", "/perm", nil, nil), 403, "Authentication credentials were not provided.")
	})
	t.Run("82 authentication classes", func(t *testing.T) {
		h.mux.Handle("/basic-only", h.okView(rest.Authenticators(&rest.BasicAuthentication{Auth: h.auth}), rest.Permissions(rest.IsAuthenticated)))
		res := c.do("GET", "/basic-only", nil, nil)
		wantDetail(t, res, 401, "Authentication credentials were not provided.")
		if res.Header.Get("WWW-Authenticate") != `Basic realm="api"` {
			t.Fatalf("WWW-Authenticate %q", res.Header.Get("WWW-Authenticate"))
		}
		// Only Basic: a logged-in session is not an authenticator of this view.
		sc := h.client()
		sc.login("john", "password")
		wantStatus(t, sc.do("GET", "/basic-only", nil, nil), 401)
		wantStatus(t, c.do("GET", "/basic-only", nil, basic("john:password")), 200)
	})
	t.Run("83 throttle classes", func(t *testing.T) {
		h.mux.Handle("/throttled", h.okView(rest.Throttles(&rest.UserRateThrottle{Rate: "1/day"})))
		wantStatus(t, c.do("GET", "/throttled", nil, nil), 200)
		wantStatus(t, c.do("GET", "/throttled", nil, nil), 429)
	})
}

// #84 test_throttle_scope: two views with scope "x" share one bucket; a view without a scope is not
// throttled; a scope without a configured rate is a server error (DRF: ImproperlyConfigured → 500).
func TestDRFDecoratorThrottleScope(t *testing.T) {
	h := newHarness(t)
	h.api.ThrottleRates = map[string]string{"x": "1/day"}
	h.api.Logger = discardLogger()
	scoped := rest.Throttles(rest.ScopedRateThrottle{})
	h.mux.Handle("/scoped1", h.okView(scoped, rest.ThrottleScope("x")))
	h.mux.Handle("/scoped2", h.okView(scoped, rest.ThrottleScope("x")))
	h.mux.Handle("/unscoped", h.okView(scoped, rest.ThrottleScope("")))
	h.mux.Handle("/invalid", h.okView(scoped, rest.ThrottleScope("invalid scope")))
	c := h.client()
	wantStatus(t, c.do("GET", "/scoped1", nil, nil), 200)
	wantStatus(t, c.do("GET", "/scoped2", nil, nil), 429)
	for range 3 {
		wantStatus(t, c.do("GET", "/unscoped", nil, nil), 200)
	}
	wantDetail(t, c.do("GET", "/invalid", nil, nil), 500, "A server error occurred.")
}
