// Package engine runs Jessy's thinking: N thought calls from different
// angles, concurrently or one after another, then one synthesis call that
// answers from every successful thought.
//
// The engine never prints. It reports progress as jessy.Event values to the
// caller's sink, always from the goroutine that called Run, and returns a
// *jessy.Result that holds everything gathered, also when the run fails.
package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/prompt"
)

// Defaults of Options.
const (
	DefaultThoughts           = 8
	DefaultMaxTokens          = 256
	DefaultSynthesisMaxTokens = 1024
	// ConvergenceThreshold is the word-set Jaccard similarity at which two
	// consecutive sequential thoughts count as converged.
	ConvergenceThreshold = 0.95
	// convergenceFrom is the first thought (1-based) checked for convergence.
	convergenceFrom = 4
)

// Target is a model on a backend.
type Target struct {
	// Backend names the backend in results, e.g. "ollama".
	Backend string
	// Provider makes the calls. Per-backend limits and benching are
	// decorators of it (package guard): share one guarded provider between
	// every Target of a backend, across runs.
	Provider jessy.Provider
	Model    string
}

// Options shape a run. The zero Options run 8 parallel thoughts with the
// default angles and output caps.
type Options struct {
	Mode jessy.Mode
	// Thoughts is N, the number of thoughts; 0 means DefaultThoughts.
	Thoughts int
	// Concurrency bounds the thoughts in flight in this run; 0 means N.
	Concurrency int
	// Prompts shapes the prompts; the zero Set is the default.
	Prompts prompt.Set
	// MaxTokens caps each thought's output; 0 means DefaultMaxTokens.
	MaxTokens int
	// SynthesisMaxTokens caps the answer; 0 means DefaultSynthesisMaxTokens.
	SynthesisMaxTokens int
	// Temperature, when set, is sent with every call.
	Temperature *float64
	// Timeout bounds the whole run; 0 means none (ctx's deadline still
	// holds). A run that runs out of it fails with a *jessy.Error of
	// KindTimeout, "run timed out after <Timeout>".
	Timeout time.Duration
	// ThoughtTimeout bounds each thought call, retries included; 0 means
	// none. A thought that runs out of it fails with "timed out after ...".
	ThoughtTimeout time.Duration
	// SynthesisTimeout bounds the synthesis call to each synthesis target
	// (the Synthesizer, then each fallback), retries included; 0 means none.
	SynthesisTimeout time.Duration
	// MinThoughts is the quorum: the synthesis runs only when at least this
	// many thoughts succeeded; 0 means 1.
	MinThoughts int
	// Retry is the retry policy of every call.
	Retry RetryPolicy
	// Batch sends all thoughts of a parallel run as one request when the
	// only thinker's provider is a jessy.Batcher (vLLM's list of prompts).
	// Batched thoughts do not stream. When the server refuses the list, the
	// run falls back to one request per thought and says so in Result.Note.
	Batch bool
	// SpeedOptions cut a run short of waiting for every thought (speed.go).
	SpeedOptions
}

// Engine runs questions. Its fields are read, never written, by Run, so one
// Engine may serve concurrent runs.
type Engine struct {
	// Thinkers are the targets of the thoughts; thought i goes to
	// Thinkers[i%len(Thinkers)].
	Thinkers []Target
	// Synthesizer is the target of the synthesis call.
	Synthesizer Target
	// Fallbacks are tried in order when the synthesis fails: each takes
	// over after the target before it failed for good (retries spent) with
	// an error other than a cancellation, and before any of its output
	// streamed. The Result's Synthesis names the target that answered (or
	// failed last) and holds every attempt across targets.
	Fallbacks []Target
	Options
}

// New returns an Engine whose thoughts and synthesis all go to t.
func New(t Target, opts Options) *Engine {
	return &Engine{Thinkers: []Target{t}, Synthesizer: t, Options: opts}
}

// QuorumError is the error of a run whose thought phase ended with fewer
// successful thoughts than the quorum. It unwraps to each failure, so
// jessy.KindOf reports the kind of the first one.
type QuorumError struct {
	Need, Got, Total int
	Failures         []error
}

