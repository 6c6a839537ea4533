package rest

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/sessionauth/sessionauth/throttle"
)

// Throttle is DRF's throttle class. Allow records the request (when it is allowed) and reports
// whether it may proceed and, if not, how long to wait (zero when unknown). Every throttle of a view is
// consulted, as in DRF, so one that allows still counts the request when another refuses it.
type Throttle interface {
	// Allow counts r against the throttle and reports whether it may proceed; an error means the
	// counters could not be consulted.
	Allow(r *http.Request, v *View) (ok bool, wait time.Duration, err error)
}

// RateThrottle limits requests per key (DRF's SimpleRateThrottle). Rate is a DRF rate string; empty
// means the view's API.ThrottleRates[Scope]. Key returns the request's cache key, "" to not throttle
// it. The counters live in API.ThrottleStore.
type RateThrottle struct {
	Scope string                                // names the counters and the default rate
	Rate  string                                // such as "100/day"; "" means API.ThrottleRates[Scope]
	Key   func(r *http.Request, v *View) string // required; "" leaves the request unthrottled
}

// Allow implements Throttle.
func (t *RateThrottle) Allow(r *http.Request, v *View) (bool, time.Duration, error) {
	key := t.Key(r, v)
	if key == "" {
		return true, 0, nil
	}
	return v.api.hit(r, t.Scope, t.Rate, "throttle_"+t.Scope+"_"+key)
}

// AnonRateThrottle limits anonymous requests per client address (scope "anon"); authenticated users
// are not throttled by it.
type AnonRateThrottle struct {
	// Scope names the bucket and the default rate, as a DRF subclass's scope does; default "anon".
	// Two throttles with the same scope share their counts.
	Scope string
	Rate  string // default API.ThrottleRates[Scope]
}

// Allow implements Throttle.
func (t *AnonRateThrottle) Allow(r *http.Request, v *View) (bool, time.Duration, error) {
	if User(r) != nil {
		return true, 0, nil
	}
	scope := orDefault(t.Scope, "anon")
	return v.api.hit(r, scope, t.Rate, "throttle_"+scope+"_"+v.api.clientIP(r))
}

// UserRateThrottle limits requests per user, or per client address for anonymous requests (scope
// "user").
type UserRateThrottle struct {
	// Scope names the bucket and the default rate, as a DRF subclass's scope does (DRF's docs pair a
	// "burst" and a "sustained" UserRateThrottle); default "user". Two throttles with the same scope
	// share their counts, so give each throttle of a view its own scope.
	Scope string
	Rate  string // default API.ThrottleRates[Scope]
}

// Allow implements Throttle.
func (t *UserRateThrottle) Allow(r *http.Request, v *View) (bool, time.Duration, error) {
	scope := orDefault(t.Scope, "user")
	return v.api.hit(r, scope, t.Rate, "throttle_"+scope+"_"+userIdent(r, v))
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// ScopedRateThrottle limits requests to every view with the same ThrottleScope together, per user or
// client address, at API.ThrottleRates[scope]. Views without a scope are not throttled by it.
type ScopedRateThrottle struct{}

// Allow implements Throttle.
func (ScopedRateThrottle) Allow(r *http.Request, v *View) (bool, time.Duration, error) {
	if v.throttleScope == "" {
		return true, 0, nil
	}
	return v.api.hit(r, v.throttleScope, "", "throttle_"+v.throttleScope+"_"+userIdent(r, v))
}

func userIdent(r *http.Request, v *View) string {
	if u := User(r); u != nil {
		return strconv.FormatInt(u.ID, 10)
	}
	return v.api.clientIP(r)
}

// hit records one request under key at the rate given (or configured for scope).
func (a *API) hit(r *http.Request, scope, rate, key string) (bool, time.Duration, error) {
	rt, err := a.rate(scope, rate)
	if err != nil || rt.IsZero() {
		return true, 0, err
	}
	if a.ThrottleStore == nil {
		return false, 0, fmt.Errorf("rest: throttle %q configured but API.ThrottleStore is nil", scope)
	}
	now := a.now()
	res, err := a.ThrottleStore.Hit(r.Context(), key, now, rt.N, rt.Period)
	if err != nil {
		return false, 0, Unavailable(err)
	}
	if res.Allowed {
		return true, 0, nil
	}
	return false, res.Wait(now, rt.N, rt.Period), nil
}

// rate resolves an explicit rate string or the configured rate of scope.
func (a *API) rate(scope, rate string) (throttle.Rate, error) {
	if rate == "" {
		var ok bool
		rate, ok = a.ThrottleRates[scope]
		if !ok && (scope == "anon" || scope == "user") {
			return throttle.Rate{}, nil // DRF's defaults for these scopes are None: no limit
		}
		if !ok {
			return throttle.Rate{}, fmt.Errorf("rest: no default throttle rate set for %q scope", scope)
		}
	}
	return throttle.ParseRate(rate)
}
