package config

import (
	"fmt"
	"time"

	"github.com/jessy-llm/jessy"
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
		{"--thoughts", f.Thoughts, 1}, {"--concurrency", f.Concurrency, 0}, {"--max-tokens", f.MaxTokens, 1},
		{"--synthesis-max-tokens", f.SynthesisMaxTokens, 1}, {"--retries", f.Retries, 0}, {"--min-thoughts", f.MinThoughts, 0},
	} {
		if c.v != nil && *c.v < c.min {
			return invalid("%s must be at least %d", c.flag, c.min)
		}
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
	run.Thoughts = pick(f.Thoughts, r, func(d *Defaults) *int { return d.Thoughts }, len(run.Angles))
	run.Concurrency = pick(f.Concurrency, r, func(d *Defaults) *int { return d.Concurrency }, 0)
	if run.Concurrency == 0 || run.Concurrency > run.Thoughts {
		run.Concurrency = run.Thoughts
	}
	run.MaxTokens = pick(f.MaxTokens, r, func(d *Defaults) *int { return d.MaxTokens }, DefaultMaxTokens)
	run.SynthesisMaxTokens = pick(f.SynthesisMaxTokens, r, func(d *Defaults) *int { return d.SynthesisMaxTokens }, DefaultSynthesisMaxTokens)
	temp := func(d *Defaults) *float64 { return d.Temperature }
	if f.Temperature != nil || (r.prof != nil && r.prof.Defaults.Temperature != nil) || r.top.Defaults.Temperature != nil {
		v := pick(f.Temperature, r, temp, 0)
		run.Temperature = &v
	}
	run.ThoughtTimeout = pick(f.ThoughtTimeout, r, func(d *Defaults) *time.Duration { return d.ThoughtTimeout }, DefaultThoughtTimeout)
	run.SynthesisTimeout = pick(f.SynthesisTimeout, r, func(d *Defaults) *time.Duration { return d.SynthesisTimeout }, 0)
	run.Timeout = pick(f.Timeout, r, func(d *Defaults) *time.Duration { return d.Timeout }, DefaultTimeout)
	run.Retries = pick(f.Retries, r, func(d *Defaults) *int { return d.Retries }, DefaultRetries)
	run.MinThoughts = max(pick(f.MinThoughts, r, func(d *Defaults) *int { return d.MinThoughts }, 1), 1)
	if run.MinThoughts > run.Thoughts {
		return invalid("min_thoughts (%d) exceeds thoughts (%d): a run could never reach its quorum", run.MinThoughts, run.Thoughts)
	}
	return nil
}

// invalid returns a KindInvalid error.
func invalid(format string, args ...any) error {
	return &jessy.Error{Kind: jessy.KindInvalid, Message: fmt.Sprintf(format, args...)}
}
