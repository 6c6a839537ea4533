package rest

import (
	"context"
	"errors"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/session"
	"github.com/sessionauth/sessionauth/throttle"
)

// DefaultBodyLimit is the largest request body a view reads when neither the API nor the view sets one.
const DefaultBodyLimit = 1 << 20

// API holds a project's defaults, as DRF's REST_FRAMEWORK settings do, and makes views with them. Set
// it up once; views copy what they need when they are made, except ThrottleRates, ThrottleStore,
// ClientIP, Logger and Now, which they read from the API.
type API struct {
	// Authenticators are DRF's DEFAULT_AUTHENTICATION_CLASSES. Typically
	// {&SessionAuthentication{...}, &BasicAuthentication{...}}.
	Authenticators []Authenticator
	// Permissions are DEFAULT_PERMISSION_CLASSES; nil means AllowAny.
	Permissions []Permission
	// Throttles are DEFAULT_THROTTLE_CLASSES.
	Throttles []Throttle
	// ThrottleRates maps scopes ("anon", "user", or a view's ThrottleScope) to rates ("100/day").
	ThrottleRates map[string]string
	// ThrottleStore keeps the throttle counters.
	ThrottleStore throttle.Store
	// ClientIP identifies anonymous clients for throttling; nil uses the connection's peer address.
	ClientIP func(*http.Request) string
	// BodyLimit caps request bodies in bytes (413 beyond); zero means DefaultBodyLimit.
	BodyLimit int64
	// Logger receives unexpected errors; nil means slog.Default().
	Logger *slog.Logger
	// Now is the throttles' clock; nil means time.Now.
	Now func() time.Time
}

// HandlerFunc is a view's handler. Returning an *Error (or auth.FieldErrors, or *auth.ThrottledError)
// answers with it; any other error is logged and answered 500, or 503 for ErrUnavailable-wrapped and
// deadline errors.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// View is an API view: DRF's APIView / @api_view. It is an http.Handler.
type View struct {
	api            *API
	handler        HandlerFunc
	methods        []string
	allow          []string // the Allow header, built once
	authenticators []Authenticator
	permissions    []Permission
	throttles      []Throttle
	throttleScope  string
	name           string
	description    string
	noMetadata     bool
	bodyLimit      int64
}

// Option configures one view: DRF's per-view attributes and policy decorators.
type Option func(*View)

// Methods lists the allowed methods (DRF's @api_view list; default GET). OPTIONS is always added; HEAD
// is allowed only when listed.
func Methods(methods ...string) Option {
	return func(v *View) { v.methods = methods }
}

// Authenticators overrides the API's default authenticators for this view (@authentication_classes).
// Called with no arguments, the view has no authentication at all.
func Authenticators(a ...Authenticator) Option {
	return func(v *View) { v.authenticators = a }
}

// Permissions overrides the default permissions (@permission_classes).
func Permissions(p ...Permission) Option {
	return func(v *View) { v.permissions = p }
}

// Throttles overrides the default throttles (@throttle_classes).
func Throttles(t ...Throttle) Option {
	return func(v *View) { v.throttles = t }
}

// ThrottleScope sets the scope ScopedRateThrottle uses (@throttle_scope).
func ThrottleScope(scope string) Option {
	return func(v *View) { v.throttleScope = scope }
}

// Name and Description appear in the OPTIONS metadata.
func Name(name, description string) Option {
	return func(v *View) { v.name, v.description = name, description }
}

// NoMetadata makes OPTIONS answer 405, like DRF's metadata_class = None.
func NoMetadata() Option {
	return func(v *View) { v.noMetadata = true }
}

// BodyLimit overrides the API's body limit for this view.
func BodyLimit(n int64) Option {
	return func(v *View) { v.bodyLimit = n }
}

// View makes a view that runs h after DRF's checks, in DRF's order: content negotiation,
// authentication, permissions, throttles, then the method.
func (a *API) View(h HandlerFunc, opts ...Option) *View {
	v := &View{
		api: a, handler: h, methods: []string{http.MethodGet},
		authenticators: a.Authenticators, permissions: a.Permissions, throttles: a.Throttles,
		bodyLimit: a.BodyLimit,
	}
	for _, o := range opts {
		o(v)
	}
	if v.permissions == nil {
		v.permissions = []Permission{AllowAny}
	}
	if v.bodyLimit == 0 {
		v.bodyLimit = DefaultBodyLimit
	}
	methods := make([]string, 0, len(v.methods)+1)
	for _, m := range v.methods {
		if m = strings.ToUpper(m); !slices.Contains(methods, m) {
			methods = append(methods, m)
		}
	}
	if !slices.Contains(methods, http.MethodOptions) {
		methods = append(methods, http.MethodOptions)
	}
	v.methods = methods
	v.allow = []string{strings.Join(methods, ", ")}
	return v
}

// requestState is what a view knows about the request, reachable from handlers through the context.
// It is itself the request's context (the parent's, answering stateKey), which saves an allocation.
type requestState struct {
	context.Context
	view          *View
	user          *auth.User
	credentials   any
	authenticator Authenticator
}

type stateKey struct{}

// Value implements context.Context.
func (st *requestState) Value(key any) any {
	if key == (stateKey{}) {
		return st
	}
	return st.Context.Value(key)
}

func state(r *http.Request) *requestState {
	st, _ := r.Context().Value(stateKey{}).(*requestState)
	return st
}

// User returns the authenticated user (DRF's request.user), nil when anonymous.
func User(r *http.Request) *auth.User {
	if st := state(r); st != nil {
		return st.user
	}
	return nil
}

