package main

import (
	"context"
	"time"

	"github.com/spf13/pflag"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/provider/ollama"
)

func contextWithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, d, &jessy.Error{Kind: jessy.KindTimeout, Message: "the run timed out after " + d.String()})
}

// firstSet returns the first non-empty value.
func firstSet(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// buildEngine makes the engine of a run from the flags and the environment.
func buildEngine(fs *pflag.FlagSet, f askFlags, getenv func(string) string) (*engine.Engine, error) {
	kind := firstSet(f.provider, getenv("LLM_PROVIDER"), "ollama")
	model := firstSet(f.model, getenv("LLM_MODEL"))
	var t engine.Target
	switch kind {
	case "ollama":
		cfg := ollama.Config{Host: firstSet(f.baseURL, getenv("OLLAMA_HOST")), NumCtx: f.numCtx}
		if fs.Changed("keep-alive") {
			cfg.KeepAlive = &f.keepAlive
		}
		p, err := ollama.New(cfg)
		if err != nil {
			return nil, err
		}
		if model == "" {
			return nil, usagef("no model: set LLM_MODEL or --model (for the bundled model: eval \"$(scripts/ollama.sh up)\")")
		}
		t = engine.Target{Backend: "ollama", Provider: p, Model: model}
	default:
		return nil, usagef("unknown provider %q: the providers are ollama", kind)
	}
	opts := engine.Options{
		Mode:               jessy.ModeParallel,
		Thoughts:           f.thoughts,
		Concurrency:        f.concurrency,
		MaxTokens:          f.maxTokens,
		SynthesisMaxTokens: f.synthMaxTokens,
		ThoughtTimeout:     f.thoughtTimeout,
		MinThoughts:        f.minThoughts,
		Retry:              engine.DefaultRetryPolicy(),
	}
	opts.Retry.Retries = f.retries
	if f.sequential {
		opts.Mode = jessy.ModeSequential
	}
	if fs.Changed("temperature") {
		opts.Temperature = &f.temperature
	}
	if f.thoughts < 1 {
		return nil, usagef("--thoughts must be at least 1")
	}
	return engine.New(t, opts), nil
}
