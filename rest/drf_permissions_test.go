package rest_test

// DRF's tests/test_permissions.py (drf-django-spec.md §3.6, #87–#123) and the permission cases of §3.8,
// ported as black-box tests against a real server.
//
// Ported: #89/#90/#99 (Basic first → 401 before anything else runs), #101–#104 (custom messages via
// rest.Messager; object permissions via rest.CheckObjectPermissions in a handler), #105–#118
// (composition, evaluated inside a handler, where rest.User works, and as view permissions).
// Not ported: DjangoModelPermissions and its integration tests (#87, #88, #91–#98, #100): there are
// no model permissions here; #119–#123 (hashing/equality of Python operand holders); the
// django-guardian object tests.

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/rest"
)

// #89, #90, #99: a view whose first (only) authenticator is Basic; its handler counts calls, standing
// for DRF's get_queryset, which must not run before authentication is decided.
func TestDRFBasicFirst(t *testing.T) {
	h := newHarness(t)
	var calls atomic.Int32
	h.mux.Handle("/", h.api.View(func(w http.ResponseWriter, r *http.Request) error {
		calls.Add(1)
		return rest.JSON(w, http.StatusOK, []string{})
	}, rest.Authenticators(&rest.BasicAuthentication{Auth: h.auth}), rest.Permissions(rest.IsAuthenticated)))
	c := h.client()

	t.Run("89 unauthenticated → 401", func(t *testing.T) {
		res := c.do("GET", "/", nil, nil)
		wantDetail(t, res, 401, "Authentication credentials were not provided.")
		if res.Header.Get("WWW-Authenticate") != `Basic realm="api"` {
			t.Fatalf("WWW-Authenticate %q", res.Header.Get("WWW-Authenticate"))
		}
	})
	t.Run("99 empty Authorization header → 401, handler not called", func(t *testing.T) {
		res := c.do("GET", "/", nil, map[string]string{"Authorization": ""})
		wantDetail(t, res, 401, "Authentication credentials were not provided.")
		if res.Header.Get("WWW-Authenticate") != `Basic realm="api"` {
			t.Fatalf("WWW-Authenticate %q", res.Header.Get("WWW-Authenticate"))
		}
		res = c.do("GET", "/", nil, map[string]string{"Authorization": "   "})
		wantStatus(t, res, 401)
	})
	if n := calls.Load(); n != 0 {
		t.Fatalf("the handler ran %d times for unauthenticated requests", n)
	}
	t.Run("90 authenticated → 200", func(t *testing.T) {
		wantStatus(t, c.do("GET", "/", nil, basic("john:password")), 200)
		if calls.Load() != 1 {
			t.Fatalf("handler calls %d", calls.Load())
		}
	})
}

// customPermission is DRF's custom permission classes: fixed answers, with an optional message.
type customPermission struct {
	perm, obj bool
	message   string
}

func (p customPermission) HasPermission(*http.Request) bool            { return p.perm }
func (p customPermission) HasObjectPermission(*http.Request, any) bool { return p.obj }

type messagePermission struct{ customPermission }

func (p messagePermission) Message() string { return p.message }