// Auth returns the credentials the user authenticated with (DRF's request.auth): the *auth.Token for
// Token authentication, nil for session and Basic authentication or anonymous requests.
func Auth(r *http.Request) any {
	if st := state(r); st != nil {
		return st.credentials
	}
	return nil
}

// SuccessfulAuthenticator returns the authenticator that authenticated the request, nil if none did.
func SuccessfulAuthenticator(r *http.Request) Authenticator {
	if st := state(r); st != nil {
		return st.authenticator
	}
	return nil
}

func (v *View) challenge(r *http.Request) string {
	if len(v.authenticators) == 0 {
		return ""
	}
	if c, ok := v.authenticators[0].(Challenger); ok {
		return c.Challenge(r)
	}
	return ""
}

// ServeHTTP implements http.Handler.
func (v *View) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header()["Allow"] = v.allow // shared, never modified (len == cap, so appends copy)
	st := &requestState{Context: r.Context(), view: v}
	r = r.WithContext(st)
	if err := v.serve(w, r, st); err != nil {
		v.fail(w, r, err)
	}
}

func (v *View) serve(w http.ResponseWriter, r *http.Request, st *requestState) error {
	if !acceptsJSON(r.Header.Values("Accept")) {
		return NotAcceptable()
	}
	if r.ContentLength > v.bodyLimit {
		return RequestTooLarge()
	}
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = http.MaxBytesReader(w, r.Body, v.bodyLimit)
	}
	if err := v.authenticate(r, st); err != nil {
		return err
	}
	for _, p := range v.permissions {
		if !p.HasPermission(r) {
			return v.denied(st, p)
		}
	}
	if err := v.throttle(r); err != nil {
		return err
	}
	if r.Method == http.MethodOptions {
		if v.noMetadata {
			return MethodNotAllowed(r.Method)
		}
		return v.options(w)
	}
	if !slices.Contains(v.methods, r.Method) {
		return MethodNotAllowed(r.Method)
	}
	return v.handler(w, r)
}

func (v *View) authenticate(r *http.Request, st *requestState) error {
	for _, a := range v.authenticators {
		u, cred, err := a.Authenticate(r)
		if err != nil {
			var apiErr *Error
			if !errors.As(err, &apiErr) {
				return Unavailable(err) // the check itself failed: never fall back to anonymous
			}
			return err
		}
		if u != nil {
			st.user, st.credentials, st.authenticator = u, cred, a
			return nil
		}
	}
	return nil
}

// denied is DRF's permission_denied: NotAuthenticated when the view authenticates and nobody was
// authenticated, else PermissionDenied with the permission's message.
func (v *View) denied(st *requestState, p Permission) error {
	if len(v.authenticators) > 0 && st.authenticator == nil {
		return NotAuthenticated()
	}
	msg := ""
	if m, ok := p.(Messager); ok {
		msg = m.Message()
	}
	return PermissionDenied(msg)
}

func (v *View) throttle(r *http.Request) error {
	var wait time.Duration
	refused := false
	for _, t := range v.throttles {
		ok, d, err := t.Allow(r, v)
		if err != nil {
			return err
		}
		if !ok {
			refused = true
			wait = max(wait, d)
		}
	}
	if refused {
		return Throttled(wait)
	}
	return nil
}

func (v *View) options(w http.ResponseWriter) error {
	name := v.name
	if name == "" {
		name = "API View"
	}
	return writeJSON(w, http.StatusOK, struct {
		Name        string   `json:"name"`
		Description string   `json:"description"`
		Renders     []string `json:"renders"`
		Parses      []string `json:"parses"`
	}{name, v.description, []string{"application/json"}, parses})
}

// fail answers an error from any stage.
func (v *View) fail(w http.ResponseWriter, r *http.Request, err error) {
	var apiErr *Error
	var fields auth.FieldErrors
	var throttled *auth.ThrottledError
	switch {
	case errors.As(err, &apiErr):
	case errors.As(err, &fields):
		apiErr = ValidationError(fields)
	case errors.As(err, &throttled):
		apiErr = Throttled(throttled.Wait)
	case errors.Is(err, session.ErrInterrupted):
		apiErr = &Error{Status: http.StatusBadRequest, Detail: "The session ended while this request was running; its changes were not saved."}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, ErrUnavailable):
		apiErr = Unavailable(err)
	default:
		apiErr = &Error{Status: http.StatusInternalServerError, Detail: msgServerError, cause: err}
	}
	if apiErr.Status >= 500 {
		v.api.logger().Error("rest: request failed", "method", r.Method, "path", r.URL.Path, "status", apiErr.Status, "error", err)
	}
	apiErr.write(w, v.challenge(r))
}

// ErrUnavailable marks errors that mean a dependency could not answer; handlers may wrap it
// (fmt.Errorf("...: %w", rest.ErrUnavailable)) to get a 503 instead of a 500.
var ErrUnavailable = errors.New("service unavailable")

// acceptsJSON implements DRF's content negotiation for a JSON-only view: no Accept header, */*,
// application/* or application/json (with q > 0) are acceptable.
func acceptsJSON(values []string) bool {
	if len(values) == 0 {
		return true
	}
	for _, line := range values {
		for _, part := range strings.Split(line, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			if q, err := strconv.ParseFloat(params["q"], 64); err == nil && q <= 0 {
				continue // q=0 means "not acceptable"
			}
			if mt == "*/*" || mt == "application/*" || mt == "application/json" {
				return true
			}
		}
	}
	return false
}

func (a *API) logger() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.Default()
}

func (a *API) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *API) clientIP(r *http.Request) string {
	if a.ClientIP != nil {
		return a.ClientIP(r)
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}
