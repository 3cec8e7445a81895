// Package backend turns resolved configuration into working parts: one
// guarded provider per backend, the Engine of a run, and the probes of
// `jessy doctor` and `jessy models`.
//
// It is the only package besides cmd that imports every provider package.
package backend

import (
	"fmt"
	"sync"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/config"
	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/guard"
	"github.com/jessy-llm/jessy/prompt"
	"github.com/jessy-llm/jessy/provider/anthropic"
	"github.com/jessy-llm/jessy/provider/ollama"
	"github.com/jessy-llm/jessy/provider/openai"
)

// Open returns a provider for b. It makes no request. Its errors are those
// of the provider's constructor: a *jessy.Error of KindInvalid for an
// address that is not a URL, of KindAuth for a missing key where the
// endpoint needs one.
func Open(b *config.Backend) (jessy.Provider, error) {
	switch b.Kind {
	case config.KindOllama:
		return ollama.New(ollama.Config{Host: b.BaseURL, KeepAlive: b.KeepAlive, NumCtx: b.NumCtx})
	case config.KindOpenAI:
		return openai.New(openai.Config{BaseURL: b.BaseURL, APIKey: b.APIKey.Reveal()})
	case config.KindAnthropic:
		return anthropic.New(anthropic.Config{BaseURL: b.BaseURL, APIKey: b.APIKey.Reveal()})
	}
	return nil, &jessy.Error{Kind: jessy.KindInvalid, Backend: b.Name,
		Message: fmt.Sprintf("unknown backend kind %q", b.Kind)}
}

// Build returns the Engine of s: one provider per backend the run uses,
// wrapped by guard and shared by every target on that backend, so that
// thoughts on different backends run concurrently, each backend under its
// own concurrency limit (a backend with concurrency 0 gets none) and
// benched by its own breaker with guard's default threshold and cooldown. Targets carry the backend's name and the model, so results
// record who answered. Fallbacks become the engine's Fallbacks: the
// synthesis tries the synthesizer and then each fallback in turn.
//
// Build makes no request. It fails with s.Ready's error, or with a
// provider's constructor error. The Engine may serve concurrent runs; the
// Engine's Options.Timeout is s.Run.Timeout, the run's overall deadline.
func Build(s *config.Settings) (*engine.Engine, error) {
	return NewPool().Build(s)
}

// Pool builds engines that share one guarded provider (one concurrency
// limit, one breaker) per backend, so that a backend's concurrency limit and cooldown hold across
// every engine built from it (the server builds one engine per profile and model). A backend is
// known by its name, kind and address. A Pool is safe for concurrent use.
type Pool struct {
	// Tuner, when set, learns the concurrency of every engine whose run
	// settings say concurrency auto (shared across them, and across runs).
	// Without one, such engines run every thought at once.
	Tuner engine.Tuner

	mu        sync.Mutex
	targets   map[string]engine.Target
	threshold int
	cooldown  time.Duration
}

// NewPool returns an empty Pool whose backends cool down after
// guard.DefaultBreakerThreshold failures in a row, for
// guard.DefaultBreakerCooldown.
func NewPool() *Pool {
	return NewPoolWith(guard.DefaultBreakerThreshold, guard.DefaultBreakerCooldown)
}

// NewPoolWith returns an empty Pool whose backends cool down for cooldown
// after threshold failures in a row; a threshold or cooldown of 0 turns
// cooling down off.
func NewPoolWith(threshold int, cooldown time.Duration) *Pool {
	return &Pool{targets: map[string]engine.Target{}, threshold: threshold, cooldown: cooldown}
}

// target returns the shared target of b, opening and guarding its provider
// on first use.
func (p *Pool) target(b *config.Backend) (engine.Target, error) {
	key := string(b.Kind) + " " + b.Name + " " + b.BaseURL
	p.mu.Lock()
	defer p.mu.Unlock()
	if t, ok := p.targets[key]; ok {
		return t, nil
	}
	prov, err := Open(b)
	if err != nil {
		return engine.Target{}, err
	}
	t := engine.Target{Backend: b.Name, Provider: guard.Wrap(prov, b.Name, guard.Options{
		Slots: b.Concurrency, MaxWait: b.MaxWait, Threshold: p.threshold, Cooldown: p.cooldown,
	})}
	p.targets[key] = t
	return t, nil
}

// Build is the package's Build with the pool's shared targets.
func (p *Pool) Build(s *config.Settings) (*engine.Engine, error) {
	if err := s.Ready(); err != nil {
		return nil, err
	}
	targets := map[string]engine.Target{}
	for i := range s.Backends {
		b := &s.Backends[i]
		if !b.Used {
			continue
		}
		t, err := p.target(b)
		if err != nil {
			return nil, err
		}
		targets[b.Name] = t
	}
	target := func(c config.Target) engine.Target {
		t := targets[c.Backend]
		t.Model = c.Model
		return t
	}
	e := &engine.Engine{Options: Options(s.Run, p.Tuner), Synthesizer: target(s.Synthesizer)}
	for _, c := range s.Thinkers {
		e.Thinkers = append(e.Thinkers, target(c))
	}
	for _, c := range s.Fallbacks {
		e.Fallbacks = append(e.Fallbacks, target(c))
	}
	return e, nil
}

// Options returns the engine options of run: the one mapping from the
// resolved settings to the engine. A run whose concurrency is auto learns
// it through tuner; without a tuner it runs at run.Concurrency.
func Options(run config.Run, tuner engine.Tuner) engine.Options {
	retry := engine.DefaultRetryPolicy()
	retry.Retries = run.Retries
	o := engine.Options{
		Mode:        run.Mode,
		Thoughts:    run.Thoughts,
		Concurrency: run.Concurrency,
		Batch:       run.Batch,
		Prompts: prompt.Set{
			Angles:          run.Angles,
			ThoughtSystem:   run.ThoughtSystem,
			SynthesisSystem: run.SynthesisSystem,
		},
		MaxTokens:          run.MaxTokens,
		SynthesisMaxTokens: run.SynthesisMaxTokens,
		Temperature:        run.Temperature,
		ThoughtTimeout:     run.ThoughtTimeout,
		SynthesisTimeout:   run.SynthesisTimeout,
		Timeout:            run.Timeout,
		MinThoughts:        run.MinThoughts,
		Retry:              retry,
		SpeedOptions: engine.SpeedOptions{
			Quorum:      run.Quorum,
			Grace:       run.Grace,
			Speculative: run.Speculative,
			Strategy:    run.Strategy,
			Agreement: engine.Agreement{Count: run.AgreeCount, Threshold: run.AgreeThreshold,
				Lexical: run.AgreeLexical, Model: run.EmbedModel},
			ThoughtsAuto: run.ThoughtsAuto,
		},
	}
	if run.ConcurrencyAuto && tuner != nil {
		o.Concurrency, o.Tuner = 0, tuner
	}
	return o
}
