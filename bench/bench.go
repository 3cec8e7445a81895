// Package bench measures Jessy's speed on a backend: it runs one question
// in several modes (sequential, parallel, quorum, speculative, auto), with
// warm-up runs and repetitions, and reports medians with min and max of
// each phase's time, the speedup over sequential-equivalent, the time to
// the answer's first token, calls and tokens. It also calibrates the
// adaptive concurrency of a backend on purpose. It is `jessy bench` as a
// library; the command only parses flags and prints.
package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/engine"
)

// Mode is one way of running the question.
type Mode string

// The modes. Each is Config.Base with changes:
const (
	// Sequential runs the thoughts one after another (jessy.ModeSequential).
	Sequential Mode = "sequential"
	// Parallel runs every thought at once and waits for all of them: no
	// quorum, no adaptive concurrency.
	Parallel Mode = "parallel"
	// Quorum is Parallel with Base's Quorum and Grace.
	Quorum Mode = "quorum"
	// Speculative is Quorum with speculative synthesis.
	Speculative Mode = "speculative"
	// Auto is Parallel with Base's Tuner choosing the concurrency.
	Auto Mode = "auto"
)

// Options returns the engine options of mode m, made from base.
func (m Mode) Options(base engine.Options) (engine.Options, error) {
	o := base
	o.Mode = jessy.ModeParallel
	o.Speculative = false
	switch m {
	case Sequential:
		o.Mode, o.Quorum, o.Tuner = jessy.ModeSequential, 0, nil
	case Parallel:
		o.Quorum, o.Tuner = 0, nil
	case Quorum:
		o.Tuner = nil
	case Speculative:
		o.Speculative, o.Tuner = true, nil
	case Auto:
		o.Quorum, o.Concurrency = 0, 0
	default:
		return o, fmt.Errorf("unknown bench mode %q", m)
	}
	if (m == Quorum || m == Speculative) && o.Quorum == 0 {
		return o, fmt.Errorf("bench mode %s needs a quorum", m)
	}
	if m == Auto && o.Tuner == nil {
		return o, fmt.Errorf("bench mode auto needs an adaptive controller")
	}
	return o, nil
}

// Config is a benchmark.
type Config struct {
	// Question is asked in every run.
	Question string
	// Base is the options every mode starts from; its Quorum, Grace and
	// Tuner enable the quorum, speculative and auto modes.
	Base engine.Options
	// New builds the engine of one mode from its options.
	New func(engine.Options) *engine.Engine
	// Modes are the modes to run, in order; nil means DefaultModes(Base).
	Modes []Mode
	// Warmup runs per mode are made first and not measured.
	Warmup int
	// Reps are the measured runs per mode; 0 means 3.
	Reps int
	// Progress, when set, is told of each finished run.
	Progress func(m Mode, rep int, warmup bool, res *jessy.Result)
}

// DefaultModes are sequential and parallel, then quorum and speculative
// when base has a quorum, then auto when base has a Tuner.
func DefaultModes(base engine.Options) []Mode {
	ms := []Mode{Sequential, Parallel}
	if base.Quorum > 0 {
		ms = append(ms, Quorum, Speculative)
	}
	if base.Tuner != nil {
		ms = append(ms, Auto)
	}
	return ms
}

