package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/authapi"
	"github.com/sessionauth/sessionauth/clientip"
	"github.com/sessionauth/sessionauth/csrf"
	"github.com/sessionauth/sessionauth/internal/demo"
	"github.com/sessionauth/sessionauth/rest"
	"github.com/sessionauth/sessionauth/session"
	"github.com/sessionauth/sessionauth/throttle"
	"github.com/sessionauth/sessionauth/web"
)

// server is everything serve wires together.
type server struct {
	cfg     *config
	log     *slog.Logger
	stores  *stores
	auth    *auth.Manager
	metrics *metrics
	handler http.Handler
}

// newServer opens the stores and builds the handler tree:
//
//	request log → session middleware → mux (authapi, demo API, HTML pages, /healthz, /metrics)
func newServer(ctx context.Context, cfg *config, log *slog.Logger, stderr io.Writer) (*server, error) {
	st, err := openStores(ctx, cfg.storeConfig)
	if err != nil {
		return nil, err
	}
	srv := &server{cfg: cfg, log: log, stores: st}
	if err := srv.build(ctx, stderr); err != nil {
		st.Close()
		return nil, err
	}
	return srv, nil
}

func (srv *server) build(ctx context.Context, stderr io.Writer) error {
	cfg, st := srv.cfg, srv.stores
	if err := st.openNotes(ctx); err != nil {
		return err
	}
	if err := st.recordSessionPlace(ctx, cfg.storeConfig); err != nil {
		return err
	}
	secret := st.djangoKey
	if secret == "" {
		var err error
		if secret, err = loadSecretKey(ctx, cfg.SecretKeyFile, st.db); err != nil {
			return err
		}
	}
	counter, _ := st.sessions.(sessionCounter)
	srv.metrics = newMetrics(counter, time.Now)

	resolver := &clientip.Resolver{TrustedProxies: cfg.TrustedProxies}
	sm := &session.Manager{
		Store:        st.sessions,
		Cookie:       session.Cookie{Name: cfg.SessionCookieName, Secure: cfg.SecureCookies},
		Lifetime:     cfg.SessionAge,
		IdleTimeout:  cfg.IdleTimeout,
		Logger:       srv.log,
		ErrorHandler: sessionError,
	}
	policy := &csrf.Policy{
		CookieSecure:   cfg.SecureCookies,
		TrustedOrigins: cfg.TrustedOrigins,
		AllowedHosts:   cfg.AllowedHosts,
		MaskedCookie:   st.maskedCSRF,
		IsSecure:       resolver.IsSecure,
		Logger:         srv.log,
		OnFailure:      func(_ *http.Request, f *csrf.Failure) { srv.metrics.csrfFailure(f.Code()) },
	}
	if err := policy.Validate(); err != nil {
		return errFlag("trusted-origins", fmt.Sprint(cfg.TrustedOrigins), err)
	}
	srv.auth = &auth.Manager{
		Users: st.users, Tokens: st.tokens, Sessions: sm, CSRF: policy,
		Hasher:             st.passwordHasher(),
		SecretKey:          secret,
		SecretKeyFallbacks: st.fallbacks,
		Throttle: &auth.LoginThrottle{
			Store:   st.throttle,
			Account: []throttle.Rate{cfg.LoginRate, {N: 100, Period: time.Hour}},
			Address: []throttle.Rate{cfg.LoginAddressRate},
		},
		ClientIP:       resolver.IP,
		Logger:         srv.log,
		OnAuthenticate: srv.metrics.login,
	}
	if err := srv.auth.Validate(); err != nil {
		return err
	}
	if !cfg.NoBootstrapAdmin {
		if err := srv.bootstrapAdmin(ctx, stderr); err != nil {
			return err
		}
	}

	sessionAuth := &rest.SessionAuthentication{Auth: srv.auth}
	api := &rest.API{
		// Token first: a request that sends a token is judged by it and never falls back to the
		// cookie (checklist CSRF-22), and anonymous API calls get 401 with a challenge.
		Authenticators: []rest.Authenticator{&rest.TokenAuthentication{Auth: srv.auth}, sessionAuth},
		Permissions:    []rest.Permission{rest.IsAuthenticated},
		ThrottleStore:  st.throttle,
		ClientIP:       resolver.IP,
		Logger:         srv.log,
	}
	mux := http.NewServeMux()
	if err := (&authapi.Handler{Auth: srv.auth, API: api}).Register(mux); err != nil {
		return err
	}
	demo.Register(mux, api, sessionAuth, st.notes)
	if err := (&web.Handler{Auth: srv.auth, Logger: srv.log}).Register(mux); err != nil {
		return err
	}
	mux.HandleFunc("GET /healthz", srv.healthz)
	if cfg.MetricsAddr == "" {
		mux.Handle("GET /metrics", srv.metrics.handler())
	}
	srv.handler = observe(srv.log, srv.metrics, resolver.IP, sm.Handler(mux))
	return nil
}

