package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/pflag"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/backend"
	"github.com/jessy-llm/jessy/config"
	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/guard"
	"github.com/jessy-llm/jessy/tune"
)

// settingsFlags are the flags that choose backends and shape runs; every
// command that talks to a backend has them.
type settingsFlags struct {
	config, profile              string
	backend, provider, model     string
	baseURL                      string
	numCtx                       int
	keepAlive                    time.Duration
	models                       []string
	synthBackend, synthModel     string
	sequential                   bool
	thoughts, concurrency        string
	maxTokens, synthMaxTokens    int
	temperature                  float64
	thoughtTimeout, synthTimeout time.Duration
	timeout                      time.Duration
	retries, minThoughts         int
	batch                        bool
	fallbacks                    []string
	cooldown                     time.Duration
	cooldownAfter                int
	speed                        speedFlags
	// adaptive is the auto-concurrency controller, loaded on first use.
	adaptive *tune.Adaptive
}

func (f *settingsFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.config, "config", "", "config file (default: jessy/config.yaml in the user config directory)")
	fs.StringVar(&f.profile, "profile", "", "named profile of the config file")
	fs.StringVar(&f.backend, "backend", "", "backend of the config file, or a kind")
	fs.StringVar(&f.provider, "provider", "", "backend kind: ollama, openai or anthropic (env LLM_PROVIDER)")
	fs.StringVar(&f.model, "model", "", "model name (env LLM_MODEL)")
	fs.StringVar(&f.baseURL, "base-url", "", "backend address (env OLLAMA_HOST, OPENAI_BASE_URL, ANTHROPIC_BASE_URL)")
	fs.IntVar(&f.numCtx, "num-ctx", 0, "Ollama context window in tokens (default: the model's)")
	fs.DurationVar(&f.keepAlive, "keep-alive", 0, "how long Ollama keeps the model loaded (default: the server's)")
	fs.StringSliceVar(&f.models, "models", nil, "a council: models the thoughts take in turn (comma-separated)")
	fs.StringVar(&f.synthBackend, "synthesis-backend", "", "backend of the synthesis")
	fs.StringVar(&f.synthModel, "synthesis-model", "", "model of the synthesis")
	fs.BoolVar(&f.sequential, "sequential", false, "think one angle after another, each seeing the earlier ones (the baseline)")
	fs.StringVarP(&f.thoughts, "thoughts", "n", strconv.Itoa(engine.DefaultThoughts), "number of thoughts, or auto (4 to 12, from the question)")
	fs.StringVar(&f.concurrency, "concurrency", "auto", "thoughts in flight at once: a number (0: all of them), or auto (learned per backend and model)")
	fs.IntVar(&f.maxTokens, "max-tokens", engine.DefaultMaxTokens, "output cap per thought, in tokens")
	fs.IntVar(&f.synthMaxTokens, "synthesis-max-tokens", engine.DefaultSynthesisMaxTokens, "output cap of the answer, in tokens")
	fs.Float64Var(&f.temperature, "temperature", 0, "sampling temperature (default: the model's)")
	fs.DurationVar(&f.timeout, "timeout", config.DefaultTimeout, "deadline of the whole run (0: none)")
	fs.DurationVar(&f.thoughtTimeout, "thought-timeout", config.DefaultThoughtTimeout, "deadline of each thought, retries included (0: none)")
	fs.DurationVar(&f.synthTimeout, "synthesis-timeout", 0, "deadline of the synthesis, retries included (0: none)")
	fs.IntVar(&f.retries, "retries", engine.DefaultRetries, "retries of a call that failed before any output, for errors a retry may fix")
	fs.IntVar(&f.minThoughts, "min-thoughts", 1, "fewest successful thoughts the synthesis needs")
	fs.StringArrayVar(&f.fallbacks, "fallback", nil, "fallback synthesizer, MODEL or BACKEND=MODEL, tried in order if the synthesis fails (repeatable)")
	fs.DurationVar(&f.cooldown, "cooldown", guard.DefaultBreakerCooldown, "how long a backend that keeps failing is benched (0: never)")
	fs.IntVar(&f.cooldownAfter, "cooldown-after", guard.DefaultBreakerThreshold, "failures in a row that bench a backend")
	f.speed.register(fs)
	fs.BoolVar(&f.batch, "batch", false, "send all thoughts as one batched request (vLLM's /v1/completions); falls back when refused")
}