// Run benchmarks cfg. It makes the warm-up runs of every mode, then the
// measured runs round-robin across modes (so that drift in the backend's
// speed spreads over all of them), and returns one Row per mode. A failed
// run is counted in Row.Errors and left out of the figures; Run returns an
// error only for a bad Config or a cancelled ctx, with what was measured.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	modes := cfg.Modes
	if modes == nil {
		modes = DefaultModes(cfg.Base)
	}
	if cfg.New == nil || len(modes) == 0 || cfg.Question == "" {
		return nil, errors.New("bench: a question, modes and an engine builder are needed")
	}
	reps := cfg.Reps
	if reps <= 0 {
		reps = 3
	}
	engines := make([]*engine.Engine, len(modes))
	for i, m := range modes {
		o, err := m.Options(cfg.Base)
		if err != nil {
			return nil, err
		}
		engines[i] = cfg.New(o)
	}
	conv := []jessy.Message{{Role: jessy.RoleUser, Content: cfg.Question}}
	rep := &Report{Question: cfg.Question, Warmup: cfg.Warmup, Reps: reps}
	results := make([][]*jessy.Result, len(modes))
	errs := make([][]error, len(modes))
	once := func(i, r int, warm bool) {
		res, err := engines[i].Run(ctx, conv, nil)
		if cfg.Progress != nil {
			cfg.Progress(modes[i], r, warm, res)
		}
		if warm {
			return
		}
		if err != nil {
			errs[i] = append(errs[i], err)
			return
		}
		results[i] = append(results[i], res)
	}
	for i := range modes {
		for r := range cfg.Warmup {
			if ctx.Err() != nil {
				break
			}
			once(i, r, true)
		}
	}
	for r := range reps {
		for i := range modes {
			if ctx.Err() != nil {
				break
			}
			once(i, r, false)
		}
	}
	for i, m := range modes {
		rep.Rows = append(rep.Rows, summarize(m, results[i], errs[i]))
	}
	if ctx.Err() != nil {
		return rep, context.Cause(ctx)
	}
	return rep, nil
}

// calls counts the model calls a run made: the thoughts that started and
// every synthesis attempt.
func calls(res *jessy.Result) int {
	n := 0
	for _, t := range res.Thoughts {
		if t.Status != jessy.StatusSkipped && !(t.Status == jessy.StatusFailed && len(t.Attempts) == 0) {
			n += max(1, len(t.Attempts))
		}
	}
	if res.Synthesis.Status != "" {
		n += max(1, len(res.Synthesis.Attempts))
	}
	return n + res.Speed.SynthesisRestarts
}

func summarize(m Mode, rs []*jessy.Result, errs []error) Row {
	row := Row{Mode: m, Runs: len(rs), Errors: len(errs)}
	if len(errs) > 0 {
		row.LastError = errs[len(errs)-1].Error()
	}
	if len(rs) == 0 {
		return row
	}
	dur := func(f func(*jessy.Result) time.Duration) Stat {
		xs := make([]float64, len(rs))
		for i, r := range rs {
			xs[i] = jessy.Milliseconds(f(r))
		}
		return stat(xs)
	}
	num := func(f func(*jessy.Result) float64) Stat {
		xs := make([]float64, len(rs))
		for i, r := range rs {
			xs[i] = f(r)
		}
		return stat(xs)
	}
	row.ThinkingMS = dur(func(r *jessy.Result) time.Duration { return r.Timings.Thinking })
	row.SynthesisMS = dur(func(r *jessy.Result) time.Duration { return r.Timings.Synthesis })
	row.TotalMS = dur(func(r *jessy.Result) time.Duration { return r.Timings.Total })
	row.SequentialEquivalentMS = dur(func(r *jessy.Result) time.Duration { return r.Timings.SequentialEquivalent })
	row.FirstTokenMS = dur(func(r *jessy.Result) time.Duration { return r.Timings.FirstToken })
	row.Speedup = num(func(r *jessy.Result) float64 { return r.Timings.Speedup() })
	row.Calls = num(func(r *jessy.Result) float64 { return float64(calls(r)) })
	row.Tokens = num(func(r *jessy.Result) float64 { return float64(r.Usage.Total()) })
	row.Concurrency = num(func(r *jessy.Result) float64 {
		if r.Mode == jessy.ModeSequential {
			return 1
		}
		return float64(r.Speed.Concurrency)
	})
	return row
}

// stat is the median, min and max of xs (not empty). The median of an even
// count is the mean of the two middle values.
func stat(xs []float64) Stat {
	s := slices.Clone(xs)
	slices.Sort(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return Stat{Median: med, Min: s[0], Max: s[len(s)-1]}
}