// CustomPermissionsTests (#101–#104): default authenticators, user "username" with Basic credentials,
// GET /1.
func TestDRFCustomPermissions(t *testing.T) {
	h := newHarness(t)
	h.createUser("username", "username@example.com", "password")
	const custom = "Custom: You cannot access this resource"
	// The handler fetches "object 1" and checks the view's object permissions, as get_object does.
	objView := func(p rest.Permission) *rest.View {
		return h.api.View(func(w http.ResponseWriter, r *http.Request) error {
			if err := rest.CheckObjectPermissions(r, map[string]int{"id": 1}); err != nil {
				return err
			}
			return rest.JSON(w, http.StatusOK, map[string]int{"id": 1})
		}, rest.Permissions(p))
	}
	h.mux.Handle("/denied/1", objView(customPermission{perm: false, obj: true}))
	h.mux.Handle("/denied-custom/1", objView(messagePermission{customPermission{perm: false, obj: true, message: custom}}))
	h.mux.Handle("/object-denied/1", objView(customPermission{perm: true, obj: false}))
	h.mux.Handle("/object-denied-custom/1", objView(messagePermission{customPermission{perm: true, obj: false, message: custom}}))
	h.mux.Handle("/allowed/1", objView(customPermission{perm: true, obj: true}))
	c := h.client()
	creds := basic("username:password")

	t.Run("101 permission denied", func(t *testing.T) {
		wantDetail(t, c.do("GET", "/denied/1", nil, creds), 403, "You do not have permission to perform this action.")
	})
	t.Run("102 permission denied with custom detail", func(t *testing.T) {
		wantDetail(t, c.do("GET", "/denied-custom/1", nil, creds), 403, custom)
	})
	t.Run("103 permission denied for object", func(t *testing.T) {
		wantDetail(t, c.do("GET", "/object-denied/1", nil, creds), 403, "You do not have permission to perform this action.")
	})
	t.Run("104 permission denied for object with custom detail", func(t *testing.T) {
		wantDetail(t, c.do("GET", "/object-denied-custom/1", nil, creds), 403, custom)
	})
	t.Run("allowed", func(t *testing.T) {
		wantStatus(t, c.do("GET", "/allowed/1", nil, creds), 200)
	})
	t.Run("object denial of an anonymous caller is NotAuthenticated", func(t *testing.T) {
		// DRF's permission_denied: the view authenticates and nobody was authenticated.
		wantDetail(t, c.do("GET", "/object-denied/1", nil, nil), 403, "Authentication credentials were not provided.")
	})
}

// counting wraps a permission and counts calls (DRF's tests patch methods with mocks). obj, when set,
// replaces the object answer (mock.patch.object(..., 'has_object_permission', return_value=...)).
type counting struct {
	inner               rest.Permission
	obj                 *bool
	permCalls, objCalls atomic.Int32
}

func (c *counting) HasPermission(r *http.Request) bool {
	c.permCalls.Add(1)
	return c.inner.HasPermission(r)
}

func (c *counting) HasObjectPermission(r *http.Request, obj any) bool {
	c.objCalls.Add(1)
	if c.obj != nil {
		return *c.obj
	}
	return c.inner.HasObjectPermission(r, obj)
}

func boolp(b bool) *bool { return &b }

// evalRoute serves GET /eval/<name>: it evaluates the named expression against the request, inside
// a view (AllowAny), and answers {"perm": HasPermission, "obj": HasObjectPermission}; "?only=perm" or
// "?only=obj" evaluates one of them.
type evalRoute struct {
	mu    sync.Mutex
	exprs map[string]rest.Permission
}

func (e *evalRoute) set(name string, p rest.Permission) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.exprs[name] = p
}

func newEvalRoute(h *harness) *evalRoute {
	e := &evalRoute{exprs: map[string]rest.Permission{}}
	h.mux.Handle("/eval/{name}", h.api.View(func(w http.ResponseWriter, r *http.Request) error {
		e.mu.Lock()
		p, ok := e.exprs[r.PathValue("name")]
		e.mu.Unlock()
		if !ok {
			return rest.NotFound()
		}
		out := map[string]bool{}
		if only := r.URL.Query().Get("only"); only != "obj" {
			out["perm"] = p.HasPermission(r)
		}
		if only := r.URL.Query().Get("only"); only != "perm" {
			out["obj"] = p.HasObjectPermission(r, nil)
		}
		return rest.JSON(w, http.StatusOK, out)
	}))
	return e
}

func evalPerm(t *testing.T, c *client, name, only string, header map[string]string) bool {
	t.Helper()
	res := c.do("GET", "/eval/"+name+"?only="+only, nil, header)
	wantStatus(t, res, 200)
	var out map[string]bool
	if err := json.Unmarshal([]byte(res.body), &out); err != nil {
		t.Fatal(err)
	}
	return out[only]
}

