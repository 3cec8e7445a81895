package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"

	"github.com/spf13/cobra"

	"github.com/jessy-llm/jessy/backend"
	"github.com/jessy-llm/jessy/config"
	"github.com/jessy-llm/jessy/server"
)

func newServeCmd(io stdio) *cobra.Command {
	var f settingsFlags
	var cfg server.Config
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve parallel thinking over an OpenAI-compatible HTTP API",
		Long: `serve answers POST /v1/chat/completions (streamed or not) with a whole run:
the thoughts, then the synthesis as the assistant's message. The model field
selects what runs: "jessy" (the default settings), a profile of the config
file, or a model of the backend. POST /v1/think streams the run's events.
GET /v1/models, /healthz, /readyz and /metrics are there too.

It binds to 127.0.0.1:8080 by default. Any other address needs API keys
(--api-key, or JESSY_API_KEYS separated by commas). SIGINT or SIGTERM stop
it gracefully: runs in flight get --shutdown-grace to finish.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			warn := func(w string) { fmt.Fprintf(io.err, "jessy: warning: %s\n", w) }
			file, err := config.Load(f.config)
			if err != nil {
				return err
			}
			if err := f.check(); err != nil {
				return err
			}
			cat, err := backend.NewCatalog(ctx, f.pool(warn), file, f.profile, io.getenv, f.overrides(cmd.Flags()))
			if err != nil {
				return err
			}
			for _, w := range cat.Settings().Warnings {
				warn(w)
			}
			cfg.APIKeys = append(cfg.APIKeys, config.ServerKeys(io.getenv)...)
			cfg.Logger = slog.New(slog.NewTextHandler(io.err, nil))
			cfg.Ready = func(ctx context.Context) error { return ready(ctx, cat.Settings()) }
			srv, err := server.New(cfg, cat)
			if err != nil {
				return usageError{err}
			}
			addr := cfg.Addr
			if addr == "" {
				addr = server.DefaultAddr
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", addr, err)
			}
			fmt.Fprintf(io.err, "jessy serve: listening on http://%s/v1 (model %q and %d more)\n",
				ln.Addr(), backend.DefaultModel, len(cat.Models())-1)
			err = srv.Serve(ctx, ln)
			f.saveAdaptive(warn)
			return err
		},
	}
	fs := cmd.Flags()
	f.register(fs)
	fs.StringVar(&cfg.Addr, "addr", server.DefaultAddr, "address to listen on (not loopback: needs API keys)")
	fs.StringArrayVar(&cfg.APIKeys, "api-key", nil, "accepted bearer key; repeat for several (also JESSY_API_KEYS)")
	fs.IntVar(&cfg.MaxRuns, "max-runs", server.DefaultMaxRuns, "runs in progress at once")
	fs.IntVar(&cfg.Queue, "queue", server.DefaultQueue, "requests waiting for a run slot before 429 (-1: none)")
	fs.DurationVar(&cfg.QueueTimeout, "queue-timeout", 0, "longest wait in the queue before 429 (0: as long as the client waits)")
	fs.Int64Var(&cfg.Limits.MaxBodyBytes, "max-body-bytes", server.DefaultMaxBodyBytes, "largest request body")
	fs.IntVar(&cfg.Limits.MaxMessages, "max-messages", server.DefaultMaxMessages, "most messages in a request")
	fs.IntVar(&cfg.Limits.MaxMessageChars, "max-message-chars", server.DefaultMaxMessageChars, "longest message, in characters")
	fs.IntVar(&cfg.Limits.MaxThoughts, "max-thoughts", server.DefaultMaxThoughts, "most thoughts a request may ask for")
	fs.BoolVar(&cfg.ShowThoughts, "show-thoughts", false, "send thoughts as reasoning_content unless a request says otherwise")
	fs.DurationVar(&cfg.ShutdownGrace, "shutdown-grace", server.DefaultShutdownGrace, "time runs in flight get to finish on shutdown")
	fs.BoolVar(&cfg.LogContents, "log-contents", false, "log messages and answers (off: never)")
	return cmd
}

// ready reports whether every backend the runs use answers, as doctor
// checks it.
func ready(ctx context.Context, s *config.Settings) error {
	var errs []error
	for _, c := range backend.Doctor(ctx, s) {
		if c.Used && !c.OK {
			errs = append(errs, fmt.Errorf("%s: %s", c.Backend, c.Verdict))
		}
	}
	return errors.Join(errs...)
}
