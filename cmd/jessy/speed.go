package main

import (
	"strconv"

	"github.com/spf13/pflag"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/config"
	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/tune"
)

// speedFlags are the flags that make a run faster than waiting for all of
// its thoughts.
type speedFlags struct {
	quorum         int
	grace          string
	speculative    bool
	strategy       string
	agreeCount     int
	agreeThreshold float64
	agreeLexical   bool
	embedModel     string
}

func (f *speedFlags) register(fs *pflag.FlagSet) {
	fs.IntVar(&f.quorum, "quorum", 0, "synthesize once this many thoughts are in, after --grace for the rest (0: wait for all)")
	fs.StringVar(&f.grace, "grace", "0", "wait for stragglers after the quorum: a duration (2s) or a fraction of the quorum's time (0.5x, 50%)")
	fs.BoolVar(&f.speculative, "speculative", false, "with --quorum: start the synthesis at the quorum, restarting it if a straggler lands before its first token")
	fs.StringVar(&f.strategy, "strategy", string(engine.StrategyAngles), "angles (a different angle per thought) or samples (the same prompt, stopping early when samples agree)")
	fs.IntVar(&f.agreeCount, "agree-count", 0, "samples: how many agreeing samples stop the run (0: 5 of every 8)")
	fs.Float64Var(&f.agreeThreshold, "agree-threshold", 0, "samples: similarity at which two samples agree (0: 0.9 cosine with embeddings, 0.5 word overlap without)")
	fs.BoolVar(&f.agreeLexical, "agree-lexical", false, "samples: compare words even when the backend can embed")
	fs.StringVar(&f.embedModel, "embed-model", "", "samples: the embedding model (default: the thinking model)")
}

// thoughtsN is --thoughts as a number, false for auto.
func (f *settingsFlags) thoughtsN() (int, bool) {
	n, err := strconv.Atoi(f.thoughts)
	return n, err == nil
}

// concurrencyN is --concurrency as a number, false for auto.
func (f *settingsFlags) concurrencyN() (int, bool) {
	n, err := strconv.Atoi(f.concurrency)
	return n, err == nil
}

// check refuses --thoughts and --concurrency values that are neither a
// number nor auto.
func (f *settingsFlags) check() error {
	if _, ok := f.thoughtsN(); !ok && f.thoughts != "auto" {
		return usagef("--thoughts %q: give a number or auto", f.thoughts)
	}
	if _, ok := f.concurrencyN(); !ok && f.concurrency != "auto" {
		return usagef("--concurrency %q: give a number or auto", f.concurrency)
	}
	return nil
}

// applySpeed sets the speed options of the flags on e. Every engine of one
// process shares one adaptive controller. Concurrency is auto
// when the flag says so, and by default unless the config file set a limit
// below the thought count.
func (f *settingsFlags) applySpeed(fs *pflag.FlagSet, e *engine.Engine, s *config.Settings, warn func(string)) error {
	sf := f.speed
	grace, err := engine.ParseGrace(sf.grace)
	if err != nil {
		return err
	}
	e.Quorum, e.Grace, e.Speculative = sf.quorum, grace, sf.speculative
	e.Strategy = engine.Strategy(sf.strategy)
	e.Agreement = engine.Agreement{Count: sf.agreeCount, Threshold: sf.agreeThreshold, Lexical: sf.agreeLexical, Model: sf.embedModel}
	e.ThoughtsAuto = f.thoughts == "auto"
	auto := f.concurrency == "auto" && (fs.Changed("concurrency") || s.Run.Concurrency >= s.Run.Thoughts)
	if auto && e.Mode != jessy.ModeSequential {
		if f.adaptive == nil {
			path, err := tune.DefaultPath()
			if err == nil {
				f.adaptive, err = tune.Open(path)
			}
			if err != nil {
				warn("auto concurrency is off: " + err.Error())
				return nil
			}
		}
		e.Concurrency, e.Tuner = 0, f.adaptive
	}
	return nil
}

// saveAdaptive keeps what auto concurrency learned, if it was used.
func (f *settingsFlags) saveAdaptive(warn func(string)) {
	if f.adaptive == nil {
		return
	}
	if err := f.adaptive.Save(); err != nil {
		warn("auto concurrency: " + err.Error())
	}
}
