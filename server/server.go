// Package server is Jessy's HTTP API: an OpenAI-compatible chat completions
// endpoint that answers with a whole run (N thoughts, then a synthesis), a
// Server-Sent Events stream of a run's events at /v1/think, a model list,
// health and readiness probes and Prometheus metrics.
//
// The server is a thin layer over engine.Engine. It knows nothing of
// configuration files or provider SDKs: the caller hands it a Catalog that
// resolves a requested model name to an engine. It guards itself and its
// backends with API keys, request limits and admission control (a bounded
// number of runs at once and a bounded queue behind them), and turns
// jessy.Kind values into HTTP statuses in one place (status.go).
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/engine"
)

// Defaults of Config.
const (
	DefaultAddr          = "127.0.0.1:8080"
	DefaultMaxRuns       = 4
	DefaultQueue         = 16
	DefaultShutdownGrace = 30 * time.Second
	DefaultRetryAfter    = 2 * time.Second
	DefaultWriteTimeout  = 30 * time.Second
	DefaultReadyTimeout  = 5 * time.Second
)

// ModelEntry is one name a client may ask for in the model field.
type ModelEntry struct {
	// ID is the name the client sends: "jessy", a profile or a backend model.
	ID string
	// OwnedBy is shown as owned_by in /v1/models; "" means "jessy".
	OwnedBy string
	// Description says what the name runs; it is listed as a Jessy extension.
	Description string
}

// Catalog resolves the model a request names to the engine that runs it.
// Implementations must be safe for concurrent use.
type Catalog interface {
	// Engine returns the engine for model ("jessy" for the default profile, a
	// profile name, or a backend model name). The server copies the Engine
	// value and never writes to it, so one Engine may serve every request;
	// engines for one backend should share one guarded provider (package
	// guard) so the backend's concurrency limit holds across runs. An unknown model is a *jessy.Error
	// of jessy.KindModelNotFound.
	Engine(model string) (*engine.Engine, error)
	// Models lists the names a client may ask for, for GET /v1/models.
	Models() []ModelEntry
}

// Config configures a Server. The zero value of each field means its default.
type Config struct {
	// Addr is the address Run listens on; "" means DefaultAddr. An address
	// that is not loopback requires APIKeys.
	Addr string
	// APIKeys are the accepted bearer tokens; none means no authentication.
	APIKeys []string
	// MaxRuns bounds the runs in progress at once; 0 means DefaultMaxRuns.
	MaxRuns int
	// Queue bounds the requests waiting for a run slot; beyond it a request
	// gets 429. 0 means DefaultQueue; a negative value means no queue.
	Queue int
	// QueueTimeout bounds how long a request waits in the queue before it
	// gets 429; 0 waits as long as the client does.
	QueueTimeout time.Duration
	// RetryAfter is the Retry-After sent with 429s of admission control; 0
	// means DefaultRetryAfter.
	RetryAfter time.Duration
	// Limits bound what one request may ask for.
	Limits Limits
	// ShowThoughts sends the thoughts as reasoning_content in chat
	// completions when the request does not say (the "show_thoughts" field).
	ShowThoughts bool
	// ShutdownGrace is how long Run lets runs in flight finish after its
	// context is done before cancelling them; 0 means DefaultShutdownGrace.
	ShutdownGrace time.Duration
	// WriteTimeout bounds each write to a client; a client that does not
	// read for that long is dropped and its run cancelled. 0 means
	// DefaultWriteTimeout.
	WriteTimeout time.Duration
	// Logger receives one record per request; nil discards them.
	Logger *slog.Logger
	// LogContents adds the messages and the answer to request records.
	LogContents bool
	// Ready reports whether the backends are reachable (what `jessy doctor`
	// checks), for GET /readyz; nil means always ready. It is called with a
	// context bounded by DefaultReadyTimeout.
	Ready func(ctx context.Context) error
	// Registry receives the server's metrics and is served at /metrics. nil
	// means a new registry with the Go and process collectors.
	Registry *prometheus.Registry
}

// Server serves Jessy's HTTP API. Its methods are safe for concurrent use.
type Server struct {
	cfg     Config
	cat     Catalog
	keys    *keyring
	adm     *admission
	met     *metrics
	handler http.Handler

	// runs counts handlers of runs in progress, so Serve can wait for them.
	runs inflight
}

