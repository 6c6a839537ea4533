// Package rest is Django REST framework's view layer for net/http: API views that authenticate the
// caller with pluggable Authenticators (Session, Basic, Token or your own), check Permissions
// (composable with And, Or, Not), apply Throttles, restrict methods, and answer errors as
// {"detail": ...} with DRF's status codes and messages.
//
// Project-wide defaults live in an API value (DRF's REST_FRAMEWORK settings); per-view Options override
// them (DRF's @authentication_classes, @permission_classes, …):
//
//	api := &rest.API{Authenticators: []rest.Authenticator{&rest.SessionAuthentication{Auth: am}}}
//	mux.Handle("/api/hello", api.View(hello, rest.Methods("GET"), rest.Permissions(rest.IsAuthenticated)))
//
// A view runs, in DRF's order: content negotiation (406), authentication, permissions, throttles, the
// method check (405, OPTIONS always answered with metadata), then the handler. When nobody is
// authenticated and a permission refuses, the view's first authenticator decides between 401 (it has a
// WWW-Authenticate challenge: Basic, Token) and 403 (Session). Session authentication enforces CSRF on
// unsafe methods, and only then, as DRF does.
//
// Handlers read the caller with User(r) and Auth(r) and return errors: *Error values (NotFound,
// PermissionDenied, ValidationError…) become their responses; a failure to reach a store is a 503,
// never an anonymous success.
package rest