// pool returns the backend pool of the flags' cooldown policy, with the
// process's auto-concurrency controller.
func (f *settingsFlags) pool(warn func(string)) *backend.Pool {
	p := backend.NewPoolWith(f.cooldownAfter, f.cooldown)
	p.Tuner = f.tuner(warn)
	return p
}

// overrides returns the config overrides of the flags the user gave.
func (f *settingsFlags) overrides(fs *pflag.FlagSet) config.Overrides {
	var o config.Overrides
	str := func(name string, v string, dst **string) {
		if fs.Changed(name) {
			*dst = &v
		}
	}
	num := func(name string, v int, dst **int) {
		if fs.Changed(name) {
			*dst = &v
		}
	}
	dur := func(name string, v time.Duration, dst **time.Duration) {
		if fs.Changed(name) {
			*dst = &v
		}
	}
	str("backend", f.backend, &o.Backend)
	str("provider", f.provider, &o.Provider)
	str("model", f.model, &o.Model)
	str("base-url", f.baseURL, &o.BaseURL)
	num("num-ctx", f.numCtx, &o.NumCtx)
	dur("keep-alive", f.keepAlive, &o.KeepAlive)
	if fs.Changed("models") {
		o.Models = f.models
	}
	str("synthesis-backend", f.synthBackend, &o.SynthesisBackend)
	str("synthesis-model", f.synthModel, &o.SynthesisModel)
	if f.sequential {
		m := jessy.ModeSequential
		o.Mode = &m
	}
	num("max-tokens", f.maxTokens, &o.MaxTokens)
	num("synthesis-max-tokens", f.synthMaxTokens, &o.SynthesisMaxTokens)
	if fs.Changed("temperature") {
		t := f.temperature
		o.Temperature = &t
	}
	dur("thought-timeout", f.thoughtTimeout, &o.ThoughtTimeout)
	dur("synthesis-timeout", f.synthTimeout, &o.SynthesisTimeout)
	dur("timeout", f.timeout, &o.Timeout)
	num("retries", f.retries, &o.Retries)
	num("min-thoughts", f.minThoughts, &o.MinThoughts)
	if fs.Changed("fallback") {
		o.Fallbacks = f.fallbacks
	}
	f.speedOverrides(fs, &o)
	return o
}

// settings loads the config file and resolves it with the environment and
// the flags. Warnings go to warn.
func (f *settingsFlags) settings(fs *pflag.FlagSet, getenv func(string) string, warn func(string)) (*config.Settings, error) {
	file, err := config.Load(f.config)
	if err != nil {
		return nil, err
	}
	if err := f.check(); err != nil {
		return nil, err
	}
	s, err := config.Resolve(file, f.profile, getenv, f.overrides(fs))
	if err != nil {
		return nil, err
	}
	for _, w := range s.Warnings {
		warn(w)
	}
	return s, nil
}

// engine resolves the settings and builds the engine of a run.
func (f *settingsFlags) engine(fs *pflag.FlagSet, io stdio) (*engine.Engine, *config.Settings, error) {
	s, err := f.settings(fs, io.getenv, func(w string) { fmt.Fprintf(io.err, "jessy: warning: %s\n", w) })
	if err != nil {
		return nil, nil, err
	}
	e, err := f.pool(func(w string) { fmt.Fprintf(io.err, "jessy: warning: %s\n", w) }).Build(s)
	if err != nil {
		if jessy.KindOf(err) == jessy.KindAuth {
			return nil, nil, usageError{err}
		}
		return nil, nil, err
	}
	return e, s, nil
}
