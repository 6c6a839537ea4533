package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics, in a registry of their own.
type metrics struct {
	reg       *prometheus.Registry
	logins    *prometheus.CounterVec
	csrf      *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	observers sync.Map // method+status → prometheus.Observer, so a request skips the label lookup
}

// sessionCounter is the optional store capability behind the active-sessions gauge.
type sessionCounter interface {
	CountSessions(ctx context.Context) (int, error)
}

// newMetrics makes the server's metrics; sessions, when the session store can count, backs the
// active-sessions gauge, counted at most once per sessionCountInterval by the clock now.
func newMetrics(sessions sessionCounter, now func() time.Time) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sessionauth_logins_total", Help: "Password checks by result (ok, failed, throttled).",
		}, []string{"result"}),
		csrf: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sessionauth_csrf_failures_total", Help: "Requests rejected by the CSRF check, by reason code.",
		}, []string{"code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "sessionauth_http_request_duration_seconds", Help: "Request latency by method and status.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"method", "code"}),
	}
	for _, r := range []string{"ok", "failed", "throttled"} {
		m.logins.WithLabelValues(r) // export zeros
	}
	m.reg.MustRegister(m.logins, m.csrf, m.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if sessions != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "sessionauth_active_sessions",
			Help: fmt.Sprintf("Live sessions in the session store, counted at most every %v (-1: the store could not count).", sessionCountInterval),
		}, newSessionCount(sessions, now).get))
	}
	return m
}

func (m *metrics) login(result string) { m.logins.WithLabelValues(result).Inc() }

func (m *metrics) csrfFailure(code string) { m.csrf.WithLabelValues(code).Inc() }

type observerKey struct {
	method string
	status int
}

func (m *metrics) observeRequest(method string, status int, d time.Duration) {
	switch method { // bound the label's values
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
	default:
		method = "other"
	}
	key := observerKey{method, status}
	o, ok := m.observers.Load(key)
	if !ok {
		o, _ = m.observers.LoadOrStore(key, m.duration.WithLabelValues(method, strconv.Itoa(status)))
	}
	o.(prometheus.Observer).Observe(d.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