// healthz answers 200 when every store answers, 503 otherwise.
func (srv *server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Cache-Control", "no-store")
	if err := srv.stores.ping(ctx); err != nil {
		srv.log.Warn("health check failed", "error", err)
		rest.JSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		return
	}
	rest.JSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// bootstrapAdmin creates an "admin" superuser with a random password when there is no user at all,
// and prints the password once on the terminal (never in the logs).
func (srv *server) bootstrapAdmin(ctx context.Context, stderr io.Writer) error {
	users, err := srv.stores.users.Users(ctx)
	if err != nil || len(users) > 0 {
		return err
	}
	pw := rand.Text()
	u, err := srv.auth.CreateUser(ctx, auth.NewUser{Username: "admin", Password: pw, IsStaff: true, IsSuperuser: true})
	if errors.Is(err, auth.ErrUsernameTaken) {
		return nil // another process bootstrapped at the same time
	}
	if err != nil {
		return fmt.Errorf("creating the admin user: %w", err)
	}
	fmt.Fprintf(stderr, "\nCreated superuser %q with password: %s\nIt is shown only this once; change it with `sessionauth changepassword %s`.\n\n",
		u.Username, pw, u.Username)
	return nil
}

// serve runs the server until SIGTERM or SIGINT, then drains in-flight requests and closes the stores.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve")
	fs.serveFlags()
	fs.Usage = usageFor(fs, "serve", "Run the HTTP server.")
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	if len(fs.positional) > 0 {
		fmt.Fprintln(stderr, "sessionauth: serve takes no arguments")
		fs.Usage()
		return 2
	}
	cfg, err := fs.serveConfig()
	if err != nil {
		fmt.Fprintln(stderr, "sessionauth:", fs.explain(err))
		return 1
	}
	log := newLogger(stderr, cfg.LogFormat, cfg.LogLevel)
	if os.Getenv("GOGC") == "" { // an operator's GOGC is a deliberate choice
		defer startGCHeadroom(cfg.GCHeadroom)()
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	// Bind every address before opening the database: a busy or malformed address then fails
	// without creating files, or printing a bootstrapped admin's password for a server that never ran.
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close() // already closed by Shutdown on the normal path
		}
	}()
	listen := func(name, addr string) net.Listener {
		if addr == "" {
			return nil
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			fmt.Fprintln(stderr, "sessionauth:", fs.explain(errFlag(name, addr, err)))
			return nil
		}
		listeners = append(listeners, l)
		return l
	}
	ln := listen("addr", cfg.Addr)
	if ln == nil {
		return 1
	}
	mln := listen("metrics-addr", cfg.MetricsAddr)
	if cfg.MetricsAddr != "" && mln == nil {
		return 1
	}
	pln := listen("pprof-addr", cfg.PprofAddr)
	if cfg.PprofAddr != "" && pln == nil {
		return 1
	}

	srv, err := newServer(ctx, cfg, log, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "sessionauth:", oneLine(fs.explain(err)))
		return 1
	}
	defer srv.stores.Close()

	hs := &http.Server{
		Handler:           srv.handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	servers := []*http.Server{hs}
	errc := make(chan error, 3)
	go func() { errc <- hs.Serve(ln) }()
	if mln != nil {
		ms := &http.Server{Handler: srv.metrics.handler(), ReadHeaderTimeout: 5 * time.Second}
		servers = append(servers, ms)
		go func() { errc <- ms.Serve(mln) }()
	}
	if pln != nil {
		pmux := http.NewServeMux()
		pmux.HandleFunc("/debug/pprof/", pprof.Index)
		pmux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		pmux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		ps := &http.Server{Handler: pmux, ReadHeaderTimeout: 5 * time.Second}
		servers = append(servers, ps)
		go func() { errc <- ps.Serve(pln) }()
	}
	log.Info("listening", "addr", ln.Addr().String(), "database", cfg.Database, "session_store", cfg.SessionStore)
	fmt.Fprintf(stdout, "sessionauth listening on http://%s/\n", ln.Addr())

	select {
	case err := <-errc:
		log.Error("server stopped", "error", err)
		return 1
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	code := 0
	for _, s := range servers {
		if err := s.Shutdown(sctx); err != nil {
			log.Error("shutdown", "error", err)
			code = 1
		}
	}
	if err := srv.stores.Close(); err != nil {
		log.Error("closing stores", "error", err)
		code = 1
	}
	log.Info("stopped")
	return code
}

// sessionError answers a request whose session could not be saved: JSON for the API and for
// clients that do not ask for HTML, a short page for browsers.
func sessionError(w http.ResponseWriter, r *http.Request, err error) {
	if strings.HasPrefix(r.URL.Path, "/api/") || !strings.Contains(r.Header.Get("Accept"), "text/html") {
		session.WriteError(w, err)
		return
	}
	sessionErrorPage(w, err)
}

// sessionErrorPage answers a browser whose session could not be saved with a short HTML page.
func sessionErrorPage(w http.ResponseWriter, err error) {
	status, msg := http.StatusServiceUnavailable, "The service is temporarily unavailable. Please try again in a moment."
	if errors.Is(err, session.ErrInterrupted) {
		status, msg = http.StatusBadRequest, "Your session ended while this page was loading (you may have signed out elsewhere). Please sign in again."
	}
	h := w.Header()
	h.Del("Content-Length")
	web.SetSecurityHeaders(h) // no caching, no framing, no inline script: like every other page
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!DOCTYPE html><html lang=\"en\"><meta charset=\"utf-8\"><title>Error · sessionauth</title><main><h1>%d</h1><p>%s</p><p><a href=\"/login\">Sign in</a></p></main></html>\n", status, msg)
}
