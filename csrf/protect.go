package csrf

import (
	"context"
	"errors"
	"io"
	"net/http"
)

type failureKey struct{}

// Protect returns middleware for HTML forms and other cookie-authenticated
// endpoints: every unsafe request must pass Check, or the ErrorHandler
// answers it and next is not called. Safe requests pass untouched; pages
// call Token to render the form field. Policy errors (see Validate) reject
// every unsafe request.
//
// A form POST checked by Protect has its body already parsed: the handler
// reads the values from r.PostForm or r.FormValue, not from r.Body.
func (p *Policy) Protect(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := p.Check(r)
		if err == nil {
			next.ServeHTTP(w, r)
			return
		}
		var f *Failure
		if !errors.As(err, &f) {
			f = &Failure{Reason: err.Error()}
		}
		ctx := context.WithValue(r.Context(), failureKey{}, f)
		p.config().errorHandler.ServeHTTP(w, r.WithContext(ctx))
	})
}

// FailureFromContext returns the Failure that made Protect reject the
// request, for use in a Policy.ErrorHandler.
func FailureFromContext(ctx context.Context) (*Failure, bool) {
	f, ok := ctx.Value(failureKey{}).(*Failure)
	return f, ok
}

// failurePage is the default error page. Like Django's, it does not say
// why the request failed: the reason is in the log, and attackers should not
// learn which check stopped them.
const failurePage = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="robots" content="noindex,noarchive">
<title>403 Forbidden</title>
</head>
<body>
<h1>403 Forbidden</h1>
<p>CSRF verification failed. Request aborted.</p>
</body>
</html>
`

func defaultErrorHandler(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusForbidden)
	io.WriteString(w, failurePage)
}
