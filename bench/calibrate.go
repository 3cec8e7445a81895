package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/tune"
)

// DefaultLevels are the concurrencies Calibrate measures.
var DefaultLevels = []int{1, 2, 4, 8}

// Level is what Calibrate measured at one concurrency.
type Level struct {
	Concurrency int  `json:"concurrency"`
	Runs        int  `json:"runs"`
	ThinkingMS  Stat `json:"thinking_ms"`
}

// Calibration is the result of Calibrate.
type Calibration struct {
	// Key is the adaptive controller's key of the backend and model.
	Key    string  `json:"key"`
	Levels []Level `json:"levels"`
	// Best is the concurrency the controller will use from now on.
	Best int `json:"best"`
}

// Calibrate measures the thinking phase of cfg's question in parallel mode
// at each concurrency of levels (nil means DefaultLevels, each capped at the
// number of thoughts), cfg.Reps times round-robin after cfg.Warmup
// unmeasured runs, teaches a what it saw, and saves a. The engine's first
// thinker names the key. It returns an error when no run succeeded, when a
// cannot be saved, or when ctx is cancelled.
func Calibrate(ctx context.Context, cfg Config, levels []int, a *tune.Adaptive) (*Calibration, error) {
	if cfg.New == nil || cfg.Question == "" || a == nil {
		return nil, errors.New("calibrate: a question, an engine builder and an adaptive controller are needed")
	}
	if levels == nil {
		levels = DefaultLevels
	}
	reps := cfg.Reps
	if reps <= 0 {
		reps = 3
	}
	base := cfg.Base
	base.Mode, base.Quorum, base.Speculative, base.Tuner = jessy.ModeParallel, 0, false, nil
	base.Strategy = engine.StrategyAngles
	conv := []jessy.Message{{Role: jessy.RoleUser, Content: cfg.Question}}
	engines := make([]*engine.Engine, len(levels))
	for i, c := range levels {
		o := base
		o.Concurrency = c
		engines[i] = cfg.New(o)
	}
	first := engines[0].Thinkers[0]
	cal := &Calibration{Key: engine.TuneKey(first.Backend, first.Model)}
	n := 0
	for range cfg.Warmup {
		if _, err := engines[len(engines)-1].Run(ctx, conv, nil); ctx.Err() != nil {
			return cal, context.Cause(ctx)
		} else if err != nil {
			return cal, fmt.Errorf("calibrate: warm-up run: %w", err)
		}
	}
	thinking := make([][]float64, len(levels))
	for range reps {
		for i, e := range engines {
			res, err := e.Run(ctx, conv, nil)
			if ctx.Err() != nil {
				return cal, context.Cause(ctx)
			}
			if err != nil {
				continue
			}
			n = len(res.Thoughts)
			a.Learn(cal.Key, min(levels[i], n), res.Thoughts)
			thinking[i] = append(thinking[i], jessy.Milliseconds(res.Timings.Thinking))
		}
	}
	for i, c := range levels {
		l := Level{Concurrency: c, Runs: len(thinking[i])}
		if l.Runs > 0 {
			l.ThinkingMS = stat(thinking[i])
		}
		cal.Levels = append(cal.Levels, l)
	}
	if n == 0 {
		return cal, errors.New("calibrate: no run succeeded")
	}
	cal.Best, _ = a.Best(cal.Key, n)
	if err := a.Save(); err != nil {
		return cal, err
	}
	return cal, nil
}

// WriteTable writes c as a text table.
func (c *Calibration) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "calibration of %s: median (min-max) of the thinking phase\n\n", c.Key)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "concurrency\tthinking\truns")
	for _, l := range c.Levels {
		mark := ""
		if l.Concurrency == c.Best {
			mark = "  <- best"
		}
		fmt.Fprintf(tw, "%d\t%s\t%d%s\n", l.Concurrency, cell(l.ThinkingMS, ms), l.Runs, mark)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, b.String())
	return err
}