func (e *QuorumError) Error() string {
	var b strings.Builder
	if e.Got == 0 {
		fmt.Fprintf(&b, "no thought succeeded (0 of %d)", e.Total)
	} else {
		fmt.Fprintf(&b, "only %d of %d thoughts succeeded, %d needed", e.Got, e.Total, e.Need)
	}
	for _, f := range e.Failures {
		b.WriteString("; ")
		b.WriteString(f.Error())
	}
	return b.String()
}

func (e *QuorumError) Unwrap() []error { return e.Failures }

func (e *Engine) validate() error {
	if len(e.Thinkers) == 0 {
		return jessy.Errorf(jessy.KindInvalid, "engine has no thinker target")
	}
	for _, targets := range [][]Target{e.Thinkers, {e.Synthesizer}, e.Fallbacks} {
		for _, t := range targets {
			if t.Provider == nil {
				return jessy.Errorf(jessy.KindInvalid, "target %q has no provider", t.Backend)
			}
		}
	}
	if e.Thoughts < 0 || e.Concurrency < 0 || e.MinThoughts < 0 || e.Retry.Retries < 0 {
		return jessy.Errorf(jessy.KindInvalid, "thoughts, concurrency, min thoughts and retries must not be negative")
	}
	if e.Timeout < 0 || e.ThoughtTimeout < 0 || e.SynthesisTimeout < 0 {
		return jessy.Errorf(jessy.KindInvalid, "timeouts must not be negative")
	}
	if e.MinThoughts > e.thoughts() {
		return jessy.Errorf(jessy.KindInvalid, "min thoughts %d exceeds thoughts %d", e.MinThoughts, e.thoughts())
	}
	switch e.Mode {
	case "", jessy.ModeParallel, jessy.ModeSequential:
	default:
		return jessy.Errorf(jessy.KindInvalid, "unknown mode %q", e.Mode)
	}
	return nil
}

func (e *Engine) thoughts() int {
	if e.Thoughts == 0 {
		return DefaultThoughts
	}
	return e.Thoughts
}

func (e *Engine) mode() jessy.Mode {
	if e.Mode == "" {
		return jessy.ModeParallel
	}
	return e.Mode
}

// Run answers the last user message of conv, with the earlier messages as
// conversation history. It blocks until the run is over and every call it
// started has returned; sink (which may be nil) receives the run's events
// from the calling goroutine, the last being run.done.
//
// Run always returns a non-nil Result holding what was gathered, thoughts
// included when the synthesis failed; the error, also in Result.Err, is a
// *QuorumError when too few thoughts succeeded, the last synthesis target's
// error (wrapped, "synthesis: ...") when the synthesis failed on every
// target, ctx's cause when the run was cancelled or ran out of Timeout, or a
// *jessy.Error of KindInvalid for a bad request.
func (e *Engine) Run(ctx context.Context, conv []jessy.Message, sink jessy.Sink) (*jessy.Result, error) {
	if sink == nil {
		sink = func(jessy.Event) {}
	}
	start := time.Now()
	res := &jessy.Result{Mode: e.mode(), Question: jessy.LastUserContent(conv)}
	e = e.plan(res.Question, &res.Speed)
	finish := func(err error) (*jessy.Result, error) {
		res.Err = err
		res.Timings.Total = time.Since(start)
		res.Timings.SequentialEquivalent = res.Synthesis.Duration
		res.Usage = res.Synthesis.Usage.Add(res.Speed.WastedUsage)
		if res.Synthesis.TTFT > 0 {
			res.Timings.FirstToken = res.Synthesis.Start.Sub(start) + res.Synthesis.TTFT
		}
		for _, t := range res.Thoughts {
			res.Timings.SequentialEquivalent += t.Duration
			res.Usage = res.Usage.Add(t.Usage)
		}
		sink(jessy.Event{Type: jessy.EventRunDone, Index: -1, Result: res, Err: err})
		return res, err
	}
	if err := cmp.Or(e.validate(), e.validateSpeed()); err != nil {
		return finish(err)
	}
	if e.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, e.Timeout,
			jessy.Errorf(jessy.KindTimeout, "run timed out after %s", e.Timeout))
		defer cancel()
	}
	if strings.TrimSpace(res.Question) == "" {
		return finish(jessy.Errorf(jessy.KindInvalid, "the question is empty"))
	}

	levels := e.choose(&res.Speed)
	res.Plan = jessy.Plan{Mode: res.Mode, Thoughts: e.thoughts(), ThoughtsReason: res.Speed.ThoughtsReason,
		Concurrency: res.Speed.Concurrency, ConcurrencyReason: res.Speed.ConcurrencyReason}
	plan := res.Plan
	sink(jessy.Event{Type: jessy.EventRunStarted, Index: -1, Plan: &plan})

	o := e.strategy()(ctx, conv, levels, sink)
	res.Thoughts, res.Note = o.thoughts, o.note
	res.Timings.Thinking = time.Since(start)
	if !o.thinkingDone.IsZero() {
		res.Timings.Thinking = o.thinkingDone.Sub(start)
	}
	if res.Mode == jessy.ModeParallel {
		// A sequential run's skipped thoughts converged; they were not cut off.
		res.Speed = speedOf(res.Speed, o)
	}
	if err := ctx.Err(); err != nil {
		if o.synthesis != nil {
			res.Synthesis = *o.synthesis
		}
		return finish(context.Cause(ctx))
	}

	ok := successful(res.Thoughts)
	need := max(e.MinThoughts, 1)
	switch {
	case o.synthesis != nil:
		res.Synthesis = *o.synthesis
	case len(ok) < need:
		return finish(quorumError(need, len(ok), res.Thoughts))
	default:
		res.Synthesis = e.synthesize(ctx, conv, ok, len(res.Thoughts), sink)
	}
	res.Timings.Synthesis = res.Synthesis.Duration
	if res.Synthesis.Status != jessy.StatusOK {
		if ctx.Err() != nil {
			return finish(context.Cause(ctx))
		}
		return finish(fmt.Errorf("synthesis: %w", res.Synthesis.Err))
	}
	return finish(nil)
}

