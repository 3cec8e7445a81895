package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/bench"
	"github.com/jessy-llm/jessy/config"
	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/tune"
)

func newBenchCmd(io stdio) *cobra.Command {
	var (
		f                  settingsFlags
		modes              []string
		levels             []int
		warmup, reps       int
		jsonOut, calibrate bool
	)
	cmd := &cobra.Command{
		Use:   "bench [question]",
		Short: "Measure the configured backend: sequential, parallel, quorum, speculative and auto modes side by side",
		Long: `bench runs one question in several modes against the configured backend,
with warm-up runs and repetitions taken round-robin, and prints medians with
min and max of the thinking phase, the synthesis, the total, the
sequential-equivalent, the speedup, the time to the answer's first token,
calls and tokens. quorum and speculative run when --quorum is set; auto runs
with auto concurrency (the default). --calibrate instead measures the
thinking phase at concurrency 1, 2, 4 and 8 and teaches auto concurrency the
best one.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			q := strings.Join(args, " ")
			if q == "" {
				q = "Why is the sky blue?"
			}
			e, s, err := f.engine(cmd.Flags(), io)
			if err != nil {
				return err
			}
			cfg := bench.Config{
				Question: q, Base: e.Options, Warmup: warmup, Reps: reps,
				New: func(o engine.Options) *engine.Engine { cp := *e; cp.Options = o; return &cp },
				Progress: func(m bench.Mode, rep int, warm bool, res *jessy.Result) {
					what := fmt.Sprintf("run %d", rep+1)
					if warm {
						what = "warm-up"
					}
					fmt.Fprintf(io.err, "bench: %-11s %-7s %6.2fs %s\n", m, what, res.Timings.Total.Seconds(), res.Tally())
				},
			}
			for _, m := range modes {
				cfg.Modes = append(cfg.Modes, bench.Mode(m))
			}
			ctx := cmd.Context()
			t := e.Thinkers[0]
			if calibrate {
				a, _ := e.Tuner.(*tune.Adaptive)
				if a == nil {
					return usagef("--calibrate teaches auto concurrency: drop --concurrency N")
				}
				cal, err := bench.Calibrate(ctx, cfg, levels, a)
				if err != nil {
					return err
				}
				if jsonOut {
					return writeJSON(io.out, cal)
				}
				return cal.WriteTable(io.out)
			}
			rep, err := bench.Run(ctx, cfg)
			if rep != nil {
				name := t.Backend
				if b := s.Backend(t.Backend); b != nil && string(b.Kind) != name {
					name += " (" + string(b.Kind) + ")"
				}
				var numParallel string
				if b := s.Backend(t.Backend); b != nil && b.Kind == config.KindOllama {
					numParallel = config.OllamaNumParallel(io.getenv)
				}
				rep.Backend = bench.Describe(ctx, t.Provider, name, t.Model, numParallel)
				var werr error
				if jsonOut {
					werr = rep.WriteJSON(io.out)
				} else {
					werr = rep.WriteTable(io.out)
				}
				if err == nil {
					err = werr
				}
			}
			f.saveAdaptive(func(w string) { fmt.Fprintf(io.err, "jessy: warning: %s\n", w) })
			return err
		},
	}
	fs := cmd.Flags()
	f.register(fs)
	fs.StringSliceVar(&modes, "modes", nil, "modes to run (default: sequential,parallel, then quorum,speculative with --quorum, then auto)")
	fs.IntVar(&warmup, "warmup", 1, "unmeasured runs per mode first")
	fs.IntVar(&reps, "reps", 3, "measured runs per mode")
	fs.BoolVar(&jsonOut, "json", false, "print the report as JSON")
	fs.BoolVar(&calibrate, "calibrate", false, "measure concurrency levels and teach auto concurrency the best")
	fs.IntSliceVar(&levels, "levels", nil, "with --calibrate: the concurrencies to measure (default 1,2,4,8)")
	return cmd
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
