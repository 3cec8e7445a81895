package config

import (
	"fmt"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/engine"
)

// pick returns the first set value of flag, profile and file, else def.
func pick[T any](flag *T, r *resolver, get func(*Defaults) *T, def T) T {
	if flag != nil {
		return *flag
	}
	if r.prof != nil {
		if v := get(&r.prof.Defaults); v != nil {
			return *v
		}
	}
	if v := get(&r.top.Defaults); v != nil {
		return *v
	}
	return def
}

// options resolves the numeric and mode options into run, checking the
// flags' values as the file's are checked.
func (r *resolver) options(run *Run) error {
	f := r.flags
	for _, c := range []struct {
		flag string
		v    *int
		min  int
	}{
		{"--max-tokens", f.MaxTokens, 1}, {"--synthesis-max-tokens", f.SynthesisMaxTokens, 1},
		{"--retries", f.Retries, 0}, {"--min-thoughts", f.MinThoughts, 0},
		{"--quorum", f.Quorum, 0}, {"--agree-count", f.AgreeCount, 0},
	} {
		if c.v != nil && *c.v < c.min {
			return invalid("%s must be at least %d", c.flag, c.min)
		}
	}
	if f.Thoughts != nil && !f.Thoughts.Auto && f.Thoughts.N < 1 {
		return invalid("--thoughts must be at least 1")
	}
	if f.Concurrency != nil && !f.Concurrency.Auto && f.Concurrency.N < 0 {
		return invalid("--concurrency must be at least 0")
	}
	if f.Temperature != nil && *f.Temperature < 0 {
		return invalid("--temperature must not be negative")
	}
	if f.ThoughtTimeout != nil && *f.ThoughtTimeout < 0 {
		return invalid("--thought-timeout must not be negative")
	}
	if f.SynthesisTimeout != nil && *f.SynthesisTimeout < 0 {
		return invalid("--synthesis-timeout must not be negative")
	}
	if f.Timeout != nil && *f.Timeout < 0 {
		return invalid("--timeout must not be negative")
	}
	if f.Mode != nil {
		if err := checkMode(*f.Mode); err != nil {
			return invalid("--mode: %v", err)
		}
	}

	run.Mode = pick(f.Mode, r, func(d *Defaults) *jessy.Mode {
		if d.Mode == "" {
			return nil
		}
		return &d.Mode
	}, jessy.ModeParallel)
	if run.Mode == "" {
		run.Mode = jessy.ModeParallel
	}
	thoughts := pick(f.Thoughts, r, func(d *Defaults) *Count { return d.Thoughts }, Count{N: len(run.Angles)})
	run.Thoughts, run.ThoughtsAuto = thoughts.N, thoughts.Auto
	if run.ThoughtsAuto || run.Thoughts == 0 {
		run.Thoughts = len(run.Angles)
	}
	conc := pick(f.Concurrency, r, func(d *Defaults) *Count { return d.Concurrency }, Count{Auto: true})
	run.Concurrency, run.ConcurrencyAuto = conc.N, conc.Auto && run.Mode != jessy.ModeSequential
	if run.Concurrency == 0 || run.Concurrency > run.Thoughts {
		run.Concurrency = run.Thoughts
	}
	if err := r.speed(run); err != nil {
		return err
	}
	run.MaxTokens = pick(f.MaxTokens, r, func(d *Defaults) *int { return d.MaxTokens }, engine.DefaultMaxTokens)
	run.SynthesisMaxTokens = pick(f.SynthesisMaxTokens, r, func(d *Defaults) *int { return d.SynthesisMaxTokens }, engine.DefaultSynthesisMaxTokens)
	temp := func(d *Defaults) *float64 { return d.Temperature }
	if f.Temperature != nil || (r.prof != nil && r.prof.Defaults.Temperature != nil) || r.top.Defaults.Temperature != nil {
		v := pick(f.Temperature, r, temp, 0)
		run.Temperature = &v
	}
	run.ThoughtTimeout = pick(f.ThoughtTimeout, r, func(d *Defaults) *time.Duration { return d.ThoughtTimeout }, DefaultThoughtTimeout)
	run.SynthesisTimeout = pick(f.SynthesisTimeout, r, func(d *Defaults) *time.Duration { return d.SynthesisTimeout }, 0)
	run.Timeout = pick(f.Timeout, r, func(d *Defaults) *time.Duration { return d.Timeout }, DefaultTimeout)
	run.Retries = pick(f.Retries, r, func(d *Defaults) *int { return d.Retries }, engine.DefaultRetries)
	run.MinThoughts = max(pick(f.MinThoughts, r, func(d *Defaults) *int { return d.MinThoughts }, 1), 1)
	if run.MinThoughts > run.Thoughts {
		return invalid("min_thoughts (%d) exceeds thoughts (%d): a run could never reach its quorum", run.MinThoughts, run.Thoughts)
	}
	return nil
}

// speed resolves the speed options into run; a flag's bad value is an
// error naming the flag (the file's were checked by validate).
func (r *resolver) speed(run *Run) error {
	f := r.flags
	run.Quorum = pick(f.Quorum, r, func(d *Defaults) *int { return d.Quorum }, 0)
	grace := pick(f.Grace, r, func(d *Defaults) *string { return d.Grace }, "0")
	g, err := engine.ParseGrace(grace)
	if err != nil {
		return invalid("--grace: %v", err)
	}
	run.Grace = g
	run.Speculative = pick(f.Speculative, r, func(d *Defaults) *bool { return d.Speculative }, false)
	strategy := pick(f.Strategy, r, func(d *Defaults) *string { return nonEmpty(&d.Strategy) }, string(engine.StrategyAngles))
	if err := checkStrategy(strategy); err != nil {
		return invalid("--strategy: %v", err)
	}
	run.Strategy = engine.Strategy(strategy)
	run.AgreeCount = pick(f.AgreeCount, r, func(d *Defaults) *int { return d.AgreeCount }, 0)
	run.AgreeThreshold = pick(f.AgreeThreshold, r, func(d *Defaults) *float64 { return d.AgreeThreshold }, 0)
	if run.AgreeThreshold < 0 || run.AgreeThreshold > 1 {
		return invalid("--agree-threshold must be between 0 and 1")
	}
	run.AgreeLexical = pick(f.AgreeLexical, r, func(d *Defaults) *bool { return d.AgreeLexical }, false)
	run.EmbedModel = pick(f.EmbedModel, r, func(d *Defaults) *string { return nonEmpty(&d.EmbedModel) }, "")
	run.Batch = pick(f.Batch, r, func(d *Defaults) *bool { return d.Batch }, false)
	return nil
}

// nonEmpty returns s, or nil when *s is "" (an unset string key).
func nonEmpty(s *string) *string {
	if *s == "" {
		return nil
	}
	return s
}

// checkStrategy accepts the engine's strategies.
func checkStrategy(s string) error {
	switch engine.Strategy(s) {
	case engine.StrategyAngles, engine.StrategySamples:
		return nil
	}
	return fmt.Errorf("%q is not angles or samples", s)
}

// invalid returns a KindInvalid error.
func invalid(format string, args ...any) error {
	return jessy.Errorf(jessy.KindInvalid, format, args...)
}