// PermissionsCompositionTests (#105–#118). "user" is john (authenticated, not staff), authenticated
// with Basic; anonymous sends nothing.
func TestDRFPermissionsComposition(t *testing.T) {
	h := newHarness(t)
	e := newEvalRoute(h)
	c := h.client()
	user := basic("john:password")
	var anon map[string]string

	IsAuth, AllowAny, IsAdmin := rest.IsAuthenticated, rest.AllowAny, rest.IsAdminUser
	And, Or, Not := rest.And, rest.Or, rest.Not
	for i, tc := range []struct {
		name   string
		expr   rest.Permission
		header map[string]string
		want   bool
	}{
		{"105 and false", And(IsAuth, AllowAny), anon, false},
		{"106 and true", And(IsAuth, AllowAny), user, true},
		{"107 or false", Or(IsAuth, AllowAny), anon, true},
		{"108 or true", Or(IsAuth, AllowAny), user, true},
		{"109 not false", Not(IsAuth), anon, true},
		{"110 not true", Not(AllowAny), user, false},
		{"111 several levels without negation", And(IsAuth, IsAuth, IsAuth, IsAuth), user, true},
		// IsAuthenticated & ~IsAdminUser & IsAuthenticated & ~(IsAdminUser & IsAdminUser)
		{"112 several levels and precedence with negation", And(IsAuth, Not(IsAdmin), IsAuth, Not(And(IsAdmin, IsAdmin))), user, true},
		// IsAuthenticated & IsAuthenticated | IsAuthenticated & IsAuthenticated (& binds tighter)
		{"113 several levels and precedence", Or(And(IsAuth, IsAuth), And(IsAuth, IsAuth)), user, true},
		{"nested or inside and", And(Or(IsAdmin, Not(IsAuth)), AllowAny), anon, true},
		{"empty and allows", And(), anon, true},
		{"empty or refuses", Or(), user, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "table" + strconv.Itoa(i)
			e.set(name, tc.expr)
			if got := evalPerm(t, c, name, "perm", tc.header); got != tc.want {
				t.Fatalf("HasPermission = %v, want %v", got, tc.want)
			}
		})
	}

	t.Run("114 or laziness", func(t *testing.T) {
		l, r := &counting{inner: AllowAny}, &counting{inner: IsAuth}
		e.set("or1", Or(l, r))
		if !evalPerm(t, c, "or1", "perm", anon) {
			t.Fatal("AllowAny | IsAuthenticated refused")
		}
		if l.permCalls.Load() != 1 || r.permCalls.Load() != 0 {
			t.Fatalf("calls left %d right %d, want 1 0", l.permCalls.Load(), r.permCalls.Load())
		}
		l, r = &counting{inner: IsAuth}, &counting{inner: AllowAny}
		e.set("or2", Or(l, r))
		if !evalPerm(t, c, "or2", "perm", anon) {
			t.Fatal("IsAuthenticated | AllowAny refused")
		}
		if l.permCalls.Load() != 1 || r.permCalls.Load() != 1 {
			t.Fatalf("calls left %d right %d, want 1 1", l.permCalls.Load(), r.permCalls.Load())
		}
	})

	t.Run("115 object or laziness", func(t *testing.T) {
		l, r := &counting{inner: AllowAny, obj: boolp(true)}, &counting{inner: IsAuth, obj: boolp(false)}
		e.set("oor1", Or(l, r))
		if !evalPerm(t, c, "oor1", "obj", anon) {
			t.Fatal("AllowAny | IsAuthenticated refused the object")
		}
		if l.objCalls.Load() != 1 || r.objCalls.Load() != 0 || r.permCalls.Load() != 0 {
			t.Fatalf("object calls left %d right %d (right perm %d), want 1 0 (0)", l.objCalls.Load(), r.objCalls.Load(), r.permCalls.Load())
		}
		// IsAuthenticated's object check mocked False; anonymous: its has_permission is False, so its
		// object check is not even called.
		l, r = &counting{inner: IsAuth, obj: boolp(false)}, &counting{inner: AllowAny, obj: boolp(true)}
		e.set("oor2", Or(l, r))
		if !evalPerm(t, c, "oor2", "obj", anon) {
			t.Fatal("IsAuthenticated | AllowAny refused the object")
		}
		if l.objCalls.Load() != 0 || r.objCalls.Load() != 1 {
			t.Fatalf("object calls left %d right %d, want 0 1", l.objCalls.Load(), r.objCalls.Load())
		}
	})

	t.Run("116 and laziness", func(t *testing.T) {
		l, r := &counting{inner: AllowAny}, &counting{inner: IsAuth}
		e.set("and1", And(l, r))
		if evalPerm(t, c, "and1", "perm", anon) {
			t.Fatal("AllowAny & IsAuthenticated allowed an anonymous request")
		}
		if l.permCalls.Load() != 1 || r.permCalls.Load() != 1 {
			t.Fatalf("calls left %d right %d, want 1 1", l.permCalls.Load(), r.permCalls.Load())
		}
		l, r = &counting{inner: IsAuth}, &counting{inner: AllowAny}
		e.set("and2", And(l, r))
		if evalPerm(t, c, "and2", "perm", anon) {
			t.Fatal("IsAuthenticated & AllowAny allowed an anonymous request")
		}
		if l.permCalls.Load() != 1 || r.permCalls.Load() != 0 {
			t.Fatalf("calls left %d right %d, want 1 0", l.permCalls.Load(), r.permCalls.Load())
		}
	})

	t.Run("117 object and laziness", func(t *testing.T) {
		allow, deny := &counting{inner: AllowAny, obj: boolp(true)}, &counting{inner: IsAuth, obj: boolp(false)}
		e.set("oand1", And(allow, deny))
		if evalPerm(t, c, "oand1", "obj", anon) {
			t.Fatal("AllowAny & IsAuthenticated allowed the object")
		}
		if allow.objCalls.Load() != 1 || deny.objCalls.Load() != 1 {
			t.Fatalf("object calls allow %d deny %d, want 1 1", allow.objCalls.Load(), deny.objCalls.Load())
		}
		allow, deny = &counting{inner: AllowAny, obj: boolp(true)}, &counting{inner: IsAuth, obj: boolp(false)}
		e.set("oand2", And(deny, allow))
		if evalPerm(t, c, "oand2", "obj", anon) {
			t.Fatal("IsAuthenticated & AllowAny allowed the object")
		}
		if allow.objCalls.Load() != 0 || deny.objCalls.Load() != 1 {
			t.Fatalf("object calls allow %d deny %d, want 0 1", allow.objCalls.Load(), deny.objCalls.Load())
		}
	})

	t.Run("not negates object permissions", func(t *testing.T) {
		e.set("onot", Not(customPermission{perm: true, obj: false}))
		if !evalPerm(t, c, "onot", "obj", anon) {
			t.Fatal("~(object False) is not True")
		}
	})

	t.Run("118 unimplemented has_object_permission (DRF #6402)", func(t *testing.T) {
		// IsAuthenticatedUserOwner: IsAuthenticated with an object check that always says yes.
		owner := rest.Permission(customOwner{})
		e.set("o118", Or(owner, IsAdmin))
		if evalPerm(t, c, "o118", "obj", anon) {
			t.Fatal("IsAuthenticatedUserOwner | IsAdminUser admitted an anonymous caller to the object")
		}
		if !evalPerm(t, c, "o118", "obj", user) {
			t.Fatal("… and refused the authenticated owner")
		}
	})
}