// New checks cfg, fills in its defaults and returns a Server for cat. It
// fails when the address is not loopback and no API key is set, or when a
// limit is negative.
func New(cfg Config, cat Catalog) (*Server, error) {
	if cat == nil {
		return nil, errors.New("server: no catalog")
	}
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	keys, err := newKeyring(cfg.APIKeys)
	if err != nil {
		return nil, err
	}
	if keys.empty() && !isLoopback(cfg.Addr) {
		return nil, fmt.Errorf("server: listening on %s (not loopback) requires an API key (--api-key or JESSY_API_KEYS)", cfg.Addr)
	}
	if cfg.MaxRuns < 0 {
		return nil, errors.New("server: max runs must not be negative")
	}
	cfg.MaxRuns = orDefault(cfg.MaxRuns, DefaultMaxRuns)
	switch {
	case cfg.Queue == 0:
		cfg.Queue = DefaultQueue
	case cfg.Queue < 0:
		cfg.Queue = 0
	}
	cfg.RetryAfter = orDefaultDur(cfg.RetryAfter, DefaultRetryAfter)
	cfg.ShutdownGrace = orDefaultDur(cfg.ShutdownGrace, DefaultShutdownGrace)
	cfg.WriteTimeout = orDefaultDur(cfg.WriteTimeout, DefaultWriteTimeout)
	if cfg.Limits, err = cfg.Limits.withDefaults(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
		cfg.Registry.MustRegister(prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	}
	met, err := newMetrics(cfg.Registry)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, cat: cat, keys: keys, met: met}
	s.adm = newAdmission(cfg.MaxRuns, cfg.Queue, cfg.QueueTimeout, met.queued)
	s.handler = s.routes()
	return s, nil
}

// Handler returns the server's HTTP handler, with authentication and
// request logging. It serves without Run, for tests and embedding; it does
// not stop runs on shutdown by itself.
func (s *Server) Handler() http.Handler { return s.handler }

// Addr is the configured listen address.
func (s *Server) Addr() string { return s.cfg.Addr }

// Run listens on the configured address and serves until ctx is done, then
// shuts down gracefully as Serve does.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx is done, then stops accepting connections,
// lets the runs in flight finish for up to ShutdownGrace, cancels the ones
// still going, and returns once every handler has returned. It closes ln.
// It returns nil after a shutdown caused by ctx, and the listener's error
// otherwise.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	base, cancelRuns := context.WithCancelCause(context.WithoutCancel(ctx))
	defer cancelRuns(nil)
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return base },
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
	}
	s.cfg.Logger.Info("listening", "addr", ln.Addr().String(), "auth", !s.keys.empty(),
		"max_runs", s.cfg.MaxRuns, "queue", s.cfg.Queue)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		s.runs.wait()
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}

	s.cfg.Logger.Info("shutting down", "grace", s.cfg.ShutdownGrace.String())
	graceCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(graceCtx); err != nil {
		s.cfg.Logger.Warn("grace period over, cancelling runs in flight")
		cancelRuns(errShuttingDown)
		_ = srv.Close()
	}
	<-errc // http.ErrServerClosed
	s.runs.wait()
	return nil
}

// errShuttingDown is the cause of runs cancelled by a shutdown; clients
// still connected are told 503.
var errShuttingDown = jessy.Errorf(jessy.KindCanceled, "the server is shutting down; the run was cancelled")

// routes builds the handler tree.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.auth(s.met.handler()))
	mux.Handle("GET /v1/models", s.auth(http.HandlerFunc(s.models)))
	mux.Handle("POST /v1/chat/completions", s.auth(s.tracked(s.chatCompletions)))
	mux.Handle("POST /v1/think", s.auth(s.tracked(s.think)))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &apiError{Status: http.StatusNotFound, Type: typeInvalidRequest, Code: "not_found",
			Message: fmt.Sprintf("no route for %s %s", r.Method, r.URL.Path)})
	})
	return s.logged(mux)
}

// tracked counts h in s.runs so that Serve waits for it.
func (s *Server) tracked(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.runs.add()
		defer s.runs.done()
		h(w, r)
	})
}

// inflight counts work in progress and lets a caller wait until there is
// none. Unlike sync.WaitGroup, work may start while someone waits.
type inflight struct {
	mu   sync.Mutex
	n    int
	zero chan struct{} // closed when n drops to 0
}

func (f *inflight) add() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == 0 {
		f.zero = make(chan struct{})
	}
	f.n++
}

func (f *inflight) done() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n--
	if f.n == 0 {
		close(f.zero)
	}
}

// wait blocks until no work is in progress.
func (f *inflight) wait() {
	f.mu.Lock()
	if f.n == 0 {
		f.mu.Unlock()
		return
	}
	zero := f.zero
	f.mu.Unlock()
	<-zero
}

// isLoopback reports whether addr (host:port) binds only to loopback.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func orDefaultDur(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}
