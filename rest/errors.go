package rest

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// Error is an API error: DRF's APIException. It renders as {"detail": Detail} with Status, or, when
// Fields is set (a validation error), as the Fields object itself.
type Error struct {
	// Status is the HTTP status code. The 401 of NotAuthenticated and AuthenticationFailed is sent as
	// 403 when the view's first authenticator is not a Challenger.
	Status int
	Detail string              // the message for the client, rendered when Fields is nil
	Fields map[string][]string // messages per field name; non-nil makes this a validation error
	// Wait, for 429, fills Retry-After (rounded up to whole seconds; omitted when zero).
	Wait time.Duration
	// authentication marks NotAuthenticated and AuthenticationFailed, which follow DRF's 401/403
	// rule: 401 with WWW-Authenticate when the view's first authenticator has a challenge, else 403.
	authentication bool
	cause          error
}

// Error describes the status and detail.
func (e *Error) Error() string {
	if e.Fields != nil {
		return fmt.Sprintf("rest: %d validation error %v", e.Status, e.Fields)
	}
	return fmt.Sprintf("rest: %d %s", e.Status, e.Detail)
}

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.cause }

// DRF's default messages.
const (
	msgNotAuthenticated = "Authentication credentials were not provided."
	msgAuthFailed       = "Incorrect authentication credentials."
	msgPermissionDenied = "You do not have permission to perform this action."
	msgNotFound         = "Not found."
	msgNotAcceptable    = "Could not satisfy the request Accept header."
	msgUnavailable      = "Service temporarily unavailable, try again later."
	msgServerError      = "A server error occurred."
)

// NotAuthenticated is DRF's NotAuthenticated: no credentials were given where they are needed.
func NotAuthenticated() *Error {
	return &Error{Status: http.StatusUnauthorized, Detail: msgNotAuthenticated, authentication: true}
}

// AuthenticationFailed is DRF's AuthenticationFailed: credentials were given and are wrong. An empty
// detail gives DRF's default message.
func AuthenticationFailed(detail string) *Error {
	if detail == "" {
		detail = msgAuthFailed
	}
	return &Error{Status: http.StatusUnauthorized, Detail: detail, authentication: true}
}

// PermissionDenied is DRF's PermissionDenied (403). An empty detail gives DRF's default message.
func PermissionDenied(detail string) *Error {
	if detail == "" {
		detail = msgPermissionDenied
	}
	return &Error{Status: http.StatusForbidden, Detail: detail}
}

// NotFound is DRF's NotFound (404).
func NotFound() *Error { return &Error{Status: http.StatusNotFound, Detail: msgNotFound} }

// MethodNotAllowed is DRF's MethodNotAllowed (405); the method is quoted verbatim.
func MethodNotAllowed(method string) *Error {
	return &Error{Status: http.StatusMethodNotAllowed, Detail: fmt.Sprintf("Method %q not allowed.", method)}
}

// NotAcceptable is DRF's NotAcceptable (406).
func NotAcceptable() *Error {
	return &Error{Status: http.StatusNotAcceptable, Detail: msgNotAcceptable}
}

// UnsupportedMediaType is DRF's UnsupportedMediaType (415).
func UnsupportedMediaType(mediaType string) *Error {
	return &Error{Status: http.StatusUnsupportedMediaType, Detail: fmt.Sprintf("Unsupported media type %q in request.", mediaType)}
}

// ParseError is DRF's ParseError (400) for a malformed request body.
func ParseError(detail string) *Error {
	if detail == "" {
		detail = "Malformed request."
	}
	return &Error{Status: http.StatusBadRequest, Detail: detail}
}

// RequestTooLarge answers a body over the view's limit (413).
func RequestTooLarge() *Error {
	return &Error{Status: http.StatusRequestEntityTooLarge, Detail: "Request body is too large."}
}

// ValidationError is DRF's ValidationError (400) with per-field messages.
func ValidationError(fields map[string][]string) *Error {
	return &Error{Status: http.StatusBadRequest, Fields: fields}
}

// Throttled is DRF's Throttled (429). wait is how long until a retry may succeed; zero when unknown.
func Throttled(wait time.Duration) *Error {
	detail := "Request was throttled."
	if wait > 0 {
		s := retrySeconds(wait)
		unit := "seconds"
		if s == 1 {
			unit = "second"
		}
		detail += fmt.Sprintf(" Expected available in %d %s.", s, unit)
	}
	return &Error{Status: http.StatusTooManyRequests, Detail: detail, Wait: wait}
}

// Unavailable answers 503 for a dependency that failed (a store that could not be reached). The cause
// is logged, never shown to the client.
func Unavailable(cause error) *Error {
	return &Error{Status: http.StatusServiceUnavailable, Detail: msgUnavailable, cause: cause}
}

func retrySeconds(d time.Duration) int64 {
	return int64(math.Ceil(d.Seconds()))
}

// write renders the error. challenge is the WWW-Authenticate value of the view's first authenticator.
func (e *Error) write(w http.ResponseWriter, challenge string) {
	status := e.Status
	h := w.Header()
	if e.authentication {
		if challenge != "" {
			h.Set("WWW-Authenticate", challenge)
		} else {
			status = http.StatusForbidden
		}
	}
	if e.Wait > 0 {
		h.Set("Retry-After", strconv.FormatInt(retrySeconds(e.Wait), 10))
	}
	if e.Fields != nil {
		writeJSON(w, status, e.Fields)
		return
	}
	writeJSON(w, status, detailBody{e.Detail})
}

type detailBody struct {
	Detail string `json:"detail"`
}