func authUserChangeStaff(staff bool) auth.UserChange { return auth.UserChange{IsStaff: &staff} }

type customOwner struct{}

func (customOwner) HasPermission(r *http.Request) bool          { return rest.User(r) != nil }
func (customOwner) HasObjectPermission(*http.Request, any) bool { return true }

// note is a small owned resource for the object-permission tests.
type note struct {
	ID    int
	Owner string
}

// isOwner allows every request (it has no view-level opinion) and an object only to its owner: the
// permission of DRF issue #7720, which only implements has_object_permission.
type isOwner struct{}

func (isOwner) HasPermission(*http.Request) bool { return true }
func (isOwner) HasObjectPermission(r *http.Request, obj any) bool {
	u := rest.User(r)
	n, ok := obj.(*note)
	return ok && u != nil && n.Owner == u.Username
}

// DRF issue #7720 (checklist AZ-04): IsAdminUser | IsOwner on an object endpoint. In DRF < 3.14
// IsAdminUser's permissive default has_object_permission admitted anonymous users to every object.
func TestOrAdminOrOwnerObjects(t *testing.T) {
	h := newHarness(t)
	h.createUser("paul", "", "password")
	if _, err := h.auth.CreateUser(t.Context(), auth.NewUser{Username: "admin", Password: "password", IsStaff: true}); err != nil {
		t.Fatal(err)
	}
	notes := map[string]*note{"1": {1, "john"}}
	h.mux.Handle("/notes/{id}", h.api.View(func(w http.ResponseWriter, r *http.Request) error {
		n, ok := notes[r.PathValue("id")]
		if !ok {
			return rest.NotFound()
		}
		if err := rest.CheckObjectPermissions(r, n); err != nil {
			return err
		}
		return rest.JSON(w, http.StatusOK, map[string]any{"id": n.ID, "owner": n.Owner})
	}, rest.Methods("GET", "DELETE"), rest.Permissions(rest.Or(rest.IsAdminUser, isOwner{}))))
	c := h.client()

	wantDetail(t, c.do("GET", "/notes/1", nil, nil), 403, "Authentication credentials were not provided.")
	wantDetail(t, c.do("DELETE", "/notes/1", nil, nil), 403, "Authentication credentials were not provided.")
	wantDetail(t, c.do("GET", "/notes/1", nil, basic("paul:password")), 403, "You do not have permission to perform this action.")
	wantStatus(t, c.do("GET", "/notes/1", nil, basic("john:password")), 200)
	wantStatus(t, c.do("GET", "/notes/1", nil, basic("admin:password")), 200)
	wantStatus(t, c.do("DELETE", "/notes/1", nil, basic("admin:password")), 200)
}