// quorumError is the error of a run whose thoughts, got of them successful,
// fell short of the quorum need.
func quorumError(need, got int, thoughts []jessy.Thought) *QuorumError {
	var failures []error
	for _, t := range thoughts {
		if t.Status == jessy.StatusFailed {
			failures = append(failures, fmt.Errorf("thought %d (%s): %w", t.Index+1, t.Angle, t.Err))
		}
	}
	return &QuorumError{Need: need, Got: got, Total: len(thoughts), Failures: failures}
}

// choose returns the concurrency of each thinker target for a parallel
// run, recording the total and why in sp: one level shared by every target
// when the concurrency is fixed or unbounded, else one learned level per
// target (0 for a target no thought goes to). A sequential run has
// concurrency 1.
func (e *Engine) choose(sp *jessy.Speed) []int {
	n := e.thoughts()
	if e.mode() == jessy.ModeSequential {
		sp.Concurrency, sp.ConcurrencyReason = 1, "sequential"
		return []int{1}
	}
	if e.Concurrency > 0 || e.Tuner == nil {
		c := min(cmp.Or(e.Concurrency, n), n)
		sp.Concurrency, sp.ConcurrencyReason = c, "all thoughts"
		if e.Concurrency > 0 {
			sp.ConcurrencyReason = "fixed"
		}
		return []int{c}
	}
	levels := make([]int, len(e.Thinkers))
	for i, t := range e.Thinkers {
		share := (n - i + len(e.Thinkers) - 1) / len(e.Thinkers)
		if share == 0 {
			continue
		}
		c, why := e.Tuner.Choose(TuneKey(t.Backend, t.Model), share)
		levels[i] = c
		sp.Concurrency += c
		if i == 0 {
			sp.ConcurrencyReason = why
		}
	}
	return levels
}

// successful returns the thoughts that succeeded, in order: thoughts itself
// when every one did, else a copy. The caller must not modify it.
func successful(thoughts []jessy.Thought) []jessy.Thought {
	n := 0
	for i := range thoughts {
		if thoughts[i].Status == jessy.StatusOK {
			n++
		}
	}
	if n == len(thoughts) {
		return thoughts
	}
	ok := make([]jessy.Thought, 0, n)
	for _, t := range thoughts {
		if t.Status == jessy.StatusOK {
			ok = append(ok, t)
		}
	}
	return ok
}

// IsCanceled reports whether err ended a run because its caller cancelled.
func IsCanceled(err error) bool { return errors.Is(err, context.Canceled) }
