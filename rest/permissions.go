package rest

import (
	"net/http"
)

// Permission is DRF's permission class. HasPermission is checked for every request after
// authentication; HasObjectPermission when a handler calls CheckObjectPermissions for the object it
// is about to act on. Read the caller with User(r).
type Permission interface {
	// HasPermission reports whether the request may proceed at all.
	HasPermission(r *http.Request) bool
	// HasObjectPermission reports whether the request may act on obj.
	HasObjectPermission(r *http.Request, obj any) bool
}

// Messager may be implemented by a Permission to replace DRF's default denial message.
type Messager interface {
	// Message returns the detail of the 403 answer; "" keeps the default.
	Message() string
}

// PermissionFunc adapts a function to a Permission that allows every object it allows the request for.
type PermissionFunc func(r *http.Request) bool

// HasPermission calls f(r).
func (f PermissionFunc) HasPermission(r *http.Request) bool { return f(r) }

// HasObjectPermission returns true.
func (f PermissionFunc) HasObjectPermission(*http.Request, any) bool { return true }

// isSafe reports DRF's SAFE_METHODS (TRACE is not among them).
func isSafe(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// The built-in permissions of DRF.
var (
	// AllowAny allows every request.
	AllowAny Permission = PermissionFunc(func(*http.Request) bool { return true })
	// IsAuthenticated allows authenticated users.
	IsAuthenticated Permission = PermissionFunc(func(r *http.Request) bool { return User(r) != nil })
	// IsAdminUser allows staff users.
	IsAdminUser Permission = PermissionFunc(func(r *http.Request) bool { u := User(r); return u != nil && u.IsStaff })
	// IsAuthenticatedOrReadOnly allows safe methods to everyone and the rest to authenticated users.
	IsAuthenticatedOrReadOnly Permission = PermissionFunc(func(r *http.Request) bool { return isSafe(r.Method) || User(r) != nil })
)

// And allows a request when every operand does (DRF's &), evaluating left to right and stopping at the
// first refusal.
func And(ops ...Permission) Permission { return and(ops) }

// Or allows a request when any operand does (DRF's |), stopping at the first that allows. For an
// object, an operand counts only if it allows both the request and the object, so that
// IsAdminUser | IsOwner never admits an anonymous user through IsAdminUser's permissive object check
// (DRF issue #7720).
func Or(ops ...Permission) Permission { return or(ops) }

// Not inverts a permission (DRF's ~), for requests and objects.
func Not(op Permission) Permission { return not{op} }

type and []Permission

func (a and) HasPermission(r *http.Request) bool {
	for _, p := range a {
		if !p.HasPermission(r) {
			return false
		}
	}
	return true
}

func (a and) HasObjectPermission(r *http.Request, obj any) bool {
	for _, p := range a {
		if !p.HasObjectPermission(r, obj) {
			return false
		}
	}
	return true
}

type or []Permission

func (o or) HasPermission(r *http.Request) bool {
	for _, p := range o {
		if p.HasPermission(r) {
			return true
		}
	}
	return false
}

func (o or) HasObjectPermission(r *http.Request, obj any) bool {
	for _, p := range o {
		if p.HasPermission(r) && p.HasObjectPermission(r, obj) {
			return true
		}
	}
	return false
}

type not struct{ op Permission }

func (n not) HasPermission(r *http.Request) bool { return !n.op.HasPermission(r) }
func (n not) HasObjectPermission(r *http.Request, obj any) bool {
	return !n.op.HasObjectPermission(r, obj)
}

// CheckObjectPermissions checks the view's permissions against obj (DRF's check_object_permissions,
// which generic views run in get_object). It returns nil, or the error to return from the handler.
func CheckObjectPermissions(r *http.Request, obj any) error {
	st := state(r)
	if st == nil {
		return PermissionDenied("")
	}
	for _, p := range st.view.permissions {
		if !p.HasObjectPermission(r, obj) {
			return st.view.denied(st, p)
		}
	}
	return nil
}