// §3.8: IsAdminUser and IsAuthenticatedOrReadOnly.
func TestDRFBuiltinPermissions(t *testing.T) {
	h := newHarness(t)
	h.createUser("staff", "", "password")
	u, err := h.store.UserByUsername(t.Context(), "staff")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.store.UpdateUser(t.Context(), u.ID, authUserChangeStaff(true)); err != nil {
		t.Fatal(err)
	}
	all := rest.Methods("GET", "HEAD", "POST", "PUT", "DELETE", "TRACE")
	h.mux.Handle("/admin", h.okView(all, rest.Permissions(rest.IsAdminUser)))
	h.mux.Handle("/readonly", h.okView(all, rest.Permissions(rest.IsAuthenticatedOrReadOnly)))
	h.mux.Handle("/admin-or-anon", h.okView(all, rest.Permissions(rest.Or(rest.IsAdminUser, rest.Not(rest.IsAuthenticated)))))
	c := h.client()
	john, staff := basic("john:password"), basic("staff:password")

	t.Run("IsAdminUser", func(t *testing.T) {
		wantDetail(t, c.do("GET", "/admin", nil, nil), 403, "Authentication credentials were not provided.")
		wantDetail(t, c.do("GET", "/admin", nil, john), 403, "You do not have permission to perform this action.")
		wantStatus(t, c.do("GET", "/admin", nil, staff), 200)
		wantStatus(t, c.do("POST", "/admin", nil, staff), 200)
	})
	t.Run("IsAuthenticatedOrReadOnly", func(t *testing.T) {
		for _, m := range []string{"GET", "HEAD", "OPTIONS"} {
			wantStatus(t, c.do(m, "/readonly", nil, nil), 200)
		}
		for _, m := range []string{"POST", "PUT", "DELETE", "TRACE"} { // TRACE is not in DRF's SAFE_METHODS
			wantDetail(t, c.do(m, "/readonly", nil, nil), 403, "Authentication credentials were not provided.")
		}
		wantStatus(t, c.do("POST", "/readonly", nil, john), 200)
	})
	t.Run("IsAdminUser | ~IsAuthenticated [observed]", func(t *testing.T) {
		wantStatus(t, c.do("GET", "/admin-or-anon", nil, nil), 200)
		wantDetail(t, c.do("GET", "/admin-or-anon", nil, john), 403, "You do not have permission to perform this action.")
		wantStatus(t, c.do("GET", "/admin-or-anon", nil, staff), 200)
	})
	t.Run("permission changes apply on the next request (AZ-06)", func(t *testing.T) {
		if err := h.store.UpdateUser(t.Context(), u.ID, authUserChangeStaff(false)); err != nil {
			t.Fatal(err)
		}
		wantDetail(t, c.do("GET", "/admin", nil, staff), 403, "You do not have permission to perform this action.")
	})
}
