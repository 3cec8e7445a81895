package main

import (
	"github.com/spf13/pflag"

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

// check refuses --thoughts and --concurrency values that are neither a
// number nor auto.
func (f *settingsFlags) check() error {
	if _, err := config.ParseCount(f.thoughts); err != nil {
		return usagef("--thoughts: %v", err)
	}
	if _, err := config.ParseCount(f.concurrency); err != nil {
		return usagef("--concurrency: %v", err)
	}
	return nil
}

// speedOverrides adds the speed flags the user gave to o.
func (f *settingsFlags) speedOverrides(fs *pflag.FlagSet, o *config.Overrides) {
	sf := f.speed
	set := func(name string, apply func()) {
		if fs.Changed(name) {
			apply()
		}
	}
	set("quorum", func() { o.Quorum = &sf.quorum })
	set("grace", func() { o.Grace = &sf.grace })
	set("speculative", func() { o.Speculative = &sf.speculative })
	set("strategy", func() { o.Strategy = &sf.strategy })
	set("agree-count", func() { o.AgreeCount = &sf.agreeCount })
	set("agree-threshold", func() { o.AgreeThreshold = &sf.agreeThreshold })
	set("agree-lexical", func() { o.AgreeLexical = &sf.agreeLexical })
	set("embed-model", func() { o.EmbedModel = &sf.embedModel })
	set("batch", func() { o.Batch = &f.batch })
	set("thoughts", func() {
		c, _ := config.ParseCount(f.thoughts)
		o.Thoughts = &c
	})
	set("concurrency", func() {
		c, _ := config.ParseCount(f.concurrency)
		o.Concurrency = &c
	})
}

// tuner returns the process's auto-concurrency controller, loaded from its
// cache file on first use and shared by every engine; nil, after a
// warning, when the file cannot be read.
func (f *settingsFlags) tuner(warn func(string)) engine.Tuner {
	if f.adaptive == nil {
		path, err := tune.DefaultPath()
		if err == nil {
			f.adaptive, err = tune.Open(path)
		}
		if err != nil {
			warn("auto concurrency is off: " + err.Error())
			f.adaptive = nil
			return nil
		}
	}
	return f.adaptive
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
